"""The judge: the exit code as one pure function of pytest's status and the tests' outcomes,
and each requirement's verdict from the tests behind it; on fixed outcomes, no network."""
import dataclasses
import datetime as dt
import json
from types import SimpleNamespace

import pytest

from infocheck.judging.catalogue import builtin, load
from infocheck.judging.judge import (EXIT_INTERNAL, EXIT_UNTESTABLE, EXIT_USAGE, judge,
                                     requirement_verdicts, settle)
from infocheck.judging.outcome import TestOutcome as Outcome
from infocheck.judging.policy import Policy
from infocheck.plugin.collector import Results
from infocheck.judging.waivers import Waiver


def fresh(text: str) -> str:
    """The same text as a new string object (outcomes arrive from xdist workers as such): a
    judge that compared identity (`is`) instead of equality would fail on it."""
    return "".join(list(text))


def outcome(outcome, *requirements, failed=(), version="v1"):
    return Outcome(f"t::{outcome}-{'-'.join(requirements)}", tuple(map(fresh, requirements)),
                   fresh(outcome), tuple(map(fresh, failed)), api_version=fresh(version))


POSITIVE = outcome("passed", "SHAPE-200")
TODAY = dt.date(2026, 11, 25)
EXPIRED = Policy(builtin(), (Waiver("HTTP-DATE", None, "vendor", TODAY - dt.timedelta(days=1)),), today=TODAY)


@pytest.mark.parametrize("status, tests, flags, code", [
    (0, [POSITIVE], {}, 0),
    (1, [POSITIVE, outcome("failed", "AUTH-MISSING", failed=["AUTH-MISSING"])], {}, 1),
    (0, [POSITIVE, outcome("finding", "AUTH-401")], {}, 0),
    (0, [POSITIVE, outcome("waived", "AUTH-MISSING")], {}, 0),
    (0, [POSITIVE, outcome("skipped", "MODEL-KNOWN")], {}, 0),
    (0, [POSITIVE, outcome("not tested", "AUTH-WRONG-KEY")], {}, EXIT_UNTESTABLE),
    (1, [POSITIVE, outcome("not tested", "X"), outcome("failed", "AUTH-MISSING")], {}, 1),
    (0, [outcome("not tested", "SHAPE-200")], {}, EXIT_UNTESTABLE),
    (0, [outcome("skipped", "SHAPE-200")], {}, EXIT_UNTESTABLE),
    (1, [outcome("failed", "SHAPE-200", failed=["SHAPE-200"])], {}, 1),
    (0, [], {}, EXIT_UNTESTABLE),   # no test ran (--collect-only): nothing checked (was 0)
    (0, [], {"policy": EXPIRED}, 1),
    (0, [outcome("error", "SHAPE-200")], {}, EXIT_UNTESTABLE),
    (0, [outcome("finding", "SHAPE-200")], {}, EXIT_UNTESTABLE),
    (1, [POSITIVE, outcome("error", "AUTH-MISSING")], {"internal": True}, EXIT_INTERNAL),
    (1, [POSITIVE, outcome("failed", "AUTH-MISSING")], {"internal": True}, 1),
    (0, [POSITIVE], {"policy": EXPIRED}, 1),
    (0, [outcome("not tested", "SHAPE-200")], {"policy": EXPIRED}, 1),
    (0, [POSITIVE, outcome("failed", "AUTH-MISSING", failed=["AUTH-MISSING"])], {}, 1),   # recorded
    (1, [POSITIVE, outcome("failed", "ACME-X")], {"misused": True}, EXIT_USAGE),
    (0, [POSITIVE], {"misused": True, "internal": True}, EXIT_USAGE),
    (2, [POSITIVE], {"internal": True}, 2),
    (4, [], {}, 4),
    (2, [], {"misused": True}, 2),
    (5, [], {}, 5),
])
def test_the_exit_code(status, tests, flags, code):
    given = flags.pop("policy", Policy(builtin()))
    assert judge(status, iter(tests), given, **flags) == code


def failure(*failed, nodeid="suites/test_x.py::test_y[v1]", outcome="failed"):
    return Outcome(nodeid, tuple(failed), outcome, tuple(map(fresh, failed)), message="[MUST X] broke")


def policy(*waivers, fail_on_should=False, known=None):
    return Policy(known or builtin(), waivers, fail_on_should, TODAY)


