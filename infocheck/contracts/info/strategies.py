"""Hypothesis strategies for header and query variations. None of them ever sees the key."""
from __future__ import annotations

import string

from hypothesis import strategies as st

TOKEN = string.ascii_lowercase + string.digits + "-"
PRINTABLE = "".join(chr(c) for c in range(0x21, 0x7F))
# x- headers that proxies and frameworks give meaning to; an unknown header must be unknown.
MEANINGFUL = ("x-http-method", "x-http-method-override", "x-method-override", "x-forwarded",
              "x-original", "x-rewrite", "x-real-ip", "x-api-key", "x-ms-", "x-client-ip")
JSON_ACCEPTS = ("application/json", "*/*", "application/*", "application/json, text/plain",
                "application/json;q=0.9, */*;q=0.1", "application/json; charset=utf-8",
                "text/html, application/json;q=0.5")


def recased(name: str):
    """The header name with the case of its letters flipped at random (never the original)."""
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
    a client request id, a (possibly malformed) traceparent."""
    return st.fixed_dictionaries({}, optional={
        "Accept": st.sampled_from(JSON_ACCEPTS),
        "x-ms-client-request-id": client_request_ids(),
        "traceparent": traceparents(),
    }).flatmap(lambda fixed: st.dictionaries(unknown_header_names(), header_values(), min_size=1, max_size=3)
               .map(lambda extra: {**extra, **fixed}))


def extra_query():
    names = st.text(alphabet=string.ascii_lowercase + string.digits + "_-", min_size=1, max_size=12) \
        .filter(lambda n: n not in ("api-version", "model"))
    values = st.text(alphabet=string.ascii_letters + string.digits + "-_.~ ", max_size=16)
    return st.lists(st.tuples(names, values), min_size=1, max_size=3, unique_by=lambda p: p[0])


def malformed_api_versions():
    """Strings near and far from YYYY-MM-DD[-preview] that are never a valid version."""
    digits = lambda n: st.text(alphabet=string.digits, min_size=n, max_size=n)  # noqa: E731
    near = st.one_of(
        st.builds(lambda y, m, d: f"{y}-{m}-{d}", digits(4), digits(1), digits(2)),      # short month
        st.builds(lambda y, m, d: f"{y}/{m}/{d}", digits(4), digits(2), digits(2)),      # slashes
        st.builds(lambda y, m, d: f"{y}{m}{d}", digits(4), digits(2), digits(2)),        # no dashes
        st.builds(lambda y, m, d, s: f"{y}-{m}-{d}-{s}", digits(4), digits(2), digits(2),
                  st.sampled_from(["beta", "alpha", "Preview", "PREVIEW", "prev", "", "preview-1"])),
        st.builds(lambda y, d: f"{y}-13-{d}", digits(4), digits(2)),                     # month 13
        st.builds(lambda y: f"{y}-02-30", digits(4)),                                    # no such day
    )
    far = st.text(alphabet=PRINTABLE, min_size=1, max_size=24)
    return st.one_of(near, far).filter(lambda v: not _is_calendar_version(v))


def _is_calendar_version(value: str) -> bool:
    from infocheck.configuration.knobs import ConfigError
    from infocheck.contracts.info.contract import validate_api_version
    try:
        validate_api_version(value)
        return True
    except ConfigError:
        return False
