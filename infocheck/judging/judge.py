"""Judging, as pure functions over outcomes: `settle` decides what a failed check counts as under
the run's policy, `judge` gives the run's exit code, and `requirement_verdicts` each
requirement's verdict from the tests behind it. No pytest, no network: a recorded run is judged
the same way as a live one (the self-tests do, and so do merge and diff)."""
from __future__ import annotations

from dataclasses import replace

from infocheck.judging.exit_codes import INTERRUPTED, ExitCode
from infocheck.judging.outcome import FAILURES, ORDER, Outcome, TestOutcome
from infocheck.judging.policy import Policy

# The enumeration's members under the names the code has long used (judging/exit_codes.py).
EXIT_UNTESTABLE, EXIT_INTERNAL, EXIT_USAGE = ExitCode.UNTESTABLE, ExitCode.INTERNAL, ExitCode.USAGE
VERDICTS = {code: code.verdict for code in ExitCode}
EXPLAINED = {
    ExitCode.CONFORMANT: "every MUST requirement checked passed",
    ExitCode.NOT_CONFORMANT: "a MUST requirement failed",
    EXIT_UNTESTABLE: "the endpoint could not be checked completely (see 'not tested')",
    EXIT_INTERNAL: "infocheck itself failed; this says nothing about the endpoint",
}


def verdict_words(status: int | None) -> str:
    return VERDICTS.get(status, INTERRUPTED)


def settle(test: TestOutcome, policy: Policy) -> TestOutcome:
    """What a failed check counts as under the policy: waived while a waiver covers it, a
    SHOULD finding when it broke only SHOULD requirements (unless SHOULDs fail the run),
    otherwise failed, noting the waiver that covered it when that has expired. Any other
    outcome is what it was. A result is settled once, where it is made; one that arrives
    unsettled (a recorded result) is settled when it is judged."""
    failed = test.failed_requirements
    if test.outcome not in FAILURES or not failed:
        return test             # nothing to settle
    covering = [w for w in policy.waivers if w.covers(test.nodeid, failed)]
    waiver = next((w for w in covering if not w.expired(policy.today)), None)
    expired = next((w for w in covering if w.expired(policy.today)), None)
    if waiver:
        return replace(test, outcome=Outcome.WAIVED, expired_waiver="", settled=True,
                       summary=f"{waiver.reason} (waiver for {waiver.subject} until {waiver.expires})")
    levels = {policy.catalogue[i].level if i in policy.catalogue else None for i in failed}
    if levels == {"SHOULD"} and not policy.fail_on_should:
        return replace(test, outcome=Outcome.FINDING, expired_waiver="", settled=True)
    note = f"{expired.subject} expired on {expired.expires}" if expired else ""
    return replace(test, outcome=Outcome.FAILED, expired_waiver=note, settled=True)


def settled(tests, policy: Policy) -> list[TestOutcome]:
    """Every result as it counts: those settled where they were made as they are, the rest
    settled now."""
    return [t if t.settled else settle(t, policy) for t in tests]


def judge(status: int, tests, policy: Policy, *, misused: bool = False,
          internal: bool = False) -> int:
    """The run's exit code, from pytest's (0 or 1 when the session ran to its end), the
    tests' results and the policy: a team's misuse is 4; infocheck's own error is 3 unless a
    MUST failed; an expired waiver fails the run; without a failure, a check not tested, a
    MUST requirement not checked (its tests stopped at a finding first), or a positive request
    (the catalogue's `positive` requirement) that did not pass, means the endpoint could not be
    tested (2), never 0; and so does a session in which no test ran at
    all (--collect-only, --fixtures: pytest ends 0, but nothing was checked)."""
    if status not in (ExitCode.CONFORMANT, ExitCode.NOT_CONFORMANT):
        return status          # interrupted, a usage error, or stopped as untestable
    tests = settled(tests, policy)
    failed = any(t.outcome == Outcome.FAILED for t in tests)
    if misused:
        return EXIT_USAGE
    if internal and not failed:
        return EXIT_INTERNAL
    if policy.expired():
        return ExitCode.NOT_CONFORMANT
    if status == ExitCode.CONFORMANT and not tests:
        return EXIT_UNTESTABLE
    positive = policy.catalogue.positive
    untested = any(t.outcome == Outcome.NOT_TESTED for t in tests) or any(
        t.outcome != Outcome.PASSED for t in tests if positive in t.requirements)
    if not failed and (untested or unchecked_musts(policy, tests)):
        return EXIT_UNTESTABLE
    return ExitCode.NOT_CONFORMANT if failed else status   # status: also a team's test that errored


def unchecked_musts(policy: Policy, tests) -> list[str]:
    """The MUST requirements no test checked because each of their tests stopped at another
    requirement's finding or waiver first: a run that did not check them is not a pass. (A
    failure that names no requirement, as a recorded result of before issue 27 may, is not
    known to have stopped before any of them.)"""
    return [rid for rid, (verdict, behind) in requirement_verdicts(policy.catalogue, tests).items()
            if verdict == Outcome.NOT_CHECKED and policy.catalogue[rid].level == "MUST"
            and any(t.failed_requirements for t in behind)]


def instead_of_an_endpoint(status: int) -> int:
    """The exit code of a run that checked the embedded reference server because no endpoint
    was given (not because --embedded asked for it): the reference server's pass or failure
    says nothing of an endpoint nobody named, so the run could not test (2); a usage error,
    infocheck's own error or an interruption stay what they are."""
    return EXIT_UNTESTABLE if status in (ExitCode.CONFORMANT, ExitCode.NOT_CONFORMANT) else status


def requirement_verdicts(catalogue, tests, api_version: str | None = None) -> dict[str, tuple[Outcome, list[TestOutcome]]]:
    """Per requirement: its verdict and the tests behind it (for one api-version, or all). A
    test that failed (or was waived, or a finding) on other requirements than this one did not
    check this one: it earns "not checked", never nothing, so a requirement whose only tests
    failed elsewhere reads "not checked", not "not run" beside tests that say "failed"."""
    result = {}
    tests = [t for t in tests if api_version is None or t.api_version == api_version]
    for requirement_id, requirement in catalogue.items():
        if requirement.ignored:
            result[requirement_id] = (Outcome.IGNORED, [])
            continue
        behind = [t for t in tests if requirement_id in t.requirements
                  or requirement_id in t.failed_requirements]
        earned = set()
        for test in behind:
            if test.outcome in FAILURES + (Outcome.ERROR,):
                if requirement_id in test.failed_requirements:
                    earned.add(Outcome.FAILED if test.outcome == Outcome.ERROR else test.outcome)
                elif test.outcome == Outcome.ERROR:
                    earned.add(Outcome.NOT_TESTED)
                else:   # it failed another requirement first: this one it did not check
                    earned.add(Outcome.NOT_CHECKED)
            elif requirement_id in test.requirements and test.outcome is not None:
                earned.add(test.outcome)
        verdict = next((v for v in ORDER if v in earned), Outcome.NOT_RUN)
        result[requirement_id] = (verdict, behind)
    return result
