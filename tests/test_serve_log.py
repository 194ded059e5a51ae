"""`infocheck serve` and every reference server: what a client sends never reaches the operator's
terminal raw (issue 24). Each request is one log line of visible ASCII, every other byte of the
request line escaped (ESC as \\e, CR as \\r, a non-ASCII byte as \\xff); a malformed request line or
target is answered 400 (an over-long one 414, as RFC 9112 section 3 has it) and logged in one
line, never a traceback. Raw sockets against servers on loopback; Hypothesis varies the line."""
import re
import socket
import subprocess
import sys
import threading

import pytest
from hypothesis import given, settings, strategies as st

from harness import KEY, clean_env
from infocheck import contracts

# Time, address, then anything but a control character: visible ASCII, and the ellipsis of a
# line cut short.
LOG_LINE = re.compile(r"[0-9]{2}:[0-9]{2}:[0-9]{2} 127\.0\.0\.1 [\x20-\x7e…]*")
STATUS = re.compile(rb"HTTP/1\.[01] ([0-9]{3}) ")


class Log:
    """A server's log stream: the lines written, as written."""

    def __init__(self):
        self.text, self.lock = "", threading.Lock()

    def write(self, text):
        with self.lock:
            self.text += text

    def flush(self):
        pass

    def take(self) -> list[str]:
        with self.lock:
            text, self.text = self.text, ""
        assert text == "" or text.endswith("\n")
        return text.split("\n")[:-1]


@pytest.fixture(scope="module", params=["info", "models"])
def server(request):
    found = contracts.get(request.param).reference_server(KEY, verbose=True)
    found.httpd.log_stream = Log()
    with found:
        yield found


def exchange(at, line: bytes, rest: bytes | None = b"Host: x\r\nConnection: close\r\n\r\n") -> bytes:
    """Send a request whose request line is `line` (and then `rest`, unless None: the line
    alone, unended) to a server or an address; everything the server answers, until it closes
    (bounded in time and size)."""
    address = at if isinstance(at, tuple) else at.httpd.server_address[:2]
    with socket.create_connection(address, timeout=10) as conn:
        conn.sendall(line if rest is None else line + b"\r\n" + rest)
        answer = b""
        while len(answer) < 1 << 20:
            chunk = conn.recv(65536)
            if not chunk:
                break
            answer += chunk
    return answer


def status_of(answer: bytes) -> int | None:
    found = STATUS.match(answer)
    return int(found[1]) if found else None


def logged(server) -> str:
    """The one line the request made (it is written before the answer is complete)."""
    lines = server.httpd.log_stream.take()
    assert len(lines) == 1, lines
    assert LOG_LINE.fullmatch(lines[0]), lines[0]
    return lines[0]


# -- the named cases --------------------------------------------------------------------------

@pytest.mark.parametrize("line, shown", [
    (b"GET http://[ HTTP/1.1", '"GET http://[ HTTP/1.1" 400 - (the request target is not a URL'),
    (b"GET http://[::1/info HTTP/1.1", '"GET http://[::1/info HTTP/1.1" 400 -'),
    (b"GET http://h:99999/info HTTP/1.1", '"GET http://h:99999/info HTTP/1.1" 400 -'),
    (b"GET ftp://h/info HTTP/1.1", "400 - (the request target is neither a path (/...) nor an absolute"),
    (b"GET info HTTP/1.1", '"GET info HTTP/1.1" 400 -'),
    (b"GET * HTTP/1.1", "(the request target is * (the asterisk form), which only OPTIONS takes)"),
    (b"GET /info%zz HTTP/1.1", "(the request target has a % that is not followed by two hex digits)"),
    (b"GET /\x1b]0;owned\x07\x1b[2J HTTP/1.1", '"GET /\\e]0;owned\\x07\\e[2J HTTP/1.1" 400 - (the request line'),
    (b"GET /info HTTP/1.1 x", '"GET /info HTTP/1.1 x" 400 -'),
    (b"GET /info\xff\xfe\xc3\xa9 HTTP/1.1", '"GET /info\\xff\\xfe\\xc3\\xa9 HTTP/1.1" 400 -'),
    (b"GET /info?x=\r HTTP/1.1", '"GET /info?x=\\r HTTP/1.1" 400 -'),
    (b"GET\t/info HTTP/1.1", '"GET\\t/info HTTP/1.1" 400 -'),
    (b"GET /info  HTTP/1.1", '"GET /info  HTTP/1.1" 400 -'),
    (b"\x1b[31mCONFORMANT", '"\\e[31mCONFORMANT" 400 -'),
    (b"GET / HTTP/1.1\x1b", '"GET / HTTP/1.1\\e" 400 -'),
    (b"GET /info", '"GET /info" 400 - (the request line is not a method, a target and a version'),
    (b"\xa0", '"\\xa0" 400 -'), (b"\x00", '"\\x00" 400 -'),
])
def test_a_malformed_request_is_answered_400_and_logged_in_one_escaped_line(server, line, shown):
    answer = exchange(server, line)
    assert status_of(answer) == 400, answer[:200]
    assert shown in logged(server)


