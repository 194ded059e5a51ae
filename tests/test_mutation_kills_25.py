"""Survivors of the mutation runs after the split of modules (issue 25), each killed by a test of
behaviour: what a message shows at and one past its caps, and how the split modules decide."""
from __future__ import annotations

import pytest

from infocheck.wire.not_tested import OffBase


# -- wire/not_tested.py -----------------------------------------------------------------------------

@pytest.mark.parametrize("length", [300, 301])
def test_a_refusal_shows_each_url_whole_up_to_300_characters_and_cut_past_them(length):
    url = "http://h/" + "u" * (length - len("http://h/"))
    base = "http://h/" + "b" * (length - len("http://h/"))
    refusal = str(OffBase(url, base, "its path leaves the base"))
    for shown in (url, base):
        if length == 300:
            assert f" {shown} " in refusal and "characters)" not in refusal
        else:
            assert f" {shown[:300]}… (301 characters) " in refusal and shown not in refusal


# -- judging/echoes.py ------------------------------------------------------------------------------

def _entry(code, verdict, explanation="why"):
    return {"name": "east", "exit_code": code, "verdict": verdict,
            "result": {"contract": "info", "exit_code": code, "verdict": verdict, "explanation": explanation,
                       # IDs as a report read from a file holds them: equal to the catalogue's, not the same objects
                       "requirements": [{"id": "".join(["X-", "ECHO"]), "verdict": "passed", "messages": ["earlier"]},
                                        {"id": "A-BEFORE", "verdict": "passed", "messages": []},
                                        {"id": "X-OTHER", "verdict": "passed", "messages": []}]}}


@pytest.mark.parametrize("code, verdict, stays", [
    (0, "CONFORMANT", False), (2, "COULD NOT TEST", False), (3, "INTERNAL ERROR", False),
    (1, "NOT CONFORMANT", True), (4, "USAGE ERROR", True)])
def test_an_echo_fails_only_the_no_echo_requirement_and_leaves_a_failed_or_misused_run_as_it_was(code, verdict, stays):
    from infocheck.judging.echoes import ECHO_MESSAGE, echoed_elsewhere

    asked = []
    judged = echoed_elsewhere(_entry(code, verdict), lambda contract: asked.append(contract) or "X-ECHO")
    assert asked == ["info"]
    echo, before, other = judged["result"]["requirements"]
    assert echo == {"id": "X-ECHO", "verdict": "failed", "messages": [f"[MUST X-ECHO] {ECHO_MESSAGE}", "earlier"]}
    assert before == {"id": "A-BEFORE", "verdict": "passed", "messages": []}   # an ID that sorts before it
    assert other == {"id": "X-OTHER", "verdict": "passed", "messages": []}
    now = (code, verdict, "why") if stays else (1, "NOT CONFORMANT", "a MUST requirement failed")
    result = judged["result"]
    assert (result["exit_code"], result["verdict"], result["explanation"]) == now
    assert (judged["exit_code"], judged["verdict"], judged["name"]) == (now[0], now[1], "east")


def test_an_echo_in_a_result_without_requirements_still_fails_the_target_and_no_result_is_left_alone():
    from infocheck.judging.echoes import echoed_elsewhere

    entry = {"name": "w", "exit_code": 0, "verdict": "CONFORMANT",
             "result": {"contract": None, "exit_code": 0, "verdict": "CONFORMANT", "explanation": ""}}
    judged = echoed_elsewhere(entry, lambda contract: "X-ECHO")
    assert (judged["exit_code"], judged["verdict"]) == (1, "NOT CONFORMANT")
    alone = {"name": "w", "exit_code": 3, "verdict": "INTERNAL ERROR", "result": None}
    assert echoed_elsewhere(alone, lambda contract: pytest.fail("no result asks for no requirement")) is alone
