"""Options and environment → one validated `Config`. Every knob (configuration/knobs.py) is
validated here, once; then the rules that span several knobs, the contract's own among them."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace

from infocheck import contracts
from infocheck.configuration import environment
from infocheck.configuration.knobs import (CONTRACT_KNOBS_AFTER, CORE_KNOBS, FLEET_KNOB,
                                           FLEET_TARGET_FIELDS, KNOB_BY_FIELD, KNOBS, ConfigError,
                                           Knob, contract_fields, declaring, renamed)
from infocheck.wire.secret import Secret

__all__ = ["Config", "ConfigError", "build_config"]


@dataclass(frozen=True)
class Config:
    """The run's settings. Built by `build_config` from `KNOBS` and nothing else. The core's
    knobs are its fields; the contracts' own (Contract.knobs) are in `contract_values` and read
    as attributes all the same (`config.deployments`)."""

    contract_name: str = contracts.DEFAULT   # the contract checked (infocheck.contracts)
    endpoint: str | None = None           # base URL as given, or None for the embedded server
    embedded_asked: bool = False          # --embedded: the embedded server checked on purpose
    api_versions: tuple[str, ...] = ("2024-04-01-preview",)   # every version the run checks
    api_key: Secret | None = None
    token_command: str | None = None
    azure_identity: bool = False
    token_scope: str | None = None
    auth_header_given: str | None = None  # --auth-header, if given; else each version's default
    timeout: float = 10.0
    max_requests: int = 300
    concurrency: int = 5
    fail_on_should: bool = False
    discover_versions: bool = False
    waivers: str | None = None
    requirements: tuple[str, ...] = ()
    policy: str | None = None
    report_dir: str | None = None
    report_json: str | None = None        # --report-json (plugin/report_paths.py places the file)
    history: object | None = None         # --history: the store's StoreURL (its password a Secret)
    history_keep: float | None = None     # seconds a run is kept (the knob's default 90d); None: forever
    fleet: str | None = None
    fleet_slice: tuple[int, int] | None = None
    fleet_jobs: int = 8
    fleet_target_timeout: float | None = None   # seconds a target's run may take (None: unbounded)
    fleet_env_prefixes: tuple[str, ...] = ()
    fleet_allow_token_commands: tuple[tuple[str, ...], ...] = ()   # each as the words it runs as
    fleet_allow_azure_identity: bool = False
    fleet_allow_token_scopes: tuple[str, ...] = ()
    api_version: str = ""                 # the version this Config is for (the first one of a run)
    embedded_server: bool = False         # endpoint is the reference server infocheck started
    concurrency_note: str = ""            # why the tests run otherwise than --concurrency says
    credential_source: str = ""           # in a fleet: where the target's credential comes from
    key_variable: str | None = None       # in a fleet: the variable its key is in (api_key_env)
    same_as: object | None = None         # in a fleet: what its same_as info target answered (fleet/channel.py Linked)
    body_limit: int = 1024 * 1024
    proxies: dict = field(default_factory=dict)
    ca_bundle: str | None = None
    contract_values: dict = field(default_factory=dict)   # the contracts' knobs, by field

    def __getattr__(self, name: str):
        """A contract's knob, read as an attribute: its value, or its default."""
        if name.startswith("_") or name == "contract_values":
            raise AttributeError(name)
        values = self.__dict__.get("contract_values") or {}
        if name in values:
            return values[name]
        if name in contract_fields():
            knob = KNOB_BY_FIELD[name]
            return knob.parse(knob.default, knob.label) if knob.default is not None else None
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def with_values(self, **changes) -> "Config":
        """This configuration with fields changed, a contract's knobs' among them."""
        own = {name: value for name, value in changes.items() if name not in contract_fields()}
        theirs = {name: value for name, value in changes.items() if name in contract_fields()}
        return replace(self, **own, contract_values={**self.contract_values, **theirs})

    @property
    def contract(self):
        """The `Contract` this run checks."""
        return contracts.get(self.contract_name)

    @property
    def auth_header(self) -> str:
        """How the credential goes on this api-version's positive path: a token always as
        Bearer; a key as --auth-header says, else as the contract says for the api-version."""
        if self.uses_token:
            return "bearer"
        return self.auth_header_given or self.contract.default_auth_header(self.api_version)

    def for_version(self, api_version: str) -> "Config":
        """This configuration as it applies to one api-version of the run."""
        return replace(self, api_version=api_version)

    @property
    def uses_token(self) -> bool:
        return bool(self.token_command or self.azure_identity)

    @property
    def scope(self) -> str:
        return self.token_scope or self.contract.token_scope(self.api_version)

    @property
    def embedded(self) -> bool:
        return self.endpoint is None

    @property
    def stand_in(self) -> bool:
        """The embedded reference server is checked because no endpoint was given, not because
        --embedded asked for it: whatever it earns, the run cannot pass."""
        return self.embedded_server and not self.embedded_asked

    def target_url(self) -> str:
        """Where the contract's requests go (the probe never leaves its origin)."""
        return self.contract.target_url(self.endpoint)

    def describe(self) -> list[tuple[str, str]]:
        """The effective configuration, safe to print (the credential shows as ***): the rows
        the knobs declare, in their order (a contract's knobs' only where the run's contract
        declares them), with the contract's own rows after its knobs'."""
        rows, own, core = [], set(self.contract.knobs), set(CORE_KNOBS)
        # The contracts' knobs follow CONTRACT_KNOBS_AFTER; the contract's rows follow them.
        block_end = max(i for i, k in enumerate(KNOBS) if k.field == CONTRACT_KNOBS_AFTER or k not in core)
        for index, knob in enumerate(KNOBS):
            if knob in core or knob in own:
                rows += [(title, show(self)) for title, show in knob.rows]
            if index == block_end:
                rows += self.contract.rows(self)
        return rows


