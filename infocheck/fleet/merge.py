"""`infocheck merge` and `infocheck diff`: fleet reports combined and compared from their JSON
alone, without touching the network.

A report handed to them is a file we do not trust. It is read through the one loader
(configuration/files.py), checked against schemas/, and then for what a schema cannot say: every
number within range, every verdict the one its exit code means, a fleet's exit code the one its
targets' give, a link to a target's full report one that infocheck writes. A merge holds each
target's summary, not its whole result (those are spooled to disk and written out as read), so
that ten thousand targets fit in a CI runner's memory."""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from pathlib import Path

from infocheck.configuration import files
from infocheck.fleet import model, rejudge, render
from infocheck.fleet.file import NAME
from infocheck.judging import report_model
from infocheck.judging.exit_codes import ExitCode
from infocheck.usage import OneLineParser
from infocheck.wire.printable import printable

INPUT_LIMIT = report_model.INPUT_LIMIT
REPORT_DEPTH = report_model.REPORT_DEPTH
NUMBER_LIMIT = report_model.NUMBER_LIMIT
DETAIL = re.compile(r"(targets/[A-Za-z0-9._-]{1,64}/)?infocheck\.html")   # the links infocheck writes
ReportError = report_model.ReportError   # an input report cannot be used (its message says why)


# -- reading one report ----------------------------------------------------------------------

class Report:
    """One report as read: its targets (each judged again from its results), and what it says
    of the fleet it is (a slice of), for merge to tell which slices no report holds."""

    def __init__(self, shown: str, targets: list[dict], single: bool, fleet_slice=None,
                 fleet=None, indexes=(), missing=()):
        self.shown, self.targets, self.single = shown, targets, single
        self.slice, self.fleet, self.indexes, self.missing = fleet_slice, fleet, list(indexes), list(missing)


def load(path: str) -> list[dict]:
    """The targets of a report: a fleet report's, or a single run's as one target named after
    the folder that holds it (reports-eastus2/infocheck.json is target reports-eastus2). Each
    target's `detail` is made absolute (or None where it is not a link infocheck writes), and
    its verdict is the one its results give (fleet/rejudge.py)."""
    return read(path).targets


def read(path: str) -> Report:
    """A report, checked and judged again; see load."""
    shown = files.where(path)
    found = report_model.read(path, INPUT_LIMIT, shown=shown)
    folder = Path(path).resolve().parent
    fleet, doc = isinstance(found, report_model.FleetReport), found.to_dict()
    del found   # the plain document from here on: one copy of a large report in memory, not two
    if fleet:
        targets = doc["targets"]
        for target in targets:
            target["detail"] = _link(folder, target.get("detail"))
        indexes = [t["index"] for t in targets if "index" in t]
        return Report(shown, [rejudge.rejudged(t) for t in targets], False, doc["slice"],
                      doc.get("fleet"), indexes, doc.get("missing", ()))
    name = folder.name
    if not NAME.fullmatch(name):
        raise ReportError(f"{shown}: a single run's report is named after its folder, "
                          f"and {files.quoted(name)} is not a target name (letters, digits, . _ -)")
    entry = model.target_entry(name, doc, detail=_link(folder, "infocheck.html"))
    return Report(shown, [rejudge.rejudged(entry)], True)


MISSING_SHOWN = 10   # missing slices or targets named; the rest counted


