"""`Verdict`: gathers test outcomes from reports (so it also works as the pytest-xdist
controller), sets the exit status, and writes the terminal summary. Reports read from it."""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field, replace

import pytest

from infocheck.wire.printable import printable
from infocheck.wire.probe import NOT_TESTED
from infocheck.judging.catalogue import Catalogue

EXIT_UNTESTABLE, EXIT_INTERNAL, EXIT_USAGE = 2, 3, 4
FINDING = "SHOULD finding: "
WAIVED = "WAIVED: "
VERDICTS = {
    0: "CONFORMANT",
    1: "NOT CONFORMANT",
    EXIT_UNTESTABLE: "COULD NOT TEST",
    EXIT_INTERNAL: "INTERNAL ERROR",
    EXIT_USAGE: "USAGE ERROR",
}
EXPLAINED = {
    0: "every MUST requirement checked passed",
    1: "a MUST requirement failed",
    EXIT_UNTESTABLE: "the endpoint could not be checked completely (see 'not tested')",
    EXIT_INTERNAL: "infocheck itself failed; this says nothing about the endpoint",
}
# Requirement verdicts, worst first: the first that any of its tests earns is its verdict.
# "ignored": a policy set the requirement aside; its tests were not run.
ORDER = ("failed", "waived", "finding", "not tested", "passed", "skipped", "not run", "ignored")


@dataclass
class TestOutcome:
    """One test's result, as data: what every reporter, merge and diff reads."""
    nodeid: str
    requirements: tuple[str, ...]
    outcome: str = "not run"          # passed, failed, finding, waived, skipped, not tested, error
    failed_requirements: tuple[str, ...] = ()
    message: str = ""
    transcript: str = ""
    api_version: str = ""
    summary: str = ""                 # one line: what was seen, the waiver, or why not tested
    levels: tuple[str, ...] = ()      # each requirement's level, as the run judged it


@dataclass(frozen=True)
class Policy:
    """What a run judges by besides the results: each requirement's level (a policy file's
    already applied to the catalogue), whether a SHOULD failure fails, the waivers, the day."""
    catalogue: Catalogue
    waivers: tuple = ()
    fail_on_should: bool = False
    today: dt.date = field(default_factory=dt.date.today)

    def expired(self) -> list:
        return [w for w in self.waivers if w.expired(self.today)]


FAILURES = ("failed", "finding", "waived")   # a check failed; what it counts as is settled here


def settle(test: TestOutcome, policy: Policy) -> TestOutcome:
    """What a failed check counts as under the policy: waived while a waiver covers it, a
    SHOULD finding when it broke only SHOULD requirements (unless SHOULDs fail the run),
    otherwise failed, saying so when the waiver that covered it has expired. Any other
    outcome is what it was. The same test settles the same way wherever it is settled."""
    failed = test.failed_requirements
    if test.outcome not in FAILURES or not failed:
        return test
    text = test.message.split(_EXPIRED_NOTE, 1)[0]
    covering = [w for w in policy.waivers if w.covers(test.nodeid, failed)]
    waiver = next((w for w in covering if not w.expired(policy.today)), None)
    expired = next((w for w in covering if w.expired(policy.today)), None)
    if waiver:
        return replace(test, outcome="waived", message=text,
                       summary=f"{waiver.reason} (waiver for {waiver.subject} until {waiver.expires})")
    levels = {policy.catalogue[i].level if i in policy.catalogue else None for i in failed}
    if levels == {"SHOULD"} and not policy.fail_on_should:
        return replace(test, outcome="finding", message=text)
    if expired:
        text += f"{_EXPIRED_NOTE}{expired.subject} expired on {expired.expires})"
    return replace(test, outcome="failed", message=text)


_EXPIRED_NOTE = "\n\n(a waiver for "