def _given(knob: Knob, options: dict, environ: dict):
    """The knob's value as given (the option wins over the environment), or None."""
    given = options.get(knob.dest)
    if given not in (None, [], (), False):
        return given
    raw = environ.get(knob.env)
    if raw is None or raw.strip() == "":
        return None
    if knob.form in ("list", "lines"):
        parts = raw.split(",") if knob.form == "list" else raw.splitlines()
        return [part.strip() for part in parts if part.strip()]
    return raw if knob.field == "api_key" else raw.strip()   # a key is used exactly as given


def build_config(options: dict, environ: dict) -> Config:
    """Merge pytest option values (None when not given) with the environment: every knob
    parsed and validated by its declaration (the api-version as the chosen contract writes
    it), then the rules that span several knobs."""
    environ = renamed(environ)[0]   # a former variable is read as its new one
    problem = environment.unknown_variable(environ, [knob.env for knob in KNOBS])
    if problem:
        raise ConfigError(problem)
    in_fleet = _given(FLEET_KNOB, options, environ) is not None
    values = {}
    for knob in KNOBS:
        given = _given(knob, options, environ)
        if given is not None and in_fleet and knob.field in FLEET_TARGET_FIELDS:
            raise ConfigError(f"{knob.label}: with {FLEET_KNOB.label}, each target's settings come "
                              "from the fleet file, not from options or the environment")
        if knob.field in ("api_versions", "endpoint"):
            continue   # needs the contract: parsed below
        if given is None:
            given = knob.default
        values[knob.field] = knob.parse(given, knob.label) if given is not None else None
    values = {name: value for name, value in values.items() if value is not None}
    given = {knob.field for knob in KNOBS if _given(knob, options, environ) is not None}
    theirs = set(contract_fields())
    values["contract_values"] = {name: values.pop(name) for name in list(values) if name in theirs}
    contract = Config(**{"contract_name": values.get("contract_name", contracts.DEFAULT)}).contract
    endpoint_knob = KNOB_BY_FIELD["endpoint"]
    raw_endpoint = _given(endpoint_knob, options, environ)
    if raw_endpoint is not None:   # a contract's wrong base is refused before the URL's query
        values["endpoint"] = endpoint_knob.parse(raw_endpoint, endpoint_knob.label, contract)
    versions_knob = KNOB_BY_FIELD["api_versions"]
    raw_versions = _given(versions_knob, options, environ)
    values["api_versions"] = contract.parse_api_versions(
        contract.default_api_version if raw_versions is None else str(raw_versions), versions_knob.label)
    settings = Config(**values)
    settings = replace(settings, api_version=settings.api_versions[0],
                       max_requests=values.get("max_requests", contract.request_cap(settings.api_versions)))
    _check_together(settings)
    _check_blank_endpoint(settings, environ)
    contract.check(settings)
    _check_contract_knobs(settings, given & theirs)
    proxies, ca_bundle = _network_environment(settings.endpoint, environ)
    return replace(settings, proxies=proxies, ca_bundle=ca_bundle)


