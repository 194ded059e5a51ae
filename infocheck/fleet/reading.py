"""Reading the reports `infocheck merge` and `infocheck diff` are handed: each a file we do not
trust. It is read through the one loader (configuration/files.py) by the report model, checked
against schemas/, and then for what a schema cannot say: every number within range, every
verdict the one its exit code means, a fleet's exit code the one its targets' give, a link to a
target's full report one that infocheck writes. Each target is judged again from its results
(fleet/rejudge.py)."""
from __future__ import annotations

import re
from pathlib import Path

from infocheck.configuration import files
from infocheck.fleet import model, rejudge
from infocheck.fleet.file import NAME
from infocheck.judging import report_model

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


def _link(folder: Path, detail) -> str | None:
    """An input's link to a target's full report, made absolute; only a link infocheck writes
    itself is kept (a report's text is not a place to take a URL from)."""
    if not isinstance(detail, str) or not DETAIL.fullmatch(detail):
        return None
    found = folder / detail
    return str(found) if found.is_file() else None
