"""Options and environment → one validated `Config`. Every knob is validated here, once."""
from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field, replace
from typing import Callable
from urllib.parse import urlsplit

from infocheck.contracts.info.profiles import known_versions, profile, profile_version
from infocheck.wire.secret import MASK, Secret, credential_problem

DEFAULT_API_VERSION = "2024-04-01-preview"
API_VERSION_FORMAT = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})(-preview)?$")  # ASCII digits only
USERINFO = re.compile(r"^[^/?#]*//[^/?#]*@")  # user:password@ in the authority, however malformed
AUTH_HEADERS = ("bearer", "api-key")
REQUESTS_PER_VERSION = 300
# The keys a fleet file's target takes (infocheck/fleet.py) and the Config field each sets; a
# fleet run takes none of these fields from its own options or environment.
FLEET_KEYS = {
    "endpoint": "endpoint",
    "api_key_env": "api_key",
    "token_command": "token_command",
    "azure_identity": "azure_identity",
    "token_scope": "token_scope",
    "auth_header": "auth_header_given",
    "api_version": "api_versions",
    "deployments": "deployments",
    "model": "model",
    "max_requests": "max_requests",
    "request_timeout": "timeout",
}
FLEET_TARGET_FIELDS = tuple(FLEET_KEYS.values())


class ConfigError(Exception):
    """A knob has a bad value; the message names the knob and says what is wrong."""


def _text(value, label: str) -> str:
    return str(value).strip()


@dataclass(frozen=True)
class Knob:
    """One setting, declared once: the Config field it sets, its pytest option and environment
    variable, how a given value is validated, its default, and the rows it shows in the
    report's configuration (none: another knob's row covers it)."""

    field: str
    option: str
    env: str
    help: str
    parse: Callable[[object, str], object] = _text   # (value, "ENV / --option") -> field value
    default: object = None
    form: str = "value"        # value; flag (on/off); list (repeatable option; env: comma list)
    rows: tuple = ()           # (title, Config -> text) pairs for the report

    @property
    def label(self) -> str:
        return f"{self.env} / {self.option}"

    @property
    def dest(self) -> str:
        return "infocheck_" + self.option.lstrip("-").replace("-", "_")


TRUE_WORDS, FALSE_WORDS = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


def _flag(value, label: str) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word not in TRUE_WORDS | FALSE_WORDS:
        raise ConfigError(f"{label}: {value!r} is not one of 1/0, true/false, yes/no")
    return word in TRUE_WORDS


def _key(value, label: str) -> Secret:
    problem = credential_problem(value)   # the key itself never appears in the message
    if problem:
        raise ConfigError(f"{label}: the key cannot be used: {problem}")
    return Secret(value)


def _auth_header(value, label: str) -> str:
    word = str(value).strip().lower()
    if word not in AUTH_HEADERS:
        raise ConfigError(f"{label}: {word!r} is not one of " + ", ".join(AUTH_HEADERS))
    return word


def _names(what: str):
    def parse(values, label: str) -> tuple[str, ...]:
        names = tuple(_header_safe(name, label, f"{what} name {name!r}") for name in values)
        if len(set(names)) != len(names):
            raise ConfigError(f"{label}: a {what} is named twice")
        return names
    return parse


def _number(kind, low, high):
    def parse(raw, label: str):
        try:
            number = kind(str(raw).strip())
        except ValueError:
            raise ConfigError(f"{label}: {raw!r} is not a {'whole ' if kind is int else ''}number") from None
        if not (low <= number <= high):
            raise ConfigError(f"{label}: {raw!r} is out of range ({low} to {high})")
        return number
    return parse


