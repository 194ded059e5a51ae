"""No request leaves the configured origin and base path (issue 24): a listed model id is server
data, and `{base}/models/../../../admin/keys` is `GET /admin/keys` once requests has prepared
it. The probe checks the prepared URL, in every reading a server might give its path, and does
not send one that leaves; reports and `curl` show the URL that was sent; a listed id whose
retrieve would leave fails MODELS-RETRIEVE-200. Every request here goes to a loopback trap
server that records what reached it, so "not sent" is observed, not assumed."""
from __future__ import annotations

import pickle
import re
import shlex
import threading
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from harness import KEY, RawServer, probe_for, read_request, run_suite
from infocheck.contracts.client import OnceCache
from infocheck.contracts.models.client import ModelsClient, model_path
from infocheck.contracts.models.server import DEFAULT_MODELS, ModelsHandler, ModelsSettings, ReferenceServer
from infocheck.wire.base_path import READINGS, Base, at_or_under, reading, remove_dot_segments
from infocheck.wire.exchange import Credential, Request
from infocheck.wire.probe import OffBase

BASE = "/tenantA/v1"
HOSTILE = ["../../../admin/keys", "%2e%2e/x", "a/../../b", "//evil.example/x", "?x=", "#x",
           "..", ".", "x/../../../../admin", "..\\..\\..\\admin", "..;/..;/..;/admin",
           "@evil.example/x", "%2F..%2F..%2F..%2Fadmin", "a/./b", "\u2024\u2024/x", "ok/%00/../.."]
BEARER = (("Authorization", Credential("Bearer ")),)


# -- the rule, on strings ----------------------------------------------------------------------

@pytest.mark.parametrize("path, resolved", [
    ("/a/b/c/./../../g", "/a/g"), ("/a/b/c/../../../../g", "/g"), ("/..", "/"), ("/a/.", "/a/"),
    ("/a/..", "/"), ("/a//../b", "/a/b"), ("/a/b", "/a/b"), ("", ""), ("/", "/")])
def test_dot_segments_are_removed_as_rfc_3986_says(path, resolved):
    assert remove_dot_segments(path) == resolved


@pytest.mark.parametrize("url", [
    "http://h.example:8080/tenantA/v1", "http://h.example:8080/tenantA/v1/",
    "http://H.EXAMPLE:8080/tenantA/v1/models/gpt-4o", "http://h.example:8080/tenantA/v1/models//x",
    "http://h.example:8080/tenantA/v1/models/meta-llama%2FLlama-3.1-8B",
    "http://h.example:8080/tenantA/v1/models/%252e%252e/%252e%252e/%252e%252e/x",
    "http://h.example:8080/tenantA/v1/models/a/../b?api-version=..%2F..%2F..",
])
def test_a_url_at_or_under_the_base_is_admitted(url):
    assert Base.of("http://h.example:8080/tenantA/v1").leaves(url) is None


@pytest.mark.parametrize("url, why", [
    ("http://h.example:8080/tenantA/v10/models", "read as sent, is /tenantA/v10/models"),
    ("http://h.example:8080/tenantA/models", "read as sent, is /tenantA/models"),
    ("http://h.example:8080/admin/keys", "read as sent, is /admin/keys"),
    ("http://h.example:8080/tenantA/v1/../../admin", "read as sent, is /admin"),
    ("http://h.example:8080/tenantA/v1//../x", "read as sent, repeated slashes merged, is /tenantA/x"),
    ("http://h.example:8080/tenantA/v1/models/%2E%2E/%2e%2e/%2E%2e/x", "read percent-decoded once, is /x"),
    ("http://h.example:8080/tenantA/v1/models/..%2F..%2F..%2Fx", "read percent-decoded once, is /x"),
    ("http://h.example:8080/tenantA/v1/models/..%5C..%5C..%5Cx", "read percent-decoded once, is /x"),
    ("http://h.example:8080/tenantA/v1/models/..;/..;/..;/x", "read percent-decoded once, is /x"),
    ("http://h.example:8080/tenantA/v1/models/%2F..%2F..%2Fx",
     "read percent-decoded once, repeated slashes merged, is /tenantA/x"),
    ("http://h.example:8081/tenantA/v1", "another origin (http://h.example:8081)"),
    ("https://h.example:8080/tenantA/v1", "another origin (https://h.example:8080)"),
    ("http://evil.example:8080/tenantA/v1", "another origin (http://evil.example:8080)"),
    ("http://u:p@h.example:8080/tenantA/v1", "user information"),
])
def test_a_url_that_leaves_the_origin_or_the_base_is_refused_saying_how(url, why):
    assert why in Base.of("http://h.example:8080/tenantA/v1").leaves(url)