LIVE = Waiver("AUTH-MISSING", None, "the gateway adds it", TODAY)
LAPSED = Waiver("AUTH-MISSING", None, "the gateway adds it", TODAY - dt.timedelta(days=1))


@pytest.mark.parametrize("test, given, outcome, summary, note", [
    (failure("AUTH-MISSING"), policy(), "failed", "", False),
    (failure("AUTH-MISSING"), policy(LIVE), "waived", "the gateway adds it (waiver for AUTH-MISSING until 2026-11-25)", False),
    (failure("AUTH-MISSING"), policy(LAPSED), "failed", "", True),
    (failure("AUTH-MISSING"), policy(LAPSED, LIVE), "waived", "the gateway adds it (waiver for AUTH-MISSING until 2026-11-25)", False),
    (failure("AUTH-MISSING", "HTTP-DATE"), policy(LIVE), "failed", "", False),    # covers one of two
    (failure("AUTH-401"), policy(), "finding", "", False),                         # a SHOULD
    (failure("AUTH-401"), policy(fail_on_should=True), "failed", "", False),
    (failure("AUTH-401", "AUTH-MISSING"), policy(), "failed", "", False),          # a MUST among them
    (failure("ACME-X"), policy(), "failed", "", False),                            # in no catalogue
    (failure("AUTH-401", outcome="finding"), policy(fail_on_should=True), "failed", "", False),
    (failure("AUTH-MISSING", outcome="waived"), policy(), "failed", "", False),    # re-settled
    (failure("HTTP-DATE"), policy(Waiver(None, "test_y", "flaky clock", TODAY)), "waived",
     "flaky clock (waiver for test_y until 2026-11-25)", False),
    (failure("HTTP-DATE"), policy(Waiver(None, "test_z", "other", TODAY)), "finding", "", False),
])
def test_a_failure_settles_under_the_waivers_and_the_policy(test, given, outcome, summary, note):
    settled = settle(test, given)
    assert (settled.outcome, settled.summary) == (outcome, summary)
    assert settled.message == "[MUST X] broke"         # the message is the check's, as it was
    assert settled.text == "[MUST X] broke" + (       # an expired waiver is a field, said when printed
        "\n\n(a waiver for AUTH-MISSING expired on 2026-11-24)" if note else "")
    assert settled.expired_waiver == ("AUTH-MISSING expired on 2026-11-24" if note else "")
    assert settled.settled and settle(settled, given) == settled     # settling twice changes nothing


def test_a_policy_without_options_fails_on_musts_only_and_waives_nothing():
    bare = Policy(builtin())
    assert (bare.fail_on_should, bare.waivers, bare.expired()) == (False, (), [])
    with pytest.raises(dataclasses.FrozenInstanceError):   # one policy for the whole run
        bare.fail_on_should = True
    assert Policy(builtin(), today=TODAY) == Policy(builtin(), (), False, TODAY)


def test_the_collector_settles_what_arrives_unsettled_when_the_session_ends():
    v = Results(Policy(builtin(), (LIVE,), True, TODAY))
    v.tests = {t.nodeid: t for t in (failure("AUTH-MISSING", nodeid="a"), failure("AUTH-401", nodeid="b"),
                                     failure("AUTH-401", nodeid="c", outcome="finding"))}
    session = SimpleNamespace(exitstatus=0)
    v.pytest_sessionfinish(session, 0)
    assert {n: t.outcome for n, t in v.tests.items()} == {"a": "waived", "b": "failed", "c": "failed"}
    assert session.exitstatus == v.status == 1


def test_only_a_failed_check_is_settled():
    for other in ("passed", "not tested", "skipped", "error"):
        test = failure("AUTH-MISSING", outcome=other)
        assert settle(test, policy(LIVE)) is test
    assert settle(Outcome("t", ("AUTH-401",), "failed"), policy()).outcome == "failed"   # no check named


@pytest.mark.parametrize("results, given, code", [
    ([POSITIVE, failure("AUTH-401")], policy(), 0),
    ([POSITIVE, failure("AUTH-401")], policy(fail_on_should=True), 1),
    ([POSITIVE, failure("AUTH-MISSING")], policy(LIVE), 0),
    ([POSITIVE, failure("AUTH-MISSING")], policy(LAPSED), 1),
    ([POSITIVE, failure("AUTH-MISSING", outcome="waived")], policy(), 1),
])
def test_recorded_results_are_judged_under_a_policy_without_pytest(results, given, code):
    assert judge(0, results, given) == code


