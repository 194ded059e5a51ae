"""The Azure AI Model Inference Get Info API (`GET {endpoint}/info?api-version=...`, answering a
ModelInfo) as a contract: how its api-versions are written, which header and scope each takes,
what makes an endpoint untestable, and its reference server."""
from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

from infocheck.configuration.knobs import ConfigError, Knob, names_of
from infocheck.configuration.urls import base_of, joined
from infocheck.contracts.base import MODEL, Contract
from infocheck.contracts.info import profiles
from infocheck.troubleshooting import Reason

API_VERSION_FORMAT = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})(-preview)?$")  # ASCII digits only
RETIRED = "26 August 2026"   # the Azure AI Model Inference API's retirement (azure-rest-api-specs #43907)
IDENTITY_NAME_LIMIT = 200   # characters of a model_name a run hands on (its report's identity schema)
SUCCESSOR = ("its successor is the OpenAI v1 API: check it with --contract models --endpoint "
             "https://<resource>.openai.azure.com/openai/v1 (or services.ai.azure.com/openai/v1)")
MISSING_MODEL = re.compile(r"no[ _]model|model[ _]name|(specify|provide|requires?)\b.*\bmodel|"
                           r"model\b.*\b(required|missing|not specified)", re.IGNORECASE)


def info_base(endpoint: str) -> str | None:
    """The base URL meant, when `endpoint` already ends in /info (which infocheck appends):
    `https://h/info/` → `https://h`, `https://h/models/info?api-version=x` → `https://h/models`;
    else None."""
    base = base_of(endpoint)
    if not base.lower().endswith("/info"):
        return None
    while base.lower().endswith("/info"):
        base = base[:-len("/info")].rstrip("/")
    return base


def openai_v1_base(endpoint: str | None) -> bool:
    """A base that ends in /v1 (/openai/v1 too), or in /v1/models (the models route pasted
    whole): the OpenAI v1 API's, not the Get Info API's."""
    return bool(endpoint) and base_of(endpoint).lower().endswith(("/v1", "/v1/models"))


def openai_v1_root(endpoint: str) -> str:
    """The models contract's base for such a URL: without the /models a pasted route ends in."""
    base = base_of(endpoint)
    return base[:-len("/models")] if base.lower().endswith("/v1/models") else base


def info_url(endpoint: str) -> str:
    """`/info` appended to the base URL's path (`https://h/models/` → `https://h/models/info`)."""
    return joined(endpoint, "/info")


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
        return tuple(profiles.known_versions())
    versions = tuple(v.strip() for v in raw.split(",") if v.strip())
    if not versions:
        raise ConfigError(f"{label}: no api-version given")
    if len(set(versions)) != len(versions):
        raise ConfigError(f"{label}: a version is named twice")
    return tuple(validate_api_version(v, label) for v in versions)


def names_missing_model(exchange) -> bool:
    """A 400 that says a model or deployment must be named, as unified endpoints answer."""
    from infocheck.contracts.info.checks import error_code
    return bool(MISSING_MODEL.search(f"{error_code(exchange)} {exchange.excerpt(400)}"))


