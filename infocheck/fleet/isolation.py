"""What keeps a fleet's targets' secrets apart: a target's run gets an environment without the
fleet's own settings and without any variable a target of the fleet takes a secret from, and
a PATH that leads nowhere a checkout can write; the parent masks every string and file a
target's run left with every secret the fleet knows (and learns which of them were there)."""
from __future__ import annotations

import os
from pathlib import Path

from infocheck.configuration.knobs import FLEET_RUN_FIELDS, FLEET_TARGET_FIELDS, KNOBS
from infocheck.fleet.channel import CREDENTIAL_SOURCE, KEY_VARIABLE, SAME_AS
from infocheck.wire.secret import Scrubber

CHILD_ENV_DROPPED = {name for k in KNOBS if k.field in FLEET_TARGET_FIELDS + FLEET_RUN_FIELDS
                     for name in (k.env, *k.old_envs)} | {
    CREDENTIAL_SOURCE, KEY_VARIABLE, SAME_AS}
NO_CURRENT_FOLDER = "NoDefaultCurrentDirectoryInExePath"
WINDOWS = os.name == "nt"


def absolute_path(path: str) -> str:
    """PATH without its empty and relative entries, which mean the folder a program starts in:
    the fleet's, often a checkout a pull request wrote to."""
    return os.pathsep.join(entry for entry in path.split(os.pathsep) if entry and os.path.isabs(entry))


def child_environment(environ: dict, reads: set, own, windows: bool = WINDOWS) -> dict:
    """A target's run's environment: `environ` without the fleet's own settings and without
    any variable in `reads` (those a target of the fleet takes a secret from), plus its own."""
    env = {k: v for k, v in environ.items() if k not in CHILD_ENV_DROPPED and k not in reads}
    env.update(own)
    if "PATH" in env:   # what it runs (azure-identity's az too) is not the checkout's
        env["PATH"] = absolute_path(env["PATH"])
    if windows:   # Windows' lookup, and shutil.which from Python 3.12, skip the current folder then
        env[NO_CURRENT_FOLDER] = "1"
    return env


def scrub_file(path: Path, scrubber: Scrubber) -> bool:
    """The file masked with every secret in place, or removed if it cannot be; whether a
    secret was there."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
        masked = scrubber.text(text)
        if masked != text:
            path.write_text(masked, encoding="utf-8")
        return masked != text
    except Exception:   # noqa: BLE001 - a file that cannot be masked is not left behind
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass
        return False


def scrub_data(data, scrubber: Scrubber):
    """Every string in `data` masked on its own (a text that cannot be masked in place is
    withheld alone, not the whole document), and whether any secret was there."""
    found = False

    def clean(item):
        nonlocal found
        if isinstance(item, str):
            masked = scrubber.text(item)
            found = found or masked != item
            return masked
        if isinstance(item, dict):
            return {clean(k) if isinstance(k, str) else k: clean(v) for k, v in item.items()}
        if isinstance(item, list):
            return [clean(v) for v in item]
        return item

    return clean(data), found
