"""Hostile endpoints: tarpits, transformed echoes of the credential, deep and strange JSON,
impossible dates, control characters, bombs, floods, and token commands. Whatever a server
does, one request ends within its timeout, the credential is caught and shows in no output,
outputs stay small and escaped, and infocheck never exits 3."""
import base64
import html
import urllib.parse
import json
import sys
import time
import zlib

import pytest

from harness import KEY, POSITIVE, RawServer, drip, probe_for, read_request, run_suite, serve
from infocheck.contracts.info import checks
from infocheck.contracts.info.checks import CheckFailure
from infocheck.configuration.credentials import CommandToken, CredentialError
from infocheck.wire.exchange import Request
from infocheck.wire.probe import Probe, retry_after_seconds
from infocheck.wire.secret import Scrubber
from infocheck.contracts.info.server import InfoHandler, ReferenceServer, Refusal, Settings

TIMEOUT = 1.0
ESCAPES = ("\x1b", "\r", "\x9b", "\u202e")   # what would move the cursor or reorder text


def probe(url: str) -> Probe:
    return probe_for(url, INFOCHECK_REQUEST_TIMEOUT=str(TIMEOUT))


# -- time: the timeout bounds the whole request ---------------------------------------------

def continue_forever(conn, stop):
    read_request(conn)
    while not stop.wait(0.02):
        conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")


def head_then(body_answer):
    def answer(conn, stop):
        read_request(conn)
        conn.sendall(body_answer[0])
        for byte in body_answer[1]:
            if stop.wait(0.05):
                return
            conn.sendall(bytes([byte]))
    return answer


JSON_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
# Each would hold a request 20 s or more, or for ever: far past any deadline of a self-test.
TARPITS = {
    "status line and headers dripped": drip(JSON_HEAD + b"X-Padding: " + b"p" * 200 + b"\r\n"
                                            b"Content-Length: 2\r\n\r\n{}", 0.1),
    "100 Continue forever": continue_forever,
    "body dribbled, Content-Length": head_then((JSON_HEAD + b"Content-Length: 400\r\n\r\n", b"x" * 400)),
    "body dribbled, until close": head_then((JSON_HEAD + b"Connection: close\r\n\r\n", b"x" * 400)),
    "body dribbled, chunked": head_then((JSON_HEAD + b"Transfer-Encoding: chunked\r\n\r\n",
                                         b"1\r\nx\r\n" * 100)),
}


def finishing(answer, finished: list):
    """`answer`, noting each time it got to its end (the client waited for all of it)."""
    def answered(conn, stop):
        answer(conn, stop)
        if not stop.is_set():
            finished.append(True)
    return answered


@pytest.mark.parametrize("name", TARPITS)
def test_a_tarpit_cannot_hold_a_request_past_its_timeout(name):
    finished: list = []
    with RawServer(finishing(TARPITS[name], finished)) as server:
        started = time.monotonic()
        exchange = probe(server.url).send(POSITIVE)
        took = time.monotonic() - started
        # Cut by its deadline, however loaded the machine: the answer was still coming (or
        # the client had gone) when the probe gave up; no wall-clock margin is asserted.
        assert not finished, f"the probe waited for the tarpit's whole answer ({took:.1f} s)"
    assert exchange.error and "within 1 s" in exchange.error, exchange.error


@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["single", "xdist"])
def test_a_run_against_a_tarpit_ends_with_exit_2_at_its_timeout(tmp_path, workers):
    finished: list = []
    with RawServer(finishing(TARPITS["status line and headers dripped"], finished)) as server:
        run = run_suite(tmp_path, "--request-timeout", "2", *workers, endpoint=server.url, fresh=True)
        assert not finished, f"the run waited for the tarpit's whole answer ({run.seconds:.1f} s)"
    assert run.code == 2, run.stdout[-2000:]
    assert "within 2 s" in run.stdout and run.report["requests"]["sent"] == 1, run.stdout[-2000:]


# -- secrets: every encoding an echo can take -----------------------------------------------

def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


