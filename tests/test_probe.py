"""The probe's safeguards on fixed answers: how long it waits on 429 and 503, when it gives
up, what it says when the wire breaks. Waits are recorded, not slept. Fast and in-process, so
that mutation testing can run them for every mutant of infocheck/probe.py."""
import http.client
import mmap
import os
import socket
import ssl
import struct
import sys
import time

import pytest
import requests
import urllib3

from harness import KEY, POSITIVE, RawServer, drip, probe_for, read_request, serve
from infocheck.configuration.config import build_config
from infocheck.wire import probe as probe_module
from infocheck.configuration.credentials import CredentialError, KeyCredential
from infocheck.wire.base_path import Base
from infocheck.wire.exchange import Exchange, Request
from infocheck.wire.probe import (NotTested, OffBase, Probe, RunState, UnusableCredential,
                                  describe_transport_error, retry_after_seconds)
from infocheck.wire.secret import EXACT, NEAR_MISSES, Scrubber, Secret
from infocheck.contracts.info.server import InfoHandler, Refusal


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


class Clock:
    """The probe's view of `time`: monotonic() reads `readings` in turn, then stays at the last."""

    def __init__(self, *readings):
        self.readings = list(readings)

    def monotonic(self):
        return self.readings.pop(0) if len(self.readings) > 1 else self.readings[0]

    time = staticmethod(time.time)


def test_a_pause_another_probe_set_is_waited_for_once(monkeypatch):
    monkeypatch.setattr(probe_module, "time", Clock(500.0))
    waits = []
    with serve() as server:
        probe = probe_for(server.url, sleep=waits.append)
        probe.state.pause(510.0)
        assert probe.send(POSITIVE).status == 200 and waits == [10.0] and probe.waited == 10.0
        probe.send(POSITIVE)                  # the same pause is not waited for twice
        assert waits == [10.0]


@pytest.mark.parametrize("waited, until, waits", [
    (0.0, 499.5, []), (0.0, 500.0, []), (0.0, 500.5, [0.5]),    # over, just over, still on
    (0.0, 510.0, [10.0]), (50.0, 510.0, [10.0]),                 # up to the run's 60 s
    (50.5, 510.0, "throttled: the endpoint asked to wait 10.0 s more, past the 60 s "
                  "infocheck waits a run")])
def test_another_probe_s_pause_is_waited_for_within_the_run_s_bound(monkeypatch, waited, until, waits):
    monkeypatch.setattr(probe_module, "time", Clock(500.0))
    slept = []
    with serve() as server:
        probe = probe_for(server.url, sleep=slept.append)
        probe.waited = waited
        probe.state.pause(until)
        if isinstance(waits, str):
            with pytest.raises(NotTested) as refused:
                probe.send(POSITIVE)
            assert str(refused.value) == waits and probe.sent == 0
        else:
            assert probe.send(POSITIVE).status == 200 and slept == waits
            assert probe.waited == waited + sum(waits)


def test_a_pause_set_before_the_probe_existed_is_waited_for(monkeypatch):
    monkeypatch.setattr(probe_module, "time", Clock(0.25))
    state, slept = RunState(), []
    state.pause(1.0)
    with serve() as server:
        probe = probe_for(server.url, sleep=slept.append)
        probe.state = state
        assert probe.send(POSITIVE).status == 200 and slept == [0.75]


@pytest.mark.parametrize("url", ["live", "http://127.0.0.1:9"])
def test_an_exchange_records_how_long_it_took(monkeypatch, url):
    with serve() as server:
        probe = probe_for(server.url if url == "live" else url)
        # read once for the pause check, then at the start and at the end of the request
        monkeypatch.setattr(probe_module, "time", Clock(1.0, 4.0, 10.0))
        exchange = probe.send(POSITIVE)
    assert exchange.elapsed == 6.0 and (exchange.status == 200) == (url == "live")


def test_after_three_unanswered_requests_in_a_row_no_more_are_sent():
    with serve() as server:
        probe = probe_for(server.url)
        probe.state.answered(False)
        probe.state.answered(False)
        assert probe.send(POSITIVE).status == 200 and probe.state.unanswered == 0
        for count in (3, 4):    # 4: shards that sent at once may pass the count together
            while probe.state.unanswered < count:
                probe.state.answered(False)
            with pytest.raises(NotTested, match=r"stopped answering \(3 requests in a row"):
                probe.send(POSITIVE)
        assert probe.sent == 1


def test_the_request_cap_holds_for_large_caps_and_lowered_ones():
    state = RunState()
    assert all(state.take_request(300) for _ in range(300))
    assert not state.take_request(300) and state.sent == 300
    assert not state.take_request(3)          # a probe with a lower cap than what was sent
    assert state.take_request(301) and state.sent == 301


def test_the_run_state_is_locked_across_processes():
    state = RunState().shared()
    released = mmap.mmap(-1, 8)      # when the other process let go (time.monotonic is system-wide)
    ready, said = os.pipe()
    child = os.fork()
    if child == 0:        # hold the lock a while, as another shard in the middle of an update
        try:
            with state._held():
                os.write(said, b"x")
                time.sleep(0.2)
                released[:8] = struct.pack("d", time.monotonic())
        finally:
            os._exit(0)
    os.read(ready, 1)
    assert state.take_request(5)
    done = time.monotonic()
    os.waitpid(child, 0)
    # No wall-time margin: the update could only happen after the other process let go.
    assert done >= struct.unpack("d", released[:8])[0] > 0 and state.sent == 1
    state.close()


def test_without_fcntl_the_run_state_works_in_one_process(monkeypatch):
    monkeypatch.setitem(sys.modules, "fcntl", None)    # as on Windows: no fcntl, no fork
    state = RunState()
    assert state._lock is None
    assert state.take_request(1) and not state.take_request(1)
    state.answered(False)
    assert state.unanswered == 1 and state.pause(7.0) == 7.0 and state.pause(3.0) == 7.0
    with pytest.raises(ImportError):
        state.shared()          # shards need it; infocheck asks only where it can fork
    state.close()


def test_a_probe_closes_the_run_state_it_made_and_leaves_a_shared_one_open():
    settings = build_config({}, {"INFOCHECK_ENDPOINT": "http://127.0.0.1:9", "INFOCHECK_API_KEY": KEY})

    def probe(state=None):
        return Probe(settings, settings.target_url(), KeyCredential(settings.api_key), Scrubber([settings.api_key]), state=state)

    own = probe()
    own.close()
    assert own.state.closed
    shared = RunState()
    for _ in range(2):   # each shard's probe closes; the run's state outlives them all
        probe(shared).close()
        assert not shared.closed and shared.take_request(2)
    shared.close()
    shared.close()       # twice, as a run that stops early may
    assert shared.closed


@pytest.mark.parametrize("home", [("http", "elsewhere.invalid", 80), ("http", "0.0.0.0", 80)])
def test_nothing_is_sent_to_another_origin(home):
    with serve() as server:
        probe = probe_for(server.url)
        probe._base = Base(*home, "/")    # as if the URL sent to had been rewritten on the way
        with pytest.raises(OffBase, match="another origin"):
            probe.send(POSITIVE)
    assert probe.sent == 0 and probe.state.sent == 0


def test_the_tls_verification_is_on_unless_a_ca_bundle_is_given(tmp_path):
    assert probe_for("http://127.0.0.1:9")._session.verify is True
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    assert probe_for("http://127.0.0.1:9", REQUESTS_CA_BUNDLE=str(bundle))._session.verify == str(bundle)


@pytest.mark.parametrize("header", [("X-Bad", "a\nb"), ("X\x01Bad", "v"), ("X-Bad", "\x00")])
def test_a_header_that_cannot_be_sent_is_named_not_shown(header):
    probe = probe_for("http://127.0.0.1:9")
    with pytest.raises(NotTested) as refused:
        probe.send(Request(headers=(("X-Fine", "ok"), header)))
    assert str(refused.value) == (f"the {header[0]!r} header could not be sent: its value is not a "
                                  "valid HTTP header value") and probe.sent == 0


class Failing:
    kind = "key"

    def __init__(self, usage):
        self.usage = usage

    def current(self):
        raise CredentialError("the command printed nothing", usage=self.usage)


def test_a_credential_that_cannot_be_had_is_not_tested_and_one_that_cannot_be_used_is_usage():
    probe = probe_for("http://127.0.0.1:9")
    probe._credential = Failing(usage=False)
    with pytest.raises(NotTested) as refused:
        probe.credential_value()
    assert type(refused.value) is NotTested and str(refused.value) == "no credential: the command printed nothing"
    probe._credential = Failing(usage=True)
    with pytest.raises(UnusableCredential, match="^the command printed nothing$"):
        probe.credential_value()


# A byte every 50 ms: no socket read waits long enough to time out, so only the deadline on the
# whole request can end these (a socket timeout racing it would make the message depend on load).
STATUS_DRIPPED = drip(b"HTTP/1.1 200 OK\r\n" * 20, 0.05)


def half_an_answer(conn, stop):
    read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n")
    for _ in range(100):
        if stop.wait(0.05):
            return
        conn.sendall(b" ")


@pytest.mark.parametrize("answer, says", [
    (STATUS_DRIPPED, "no answer within 0.5 s (timed out; the timeout bounds the whole request)"),
    (half_an_answer, "the answer did not arrive whole within 0.5 s (timed out; the timeout bounds "
                     "the whole request)")], ids=["no status yet", "half an answer"])
def test_a_request_cut_by_the_deadline_says_how_far_it_got_and_drops_its_connection(answer, says):
    with RawServer(answer) as server:
        probe = probe_for(server.url, INFOCHECK_REQUEST_TIMEOUT="0.5")
        before = probe._session
        exchange = probe.send(POSITIVE)
    assert exchange.error == says and probe._session is not before


def test_a_request_answered_in_time_keeps_its_connection():
    with serve() as server:
        probe = probe_for(server.url)
        before = probe._session
        assert probe.send(POSITIVE).status == 200 and probe._session is before


def test_the_probe_knows_its_credential():
    key = probe_for("http://127.0.0.1:9")
    assert key.has_credential and not key.uses_token
    token = probe_for("http://127.0.0.1:9")
    token._credential = type("Token", (), {"kind": "token"})()
    assert token.uses_token
    nothing = probe_for("http://127.0.0.1:9")
    nothing._credential = None
    assert not nothing.has_credential and not nothing.uses_token and nothing.differs_from_key(NEAR_MISSES[0])
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
    # an argument is followed only when it is the first one, and then whatever follows it
    assert describe_transport_error(Exception(ConnectionRefusedError(), "detail"), 1).startswith(
        "connection refused")
    deep = ConnectionRefusedError()
    for _ in range(11):
        wrapper = OSError("x")
        wrapper.__cause__ = deep
        deep = wrapper
    assert describe_transport_error(deep, 1).startswith("connection refused")   # 12 links: seen
    wrapper = OSError("x")
    wrapper.__cause__ = deep
    assert describe_transport_error(wrapper, 1) == "transport error: OSError"     # 13: not


def test_a_tls_failure_quotes_its_reason_up_to_160_characters():
    for length in (159, 160, 161):
        said = describe_transport_error(
            chained(requests.exceptions.SSLError("x"), ssl.SSLError(1, "r" * length)), 1)
        assert said == "TLS failure: " + "r" * min(length, 160)


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
