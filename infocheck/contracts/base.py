"""`Contract`: what the rest of infocheck may ask of a contract. Each contract's package defines
one subclass and registers its instance in contracts/__init__.py.

Configuration asks how an api-version is written and which header and token scope it takes,
and where the endpoint's surface is; the plugin asks for the contract's client, its fixtures
and suites, what makes an endpoint untestable beyond the transport, and an embedded reference
server; the judge and the reports read its requirement catalogue; `infocheck serve` asks for its
flavours, a reference server of one of them and the lines that introduce it.

Members marked abstract are what a contract must define itself; the registry
(contracts/__init__.py) refuses a contract that lacks one, or gives one of the wrong type, in
one line naming it. The rest have defaults a contract may override.
"""
from __future__ import annotations

from abc import abstractmethod
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

from infocheck import bundle
from infocheck.configuration.knobs import Knob, header_safe

REQUESTS_PER_VERSION = 300   # the default request cap of a run, per api-version checked

# A knob a contract may declare as its own (info's and models' do): the model the gate is about.
MODEL = Knob("model", "--model", "INFOCHECK_MODEL",
             "the model (or deployment) the gate is about: asked for by name where the contract "
             "has a way to (the model query parameter of 2025-04-01 and later for info).",
             parse=lambda v, label: header_safe(str(v), label, "model name"),
             rows=(("model", lambda c: c.model or "none"),), fleet_key="model")


class Contract:
    # What a contract must declare (the registry checks each is there, and of this type):
    name: ClassVar[str]             # as --contract takes it, and its registry key
    title: ClassVar[str]            # what it checks, in a few words
    fixtures_plugin: ClassVar[str]  # the module that holds the contract's pytest fixtures
    flavours: ClassVar[dict[str, str]]   # infocheck serve --flavour: name -> what it is like;
                                         # "reference" (the contract at its best) among them
    # What it may declare:
    default_api_version: ClassVar[str] = ""   # "" when the api-version is not sent by default
    version_noun: ClassVar[str] = "api-version"

    # Its own knobs (options, variables, fleet keys), beside the core's in knobs.KNOBS; a knob
    # two contracts declare is the same Knob.
    knobs: ClassVar[tuple[Knob, ...]] = ()
    # Its fleet links: {the contract a target's same_as may name: the keys of that target's
    # identity() handed over to this target's run (fleet/channel.py Linked)}.
    links: ClassVar[dict[str, tuple[str, ...]]] = {}

    DECLARED: ClassVar[dict[str, type]] = {"name": str, "title": str, "fixtures_plugin": str,
                                           "flavours": dict}

    # -- the interface kept ---------------------------------------------------------------------

    def interface_problem(self, name: str) -> str:
        """What keeps this contract from being the one registered as `name`, in a few words
        naming the member ('' if nothing); the registry asks it when the contract is first
        used, and refuses it in one line (ContractError)."""
        kind = type(self)
        missing = sorted(member for member in dir(kind)
                         if getattr(getattr(kind, member, None), "__isabstractmethod__", False))
        if missing:
            return (f"{kind.__name__} does not define {', '.join(m + '()' for m in missing)}, which "
                    "contracts.base.Contract declares")
        for member, expected in Contract.DECLARED.items():
            value = getattr(self, member, None)
            if value is None:
                return f"{kind.__name__} does not declare {member}, which contracts.base.Contract declares"
            if not isinstance(value, expected) or (expected is str and not value):
                return (f"{kind.__name__}.{member} is {type(value).__name__} {value!r:.60}, not "
                        f"{'a non-empty ' if expected is str else 'a '}{expected.__name__}")
        if self.name != name:
            return f"{kind.__name__}.name is {self.name!r}, not the name it is registered as"
        if "reference" not in self.flavours or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in self.flavours.items()):
            return (f"{kind.__name__}.flavours must map names to descriptions, 'reference' (the "
                    "contract at its best) among them")
        knobs = getattr(self, "knobs", ())
        if not isinstance(knobs, tuple) or not all(isinstance(k, Knob) for k in knobs):
            return f"{kind.__name__}.knobs must be a tuple of configuration.knobs.Knob"
        links = getattr(self, "links", {})
        if not isinstance(links, dict) or not all(isinstance(k, str) and isinstance(v, tuple)
                                                  for k, v in links.items()):
            return f"{kind.__name__}.links must map a contract's name to the identity keys it hands over"
        return ""

    # -- its data ---------------------------------------------------------------------------

    def data(self, kind: str) -> Path:
        """Its folder of `suites`, `schemas` or `fixtures`."""
        return bundle.folder(kind) / self.name

    @cached_property
    def catalogue(self):
        """Its own requirement catalogue, as it ships (fixtures/NAME/requirements.json)."""
        from infocheck.judging.catalogue import builtin
        return builtin(self)

    # -- configuration ------------------------------------------------------------------------

    @abstractmethod
    def parse_api_versions(self, raw: str, label: str) -> tuple[str, ...]:
        raise NotImplementedError

    def version_note(self, api_version: str) -> str:
        """What the header says of an api-version besides its name ('' if nothing)."""
        return ""

    def default_auth_header(self, api_version: str) -> str:
        return "bearer"

    @abstractmethod
    def token_scope(self, api_version: str) -> str:
        raise NotImplementedError

    def token_scopes(self) -> tuple[str, ...]:
        """Every scope the contract documents (its default, and each candidate api-version's):
        what a fleet file's azure_identity may ask for without the operator allowing more."""
        versions = (self.default_api_version,) + tuple(self.candidate_versions())
        return tuple(dict.fromkeys(self.token_scope(v) for v in versions))

    @abstractmethod
    def target_url(self, endpoint: str) -> str:
        """The URL the probe sends to (and may never leave the origin of), from the base URL."""
        raise NotImplementedError

    def check_endpoint(self, endpoint: str, label: str) -> None:
        """Refuse (ConfigError) a base URL that is plainly this contract's wrong base, naming
        the one to give. Called with the URL as given, once it is a safe http(s) URL and before
        its query or fragment is refused (so that one line says all that is wrong with it)."""

    def check(self, config) -> None:
        """Refuse (ConfigError) knobs that do not apply to this contract."""

    def rows(self, config) -> list[tuple[str, str]]:
        """Rows of the configuration table the contract adds (how requests are routed)."""
        return []

    def banner_rows(self, config) -> list[tuple[str, str]]:
        """What the verdict banner says of the run's route and models, besides its endpoint."""
        return self.rows(config)

    def request_cap(self, api_versions: tuple[str, ...]) -> int:
        return REQUESTS_PER_VERSION * max(1, len(api_versions))

    # -- running --------------------------------------------------------------------------------

    @abstractmethod
    def client(self, probe, config, shared, recorded):
        """The object its tests send requests through (a contracts.client.ContractClient)."""
        raise NotImplementedError

    def untestable(self, exchange, config) -> str | None:
        """Why the endpoint cannot be checked at all, judging by the answer to the positive
        request, beyond what the transport and a refused credential already say; or None."""
        return None

    def notices(self, exchange, config) -> list[str]:
        """Lines the header and the banner show about the positive answer (a retirement)."""
        return []

    def retirement(self, exchange) -> dict:
        """The dates the notices name, as data: {"sunset": Unix seconds, "deprecation": ...},
        only those the positive answer sent and could be read ({} if none)."""
        return {}

    def identity(self, exchange) -> dict:
        """What the positive answer says the endpoint serves ({} if nothing): kept in the
        report, where a fleet compares the surfaces of one deployment."""
        return {}

    def candidate_versions(self) -> tuple[str, ...]:
        """What --discover-versions tries ("" for none sent)."""
        return ()

    def discover_versions(self, probe, config) -> dict[str, str]:
        """Which candidate api-versions the endpoint accepts: one positive request each."""
        from infocheck.contracts.client import OnceCache
        from infocheck.wire.not_tested import NotTested
        found = {}
        for version in self.candidate_versions():
            client = self.client(probe, config.for_version(version), OnceCache(), [])
            try:
                exchange = probe.send(client.positive_request())
            except NotTested as reason:
                found[version or "none"] = f"not asked ({reason})"
                continue
            accepted = exchange.status == 200 and exchange.json_or_none() is not None
            found[version or "none"] = ("accepted" if accepted else "refused") + f": {exchange.status_line()}"
        return found

    # -- the reference server -------------------------------------------------------------------

    @abstractmethod
    def reference_server(self, key: str, flavour: str = "reference", tokens: tuple[str, ...] = (),
                         base_path: str | None = None, host: str = "127.0.0.1", port: int = 0,
                         verbose: bool = False) -> Any:
        """The reference server of `flavour` (one of `flavours`), not yet started: a
        server.base.ReferenceServer accepting `key` and `tokens`, at `base_path` (None: the
        flavour's own), on host:port (0: any free port), logging requests if `verbose`."""

    @abstractmethod
    def server_banner(self, server, flavour: str) -> list[str]:
        """The lines `infocheck serve` starts with: where the route is, what the flavour is
        like, what it serves and what to give infocheck."""

    def embedded_defaults(self) -> dict:
        """What a run against the embedded server asks for when the user named nothing:
        {Config field: value} (the deployments it serves, say)."""
        return {}

    def embedded_server(self, key: str):
        """The reference server on loopback, started in a process of its own for a run, and
        `embedded_defaults()`."""
        return self.reference_server(key).start_in_a_process(), self.embedded_defaults()
