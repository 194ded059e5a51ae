"""`infocheck merge`'s work: fleet reports (or single runs' reports, read by fleet/reading.py)
combined into one fleet, without touching the network. A merge holds each target's summary, not
its whole result (those are spooled to disk and written out as read), so that ten thousand
targets fit in a CI runner's memory; it says which slices or targets of the fleet no report
holds. The commands themselves are infocheck/merge_diff.py; diff is fleet/diffing.py."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from infocheck.configuration import files
from infocheck.fleet import model, render
from infocheck.fleet.diffing import diff  # noqa: F401 - where the self-tests have imported it from
from infocheck.fleet.reading import Report, ReportError, load, read  # noqa: F401 - the same
from infocheck.judging import report_model


# -- what the merged reports cover ------------------------------------------------------------

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
