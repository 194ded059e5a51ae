"""A gate never goes green by accident: a MUST requirement whose every test stopped at another
requirement's finding (or waiver) before checking it was not checked, so the run is COULD NOT
TEST (exit 2), never CONFORMANT; the verdict's lines say which, where its test stopped, and to
fix that and run again. A SHOULD requirement not checked, or a MUST another test did check,
leaves the verdict as it was."""
from __future__ import annotations

from infocheck import contracts
from infocheck.judging.catalogue import load
from infocheck.judging.judge import EXIT_UNTESTABLE, judge
from infocheck.judging.outcome import Outcome, TestOutcome
from infocheck.judging.policy import Policy
from infocheck.plugin.collector import Results
from infocheck.reports import terminal as terminal_report

POLICY = Policy(load(None, None, contracts.get("info")))
POSITIVE = TestOutcome("positive", ("SHAPE-200",), Outcome.PASSED)
# One test covers a SHOULD (AUTH-401) and a MUST (AUTH-MISSING), and stopped at the SHOULD.
STOPPED_AT_A_FINDING = TestOutcome("both", ("AUTH-401", "AUTH-MISSING"), Outcome.FINDING, ("AUTH-401",),
                                   summary="403 Forbidden, not 401", settled=True)


def test_the_levels_this_rests_on():
    assert POLICY.catalogue["AUTH-401"].level == "SHOULD"
    assert POLICY.catalogue["AUTH-MISSING"].level == "MUST"


def test_a_must_requirement_no_test_checked_is_could_not_test_not_conformant():
    assert judge(0, [POSITIVE, STOPPED_AT_A_FINDING], POLICY) == EXIT_UNTESTABLE


def test_a_must_requirement_another_test_checked_leaves_the_run_conformant():
    checked = TestOutcome("missing", ("AUTH-MISSING",), Outcome.PASSED)
    assert judge(0, [POSITIVE, STOPPED_AT_A_FINDING, checked], POLICY) == 0


def test_a_should_requirement_not_checked_leaves_the_run_conformant():
    stopped_at_a_should = TestOutcome("shoulds", ("AUTH-401", "AUTH-CHALLENGE"), Outcome.FINDING,
                                      ("AUTH-CHALLENGE",), settled=True)
    assert POLICY.catalogue["AUTH-CHALLENGE"].level == "SHOULD"
    assert judge(0, [POSITIVE, stopped_at_a_should], POLICY) == 0


def test_a_failed_must_is_still_not_conformant():
    failed = TestOutcome("shape", ("SHAPE-JSON",), Outcome.FAILED, ("SHAPE-JSON",), settled=True)
    assert judge(1, [POSITIVE, STOPPED_AT_A_FINDING, failed], POLICY) == 1


def test_the_verdict_says_which_must_was_not_checked_and_where_its_test_stopped():
    results = Results(POLICY)
    for test in (POSITIVE, STOPPED_AT_A_FINDING):
        results.tests[test.nodeid] = test
    results.status = EXIT_UNTESTABLE
    assert terminal_report.verdict_lines(results) == [
        "  not checked (MUST): AUTH-MISSING: its test stopped at AUTH-401 (finding) first: "
        "403 Forbidden, not 401; fix that and run again"]
