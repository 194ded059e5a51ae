"""`ContractClient`: how a test asks for an exchange, whatever the contract. A contract's client
builds `Request`s from intent (which credential, which api-version, which route) and sends them
here, through the session's `Probe`; every exchange is recorded on the test for the report. It
knows nothing of pytest: a request that cannot be answered raises `NotTested`, and a near miss
that would be the key itself `unittest.SkipTest`, both of which pytest reports as skips."""
from __future__ import annotations

import secrets
import unittest

from infocheck.wire.exchange import Credential, Exchange, Request
from infocheck.wire.not_tested import NotTested, OffBase
from infocheck.wire.probe import Probe
from infocheck.wire.secret import EXACT, KeyVariant

DEFAULT = object()   # "as the run is configured", where None means "none at all"
JSON_ACCEPT = ("Accept", "application/json")
WRONG_KEY = secrets.token_hex(16)   # random, so never anyone's key; one a run, so once() shares it


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


class ContractClient:
    def __init__(self, probe: Probe, config, shared: OnceCache, recorded: list[Exchange]):
        self.probe, self.config = probe, config
        self._shared, self._recorded = shared, recorded
        self._explored: dict[Request, Exchange] = {}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.probe.target_url}>"

    @property
    def api_version(self) -> str:
        return self.config.api_version

    def credentials(self, variant: KeyVariant = EXACT, form: str | None = None) -> tuple:
        return (credential_header(form or self.config.auth_header, variant),)

    def near_miss_credentials(self, variant: KeyVariant) -> tuple:
        """The credential with its key changed as `variant` says. A change that leaves this key
        as it is (the case of a key without letters) would only send the key: the test is
        skipped, with that said."""
        if not self.probe.differs_from_key(variant):
            raise unittest.SkipTest(f"{variant.label} is the key itself (it has no letters)")
        return self.credentials(variant)

    def wrong_credentials(self) -> tuple:
        """The configured header carrying a key that is nobody's."""
        return (("Authorization", f"Bearer {WRONG_KEY}") if self.config.auth_header == "bearer"
                else ("api-key", WRONG_KEY),)

    def request(self, **intent) -> Request:
        raise NotImplementedError

    def positive_request(self) -> Request:
        """The positive request, or the same without credentials when none was given."""
        return self.request(auth=self.credentials() if self.probe.has_credential else ())

    def send(self, request: Request) -> Exchange:
        exchange = self.probe.send(request)
        self._recorded.append(exchange)
        return exchange

    def get(self, **intent) -> Exchange:
        return self.send(self.request(**intent))

    def once(self, **intent) -> Exchange:
        """The exchange for this request, sent once a run and shared by every test that makes
        the same request (the cache is keyed by the request itself)."""
        return self.once_for(self.request(**intent))

    def once_for(self, request: Request) -> Exchange:
        def send():
            try:
                return self.probe.send(request)
            except NotTested as reason:
                return reason

        found = self._shared.get(request, send)
        if isinstance(found, OffBase):   # its data, for the test that knows whose fault it is
            raise OffBase(found.url, found.base, found.why)
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
