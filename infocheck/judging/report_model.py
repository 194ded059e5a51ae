"""infocheck.json as one typed model: the single run's report (`RunReport`, its
`RequirementResult`s and `TestResult`s) and the fleet's (`FleetReport`, its `TargetReport`s),
read, checked against the shipped schemas and written here and nowhere else. The reporter, a
fleet run, merge and diff go through it (a self-test looks for any other reader or writer of a
report in the package).

Reading is bounded like every file a user hands over (configuration/files.py: size, nesting,
duplicate keys, exact types), then checked against schemas/infocheck-report.json or
schemas/infocheck-fleet.json, then for what a schema cannot say (every number within range,
every verdict the one its exit code means, a fleet's exit code the one its targets' give). A
report that fails is a `ReportError` whose message names the file and says why in words.

Writing gives exactly the bytes infocheck has always written: each member in the writer's
order, a member a document did not have left out (an older report, a run that stopped before it
began), numbers and texts as they were. A fleet report carries `schema_version` (1, the only
one there has been); a single run's report has none, and every one infocheck wrote is read.

Each model is frozen; `to_dict()` gives the plain document (a fresh copy) for code that judges
or summarizes it (fleet/rejudge.py, fleet/model.py), and `from_dict` takes one back."""
from __future__ import annotations

import io
import json
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any, ClassVar

from infocheck.judging.exit_codes import INTERRUPTED, ExitCode, worst

SCHEMA_VERSION = 1          # the fleet report's (schemas/infocheck-fleet.json: its const)
INPUT_LIMIT = 256 * 1024 * 1024
REPORT_DEPTH = 16           # a report is never deeper than a few levels
NUMBER_LIMIT = 10 ** 12     # no count, duration or code in a report comes near it


class ReportError(Exception):
    """A report cannot be used; the message names the file and says why in words."""


class _Absent:
    """A member the document does not have (an older report's, a stopped run's)."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ABSENT"

    def __bool__(self) -> bool:
        return False


ABSENT: Any = _Absent()


def _code(value):
    """An exit code as the enumeration (a number a schema let through that is none, as is)."""
    try:
        return ExitCode(value) if not isinstance(value, bool) else value
    except ValueError:
        return value


class _Model:
    """A document's members as fields, in the order infocheck writes them; a field's
    converter (NESTED) makes its typed value from the plain one and back."""

    NESTED: ClassVar[dict] = {}

    @classmethod
    def from_dict(cls, data: dict):
        values = {}
        for f in fields(cls):
            value = data.get(f.name, ABSENT)
            if value is not ABSENT:
                value = cls.NESTED[f.name][0](value) if f.name in cls.NESTED else _plain(value)
            values[f.name] = value
        return cls(**values)

    def to_dict(self) -> dict:
        found = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is ABSENT:
                continue
            found[f.name] = self.NESTED[f.name][1](value) if f.name in self.NESTED else _plain(value)
        return found


def _plain(value):
    """A fresh plain copy (lists, dicts) of a member's value, so that nothing outside holds
    what a frozen model holds; an exit code as its number."""
    if isinstance(value, ExitCode):
        return int(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _many(kind):
    return (lambda items: tuple(kind.from_dict(i) for i in items),
            lambda items: [i.to_dict() for i in items])


_EXIT = (_code, int)
_LIST = (tuple, list)


@dataclass(frozen=True)
class TestResult(_Model):
    """One test's result as data: what the verdict was judged from."""

    test: str = ABSENT
    api_version: str = ABSENT
    requirements: tuple = ABSENT
    levels: tuple = ABSENT
    outcome: str = ABSENT
    failed_requirements: tuple = ABSENT
    summary: str = ABSENT
    expired_waiver: str = ABSENT    # only where a waiver that covered it had expired
    target: str = ABSENT            # only in a fleet report: the target it ran against

    NESTED: ClassVar[dict] = {"requirements": _LIST, "levels": _LIST, "failed_requirements": _LIST}


@dataclass(frozen=True)
class RequirementResult(_Model):
    """One requirement of the catalogue the run judged by: its level, verdict, tests, messages
    and first transcript."""

    id: str = ABSENT
    level: str = ABSENT
    area: str = ABSENT
    statement: str = ABSENT
    source: str = ABSENT
    catalogue: str = ABSENT
    verdict: str = ABSENT
    by_version: dict = ABSENT
    tests: tuple = ABSENT
    messages: tuple = ABSENT
    exchanges: tuple = ABSENT
    waiver: dict | None = ABSENT

    NESTED: ClassVar[dict] = {"tests": _LIST, "messages": _LIST, "exchanges": _LIST}


