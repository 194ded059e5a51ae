"""The judge: the exit code as one pure function of pytest's status and the tests' outcomes,
and each requirement's verdict from the tests behind it; on fixed outcomes, no network."""
import datetime as dt

import pytest

from infocheck.requirements import builtin, load
from infocheck.verdict import EXIT_INTERNAL, EXIT_UNTESTABLE, EXIT_USAGE, Verdict, judge
from infocheck.verdict import TestOutcome as Outcome
from infocheck.waivers import Waiver


def outcome(outcome, *requirements, failed=(), version="v1"):
    return Outcome(f"t::{outcome}-{'-'.join(requirements)}", tuple(requirements), outcome,
                       tuple(failed), api_version=version)


POSITIVE = outcome("passed", "SHAPE-200")


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
    (0, [], {}, 0),
    (1, [POSITIVE, outcome("error", "AUTH-MISSING")], {"internal": True}, EXIT_INTERNAL),
    (1, [POSITIVE, outcome("failed", "AUTH-MISSING")], {"internal": True}, 1),
    (0, [POSITIVE], {"expired_waivers": True}, 1),
    (0, [outcome("not tested", "SHAPE-200")], {"expired_waivers": True}, 1),
    (1, [POSITIVE, outcome("failed", "ACME-X")], {"misused": True}, EXIT_USAGE),
    (0, [POSITIVE], {"misused": True, "internal": True}, EXIT_USAGE),
    (2, [POSITIVE], {"internal": True}, 2),
    (4, [], {}, 4),
    (2, [], {"misused": True}, 2),
    (5, [], {}, 5),
])
def test_the_exit_code(status, tests, flags, code):
    assert judge(status, iter(tests), **flags) == code


def verdicts(tests, known=None, waivers=(), version=None):
    v = Verdict(known or builtin(), waivers=waivers, today=dt.date(2026, 11, 25))
    v.tests = {t.nodeid: t for t in tests}
    return {i: verdict for i, (verdict, _) in v.requirement_verdicts(version).items()}


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
    found = verdicts([outcome("failed", "HTTP-UNKNOWN-HEADERS", "HTTP-NO-5XX", failed=["HTTP-NO-5XX"]),
                      outcome("passed", "AUTH-NO-ECHO")])
    assert (found["HTTP-NO-5XX"], found["HTTP-UNKNOWN-HEADERS"]) == ("failed", "not run")
    # a universal requirement failed by a test that does not declare it still counts
    found = verdicts([outcome("failed", "AUTH-MISSING", failed=["AUTH-NO-ECHO"])])
    assert (found["AUTH-NO-ECHO"], found["AUTH-MISSING"]) == ("failed", "not run")


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


def test_an_ignored_requirement_is_ignored_whatever_its_tests(tmp_path):
    policy = tmp_path / "policy.json"
    policy.write_text('{"levels": {"AUTH-CHALLENGE": "IGNORED"}}')
    found = verdicts([outcome("failed", "AUTH-CHALLENGE", failed=["AUTH-CHALLENGE"])],
                     known=load((), str(policy)))
    assert found["AUTH-CHALLENGE"] == "ignored"


def test_expired_waivers():
    old = Waiver("AUTH-401", None, "vendor", dt.date(2026, 11, 24))
    today = Waiver("AUTH-MISSING", None, "vendor", dt.date(2026, 11, 25))
    v = Verdict(builtin(), waivers=(old, today), today=dt.date(2026, 11, 25))
    assert v.expired_waivers() == [old]
