"""The wire under the `Probe`: one request, bounded as a whole in time and in size.

requests and urllib3 only bound each socket operation: a server that drips its status line a
byte a second, loops `100 Continue`, or dribbles the body keeps one request alive for as long
as it likes. Here a `Deadline` shuts the request's socket down when the whole request's time
is up, from connect to the last body byte, so every blocking read returns at once. The body
is read raw and decompressed here, with a cap on what is read and on what it decodes to, so a
gzip bomb costs no more memory than the cap.
"""
from __future__ import annotations

import socket
import threading
import time
import zlib

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

RAW_LIMIT_FACTOR = 4       # compressed bytes read at most, as a multiple of the body limit
READ_SIZE = 16 * 1024
_current = threading.local()


class DeadlineExceeded(Exception):
    """The whole request did not finish in time."""


class Deadline:
    """Armed for one request: when the time is up, the socket in use is shut down."""

    def __init__(self, seconds: float):
        self.ends = time.monotonic() + seconds
        self.fired = False
        self._lock = threading.Lock()
        self._socket = None
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def remaining(self) -> float:
        return max(0.001, self.ends - time.monotonic())

    def __enter__(self) -> "Deadline":
        _current.deadline = self
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self._timer.cancel()
        # Joined, so no timer thread outlives its request: a thread alive when --concurrency
        # forks its shards makes CPython 3.12+ warn (and may deadlock the child).
        self._timer.join()
        _current.deadline = None

    def watch(self, sock) -> None:
        """The socket this request uses. It is held here, not looked up on the connection at
        the end: http.client lets go of `conn.sock` while a close-delimited body is read."""
        with self._lock:
            self._socket = sock
            if self.fired:
                _shut(sock)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            if self._socket is not None:
                _shut(self._socket)


def _shut(sock) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _deadline() -> Deadline | None:
    """The Deadline of the request this thread is sending, if any."""
    return getattr(_current, "deadline", None)


class _Watched:
    """Hands the request's Deadline its socket: a new one as soon as it is connected (before
    any TLS handshake), a pooled one when it is reused. Connect is bounded by what remains."""

    def _new_conn(self):
        deadline = _deadline()
        if deadline is not None:
            self.timeout = deadline.remaining()
        sock = super()._new_conn()
        if deadline is not None:
            deadline.watch(sock)
        return sock

    def request(self, *args, **kwargs):
        deadline = _deadline()
        if deadline is not None and self.sock is not None:
            deadline.watch(self.sock)
        return super().request(*args, **kwargs)


class WatchedHTTPConnection(_Watched, HTTPConnection):
    pass


class WatchedHTTPSConnection(_Watched, HTTPSConnection):
    pass


class WatchedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = WatchedHTTPConnection


class WatchedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = WatchedHTTPSConnection


POOLS = {"http": WatchedHTTPConnectionPool, "https": WatchedHTTPSConnectionPool}


class DeadlineAdapter(HTTPAdapter):
    """An HTTPAdapter whose connections, direct or through a proxy, obey the Deadline."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(POOLS)

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if hasattr(manager, "pool_classes_by_scheme") and not proxy.lower().startswith("socks"):
            manager.pool_classes_by_scheme = dict(POOLS)
        return manager


def new_session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False   # never pick up ~/.netrc credentials
    session.headers.clear()
    adapter = DeadlineAdapter(max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class Body:
    """What was read of a body: the decoded bytes (at most `limit`), and whether there was more."""

    def __init__(self, data: bytes, over_limit: bool, note: str = ""):
        self.data, self.over_limit, self.note = data, over_limit, note


def read_body(raw: urllib3.HTTPResponse, content_encoding: str | None, limit: int,
              deadline: Deadline) -> Body:
    """Read the raw body and decode gzip/deflate here, bounded: at most `limit` decoded bytes,
    at most RAW_LIMIT_FACTOR × limit bytes from the wire, and nothing past the deadline."""
    decoder = _decoder(content_encoding)
    out, read_raw = bytearray(), 0
    while True:
        chunk = raw.read(READ_SIZE, decode_content=False)
        if deadline.fired:
            raise DeadlineExceeded()
        if not chunk:
            break
        read_raw += len(chunk)
        if decoder is None:
            out += chunk
        else:
            try:
                out += decoder.decompress(chunk, limit + 1 - len(out))
            except zlib.error:
                return Body(bytes(out[:limit]), False, f"the body is not valid {content_encoding}")
        if len(out) > limit or read_raw > RAW_LIMIT_FACTOR * limit:
            return Body(bytes(out[:limit]), True)
    if deadline.fired:
        raise DeadlineExceeded()
    return Body(bytes(out), False)


def _decoder(content_encoding: str | None):
    coding = (content_encoding or "").strip().lower()
    if coding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if coding == "deflate":
        return _Deflate()
    return None  # identity, or a coding infocheck does not decode: the body is kept as sent


class _Deflate:
    """'deflate' is zlib-wrapped by the RFC, raw in some servers: try the one, then the other."""

    def __init__(self):
        self._inner, self._tried_raw = zlib.decompressobj(), False

    def decompress(self, data: bytes, max_length: int) -> bytes:
        try:
            return self._inner.decompress(data, max_length)
        except zlib.error:
            if self._tried_raw:
                raise
            self._tried_raw = True
            self._inner = zlib.decompressobj(-zlib.MAX_WBITS)
            return self._inner.decompress(data, max_length)
