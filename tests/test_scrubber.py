"""The scrubber, judged in-process on fixed texts: every encoding in a fixed list (computed
here with the standard library, never with the scrubber's own forms) is found and masked, for
the key and each near miss, with exact expected outputs where the output is defined. Fast, so
that mutation testing can run it for every mutant of infocheck/secret.py."""
import base64
import html
import json
import urllib.parse

import pytest

from infocheck.wire.secret import MASK, WITHHELD, Scrubber, Secret, credential_problem, decoded_views

KEY = 'Selftest/KEY+"qr\\st<u>&v=w%x-0192\''   # characters JSON, URLs and HTML escape
NEAR = {"truncated": KEY[:-1], "extended": KEY + "x", "one-changed": KEY[:-1] + "x",
        "case-swapped": KEY.swapcase()}


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


ENCODINGS = {
    "as sent": lambda k: k,
    "lower case": str.lower,
    "upper case": str.upper,
    "a JSON string": lambda k: json.dumps(k)[1:-1],
    "every character JSON-escaped": lambda k: "".join(f"\\u{ord(c):04x}" for c in k),
    "URL-quoted": lambda k: urllib.parse.quote(k, safe=""),
    "form-encoded": urllib.parse.quote_plus,
    "every byte percent-escaped": lambda k: "".join(f"%{b:02X}" for b in k.encode()),
    "HTML-escaped": html.escape,
    "HTML character references": lambda k: "".join(f"&#{ord(c)};" for c in k),
    "hex": lambda k: k.encode().hex(),
    "HEX": lambda k: k.encode().hex().upper(),
    "Basic base64 of user:key": lambda k: "Basic " + b64(b"user:" + k.encode()),
    "base64 at offset 1": lambda k: b64(b"x" + k.encode()),
    "base64 at offset 2": lambda k: b64(b"xy" + k.encode()),
    "base64url, unpadded": lambda k: base64.urlsafe_b64encode(k.encode()).decode().rstrip("="),
    "URL-quoted twice": lambda k: urllib.parse.quote(urllib.parse.quote(k, safe=""), safe=""),
}


@pytest.fixture(scope="module")
def scrubber():
    return Scrubber([Secret(KEY)])


@pytest.mark.parametrize("variant", ["exact", *NEAR])
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_every_encoding_of_the_key_and_its_near_misses_is_found_and_never_shown(scrubber, encoding, variant):
    shown = ENCODINGS[encoding](NEAR.get(variant, KEY))
    text = f"before {shown} after"
    assert scrubber.contains_secret(text)
    masked = scrubber.text(text)
    assert shown not in masked and not scrubber.contains_secret(masked)
    assert masked == WITHHELD or (masked.startswith("before ") and masked.endswith(" after"))


@pytest.mark.parametrize("text, masked", [
    (f"a {KEY} b", f"a {MASK} b"),                              # the key whole, not a suffix of it
    (f"{KEY[:-1]}", MASK),
    (f"{KEY}x", MASK),                                          # extended: masked whole as well
    (f"[{KEY.upper()}]", f"[{MASK}]"),
    (json.dumps({"k": KEY}), '{"k": "' + MASK + '"}'),
    (f"{KEY} and {KEY}", f"{MASK} and {MASK}"),
])
def test_masking_replaces_exactly_the_secret(scrubber, text, masked):
    assert scrubber.text(text) == masked
    assert scrubber.bytes(text.encode("latin-1")) == masked.encode("latin-1")


@pytest.mark.parametrize("text", ["", "nothing here", "Selftest", KEY[:7], "x" * 64, "%zz &amp; \\q"])
def test_text_without_the_secret_is_left_alone(scrubber, text):
    assert not scrubber.contains_secret(text)
    assert scrubber.text(text) == text and scrubber.bytes(text.encode()) == text.encode()


def test_an_empty_scrubber_finds_nothing():
    assert not Scrubber().contains_secret(KEY) and Scrubber().text(KEY) == KEY
    assert Scrubber().bytes(KEY.encode()) == KEY.encode()


