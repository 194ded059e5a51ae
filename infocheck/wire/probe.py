"""The `Probe`: the only code that talks HTTP. It sends `Request`s and returns `Exchange`s.

Gentle by construction: a timeout on every call, a whole-run request cap, no redirects
followed, a cap on the body read, waits on 429/503 Retry-After within a bound, and it stops
sending after repeated transport failures instead of hammering a dead endpoint.

Nothing leaves home: each request is prepared first, and one whose prepared URL is not at the
target's origin and at or under its path (wire/base_path.py) is not sent (`OffBase`). What is
sent is that prepared request, through the adapter itself: no redirect is resolved (requests
would read a 3xx body whole to do so) and no cookie is kept from one request for the next.
"""
from __future__ import annotations

import http.client
import re
import time

import requests
import urllib3

from infocheck import __version__
from infocheck.wire.base_path import Base
from infocheck.wire.exchange import Credential, CredentialError, Exchange, Request
from infocheck.wire.not_tested import NO_CREDENTIAL, NotTested, OffBase, UnusableCredential
from infocheck.wire.retry_after import retry_after_seconds
from infocheck.wire.run_state import RunState
from infocheck.wire.secret import Scrubber
from infocheck.wire.transport import Deadline, DeadlineExceeded, new_session, read_body
from infocheck.wire.transport_errors import describe_transport_error

# Where the self-tests and the suites have imported them from; they live in their own modules.
__all__ = ["Probe", "NotTested", "OffBase", "UnusableCredential", "RunState", "retry_after_seconds",
           "describe_transport_error", "BREAKER", "USER_AGENT", "UNPREPARABLE"]

USER_AGENT = f"infocheck/{__version__} (+conformance suite)"
MAX_RETRIES = 3            # per request, on 429/503
MAX_SINGLE_WAIT = 30.0     # seconds; a longer Retry-After is not waited for
MAX_TOTAL_WAIT = 60.0      # seconds over the whole run
DEFAULT_BACKOFF = 1.0      # when a 429 names no wait
SENDABLE_HEADER = re.compile(r"[\x20-\x7e\x80-\xff]*")
BREAKER = 3                # consecutive unanswered requests before the probe stops sending


# What preparing a URL can raise (a host IDNA cannot encode, say): answered as a transport
# error, as when requests raised it while sending.
UNPREPARABLE = (requests.RequestException, urllib3.exceptions.HTTPError, ValueError, UnicodeError)


