"""Options and environment → one validated `Config`. Every knob is validated here, once."""
from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from .schemas import known_versions, profile, profile_version
from .secret import MASK, Secret, credential_problem

DEFAULT_API_VERSION = "2024-04-01-preview"
API_VERSION_FORMAT = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})(-preview)?$")  # ASCII digits only
USERINFO = re.compile(r"^[^/?#]*//[^/?#]*@")  # user:password@ in the authority, however malformed
AUTH_HEADERS = ("bearer", "api-key")
REQUESTS_PER_VERSION = 300


class ConfigError(Exception):
    """A knob has a bad value; the message names the knob and says what is wrong."""


@dataclass(frozen=True)
class Knob:
    option: str
    env: str
    help: str
    default: object = None
    repeatable: bool = False
    flag: bool = False


KNOBS = (
    Knob("--endpoint", "INFOCHECK_ENDPOINT",
         "base URL of the endpoint; /info is appended to its path. Absent: test the embedded "
         "reference server."),
    Knob("--api-key", "INFOCHECK_API_KEY",
         "the credential. Prefer the environment variable: command lines show up in process lists."),
    Knob("--token-command", "INFOCHECK_TOKEN_COMMAND",
         "a command whose output is a Bearer token (e.g. az account get-access-token --query "
         "accessToken -o tsv); run again when the token is about to expire."),
    Knob("--azure-identity", "INFOCHECK_AZURE_IDENTITY",
         "get a Bearer token from azure-identity's DefaultAzureCredential (pip install "
         "azure-identity).", flag=True),
    Knob("--token-scope", "INFOCHECK_TOKEN_SCOPE",
         "the scope to ask Azure Identity for; default: the api-version's "
         "(https://ml.azure.com/.default or https://cognitiveservices.azure.com/.default)."),
    Knob("--auth-header", "INFOCHECK_AUTH_HEADER",
         "how the key is sent on the positive path: bearer (Authorization: Bearer KEY) or api-key. "
         "Default: the api-version's (bearer for 2024-04-01-preview, as the reference says)."),
    Knob("--api-version", "INFOCHECK_API_VERSION",
         "api-version(s) to test, YYYY-MM-DD or YYYY-MM-DD-preview; a comma list, or all-known.",
         default=DEFAULT_API_VERSION),
    Knob("--deployment", "INFOCHECK_DEPLOYMENTS",
         "a deployment to query through azureml-model-deployment (repeatable; env: comma list).",
         repeatable=True),
    Knob("--model", "INFOCHECK_MODEL",
         "a model (deployment) name to ask for through the model query parameter, for the "
         "api-versions that have it (2025-04-01 and later)."),
    Knob("--request-timeout", "INFOCHECK_TIMEOUT",
         "seconds to wait for each request (connect, and the whole answer).", default="10"),
    Knob("--max-requests", "INFOCHECK_MAX_REQUESTS",
         "hard cap on requests sent in the whole run (default: 300 per api-version checked)."),
    Knob("--fail-on-should", "INFOCHECK_FAIL_ON_SHOULD",
         "SHOULD findings fail the run too.", flag=True),
    Knob("--discover-versions", "INFOCHECK_DISCOVER_VERSIONS",
         "also ask the endpoint with every api-version infocheck knows (a GET each) and report "
         "which it accepts, so you learn what to pin.", flag=True),
    Knob("--waivers", "INFOCHECK_WAIVERS",
         "a YAML or JSON list of {requirement or test, reason, expires}: known failures that do "
         "not fail the run until they expire."),
)

TRUE_WORDS, FALSE_WORDS = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