@dataclass(frozen=True)
class RunReport(_Model):
    """A single run's infocheck.json (schemas/infocheck-report.json)."""

    infocheck: str = ABSENT
    contract: str = ABSENT
    endpoint: str | None = ABSENT
    verdict: str = ABSENT
    exit_code: ExitCode = ABSENT
    explanation: str = ABSENT
    embedded_server: bool = ABSENT
    started: str = ABSENT
    duration_seconds: float = ABSENT
    requests: dict = ABSENT
    configuration: dict = ABSENT
    policy: dict = ABSENT
    fail_on_should: bool = ABSENT
    waivers: list = ABSENT
    api_versions: tuple = ABSENT
    discovered_versions: dict = ABSENT
    notices: tuple = ABSENT
    retirement: dict = ABSENT       # only where the endpoint sent a Sunset or Deprecation date
    identity: dict = ABSENT
    left_out: tuple = ABSENT
    requirements: tuple[RequirementResult, ...] = ABSENT
    expired_waivers: list = ABSENT
    results: tuple[TestResult, ...] = ABSENT

    SCHEMA: ClassVar[str] = "infocheck-report"
    NESTED: ClassVar[dict] = {"exit_code": _EXIT, "requirements": _many(RequirementResult),
                              "results": _many(TestResult), "api_versions": _LIST,
                              "notices": _LIST, "left_out": _LIST}

    def to_json(self) -> str:
        """The document as infocheck writes it (the caller scrubs and adds the final newline)."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)


@dataclass(frozen=True)
class TargetReport(_Model):
    """One target of a fleet: its name, its place in the fleet file, its verdict, and its full
    result (None when its run left none, which is infocheck's own failure)."""

    name: str = ABSENT
    index: int = ABSENT
    verdict: str = ABSENT
    exit_code: ExitCode = ABSENT
    endpoint: str | None = ABSENT
    detail: str | None = ABSENT
    problem: str | None = ABSENT
    result: RunReport | None = ABSENT

    NESTED: ClassVar[dict] = {"exit_code": _EXIT,
                              "result": (lambda r: None if r is None else RunReport.from_dict(r),
                                         lambda r: None if r is None else r.to_dict())}

    def to_line(self) -> str:
        """The target as one line (how a merge spools and writes its targets)."""
        return json.dumps(self.to_dict(), ensure_ascii=False)


@dataclass(frozen=True)
class FleetReport(_Model):
    """A fleet run's or a merge's infocheck.json (schemas/infocheck-fleet.json)."""

    infocheck: str = ABSENT
    report: str = ABSENT
    schema_version: int = ABSENT
    verdict: str = ABSENT
    exit_code: ExitCode = ABSENT
    explanation: str = ABSENT
    slice: str | None = ABSENT
    counts: dict = ABSENT
    fleet: dict = ABSENT
    missing: tuple = ABSENT
    targets: tuple[TargetReport, ...] = ABSENT

    SCHEMA: ClassVar[str] = "infocheck-fleet"
    NESTED: ClassVar[dict] = {"exit_code": _EXIT, "targets": _many(TargetReport), "missing": _LIST}

    def to_json(self) -> str:
        """The whole document as a merge streams it (write_streamed): its head indented, each
        target on a line of its own (a fleet run writes it so). Python indents with its pure-
        Python encoder; a line is written by its C one, a tenth of the time for a fleet of 100."""
        if not isinstance(self.targets, tuple):   # a document without its list: as it is
            return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)
        out = io.StringIO()
        write_streamed(out, self, self.targets)
        return out.getvalue()[:-1]   # as to_json has it: the caller adds the final newline

    def head_json(self) -> str:
        """The document without its targets, indented (the head a merge writes before it
        streams its targets one line each: write_streamed)."""
        head = self.to_dict()
        head.pop("targets", None)
        return json.dumps(head, indent=2, ensure_ascii=False)


def write_streamed(out, head: FleetReport, targets) -> None:
    """A merge's fleet document: its head, then each target on a line of its own, read one at
    a time (ten thousand targets are never in memory at once)."""
    text = head.head_json()
    # the head without its closing "\n}", and its targets after its last member (if it has one)
    out.write('{\n  "targets": [' if text == "{}" else text[:-2] + ',\n  "targets": [')
    for number, target in enumerate(targets):
        out.write(("," if number else "") + "\n    " + target.to_line())
    out.write("\n  ]\n}\n")


