"""The info contract's suites (a package: see suites/__init__.py)."""