def knob_dest(knob: Knob) -> str:
    return "infocheck_" + knob.option.lstrip("-").replace("-", "_")


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
    endpoint: str | None            # base URL as given, or None for the embedded server
    api_key: Secret | None
    auth_header: str
    api_version: str                # the version this Config is for (the first one of a run)
    deployments: tuple[str, ...]
    model: str | None
    timeout: float
    max_requests: int
    fail_on_should: bool
    waivers: str | None = None
    discover_versions: bool = False
    token_command: str | None = None
    azure_identity: bool = False
    token_scope: str | None = None
    api_versions: tuple[str, ...] = ()   # every version the run checks
    auth_header_given: str | None = None  # --auth-header, if given; else each version's default
    embedded_server: bool = False   # endpoint is the reference server infocheck started
    body_limit: int = 1024 * 1024
    proxies: dict = field(default_factory=dict)
    ca_bundle: str | None = None

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
        header = "bearer" if self.uses_token else (
            self.auth_header_given or profile(api_version)["default_auth_header"])
        return replace(self, api_version=api_version, auth_header=header)

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
        """The effective configuration, safe to print: the credential shows as ***."""
        if self.token_command:
            credential = f"{MASK} (a Bearer token from the token command `{(self.token_command.split() or [''])[0]} …`)"
        elif self.azure_identity:
            credential = f"{MASK} (a Bearer token from Azure Identity, scope {self.scope})"
        elif not self.api_key:
            credential = "none given"
        elif len(self.api_versions) > 1 and not self.auth_header_given:
            credential = f"{MASK} via each api-version's default header"
        else:
            credential = f"{MASK} via {self.auth_header}"
        where = self.info_url() if self.endpoint else "embedded reference server"
        if self.embedded_server:
            where += " (embedded reference server)"
        return [
            ("endpoint", where),
            ("api-version", ", ".join(v + self.for_version(v).profile_note()
                                      for v in self.api_versions or (self.api_version,))),
            ("credential", credential),
            ("routed to", self.route_description()),
            ("deployments", ", ".join(self.deployments) or "none"),
            ("model", self.model or "none"),
            ("request timeout", f"{self.timeout:g} s"),
            ("max requests", str(self.max_requests)),
            ("fail on SHOULD", "yes" if self.fail_on_should else "no"),
            ("waivers", self.waivers or "none"),
        ]


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


def _validate_endpoint(value: str) -> str:
    # First, and without quoting the value: a password must not reach any output.
    if USERINFO.match(value):
        raise ConfigError("INFOCHECK_ENDPOINT / --endpoint: the URL carries user:password@ (not "
                          "shown here); give the base URL without it and the credential with "
                          "INFOCHECK_API_KEY")
    try:
        parts = urlsplit(value)
        parts.port  # raises ValueError on a bad port
    except ValueError as exc:
        raise ConfigError(f"INFOCHECK_ENDPOINT / --endpoint: {value!r} is not a URL ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"INFOCHECK_ENDPOINT / --endpoint: {value!r} is not an http(s) URL "
                          "with a host, e.g. https://my-model.eastus2.models.ai.azure.com")
    if parts.query or parts.fragment:
        raise ConfigError("INFOCHECK_ENDPOINT / --endpoint: give the base URL without query or "
                          "fragment; infocheck adds /info and api-version itself")
    if any(c.isspace() for c in value) or not value.isprintable():
        raise ConfigError(f"INFOCHECK_ENDPOINT / --endpoint: {value!r} contains white space or "
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


def parse_api_versions(raw: str) -> tuple[str, ...]:
    """One version, a comma list, or all-known (every version infocheck has a profile for)."""
    if raw.strip().lower() == "all-known":
        return tuple(known_versions())
    versions = tuple(v.strip() for v in raw.split(",") if v.strip())
    if not versions:
        raise ConfigError("INFOCHECK_API_VERSION / --api-version: no api-version given")
    if len(set(versions)) != len(versions):
        raise ConfigError("INFOCHECK_API_VERSION / --api-version: a version is named twice")
    return tuple(validate_api_version(v) for v in versions)


def _header_safe(value: str, knob: str, what: str) -> str:
    if not value or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value) or value != value.strip():
        raise ConfigError(f"{knob}: the {what} is empty, has surrounding white space or control "
                          "characters, and cannot be sent in an HTTP header")
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        raise ConfigError(f"{knob}: the {what} has characters HTTP headers cannot carry") from None
    return value


def _number(raw: str, knob: str, kind, low, high):
    try:
        number = kind(raw)
    except ValueError:
        raise ConfigError(f"{knob}: {raw!r} is not a {'whole ' if kind is int else ''}number") from None
    if not (low <= number <= high):
        raise ConfigError(f"{knob}: {raw!r} is out of range ({low} to {high})")
    return number


def build_config(options: dict, environ: dict) -> Config:
    """Merge pytest option values (None when not given) with the environment; options win."""

    def value(knob: Knob):
        given = options.get(knob_dest(knob))
        if given not in (None, [], False):
            return given
        raw = environ.get(knob.env)
        if raw is not None and raw.strip() != "":
            if knob.repeatable:
                return [part.strip() for part in raw.split(",") if part.strip()]
            if knob.flag:
                word = raw.strip().lower()
                if word not in TRUE_WORDS | FALSE_WORDS:
                    raise ConfigError(f"{knob.env}: {raw!r} is not one of 1/0, true/false, yes/no")
                return word in TRUE_WORDS
            return raw.strip() if knob.env != "INFOCHECK_API_KEY" else raw
        return knob.default

    knobs = {k.option: k for k in KNOBS}
    endpoint = value(knobs["--endpoint"])
    endpoint = _validate_endpoint(endpoint) if endpoint else None
    key = value(knobs["--api-key"])
    if key is not None:
        problem = credential_problem(key)
        if problem:
            raise ConfigError(f"INFOCHECK_API_KEY / --api-key: the key cannot be used: {problem}")
        key = Secret(key)
    api_versions = parse_api_versions(str(value(knobs["--api-version"])))
    api_version = api_versions[0]
    given = value(knobs["--auth-header"])
    given = str(given).lower() if given else None
    if given is not None and given not in AUTH_HEADERS:
        raise ConfigError(f"INFOCHECK_AUTH_HEADER / --auth-header: {given!r} is not one of "
                          + ", ".join(AUTH_HEADERS))
    auth_header = given or profile(api_version)["default_auth_header"]
    if value(knobs["--token-command"]) or value(knobs["--azure-identity"]):
        auth_header = "bearer"
    deployments = tuple(value(knobs["--deployment"]) or ())
    for name in deployments:
        _header_safe(name, "INFOCHECK_DEPLOYMENTS / --deployment", f"deployment name {name!r}")
    if len(set(deployments)) != len(deployments):
        raise ConfigError("INFOCHECK_DEPLOYMENTS / --deployment: a deployment is named twice")
    token_command = value(knobs["--token-command"])
    azure_identity = bool(value(knobs["--azure-identity"]))
    sources = [name for name, given in (("INFOCHECK_API_KEY / --api-key", key),
                                        ("INFOCHECK_TOKEN_COMMAND / --token-command", token_command),
                                        ("INFOCHECK_AZURE_IDENTITY / --azure-identity", azure_identity)) if given]
    if len(sources) > 1:
        raise ConfigError(f"{sources[0]} and {sources[1]}: give one credential source, not several")
    if (token_command or azure_identity) and not endpoint:
        raise ConfigError(f"{sources[0]}: a token needs --endpoint (the embedded reference server "
                          "uses a key it generates)")
    if given == "api-key" and (token_command or azure_identity):
        raise ConfigError("INFOCHECK_AUTH_HEADER / --auth-header: a token is always sent as "
                          "Authorization: Bearer")
    proxies, ca_bundle = _network_environment(endpoint, environ)
    return Config(
        endpoint=endpoint,
        api_key=key,
        auth_header=auth_header,
        api_version=api_version,
        api_versions=api_versions,
        auth_header_given=given,
        deployments=deployments,
        model=_header_safe(value(knobs["--model"]), "INFOCHECK_MODEL / --model", "model name")
        if value(knobs["--model"]) else None,
        timeout=_number(str(value(knobs["--request-timeout"])),
                        "INFOCHECK_TIMEOUT / --request-timeout", float, 0.1, 300),
        max_requests=_number(str(value(knobs["--max-requests"]) or REQUESTS_PER_VERSION * len(api_versions)),
                             "INFOCHECK_MAX_REQUESTS / --max-requests", int, 1, 100_000),
        fail_on_should=bool(value(knobs["--fail-on-should"])),
        waivers=value(knobs["--waivers"]),
        discover_versions=bool(value(knobs["--discover-versions"])),
        token_command=token_command,
        azure_identity=azure_identity,
        token_scope=value(knobs["--token-scope"]),
        proxies=proxies,
        ca_bundle=ca_bundle,
    )


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