ENCODINGS = {
    "Basic base64 of user:key": lambda k: "Basic " + b64("user:" + k),
    "base64 at offset 1": lambda k: b64("x" + k),
    "base64 at offset 2": lambda k: b64("xy" + k),
    "base64url, unpadded": lambda k: base64.urlsafe_b64encode(k.encode()).decode().rstrip("="),
    "base64 with JSON-escaped slashes": lambda k: b64("??>" + k).replace("/", "\\/"),
    "lower case": str.lower,
    "upper case": str.upper,
    "hex": lambda k: k.encode().hex(),
    "HEX": lambda k: k.encode().hex().upper(),
    "every byte percent-escaped": lambda k: "".join(f"%{b:02X}" for b in k.encode()),
    "every character JSON-escaped": lambda k: "".join(f"\\u{ord(c):04x}" for c in k),
    "HTML character references": lambda k: "".join(f"&#{ord(c)};" for c in k),
    "a JSON string": lambda k: json.dumps(k)[1:-1],
    "URL-quoted": lambda k: urllib.parse.quote(k, safe=""),
    "form-encoded": urllib.parse.quote_plus,
    "HTML-escaped": html.escape,
}
PLACES = ("reason phrase", "header", "200 body", "500 body")


def echo(encoding, place):
    def answer(conn, stop):
        request = read_request(conn).decode("latin-1")
        offered = next((line.split(" ")[-1] for line in request.split("\r\n")
                        if line.lower().startswith("authorization:")), "")
        shown = ENCODINGS[encoding](offered)
        status = "500 Oops" if place == "500 body" else "200 OK"
        if place == "reason phrase":
            status = f"200 seen {shown}"
        body = json.dumps({"model_name": "m", "model_type": "embeddings", "model_provider_name": "p",
                           **({"debug": shown} if place.endswith("body") else {})}).encode()
        header = f"x-debug: {shown}\r\n" if place == "header" else ""
        conn.sendall(f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n{header}"
                     f"Content-Length: {len(body)}\r\n\r\n".encode("latin-1") + body)
    return answer


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_an_encoded_echo_is_caught_and_masked(encoding, place):
    with RawServer(echo(encoding, place)) as server:
        exchange = probe(server.url).send(POSITIVE)
    assert exchange.echoed_secret
    with pytest.raises(CheckFailure, match="AUTH-NO-ECHO") as failure:
        checks.no_echo(exchange)
    sent_back = ENCODINGS[encoding](KEY)  # what the server wrote, computed here, not by the scrubber
    for text in (exchange.transcript(), exchange.status_line(), exchange.excerpt(), repr(exchange),
                 failure.value.explain(), " ".join(v for _, v in exchange.headers)):
        assert sent_back not in text and KEY.lower() not in text.lower(), text


class EchoesEncodedCredential(InfoHandler):
    """Says the credential back: base64 in the reason phrase of refusals (as if echoing a Basic
    header), hex in a header of every answer."""

    def offered(self) -> str:
        return (self.headers.get("Authorization") or self.headers.get("api-key") or "").split(" ")[-1]

    def send_response(self, code, message=None):
        if code >= 400 and self.offered():
            message = "Unauthorized " + b64("user:" + self.offered())
        super().send_response(code, message)

    def send_common_headers(self):
        super().send_common_headers()
        self.send_header("x-debug-credential", self.offered().encode().hex())


def test_an_encoded_echo_fails_the_run_and_shows_in_no_output(tmp_path):
    with serve(EchoesEncodedCredential) as server:
        run = run_suite(tmp_path, endpoint=server.url)
    assert run.code == 1 and "AUTH-NO-ECHO" in run.must_failed, run.stdout[-2000:]
    assert not run.leaks(), run.leaks()


def test_an_encoded_echo_of_a_token_is_caught_the_same_way(tmp_path):
    token = "eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiJzZWxmdGVzdCJ9.c2VsZnRlc3Qtc2lnbmF0dXJlLXRva2Vu"
    with ReferenceServer(Settings(api_key=KEY, tokens=(token,)), EchoesEncodedCredential) as server:
        run = run_suite(tmp_path, "--token-command", python(f"print('{token}')"), endpoint=server.url,
                        key=None)
    assert run.code == 1 and "AUTH-NO-ECHO" in run.must_failed, run.stdout[-2000:]
    assert not run.leaks(token), run.leaks(token)


# -- nothing a server sends gives exit 3 ------------------------------------------------------

DEEP_TEXT = b"[" * 2000 + b"]" * 2000
BOMB = None


def gzip_bomb() -> bytes:
    """64 MiB of zeros, gzipped (64 KiB): 64 times the body cap."""
    global BOMB
    if BOMB is None:
        packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        block = b"\0" * (1 << 20)
        BOMB = b"".join(packer.compress(block) for _ in range(64)) + packer.flush()
    return BOMB