def verdicts(tests, known=None, version=None):
    return {i: verdict for i, (verdict, _) in requirement_verdicts(known or builtin(), tests, version).items()}


def test_a_requirement_takes_the_worst_verdict_of_its_tests():
    found = verdicts([
        outcome("passed", "AUTH-MISSING"), outcome("failed", "AUTH-MISSING", failed=["AUTH-MISSING"]),
        outcome("passed", "AUTH-401"), outcome("finding", "AUTH-401", failed=["AUTH-401"]),
        outcome("waived", "AUTH-WRONG-KEY", failed=["AUTH-WRONG-KEY"]), outcome("passed", "AUTH-WRONG-KEY"),
        outcome("passed", "SHAPE-200"), outcome("not tested", "SHAPE-200"),
        outcome("skipped", "MODEL-KNOWN"), outcome("passed", "MODEL-UNKNOWN"),
        outcome("skipped", "HTTP-405"), outcome("passed", "HTTP-405"),
    ])
    assert {i: found[i] for i in ("AUTH-MISSING", "AUTH-401", "AUTH-WRONG-KEY", "SHAPE-200",
                                  "MODEL-KNOWN", "MODEL-UNKNOWN", "HTTP-405", "HTTP-HEAD")} == {
        "AUTH-MISSING": "failed", "AUTH-401": "finding", "AUTH-WRONG-KEY": "waived",
        "SHAPE-200": "not tested", "MODEL-KNOWN": "skipped", "MODEL-UNKNOWN": "passed",
        "HTTP-405": "passed", "HTTP-HEAD": "not run"}


def test_a_failure_counts_against_the_requirement_it_names_only():
    # the other requirement the test covers was not checked by it (issue 27: it said "not run"
    # beside a test that said "failed")
    found = verdicts([outcome("failed", "HTTP-UNKNOWN-HEADERS", "HTTP-NO-5XX", failed=["HTTP-NO-5XX"]),
                      outcome("passed", "AUTH-NO-ECHO")])
    assert (found["HTTP-NO-5XX"], found["HTTP-UNKNOWN-HEADERS"]) == ("failed", "not checked")
    # a universal requirement failed by a test that does not declare it still counts
    found = verdicts([outcome("failed", "AUTH-MISSING", failed=["AUTH-NO-ECHO"])])
    assert (found["AUTH-NO-ECHO"], found["AUTH-MISSING"]) == ("failed", "not checked")


def test_an_error_is_a_failure_of_what_it_names_else_not_tested():
    found = verdicts([outcome("error", "AUTH-MISSING", failed=["AUTH-MISSING"]),
                      outcome("error", "AUTH-401")])
    assert (found["AUTH-MISSING"], found["AUTH-401"]) == ("failed", "not tested")


def test_verdicts_per_api_version():
    tests = [outcome("failed", "AUTH-MISSING", failed=["AUTH-MISSING"], version="a"),
             outcome("passed", "AUTH-MISSING", version="b")]
    assert verdicts(tests, version="a")["AUTH-MISSING"] == "failed"
    assert verdicts(tests, version="b")["AUTH-MISSING"] == "passed"
    assert verdicts(tests)["AUTH-MISSING"] == "failed"
    swapped = [outcome("passed", "AUTH-MISSING", version="a"),
               outcome("failed", "AUTH-MISSING", failed=["AUTH-MISSING"], version="b")]
    assert (verdicts(swapped, version="a")["AUTH-MISSING"], verdicts(swapped, version="b")["AUTH-MISSING"]) == (
        "passed", "failed")


def test_an_ignored_requirement_is_ignored_whatever_its_tests(tmp_path):
    policy = tmp_path / "policy.json"
    policy.write_text('{"levels": {"AUTH-CHALLENGE": "IGNORED"}}')
    found = verdicts([outcome("failed", "AUTH-CHALLENGE", failed=["AUTH-CHALLENGE"])],
                     known=load((), str(policy)))
    assert found["AUTH-CHALLENGE"] == "ignored" and list(found) == list(builtin())


def test_expired_waivers():
    old = Waiver("AUTH-401", None, "vendor", dt.date(2026, 11, 24))
    today = Waiver("AUTH-MISSING", None, "vendor", dt.date(2026, 11, 25))
    assert Policy(builtin(), (old, today), today=dt.date(2026, 11, 25)).expired() == [old]