def test_a_base_at_the_root_admits_every_path_of_its_origin_only():
    base = Base.of("https://h.example/")
    assert base.leaves("https://h.example:443/anything/../at/all") is None
    assert "another origin" in base.leaves("https://h.example.evil/")


# -- the probe, against a trap ------------------------------------------------------------------

class Trap:
    """A loopback server that answers 404 to everything and records each request's target and
    whether it carried the key."""

    def __init__(self):
        self.seen: list[tuple[str, bool]] = []
        self._lock = threading.Lock()
        self.server = RawServer(self.answer)

    def answer(self, conn, stop):
        while not stop.is_set():
            head = read_request(conn)
            if not head:
                return
            line, _, rest = head.decode("latin-1").partition("\r\n")
            with self._lock:
                self.seen.append((line.split(" ")[1], KEY in rest))
            conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\nContent-Type: application/json"
                         b"\r\n\r\n{}")



def outside(seen) -> list[str]:
    """The requests of `seen` that reached the server outside the base path, in any reading."""
    return [target for target, _ in seen
            if not all(at_or_under(reading(urlsplit(target).path, d, m), reading(BASE, d, m))
                       for _, d, m in READINGS)]


@pytest.fixture(scope="module")
def trap():
    found = Trap()
    with found.server:
        yield found


def sent_or_refused(trap, model_id: str, encode_slash: bool):
    """Retrieve `model_id` as the models client puts it in the path; what the trap saw."""
    probe = probe_for(trap.server.url + BASE, INFOCHECK_CONTRACT="models")
    before = len(trap.seen)
    try:
        exchange = probe.send(Request(path=model_path(model_id, encode_slash), headers=BEARER))
    except OffBase as refusal:
        assert len(trap.seen) == before and probe.sent == 0 and probe.state.sent == 0
        assert refusal.base == trap.server.url + BASE and KEY not in str(refusal)
        return None, trap.seen[before:]
    finally:
        probe.close()
    return exchange, trap.seen[before:]


@pytest.mark.parametrize("encode_slash", [False, True], ids=["slash-as-is", "slash-encoded"])
@pytest.mark.parametrize("model_id", HOSTILE, ids=repr)
def test_a_hostile_id_is_sent_under_the_base_or_not_at_all_and_the_url_shown_is_the_one_sent(
        trap, model_id, encode_slash):
    exchange, seen = sent_or_refused(trap, model_id, encode_slash)
    if exchange is None:
        assert seen == []
        return
    assert len(seen) == 1 and seen[0][1], seen           # sent once, with the key
    target = seen[0][0]
    assert not outside(seen), seen
    assert exchange.url == trap.server.url.rstrip("/") + target    # the URL shown is the one sent
    assert shlex.split(exchange.curl)[-1] == exchange.url


@pytest.mark.parametrize("model_id", ["../../../admin/keys", "x/../../../../admin", "..\\..\\..\\admin",
                                      "..;/..;/..;/admin"])
def test_an_id_that_climbs_out_of_the_base_is_not_sent(trap, model_id):
    exchange, seen = sent_or_refused(trap, model_id, encode_slash=False)
    assert exchange is None and seen == []


def test_the_report_shows_the_url_requests_prepared_not_the_string(trap):
    exchange, seen = sent_or_refused(trap, "a/../../b", encode_slash=False)
    assert exchange.url == trap.server.url + BASE + "/b" == trap.server.url + seen[0][0]
    assert "a/../../b" not in exchange.curl and exchange.transcript().startswith(f"> GET {exchange.url}\n")


ID_ALPHABET = st.sampled_from(list("./\\%?#@;:&=+ ~") + ["..", "%2e", "%2F", "%5c", "%25", "a", "Z", "0",
                                                       "\u00e9", "\u2024", "\uff0e", "\x00", "\t"])


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(parts=st.lists(ID_ALPHABET, min_size=1, max_size=12), encode_slash=st.booleans())
def test_whatever_id_is_listed_nothing_reaches_the_server_outside_the_base(trap, parts, encode_slash):
    exchange, seen = sent_or_refused(trap, "".join(parts), encode_slash)
    assert len(seen) == (0 if exchange is None else 1)
    assert not outside(seen), seen
    if exchange is not None:
        assert exchange.url == trap.server.url + seen[0][0]


def test_a_redirect_is_not_followed_its_body_is_bounded_and_a_cookie_is_not_sent_back():
    seen = []

    def answer(conn, stop):
        seen.append(read_request(conn))
        body = b"x" * (3 * 1024 * 1024)
        conn.sendall(b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:9/admin\r\nSet-Cookie: sid="
                     + KEY.encode()[:8].replace(b";", b"") + b"; Path=/\r\nContent-Length: %d\r\n\r\n"
                     % len(body))
        try:
            conn.sendall(body)
        except OSError:
            pass

    with RawServer(answer) as server:
        probe = probe_for(server.url + BASE, INFOCHECK_CONTRACT="models")
        first = probe.send(Request(path="/models", headers=BEARER))
        second = probe.send(Request(path="/models"))     # no credential: no cookie either
        probe.close()
    assert first.status == second.status == 302 and probe.sent == 2 and len(seen) == 2
    assert first.body_over_limit and len(first.body) == 1024 * 1024   # read bounded, as any body
    assert b"cookie" not in seen[1].lower() and b"authorization" not in seen[1].lower()
    assert all(re.match(rb"GET /tenantA/v1/models HTTP/1.1\r\n", s) for s in seen)


