"""--concurrency: the suite's tests in forked shards give what a sequential run gives (the same
requests reach the server, the same verdicts, the same outputs in the same order), and the run
stays gentle: one request cap, one breaker and one 429 pause for all the shards."""
import json
import threading
import time
from collections import Counter

import pytest

from faults import AcceptsMonth13, EchoesTheCredential
from harness import run_suite, serve
from infocheck.plugin import shards
from infocheck.wire.probe import BREAKER
from infocheck.contracts.info.server import InfoHandler, Refusal



def request_key(handler) -> tuple:
    """A request as it reached `handler`: (method, path, headers but the random ones)."""
    headers = tuple(sorted((k.lower(), v) for k, v in handler.headers.items()
                           if k.lower() not in ("user-agent", "connection", "accept-encoding", "host")))
    return handler.command, handler.path, headers


def recording(handler):
    """`handler`, keeping what reached it: (time, method, path, headers but the random ones)."""
    class Recording(handler):
        seen: list = []

        def serve(self, head):
            Recording.seen.append((time.monotonic(), *request_key(self)))
            return super().serve(head)
    Recording.seen = []
    Recording.__name__ = handler.__name__
    return Recording


def arrivals(handler) -> Counter:
    # The wrong key of AUTH-WRONG-KEY is random per run: compare its shape, not its value.
    return Counter((m, p, tuple((n, "Bearer <random>" if n == "authorization" and len(v) == 39 else v)
                                for n, v in h)) for _, m, p, h in handler.seen)


def verdicts(run) -> dict:
    return {r["id"]: r["verdict"] for r in run.report["requirements"]}


def junit_cases(run) -> list[str]:
    return [case.split('name="')[1].split('"')[0] for case in run.outputs["junit.xml"].split("<testcase")[1:]]


# A fault that only generated examples find, and one that echoes the key into every report.
@pytest.mark.parametrize("handler", [EchoesTheCredential, AcceptsMonth13], ids=lambda h: h.__name__)
def test_shards_send_the_same_requests_and_reach_the_same_verdicts_in_the_same_order(tmp_path, handler):
    handler = recording(handler)
    runs, seen = {}, {}
    with serve(handler) as server:
        for concurrency in ("1", "4"):
            handler.seen.clear()
            runs[concurrency] = run_suite(tmp_path / concurrency, endpoint=server.url, html=False,
                                          env={"INFOCHECK_CONCURRENCY": concurrency})
            seen[concurrency] = arrivals(handler)
    one, four = runs["1"], runs["4"]
    assert (four.code, verdicts(four)) == (one.code, verdicts(one))
    assert seen["4"] == seen["1"]
    assert four.report["requests"]["sent"] == one.report["requests"]["sent"]
    assert junit_cases(four) == junit_cases(one) and len(junit_cases(one)) > 40
    assert "concurrency: 4" in four.stdout and not four.leaks()


def test_the_request_cap_holds_for_all_shards_together(tmp_path):
    handler = recording(InfoHandler)
    with serve(handler) as server:
        run = run_suite(tmp_path, "--max-requests", "12", endpoint=server.url, html=False,
                        env={"INFOCHECK_CONCURRENCY": "4"})
    assert run.code == 2
    assert len(handler.seen) == 12 == run.report["requests"]["sent"]
    assert "request cap reached: 12 requests sent" in run.stdout


def test_the_breaker_holds_for_all_shards_together(tmp_path):
    class DiesAfterTheFirstAnswers(InfoHandler):
        answered = 0

        def serve(self, head):
            DiesAfterTheFirstAnswers.answered += 1
            if DiesAfterTheFirstAnswers.answered > 3:
                time.sleep(1.5)   # past the timeout: no answer
                return None
            return super().serve(head)
    with serve(DiesAfterTheFirstAnswers) as server:
        run = run_suite(tmp_path, "--request-timeout", "0.5", endpoint=server.url, html=False,
                        env={"INFOCHECK_CONCURRENCY": "4"})
    unanswered = DiesAfterTheFirstAnswers.answered - 3
    # each shard may have one request in flight when the breaker trips
    assert BREAKER <= unanswered <= BREAKER + 3, unanswered
    assert "stopped answering" in run.stdout and run.code in (1, 2)


