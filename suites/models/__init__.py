"""The models contract's suites (a package: see suites/__init__.py)."""