def _check_together(c: Config) -> None:
    knobs = KNOB_BY_FIELD
    sources = [knobs[name].label for name in ("api_key", "token_command", "azure_identity")
               if getattr(c, name)]
    if len(sources) > 1:
        raise ConfigError(f"{sources[0]} and {sources[1]}: give one credential source, not several")
    if c.uses_token and not c.endpoint:
        raise ConfigError(f"{sources[0]}: a token needs --endpoint (the embedded reference server "
                          "uses a key it generates)")
    embedded = knobs["embedded_asked"].label
    if c.embedded_asked and c.endpoint:
        raise ConfigError(f"{embedded} and {knobs['endpoint'].label}: check the embedded reference "
                          "server or your endpoint, not both (leave one out)")
    if c.embedded_asked and c.fleet:
        raise ConfigError(f"{embedded} and {FLEET_KNOB.label}: a fleet's targets are endpoints; "
                          "check the embedded reference server in a run of its own")
    if c.fleet_slice and not c.fleet:
        raise ConfigError(f"{knobs['fleet_slice'].label}: a slice of what? give --fleet FILE too")
    if c.fleet_env_prefixes and not c.fleet:
        raise ConfigError(f"{knobs['fleet_env_prefixes'].label}: it narrows what a fleet file may "
                          "read; give --fleet FILE too")
    for name in ("fleet_allow_token_commands", "fleet_allow_azure_identity", "fleet_allow_token_scopes"):
        if getattr(c, name) and not c.fleet:
            raise ConfigError(f"{knobs[name].label}: it allows what a fleet file may make "
                              "infocheck do; give --fleet FILE too (a single run's own options "
                              "need no allowing)")
    if c.fleet_allow_token_scopes and not c.fleet_allow_azure_identity:
        raise ConfigError(f"{knobs['fleet_allow_token_scopes'].label}: it widens the scopes a "
                          "fleet file's azure_identity may ask for; give "
                          f"{knobs['fleet_allow_azure_identity'].option} too")
    if c.auth_header_given == "api-key" and c.uses_token:
        raise ConfigError(f"{knobs['auth_header_given'].label}: a token is always sent as "
                          "Authorization: Bearer")


def _check_contract_knobs(c: Config, given: set) -> None:
    """A contract's knob given to a run of a contract that does not declare it (after the
    contract's own check, which may say more)."""
    own = {knob.field for knob in c.contract.knobs}
    for knob in KNOBS:
        if knob.field in given and knob.field not in own:
            raise ConfigError(f"{knob.label}: the {c.contract_name} contract has no such knob; it is "
                              f"for --contract {' or '.join(declaring(knob.field))}")


def _check_blank_endpoint(c: Config, environ: dict) -> None:
    """INFOCHECK_ENDPOINT set to nothing (a CI variable that is not defined, an Action's empty
    input) is not a request for the embedded reference server: a usage error, unless --embedded
    asks for that server or a fleet file names the endpoints."""
    env = KNOB_BY_FIELD["endpoint"].env
    raw = environ.get(env)
    if raw is None or raw.strip() or c.endpoint or c.embedded_asked or c.fleet:
        return
    raise ConfigError(f"{env} is set but empty (a CI variable that is not defined?): set it to your "
                      "endpoint's URL (the GitHub Action: its endpoint input), or give "
                      f"{KNOB_BY_FIELD['embedded_asked'].option} / "
                      f"{KNOB_BY_FIELD['embedded_asked'].env}=1 (the Action: embedded: true) to "
                      "check the embedded reference server on purpose")


def _network_environment(endpoint: str | None, environ: dict):
    """Proxy and CA settings from the standard variables, read here once.

    The probe does not let requests read the environment itself, because that would also
    read ~/.netrc and add credentials to requests that must go without them.
    """
    if not endpoint:
        return {}, None
    import requests.utils

    # urllib reads the proxy variables from the process environment, which is `environ` here.
    proxies = requests.utils.get_environ_proxies(endpoint)
    ca_bundle = environ.get("REQUESTS_CA_BUNDLE") or environ.get("CURL_CA_BUNDLE") or None
    if ca_bundle and not os.path.exists(ca_bundle):
        raise ConfigError(f"REQUESTS_CA_BUNDLE: {ca_bundle!r} does not exist")
    return proxies, ca_bundle
