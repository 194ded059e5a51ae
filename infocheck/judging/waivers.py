"""Waivers: known failures a team accepts until a date, each with a reason.

A waiver file is a YAML or JSON list of {requirement or test, reason, expires}. A waived
failure does not fail the run; a waiver past its date does, and says so.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from infocheck.configuration.config import ConfigError

KNOB = "INFOCHECK_WAIVERS / --waivers"


@dataclass(frozen=True)
class Waiver:
    requirement: str | None
    test: str | None
    reason: str
    expires: dt.date

    @property
    def subject(self) -> str:
        return self.requirement or self.test

    def expired(self, today: dt.date) -> bool:
        return today > self.expires

    def covers(self, nodeid: str, requirements: tuple[str, ...]) -> bool:
        """A test waiver names a node id, a node id without parameters, or a test name."""
        if self.requirement:
            return bool(requirements) and all(r == self.requirement for r in requirements)
        bare = nodeid.split("[", 1)[0]
        return self.test in (nodeid, bare, bare.rsplit("::", 1)[-1])


def load(path: str, known) -> tuple[Waiver, ...]:
    """The waivers in `path`; a requirement waived must be in `known` (the run's catalogue)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{KNOB}: cannot read {path!r} ({exc.strerror})") from None
    entries = _parse(text, file.suffix.lower(), path)
    if not isinstance(entries, list):
        raise ConfigError(f"{KNOB}: {path} must hold a list of waivers")
    return tuple(_waiver(entry, number, path, known) for number, entry in enumerate(entries, 1))


def _parse(text: str, suffix: str, path: str):
    if suffix == ".json":
        try:
            return json.loads(text)
        except ValueError as exc:
            raise ConfigError(f"{KNOB}: {path} is not valid JSON ({exc})") from None
    try:
        import yaml
    except ImportError:  # pragma: no cover - PyYAML is pinned in requirements.lock
        raise ConfigError(f"{KNOB}: reading YAML needs PyYAML; give the waivers as .json") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{KNOB}: {path} is not valid YAML ({str(exc).splitlines()[0]})") from None


def _waiver(entry, number: int, path: str, known) -> Waiver:
    where = f"{KNOB}: {path}, waiver {number}"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: each waiver is a mapping with requirement or test, reason, expires")
    unknown = set(entry) - {"requirement", "test", "reason", "expires"}
    if unknown:
        raise ConfigError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    requirement, test = entry.get("requirement"), entry.get("test")
    if bool(requirement) == bool(test):
        raise ConfigError(f"{where}: name exactly one of requirement or test")
    if requirement and requirement not in known:
        raise ConfigError(f"{where}: {requirement!r} is not a requirement ID")
    reason = entry.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise ConfigError(f"{where}: a waiver needs a reason")
    expires = entry.get("expires")
    if isinstance(expires, dt.datetime):
        expires = expires.date()
    if isinstance(expires, str):
        try:
            expires = dt.date.fromisoformat(expires)
        except ValueError:
            expires = None
    if not isinstance(expires, dt.date):
        raise ConfigError(f"{where}: expires must be a date, YYYY-MM-DD")
    return Waiver(requirement, str(test) if test else None, reason.strip(), expires)
