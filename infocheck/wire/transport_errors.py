"""What went wrong below HTTP, in one line: refused, DNS, TLS, a timeout, not HTTP at all, from
the chain of exceptions requests and urllib3 raise."""
from __future__ import annotations

import http.client
import socket
import ssl

import requests
import urllib3


def describe_transport_error(exc: BaseException, timeout: float) -> str:
    """One line naming what went wrong below HTTP: refused, DNS, TLS, timeout, not HTTP."""
    chain, seen = [], exc
    while seen is not None and len(chain) < 12:
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__ or (seen.args[0] if seen.args and
                                                     isinstance(seen.args[0], BaseException) else None)
    kinds = tuple(type(e) for e in chain)

    def has(*types):
        return any(issubclass(k, types) for k in kinds)

    text = " ".join(str(e) for e in chain)
    if has(requests.exceptions.SSLError, ssl.SSLError):
        return "TLS failure: " + (_last_line(chain, (ssl.SSLError,)) or "the handshake failed")
    # Before timeouts: urllib3's NewConnectionError is a subclass of ConnectTimeoutError.
    if has(urllib3.exceptions.NameResolutionError, socket.gaierror) or "Name or service" in text:
        return "DNS lookup failed: the host name does not resolve"
    if has(ConnectionRefusedError) or "Connection refused" in text:
        return "connection refused: nothing listens at that host and port"
    if has(requests.exceptions.ConnectTimeout, urllib3.exceptions.ConnectTimeoutError):
        return f"connection timed out after {timeout:g} s"
    if has(requests.exceptions.ReadTimeout, urllib3.exceptions.ReadTimeoutError, socket.timeout,
           TimeoutError) or "timed out" in text:
        return f"no answer within {timeout:g} s (timed out)"
    if has(http.client.BadStatusLine, http.client.RemoteDisconnected,
           http.client.LineTooLong) or "BadStatusLine" in text:
        return "not an HTTP answer: the server closed the connection or sent something else"
    if has(ConnectionResetError) or "reset by peer" in text:
        return "connection reset by the server"
    if has(requests.exceptions.ChunkedEncodingError, urllib3.exceptions.ProtocolError):
        return "the connection broke in the middle of the answer"
    if has(requests.exceptions.ContentDecodingError, urllib3.exceptions.DecodeError):
        return "the body could not be decoded as its Content-Encoding says"
    return f"transport error: {type(exc).__name__}"


def _last_line(chain, types) -> str:
    for e in reversed(chain):
        if isinstance(e, types):
            reason = getattr(e, "reason", None) or str(e)
            return str(reason).splitlines()[0][:160]
    return ""