def _slice(value, label: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*([0-9]{1,4})\s*/\s*([0-9]{1,4})\s*", str(value))
    if not match or not 1 <= int(match[1]) <= int(match[2]):
        raise ConfigError(f"{label}: {value!r} is not K/N with 1 <= K <= N, e.g. 3/8")
    return int(match[1]), int(match[2])


def _credential_row(c: "Config") -> str:
    if c.token_command:
        return f"{MASK} (a Bearer token from the token command `{(c.token_command.split() or [''])[0]} …`)"
    if c.azure_identity:
        return f"{MASK} (a Bearer token from Azure Identity, scope {c.scope})"
    if not c.api_key:
        return "none given"
    if len(c.api_versions) > 1 and not c.auth_header_given:
        return f"{MASK} via each api-version's default header"
    return f"{MASK} via {c.auth_header}"


def _endpoint_row(c: "Config") -> str:
    where = c.info_url() if c.endpoint else "embedded reference server"
    return where + (" (embedded reference server)" if c.embedded_server else "")


KNOBS = (
    Knob("endpoint", "--endpoint", "INFOCHECK_ENDPOINT",
         "base URL of the endpoint; /info is appended to its path. Absent: test the embedded "
         "reference server.", parse=lambda v, label: _validate_endpoint(v, label),
         rows=(("endpoint", _endpoint_row),)),
    Knob("api_versions", "--api-version", "INFOCHECK_API_VERSION",
         "api-version(s) to test, YYYY-MM-DD or YYYY-MM-DD-preview; a comma list, or all-known.",
         parse=lambda v, label: parse_api_versions(str(v), label), default=DEFAULT_API_VERSION,
         rows=(("api-version", lambda c: ", ".join(
             v + c.for_version(v).profile_note() for v in c.api_versions)),)),
    Knob("api_key", "--api-key", "INFOCHECK_API_KEY",
         "the credential. Prefer the environment variable: command lines show up in process lists.",
         parse=_key, rows=(("credential", _credential_row),)),
    Knob("token_command", "--token-command", "INFOCHECK_TOKEN_COMMAND",
         "a command whose output is a Bearer token (e.g. az account get-access-token --query "
         "accessToken -o tsv); run again when the token is about to expire."),
    Knob("azure_identity", "--azure-identity", "INFOCHECK_AZURE_IDENTITY",
         "get a Bearer token from azure-identity's DefaultAzureCredential (pip install "
         "azure-identity).", parse=_flag, default=False, form="flag"),
    Knob("token_scope", "--token-scope", "INFOCHECK_TOKEN_SCOPE",
         "the scope to ask Azure Identity for; default: the api-version's "
         "(https://ml.azure.com/.default or https://cognitiveservices.azure.com/.default)."),
    Knob("auth_header_given", "--auth-header", "INFOCHECK_AUTH_HEADER",
         "how the key is sent on the positive path: bearer (Authorization: Bearer KEY) or api-key. "
         "Default: the api-version's (bearer for 2024-04-01-preview, as the reference says).",
         parse=_auth_header),
    Knob("deployments", "--deployment", "INFOCHECK_DEPLOYMENTS",
         "a deployment to query through azureml-model-deployment (repeatable; env: comma list).",
         parse=_names("deployment"), default=(), form="list",
         rows=(("deployments", lambda c: ", ".join(c.deployments) or "none"),)),
    Knob("model", "--model", "INFOCHECK_MODEL",
         "a model (deployment) name to ask for through the model query parameter, for the "
         "api-versions that have it (2025-04-01 and later).",
         parse=lambda v, label: _header_safe(str(v), label, "model name"),
         rows=(("model", lambda c: c.model or "none"), ("routed to", lambda c: c.route_description()))),
    Knob("timeout", "--request-timeout", "INFOCHECK_TIMEOUT",
         "seconds to wait for each request (connect, and the whole answer).",
         parse=_number(float, 0.1, 300), default="10",
         rows=(("request timeout", lambda c: f"{c.timeout:g} s"),)),
    Knob("max_requests", "--max-requests", "INFOCHECK_MAX_REQUESTS",
         "hard cap on requests sent in the whole run (default: 300 per api-version checked).",
         parse=_number(int, 1, 100_000), rows=(("max requests", lambda c: str(c.max_requests)),)),
    Knob("concurrency", "--concurrency", "INFOCHECK_CONCURRENCY",
         "how many requests to the endpoint may be in flight at once (default 5; 1 sends one "
         "after another). Same requests, same verdicts; only sooner.",
         parse=_number(int, 1, 16), default="5",
         rows=(("concurrency", lambda c: str(c.concurrency)),)),
    Knob("fail_on_should", "--fail-on-should", "INFOCHECK_FAIL_ON_SHOULD",
         "SHOULD findings fail the run too.", parse=_flag, default=False, form="flag",
         rows=(("fail on SHOULD", lambda c: "yes" if c.fail_on_should else "no"),)),
    Knob("discover_versions", "--discover-versions", "INFOCHECK_DISCOVER_VERSIONS",
         "also ask the endpoint with every api-version infocheck knows (a GET each) and report "
         "which it accepts, so you learn what to pin.", parse=_flag, default=False, form="flag"),
    Knob("waivers", "--waivers", "INFOCHECK_WAIVERS",
         "a YAML or JSON list of {requirement or test, reason, expires}: known failures that do "
         "not fail the run until they expire.",
         rows=(("waivers", lambda c: c.waivers or "none"),)),
    Knob("requirements", "--requirements", "INFOCHECK_REQUIREMENTS",
         "a team's own requirement catalogue (JSON, its own ID namespace), merged with "
         "infocheck's (repeatable; env: comma list).", parse=lambda v, label: tuple(v),
         default=(), form="list",
         rows=(("team requirements", lambda c: ", ".join(c.requirements) or "none"),)),
    Knob("policy", "--policy", "INFOCHECK_POLICY",
         "a JSON policy that changes requirement levels for this gate (MUST, SHOULD or IGNORED).",
         rows=(("policy", lambda c: c.policy or "none"),)),
    Knob("fleet", "--fleet", "INFOCHECK_FLEET",
         "a YAML or JSON fleet file: check every target it lists, side by side, into one report "
         "(see the README's 'A fleet in one run')."),
    Knob("fleet_slice", "--fleet-slice", "INFOCHECK_FLEET_SLICE",
         "K/N: check only slice K of N of the fleet (every Nth target from the Kth), for one job "
         "of a CI matrix; combine the jobs' reports with infocheck merge.", parse=_slice),
    Knob("fleet_jobs", "--fleet-jobs", "INFOCHECK_FLEET_JOBS",
         "how many targets of a fleet are checked at a time (default 8).",
         parse=_number(int, 1, 64), default="8"),
)

FLEET_KNOB = next(k for k in KNOBS if k.field == "fleet")


@dataclass(frozen=True)
class Route:
    """Which deployment or model a request names: through the azureml-model-deployment header
    (the reference's way) or the model query parameter (2025-04-01 and later)."""

    kind: str   # "deployment" or "model"
    name: str

    def query(self) -> tuple[tuple[str, str], ...]:
        return (("model", self.name),) if self.kind == "model" else ()

    def headers(self) -> tuple[tuple[str, str], ...]:
        return (("azureml-model-deployment", self.name),) if self.kind == "deployment" else ()

    def describe(self) -> str:
        how = "the model query parameter" if self.kind == "model" else "the azureml-model-deployment header"
        return f"{self.kind} {self.name} (via {how})"


@dataclass(frozen=True)
class Config:
    """The run's settings. Built by `build_config` from `KNOBS` and nothing else."""

    endpoint: str | None = None           # base URL as given, or None for the embedded server
    api_versions: tuple[str, ...] = (DEFAULT_API_VERSION,)   # every version the run checks
    api_key: Secret | None = None
    token_command: str | None = None
    azure_identity: bool = False
    token_scope: str | None = None
    auth_header_given: str | None = None  # --auth-header, if given; else each version's default
    deployments: tuple[str, ...] = ()
    model: str | None = None
    timeout: float = 10.0
    max_requests: int = REQUESTS_PER_VERSION
    concurrency: int = 5
    fail_on_should: bool = False
    discover_versions: bool = False
    waivers: str | None = None
    requirements: tuple[str, ...] = ()
    policy: str | None = None
    fleet: str | None = None
    fleet_slice: tuple[int, int] | None = None
    fleet_jobs: int = 8
    api_version: str = ""                 # the version this Config is for (the first one of a run)
    embedded_server: bool = False         # endpoint is the reference server infocheck started
    body_limit: int = 1024 * 1024
    proxies: dict = field(default_factory=dict)
    ca_bundle: str | None = None

    @property
    def auth_header(self) -> str:
        """How the credential goes on this api-version's positive path: a token always as
        Bearer; a key as --auth-header says, else as the api-version's reference says."""
        if self.uses_token:
            return "bearer"
        return self.auth_header_given or profile(self.api_version)["default_auth_header"]

    @property
    def route(self) -> Route | None:
        """What the positive request, and every request built on it, names: the first
        deployment; else the model, by query parameter where the api-version has one and by the
        deployment header where it does not (unified endpoints take either); else nothing."""
        if self.deployments:
            return Route("deployment", self.deployments[0])
        if self.model:
            has_parameter = "model" in profile(self.api_version)["inputs"]
            return Route("model" if has_parameter else "deployment", self.model)
        return None

    def route_description(self) -> str:
        if self.deployments:
            return self.route.describe()
        if self.model:
            return (f"model {self.model} (via the model query parameter where the api-version has "
                    "it, else the azureml-model-deployment header)")
        return "none named: the endpoint's default deployment"

    def for_version(self, api_version: str) -> "Config":
        """This configuration as it applies to one api-version of the run."""
        return replace(self, api_version=api_version)

    @property
    def uses_token(self) -> bool:
        return bool(self.token_command or self.azure_identity)

    @property
    def scope(self) -> str:
        return self.token_scope or profile(self.api_version)["token_scope"]

    @property
    def embedded(self) -> bool:
        return self.endpoint is None

    def info_url(self) -> str:
        return info_url(self.endpoint)

    def describe(self) -> list[tuple[str, str]]:
        """The effective configuration, safe to print (the credential shows as ***): the rows
        the knobs declare, in their order."""
        return [(title, show(self)) for knob in KNOBS for title, show in knob.rows]

    def profile_note(self) -> str:
        known = profile_version(self.api_version)
        if known == self.api_version:
            return ""
        return f" (unknown to infocheck: checked with the profile of {known}, the most recent it knows)"


def info_url(endpoint: str) -> str:
    parts = urlsplit(endpoint)
    path = parts.path.rstrip("/") + "/info"
    return f"{parts.scheme}://{parts.netloc}{path}"


def origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.scheme, (parts.hostname or "").lower(), port


def _validate_endpoint(value: str, label: str) -> str:
    # First, and without quoting the value: a password must not reach any output.
    if USERINFO.match(value):
        raise ConfigError(f"{label}: the URL carries user:password@ (not "
                          "shown here); give the base URL without it and the credential with "
                          "INFOCHECK_API_KEY")
    try:
        parts = urlsplit(value)
        parts.port  # raises ValueError on a bad port
    except ValueError as exc:
        raise ConfigError(f"{label}: {value!r} is not a URL ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{label}: {value!r} is not an http(s) URL "
                          "with a host, e.g. https://my-model.eastus2.models.ai.azure.com")
    if parts.query or parts.fragment:
        raise ConfigError(f"{label}: give the base URL without query or "
                          "fragment; infocheck adds /info and api-version itself")
    if any(c.isspace() for c in value) or not value.isprintable():
        raise ConfigError(f"{label}: {value!r} contains white space or "
                          "control characters")
    return value


def validate_api_version(value: str, knob: str = "INFOCHECK_API_VERSION / --api-version") -> str:
    match = API_VERSION_FORMAT.fullmatch(value)
    if not match:
        raise ConfigError(f"{knob}: {value!r} is not of the form YYYY-MM-DD or YYYY-MM-DD-preview")
    try:
        dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise ConfigError(f"{knob}: {value!r} is not a calendar date") from None
    return value


def parse_api_versions(raw: str, label: str) -> tuple[str, ...]:
    """One version, a comma list, or all-known (every version infocheck has a profile for)."""
    if raw.strip().lower() == "all-known":
        return tuple(known_versions())
    versions = tuple(v.strip() for v in raw.split(",") if v.strip())
    if not versions:
        raise ConfigError(f"{label}: no api-version given")
    if len(set(versions)) != len(versions):
        raise ConfigError(f"{label}: a version is named twice")
    return tuple(validate_api_version(v, label) for v in versions)


def _header_safe(value: str, knob: str, what: str) -> str:
    if not value or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value) or value != value.strip():
        raise ConfigError(f"{knob}: the {what} is empty, has surrounding white space or control "
                          "characters, and cannot be sent in an HTTP header")
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        raise ConfigError(f"{knob}: the {what} has characters HTTP headers cannot carry") from None
    return value


