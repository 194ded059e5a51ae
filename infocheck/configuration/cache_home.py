"""Where infocheck keeps what it caches, in the user's cache home: today Hypothesis's files (its
Unicode tables, and a profile's example database), never in the folder a run starts from. Read
by a run (plugin/hypothesis_profiles.py) and by a fleet's fork server (fleet/zygote.py)."""
from __future__ import annotations

import os
import sys
from pathlib import Path


def hypothesis_home(environ, platform: str = sys.platform, os_name: str = os.name) -> Path | None:
    """Where an infocheck run keeps Hypothesis's files: `infocheck/hypothesis` in the user's
    cache home (%LOCALAPPDATA% on Windows, ~/Library/Caches on macOS, $XDG_CACHE_HOME or
    ~/.cache elsewhere); None where there is none."""
    try:
        if os_name == "nt":
            base = Path(environ["LOCALAPPDATA"]) if environ.get("LOCALAPPDATA") else None
        elif platform == "darwin":
            base = Path.home() / "Library" / "Caches"
        else:
            xdg = environ.get("XDG_CACHE_HOME", "")
            base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    except (RuntimeError, KeyError, OSError):   # no home folder to be found
        return None
    if base is None or not base.is_absolute():
        return None
    return base / "infocheck" / "hypothesis"
