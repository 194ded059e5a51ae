"""End to end: what a deployment gate reads. 0 conformant, 1 a MUST failed, 2 could not test,
4 usage error; each with one clear line, quickly, and never the credential."""
import socket
import time

import pytest

from harness import KEY, RawServer, run_suite, serve
from infocheck.wire.probe import BREAKER
from infocheck.contracts.info.server import InfoHandler, Refusal

TIMEOUT = 1.0


def test_embedded_reference_server_is_conformant_with_no_findings(tmp_path):
    run = run_suite(tmp_path, key=None)
    assert run.code == 0, run.stdout[-3000:]
    assert not run.must_failed and not run.findings
    assert "CONFORMANT" in run.stdout and "embedded reference server" in run.stdout


def test_reference_server_at_an_endpoint_is_conformant(tmp_path):
    with serve() as server:
        run = run_suite(tmp_path, endpoint=server.url)
    assert run.code == 0, run.stdout[-3000:]
    assert not run.leaks()
    assert "credential: *** via bearer" in run.stdout


def test_fail_on_should_turns_findings_into_failures(tmp_path):
    from faults import NoDate
    with serve(NoDate) as server:
        run = run_suite(tmp_path, "--fail-on-should", endpoint=server.url)
    assert run.code == 1 and run.must_failed == {"HTTP-DATE"}


def test_without_a_key_the_run_cannot_pass(tmp_path):
    with serve() as server:
        run = run_suite(tmp_path, endpoint=server.url, key=None)
    assert run.code == 2, run.stdout[-2000:]
    assert "no credential given" in run.stdout and "COULD NOT TEST" in run.stdout
    assert not run.leaks()


def test_every_answer_throttled_cannot_pass(tmp_path):
    class Throttled(InfoHandler):
        def serve(self, head):
            self.send_refusal(Refusal(429, "TooManyRequests", "Rate limit is exceeded.",
                                      {"retry-after-ms": "10"}), head)
    with serve(Throttled) as server:
        run = run_suite(tmp_path, endpoint=server.url)
    assert run.code == 2, run.stdout[-2000:]
    assert "throttled" in run.stdout and not run.leaks()


HELD_FOR = 60.0   # how long the server would hold a connection: far past any deadline


def until_the_client_lets_go(conn, stop, ends: list) -> None:
    """Hold the connection, answering nothing more, and record who ended it: "client" when
    the client closed it while the server still held it, "server" when the server gave up."""
    conn.settimeout(0.1)
    held = time.monotonic() + HELD_FOR
    while time.monotonic() < held and not stop.is_set():
        try:
            if not conn.recv(4096):
                ends.append("client")
                return
        except TimeoutError:
            continue
        except OSError:          # reset by the client
            ends.append("client")
            return
    ends.append("server")


def hang(conn, stop, ends):
    until_the_client_lets_go(conn, stop, ends)


def garbage(conn, stop, ends):
    conn.recv(4096)
    conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")
    until_the_client_lets_go(conn, stop, ends)


@pytest.mark.parametrize("behaviour, says", [(hang, "no answer within 1 s"),
                                             (garbage, "not an HTTP answer")])
def test_unusable_endpoint_stops_the_run_with_one_line(tmp_path, behaviour, says):
    ends: list = []
    with RawServer(lambda conn, stop: behaviour(conn, stop, ends)) as server:
        run = run_suite(tmp_path, "--request-timeout", str(TIMEOUT), fresh=True, endpoint=server.url)
    assert run.code == 2, run.stdout[-2000:]
    assert says in run.stdout
    # What the code promises, whatever the machine's speed: one request, which the client gave
    # up on by itself (its deadline), not when the server let go of it a minute later.
    assert run.report["requests"]["sent"] == 1 and ends == ["client"], (
        f"connections ended by {ends}; the run took {run.seconds:.1f} s")
    assert "Traceback" not in run.stdout + run.stderr
    assert not run.leaks()


def test_refused_connection_stops_the_run(tmp_path):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    run = run_suite(tmp_path, endpoint=f"http://127.0.0.1:{port}")
    assert run.code == 2 and "connection refused" in run.stdout and not run.leaks()