class InfoContract(Contract):
    name = "info"
    title = "the Azure AI Model Inference Get Info API (GET /info)"
    default_api_version = "2024-04-01-preview"
    fixtures_plugin = "infocheck.contracts.info.fixtures"
    knobs = (Knob("deployments", "--deployment", "INFOCHECK_DEPLOYMENT",
                  "a deployment to query through azureml-model-deployment (repeatable; env: comma "
                  "list).", parse=names_of("deployment"), default=(), form="list",
                  fleet_key="deployments", fleet_kind=(str, list), old_envs=("INFOCHECK_DEPLOYMENTS",)),
             MODEL)
    flavours = {
        "reference": "the contract at its best",
        "serverless": "like a real serverless endpoint of 2024-05-01-preview, quirks included",
        "foundry": "like Azure AI Foundry's unified endpoint (under /models), which needs a model named",
    }

    # -- configuration ----------------------------------------------------------------------

    def parse_api_versions(self, raw: str, label: str) -> tuple[str, ...]:
        return parse_api_versions(raw, label)

    def version_note(self, api_version: str) -> str:
        known = profiles.profile_version(api_version)
        if known == api_version:
            return ""
        return f" (unknown to infocheck: checked with the profile of {known}, the most recent it knows)"

    def default_auth_header(self, api_version: str) -> str:
        return profiles.profile(api_version)["default_auth_header"]

    def token_scope(self, api_version: str) -> str:
        return profiles.profile(api_version)["token_scope"]

    def target_url(self, endpoint: str) -> str:
        return info_url(endpoint)

    def check_endpoint(self, endpoint: str, label: str) -> None:
        from infocheck.configuration.knobs import KNOB_BY_FIELD
        from infocheck.wire.printable import printable
        base = info_base(endpoint)
        if base is not None:
            version = (f"; the api-version goes in {KNOB_BY_FIELD['api_versions'].label}"
                       if urlsplit(endpoint).query else "")
            raise ConfigError(Reason(f"{label}: give {printable(base, 300)} as the base URL; infocheck "
                              "appends /info and the query itself (this one ends in /info, so it "
                              f"would ask {printable(base_of(endpoint), 300)}/info{version})",
                                     "info-appended"))

    def check(self, config) -> None:
        if config.info_model_name:
            raise ConfigError("INFOCHECK_INFO_MODEL_NAME / --info-model-name: it is for --contract "
                              "models (what /info names, compared with the v1 list)")

    def rows(self, config) -> list[tuple[str, str]]:
        from infocheck.contracts.info.client import route_description
        return [("deployments", ", ".join(config.deployments) or "none"),
                ("routed to", route_description(config))]

    # -- running ----------------------------------------------------------------------------

    def client(self, probe, config, shared, recorded):
        from infocheck.contracts.info.client import InfoClient
        return InfoClient(probe, config, shared, recorded)

    def untestable(self, exchange, config) -> str | None:
        from infocheck.contracts.info.checks import error_code
        from infocheck.contracts.info.client import route
        from infocheck.contracts.checking import shown
        if exchange.status == 410:
            return (f"the endpoint no longer serves the Get Info API: {config.target_url()} answered "
                    f"{exchange.status_line()}. The Azure AI Model Inference API retired on {RETIRED}; "
                    + SUCCESSOR)
        pasted_route = openai_v1_root(config.endpoint or "") != base_of(config.endpoint or "")
        # a models route pasted whole: /models/info is a model's retrieve, 404 or 400 there
        if (exchange.status == 404 or exchange.status == 400 and pasted_route) \
                and openai_v1_base(config.endpoint):
            return Reason(f"{config.target_url()} answered {exchange.status_line()}: the Get Info API is "
                    f"not served there, and a base URL ending in /v1 is the OpenAI v1 API's. Check "
                    f"it with --contract models --endpoint {openai_v1_root(config.endpoint)} (in a fleet "
                    "file: contract: models); or give the base URL infocheck appends /info to, "
                    "e.g. https://<name>.<region>.models.ai.azure.com", "wrong-base")
        if exchange.status == 400 and route(config) is None and names_missing_model(exchange):
            return Reason(f"the endpoint needs a deployment or model: {config.target_url()} answered "
                    f"{exchange.status_line()} ({shown(error_code(exchange))}) to a request that "
                    "named none. Give one with --deployment NAME (INFOCHECK_DEPLOYMENT) or --model "
                    "NAME (INFOCHECK_MODEL)", "deployment-needed")
        return None

    def notices(self, exchange, config) -> list[str]:
        """A retiring endpoint says so: Sunset (RFC 8594) and Deprecation (RFC 9745) headers."""
        from infocheck.contracts.info.retirement import notices
        return notices(exchange, SUCCESSOR)

    def retirement(self, exchange) -> dict:
        """The Sunset and Deprecation dates, in Unix seconds (what a watcher's metrics give)."""
        from infocheck.contracts.info.retirement import moments
        return moments(exchange)

    def identity(self, exchange) -> dict:
        """What the endpoint says it serves: the ModelInfo's model_name (a fleet's same_as
        compares it with the v1 list of the same deployment)."""
        body = exchange.json_or_none() if exchange.status == 200 else None
        name = body.get("model_name") if isinstance(body, dict) else None
        if not isinstance(name, str) or not name:
            return {}
        if len(name) > IDENTITY_NAME_LIMIT:   # too long to carry: how long it was, to judge
            return {"model_name_length": str(len(name))}
        return {"model_name": name}

    def candidate_versions(self) -> tuple[str, ...]:
        return tuple(profiles.known_versions())

    # -- the reference server -----------------------------------------------------------------

    def reference_server(self, key: str, flavour: str = "reference", tokens=(),
                         base_path: str | None = None, host: str = "127.0.0.1", port: int = 0,
                         verbose: bool = False):
        from infocheck.contracts.info.server import FLAVOURS, ReferenceServer, Settings
        if base_path is None:
            base_path = "/models" if flavour == "foundry" else ""
        settings = Settings(api_key=key, base_path=base_path.rstrip("/"), tokens=tuple(tokens))
        return ReferenceServer(settings, FLAVOURS[flavour], host=host, port=port, verbose=verbose)

    def server_banner(self, server, flavour: str) -> list[str]:
        from infocheck.contracts.info.server import SUPPORTED_VERSIONS
        settings = server.settings
        routing = ("no default: a request names its model by azureml-model-deployment, model= "
                   "(2025-04-01 and later) or x-ms-model-mesh-model-name" if flavour == "foundry"
                   else f"default {settings.default_model}; another by azureml-model-deployment "
                   "or model= (2025-04-01 and later)")
        return [f"infocheck reference server: {info_url(server.url)}?api-version={SUPPORTED_VERSIONS[-1]}",
                f"contract {self.name} ({self.title}), flavour {flavour}: {self.flavours[flavour]}",
                f"deployments: {', '.join(settings.models)}; routing: {routing}"]

    def embedded_defaults(self) -> dict:
        from infocheck.contracts.info.server import DEFAULT_MODELS
        return {"deployments": tuple(DEFAULT_MODELS), "model": next(iter(DEFAULT_MODELS))}


CONTRACT = InfoContract()