def _given(knob: Knob, options: dict, environ: dict):
    """The knob's value as given (the option wins over the environment), or None."""
    given = options.get(knob.dest)
    if given not in (None, [], (), False):
        return given
    raw = environ.get(knob.env)
    if raw is None or raw.strip() == "":
        return None
    if knob.form == "list":
        return [part.strip() for part in raw.split(",") if part.strip()]
    return raw if knob.field == "api_key" else raw.strip()   # a key is used exactly as given


def build_config(options: dict, environ: dict) -> Config:
    """Merge pytest option values (None when not given) with the environment: every knob
    parsed and validated by its declaration, then the rules that span several knobs."""
    values = {}
    for knob in KNOBS:
        given = _given(knob, options, environ)
        if given is not None and knob.field in FLEET_TARGET_FIELDS and _given(FLEET_KNOB, options, environ):
            raise ConfigError(f"{knob.label}: with {FLEET_KNOB.label}, each target's settings come "
                              "from the fleet file, not from options or the environment")
        if given is None:
            given = knob.default
        values[knob.field] = knob.parse(given, knob.label) if given is not None else None
    values = {name: value for name, value in values.items() if value is not None}
    settings = Config(**values)
    settings = replace(settings, api_version=settings.api_versions[0],
                       max_requests=values.get("max_requests",
                                               REQUESTS_PER_VERSION * len(settings.api_versions)))
    _check_together(settings)
    proxies, ca_bundle = _network_environment(settings.endpoint, environ)
    return replace(settings, proxies=proxies, ca_bundle=ca_bundle)


def _check_together(c: Config) -> None:
    knobs = {k.field: k for k in KNOBS}
    sources = [knobs[name].label for name in ("api_key", "token_command", "azure_identity")
               if getattr(c, name)]
    if len(sources) > 1:
        raise ConfigError(f"{sources[0]} and {sources[1]}: give one credential source, not several")
    if c.uses_token and not c.endpoint:
        raise ConfigError(f"{sources[0]}: a token needs --endpoint (the embedded reference server "
                          "uses a key it generates)")
    if c.fleet_slice and not c.fleet:
        raise ConfigError(f"{knobs['fleet_slice'].label}: a slice of what? give --fleet FILE too")
    if c.auth_header_given == "api-key" and c.uses_token:
        raise ConfigError(f"{knobs['auth_header_given'].label}: a token is always sent as "
                          "Authorization: Bearer")


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