def target_from_line(data: bytes) -> TargetReport:
    """A target a merge spooled itself (target.to_line): already checked when it was read."""
    return TargetReport.from_dict(json.loads(data))


# -- reading ---------------------------------------------------------------------------------

def read(path, limit: int = INPUT_LIMIT, *, shown: str | None = None) -> RunReport | FleetReport:
    """The report at `path`, bounded, checked against its schema and for what a schema cannot
    say; a ReportError names the file and says why."""
    from infocheck.configuration import files
    shown = shown or files.where(path)
    try:
        data = files.read_bytes(path, limit, "report")
    except files.FileError as error:
        raise ReportError(str(error)) from None
    return parse(data, shown)


def parse(data: bytes, shown: str) -> RunReport | FleetReport:
    """A report's bytes as the model (see read)."""
    from infocheck.configuration import files
    try:
        doc = files.load_json(data, shown, "report", REPORT_DEPTH)
    except files.FileError as error:
        raise ReportError(str(error)) from None
    return from_json(doc, shown)


def from_json(doc, shown: str = "the report") -> RunReport | FleetReport:
    """A document already parsed (as JSON's plain values), checked, as the model."""
    from infocheck.bundle import validator
    _numbers_in_range(doc, shown)
    fleet = isinstance(doc, dict) and doc.get("report") == "fleet"
    problem = next(iter(validator("infocheck-fleet" if fleet else "infocheck-report").iter_errors(doc)), None)
    if problem is not None:
        raise ReportError(f"{shown}: not an infocheck {'fleet ' if fleet else ''}report: "
                          f"{_in_words(problem)}")
    if not fleet:
        _agrees(doc["verdict"], doc["exit_code"], shown)
        return RunReport.from_dict(doc)
    for target in doc["targets"]:
        _agrees(target["verdict"], target["exit_code"], f"{shown}: target {target['name']}")
        if target["result"] is not None:
            _agrees(target["result"]["verdict"], target["result"]["exit_code"],
                    f"{shown}: target {target['name']}'s result")
    _agrees(doc["verdict"], doc["exit_code"], shown)
    codes = [t["exit_code"] for t in doc["targets"]] + ([ExitCode.UNTESTABLE] if doc.get("missing") else [])
    if doc["exit_code"] != worst(codes):
        raise ReportError(f"{shown}: not an infocheck fleet report: its exit code "
                          f"{doc['exit_code']} is not the one its targets' give")
    return FleetReport.from_dict(doc)


def _numbers_in_range(doc, shown: str) -> None:
    from infocheck.wire.printable import printable
    stack = [(doc, "$")]
    while stack:
        item, where = stack.pop()
        if isinstance(item, bool) or item is None or isinstance(item, str):
            continue
        if isinstance(item, (int, float, Decimal)):
            if not (abs(item) <= NUMBER_LIMIT):     # also false for NaN
                raise ReportError(f"{shown}: not an infocheck report: the number at "
                                  f"{printable(where, 200)} is out of any range a report has")
        elif isinstance(item, dict):
            stack.extend((value, f"{where}.{key}") for key, value in item.items())
        elif isinstance(item, list):
            stack.extend((value, f"{where}[{index}]") for index, value in enumerate(item))


def _in_words(problem) -> str:
    """A schema violation as a person reads it: what is missing or wrong, and where."""
    from infocheck.wire.printable import printable
    where = " → ".join(str(p) for p in problem.absolute_path)
    place = f" in {where}" if where else ""
    if problem.validator == "required":
        present = problem.instance if isinstance(problem.instance, dict) else {}
        missing = next((m for m in problem.validator_value if m not in present), "a member")
        said = f"it has no {missing}{place}, which every infocheck report has"
    elif problem.validator == "additionalProperties":
        said = f"it has members no infocheck report has{place}"
    elif problem.validator in ("type", "enum", "const", "pattern", "minimum", "maximum", "minItems"):
        said = f"{where or 'the document'} is not what an infocheck report holds there ({problem.message})"
    else:
        said = f"{where or 'the document'}: {problem.message}"
    return printable(said, 300)


def _agrees(verdict: str, code: int, where: str) -> None:
    from infocheck.configuration import files
    words = _code(code).verdict if isinstance(_code(code), ExitCode) else None
    if words != verdict:
        raise ReportError(f"{where}: not an infocheck report: the verdict {files.quoted(verdict)} "
                          f"is not what exit code {code} means")
