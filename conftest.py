# The suites' configuration enters here and flows to tests as fixtures (see infocheck/plugin.py).
pytest_plugins = ["infocheck.plugin"]