# -- from pytest's reports to outcomes, and gathering them ---------------------------------

from infocheck.judging.judge import VERDICTS  # noqa: E402
from infocheck.judging.outcome import Outcome as Kind, Traffic  # noqa: E402
from infocheck.plugin.outcomes import TestFacts, classify, dress, outcome_of, status_words  # noqa: E402
from infocheck.reports.terminal import write_summary  # noqa: E402
from infocheck.contracts.checking import CheckFailure  # noqa: E402
from infocheck.wire.probe import NotTested  # noqa: E402
from infocheck.wire.secret import Scrubber  # noqa: E402

NOTHING = Scrubber()


class Skipped(Exception):
    """pytest's skip, as far as the outcome is concerned: not a NotTested; its reason in msg."""

    def __init__(self, msg):
        super().__init__(msg)
        self.msg = msg


def report(when="call", outcome="passed", longrepr=None, **extra):
    """A pytest report of one phase."""
    return SimpleNamespace(**{"nodeid": "suites/info/t.py::test", "when": fresh(when), "longrepr": longrepr,
                              "passed": outcome == "passed", "failed": outcome == "failed",
                              "skipped": outcome == "skipped", "outcome": outcome, "sections": [],
                              "longreprtext": "" if longrepr is None else str(longrepr), **extra})


def classified(phase, error=None, ids=("AUTH-MISSING",), team=False, usage="", given=None):
    facts = TestFacts("suites/info/t.py::test", ids, "v1", team=team, usage=usage)
    return classify(phase, error, facts, given or Policy(builtin()), NOTHING)


@pytest.mark.parametrize("phase, error, found", [
    (report(), None, ("passed", "", "")),
    (report("setup"), None, (None, "", "")),
    (report("teardown"), None, (None, "", "")),
    (report(outcome="failed", longrepr="Traceback\nValueError: it"), ValueError("it"),
     ("error", "Traceback\nValueError: it", "ValueError: it")),
    (report("setup", "failed", "boom"), RuntimeError("boom"), ("error", "boom", "RuntimeError: boom")),
    (report("teardown", "failed", "boom"), RuntimeError("boom"), ("error", "boom", "RuntimeError: boom")),
    (report(outcome="skipped", longrepr=("f", 1, "Skipped: why")), Skipped("why"), ("skipped", "why", "why")),
    (report(outcome="skipped", longrepr=("f", 1, "Skipped: a NOT TESTED: b")), NotTested("a NOT TESTED: b"),
     ("not tested", "a NOT TESTED: b", "a NOT TESTED: b")),
    (report("setup", "skipped", ("f", 1, "Skipped: no key")), NotTested("no key"),
     ("not tested", "no key", "no key")),
    (report(outcome="skipped", longrepr=("f", 1, "Skipped: NOT TESTED: looks alike")), Skipped("NOT TESTED: looks alike"),
     ("skipped", "NOT TESTED: looks alike", "NOT TESTED: looks alike")),
    (report(outcome="skipped", longrepr="plain"), None, ("skipped", "plain", "plain")),
])
def test_each_report_gets_its_outcome_as_data(phase, error, found):
    outcome = classified(phase, error)
    assert (outcome.outcome, outcome.message, outcome.summary) == found


def test_a_failed_check_is_its_requirement_and_is_settled_once_where_it_is_made():
    error = CheckFailure("AUTH-401", "status 401", "403 Forbidden")
    outcome = classified(report(outcome="failed", longrepr="x"), error, ids=("AUTH-401",))
    assert (outcome.outcome, outcome.failed_requirements, outcome.summary, outcome.settled) == (
        "finding", ("AUTH-401",), "403 Forbidden", True)
    assert outcome.brief == outcome.message == error.explain(builtin())
    must = classified(report(outcome="failed", longrepr="x"), CheckFailure("AUTH-MISSING", "e", "g"))
    assert (must.outcome, must.internal) == ("failed", False)
    stray = classified(report(outcome="failed", longrepr="x"), CheckFailure("AUTH-401", "e", "g"))
    assert (stray.outcome, stray.internal) == ("error", True)   # infocheck's own bug
    assert stray.message.endswith("(infocheck bug: the test does not declare AUTH-401)")
    team = classified(report(outcome="failed", longrepr="assert 1 == 2"), AssertionError("1 == 2"),
                      ids=("AUTH-MISSING",), team=True)
    assert (team.outcome, team.failed_requirements, team.internal) == ("failed", ("AUTH-MISSING",), False)
    misused = classified(report(outcome="failed", longrepr="x"), CheckFailure("AUTH-401", "e", "g"), team=True)
    assert misused.usage.endswith("failed AUTH-401, which the test does not declare with @pytest.mark.requirement")


