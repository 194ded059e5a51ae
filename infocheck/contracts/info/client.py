"""`InfoClient`: how a test asks for an exchange. Builds `Request`s from intent (which
credential, which api-version, which deployment), sends them through the session's `Probe`,
and records every exchange on the test for the report. It knows nothing of pytest: a request
that cannot be answered raises `NotTested`, which pytest reports as a skip."""
from __future__ import annotations

from infocheck.configuration.config import Config, Route
from infocheck.wire.exchange import Credential, Exchange, Request
from infocheck.wire.probe import NOT_TESTED, NotTested, Probe
from infocheck.wire.secret import EXACT, KeyVariant
DEFAULT = object()
JSON_ACCEPT = ("Accept", "application/json")


def credential_header(form: str, variant: KeyVariant = EXACT) -> tuple[str, Credential]:
    if form == "bearer":
        return ("Authorization", Credential("Bearer ", variant))
    return ("api-key", Credential("", variant))


class OnceCache:
    """Exchanges sent once a run and read by every test that makes the same request."""

    def __init__(self, seeded: dict | None = None):
        self._known: dict = dict(seeded or {})

    def get(self, request: Request, send) -> "Exchange | NotTested":
        if request not in self._known:
            self._known[request] = send()
        return self._known[request]


class InfoClient:
    def __init__(self, probe: Probe, config: Config, shared: OnceCache, recorded: list[Exchange]):
        self.probe, self.config = probe, config
        self._shared, self._recorded = shared, recorded
        self._explored: dict[Request, Exchange] = {}

    def __repr__(self) -> str:
        return f"<InfoClient {self.probe.info_url}>"

    @property
    def api_version(self) -> str:
        return self.config.api_version

    @property
    def deployments(self) -> tuple[str, ...]:
        return self.config.deployments

    def credentials(self, variant: KeyVariant = EXACT, form: str | None = None) -> tuple:
        return (credential_header(form or self.config.auth_header, variant),)

    @property
    def route(self) -> Route | None:
        return self.config.route

    def request(self, *, method="GET", api_version=DEFAULT, query=(), auth=DEFAULT,
                headers=(), route=DEFAULT) -> Request:
        """A request for /info; by default the positive one (valid key, configured version,
        the configured route). `route=None` names no deployment or model."""
        version = self.api_version if api_version is DEFAULT else api_version
        route = self.route if route is DEFAULT else route
        params = (() if version is None else (("api-version", version),))
        params += (route.query() if route else ()) + tuple(query)
        all_headers = [JSON_ACCEPT]
        all_headers += list(self.credentials() if auth is DEFAULT else auth)
        all_headers += list(route.headers() if route else ())
        all_headers += list(headers)
        return Request(method=method, query=params if params else None, headers=tuple(all_headers))

    def positive_request(self) -> Request:
        """The positive request, or the same without credentials when none was given."""
        return self.request(auth=self.credentials() if self.probe.has_credential else ())

    def send(self, request: Request) -> Exchange:
        try:
            exchange = self.probe.send(request)
        except NotTested as reason:
            raise NotTested(NOT_TESTED + str(reason)) from None
        self._recorded.append(exchange)
        return exchange

    def get(self, **intent) -> Exchange:
        return self.send(self.request(**intent))

    def once(self, **intent) -> Exchange:
        """The exchange for this request, sent once a run and shared by every test that makes
        the same request (the cache is keyed by the request itself)."""
        request = self.request(**intent)

        def send():
            try:
                return self.probe.send(request)
            except NotTested as reason:
                return NotTested(NOT_TESTED + str(reason))

        found = self._shared.get(request, send)
        if isinstance(found, NotTested):
            raise NotTested(str(found))
        self._recorded.append(found)
        return found

    def explore(self, request: Request, budget: int) -> Exchange:
        """For Hypothesis: identical requests are answered from memory (the final replay of a
        falsifying example costs nothing), and past `budget` requests shrinking stops."""
        if request not in self._explored:
            if len(self._explored) >= budget:
                from hypothesis import reject
                reject()
            self._explored[request] = self.send(request)
        elif self._explored[request] not in self._recorded:
            self._recorded.append(self._explored[request])
        return self._explored[request]