class Probe:
    def __init__(self, config, target_url: str, credential, scrubber: Scrubber,
                 max_requests: int | None = None, sleep=time.sleep, state: RunState | None = None):
        self.config = config
        self.target_url = target_url
        self._credential = credential  # KeyCredential, a TokenCredential, or None
        self._scrub = scrubber
        self._sleep = sleep
        self.max_requests = max_requests if max_requests is not None else config.max_requests
        self.sent = 0
        self.throttled = 0
        self.waited = 0.0
        self._last_error = "no answer"
        self._session = self._new_session()
        self._base = Base.of(self._prepared_url(target_url))
        self._owns_state = state is None
        self.state = state or RunState()
        self._own_pause = 0.0

    def _new_session(self) -> requests.Session:
        session = new_session()
        session.proxies.update(self.config.proxies)
        session.verify = self.config.ca_bundle or True
        return session

    @staticmethod
    def _prepared_url(url: str) -> str:
        """The target URL as requests will send it (host IDNA-encoded, path normalised), so
        that the base compares with prepared URLs; as given if requests cannot prepare it
        (then no request can be, and each says so as a transport error)."""
        prepared = requests.PreparedRequest()
        try:
            prepared.prepare_url(url, None)
        except UNPREPARABLE:
            return url
        return prepared.url

    def close(self) -> None:
        self._session.close()
        if self._owns_state:
            self.state.close()

    @property
    def has_credential(self) -> bool:
        return self._credential is not None

    @property
    def uses_token(self) -> bool:
        return getattr(self._credential, "kind", None) == "token"

    def credential_value(self) -> str:
        """The current key or token, for building a header. Raises NotTested if none can be had."""
        if self._credential is None:
            raise NotTested(NO_CREDENTIAL)
        try:
            return self._credential.current().reveal()
        except CredentialError as error:
            if error.usage:
                raise UnusableCredential(str(error)) from None
            raise NotTested(f"no credential: {error}") from None

    def differs_from_key(self, variant) -> bool:
        """Whether a near-miss variant really is another key (a case swap of '1234' is not)."""
        if self._credential is None:
            return True
        value = self.credential_value()
        return variant.apply(value) != value

    def send(self, request: Request) -> Exchange:
        """Send with retries on throttling. Raises NotTested when no verdict can come of it."""
        if self.state.unanswered >= BREAKER:
            raise NotTested(f"the endpoint stopped answering ({BREAKER} requests in a row got no "
                            f"answer, last: {self._last_error}); no more requests are sent")
        attempts = 0
        while True:
            self._wait_for_others()
            exchange = self._send_once(request)
            if exchange.status not in (429, 503) or attempts >= MAX_RETRIES:
                break
            wait = retry_after_seconds(exchange)
            if exchange.status == 503 and wait is None:
                break  # a 503 that asks for no wait is an answer, not throttling
            self.throttled += 1
            wait = DEFAULT_BACKOFF * 2 ** attempts if wait is None else wait
            if wait > MAX_SINGLE_WAIT or self.waited + wait > MAX_TOTAL_WAIT:
                raise NotTested(f"throttled: {exchange.status_line()} asked to wait {wait:.1f} s, "
                                f"more than infocheck waits (it waits up to {MAX_SINGLE_WAIT:g} s "
                                f"at once and {MAX_TOTAL_WAIT:g} s a run)")
            self._own_pause = self.state.pause(time.monotonic() + wait)
            self._sleep(wait)
            self.waited += wait
            attempts += 1
        if exchange.status == 429:
            raise NotTested(f"throttled: still 429 after {attempts} retries")
        exchange.throttled = attempts
        return exchange

    def _wait_for_others(self) -> None:
        """Another process of this run was told to wait: this one waits too, within the same
        bound on the run's total wait."""
        until = self.state.pause_until
        wait = until - time.monotonic()
        if until == self._own_pause or wait <= 0:
            return
        if self.waited + wait > MAX_TOTAL_WAIT:
            raise NotTested(f"throttled: the endpoint asked to wait {wait:.1f} s more, past the "
                            f"{MAX_TOTAL_WAIT:g} s infocheck waits a run")
        self._own_pause = until
        self._sleep(wait)
        self.waited += wait

    def _send_once(self, request: Request) -> Exchange:
        prepared, unprepared = self._prepare(request)
        if prepared is not None:
            why = self._base.leaves(prepared.url)
            if why is not None:   # checked before the cap: a request not sent costs nothing
                raise OffBase(self._scrub.text(prepared.url), self._scrub.text(self.target_url), why)
        if not self.state.take_request(self.max_requests):
            raise NotTested(f"request cap reached: {self.max_requests} requests sent "
                            "(raise it with --max-requests / INFOCHECK_MAX_REQUESTS)")
        url = prepared.url if prepared is not None else request.url(self.target_url)
        secret_var = getattr(self._credential, "env_var", "INFOCHECK_API_KEY")
        if getattr(self._credential, "kind", None) == "key" and getattr(self.config, "key_variable", None):
            secret_var = self.config.key_variable   # a fleet target's: its api_key_env
        exchange = Exchange(request=request, url=self._scrub.text(url), curl=self._scrub.text(
            request.curl(self.target_url, self.config.timeout, secret_var, sent_url=url)))
        self.sent += 1
        started = time.monotonic()
        try:
            if unprepared is not None:
                raise unprepared
            raw_headers, body = self._transmit(prepared, exchange)
        except _TransportError as failure:
            exchange.error = self._scrub.text(failure.reason)
            exchange.elapsed = time.monotonic() - started
            self.state.answered(False)
            self._last_error = exchange.error
            return exchange
        self.state.answered(True)
        exchange.elapsed = time.monotonic() - started
        raw_text = "\n".join([exchange.reason] + [f"{n}: {v}" for n, v in raw_headers]
                             + [body.data.decode("latin-1")])
        exchange.echoed_secret = self._scrub.contains_secret(raw_text)
        exchange.headers = [(self._scrub.text(n), self._scrub.text(v)) for n, v in raw_headers]
        exchange.body = self._scrub.bytes(body.data)
        exchange.body_over_limit = body.over_limit
        exchange.body_note = body.note
        exchange.reason = self._scrub.text(exchange.reason)
        return exchange

    def _prepare(self, request: Request):
        """(the request as it will be sent, None), or (None, the transport error) when requests
        cannot prepare its URL. Only what the Request names goes in: no session header, cookie
        or URL credential is merged (the session has none; `Base.leaves` refuses user@)."""
        headers = self._wire_headers(request)
        prepared = requests.PreparedRequest()
        try:
            prepared.prepare(method=request.method, url=request.url(self.target_url), headers=headers)
        except UNPREPARABLE as exc:
            return None, _TransportError(describe_transport_error(exc, self.config.timeout))
        return prepared, None

    def _wire_headers(self, request: Request) -> dict:
        headers = {"User-Agent": USER_AGENT}
        for name, value in request.headers:
            if isinstance(value, Credential):
                value = value.wire(self.credential_value())
            headers[name] = value
        for name, value in headers.items():
            # http.client would raise, showing the value; config validation makes this unreachable
            # for the key and its variants, so a failure here names the header only.
            if not SENDABLE_HEADER.fullmatch(value) or not SENDABLE_HEADER.fullmatch(name or " "):
                raise NotTested(f"the {name!r} header could not be sent: its value is not a valid "
                                "HTTP header value")
        return headers

    def _transmit(self, prepared: requests.PreparedRequest, exchange: Exchange):
        """The prepared request on the wire, bounded as a whole by the timeout
        (transport.Deadline). Sent by the adapter, not the session: Session.send would, even
        told not to follow a redirect, read a 3xx body whole (unbounded) to prepare the next
        request, and keep the cookies an answer sets for every later request, those without
        credentials too."""
        timeout = self.config.timeout
        failure = None
        with Deadline(timeout) as deadline:
            try:
                settings = self._session.merge_environment_settings(prepared.url, {}, True, None, None)
                response = self._session.get_adapter(prepared.url).send(
                    prepared, timeout=(timeout, timeout), **settings)
                try:
                    exchange.status = response.status_code
                    exchange.reason = response.reason or ""
                    answer_headers = list(response.raw.headers.items())
                    body = read_body(response.raw, response.raw.headers.get("content-encoding"),
                                     self.config.body_limit, deadline)
                finally:
                    response.close()
            except (DeadlineExceeded, requests.RequestException, urllib3.exceptions.HTTPError,
                    http.client.HTTPException, OSError, ValueError) as exc:
                if deadline.fired:  # whatever broke, it broke because the socket was cut
                    what = "no answer" if exchange.status is None else "the answer did not arrive whole"
                    failure = _TransportError(f"{what} within {timeout:g} s (timed out; the "
                                              "timeout bounds the whole request)")
                else:
                    failure = _TransportError(describe_transport_error(exc, timeout))
        if deadline.fired:  # the socket was cut: the pooled connection is gone too
            self._session.close()
            self._session = self._new_session()
        if failure is not None:
            raise failure
        return answer_headers, body


class _TransportError(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason
