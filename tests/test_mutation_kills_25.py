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

