"""What every contract's reference server is made of, with the standard library only: a JSON
handler whose steps are methods (so the self-tests build faulty variants by overriding one step
each), the credential rules every contract shares, and a server on a loopback port.

A contract's handler (contracts/NAME/server.py) routes, checks and answers; this base sends
its JSON, refuses other methods politely, and accepts the key as `Authorization: Bearer` or as
`api-key`, or both at once, as the official SDKs send it, and the configured tokens as Bearer.
"""
from __future__ import annotations

import datetime as dt
import hmac
import json
import os
import re
import signal
import sys
import threading
import traceback
import uuid
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from infocheck import __version__
from infocheck.wire.printable import printable

ALLOWED_METHODS = "GET, HEAD"
CLIENT_REQUEST_ID = re.compile(r"^[\x21-\x7e]{1,200}$")
VISIBLE_ASCII = re.compile(r"[\x21-\x7e]+")
# METHOD SP TARGET SP VERSION: visible ASCII words, one space apart (RFC 9112 section 3: a bare
# CR, a tab or another control is no separator, and HTTP/0.9's line without a version is gone).
REQUEST_LINE = re.compile(rb"[\x21-\x7e]+ [\x21-\x7e]+ [\x21-\x7e]+\r?\n?")
BAD_LINE = "the request line is not a method, a target and a version one space apart in visible ASCII"
BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
SHOWN_REQUEST_LINE = 300   # characters of a client's request line a log line shows at most
SHOWN_NOTE = 160
LOG_LINE_LIMIT = 4000      # a log line's bound, besides (a request line escaped is at most 4 x 300)


def target_problem(method: str, target: str) -> str:
    """Why a request target is malformed ('' if it is not), as RFC 9112 section 3.2 has the
    forms: a path (origin-form), an absolute http(s) URL, or * for OPTIONS; visible ASCII
    only, every % followed by two hex digits. Such a target is answered 400, before a
    handler parses it."""
    if not VISIBLE_ASCII.fullmatch(target):
        return ("has a character a request target cannot carry (visible ASCII only; others go "
                "percent-encoded)")
    if target == "*":
        return "" if method == "OPTIONS" else "is * (the asterisk form), which only OPTIONS takes"
    if BAD_PERCENT.search(target):
        return "has a % that is not followed by two hex digits"
    try:
        parts = urlsplit(target)
        parts.port   # raises ValueError on a port that is no port
    except ValueError:
        return "is not a URL (its authority cannot be read)"
    if target.startswith("/"):
        return ""
    if parts.scheme in ("http", "https") and target.lower().startswith(parts.scheme + "://") \
            and parts.hostname:
        return ""
    return "is neither a path (/...) nor an absolute http(s) URL"


def shown_request_line(raw: bytes) -> str:
    """A client's request line as a log shows it: one line of visible ASCII, every other byte
    escaped (\\e, \\r, \\xff), cut to SHOWN_REQUEST_LINE characters with its length noted."""
    return printable(raw.rstrip(b"\r\n").decode("ascii", "backslashreplace"), SHOWN_REQUEST_LINE)


@dataclass
class ServerSettings:
    api_key: str
    base_path: str = ""
    tokens: tuple = ()    # Bearer tokens accepted besides the key (never as api-key)


class Refusal(Exception):
    """An error answer: status, error code, message, extra headers."""

    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


class JSONHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # What an error before the version is read answers as: with a status line (HTTP/0.9, the
    # standard library's default, would send the error page alone).
    default_request_version = "HTTP/1.0"
    server_version = f"infocheck-reference/{__version__}"
    timeout = 30  # a client that stalls mid-request does not hold a thread for ever
    # Headers and body go out as two writes; with Nagle on, the body waits for the client's
    # delayed ACK (~40 ms a request on loopback).
    disable_nagle_algorithm = True
    settings: ServerSettings  # set on the subclass the server builds

    def version_string(self) -> str:
        return self.server_version

    # -- the request line ------------------------------------------------------------------

    _note = ""              # why the request was refused before a handler saw it (its log line says)
    _sending_error = False

    def parse_request(self) -> bool:
        """The request line's form, then the standard library's parsing, then the request
        target's form: a malformed line or target is answered 400 here, so no handler's
        route() parses it. (A line of nothing but its end is skipped, as RFC 9112 allows.)"""
        if self.raw_requestline.rstrip(b"\r\n") and not REQUEST_LINE.fullmatch(self.raw_requestline):
            self.command, self.close_connection = None, True
            self.request_version = self.default_request_version
            self.send_error(400, BAD_LINE)   # the headers are not read: the standard answer
            return False
        if not super().parse_request():
            return False
        # The target as the client sent it: the standard library has made a leading // one /
        # of self.path by now (against open redirects), so //[::1 would read as a path.
        words = self.requestline.split()
        problem = target_problem(self.command, words[1] if len(words) >= 2 else self.path)
        if not problem:
            return True
        self.discard_body()
        self.close_connection = True
        self._note = f"the request target {problem}"
        self.send_refusal(Refusal(400, "BadRequest", f"The request target {problem}.",
                                  {"Connection": "close"}), head=self.command == "HEAD")
        return False

    def send_error(self, code, message=None, explain=None):
        # The standard library logs "code N, message M" and then the request's line: here the
        # two are one line (log_request).
        self._note = message or ""
        self._sending_error = True
        try:
            super().send_error(code, message, explain)
        finally:
            self._sending_error = False

    # -- dispatch --------------------------------------------------------------------------

    def do_GET(self):
        self.serve(head=False)

    def do_HEAD(self):
        self.serve(head=True)

    def do_OPTIONS(self):
        self.discard_body()
        self.send_response(204)
        self.send_header("Allow", ALLOWED_METHODS)
        self.send_common_headers()
        self.send_header("Content-Length", "0")
        self.end_headers()

    def __getattr__(self, name):
        if name.startswith("do_"):  # every other method: 405, not the standard library's 501
            return self.method_not_allowed
        raise AttributeError(name)

    def method_not_allowed(self):
        self.discard_body()
        if self.route() is None:
            return self.send_refusal(Refusal(404, "NotFound", "No such route."))
        self.send_refusal(Refusal(405, "MethodNotAllowed",
                                  f"{self.command} is not allowed; use GET.",
                                  {"Allow": ALLOWED_METHODS}))

    # -- what a contract's handler defines ---------------------------------------------------

    def serve(self, head: bool):
        raise NotImplementedError

    def route(self):
        """What the path names, or None where nothing is served (404)."""
        raise NotImplementedError

    def send_refusal(self, refusal: Refusal, head: bool = False) -> None:
        raise NotImplementedError

    # -- credentials -------------------------------------------------------------------------

    def authenticate(self) -> None:
        key = self.settings.api_key
        authorizations = self.headers.get_all("Authorization") or []
        api_keys = self.headers.get_all("api-key") or []
        if not authorizations and not api_keys:
            raise Refusal(401, "Unauthorized", "Credentials are missing: send 'Authorization: "
                          "Bearer <key>' or 'api-key: <key>'.",
                          {"WWW-Authenticate": 'Bearer realm="infocheck-reference"'})

        def matches(offered: str | None, accepted) -> bool:
            return offered is not None and any(hmac.compare_digest(offered.encode(), a.encode())
                                               for a in accepted)

        bearers = []
        for value in authorizations:
            scheme, _, token = value.strip().partition(" ")
            bearers.append(token.strip() if scheme.lower() == "bearer" and token.strip() else None)
        valid = all(matches(t, (key,) + tuple(self.settings.tokens)) for t in bearers) and \
            all(matches(v.strip(), (key,)) for v in api_keys)
        if not valid:
            raise Refusal(401, "Unauthorized", "The credentials are not valid.",
                          {"WWW-Authenticate": 'Bearer realm="infocheck-reference", error="invalid_token"'})

    # -- the wire --------------------------------------------------------------------------

    def encode(self, document) -> bytes:
        return json.dumps(document).encode("utf-8")

    def content_type(self) -> str:
        return "application/json"

    def send_common_headers(self) -> None:
        self.send_header("x-ms-request-id", str(uuid.uuid4()))
        client_id = self.headers.get("x-ms-client-request-id")
        if client_id and CLIENT_REQUEST_ID.match(client_id):
            self.send_header("x-ms-client-request-id", client_id)

    def send_json(self, status: int, document, headers: dict, head: bool) -> None:
        body = self.encode(document)
        self.send_response(status)
        self.send_header("Content-Type", self.content_type())
        self.send_header("Content-Length", str(len(body)))
        self.send_common_headers()
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def discard_body(self) -> None:
        length = self.headers.get("Content-Length")
        if length and length.isdigit():
            self.rfile.read(min(int(length), 1 << 20))

    # -- the log: one line a request, nothing the client sent unescaped ----------------------

    def log_request(self, code="-", size="-"):
        if isinstance(code, HTTPStatus):
            code = code.value
        note, self._note = self._note, ""
        line = shown_request_line(getattr(self, "raw_requestline", b"") or b"")
        self.log_message('"%s" %s %s%s', line, code, size,
                         f" ({printable(note, SHOWN_NOTE)})" if note else "")

    def log_error(self, format, *args):
        if not self._sending_error:   # send_error's own line is the request's (log_request)
            self.log_message(format, *args)

    def log_message(self, format, *args):
        if getattr(self.server, "verbose", False):
            self.server.log(f"{self.address_string()} {printable(format % args, LOG_LINE_LIMIT)}")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    parent = None      # in a forked server: the process that must still be there
    verbose = False
    log_stream = None  # where log lines go: standard error unless set (the self-tests read them)
    _log_lock = threading.Lock()

    def log(self, line: str) -> None:
        """One line, timed, escaped (no control character, nor a second line, reaches the
        terminal)."""
        stream = self.log_stream or sys.stderr
        with self._log_lock:
            stream.write(f"{dt.datetime.now():%H:%M:%S} {printable(line)}\n")
            stream.flush()

    def handle_error(self, request, client_address):
        # A client that hangs up mid-answer (as infocheck does past its body limit) is normal.
        # Anything else is a fault of the handler's: one line, not a traceback that would carry
        # what the client sent to the terminal unescaped.
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return
        frame = traceback.extract_tb(error.__traceback__)[-1:] if error is not None else []
        where = f" at {os.path.basename(frame[0].filename)}:{frame[0].lineno}" if frame else ""
        self.log(f"{client_address[0]} the server failed on this request: "
                 f"{type(error).__name__}{where}: {printable(str(error), SHOWN_NOTE)}")

    def service_actions(self):
        if self.parent is not None and os.getppid() != self.parent:
            os._exit(0)     # the run that started this server is gone: so is the server


class ReferenceServer:
    """A contract's reference server on a loopback port: in a background thread, or (where
    the run will fork shards, which must not be forked from a process with other threads) in
    a forked process of its own."""

    def __init__(self, settings, handler: type[JSONHandler], host: str = "127.0.0.1",
                 port: int = 0, verbose: bool = False):
        handler_class = type(handler.__name__, (handler,), {"settings": settings})
        self.settings, self.handler = settings, handler
        self.httpd = _Server((host, port), handler_class)
        self.httpd.verbose = verbose
        self._thread: threading.Thread | None = None
        self._pid: int | None = None
        host, port = self.httpd.server_address[:2]
        self.url = f"http://{host}:{port}{settings.base_path}"

    def start(self) -> "ReferenceServer":
        if self._thread is not None:
            return self
        # A short poll: stop() waits for it, and every run that embeds the server stops it.
        self._thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,),
                                        name="infocheck-reference", daemon=True)
        self._thread.start()
        return self

    def start_in_a_process(self) -> "ReferenceServer":
        """Serve from a forked process, so this one keeps no thread of the server's (a thread
        alive at a later fork makes CPython 3.12+ warn, and may deadlock the child). Where
        there is no fork, a thread, as `start()`: there are no shards to fork either."""
        if not hasattr(os, "fork") or threading.active_count() > 1:
            return self.start()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:   # the server: never returns
            code = 0
            try:
                signal.signal(signal.SIGINT, signal.SIG_IGN)   # the run decides when to stop
                self.httpd.parent = parent
                self.httpd.serve_forever(0.05)
            except BaseException:   # noqa: BLE001 - a server's end is its own business
                code = 70
            finally:
                os._exit(code)
        self._pid = pid
        self.httpd.socket.close()   # the child listens; this process only knows the URL
        return self

    def stop(self) -> None:
        if self._pid is not None:
            try:
                os.kill(self._pid, signal.SIGKILL)
                os.waitpid(self._pid, 0)
            except OSError:
                pass
            self._pid = None
            return
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread = None
        self.httpd.server_close()

    def serve_forever(self) -> None:
        """In the foreground, until interrupted (the `infocheck serve` command)."""
        try:
            self.httpd.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            self.httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
