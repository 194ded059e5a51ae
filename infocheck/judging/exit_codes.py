"""The exit codes, one enumeration: each means one thing, and a code is compared only with
these. This module imports nothing of infocheck's (the command's front-end, cli.py, reads it
and still starts without loading the judge), so every layer may use it."""
from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """What a run's (or a fleet's, a merge's, a diff's) exit status means. An IntEnum: it is
    the number pytest, the shell and a report's `exit_code` hold, and writes as that number."""

    CONFORMANT = 0        # every MUST requirement checked passed
    NOT_CONFORMANT = 1    # a MUST requirement failed
    UNTESTABLE = 2        # the endpoint could not be checked completely
    INTERNAL = 3          # infocheck itself broke; this says nothing about the endpoint
    USAGE = 4             # a usage error: the run is not what was asked for

    @property
    def verdict(self) -> str:
        """The verdict's words, as every report writes them."""
        return _WORDS[self]


_WORDS = {
    ExitCode.CONFORMANT: "CONFORMANT",
    ExitCode.NOT_CONFORMANT: "NOT CONFORMANT",
    ExitCode.UNTESTABLE: "COULD NOT TEST",
    ExitCode.INTERNAL: "INTERNAL ERROR",
    ExitCode.USAGE: "USAGE ERROR",
}
INTERRUPTED = "INTERRUPTED"   # the words of any other status (pytest's 2 on an interruption is said so)


def worst(codes) -> int:
    """The exit code of many (a fleet's, from its targets'): a usage error first (the run is
    not what was asked for); then, as in a single run, a MUST failure before infocheck's own
    error; then a target not tested; else the first other status, else 0."""
    codes = list(codes)
    for code in (ExitCode.USAGE, ExitCode.NOT_CONFORMANT, ExitCode.INTERNAL, ExitCode.UNTESTABLE):
        if code in codes:
            return code
    return next((c for c in codes if c != ExitCode.CONFORMANT), ExitCode.CONFORMANT)
