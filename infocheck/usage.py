"""How a usage error reads in every command: `ERROR: <command>: <what>` on one line and exit 4
(argparse's own is a usage block and exit 2), naming the option that was meant when one is
mistyped (`--flavor` → `--flavour`)."""
from __future__ import annotations

import argparse
import difflib
import re
import sys

from infocheck.judging.judge import EXIT_USAGE
from infocheck.wire.printable import printable

OPTION = re.compile(r"--[a-z][a-z0-9-]*")


def meant(args: list[str], options: list[str],
          known: frozenset[str] = frozenset()) -> tuple[str, str] | None:
    """The first `--name` in args that is neither one of options nor known but is near one of
    options, and that one (before a `--`, after which nothing is an option)."""
    for arg in args:
        if arg == "--":
            return None
        name = arg.split("=", 1)[0]
        if OPTION.fullmatch(name) and name not in options and name not in known:
            close = difflib.get_close_matches(name, options, n=1, cutoff=0.75)
            if close:
                return name, close[0]
    return None


class OneLineParser(argparse.ArgumentParser):
    """An argument parser for `infocheck serve`, `merge` and `diff`."""

    def parse_args(self, args=None, namespace=None):
        found, extras = self.parse_known_args(args, namespace)
        if extras:
            options = [o for action in self._actions for o in action.option_strings if o.startswith("--")]
            near = meant(extras, options)
            self.error(f"unrecognized arguments: {' '.join(extras)}" +
                       (f"; did you mean {near[1]}?" if near else ""))
        return found

    def error(self, message):
        print(f"ERROR: {self.prog}: {printable(message, 500)} ({self.prog} --help)", file=sys.stderr)
        sys.exit(EXIT_USAGE)