def test_curl_sends_a_path_with_dot_segments_as_it_is():
    request = Request(path="/models")
    assert "--path-as-is" in request.curl("http://h/../v1", 5, sent_url="http://h/../v1/models")
    assert "--path-as-is" not in request.curl("http://h/v1", 5, sent_url="http://h/v1/models")
    assert request.curl("http://h/v1", 5, sent_url="http://h/v1/x").endswith(" http://h/v1/x")


def test_a_refusal_keeps_its_data_through_pickling_and_the_once_cache(trap):
    refusal = OffBase("http://h/admin", "http://h/v1", "its path, read as sent, is /admin")
    again = pickle.loads(pickle.dumps(refusal))
    assert (again.url, again.base, again.why, str(again)) == (refusal.url, refusal.base, refusal.why, str(refusal))
    probe = probe_for(trap.server.url + BASE, INFOCHECK_CONTRACT="models")
    client = ModelsClient(probe, probe.config, OnceCache(), [])
    before = len(trap.seen)
    for _ in range(2):   # the second answer comes from the cache, as the same OffBase
        with pytest.raises(OffBase) as refused:
            client.once(model="../../../admin/keys", encode_slash=False)
        assert refused.value.url == trap.server.url + "/admin/keys" and refused.value.base == trap.server.url + BASE
    probe.close()
    assert len(trap.seen) == before


def test_a_url_requests_cannot_prepare_is_still_a_transport_error_not_a_crash():
    probe = probe_for("http://\u00e4" + "a" * 70 + ".example/v1", INFOCHECK_CONTRACT="models")
    exchange = probe.send(Request(path="/models", headers=BEARER))
    probe.close()
    assert exchange.error == "transport error: InvalidURL" and exchange.status is None and probe.sent == 1


# -- a run against a server that lists hostile ids ---------------------------------------------

class ListsIdsOutsideTheBase(ModelsHandler):
    """Lists ids that climb out of the base, each of its own owner (so each is retrieved), and
    records every request that reaches it."""

    seen: list = []
    IDS = ["../../../admin/keys", "..\\..\\..\\admin\\keys", "x/../../../../admin"]

    def serve(self, head):
        self.seen.append((self.path, KEY in (self.headers.get("Authorization") or "")
                          + (self.headers.get("api-key") or "")))
        return super().serve(head)

    def listed(self):
        hostile = [{"id": i, "object": "model", "created": 1700000000 + n, "owned_by": f"owner-{n}"}
                   for n, i in enumerate(self.IDS)]
        return hostile + self.settings.models


def test_a_run_against_a_server_listing_ids_outside_the_base_sends_nothing_there_and_fails(tmp_path):
    ListsIdsOutsideTheBase.seen = []
    settings_ = ModelsSettings(api_key=KEY, base_path=BASE)
    with ReferenceServer(settings_, ListsIdsOutsideTheBase).start() as server:
        run = run_suite(tmp_path, "--contract", "models", "--model", DEFAULT_MODELS[0]["id"],
                        endpoint=server.url, html=False)
    seen = ListsIdsOutsideTheBase.seen
    assert seen and all(p == BASE or p.startswith(BASE + "/") for p, _ in seen), seen
    assert not any("admin" in p for p, _ in seen), seen
    assert run.code == 1 and "MODELS-RETRIEVE-200" in run.must_failed, run.stdout[-3000:]
    retrieve = next(r for r in run.report["requirements"] if r["id"] == "MODELS-RETRIEVE-200")
    assert len(retrieve["messages"]) == 3, retrieve["messages"]
    assert all("not sent: its request would go to " + server.url.removesuffix(BASE) in m
               and f"outside {server.url}" in m for m in retrieve["messages"])
    # sent as the SDK sends it (the slash as %2F), the climb shows in the percent-decoded reading
    assert "read percent-decoded once, is /admin/keys)" in " ".join(retrieve["messages"])
    shown = {u for r in run.report["requirements"] for t in r["exchanges"]
             for u in re.findall(r"^> [A-Z]+ (\S+)", t, re.M)}
    assert shown <= {server.url.removesuffix(BASE) + p for p, _ in seen}, shown
    assert run.report["requests"]["sent"] == len(seen) < 40
    assert not run.leaks()