# The standard library reads at most 65,537 bytes of a request line: exactly that many, and
# nothing after, so that the server closes a connection it has read to the end.
OVER_LONG = b"GET /" + b"\x1b" * (65_537 - 5)


def test_an_over_long_request_line_is_answered_414_and_logged_cut_short(server):
    assert status_of(exchange(server, OVER_LONG, rest=None)) == 414
    line = logged(server)
    assert '"GET /\\e\\e' in line and "… (65537 characters)\" 414 -" in line and len(line) < 2000


def test_a_well_formed_request_is_still_served_and_logged_in_one_line(server):
    models = server.url.endswith("/v1")
    path = b"/v1/models" if models else b"/info?api-version=2024-04-01-preview"
    authorized = b"Host: x\r\nAuthorization: Bearer " + KEY.encode() + b"\r\nConnection: close\r\n\r\n"
    assert status_of(exchange(server, b"GET " + path + b" HTTP/1.1", authorized)) == 200
    assert f'"GET {path.decode()} HTTP/1.1" 200 -' in logged(server)
    absolute = b"GET http://127.0.0.1" + path + b" HTTP/1.1"   # absolute-form, as to a proxy
    assert status_of(exchange(server, absolute, authorized)) == 200
    logged(server)
    assert status_of(exchange(server, b"OPTIONS * HTTP/1.1")) == 204
    logged(server)


# -- any request line -------------------------------------------------------------------------

HOSTILE = [b"http://[", b"https://", b"\x1b]0;t\x07", b"\x1b[2J", b"\r", b"\x00", b"\x9b", b"\xff",
           b"\xc3\xa9", b"\xe2\x80\xae", b"%", b"%zz", b"[::1", b":99999", b"//", b"*", b"?", b"#",
           b"/info", b"/v1/models", b"/openai/v1/models/x", b" ", b"\t", b"\\", b"HTTP/1.1"]


def request_lines():
    piece = st.one_of(st.sampled_from(HOSTILE), st.binary(max_size=8).filter(lambda b: b"\n" not in b))
    target = st.lists(piece, min_size=1, max_size=8).map(b"".join)
    method = st.sampled_from([b"GET", b"HEAD", b"POST", b"OPTIONS", b"BREW", b"G\x1bT"])
    version = st.sampled_from([b"HTTP/1.1", b"HTTP/1.0", b"HTTP/2.0", b"HTTP/1.1\x1b", b"HTTP/x"])
    shaped = st.tuples(method, target, version).map(lambda parts: b" ".join(parts))
    anything = st.binary(min_size=1, max_size=60).filter(lambda b: b"\n" not in b)
    return st.one_of(shaped, anything).filter(lambda line: line.strip(b" \t\r\x0b\x0c\x1c\x1d\x1e\x1f"))


WELL_FORMED = re.compile(rb"[\x21-\x7e]+ [\x21-\x7e]+ HTTP/1\.[01]")


@settings(max_examples=150, deadline=None)
@given(line=request_lines())
def test_any_request_line_gets_an_answer_and_one_escaped_log_line(server, line):
    from infocheck.server.base import target_problem
    answer = exchange(server, line)
    log = logged(server)   # one line, visible ASCII: no ESC, OSC, CR nor invalid UTF-8
    assert "failed on this request" not in log
    status = status_of(answer)
    assert status is not None, answer[:200]
    if not WELL_FORMED.fullmatch(line):
        assert status in (400, 505), (line, answer[:200])   # 505: HTTP/2.0, which it does not speak
    elif target_problem(line.split(b" ")[0].decode(), line.split(b" ")[1].decode()):
        assert status == 400, (line, answer[:200])


# -- what the log line is made of -----------------------------------------------------------------

