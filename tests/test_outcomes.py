"""From pytest's report of a phase to its TestOutcome, and back onto the report: each rule of
plugin/outcomes.py on fixed, fake reports (in-process and fast, so mutation testing runs them
for every mutant of the module)."""
from dataclasses import FrozenInstanceError
from types import SimpleNamespace

import pytest

from infocheck.contracts.checking import CheckFailure
from infocheck.judging.catalogue import builtin
from infocheck.judging.outcome import Outcome, TestOutcome
from infocheck.judging.policy import Policy
from infocheck.plugin import outcomes
from infocheck.plugin.outcomes import TestFacts, check_failures, classify, cleaned, described, dress
from infocheck.wire.probe import NotTested
from infocheck.wire.secret import Scrubber, Secret

NOTHING = Scrubber()
KEY = "k3y-" + "s3cr3t" * 4
NODE = "suites/info/t.py::test"


def report(when="call", outcome="passed", longrepr=None):
    return SimpleNamespace(nodeid=NODE, when=when, longrepr=longrepr, outcome=outcome,
                           passed=outcome == "passed", failed=outcome == "failed",
                           skipped=outcome == "skipped", sections=[],
                           longreprtext="" if longrepr is None else str(longrepr))


def classified(phase, error=None, ids=("AUTH-MISSING", "AUTH-401"), team=False):
    return classify(phase, error, TestFacts(NODE, ids, "v1", team=team), Policy(builtin()), NOTHING)


# -- which exceptions are failed checks ----------------------------------------------------------

def test_failed_checks_are_found_in_nested_groups_in_the_order_they_were_raised():
    first, second, third = (CheckFailure(i, "e", "g") for i in ("AUTH-MISSING", "AUTH-401", "AUTH-NEAR-MISS"))
    assert check_failures(first) == [first]
    group = ExceptionGroup("g", [first, ExceptionGroup("h", [second]), third])
    assert check_failures(group) == [first, second, third]
    assert check_failures(ExceptionGroup("g", [first, ValueError("x")])) is None
    assert check_failures(ValueError("x")) is None and check_failures(None) is None


def test_several_failed_checks_fail_each_requirement_once_and_summarise_with_the_first():
    group = ExceptionGroup("g", [CheckFailure("AUTH-MISSING", "e", "first seen"),
                                 CheckFailure("AUTH-401", "e", "second seen"),
                                 CheckFailure("AUTH-MISSING", "e", "third seen")])
    outcome = classified(report(outcome="failed", longrepr="x"), group)
    assert outcome.failed_requirements == ("AUTH-MISSING", "AUTH-401")
    assert outcome.summary == "first seen" and outcome.outcome == Outcome.FAILED


# -- a failure's text -------------------------------------------------------------------------------

def test_hypothesis_notes_follow_the_explanation_escaped_capped_and_at_most_ten():
    error = CheckFailure("AUTH-MISSING", "e", "g")
    for i in range(12):
        error.add_note(f"note {i}\x1b[2J\nsecond line")
    error.add_note("never shown")
    outcome = classified(report(outcome="failed", longrepr="x"), error)
    explanation = error.explain(builtin())
    assert outcome.message.startswith(explanation + "\n\nnote 0\\e[2J\nsecond line\nnote 1")
    assert "note 9" in outcome.message and "note 10" not in outcome.message
    long = CheckFailure("AUTH-MISSING", "e", "g")
    long.add_note("n" * 3000)
    message = classified(report(outcome="failed", longrepr="x"), long).message
    assert message.endswith("\n\n" + "n" * 2000 + "… (3000 characters)")
    plain = classified(report(outcome="failed", longrepr="x"), CheckFailure("AUTH-MISSING", "e", "g"))
    assert plain.message == explanation


def test_an_exception_is_described_by_its_type_else_by_the_last_line_pytest_wrote():
    assert described(ValueError("boom"), "ignored") == "ValueError: boom"
    assert described(None, "Traceback\n  at x\nValueError: boom\n\n") == "ValueError: boom"
    assert described(None, "") == "" and described(None, "  \n ") == ""
    assert described(None, "x" * 1500) == "x" * 1000 + "… (1500 characters)"


def test_a_skip_without_its_exception_reads_pytest_s_reason():
    found = classified(report(outcome="skipped", longrepr=("f.py", 3, "Skipped: no deployment")))
    assert (found.outcome, found.message) == (Outcome.SKIPPED, "Skipped: no deployment")
    assert classified(report(outcome="skipped", longrepr=("f.py", 3, "x")), NotTested("why")).outcome \
        == Outcome.NOT_TESTED