def test_several_secrets_are_all_masked():
    other = "0123456789abcdef-OTHER"
    both = Scrubber([Secret(KEY), Secret(other)])
    assert both.text(f"{KEY} {other}") == f"{MASK} {MASK}"


def test_escapes_are_undone_two_layers_deep_and_no_deeper():
    once = urllib.parse.quote(KEY, safe="")
    views = decoded_views(urllib.parse.quote(once, safe=""))
    assert KEY in views and len(views) == 3
    assert decoded_views("plain") == ["plain"]
    assert decoded_views('\\u0041\\n\\"') == ['\\u0041\\n\\"', 'A\n"']
    assert decoded_views("&lt;b&gt;") == ["&lt;b&gt;", "<b>"]


@pytest.mark.parametrize("value, problem", [
    ("k" * 15, "it has 15 characters"),
    ("k" * 16, None),
    ("k" * 15 + " ", "visible ASCII"),
    ("k" * 15 + "\x7f", "visible ASCII"),
    ("k" * 15 + "é", "visible ASCII"),
    ("k" * 15 + "~", None),
    ("!" + "k" * 15, None),
    ("k" * 40, None),
])
def test_the_credential_floor(value, problem):
    found = credential_problem(value)
    assert (found is None) if problem is None else (problem in found)


def test_a_secret_never_shows_its_value():
    secret = Secret(KEY)
    assert KEY not in repr(secret) and KEY not in str(secret) and secret.reveal() == KEY


@pytest.mark.parametrize("encoding, masked", [
    ("Basic base64 of user:key", "Basic dXNlcjpT***"),     # every whole group of key bytes
    ("base64 at offset 1", "eFNl***Mic="),
    ("base64 at offset 2", "eHlT***"),
    ("base64url, unpadded", "***Jw"),
])
def test_base64_runs_are_masked_as_far_as_they_are_the_key(scrubber, encoding, masked):
    assert scrubber.text(ENCODINGS[encoding](KEY)) == masked


def test_escaped_near_misses_are_masked_whole(scrubber):
    assert scrubber.text(json.dumps({"k": KEY + "x"})) == '{"k": "' + MASK + '"}'
    assert scrubber.text(urllib.parse.quote(KEY + "x", safe="")) == MASK


def test_a_key_without_letters_is_still_masked():
    digits = "0123456789-_0123456"          # its case-swapped near miss is the key itself
    assert Scrubber([Secret(digits)]).text(f"<{digits}>") == f"<{MASK}>"


def test_json_escapes_beyond_latin_are_undone():
    assert decoded_views("\\u20ac\\u0041") == ["\\u20ac\\u0041", "€A"]


def test_secrets_compare_by_value_and_only_with_secrets():
    assert Secret("".join(["a"] * 16)) == Secret("a" * 16)
    assert Secret("b" * 16) != Secret("a" * 16) and Secret("a" * 16) != Secret("b" * 16)
    assert Secret("a" * 16) != "a" * 16
    assert hash(Secret("a" * 16)) == hash(Secret("".join(["a"] * 16)))


@pytest.mark.parametrize("variant", ["exact", "truncated", "extended"])
@pytest.mark.parametrize("tail", [b"", b"t", b"ta", b"tail"])
@pytest.mark.parametrize("length", range(16, 25))
@pytest.mark.parametrize("offset", range(3))
def test_base64_of_keys_of_any_length_at_any_offset_is_masked(length, offset, tail, variant):
    """Whatever the key's length modulo 3, wherever it or a near miss sits and whatever
    follows it: masked, leaving at most the groups that mix key bytes with their neighbours."""
    key = ('Kq/+"\\<&%xAbC9' * 2)[:length]
    sent = {"exact": key, "truncated": key[:-1], "extended": key + "x"}[variant]
    text = b64(b"u" * offset + sent.encode() + tail)
    masked = Scrubber([Secret(key)]).text(text)
    before, mask, after = masked.partition(MASK)
    assert mask and len(before) <= 4 and len(after) <= 8, masked
