"""`infocheck merge` and `infocheck diff`: fleet reports combined and compared from their JSON
alone, without touching the network. A report handed to them is a file we do not trust: read
through the one loader (configuration/files.py), validated against schemas/ before use."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from infocheck.bundle import validator
from infocheck.configuration import files
from infocheck.fleet import model, render
from infocheck.fleet.file import NAME
from infocheck.judging.judge import EXIT_USAGE
from infocheck.wire.printable import printable

INPUT_LIMIT = 256 * 1024 * 1024
REPORT_DEPTH = 16     # a report is never deeper than a few levels


class ReportError(Exception):
    """An input report cannot be used; the message names the file."""


def load(path: str) -> list[dict]:
    """The targets of a report: a fleet report's, or a single run's as one target named after
    the folder that holds it (reports-eastus2/infocheck.json is target reports-eastus2)."""
    try:
        data = files.read_bytes(path, INPUT_LIMIT, "report")
        doc = files.load_json(data, files.where(path), "report", REPORT_DEPTH)
    except files.FileError as error:
        raise ReportError(str(error)) from None
    fleet = isinstance(doc, dict) and doc.get("report") == "fleet"
    problem = next(iter(validator("infocheck-fleet" if fleet else "infocheck-report").iter_errors(doc)), None)
    if problem is not None:
        raise ReportError(f"{files.where(path)}: not an infocheck {'fleet ' if fleet else ''}report "
                          f"({printable(problem.json_path, 200)}: {printable(problem.message, 200)})")
    if fleet:
        return [dict(t, detail=None) for t in doc["targets"]]
    name = Path(path).resolve().parent.name
    if not NAME.fullmatch(name):
        raise ReportError(f"{files.where(path)}: a single run's report is named after its folder, "
                          f"and {files.quoted(name)} is not a target name (letters, digits, . _ -)")
    return [model.target_entry(name, doc)]


def merged(paths: list[str]) -> dict:
    targets, seen = [], {}
    for path in paths:
        for target in load(path):
            if target["name"].lower() in seen:
                raise ReportError(f"{files.where(path)}: target {target['name']} is also in "
                                  f"{seen[target['name'].lower()]}")
            seen[target["name"].lower()] = files.where(path)
            targets.append(target)
    return model.document(targets)


SEVERITY = {"failed": 2, "finding": 1}
TARGET_SEVERITY = {"CONFORMANT": 0, "COULD NOT TEST": 1, "NOT CONFORMANT": 2}


def diff(old: dict, new: dict) -> dict:
    """What changed per target and requirement. A regression is a requirement that fails (or
    earns a SHOULD finding) where it did not, or a target whose verdict got worse; a fix is
    the reverse. Targets only in one run are listed, never counted as regressions."""
    before = {t["name"]: t for t in old["targets"]}
    after = {t["name"]: t for t in new["targets"]}
    changes = {"regressions": [], "fixes": [], "new_targets": sorted(set(after) - set(before)),
               "removed_targets": sorted(set(before) - set(after))}
    for name in [n for n in after if n in before]:
        was, now = before[name], after[name]
        rank_was = TARGET_SEVERITY.get(was["verdict"], 3)
        rank_now = TARGET_SEVERITY.get(now["verdict"], 3)
        if rank_now != rank_was:
            kind = "regressions" if rank_now > rank_was else "fixes"
            changes[kind].append({"target": name, "requirement": None,
                                  "was": was["verdict"], "now": now["verdict"]})
        old_verdicts, new_verdicts = model.verdicts_of(was), model.verdicts_of(now)
        for requirement_id, verdict in new_verdicts.items():
            previous = old_verdicts.get(requirement_id, "not run")
            if SEVERITY.get(verdict, 0) != SEVERITY.get(previous, 0):
                kind = "regressions" if SEVERITY.get(verdict, 0) > SEVERITY.get(previous, 0) else "fixes"
                changes[kind].append({"target": name, "requirement": requirement_id,
                                      "was": previous, "now": verdict})
    changes["exit_code"] = 1 if changes["regressions"] else 0
    return changes


# -- the commands --------------------------------------------------------------------------------

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
                       (args.html, render.html(doc) if args.html else "")):
        if path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_text(text, encoding="utf-8")
    for line in render.summary_lines(doc):
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
        changes = diff(merged([args.old]), merged([args.new]))
    except ReportError as error:
        return _usage(error)
    if args.json:
        Path(args.json).write_text(json.dumps(changes, indent=2) + "\n", encoding="utf-8")
    for line in render.diff_lines(changes):
        print(line)
    return changes["exit_code"]


class _Parser(argparse.ArgumentParser):
    def error(self, message):   # a usage error is exit 4 here too, not argparse's 2
        self.print_usage(sys.stderr)
        print(f"infocheck {self.prog.split()[-1]}: {printable(message, 500)}", file=sys.stderr)
        sys.exit(EXIT_USAGE)


def _parser(command: str, description: str) -> argparse.ArgumentParser:
    return _Parser(prog=f"infocheck {command}", description=description)


def _usage(error: Exception) -> int:
    print(f"infocheck: {error}", file=sys.stderr)
    return EXIT_USAGE