def coverage(reports: list[Report]) -> tuple[dict | None, list[str]]:
    """What the merged fleet reports cover: the fleet they are of (when they are of one that
    says what it is) and the slices (K/N) or targets (#I) of each fleet that no report holds.

    A report that records its fleet (its size, slice count and names' digest) is checked by
    its targets' places in the fleet file: every place from 1 to the size must be held. One
    from before that record, cut into N slices, is checked by slice number alone: slices 1 to
    N of N must all be there (nothing shows the fleet file was the same for each). A report
    of the whole fleet from before it is the whole fleet, as before."""
    known: dict[tuple, list[Report]] = {}
    old: dict[int, set[int]] = {}
    missing: list[str] = []
    for report in reports:
        if report.single:
            continue
        missing += [m for m in report.missing if report.fleet is None]
        if report.fleet is not None:
            key = (report.fleet["names_sha256"], report.fleet["targets"])
            known.setdefault(key, []).append(report)
        elif report.slice is not None:
            k, n = (int(x) for x in report.slice.split("/"))
            old.setdefault(n, set()).add(k)
    for n, present in old.items():
        missing += _absent(n, {k for k in present if 1 <= k <= n}, lambda k, n=n: f"{k}/{n}")
    for (_, size), group in known.items():
        held = {i for r in group for i in r.indexes if 1 <= i <= size}
        counts = {r.fleet["slices"] for r in group}
        n = counts.pop() if len(counts) == 1 else 1
        if n > 1:
            per_slice: dict[int, int] = {}
            for i in held:
                per_slice[(i - 1) % n + 1] = per_slice.get((i - 1) % n + 1, 0) + 1
            # slice k holds places k, k+n, ... up to the size
            whole = {k for k, c in per_slice.items() if c == (size - k) // n + 1}
            missing += _absent(min(n, size), whole, lambda k, n=n: f"{k}/{n}")
        else:
            missing += _absent(size, held, lambda i: f"#{i}")
    fleet = None
    if len(known) == 1 and not old:
        [(key, group)] = known.items()
        counts = {r.fleet["slices"] for r in group}
        fleet = {"targets": key[1], "slices": counts.pop() if len(counts) == 1 else 1,
                 "names_sha256": key[0]}
    return fleet, list(dict.fromkeys(missing))


def _absent(count: int, present: set[int], name) -> list[str]:
    """The names of the places 1 to `count` not in `present` (a subset of them): the first
    MISSING_SHOWN, then how many more. The gaps are walked, not the places, so a hostile size
    of a billion costs what the reports hold."""
    found, place = [], 1
    for held in sorted(present) + [count + 1]:
        while place < held and len(found) < MISSING_SHOWN:
            found.append(name(place))
            place += 1
        if len(found) >= MISSING_SHOWN:
            break
        place = held + 1
    more = count - len(present) - len(found)
    return found + ([f"and {more} more"] if more > 0 else [])


def _link(folder: Path, detail) -> str | None:
    """An input's link to a target's full report, made absolute; only a link infocheck writes
    itself is kept (a report's text is not a place to take a URL from)."""
    if not isinstance(detail, str) or not DETAIL.fullmatch(detail):
        return None
    found = folder / detail
    return str(found) if found.is_file() else None


# -- merging --------------------------------------------------------------------------------

class Merge:
    """Many reports as one fleet: each target's summary in memory, its entry on disk."""

    def __init__(self):
        self.summaries: list[dict] = []
        self.metas: dict = {}
        self._spool = tempfile.TemporaryFile()
        self._places: list[tuple[int, int]] = []   # each entry's offset and length in the spool
        self._seen: dict[str, str] = {}
        self._next_index = 0
        self.reports: list[Report] = []   # what each says of its fleet (its targets are spooled)

    def add(self, path: str) -> None:
        report = read(path)
        targets, report.targets = report.targets, []
        self.reports.append(report)
        for target in targets:
            folded = target["name"].lower()
            if folded in self._seen:
                raise ReportError(f"{files.where(path)}: target {target['name']} is also in "
                                  f"{self._seen[folded]}")
            self._seen[folded] = files.where(path)
            self._next_index += 1
            target.setdefault("index", self._next_index)
            data = report_model.TargetReport.from_dict(target).to_line().encode("utf-8")
            self._places.append((self._spool.tell(), len(data)))
            self._spool.write(data)
            self.summaries.append(model.summarize(target, self.metas))

    def head(self) -> dict:
        fleet, missing = coverage(self.reports)
        return model.head(self.summaries, fleet=fleet, missing=missing)

    @property
    def single(self) -> bool:
        """One single run's report, and nothing else."""
        return len(self.reports) == 1 and self.reports[0].single

    def entries(self):
        """The targets' entries, read back one at a time, in the fleet file's order."""
        order = sorted(range(len(self._places)), key=lambda i: self.summaries[i]["index"] or 0)
        for i in order:
            offset, length = self._places[i]
            self._spool.seek(offset)
            yield report_model.target_from_line(self._spool.read(length)).to_dict()

    def write_json(self, path: Path) -> None:
        base = path.resolve().parent
        head = report_model.FleetReport.from_dict(self.head())
        targets = (report_model.TargetReport.from_dict(dict(entry, detail=_relative(entry["detail"], base)))
                   for entry in self.entries())
        with open(path, "w", encoding="utf-8") as out:
            report_model.write_streamed(out, head, targets)

    def html(self, path: Path) -> str:
        """The page, its links relative to where it is written."""
        base = path.resolve().parent
        summaries = [dict(s, detail=_relative(s["detail"], base)) for s in self.summaries]
        return render.html(self.head(), summaries, self.metas)

    def close(self) -> None:
        self._spool.close()


def _relative(detail: str | None, base: Path) -> str | None:
    if detail is None:
        return None
    return os.path.relpath(detail, base).replace(os.sep, "/")


def merged(paths: list[str]) -> Merge:
    found = Merge()
    try:
        for path in paths:
            found.add(path)
    except BaseException:
        found.close()
        raise
    if not found.summaries:
        found.close()
        raise ReportError("the reports hold no target: nothing was checked, so nothing can be "
                          "judged conformant (was every job's --fleet-slice empty?)")
    return found


# -- diff --------------------------------------------------------------------------------------

BAD = {"failed": 2, "finding": 1}
def diff(old: list[dict], new: list[dict]) -> dict:
    """What changed per target and requirement, between two runs' summaries.

    A requirement's regression: it fails, or earns a SHOULD finding, where it did neither or
    less; or it was checked (passed, failed, finding, waived) and now is not (not run: not
    collected or deselected with -m; not tested, skipped, ignored): coverage lost is never
    silent. Its fix: it failed or earned a finding, and now passes; one that is now waived is
    `unresolved`: the fault is still there. An api-version checked before and not now is a
    regression of the target's (requirement None, its `api_version` named). A target's
    regression: it was CONFORMANT and is not, or its verdict changed between two that are not
    CONFORMANT (NOT CONFORMANT to COULD NOT TEST loses the evidence); its fix: it is now
    CONFORMANT. Names compare without regard to case, as merge compares them. Targets only in
    one run are listed, never counted as regressions."""
    before = {s["name"].lower(): s for s in old}
    after = {s["name"].lower(): s for s in new}
    changes = {"regressions": [], "fixes": [], "unresolved": [],
               "new_targets": sorted(after[n]["name"] for n in set(after) - set(before)),
               "removed_targets": sorted(before[n]["name"] for n in set(before) - set(after))}
    for key in [n for n in after if n in before]:
        was, now = before[key], after[key]
        name = now["name"]
        if was["verdict"] != now["verdict"]:
            kind = "fixes" if now["verdict"] == "CONFORMANT" else "regressions"
            changes[kind].append({"target": name, "requirement": None,
                                  "was": was["verdict"], "now": now["verdict"]})
        for version in was.get("api_versions", []):
            if version not in now.get("api_versions", []):
                changes["regressions"].append({"target": name, "requirement": None, "api_version": version,
                                               "was": "checked", "now": "not checked"})
        for requirement_id in dict.fromkeys(list(was["verdicts"]) + list(now["verdicts"])):
            previous = was["verdicts"].get(requirement_id, "not run")
            verdict = now["verdicts"].get(requirement_id, "not run")
            if previous == verdict:
                continue
            change = {"target": name, "requirement": requirement_id, "was": previous, "now": verdict}
            if BAD.get(verdict, 0) > BAD.get(previous, 0) or model.lost(change):
                changes["regressions"].append(change)
            elif previous in BAD and verdict == "passed":
                changes["fixes"].append(change)
            elif previous in BAD and verdict not in BAD:
                changes["unresolved"].append(change)
    changes["exit_code"] = ExitCode.NOT_CONFORMANT if changes["regressions"] else ExitCode.CONFORMANT
    return changes


def same_endpoint(old: Merge, new: Merge) -> None:
    """Two single runs' reports compare by what they checked, not by the folders that hold
    them: the new one's target takes the old one's name when both checked one endpoint under
    one contract; two that checked different ones have nothing to compare (a usage error,
    never "0 regressions"). A report from before the typed endpoint is known by its
    configuration's endpoint row."""
    if not (old.single and new.single):
        return
    [was], [now] = old.summaries, new.summaries

    def what(s: dict) -> tuple:
        return (s["contract"], "the embedded reference server" if s.get("embedded") else s["endpoint"])

    if what(was) != what(now):
        shown = lambda s: f"{what(s)[1] or 'an unknown endpoint'} ({what(s)[0]} contract)"  # noqa: E731
        raise ReportError(f"{old.reports[0].shown} checked {shown(was)} and {new.reports[0].shown} "
                          f"checked {shown(now)}: diff compares two runs of one endpoint and contract")
    now["name"] = was["name"]


# -- the commands --------------------------------------------------------------------------------

def merge_main(argv: list[str]) -> int:
    parser = _parser("merge", "combine the JSON reports of fleet runs (or single runs) into one "
                     "fleet report and exit code")
    parser.add_argument("reports", nargs="+", metavar="REPORT.json")
    parser.add_argument("--html", metavar="PATH", help="write the fleet HTML report here")
    parser.add_argument("--json", metavar="PATH", help="write the fleet JSON report here")
    args = parser.parse_args(argv)
    return _guarded("merge", lambda: _merge(args))


def _merge(args) -> int:
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
    """Before anything is read: an output that cannot be written is a usage error now, not a
    traceback after the work."""
    folder = path.resolve().parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if path.is_dir():
            raise _Unwritable(f"{files.where(path)}: is a folder; give a file to write")
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise _Unwritable(f"{files.where(path)}: cannot write there ({exc.strerror or exc})") from None


def _write(path: Path, write) -> None:
    try:
        write(path)
    except OSError as exc:
        raise _Unwritable(f"{files.where(path)}: cannot write there ({exc.strerror or exc})") from None


def _guarded(command: str, work) -> int:
    """A usage error is exit 4, one line; infocheck's own failure is exit 3, one line (never
    1, which would read as a verdict on the endpoints)."""
    try:
        return work()
    except (ReportError, _Unwritable) as error:
        print(f"ERROR: infocheck {command}: {printable(str(error), 2000)}", file=sys.stderr)
        return ExitCode.USAGE
    except Exception as error:   # noqa: BLE001 - whatever broke is infocheck's, said in one line
        print(f"INTERNAL ERROR: infocheck {command}: {type(error).__name__}: "
              f"{printable(str(error), 500)}", file=sys.stderr)
        return ExitCode.INTERNAL


def _parser(command: str, description: str) -> argparse.ArgumentParser:
    return OneLineParser(prog=f"infocheck {command}", description=description)