def test_tls_failure_stops_the_run(tmp_path):
    with serve() as server:  # plain HTTP, spoken to as HTTPS
        run = run_suite(tmp_path, endpoint=server.url.replace("http://", "https://"))
    assert run.code == 2 and "TLS failure" in run.stdout, run.stdout[-1500:]
    assert not run.leaks()


def test_redirect_is_not_followed(tmp_path):
    seen = []

    class Redirects(InfoHandler):
        def serve(self, head):
            seen.append(self.headers.get("Authorization"))
            self.send_response(307)
            self.send_header("Location", "http://127.0.0.2:9/info")
            self.send_header("Content-Length", "0")
            self.end_headers()
    with serve(Redirects) as server:
        run = run_suite(tmp_path, endpoint=server.url)
    assert run.code == 2 and "never follows redirects" in run.stdout
    assert len(seen) == 1 and not run.leaks()


def test_endpoint_that_dies_mid_run_is_not_hammered(tmp_path):
    class HangsOnBadVersions(InfoHandler):
        hung = 0

        def check_api_version(self, query):
            if query.get("api-version", [""])[0] != "2024-04-01-preview" and "api-version" in query:
                HangsOnBadVersions.hung += 1
                time.sleep(TIMEOUT * 3)
            super().check_api_version(query)
    with serve(HangsOnBadVersions) as server:
        run = run_suite(tmp_path, "--request-timeout", str(TIMEOUT), endpoint=server.url)
    assert run.code == 1 and "HTTP-NO-5XX" in run.must_failed
    assert "stopped answering" in run.stdout and not run.leaks()
    # Not hammered: the breaker stops sending after BREAKER unanswered requests in a row.
    assert HangsOnBadVersions.hung <= BREAKER, (
        f"{HangsOnBadVersions.hung} requests hung; the run took {run.seconds:.1f} s")


@pytest.mark.parametrize("args, env, says", [
    (["--request-timeout", "soon"], {}, "INFOCHECK_REQUEST_TIMEOUT / --request-timeout"),
    (["--max-requests", "0"], {}, "INFOCHECK_MAX_REQUESTS / --max-requests"),
    (["--api-version", "2024-02-30"], {}, "not a calendar date"),
    (["--api-version", "latest"], {}, "INFOCHECK_API_VERSION"),
    (["--auth-header", "basic"], {}, "INFOCHECK_AUTH_HEADER"),
    (["--endpoint", "not a url"], {}, "INFOCHECK_ENDPOINT"),
    (["--endpoint", "https://user:pw@example.invalid"], {}, "user:password"),
    ([], {"INFOCHECK_ENDPOINT": "ftp://example.invalid"}, "INFOCHECK_ENDPOINT"),
    ([], {"INFOCHECK_FAIL_ON_SHOULD": "maybe"}, "INFOCHECK_FAIL_ON_SHOULD"),
    ([], {"INFOCHECK_DEPLOYMENT": "a,a"}, "named twice"),
])
def test_bad_configuration_is_a_usage_error_in_one_line(tmp_path, args, env, says):
    run = run_suite(tmp_path, *args, env=env)
    assert run.code == 4
    errors = [line for line in run.stderr.splitlines() if line.startswith("ERROR:")]
    assert len(errors) == 1 and says in errors[0], run.stderr
    assert "Traceback" not in run.stderr and not run.leaks()


def test_bad_key_is_a_usage_error_that_does_not_show_it(tmp_path):
    run = run_suite(tmp_path, key=KEY + "\n")
    assert run.code == 4 and "INFOCHECK_API_KEY" in run.stderr and not run.leaks()


def test_a_run_cut_short_by_the_request_cap_cannot_pass(tmp_path):
    with serve() as server:
        run = run_suite(tmp_path, "--max-requests", "30", endpoint=server.url)
    assert run.code == 2, run.stdout[-2000:]
    assert "request cap reached: 30 requests sent" in run.stdout and "INTERNAL" not in run.stdout
    not_tested = [t for r in run.report["requirements"] if r["verdict"] == "not tested" for t in r["tests"]]
    assert any("test_incidental_headers" in t or "generated" in t for t in not_tested)  # properties too
