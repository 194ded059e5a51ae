"""`Results`: the run's results as they arrive. It reads each report's `TestOutcome` (so it works
the same in one process, as the pytest-xdist controller, and replaying --concurrency shards),
keeps what the probes sent, and at the session's end has the judge (judging/judge.py) give the
exit code. Reporters read from it; it writes nothing itself."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from infocheck.configuration.knobs import EMBEDDED_SUBJECT, KNOB_BY_FIELD
from infocheck.judging.judge import (EXIT_UNTESTABLE, EXIT_USAGE, EXPLAINED, instead_of_an_endpoint,
                                     judge, requirement_verdicts, settled, verdict_words)
from infocheck.judging.outcome import Outcome, TestOutcome, Traffic
from infocheck.judging.policy import Policy
from infocheck.plugin.outcomes import outcome_of
from infocheck.troubleshooting import linked, topic_of
from infocheck.wire.printable import printable

REASON_LIMIT = 2000
INTERRUPTED, NO_TESTS_COLLECTED = 2, 5   # pytest's own exit codes
NOTHING_RAN = ("no test ran (--collect-only, --fixtures and the like list what would run and check "
               "nothing): nothing was checked; run without them to check the endpoint")
ENDPOINT, EMBEDDED = KNOB_BY_FIELD["endpoint"], KNOB_BY_FIELD["embedded_asked"]


@dataclass(eq=False)   # a pytest plugin: pluggy keeps plugins in sets
class Results:
    policy: Policy
    tests: dict[str, TestOutcome] = field(default_factory=dict)
    traffic: dict[str, Traffic] = field(default_factory=dict)
    internal: list[str] = field(default_factory=list)
    misused: list[str] = field(default_factory=list)   # a team's test broke the catalogue's rules
    stopped: str | None = None        # why the run stopped before its tests (untestable, usage)
    discovered: dict[str, str] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)   # what the endpoint says of itself (retiring)
    retirement: dict = field(default_factory=dict)     # the notices' dates as data (Unix seconds)
    identity: dict = field(default_factory=dict)       # what it says it serves (its model_name)
    left_out: list[str] = field(default_factory=list)  # MUST requirements deselected on purpose
    embedded_server: bool = False     # the run checked the embedded reference server ...
    stand_in: bool = False            # ... because no endpoint was given (not asked for)
    reference_status: int | None = None   # a stand-in run: what the reference server earned
    status: int | None = None
    started: float = field(default_factory=time.time)
    finished: float | None = None

    @property
    def catalogue(self):
        return self.policy.catalogue

    # -- gathering -----------------------------------------------------------------------

    def stop(self, reason: str) -> str:
        """The run stops before its tests (it cannot be tested, or a knob turned out unusable):
        the one line that says why, escaped and capped, as every report shows it, ended with
        the link to its troubleshooting entry when it has one."""
        self.stopped = linked(printable(reason, REASON_LIMIT), topic_of(reason))
        return self.stopped

    def count(self, process: str, traffic: Traffic) -> None:
        """A process's traffic only grows; reports may arrive out of order (shards)."""
        before = self.traffic.get(process, Traffic())
        self.traffic[process] = Traffic(max(traffic.sent, before.sent),
                                        max(traffic.throttled, before.throttled),
                                        max(traffic.waited, before.waited))

    def record(self, outcome: TestOutcome) -> None:
        """One phase's outcome: merged into its test's, which a later deciding phase replaces."""
        if outcome.process:
            self.count(outcome.process, outcome.traffic)
        earlier = self.tests.get(outcome.nodeid)
        merged = outcome if earlier is None else earlier.merged(outcome)
        self.tests[outcome.nodeid] = merged
        if outcome.outcome is None:
            return
        if outcome.usage:
            self.misused.append(outcome.usage)
        if outcome.internal:
            self.internal.append(outcome.nodeid)

    def pytest_runtest_logreport(self, report):
        outcome = outcome_of(report)
        if outcome is not None:
            self.record(outcome)

    # -- judging -------------------------------------------------------------------------

    def verdicts(self, api_version: str | None = None):
        """Per requirement: its verdict and the tests behind it."""
        return requirement_verdicts(self.catalogue, self.tests.values(), api_version)

    def finish(self, exitstatus: int) -> int:
        """The session has ended: every result counted as the policy says, and the exit code
        (one of infocheck's five: pytest's "no tests collected" is a usage error here, and an
        interruption says so)."""
        self.finished = time.time()
        exitstatus = int(exitstatus)
        if exitstatus == NO_TESTS_COLLECTED:
            self.stop("no test was selected: -k, -m or the folders given matched none of the "
                      "contract's tests")
            exitstatus = EXIT_USAGE
        elif exitstatus == INTERRUPTED and self.stopped is None:
            self.stop("the run was interrupted before its end; nothing was judged")
        self.tests = {t.nodeid: t for t in settled(self.tests.values(), self.policy)}
        if exitstatus == 0 and not self.tests and self.stopped is None:
            self.stop(NOTHING_RAN)
        self.status = judge(int(exitstatus), self.tests.values(), self.policy,
                            misused=bool(self.misused), internal=bool(self.internal))
        if self.stand_in:
            self.reference_status, self.status = self.status, instead_of_an_endpoint(self.status)
        return self.status

    def pytest_sessionfinish(self, session, exitstatus):
        session.exitstatus = self.finish(exitstatus)

    @property
    def verdict(self) -> str:
        return verdict_words(self.status)

    @property
    def heading(self) -> str:
        """The verdict, and what was checked when that was the embedded reference server."""
        if not self.embedded_server:
            return self.verdict
        return f"{self.verdict} ({EMBEDDED_SUBJECT})"

    @property
    def explanation(self) -> str:
        if self.stand_in and self.status == EXIT_UNTESTABLE and self.reference_status is not None:
            return self._stand_in_explanation()
        return self._explained(self.status)

    def _explained(self, status: int | None) -> str:
        if self.stopped:
            return self.stopped
        if status == EXIT_USAGE and self.misused:
            return self.misused[0]
        if status == 1 and self.policy.expired() and not any(
                t.outcome == Outcome.FAILED for t in self.tests.values()):
            return "a waiver has expired"
        return EXPLAINED.get(status, f"pytest ended with exit status {status}")

    def _stand_in_explanation(self) -> str:
        earned = {0: "it passed", 1: "it failed"}.get(self.reference_status,
                                                       "it could not be checked completely")
        return (f"no endpoint was given, so the embedded reference server was checked instead and "
                f"{earned} ({self._explained(self.reference_status)}); give {ENDPOINT.option} "
                f"URL ({ENDPOINT.env}) to check your endpoint, or "
                f"{EMBEDDED.option} ({EMBEDDED.env}=1) to check the reference server on purpose")

    @property
    def requests(self) -> Traffic:
        values = self.traffic.values()
        return Traffic(sum(t.sent for t in values), sum(t.throttled for t in values),
                       sum(t.waited for t in values))
