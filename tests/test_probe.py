"""The probe's safeguards on fixed answers: how long it waits on 429 and 503, when it gives
up, what it says when the wire breaks. Waits are recorded, not slept. Fast and in-process, so
that mutation testing can run them for every mutant of infocheck/probe.py."""
import socket
import ssl
import http.client

import pytest
import requests
import urllib3

from harness import POSITIVE, probe_for, serve
from infocheck import probe as probe_module
from infocheck.credentials import KeyCredential
from infocheck.exchange import Exchange, Request
from infocheck.probe import NotTested, RunState, describe_transport_error, retry_after_seconds
from infocheck.secret import EXACT, NEAR_MISSES, Secret
from infocheck.server import InfoHandler, Refusal


def answering(*script):
    """A server that answers (status, headers) from `script` in turn, then 200 OK."""
    class Scripted(InfoHandler):
        served = 0

        def serve(self, head):
            index = type(self).served
            type(self).served += 1
            if index < len(script):
                status, headers = script[index]
                return self.send_refusal(Refusal(status, "Busy", "later", dict(headers)), head)
            return super().serve(head)
    return Scripted


def sent_through(handler, waited=0.0):
    waits = []
    with serve(handler) as server:
        probe = probe_for(server.url, sleep=waits.append)
        probe.waited = waited
        try:
            exchange = probe.send(POSITIVE)
        except NotTested as reason:
            return str(reason), waits, probe
    return exchange.status, waits, probe


def test_a_429_that_names_no_wait_backs_off_one_two_four_seconds():
    status, waits, probe = sent_through(answering((429, {}), (429, {}), (429, {})))
    assert (status, waits, probe.throttled, probe.sent, probe.waited) == (200, [1, 2, 4], 3, 4, 7)


def test_after_three_retries_a_429_is_not_tested():
    said, waits, probe = sent_through(answering(*[(429, {"Retry-After": "1"})] * 4))
    assert (said, waits, probe.sent) == ("throttled: still 429 after 3 retries", [1, 1, 1], 4)


def test_a_503_without_a_wait_is_an_answer_and_with_one_is_throttling():
    status, waits, probe = sent_through(answering((503, {})))
    assert (status, waits, probe.throttled) == (503, [], 0)
    status, waits, probe = sent_through(answering((503, {"Retry-After": "2"})))
    assert (status, waits, probe.throttled) == (200, [2], 1)
    status, waits, _ = sent_through(answering(*[(503, {"Retry-After": "1"})] * 4))
    assert (status, waits) == (503, [1, 1, 1])      # a 503 after its retries is the answer


@pytest.mark.parametrize("retry_after, waited, gives_up", [
    ("30", 0, False), ("31", 0, True), ("2", 58, False), ("3", 58, True)])
def test_the_waits_are_bounded_at_once_and_over_the_run(retry_after, waited, gives_up):
    said, waits, _ = sent_through(answering((429, {"Retry-After": retry_after})), waited=waited)
    if gives_up:
        assert said.startswith(f"throttled: 429 Too Many Requests asked to wait {float(retry_after):.1f} s, more than "
                               "infocheck waits (it waits up to 30 s at once and 60 s a run)")
        assert waits == []
    else:
        assert (said, waits) == (200, [float(retry_after)])


def test_a_pause_another_probe_set_is_waited_for_within_the_run_s_bound(monkeypatch):
    monkeypatch.setattr(probe_module.time, "monotonic", lambda: 500.0)
    waits = []
    with serve() as server:
        probe = probe_for(server.url, sleep=waits.append)
        probe.state = RunState()
        probe.waited = 50.0
        probe.state.pause(510.0)
        assert probe.send(POSITIVE).status == 200 and waits == [10.0] and probe.waited == 60.0
        probe.send(POSITIVE)                  # the same pause is not waited for twice
        assert waits == [10.0]
        probe.state.pause(500.0)              # over: nothing to wait for
        assert probe.send(POSITIVE).status == 200 and waits == [10.0]


def test_an_exchange_records_how_long_it_took():
    with serve() as server:
        exchange = probe_for(server.url).send(POSITIVE)
    assert 0 <= exchange.elapsed < 5
    dead = probe_for("http://127.0.0.1:9").send(POSITIVE)
    assert dead.error and 0 <= dead.elapsed < 5