def test_a_429_pauses_every_shard(tmp_path):
    class ThrottlesOnce(InfoHandler):
        lock = threading.Lock()
        count = 0
        throttled_at: list = []

        keys: set = set()

        def serve(self, head):
            # Past the 10th request, the first with a generated query (a parameter beside
            # api-version) that has not reached the server before: so its retry, the same request
            # again, is known by being the same. (Three parameters or more, as before, a run's
            # Hypothesis examples need not have.)
            with ThrottlesOnce.lock:
                ThrottlesOnce.count += 1
                key = request_key(self)
                new = key not in ThrottlesOnce.keys
                ThrottlesOnce.keys.add(key)
                throttle = (ThrottlesOnce.count >= 10 and self.path.count("&") >= 1 and new
                            and not ThrottlesOnce.throttled_at)
                if throttle:
                    ThrottlesOnce.throttled_at.append((time.monotonic(), key))
            if throttle:
                self.send_refusal(Refusal(429, "TooManyRequests", "slow down", {"retry-after": "1"}), head)
                return None
            return super().serve(head)
    handler = recording(ThrottlesOnce)
    with serve(handler) as server:
        run = run_suite(tmp_path, endpoint=server.url, html=False, env={"INFOCHECK_CONCURRENCY": "4"})
    assert run.code == 0, run.stdout[-2000:]
    [(paused, throttled)] = ThrottlesOnce.throttled_at   # when the throttled request arrived
    # Timed by arrivals at the server alone, so a loaded machine's late deliveries cannot
    # break it. The throttled request's retry (the same request again) arrives at least
    # Retry-After after it: the probe waits that long from when it read the 429, which is later.
    arrived = [(t, tuple(key)) for t, *key in handler.seen]
    retried = next(t for t, key in arrived if t > paused and key == throttled)
    assert retried - paused >= 1.0, f"retried {retried - paused:.3f} s after a 429 that asked for 1 s"
    # Every shard pauses from when the 429 was read (after `paused`) until Retry-After later
    # (no sooner than `retried` - 1 s, no later than `paused` + 1 s): only the requests the
    # other three shards already had in flight may arrive inside that, however late.
    during = [t for t, key in arrived if retried - 1.0 < t < paused + 1.0 and t != paused]
    assert len(during) <= 3, (f"{len(during)} request(s) arrived while every shard was to pause "
                              f"(between {retried - 1.0 - paused:.3f} s and 1 s after the 429)")
    assert run.report["requests"]["throttled"] == 1


def test_a_broken_shard_is_infocheck_s_error_and_says_so(tmp_path):
    tests = tmp_path / "team"
    tests.mkdir()
    (tests / "test_breaks.py").write_text(
        "import os, pytest\n"
        "@pytest.mark.requirement('SHAPE-200')\n"
        "def test_ends_its_process(info):\n"
        "    os._exit(9)\n")
    with serve() as server:
        run = run_suite(tmp_path, str(tests), "suites", endpoint=server.url, html=False,
                        env={"INFOCHECK_CONCURRENCY": "2"})
    assert run.code == 3, run.stdout[-2000:]
    assert "shard" in run.stdout and "ended before its last test (exit 9)" in run.stdout
    assert json.loads(run.outputs["infocheck.json"])["verdict"] == "INTERNAL ERROR"


# -- the parts, on fixed values ----------------------------------------------------------------

class Item:
    def __init__(self, nodeid, prop=False):
        self.nodeid = nodeid
        self.obj = type("F", (), {"is_hypothesis_test": prop})()

    def listchain(self):
        return [self.nodeid]


def test_the_queue_hands_out_property_tests_first_then_the_session_order(tmp_path):
    items = [Item("a"), Item("p1", True), Item("b"), Item("p2", True), Item("c")]
    queue = shards.Queue(items, str(tmp_path))
    assert [queue.take().nodeid for _ in range(5)] == ["p1", "p2", "a", "b", "c"]
    assert queue.take() is None and queue.take() is None


def test_the_next_item_is_taken_only_when_teardown_asks(tmp_path):
    queue = shards.Queue([Item("a"), Item("b")], str(tmp_path))
    following = shards._Following(queue)
    assert queue.take().nodeid == "a"           # taken by another shard meanwhile
    assert following.listchain() == ["b"] and following and following.item.nodeid == "b"
    last = shards._Following(queue)
    assert not last and last.item is None


def test_reports_are_replayed_in_the_sessions_order():
    calls = []

    class Hook:
        def pytest_runtest_logstart(self, nodeid, location):
            calls.append(("start", nodeid, location))

        def pytest_runtest_logfinish(self, nodeid, location):
            calls.append(("finish", nodeid, location))

    config = type("Config", (), {"hook": Hook()})()
    replay = shards._InOrder(config, ["a", "b", "c"])
    for nodeid in ("c", "b"):
        replay.add({"event": "logstart", "nodeid": nodeid, "location": ["f", 1, nodeid]})
        replay.add({"event": "logfinish", "nodeid": nodeid, "location": ["f", 1, nodeid]})
    assert calls == []                          # a is not finished: nothing yet
    replay.add({"event": "logstart", "nodeid": "a", "location": ["f", 1, "a"]})
    assert calls == []
    replay.add({"event": "logfinish", "nodeid": "a", "location": ["f", 1, "a"]})
    assert [(kind, nodeid) for kind, nodeid, _ in calls] == [
        ("start", "a"), ("finish", "a"), ("start", "b"), ("finish", "b"), ("start", "c"), ("finish", "c")]
    assert calls[0][2] == ("f", 1, "a")
    calls.clear()
    half = shards._InOrder(config, ["x", "y"])
    half.add({"event": "logstart", "nodeid": "y", "location": ["f", 1, "y"]})
    half.rest()                                 # a shard died: what it told is still told, in order
    assert [(kind, nodeid) for kind, nodeid, _ in calls] == [("start", "y")]
