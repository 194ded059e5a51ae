"""Survivors of the mutation runs of two modules changed on 3 December (issue 25's rule: a module
changed is scored again), each killed by a test of behaviour: the judge after the not-checked
gate (judging/judge.py: unchecked_musts), and the scrubber after the trie (wire/secret.py)."""
from __future__ import annotations

from infocheck import contracts
from infocheck.judging.catalogue import load
from infocheck.judging.judge import judge, unchecked_musts
from infocheck.judging.outcome import Outcome, TestOutcome
from infocheck.judging.policy import Policy

# -- judging/judge.py: unchecked_musts ---------------------------------------------------------------

POLICY = Policy(load(None, None, contracts.get("info")))
POSITIVE = TestOutcome("positive", ("SHAPE-200",), Outcome.PASSED)


def test_unchecked_musts_leave_out_a_must_a_broken_test_failed():
    """A team's test that broke after it failed a MUST (outcome error, the MUST among its failed
    requirements) earns that MUST the verdict 'failed', not 'not checked': the run keeps
    pytest's status (the session failed) and is not turned into 'could not test'."""
    assert POLICY.catalogue["AUTH-MISSING"].level == "MUST"
    broken = TestOutcome("broken", ("AUTH-MISSING",), Outcome.ERROR, ("AUTH-MISSING",))
    assert unchecked_musts(POLICY, [POSITIVE, broken]) == []
    assert judge(1, [POSITIVE, broken], POLICY) == 1
