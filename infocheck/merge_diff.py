"""`infocheck merge` and `infocheck diff`, the commands: their arguments, their outputs, and
what a failure of theirs reads as (a usage error one line and exit 4, infocheck's own one line
and exit 3). The work is the fleet's: fleet/reading.py reads each report handed over (a file we
do not trust), fleet/merge.py combines them, fleet/diffing.py compares two."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from infocheck.configuration import files
from infocheck.configuration.errors import ConfigError
from infocheck.fleet import render
from infocheck.fleet.diffing import diff, same_endpoint
from infocheck.fleet.merge import merged
from infocheck.fleet.reading import ReportError
from infocheck.usage import OneLineParser, guarded


def merge_main(argv: list[str]) -> int:
    parser = _parser("merge", "combine the JSON reports of fleet runs (or single runs) into one "
                     "fleet report and exit code")
    parser.add_argument("reports", nargs="+", metavar="REPORT.json")
    parser.add_argument("--html", metavar="PATH", help="write the fleet HTML report here")
    parser.add_argument("--json", metavar="PATH", help="write the fleet JSON report here")
    parser.add_argument("--history", metavar="URL", help="record the merged results in this "
                        "history store (INFOCHECK_HISTORY; docs/watching.md)")
    parser.add_argument("--history-keep", metavar="AGE", help="how long the store keeps a run "
                        "(INFOCHECK_HISTORY_KEEP; default 90d)")
    args = parser.parse_args(argv)
    return _guarded("merge", lambda: _merge(args))


def _merge(args) -> int:
    from infocheck.history.record import merge_history
    history = merge_history(args.history, args.history_keep)   # a usage error before any work
    outputs = [Path(p) for p in (args.json, args.html) if p]
    for path in outputs:
        _writable(path)
    found = merged(args.reports)
    try:
        if args.json:
            _write(Path(args.json), found.write_json)
        if args.html:
            page = found.html(Path(args.html))
            _write(Path(args.html), lambda path: path.write_text(page, encoding="utf-8"))
        head = found.head()
        for line in render.summary_lines(head, found.summaries):
            print(line)
        if history:
            history(found, (outputs[0].parent if outputs else Path("reports")), print)
        return head["exit_code"]
    finally:
        found.close()


def diff_main(argv: list[str]) -> int:
    parser = _parser("diff", "what changed between two runs, per target and requirement; "
                     "exit 1 on a regression")
    parser.add_argument("old", metavar="OLD.json")
    parser.add_argument("new", metavar="NEW.json")
    parser.add_argument("--json", metavar="PATH", help="write the changes as JSON here")
    args = parser.parse_args(argv)
    return _guarded("diff", lambda: _diff(args))


def _diff(args) -> int:
    if args.json:
        _writable(Path(args.json))
    found = []
    try:
        for path in (args.old, args.new):
            found.append(merged([path]))
        same_endpoint(*found)
    finally:
        for one in found:
            one.close()
    changes = diff(*(one.summaries for one in found))
    if args.json:
        _write(Path(args.json), lambda path: path.write_text(json.dumps(changes, indent=2) + "\n",
                                                                encoding="utf-8"))
    for line in render.diff_lines(changes):
        print(line)
    return changes["exit_code"]


class _Unwritable(Exception):
    pass


def _writable(path: Path) -> None:
    """Before anything is read: an output that cannot be written is a usage error now."""
    why = files.unwritable(path)
    if why:
        raise _Unwritable(why)


def _write(path: Path, write) -> None:
    try:
        write(path)
    except OSError as exc:
        raise _Unwritable(f"{files.where(path)}: cannot write there ({exc.strerror or exc})") from None


def _guarded(command: str, work) -> int:
    return guarded(command, work, (ReportError, _Unwritable, ConfigError))


def _parser(command: str, description: str) -> argparse.ArgumentParser:
    return OneLineParser(prog=f"infocheck {command}", description=description)
