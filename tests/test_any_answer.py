"""Property: whatever bytes an endpoint answers with, they travel the path a real answer takes
(a loopback socket, the Probe, an Exchange) into every check and every reporter, and the only
things that come out are a clean pass, a CheckFailure, or NotTested: never another exception
(exit 3), never a raw control character, never the credential, never an outsized text."""
import base64
import io
import json
import threading

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from harness import KEY, POSITIVE, RawServer, probe_for, read_request
from infocheck.contracts.info import checks
from infocheck.contracts.info import profiles as schemas
from infocheck.contracts.info.checks import CheckFailure
from infocheck.contracts.info.contract import names_missing_model
from infocheck.judging.catalogue import builtin
from infocheck.judging.outcome import Outcome, TestOutcome
from infocheck.judging.policy import Policy
from infocheck.plugin.collector import Results
from infocheck.reports.html import summary_html
from infocheck.reports.json_report import EXCHANGE_LIMIT, document
from infocheck.reports.terminal import write_summary
from infocheck.wire.printable import printable
from infocheck.wire.probe import NotTested, retry_after_seconds
from infocheck.wire.secret import Scrubber, Secret

RAW_CONTROLS = [chr(c) for c in range(0x20) if c != 0x0A] + ["\x7f", "\x9b", "\u202e", "\u2028"]
TEXT_LIMIT = 40_000


class Answers:
    """The bytes the loopback server sends next: set by each example."""
    payload = b""
    lock = threading.Lock()


def answer(conn, stop):
    read_request(conn)
    conn.sendall(Answers.payload)


@pytest.fixture(scope="module")
def endpoint():
    with RawServer(answer) as server:
        yield server


# Fixed here, not taken from the scrubber under test: what a server may send back, and so
# what must appear in no output.
INJECTED = [KEY, KEY.upper(), KEY.encode().hex(), base64.b64encode(b"u:" + KEY.encode()).decode(),
            "".join(f"\\u{ord(c):04x}" for c in KEY)]


def encodings_of_the_key():
    return st.sampled_from(INJECTED)


NAMES = ["Content-Type", "Content-Length", "Transfer-Encoding", "Content-Encoding", "Retry-After",
         "retry-after-ms", "WWW-Authenticate", "Allow", "x-ms-error-code", "Location", "Date",
         "x-ms-request-id"]
VALUES = ["application/json", "application/json; charset=latin-1", "text/html", "gzip", "deflate",
          "chunked", "0", "5", "-1", "99999999999999999999", "Fri, 31 Dec 99999 23:59:59 GMT", "nan",
          "1e999", "Bearer", "GET, HEAD", "\x1b[2K", "\x85\xff"]
JSON_BITS = [b'{"model_name": "m", "model_type": "embeddings", "model_provider_name": "p"}',
             b'{"error": {"code": "no_model_name", "message": "No model specified"}}',
             b'{"error": {"code": ' + b"[" * 3000 + b"]" * 3000 + b"}}", b'{"a": NaN}',
             b'{"model_name": "\\ud800"}', b'{"n": ' + b"1" * 5000 + b"}", b"\xef\xbb\xbf{}",
             b'{"model_name": null, "model_name": 1}', b"\x1b]0;title\x07\r\x1b[32mCONFORMANT"]


def header_lines():
    name = st.one_of(st.sampled_from(NAMES).map(str.encode), st.binary(min_size=1, max_size=12).filter(
        lambda b: not any(c in b for c in b":\r\n")))
    value = st.one_of(st.sampled_from(VALUES).map(str.encode), st.binary(max_size=40),
                      encodings_of_the_key().map(str.encode))
    return st.lists(st.tuples(name, value), max_size=8).map(
        lambda pairs: b"".join(n + b": " + v + b"\r\n" for n, v in pairs))


def status_lines():
    reason = st.one_of(st.sampled_from([b"OK", b"", b"\x1b[2K\rCONFORMANT (exit 0)", b"\xff\xfe"]),
                       st.binary(max_size=30).map(lambda b: b.replace(b"\n", b"")),
                       encodings_of_the_key().map(str.encode))
    code = st.one_of(st.sampled_from([200, 401, 403, 404, 405, 429, 500, 503]),
                     st.integers(min_value=100, max_value=999))
    valid = st.builds(lambda c, r: b"HTTP/1.1 %d " % c + r + b"\r\n", code, reason)
    return st.one_of(valid, st.binary(max_size=40))