def test_texts_are_masked_escaped_and_capped_newlines_kept():
    scrubber = Scrubber([Secret(KEY)])
    outcome = TestOutcome(NODE, message=f"a {KEY}\nb\x1b" + "m" * 20_000, brief="b\nc",
                          summary=f"{KEY}\nline", usage="u" * 20_000)
    clean = cleaned(outcome, scrubber)
    assert KEY not in clean.message + clean.summary
    masked = "a ***\nb\x1b" + "m" * 20_000          # masked first, then cut, then escaped
    assert clean.message == ("a ***\nb\\e" + "m" * (16_000 - 8) + f"… ({len(masked)} characters)")
    assert clean.brief == "b\nc" and clean.summary == "***\\nline"
    assert clean.usage == "u" * 16_000 + "… (20000 characters)"
    assert cleaned(TestOutcome(NODE, summary="s" * 1200), NOTHING).summary == "s" * 1000 + "… (1200 characters)"


# -- the phases ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("when", ["setup", "teardown"])
def test_only_the_call_phase_passes_or_fails_a_check(when):
    assert classified(report(when)).outcome is None
    broken = classified(report(when, "failed", "boom"), CheckFailure("AUTH-MISSING", "e", "g"))
    assert (broken.outcome, broken.internal, broken.failed_requirements) == (Outcome.ERROR, True, ())
    assert classified(report()).outcome == Outcome.PASSED


def test_facts_are_frozen_and_a_test_is_infocheck_s_own_unless_said():
    facts = TestFacts(NODE, ("AUTH-MISSING",), "v1")
    assert facts.team is False and facts.usage == ""
    with pytest.raises(FrozenInstanceError):
        facts.team = True
    assert TestFacts.__test__ is False     # pytest does not take it for a test class


# -- dressing pytest's report -----------------------------------------------------------------------------

def outcome_of_kind(kind, failed=("AUTH-MISSING",)):
    return TestOutcome(NODE, ("AUTH-MISSING",), kind, failed_requirements=failed, message="why",
                       summary="seen")


@pytest.mark.parametrize("kind", list(Outcome))
def test_only_a_check_that_could_not_run_reads_not_tested(kind):
    phase = report(outcome="skipped", longrepr=("f.py", 3, "Skipped: reason"))
    dress(phase, outcome_of_kind(kind, failed=()), NOTHING)
    said = phase.longrepr[2] if isinstance(phase.longrepr, tuple) else phase.longrepr
    assert said.startswith("NOT TESTED: ") == (kind == Outcome.NOT_TESTED)


def test_not_tested_with_pytest_s_text_keeps_the_text():
    phase = report(outcome="skipped", longrepr="a reason as text")
    dress(phase, outcome_of_kind(Outcome.NOT_TESTED, failed=()), NOTHING)
    assert phase.longrepr == "a reason as text"


@pytest.mark.parametrize("kind, pytest_outcome, xfail", [
    (Outcome.FAILED, "failed", None),
    (Outcome.FINDING, "skipped", "SHOULD finding: why"),
    (Outcome.WAIVED, "skipped", "WAIVED: seen\nwhy"),
    (Outcome.ERROR, "failed", None),
])
def test_a_failed_check_reads_as_its_requirement_and_only_failures_fail(kind, pytest_outcome, xfail):
    phase = report(outcome="failed", longrepr="pytest's traceback")
    dress(phase, outcome_of_kind(kind), NOTHING)
    assert (phase.outcome, getattr(phase, "wasxfail", None)) == (pytest_outcome, xfail)
    assert phase.longrepr == ("pytest's traceback" if kind == Outcome.ERROR else "why")


def test_a_failure_that_names_no_requirement_keeps_pytest_s_text():
    phase = report(outcome="failed", longrepr="Traceback: the test broke")
    dress(phase, outcome_of_kind(Outcome.FAILED, failed=()), NOTHING)
    assert phase.longrepr == "Traceback: the test broke"


def test_every_text_on_the_report_is_scrubbed_and_nothing_is_invented():
    scrubber = Scrubber([Secret(KEY)])
    passed = report()
    dress(passed, outcome_of_kind(Outcome.PASSED, failed=()), scrubber)
    assert passed.longrepr is None
    broken = report(outcome="failed", longrepr=f"line {KEY}\nnext\x1b")
    broken.sections = [("Captured stdout", f"{KEY}\nout")]
    dress(broken, outcome_of_kind(Outcome.ERROR, failed=()), scrubber)
    assert broken.longrepr == "line ***\nnext\\e" and broken.sections == [("Captured stdout", "***\nout")]
    skipped = report(outcome="skipped", longrepr=("f.py", 3, f"Skipped: {KEY}"))
    dress(skipped, outcome_of_kind(Outcome.SKIPPED, failed=()), scrubber)
    assert skipped.longrepr == ("f.py", 3, "Skipped: ***")
    waived = report(outcome="failed", longrepr="x")
    dress(waived, TestOutcome(NODE, ("AUTH-MISSING",), Outcome.WAIVED, ("AUTH-MISSING",),
                              message=f"{KEY}\nmore", summary="s"), scrubber)
    assert waived.wasxfail == "WAIVED: s\n***\nmore" and waived.longrepr == "***\nmore"
