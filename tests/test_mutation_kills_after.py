"""Survivors of the mutation runs of two modules changed on 3 December (issue 25's rule: a module
changed is scored again), each killed by a test of behaviour: the judge after the not-checked
gate (judging/judge.py: unchecked_musts), and the scrubber after the trie (wire/secret.py)."""
from __future__ import annotations

import base64
import sys

import pytest

from infocheck import contracts
from infocheck.judging.catalogue import load
from infocheck.judging.judge import judge, unchecked_musts
from infocheck.judging.outcome import Outcome, TestOutcome
from infocheck.judging.policy import Policy
from infocheck.wire.secret import TRIE_NESTING, Scrubber, Secret, finder, trie

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


# -- wire/secret.py: the trie, finder and Scrubber._patterns ------------------------------------------

def _on_a_shallow_stack(frames: int, call):
    """`call()` with only `frames` more Python frames allowed than this one has (as for a caller
    already deep in recursion when it first masks a text)."""
    depth, frame = 0, sys._getframe()
    while frame is not None:
        depth, frame = depth + 1, frame.f_back
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + frames)
    try:
        return call()
    finally:
        sys.setrecursionlimit(limit)


def test_an_expression_too_deep_to_compile_on_the_stack_left_is_none_never_an_error():
    """The trie nests within TRIE_NESTING, but compiling it recurses about twice as deep as
    building it: with the stack left between the two, finder gives None (the caller then looks
    word by word), never a RecursionError."""
    nest = TRIE_NESTING - 10
    between = []
    for frames in range(30, 400, 10):
        words = {"q" * n + f"w-{frames}-finder" for n in range(1, nest)}   # fresh: re caches compiles
        built = _on_a_shallow_stack(frames, lambda: trie(words))
        found = _on_a_shallow_stack(frames, lambda: finder(words))
        if built is not None and found is None:
            between.append(frames)
        if found is not None:
            assert found.search("x " + "q" * 7 + f"w-{frames}-finder y") and not found.search("w-")
    assert between, "no stack depth let the trie be built but not compiled"


def test_a_scrubber_whose_expression_cannot_be_compiled_on_the_stack_left_looks_word_by_word():
    """As above, for the scrubber's own expressions: on a stack that lets them be built but not
    compiled, every secret is still found and masked whole (word by word), never an error."""
    between = []
    for frames in range(30, 400, 10):
        keys = [Secret("K" * n + f"Q{frames:03d}" + "z" * 16) for n in range(1, 70)]   # fresh each time
        scrubber = Scrubber(keys)
        key = keys[6].reveal()
        found = _on_a_shallow_stack(frames, lambda: (scrubber.contains_secret("x " + key.lower() + " y"),
                                                     scrubber.text("x " + key + " y"), scrubber._patterns()))
        assert found[:2] == (True, "x *** y"), frames
        assert not scrubber.contains_secret("x " + "z" * 15 + " y")
        if found[2][0] == (None, None) and trie(scrubber._folded) is not None:
            between.append(frames)
        elif found[2][0] != (None, None):
            break   # a deeper stack compiles them too
    assert between, "no stack depth let the scrubber's expressions be built but not compiled"


def test_a_trie_of_at_most_trie_nesting_branch_points_on_a_path_is_one_expression():
    """TRIE_NESTING counts the branch points on one path of a trie, at most: with that many
    (after k, kk, ... each a word ends or goes on) the words are one expression; one more, and
    they are looked for word by word."""
    words = {"k" * n + "z" for n in range(1, TRIE_NESTING + 2)}   # branch points at k .. k * 100
    found = finder(words)
    assert found is not None and found.search("x " + "k" * TRIE_NESTING + "z y")
    assert finder(words | {"k" * (TRIE_NESTING + 2) + "z"}) is None


def test_a_secret_with_a_dotted_capital_i_is_found_in_a_text_as_short_as_its_shortest_form():
    """Lower-casing lengthens U+0130 (to i and U+0307), so the text that holds a form is a
    character shorter, per U+0130, than the folded form: a text exactly that short (here the key
    without its last character, standing alone) is still looked at, found and never shown."""
    key = "key-\u0130\u0130\u0130\u0130-0123456789"
    scrubber = Scrubber([Secret(key)])
    shortest = key[:-1]
    assert scrubber.contains_secret(shortest)
    assert shortest not in scrubber.text(shortest)
    assert not scrubber.contains_secret(shortest[1:])


@pytest.mark.parametrize("keys", [
    # Keys that branch at each of a hundred places: their case-folded forms (hex among them) nest
    # too deeply for one expression, their base64 runs not.
    [("K" * n + "z" * 16) for n in range(1, 100)],
    # Keys the same but for the case of one letter: their base64 runs nest too deeply, their
    # case-folded forms not (hex aside, they fold to one key).
    [("a" * n + "A" + "a" * (149 - n)) for n in range(100)],
], ids=["folded-too-deep", "base64-too-deep"])
def test_a_scrubber_whose_forms_of_one_kind_nest_too_deeply_looks_word_by_word(keys):
    """Only one of the scrubber's two expressions is too deep to build: it looks word by word for
    both kinds, and finds and masks every secret, in each form, the longest form first (as much
    as the one expression of that key alone masks)."""
    scrubber = Scrubber([Secret(k) for k in keys])
    built = trie(scrubber._folded) is None, trie(scrubber._exact) is None
    assert built in ((True, False), (False, True))   # what each case stands on
    for key in keys[::33]:
        assert scrubber.text("x " + key + " y") == "x *** y"
        assert scrubber.text("x " + key.upper() + " y") == "x *** y"
        echo = base64.b64encode(b"user:" + key.encode()).decode()
        assert scrubber.contains_secret("Basic " + echo)
        masked = scrubber.text("Basic " + echo)
        assert not scrubber.contains_secret(masked)
        # Longest first, as one expression masks it: no more of the encoded key left showing.
        assert masked == Scrubber([Secret(key)]).text("Basic " + echo)
    assert not scrubber.contains_secret("x " + "z" * 15 + " y")