def bodies():
    return st.one_of(st.sampled_from(JSON_BITS), st.binary(max_size=200),
                     encodings_of_the_key().map(lambda k: b'{"echo": "' + k.encode() + b'"}'))


def answers():
    return st.builds(lambda s, h, b, framed: s + h + (b"Content-Length: %d\r\n" % len(b) if framed else b"")
                     + b"\r\n" + b, status_lines(), header_lines(), bodies(), st.booleans())


def every_check(ex) -> list[CheckFailure]:
    steps = [
        lambda: checks.universal(ex), lambda: checks.status_200(ex), lambda: checks.json_media_type(ex),
        lambda: checks.refused(ex, "AUTH-MISSING"), lambda: checks.status_is(ex, 401, "AUTH-401"),
        lambda: checks.same_outcome(ex, ex, "HTTP-REPEATABLE", "itself"), lambda: checks.challenge(ex),
        lambda: checks.azure_error_body(ex), lambda: checks.error_code_header(ex),
        lambda: checks.error_code_is(ex, 400, "MissingApiVersionParameter", "API-VERSION-MISSING-CODE"),
        lambda: checks.method_not_allowed(ex), lambda: checks.head_like_get(ex, ex),
        lambda: checks.request_id(ex), lambda: checks.date_header(ex), lambda: checks.charset_utf8(ex),
        lambda: checks.no_bom(ex), lambda: checks.unique_members(ex), lambda: checks.no_null_members(ex),
    ] + [lambda v=v: checks.model_info(ex, v) for v in schemas.known_versions()] \
      + [lambda v=v: checks.model_type_spelling(ex, v) for v in schemas.known_versions()]
    failures = []
    for step in steps:
        try:
            step()
        except CheckFailure as failure:
            failures.append(failure)
    return failures


class Terminal:
    def __init__(self):
        self.out = io.StringIO()

    def write_line(self, text, **markup):
        self.out.write(text + "\n")

    def section(self, title, **markup):
        self.out.write(f"== {title} ==\n")


def leaked(text: str) -> bool:
    return KEY.lower() in text.lower() or any(form in text for form in INJECTED)


def assert_safe(text: str, finder: Scrubber, limit: int = TEXT_LIMIT) -> None:
    assert not any(c in text for c in RAW_CONTROLS), printable(text, 300)
    assert not leaked(text), printable(text, 300)
    assert len(text) < limit, len(text)


@settings(max_examples=120, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(payload=answers())
def test_any_answer_gives_a_verdict_and_safe_outputs(endpoint, payload):
    Answers.payload = payload
    probe = probe_for(endpoint.url, INFOCHECK_REQUEST_TIMEOUT="2")
    config, scrubber = probe.config, Scrubber([Secret(KEY)])
    try:
        ex = probe.send(POSITIVE)
    except NotTested as reason:
        assert_safe(str(reason), scrubber)
        return
    finally:
        probe.close()
    retry_after_seconds(ex)
    names_missing_model(ex)
    failures = every_check(ex)
    results = Results(Policy(builtin()))
    for number, failure in enumerate(failures):
        results.tests[f"t{number}"] = TestOutcome(
            f"suites/info/test_x.py::t{number}", (failure.requirement_id,), Outcome.FAILED,
            (failure.requirement_id,), failure.explain(), failure.brief(), failure.got,
            ex.transcript(), config.api_version)
    results.status = 1 if failures else 0
    terminal = Terminal()
    write_summary(results, terminal)
    outputs = [repr(ex), ex.status_line(), ex.excerpt(), terminal.out.getvalue()] + [
        f.explain() for f in failures] + [json.dumps(document(results, config, config.describe()),
                                                     ensure_ascii=False)]
    for text in outputs[:-1]:
        assert_safe(text, scrubber)
    # The JSON report keeps one capped transcript per failed requirement: bounded by the
    # catalogue, not by what the server sends.
    assert_safe(outputs[-1], scrubber, TEXT_LIMIT + len(builtin()) * (EXCHANGE_LIMIT + 200))
    html = summary_html(results, config, config.describe())
    html.encode("utf-8")  # no lone surrogate reaches a report
    assert not leaked(html)
    transcript = ex.transcript()
    assert not any(c in transcript for c in RAW_CONTROLS if c != "\t")
    assert not leaked(transcript) and len(transcript) < TEXT_LIMIT
