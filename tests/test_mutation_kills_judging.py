"""Survivors of the mutation runs of the judging modules after the split (issue 25), each killed
by a test of behaviour: the judge, the shipped and team catalogues and a policy's levels, and the
typed model of infocheck.json."""
from __future__ import annotations

import pytest

from infocheck.judging.catalogue import builtin
from infocheck.judging.exit_codes import ExitCode
from infocheck.judging.judge import judge
from infocheck.judging.outcome import TestOutcome
from infocheck.judging.policy import Policy


# -- judging/judge.py -------------------------------------------------------------------------------

@pytest.mark.parametrize("status", [1, ExitCode.NOT_CONFORMANT])
def test_a_session_pytest_failed_without_a_result_stays_failed(status):
    """No test reported a result, but pytest says the session failed (a collection error of a
    team's file): that failure is the run's, never lightened to 'could not test'."""
    assert judge(status, [], Policy(builtin())) == ExitCode.NOT_CONFORMANT


@pytest.mark.parametrize("status", [0, ExitCode.CONFORMANT])
def test_a_session_that_passed_without_a_result_could_not_test_whatever_the_statuss_type(status):
    """pytest's status as a plain 0 or as the enumeration's member: no result is never 0."""
    assert judge(status, [], Policy(builtin())) == ExitCode.UNTESTABLE
    positive = TestOutcome("t::positive", (builtin().positive,), "passed")
    assert judge(status, [positive], Policy(builtin())) == ExitCode.CONFORMANT

