# The suites' configuration enters through the infocheck plugin (infocheck/plugin.py). Installed
# (pip install ., or the editable install the README's commands make), it is loaded through its
# pytest11 entry point; in a bare clone, from here.
import os
from importlib.metadata import entry_points

_installed = any(ep.name == "infocheck" for ep in entry_points(group="pytest11"))
_autoload = not os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
pytest_plugins = [] if _installed and _autoload else ["infocheck.plugin"]
