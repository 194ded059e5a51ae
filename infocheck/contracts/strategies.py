"""Hypothesis strategies for header and query variations, for every contract's property tests.
None of them ever sees the key."""
from __future__ import annotations

import string
from functools import lru_cache

from hypothesis import strategies as st

TOKEN = string.ascii_lowercase + string.digits + "-"
PRINTABLE = "".join(chr(c) for c in range(0x21, 0x7F))
# x- headers that proxies and frameworks give meaning to; an unknown header must be unknown.
MEANINGFUL = ("x-http-method", "x-http-method-override", "x-method-override", "x-forwarded",
              "x-original", "x-rewrite", "x-real-ip", "x-api-key", "x-ms-", "x-client-ip")
JSON_ACCEPTS = ("application/json", "*/*", "application/*", "application/json, text/plain",
                "application/json;q=0.9, */*;q=0.1", "application/json; charset=utf-8",
                "text/html, application/json;q=0.5")


@lru_cache(maxsize=256)
def recased(name: str):
    """The header name with the case of its letters flipped at random (never the original).
    One strategy per name, kept: a test draws it for each header of each example, and a new
    strategy is validated anew at its first draw."""
    flips = st.lists(st.booleans(), min_size=len(name), max_size=len(name))
    return flips.map(lambda bits: "".join(c.swapcase() if b else c for c, b in zip(name, bits))) \
        .filter(lambda variant: variant != name)


def header_values():
    return st.text(alphabet=PRINTABLE + " ", min_size=1, max_size=64).map(str.strip) \
        .filter(bool)


def unknown_header_names():
    return st.text(alphabet=TOKEN, min_size=1, max_size=20).map(lambda s: "x-" + s) \
        .filter(lambda n: not n.endswith("-") and not n.startswith(MEANINGFUL))


def traceparents():
    hexes = lambda n: st.text(alphabet="0123456789abcdef", min_size=n, max_size=n)  # noqa: E731
    valid = st.builds(lambda t, p, f: f"00-{t}-{p}-{f}", hexes(32), hexes(16), st.sampled_from(["00", "01"]))
    return st.one_of(valid, header_values())  # malformed traceparent must not matter either


def client_request_ids():
    return st.one_of(st.uuids().map(str), st.text(alphabet=string.ascii_letters + string.digits + "-",
                                                  min_size=1, max_size=64))


def incidental_headers():
    """Headers that must not change the outcome: unknown x- headers, Accept that admits JSON,
    a client request id, a (possibly malformed) traceparent. The unknown ones are drawn after
    the others, and never replace one of them."""
    known = st.fixed_dictionaries({}, optional={
        "Accept": st.sampled_from(JSON_ACCEPTS),
        "x-ms-client-request-id": client_request_ids(),
        "traceparent": traceparents(),
    })
    unknown = st.dictionaries(unknown_header_names(), header_values(), min_size=1, max_size=3)
    return st.tuples(known, unknown).map(lambda drawn: {**drawn[1], **drawn[0]})


def extra_query(reserved=("api-version", "model")):
    """Query parameters the contract does not define (never one of `reserved`)."""
    names = st.text(alphabet=string.ascii_lowercase + string.digits + "_-", min_size=1, max_size=12) \
        .filter(lambda n: n not in reserved)
    values = st.text(alphabet=string.ascii_letters + string.digits + "-_.~ ", max_size=16)
    return st.lists(st.tuples(names, values), min_size=1, max_size=3, unique_by=lambda p: p[0])