def test_the_outcome_rides_on_the_report_as_one_value_and_dresses_it():
    finding = classified(report(outcome="failed", longrepr="x"), CheckFailure("AUTH-401", "e", "g"),
                         ids=("AUTH-401",))
    phase = report(outcome="failed", longrepr="x")
    dress(phase, finding, NOTHING)
    assert outcome_of(phase) == finding and phase.infocheck == finding.as_data()
    assert (phase.outcome, phase.wasxfail.startswith("SHOULD finding: [SHOULD AUTH-401]")) == ("skipped", True)
    assert status_words(phase) == ("finding", "f", "FINDING")
    skipped = report(outcome="skipped", longrepr=("f", 1, "Skipped: no key"))
    dress(skipped, classified(skipped, NotTested("no key")), NOTHING)
    assert skipped.longrepr == ("f", 1, "NOT TESTED: no key")   # the words are added where printed
    assert outcome_of(SimpleNamespace()) is None and status_words(SimpleNamespace()) is None


def gathered(*outcomes) -> Results:
    v = Results(Policy(builtin()))
    for outcome in outcomes:
        phase = report()
        phase.infocheck = outcome.as_data()
        v.pytest_runtest_logreport(phase)
    return v


def phase_outcome(when="call", kind=None, **fields) -> Outcome:
    return Outcome("suites/info/t.py::test", outcome=kind, **fields)


def test_gathering_keeps_what_the_reports_carry():
    v = gathered(phase_outcome("setup", None, requirements=("AUTH-MISSING",), api_version="v2",
                               levels=("MUST",), process="42", traffic=Traffic(3, 1, 2.5)),
                 phase_outcome("call", Kind.FAILED, requirements=("AUTH-MISSING",), api_version="v2",
                               levels=("MUST",), failed_requirements=("AUTH-MISSING",),
                               message="[MUST AUTH-MISSING] open", transcript="> GET /info"))
    test = v.tests["suites/info/t.py::test"]
    assert (test.requirements, test.api_version, test.outcome, test.failed_requirements) == (
        ("AUTH-MISSING",), "v2", "failed", ("AUTH-MISSING",))
    assert (test.message, test.transcript) == ("[MUST AUTH-MISSING] open", "> GET /info")
    assert test.levels == ("MUST",)
    assert (v.requests.sent, v.requests.throttled, v.requests.waited) == (3, 1, 2.5)
    assert v.internal == [] and v.misused == []
    kept = gathered(phase_outcome(kind=Kind.PASSED, transcript="> GET"), phase_outcome("teardown", None))
    assert kept.tests["suites/info/t.py::test"].transcript == "> GET"   # a later phase keeps it


def test_the_levels_of_a_test_are_the_run_s_and_a_requirement_in_no_catalogue_has_none():
    outcome = classified(report(), None, ids=("AUTH-401", "ACME-X"))
    assert outcome.levels == ("SHOULD", "")


def test_errors_are_infocheck_s_own_unless_in_a_team_s_test():
    assert gathered(classified(report("setup", "failed", "boom"), RuntimeError("boom"))).internal == [
        "suites/info/t.py::test"]
    team = gathered(classified(report("setup", "failed", "boom"), RuntimeError("boom"), team=True))
    assert team.internal == [] and team.tests["suites/info/t.py::test"].outcome == "error"
    flagged = gathered(phase_outcome(kind=Kind.ERROR, internal=True))
    assert flagged.internal == ["suites/info/t.py::test"] and flagged.tests["suites/info/t.py::test"].outcome == "error"
    misused = gathered(phase_outcome(kind=Kind.FAILED, usage="names ACME-NOPE"))
    assert misused.misused == ["names ACME-NOPE"]
    assert gathered(phase_outcome("setup", None, usage="u")).misused == []   # passed setup: no outcome


def test_traffic_is_summed_over_processes():
    v = gathered(phase_outcome(kind=Kind.PASSED, process="1", traffic=Traffic(2, 0, 0.5)),
                 phase_outcome(kind=Kind.PASSED, process="2", traffic=Traffic(5, 1, 1.5)),
                 phase_outcome(kind=Kind.PASSED, process="1", traffic=Traffic(4, 0, 0.75)))
    assert (v.requests.sent, v.requests.throttled, v.requests.waited) == (9, 1, 2.25)


