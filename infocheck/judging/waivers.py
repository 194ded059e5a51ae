"""Waivers: known failures a team accepts until a date, each with a reason.

A waiver file is a YAML or JSON list of {requirement or test, reason, expires}. A waived
failure does not fail the run; a waiver past its date does, and says so.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from infocheck.configuration import files
from infocheck.configuration.knobs import ConfigError
from infocheck.wire.printable import printable

KNOB = "INFOCHECK_WAIVERS / --waivers"
FIELDS = ("requirement", "test", "reason", "expires")
REASON_LIMIT = 500     # characters of a reason shown anywhere


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
    try:
        entries = files.load(path, "waiver file")
    except files.FileError as error:
        raise ConfigError(f"{KNOB}: {error}") from None
    if not isinstance(entries, list):
        raise ConfigError(f"{KNOB}: {files.where(path)} must hold a list of waivers")
    return tuple(_waiver(entry, number, path, known) for number, entry in enumerate(entries, 1))


def _waiver(entry, number: int, path: str, known) -> Waiver:
    where = f"{KNOB}: {files.where(path, f'waiver {number}')}"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: each waiver is a mapping with requirement or test, reason, expires")
    unknown = [key for key in entry if key not in FIELDS]
    if unknown:
        raise ConfigError(f"{where}: unknown field(s) {', '.join(sorted(map(files.shown_name, unknown)))}")
    requirement, test = entry.get("requirement"), entry.get("test")
    if (requirement is None) == (test is None):
        raise ConfigError(f"{where}: name exactly one of requirement or test")
    subject = "requirement" if requirement is not None else "test"
    name = files.text(requirement if requirement is not None else test, f"{where}: {subject}")
    if requirement is not None and name not in known:
        raise ConfigError(f"{where}: {files.quoted(name)} is not a requirement ID")
    if entry.get("reason") is None:
        raise ConfigError(f"{where}: a waiver needs a reason")
    reason = files.text(entry["reason"], f"{where}: reason")
    if entry.get("expires") is None:
        raise ConfigError(f"{where}: expires must be a date, YYYY-MM-DD")
    try:
        expires = files.date(entry["expires"], f"{where}: expires")
    except files.FileError:
        raise ConfigError(f"{where}: expires must be a date, YYYY-MM-DD") from None
    # Shown in the terminal and the reports: escaped and capped here, once.
    reason = printable(reason.strip(), REASON_LIMIT)
    return Waiver(name if requirement is not None else None, printable(name, 300) if test is not None else None,
                  reason, expires)