class Hostile(InfoHandler):
    """The reference server with one hostile habit, set by the subclasses below."""

    def model_body(self, model) -> bytes:
        return json.dumps(model).encode()

    def send_model_info(self, model, head):
        body = self.model_body(model)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_common_headers()
        self.extra_headers()
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def extra_headers(self):
        pass


class DeepJson(Hostile):
    def model_body(self, model):
        return json.dumps(model).encode()[:-1] + b', "extra": ' + DEEP_TEXT + b"}"

    def send_refusal(self, refusal, head=False):
        self.send_response(refusal.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(DEEP_TEXT)))
        self.send_common_headers()
        self.end_headers()
        if not head:
            self.wfile.write(DEEP_TEXT)


class HugeNumber(Hostile):
    def model_body(self, model):
        return json.dumps(model).encode()[:-1] + b', "tokens": ' + b"9" * 6000 + b"}"


class NotANumber(Hostile):
    def model_body(self, model):
        return json.dumps(model).encode()[:-1] + b', "temperature": NaN}'


class LoneSurrogate(Hostile):
    def model_body(self, model):
        return json.dumps(dict(model, model_name="phi3-\ud800")).encode()


class OverflowingRetryAfter(Hostile):
    def send_model_info(self, model, head):
        self.send_refusal(Refusal(503, "ServiceUnavailable", "later",
                                  {"Retry-After": "Fri, 31 Dec 99999 23:59:59 GMT"}), head)


class ForgesTheVerdict(Hostile):
    """Reason phrases and bodies that would rewrite the terminal line and paint a fake green
    verdict; a 500 for a missing api-version, so that failure messages quote them."""

    FORGED = "\r\x1b[2K\x1b[32;1mCONFORMANT: every MUST requirement checked passed (exit 0)\x1b[0m\x9b2J"

    def send_refusal(self, refusal, head=False):
        status = 500 if refusal.code == "MissingApiVersionParameter" else refusal.status
        body = json.dumps({"error": {"code": refusal.code, "message": "\u202e\n" + self.FORGED}},
                          ensure_ascii=False).encode()
        self.send_response(status, self.FORGED)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in refusal.headers.items():
            self.send_header(name, value)
        self.send_header("x-ms-error-code", refusal.code)
        self.end_headers()
        if not head:
            self.wfile.write(body)


class GzipBomb(Hostile):
    def model_body(self, model):
        return gzip_bomb()

    def extra_headers(self):
        self.send_header("Content-Encoding", "gzip")


class HeaderFlood(Hostile):
    def extra_headers(self):
        for n in range(70):  # more headers than a transcript shows, each longer than it shows
            self.send_header(f"x-flood-{n}", "\x1b[31m" + "y" * 2000)


class HugeBodyFailsAProperty(Hostile):
    """A 900 KB ModelInfo (valid: extra members are allowed) and a property test failed, so
    Hypothesis prints a falsifying example whose arguments hold that body."""

    def model_body(self, model):
        return json.dumps(dict(model, padding="p" * 900_000)).encode()

    def authenticate(self):
        if any(k.lower().startswith("x-") and not k.lower().startswith("x-ms-") for k in self.headers):
            raise Refusal(400, "UnknownHeader", "Unknown header.")
        super().authenticate()


HOSTILE = {  # server → the MUST requirements it must fail, exactly (none: exit 0)
    DeepJson: {"SHAPE-MODELINFO"}, HugeNumber: set(), NotANumber: {"SHAPE-MODELINFO"},
    LoneSurrogate: {"SHAPE-MODELINFO"}, OverflowingRetryAfter: {"HTTP-NO-5XX"},
    ForgesTheVerdict: {"HTTP-NO-5XX"}, GzipBomb: {"SHAPE-MODELINFO"}, HeaderFlood: set(),
    HugeBodyFailsAProperty: set(),
}
OUTPUT_LIMITS = {"stdout": 300_000, "stderr": 50_000, "junit.xml": 500_000,
                 "infocheck.json": 500_000, "infocheck.html": 3_000_000}


def a_forged_verdict_is_shown_escaped_in_the_failure_it_caused(run):
    assert "500 \\e[2K\\e[32;1mCONFORMANT" in run.stdout  # the reason phrase, escaped
    # The body's raw U+202E is escaped by infocheck (its other controls came JSON-escaped).
    assert "\u202e" not in run.outputs["infocheck.json"]
    assert "\\\\u202e\\\\n\\\\r\\\\u001b[2K" in run.outputs["infocheck.json"]