@pytest.mark.parametrize("raw, shown", [
    (b"GET / HTTP/1.1\r\n", "GET / HTTP/1.1"), (b"GET /\x1b[2K\r\n", "GET /\\e[2K"),
    (b"GET /\xff\xc3\xa9 HTTP/1.1", "GET /\\xff\\xc3\\xa9 HTTP/1.1"), (b"A\rB\x00\x7f\x9b", "A\\rB\\x00\\x7f\\x9b"),
    (b"", "")])
def test_a_request_line_is_shown_as_escaped_ascii(raw, shown):
    from infocheck.server.base import shown_request_line
    assert shown_request_line(raw) == shown


def test_a_request_line_is_shown_cut_to_a_bound():
    from infocheck.server.base import shown_request_line
    shown = shown_request_line(b"\xff" * 10_000)
    assert shown.startswith("\\xff") and shown.endswith("… (40000 characters)") and len(shown) < 400


@pytest.mark.parametrize("method, target, ok", [
    ("GET", "/info?api-version=2024-04-01-preview", True), ("GET", "http://h/info", True),
    ("GET", "HTTPS://h:8443/v1/models", True), ("OPTIONS", "*", True), ("GET", "/a%2Fb%c3%A9", True),
    ("GET", "*", False), ("GET", "info", False), ("GET", "h:443", False), ("GET", "http://[", False),
    ("GET", "http://h:99999/", False), ("GET", "http:///info", False), ("GET", "ftp://h/", False),
    ("GET", "/a%", False), ("GET", "/a%g0", False), ("GET", "/\x1b", False), ("GET", "/é", False),
    ("GET", "", False), ("GET", "/a b", False)])
def test_which_request_targets_are_well_formed(method, target, ok):
    from infocheck.server.base import target_problem
    assert (target_problem(method, target) == "") is ok


# -- a handler's own fault: one line, not a traceback -------------------------------------------

def test_a_handler_that_fails_is_logged_in_one_escaped_line():
    from infocheck.contracts.info.server import InfoHandler, ReferenceServer, Settings

    class Breaks(InfoHandler):
        def route(self):
            raise ValueError(f"cannot route {self.path}\x1b]0;owned\x07\nsecond line")

    found = ReferenceServer(Settings(api_key=KEY), Breaks, verbose=False)
    found.httpd.log_stream = Log()
    with found:
        exchange(found, b"GET /info HTTP/1.1")
        (line,) = found.httpd.log_stream.take()
    assert LOG_LINE.fullmatch(line), line
    assert "the server failed on this request: ValueError at test_serve_log.py:" in line
    assert "cannot route /info\\e]0;owned\\x07\\nsecond line" in line


# -- the command ------------------------------------------------------------------------------

def test_infocheck_serve_logs_hostile_requests_escaped_one_line_each():
    server = subprocess.Popen([sys.executable, "-m", "infocheck", "serve", "--port", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=clean_env(INFOCHECK_API_KEY=KEY))
    lines = [b"GET http://[ HTTP/1.1", b"GET /\x1b]0;owned\x07\x1b[2J HTTP/1.1", b"GET /\xff HTTP/1.1",
             b"GET /info\r\x1b[1A\x1b[2KCONFORMANT HTTP/1.1",
             b"GET /info?api-version=2024-04-01-preview HTTP/1.1"]
    try:
        banner = server.stdout.readline().decode()
        host, port = re.search(r"http://([0-9.]+):([0-9]+)/info", banner).groups()
        address = (host, int(port))
        answers = [status_of(exchange(address, line)) for line in lines]
        answers.append(status_of(exchange(address, OVER_LONG, rest=None)))
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=10)
    assert answers == [400, 400, 400, 400, 401, 414]
    log = errors.decode("utf-8").splitlines()
    assert len(log) == len(answers), log
    assert all(LOG_LINE.fullmatch(line) for line in log), log
    assert b"\x1b" not in errors and b"\r" not in errors and b"Traceback" not in errors
    assert '"GET /\\e]0;owned\\x07\\e[2J HTTP/1.1" 400 -' in log[1] and '"GET /\\xff HTTP/1.1" 400' in log[2]


@pytest.mark.parametrize("target", ["//[::1", "//[", "//host:99999/info"])
def test_a_target_that_begins_with_two_slashes_is_judged_as_sent_not_as_the_standard_library_shortens_it(
        server, target):
    # http.server makes //x the path /x before a handler sees it: //[::1 is no URL, and is refused
    answer = exchange(server, b"GET " + target.encode() + b" HTTP/1.1")
    assert status_of(answer) == 400, answer[:200]
