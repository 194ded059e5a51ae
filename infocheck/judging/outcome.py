"""Outcomes as data: what one test came to (`Outcome`) and everything the judge and the reports
read of it (`TestOutcome`). A `TestOutcome` rides on pytest's report as one serialised value
(`as_data`), so pytest-xdist and the --concurrency shards ship it as is; nothing downstream
reads a message to learn what happened."""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from enum import StrEnum


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"           # a check failed and counts as failed (a MUST, or a SHOULD with --fail-on-should)
    FINDING = "finding"         # a check of SHOULD requirements only failed: listed, not fatal
    WAIVED = "waived"           # a check failed under a waiver that has not expired
    NOT_TESTED = "not tested"   # the check could not run (the endpoint did not let it)
    SKIPPED = "skipped"         # the check did not apply (nothing configured for it)
    ERROR = "error"             # the test itself broke (infocheck's own error, or a team's)
    NOT_CHECKED = "not checked" # a requirement whose tests each failed another requirement first
    NOT_RUN = "not run"         # a requirement no test ran
    IGNORED = "ignored"         # a requirement a policy set aside: its tests were not run


# A failed check, however it was settled (judging/judge.py decides which of these it is).
FAILURES = (Outcome.FAILED, Outcome.FINDING, Outcome.WAIVED)
# Requirement verdicts, worst first: the first that any of its tests earns is its verdict. A test
# that failed one of its requirements says nothing of the others it covers (its first failure may
# have stopped it before their checks): they are NOT_CHECKED by it, which a pass by another test
# outranks (it was checked there), and which outranks a skip and "not run" (a test did run).
ORDER = (Outcome.FAILED, Outcome.WAIVED, Outcome.FINDING, Outcome.NOT_TESTED, Outcome.PASSED,
         Outcome.NOT_CHECKED, Outcome.SKIPPED, Outcome.NOT_RUN, Outcome.IGNORED)
NOT_TESTED_WORDS = "NOT TESTED: "   # how a check that could not run reads where it is printed


@dataclass(frozen=True)
class Traffic:
    """What one process's probes had sent when a report was made."""
    sent: int = 0
    throttled: int = 0
    waited: float = 0.0


@dataclass(frozen=True)
class TestOutcome:
    """One test's result (of one phase, until the collector merges them): what every judge,
    reporter, merge and diff reads."""
    nodeid: str
    requirements: tuple[str, ...] = ()
    outcome: Outcome | None = None    # None: a phase that decides nothing (a passed setup)
    failed_requirements: tuple[str, ...] = ()
    message: str = ""                 # the whole explanation, reproductions included
    brief: str = ""                   # the explanation without reproductions (for summaries)
    summary: str = ""                 # one line: what was seen, the waiver, or why not tested
    transcript: str = ""
    api_version: str = ""
    levels: tuple[str, ...] = ()      # each requirement's level, as the run judged it
    expired_waiver: str = ""          # "SUBJECT expired on DATE": a waiver that no longer covers it
    settled: bool = False             # its failure has been settled under the run's policy
    internal: bool = False            # infocheck's own error (exit 3 unless a MUST failed)
    usage: str = ""                   # a team's test broke the catalogue's rules (exit 4)
    team: bool = False                # a team's test, not one of infocheck's suites
    process: str = ""                 # the process that ran it, and what its probes had sent
    traffic: Traffic = Traffic()
    # Per check that failed, in the order raised: (requirement ID, what came back in one line,
    # the curl that reproduces it or ""), so a report lists each failure without reading messages.
    evidence: tuple[tuple[str, str, str], ...] = ()
    topic: str = ""                   # why it was not tested has an entry in docs/troubleshooting.md

    __test__ = False   # not a test class, whatever pytest thinks of its name

    @property
    def text(self) -> str:
        """The explanation as every output prints it: the expired waiver said after it."""
        if not self.expired_waiver:
            return self.message
        return f"{self.message}\n\n(a waiver for {self.expired_waiver})"

    def as_data(self) -> dict:
        """Plain JSON types, for pytest's report (xdist and the shards ship it as is)."""
        data = {name: getattr(self, name) for name in _FIELDS}   # each value immutable: no deep copy
        data["outcome"] = None if self.outcome is None else str(self.outcome)
        data["traffic"] = [self.traffic.sent, self.traffic.throttled, self.traffic.waited]
        for name in ("requirements", "failed_requirements", "levels"):
            data[name] = list(data[name])
        data["evidence"] = [list(e) for e in self.evidence]
        return data

    @classmethod
    def from_data(cls, data: dict) -> "TestOutcome":
        values = {k: v for k, v in data.items() if k in _FIELDS}
        for name in ("requirements", "failed_requirements", "levels"):
            values[name] = tuple(values.get(name, ()))
        if values.get("outcome") is not None:
            values["outcome"] = Outcome(values["outcome"])
        values["traffic"] = Traffic(*values.get("traffic", ()))
        values["evidence"] = tuple(tuple(str(part) for part in e) for e in values.get("evidence", ()))
        return cls(**values)

    def merged(self, later: "TestOutcome") -> "TestOutcome":
        """This phase's result with a later phase's: a phase that decides something wins, and
        what a phase carries (its transcript, its process's traffic) is kept."""
        if later.outcome is None:
            return replace(self, transcript=later.transcript or self.transcript,
                           usage=self.usage or later.usage)
        return replace(later, transcript=later.transcript or self.transcript,
                       usage=later.usage or self.usage)


_FIELDS = tuple(f.name for f in fields(TestOutcome))   # in order: as_data keeps asdict's order