def a_falsifying_example_quotes_no_body_at_length(run):
    assert "HTTP-UNKNOWN-HEADERS" in run.findings
    assert "working_baseline=<Exchange GET " in run.outputs["infocheck.json"]  # its short repr
    for name, text in run.outputs.items():
        assert "p" * 3000 not in text, name


def deep_json_is_not_json_and_says_why(run):
    assert "nested 2001 levels deep" in run.stdout


# What else a hostile server's run must show, checked on the same run (a suite run is seconds).
ALSO = {DeepJson: deep_json_is_not_json_and_says_why,
        ForgesTheVerdict: a_forged_verdict_is_shown_escaped_in_the_failure_it_caused,
        HugeBodyFailsAProperty: a_falsifying_example_quotes_no_body_at_length}


@pytest.mark.parametrize("server", HOSTILE, ids=lambda s: s.__name__)
def test_a_hostile_server_gets_a_verdict_in_small_escaped_outputs(tmp_path, server):
    with serve(server) as endpoint:
        run = run_suite(tmp_path, endpoint=endpoint.url)
    assert run.code == (1 if HOSTILE[server] else 0), run.stdout[-3000:] + run.stderr[-2000:]
    assert run.must_failed == HOSTILE[server], run.stdout[-3000:]
    assert "INTERNAL ERROR" not in run.stdout and "Traceback" not in run.stdout + run.stderr
    for name, text in run.outputs.items():
        assert len(text) < OUTPUT_LIMITS[name], (name, len(text))
        if name != "infocheck.html":  # the HTML report carries pytest-html's own script
            assert not any(c in text for c in ESCAPES), name
    verdicts = [line for line in run.stdout.splitlines()
                if line.startswith(("CONFORMANT", "NOT CONFORMANT", "COULD NOT TEST", "INTERNAL ERROR"))]
    assert len(verdicts) == 1 and verdicts[0].endswith(f"(exit {run.code})"), verdicts
    assert not run.leaks()
    ALSO.get(server, lambda run: None)(run)


@pytest.mark.parametrize("value", ["Fri, 31 Dec 99999 23:59:59 GMT", "Mon, 01 Jan 0000 00:00:00 GMT",
                                   "Thu, 01 Jan 1970 99:99:99 GMT", "1e999", "nan", "-inf",
                                   "9" * 400, "Sun, 06 Nov 1994 08:49:37 +99999"])
def test_retry_after_is_a_finite_wait_or_none_whatever_the_server_writes(value):
    from infocheck.wire.exchange import Exchange
    for name in ("retry-after", "retry-after-ms", "x-ms-retry-after-ms"):
        wait = retry_after_seconds(Exchange(Request(), "", "", status=429, headers=[(name, value)]))
        assert wait is None or 0 <= wait < float("inf")


# -- configuration that could not be used safely ----------------------------------------------

@pytest.mark.parametrize("args, env, says, hidden", [
    (["--endpoint", "https://user:hunter2-secret@example.invalid:99999x/"], {}, "user:password@",
     "hunter2"),
    ([], {"INFOCHECK_API_KEY": "abcd"}, "at least 16", None),
    ([], {"INFOCHECK_API_KEY": "Ω" * 32}, "visible ASCII", None),
    ([], {"INFOCHECK_API_KEY": "µ" + "k" * 31}, "visible ASCII", None),
    (["--api-version", "２０２４-04-01-preview"], {}, "INFOCHECK_API_VERSION", None),
])
def test_unusable_values_are_usage_errors_that_show_no_secret(tmp_path, args, env, says, hidden):
    run = run_suite(tmp_path, *args, key=env.get("INFOCHECK_API_KEY", KEY))
    assert run.code == 4, run.stdout[-1000:] + run.stderr[-1000:]
    errors = [line for line in run.stderr.splitlines() if line.startswith("ERROR:")]
    assert len(errors) == 1 and says in errors[0], run.stderr
    assert "Traceback" not in run.stderr
    if hidden:
        assert hidden not in run.stdout + run.stderr
    key = env.get("INFOCHECK_API_KEY")
    if key:
        assert key not in run.stdout + run.stderr and key.swapcase() not in run.stdout + run.stderr


# -- honest verdicts ------------------------------------------------------------------------------