def test_the_probe_knows_its_credential():
    key = probe_for("http://127.0.0.1:9")
    assert key.has_credential and not key.uses_token
    token = probe_for("http://127.0.0.1:9")
    token._credential = type("Token", (), {"kind": "token"})()
    assert token.uses_token
    nothing = probe_for("http://127.0.0.1:9")
    nothing._credential = None
    assert not nothing.has_credential and nothing.differs_from_key(NEAR_MISSES[0])
    with pytest.raises(NotTested, match="no credential given"):
        nothing.credential_value()
    assert not key.differs_from_key(EXACT) and all(key.differs_from_key(v) for v in NEAR_MISSES)
    digits = probe_for("http://127.0.0.1:9")
    digits._credential = KeyCredential(Secret("0123456789012345678901"))
    assert not any(digits.differs_from_key(v) for v in NEAR_MISSES if "case" in v.label)


def chained(*errors):
    """errors[0], raised from errors[1], from errors[2] ..."""
    for outer, inner in zip(errors, errors[1:]):
        outer.__cause__ = inner
    return errors[0]


@pytest.mark.parametrize("error, says", [
    (chained(requests.exceptions.SSLError("x"), ssl.SSLError(1, "[SSL] certificate verify failed\nmore")),
     "TLS failure: [SSL] certificate verify failed"),
    (requests.exceptions.SSLError("x"), "TLS failure: the handshake failed"),
    (chained(requests.exceptions.ConnectionError("x"), socket.gaierror("nope")),
     "DNS lookup failed: the host name does not resolve"),
    (requests.exceptions.ConnectionError("Name or service not known"), "DNS lookup failed: the host name does not resolve"),
    (chained(requests.exceptions.ConnectionError("x"), ConnectionRefusedError()),
     "connection refused: nothing listens at that host and port"),
    (requests.exceptions.ConnectionError("[Errno 111] Connection refused"), "connection refused: nothing listens at that host and port"),
    (requests.exceptions.ConnectTimeout("x"), "connection timed out after 2.5 s"),
    (requests.exceptions.ReadTimeout("x"), "no answer within 2.5 s (timed out)"),
    (OSError("it timed out"), "no answer within 2.5 s (timed out)"),
    (chained(requests.exceptions.ConnectionError("x"), http.client.RemoteDisconnected("closed")),
     "not an HTTP answer: the server closed the connection or sent something else"),
    (OSError("BadStatusLine('x')"), "not an HTTP answer: the server closed the connection or sent something else"),
    (chained(OSError("x"), ConnectionResetError()), "connection reset by the server"),
    (OSError("Connection reset by peer"), "connection reset by the server"),
    (requests.exceptions.ChunkedEncodingError("x"), "the connection broke in the middle of the answer"),
    (requests.exceptions.ContentDecodingError("x"), "the body could not be decoded as its Content-Encoding says"),
    (ValueError("x"), "transport error: ValueError"),
    (requests.exceptions.ConnectionError(urllib3.exceptions.NewConnectionError(None, "Connection refused")),
     "connection refused: nothing listens at that host and port"),
])
def test_each_transport_failure_reads_as_one_line(error, says):
    assert describe_transport_error(error, 2.5) == says


def test_a_cause_chain_is_followed_through_context_and_arguments_but_not_forever():
    inner = ConnectionRefusedError()
    outer = OSError("x")
    outer.__context__ = inner
    assert describe_transport_error(outer, 1).startswith("connection refused")
    assert describe_transport_error(OSError(inner), 1).startswith("connection refused")
    deep = ConnectionRefusedError()
    for _ in range(11):
        wrapper = OSError("x")
        wrapper.__cause__ = deep
        deep = wrapper
    assert describe_transport_error(deep, 1).startswith("connection refused")   # 12 links: seen
    wrapper = OSError("x")
    wrapper.__cause__ = deep
    assert describe_transport_error(wrapper, 1) == "transport error: OSError"     # 13: not


def answer(**headers):
    return Exchange(Request(), "", "", status=429, headers=list(headers.items()))


def test_retry_after_values():
    assert retry_after_seconds(answer(**{"retry-after": "Wed, 25 Nov 2026 00:00:10 GMT"}), now=1795564800.0) == 10.0
    assert retry_after_seconds(answer(**{"retry-after": "Wed, 25 Nov 2026 00:00:10 GMT"}), now=1795564900.0) == 0.0
    assert retry_after_seconds(answer(**{"retry-after": "-5"})) == 0.0
    assert retry_after_seconds(answer(**{"retry-after-ms": "-5"})) == 0.0
    assert retry_after_seconds(answer(**{"retry-after": "1" * 32})) == float("1" * 32)
    assert retry_after_seconds(answer(**{"retry-after": "1" * 33})) is None
    assert retry_after_seconds(answer(**{"retry-after": "soon"})) is None
    assert retry_after_seconds(answer(**{"retry-after": ""})) is None