def judge(status: int, tests, policy: Policy | None = None, *, misused: bool = False,
          internal: bool = False) -> int:
    """The run's exit code, from pytest's (0 or 1 when the session ran to its end), the
    tests' results and the policy (each settled by `settle`): a team's misuse is 4;
    infocheck's own error is 3 unless a MUST failed; an expired waiver fails the run; without
    a failure, a check not tested, or a positive request (SHAPE-200) that did not pass, means
    the endpoint could not be tested (2), never 0."""
    if status not in (0, 1):
        return status          # interrupted, a usage error, or stopped as untestable
    tests = [settle(t, policy) for t in tests] if policy else list(tests)
    failed = any(t.outcome == "failed" for t in tests)
    if misused:
        return EXIT_USAGE
    if internal and not failed:
        return EXIT_INTERNAL
    if policy and policy.expired():
        return 1
    untested = any(t.outcome == "not tested" for t in tests) or any(
        t.outcome != "passed" for t in tests if "SHAPE-200" in t.requirements)
    if not failed and untested:
        return EXIT_UNTESTABLE
    return 1 if failed else status   # status: also a team's test that errored


@dataclass
class Traffic:
    sent: int = 0
    throttled: int = 0
    waited: float = 0.0


@dataclass(eq=False)   # a pytest plugin: pluggy keeps plugins in sets
class Verdict:
    catalogue: Catalogue
    waivers: tuple = ()
    today: dt.date = field(default_factory=dt.date.today)
    fail_on_should: bool = False
    tests: dict[str, TestOutcome] = field(default_factory=dict)
    traffic: dict[str, Traffic] = field(default_factory=dict)
    internal: list[str] = field(default_factory=list)
    misused: list[str] = field(default_factory=list)   # a team's test broke the catalogue's rules
    untestable_reason: str | None = None
    discovered: dict[str, str] = field(default_factory=dict)
    status: int | None = None
    started: float = field(default_factory=time.time)
    finished: float | None = None

    # -- gathering -----------------------------------------------------------------------

    def untestable(self, reason: str):
        """Stop the run at once: nothing can be checked. One line says why."""
        self.untestable_reason = printable(reason, 2000)
        pytest.exit(f"infocheck: endpoint could not be tested: {self.untestable_reason}",
                    returncode=EXIT_UNTESTABLE)

    def usage_error(self, reason: str):
        """Stop the run at once: a knob's value turned out unusable (exit 4)."""
        self.untestable_reason = printable(reason, 2000)
        pytest.exit(f"infocheck: usage error: {self.untestable_reason}", returncode=EXIT_USAGE)

    def pytest_runtest_logreport(self, report):
        traffic = getattr(report, "infocheck_traffic", None)
        if traffic:   # a process's counts only grow; reports may arrive out of order (shards)
            now, before = Traffic(*traffic[1:]), self.traffic.get(traffic[0], Traffic())
            self.traffic[traffic[0]] = Traffic(max(now.sent, before.sent), max(now.throttled, before.throttled),
                                               max(now.waited, before.waited))
        requirements = tuple(getattr(report, "requirements", ()))
        test = self.tests.setdefault(report.nodeid, TestOutcome(
            report.nodeid, requirements, api_version=getattr(report, "api_version", "")))
        if getattr(report, "infocheck_transcript", ""):
            test.transcript = report.infocheck_transcript
        outcome, message = self._classify(report)
        if outcome is None:
            return
        if getattr(report, "infocheck_usage", ""):
            self.misused.append(report.infocheck_usage)
        team_error = outcome == "error" and getattr(report, "infocheck_team", False)
        if getattr(report, "infocheck_internal", False) or (outcome == "error" and not team_error):
            self.internal.append(report.nodeid)
            outcome = "error"
        test.outcome, test.message = outcome, message
        test.summary = getattr(report, "infocheck_summary", "")
        test.failed_requirements = tuple(getattr(report, "failed_requirements", ()))
        test.levels = tuple(self.catalogue[r].level if r in self.catalogue else "" for r in requirements)

    @staticmethod
    def _classify(report):
        """The outcome the plugin decided for this report (data, not parsed from its text)."""
        return getattr(report, "infocheck_outcome", None), getattr(report, "infocheck_message", "")

    # -- judging -------------------------------------------------------------------------

    @property
    def policy(self) -> Policy:
        return Policy(self.catalogue, tuple(self.waivers), self.fail_on_should, self.today)

    def expired_waivers(self):
        return self.policy.expired()

    def requirement_verdicts(self, api_version: str | None = None) -> dict[str, tuple[str, list[TestOutcome]]]:
        """Per requirement: its verdict and the tests behind it (for one api-version, or all)."""
        result = {}
        tests = [t for t in self.tests.values() if api_version is None or t.api_version == api_version]
        for requirement_id, requirement in self.catalogue.items():
            if requirement.ignored:
                result[requirement_id] = ("ignored", [])
                continue
            behind = [t for t in tests if requirement_id in t.requirements
                      or requirement_id in t.failed_requirements]
            earned = set()
            for test in behind:
                if test.outcome in ("failed", "finding", "waived", "error"):
                    if requirement_id in test.failed_requirements:
                        earned.add({"error": "failed"}.get(test.outcome, test.outcome))
                    elif test.outcome == "error":
                        earned.add("not tested")
                elif requirement_id in test.requirements:
                    earned.add(test.outcome)
            verdict = next((v for v in ORDER if v in earned), "not run")
            result[requirement_id] = (verdict, behind)
        return result

    def pytest_sessionfinish(self, session, exitstatus):
        self.finished = time.time()
        policy = self.policy
        self.tests = {nodeid: settle(test, policy) for nodeid, test in self.tests.items()}
        session.exitstatus = judge(int(exitstatus), self.tests.values(), policy,
                                   misused=bool(self.misused), internal=bool(self.internal))
        self.status = int(session.exitstatus)

    @property
    def verdict(self) -> str:
        return VERDICTS.get(self.status, "INTERRUPTED")

    @property
    def explanation(self) -> str:
        if self.untestable_reason:
            return self.untestable_reason
        if self.status == EXIT_USAGE and self.misused:
            return self.misused[0]
        if self.status == 1 and self.expired_waivers() and not any(
                t.outcome == "failed" for t in self.tests.values()):
            return "a waiver has expired"
        return EXPLAINED.get(self.status, f"pytest ended with exit status {self.status}")

    @property
    def requests(self) -> Traffic:
        total = Traffic()
        for t in self.traffic.values():
            total.sent += t.sent
            total.throttled += t.throttled
            total.waited += t.waited
        return total

    # -- terminal --------------------------------------------------------------------------

    def pytest_terminal_summary(self, terminalreporter):
        write = terminalreporter.write_line
        tests = self.tests.values()
        findings = [t for t in tests if t.outcome == "finding"]
        if findings:
            terminalreporter.section("SHOULD findings (they fail the run only with --fail-on-should)")
            for t in findings:
                write(t.message.split("\n  reproduce")[0])
        waived = [t for t in tests if t.outcome == "waived"]
        if waived:
            terminalreporter.section("waived")
            for t in waived:
                write(f"{t.nodeid}: {t.summary}")
        expired = self.expired_waivers()
        if expired:
            terminalreporter.section("expired waivers (they fail the run)")
            for w in expired:
                write(f"waiver for {w.subject} expired on {w.expires}: {w.reason}", red=True)
        not_tested = [t for t in tests if t.outcome == "not tested"]
        if not_tested:
            terminalreporter.section("not tested")
            reasons: dict[str, int] = {}
            for t in not_tested:
                reasons[t.message] = reasons.get(t.message, 0) + 1
            for reason, count in reasons.items():
                write(f"{count} check(s): {reason}")
        if self.discovered:
            terminalreporter.section("api-versions the endpoint accepts (--discover-versions)")
            for version, outcome in self.discovered.items():
                write(f"{version}: {outcome}")
        terminalreporter.section("infocheck verdict")
        traffic = self.requests
        if self.traffic:
            write(f"requests sent: {traffic.sent}" + (
                f"; throttled {traffic.throttled} time(s), waited {traffic.waited:.1f} s"
                if traffic.throttled else ""))
        good = self.status == 0
        write(f"{self.verdict}: {self.explanation} (exit {self.status})", bold=True, red=not good,
              green=good)