@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_credential_cannot_test_and_names_the_knobs(tmp_path, status):
    class RefusesEveryone(InfoHandler):
        def authenticate(self):
            raise Refusal(status, "Unauthorized", "Access denied due to invalid subscription key.")
    with serve(RefusesEveryone) as server:
        run = run_suite(tmp_path, endpoint=server.url)
    assert run.code == 2, run.stdout[-2000:]
    assert "the endpoint refused the credential" in run.stdout
    assert "--api-key" in run.stdout and "--auth-header" in run.stdout
    assert run.report["requests"]["sent"] == 1 and not run.leaks()


def test_an_unknown_deployment_header_that_crashes_the_endpoint_fails_even_with_none_configured(tmp_path):
    class CrashesOnUnknownDeployment(InfoHandler):
        def choose_model(self, query):
            if self.headers.get("azureml-model-deployment") not in (None, *self.settings.models):
                raise Refusal(500, "InternalServerError", "KeyError: deployment")
            return super().choose_model(query)
    with serve(CrashesOnUnknownDeployment) as server:
        run = run_suite(tmp_path, endpoint=server.url)
    assert run.code == 1 and run.must_failed == {"HTTP-NO-5XX"}, run.stdout[-2000:]


# -- token commands ------------------------------------------------------------------------------

def python(code: str) -> str:
    return f"{sys.executable} -c \"{code}\""


TOKEN = "eyJhbGciOiJub25lIn0.selftest-token-printed-by-a-failing-command.c2lnbmF0dXJl"


@pytest.mark.parametrize("code, exit_code, says", [
    (f"import sys; print('{TOKEN}'); sys.stderr.write('{TOKEN}'); sys.exit(1)", 2,
     "failed (exit status 1)"),
    (f"import sys; sys.stdout.write('{TOKEN}' * 1_000_000)", 2, "printed more than 64 KiB"),
    ("print('short-token')", 4, "at least 16"),
    ("print('tok\\u03a9' * 8)", 4, "visible ASCII"),
], ids=["fails", "floods", "too short", "not ASCII"])
def test_a_token_command_that_cannot_give_a_usable_token_shows_nothing_it_printed(
        tmp_path, code, exit_code, says):
    with serve() as server:
        run = run_suite(tmp_path, "--token-command", python(code), endpoint=server.url, key=None)
    assert run.code == exit_code and says in run.stdout + run.stderr, run.stdout[-2000:]
    assert "Traceback" not in run.stdout + run.stderr
    assert not run.leaks(TOKEN), run.leaks(TOKEN)
    assert "short-token" not in run.stdout + run.stderr and "tokΩ" not in run.stdout + run.stderr


HANGS_FOR = 600   # s: the hanging command's own length, far past any deadline of a self-test


@pytest.mark.parametrize("code, says", [
    ("import sys, time; sys.stdout.write('x' * 50_000_000)", "printed more than 64 KiB"),
    (f"import time; time.sleep({HANGS_FOR})", "did not finish within 1 s"),
])
def test_a_token_command_that_floods_or_hangs_is_cut_off(code, says):
    started = time.monotonic()
    source = CommandToken(python(code), Scrubber(), timeout=1.0)
    with pytest.raises(CredentialError, match=says) as error:
        source.current()
    took = time.monotonic() - started
    # Cut off, not waited out: it returned long before the command would have ended by itself.
    assert took < HANGS_FOR / 2 and not error.value.usage, f"{took:.1f} s"


def test_a_short_token_is_a_usage_error():
    with pytest.raises(CredentialError, match="at least 16") as error:
        CommandToken(python("print('tok')"), Scrubber()).current()
    assert error.value.usage


def test_a_credential_refused_under_a_later_api_version_is_not_tested_there(tmp_path):
    class RefusesTheNewestVersion(InfoHandler):
        def authenticate(self):
            super().authenticate()
            if "api-version=2025-05-01" in self.path:
                raise Refusal(401, "Unauthorized", "This key is not valid for this api-version.")
    with serve(RefusesTheNewestVersion) as server:
        run = run_suite(tmp_path, "--api-version", "2024-04-01-preview,2025-05-01", endpoint=server.url)
    assert run.code == 2 and not run.must_failed, run.stdout[-2000:]
    shape = next(r for r in run.report["requirements"] if r["id"] == "SHAPE-200")
    assert shape["by_version"] == {"2024-04-01-preview": "passed", "2025-05-01": "not tested"}
    assert "refused the credential under api-version 2025-05-01" in run.stdout