def test_a_process_counts_only_grow_so_a_late_report_of_an_earlier_moment_changes_nothing():
    # --concurrency replays reports in the session's order, not in the order they were made
    v = gathered(phase_outcome(kind=Kind.PASSED, process="1", traffic=Traffic(4, 2, 0.75)),
                 phase_outcome(kind=Kind.PASSED, process="1", traffic=Traffic(2, 1, 0.5)))
    assert (v.requests.sent, v.requests.throttled, v.requests.waited) == (4, 2, 0.75)
    v = gathered(phase_outcome(kind=Kind.PASSED, process="1", traffic=Traffic(2, 1, 0.5)),
                 phase_outcome(kind=Kind.PASSED, process="1", traffic=Traffic(2, 3, 0.25)),
                 phase_outcome(kind=Kind.PASSED, process="1", traffic=Traffic(1, 0, 0.5)))
    assert (v.requests.sent, v.requests.throttled, v.requests.waited) == (2, 3, 0.5)


class Terminal:
    def __init__(self):
        self.lines = []

    def section(self, title):
        self.lines.append(f"== {title}")

    def write_line(self, text, **style):
        self.lines.append((text, style) if style else text)


def test_the_terminal_summary():
    v = Results(Policy(builtin(), (Waiver("AUTH-401", None, "vendor", dt.date(2026, 1, 1)),),
                       today=dt.date(2026, 11, 25)))
    for nodeid, outcome, message in (("a", "finding", "[SHOULD AUTH-401] x\n  reproduce: curl"),
                                     ("b", "waived", "[MUST Y] more"), ("c", "not tested", "no key"),
                                     ("d", "not tested", "no key"), ("e", "not tested", "throttled"),
                                     ("f", "failed", "[MUST X] no"), ("g", "error", "boom"),
                                     ("h", "passed", ""), ("i", "skipped", "why")):
        v.tests[nodeid] = Outcome(nodeid, (), fresh(outcome), message=message,
                                  brief=message.split("\n")[0],
                                  summary="known (waiver for Y)" if outcome == "waived" else "")
    v.traffic["1"] = Traffic(7, 2, 3.0)
    v.discovered = {"2025-05-01": "accepted: 200"}
    v.status = 1
    terminal = Terminal()
    write_summary(v, terminal)
    assert terminal.lines == [
        "== SHOULD findings (they fail the run only with --fail-on-should)", "[SHOULD AUTH-401] x",
        "== waived", "b: known (waiver for Y)",
        "== expired waivers (they fail the run)",
        ("waiver for AUTH-401 expired on 2026-01-01: vendor", {"red": True}),
        "== not tested", "2 check(s): no key", "1 check(s): throttled",
        "== api-versions the endpoint accepts (--discover-versions)", "2025-05-01: accepted: 200",
        "== infocheck verdict", "requests sent: 7; throttled 2 time(s), waited 3.0 s",
        ("NOT CONFORMANT: a MUST requirement failed (exit 1)", {"bold": True, "red": True, "green": False})]
    del v.tests["f"]
    assert v.explanation == "a waiver has expired"


def test_a_conformant_summary_is_green_and_short():
    v = Results(Policy(builtin()))
    v.status = 0
    terminal = Terminal()
    write_summary(v, terminal)
    assert terminal.lines == ["== infocheck verdict", (
        "CONFORMANT: every MUST requirement checked passed (exit 0)", {"bold": True, "red": False, "green": True})]
    v.traffic["1"] = Traffic(3, 0, 0.0)
    terminal = Terminal()
    write_summary(v, terminal)
    # The verdict is the summary's last line; the report files are named after pytest-html's
    # own line, at unconfigure (test_first_hour checks the terminal's last line).
    assert terminal.lines[1] == "requests sent: 3" and terminal.lines[-1][0].startswith("CONFORMANT: ")


@pytest.mark.parametrize("status, words", [(0, "CONFORMANT"), (1, "NOT CONFORMANT"), (2, "COULD NOT TEST"),
                                           (3, "INTERNAL ERROR"), (4, "USAGE ERROR"), (5, "INTERRUPTED"),
                                           (None, "INTERRUPTED")])
