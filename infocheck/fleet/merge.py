"""`infocheck merge` and `infocheck diff`: fleet reports combined and compared from their JSON
alone, without touching the network. Inputs are validated against schemas/ before use."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from infocheck.fleet import model as fleet_report
from infocheck.wire import strict_json
from infocheck.fleet.file import NAME
from infocheck.contracts.info.profiles import validator
from infocheck.judging.judge import EXIT_USAGE

INPUT_LIMIT = 256 * 1024 * 1024


class ReportError(Exception):
    """An input report cannot be used; the message names the file."""


def load(path: str) -> list[dict]:
    """The targets of a report: a fleet report's, or a single run's as one target named after
    the folder that holds it (reports-eastus2/infocheck.json is target reports-eastus2)."""
    try:
        with open(path, "rb") as file:
            raw = file.read(INPUT_LIMIT + 1)
    except OSError as exc:
        raise ReportError(f"{path}: cannot read it ({exc.strerror})") from None
    if len(raw) > INPUT_LIMIT:
        raise ReportError(f"{path}: over {INPUT_LIMIT // 2**20} MiB; not an infocheck report")
    try:
        doc = strict_json.loads(raw)   # bounded depth: a report is never deeper than a few levels
    except ValueError as exc:
        raise ReportError(f"{path}: not JSON ({exc})") from None
    fleet = isinstance(doc, dict) and doc.get("report") == "fleet"
    problem = next(iter(validator("infocheck-fleet" if fleet else "infocheck-report").iter_errors(doc)), None)
    if problem is not None:
        raise ReportError(f"{path}: not an infocheck {'fleet ' if fleet else ''}report "
                          f"({problem.json_path}: {problem.message[:200]})")
    if fleet:
        return [dict(t, detail=None) for t in doc["targets"]]
    name = Path(path).resolve().parent.name
    if not NAME.fullmatch(name):
        raise ReportError(f"{path}: a single run's report is named after its folder, and "
                          f"{name!r} is not a target name (letters, digits, . _ -)")
    return [fleet_report.target_entry(name, doc)]


def merged(paths: list[str]) -> dict:
    targets, seen = [], {}
    for path in paths:
        for target in load(path):
            if target["name"].lower() in seen:
                raise ReportError(f"{path}: target {target['name']} is also in {seen[target['name'].lower()]}")
            seen[target["name"].lower()] = path
            targets.append(target)
    return fleet_report.document(targets)


def merge_main(argv: list[str]) -> int:
    parser = _parser("merge", "combine the JSON reports of fleet runs (or single runs) into one "
                     "fleet report and exit code")
    parser.add_argument("reports", nargs="+", metavar="REPORT.json")
    parser.add_argument("--html", metavar="PATH", help="write the fleet HTML report here")
    parser.add_argument("--json", metavar="PATH", help="write the fleet JSON report here")
    args = parser.parse_args(argv)
    try:
        doc = merged(args.reports)
    except ReportError as error:
        return _usage(error)
    for path, text in ((args.json, json.dumps(doc, indent=2, ensure_ascii=False) + "\n"),
                       (args.html, fleet_report.html(doc) if args.html else "")):
        if path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_text(text, encoding="utf-8")
    for line in fleet_report.summary_lines(doc):
        print(line)
    return doc["exit_code"]


def diff_main(argv: list[str]) -> int:
    parser = _parser("diff", "what changed between two runs, per target and requirement; "
                     "exit 1 on a regression")
    parser.add_argument("old", metavar="OLD.json")
    parser.add_argument("new", metavar="NEW.json")
    parser.add_argument("--json", metavar="PATH", help="write the changes as JSON here")
    args = parser.parse_args(argv)
    try:
        changes = fleet_report.diff(merged([args.old]), merged([args.new]))
    except ReportError as error:
        return _usage(error)
    if args.json:
        Path(args.json).write_text(json.dumps(changes, indent=2) + "\n", encoding="utf-8")
    for line in fleet_report.diff_lines(changes):
        print(line)
    return changes["exit_code"]


class _Parser(argparse.ArgumentParser):
    def error(self, message):   # a usage error is exit 4 here too, not argparse's 2
        self.print_usage(sys.stderr)
        print(f"infocheck {self.prog.split()[-1]}: {message}", file=sys.stderr)
        sys.exit(EXIT_USAGE)


def _parser(command: str, description: str) -> argparse.ArgumentParser:
    return _Parser(prog=f"infocheck {command}", description=description)


def _usage(error: Exception) -> int:
    print(f"infocheck: {error}", file=sys.stderr)
    return EXIT_USAGE