def test_the_verdict_words(status, words):
    v = Results(Policy(builtin()))
    v.status = status
    assert v.verdict == words and VERDICTS.get(status, "INTERRUPTED") == words


def test_explanations():
    v = Results(Policy(builtin()))
    v.status = 2
    assert v.explanation == "the endpoint could not be checked completely (see 'not tested')"
    v.status = 7
    assert v.explanation == "pytest ended with exit status 7"
    v.status, v.misused = 4, ["t names ACME-NOPE", "u names ACME-TOO"]
    assert v.explanation == "t names ACME-NOPE"
    v.status = 1   # the misuse explains only a usage-error verdict
    assert v.explanation == "a MUST requirement failed"
    v.status = 5
    assert v.explanation == "pytest ended with exit status 5"
    v.stopped = "refused"
    assert v.explanation == "refused"
    expired = Results(Policy(builtin(), (Waiver("AUTH-401", None, "r", dt.date(2026, 1, 1)),),
                             today=dt.date(2026, 11, 25)))
    for status, says in ((0, "every MUST requirement checked passed"), (1, "a waiver has expired"),
                         (2, "the endpoint could not be checked completely (see 'not tested')")):
        expired.status = status
        assert expired.explanation == says
    failing = Results(Policy(builtin()))
    failing.status = 1
    failing.tests["t"] = Outcome("t", (), "failed")
    assert failing.explanation == "a MUST requirement failed"


def test_stopping_the_run_is_one_escaped_capped_line_the_collector_keeps():
    v = Results(Policy(builtin()))
    assert v.stop("no \x1b answer") == "no \\e answer" == v.stopped
    assert v.stop("x" * 2500) == "x" * 2000 + "… (2500 characters)" == v.explanation


def test_the_session_ends_with_the_judged_code():
    v = Results(Policy(builtin(), (Waiver("AUTH-401", None, "r", dt.date(2026, 1, 1)),),
                       today=dt.date(2026, 11, 25)))
    v.tests["t"] = Outcome("t", ("SHAPE-200",), "passed")
    session = SimpleNamespace(exitstatus=0)
    v.pytest_sessionfinish(session, 0)
    assert session.exitstatus == v.status == 1 and v.finished >= v.started
    v = gathered(phase_outcome(kind=Kind.ERROR, internal=True))
    v.pytest_sessionfinish(session, 1)
    assert session.exitstatus == v.status == 3
    v = gathered(phase_outcome(kind=Kind.FAILED, usage="u"))
    v.pytest_sessionfinish(session, 1)
    assert v.status == 4


def test_the_collector_is_a_plugin_pluggy_can_keep_in_a_set():
    # pytest's hook proxies for a folder outside the rootdir put every plugin in a set
    first, second = Results(Policy(builtin())), Results(Policy(builtin()))
    assert len({first, second, first}) == 2


def test_an_outcome_survives_its_journey_as_data():
    outcome = Outcome("n", ("A-B",), Kind.WAIVED, ("A-B",), "m", "b", "s", "t", "v", ("MUST",), "X expired",
                      True, True, "u", True, "9", Traffic(1, 2, 3.5))
    assert Outcome.from_data(json.loads(json.dumps(outcome.as_data()))) == outcome
    data = outcome.as_data()     # plain JSON types: what pytest-xdist and the shards can ship
    assert (data["requirements"], data["failed_requirements"], data["levels"]) == (["A-B"], ["A-B"], ["MUST"])
    assert data["outcome"] == "waived" and type(data["outcome"]) is str and data["traffic"] == [1, 2, 3.5]


def test_a_bare_outcome_is_infocheck_s_own_and_has_sent_nothing_and_it_cannot_change():
    bare = Outcome("n")
    assert (bare.team, bare.internal, bare.settled, bare.traffic) == (False, False, False, Traffic())
    assert (Traffic().sent, Traffic().throttled, Traffic().waited) == (0, 0, 0.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        bare.outcome = Kind.PASSED
    assert Outcome.__test__ is False       # pytest does not take it for a test class


def test_merging_phases_keeps_the_usage_either_phase_found():
    setup = Outcome("n", usage="from setup")
    assert setup.merged(Outcome("n", outcome=Kind.PASSED)).usage == "from setup"
    assert setup.merged(Outcome("n")).usage == "from setup"
    assert Outcome("n").merged(Outcome("n", usage="later")).usage == "later"
    assert setup.merged(Outcome("n", outcome=Kind.FAILED, usage="call")).usage == "call"
