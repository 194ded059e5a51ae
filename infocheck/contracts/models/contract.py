"""The OpenAI v1 API's model-identity route as a contract: `GET {base}/models` and
`GET {base}/models/{id}`, where the base ends in /openai/v1 (Azure) or /v1 (vLLM, llama.cpp,
Ollama, TGI, LiteLLM). The Azure AI Model Inference API (and its Get Info route) retired on
26 August 2026 in favour of it."""
from __future__ import annotations

from urllib.parse import urlsplit

from infocheck.configuration.knobs import ConfigError, Knob, header_safe
from infocheck.contracts.base import MODEL, Contract
from infocheck.contracts.checking import shown
from infocheck.troubleshooting import Reason

VERSIONS = ("none", "v1", "preview")     # "none": no api-version parameter (the default)
SCOPE = "https://cognitiveservices.azure.com/.default"
BASES = "/openai/v1 (Azure) or /v1 (vLLM, llama.cpp, Ollama, TGI, LiteLLM)"


def parse_api_versions(raw: str, label: str) -> tuple[str, ...]:
    """none (not sent, the default), v1, preview; a comma list; or all-known. Internally, ""
    is none."""
    text = raw.strip().lower()
    if text == "":
        return ("",)
    if text == "all-known":
        return ("", "v1", "preview")
    words = tuple(v.strip().lower() for v in raw.split(",") if v.strip())
    if len(set(words)) != len(words):
        raise ConfigError(f"{label}: a version is named twice")
    for word in words:
        if word not in VERSIONS:
            raise ConfigError(f"{label}: {word[:40]!r} is not an api-version of the v1 API: give "
                              "none, v1 or preview (dated api-versions are the older Azure OpenAI "
                              "routes, not /openai/v1)")
    return tuple("" if w == "none" else w for w in words)


class ModelsContract(Contract):
    name = "models"
    title = "the OpenAI v1 models API (GET /models, GET /models/{id})"
    default_api_version = ""
    fixtures_plugin = "infocheck.contracts.models.fixtures"
    knobs = (MODEL,
             Knob("info_model_name", "--info-model-name", "INFOCHECK_INFO_MODEL_NAME",
                  "(models contract) the model_name that /info of the same deployment names: the "
                  "v1 list should serve it too (a fleet target's same_as hands over what /info "
                  "answered instead).", parse=lambda v, label: header_safe(str(v), label, "model name"),
                  fleet_key="info_model_name"))
    # A target's same_as names the info target of the same deployment; its model_name (or how
    # long it was) is handed over, and MODELS-SAME-AS-INFO judges it.
    links = {"info": ("model_name", "model_name_length")}
    flavours = {
        "reference": "the contract at its best (Bearer or api-key, Azure's error body, "
                     "api-version v1 or preview accepted)",
        "azure-v1": "like Azure's /openai/v1: the resource's model catalogue listed, deployments "
                    "retrievable by name, api-key or Bearer, Azure's error body",
        "vllm": "like vLLM: no retrieve route (FastAPI's 404), created the request's time, "
                "{\"error\": \"Unauthorized\"} refusals",
        "llama-cpp": "like llama.cpp's C++ server (llama-server): the models route public by design, no retrieve "
                     "route, an extra models member, created the request's time",
        "ollama": "like Ollama: no credentials at all, retrieve served, errors with code null",
        "tgi": "like Hugging Face TGI: one model, created 0, owned_by the id",
        "litellm": "like the LiteLLM proxy 1.108.7 as pip install 'litellm[proxy]' installs it "
                   "(no database): created always 1677610602, owned_by openai in the list, ids with "
                   "'/' not retrievable, a wrong key 400 no_db_connection, no key 500",
        "fastchat": "like FastChat 0.2.36's openai_api_server: no retrieve route, created the "
                    "request's time, owned_by fastchat, {\"detail\": {\"error\": ...}} refusals",
        "llama-cpp-python": "like llama-cpp-python 0.3.36's server (not llama.cpp's): no retrieve "
                            "route, no created, owned_by me, {\"detail\": ...} refusals",
    }

    # -- configuration ----------------------------------------------------------------------

    def parse_api_versions(self, raw: str, label: str) -> tuple[str, ...]:
        return parse_api_versions(raw, label)

    def default_auth_header(self, api_version: str) -> str:
        return "bearer"

    def token_scope(self, api_version: str) -> str:
        return SCOPE

    def target_url(self, endpoint: str) -> str:
        parts = urlsplit(endpoint)
        return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"

    def check_endpoint(self, endpoint: str, label: str) -> None:
        segments = [s for s in urlsplit(endpoint).path.lower().split("/") if s]
        if "models" in segments or segments[-1:] == ["info"]:
            raise ConfigError(f"{label}: give the base URL, which ends in {BASES}; infocheck adds "
                              f"/models itself (this one names /{'/'.join(segments)})")

    def check(self, config) -> None:
        if config.deployments:
            raise ConfigError("INFOCHECK_DEPLOYMENT / --deployment: the models contract has no "
                              "deployment routing; name the model or deployment with --model")

    def rows(self, config) -> list[tuple[str, str]]:
        asks = (f"model {config.model} (in the list, or GET /models/{config.model})" if config.model
                else "the models the list names")
        rows = [("asks for", asks)]
        linked = getattr(config, "same_as", None)   # what a fleet's same_as info target answered
        name = linked.identity.get("model_name") if linked is not None else None
        if name:   # an endpoint's text: quoted and escaped
            rows.append(("/info names", f"{shown(name, 80)} (same_as {linked.target}; the v1 list "
                                        "should serve it too)"))
        elif config.info_model_name:
            rows.append(("/info names", f"{config.info_model_name} (the v1 list should serve it too)"))
        elif linked is not None:
            rows.append(("/info names", f"no model_name to compare with (same_as {linked.target})"))
        return rows

    def version_note(self, api_version: str) -> str:
        return ""

    # -- running ----------------------------------------------------------------------------

    def client(self, probe, config, shared, recorded):
        from infocheck.contracts.models.client import ModelsClient
        return ModelsClient(probe, config, shared, recorded)

    def untestable(self, exchange, config) -> str | None:
        path = urlsplit(config.endpoint or "").path.rstrip("/")
        if exchange.status == 404 and not path.lower().endswith("/v1"):
            return Reason(f"{config.target_url()}/models answered {exchange.status_line()}: there is no "
                    f"OpenAI v1 models route there. Give the base URL that ends in {BASES}; the "
                    "Get Info API is --contract info", "wrong-base")
        return None

    def candidate_versions(self) -> tuple[str, ...]:
        return ("", "v1", "preview")   # none sent, and the two values Azure documents for its v1 surface

    # -- the reference server -----------------------------------------------------------------

    def reference_server(self, key: str, flavour: str = "reference", tokens=(),
                         base_path: str | None = None, host: str = "127.0.0.1", port: int = 0,
                         verbose: bool = False):
        from infocheck.contracts.models.server import FLAVOURS, ModelsSettings, ReferenceServer
        if base_path is None:
            base_path = "/openai/v1" if flavour == "azure-v1" else "/v1"
        settings = ModelsSettings(api_key=key, base_path=base_path.rstrip("/"), tokens=tuple(tokens))
        return ReferenceServer(settings, FLAVOURS[flavour], host=host, port=port, verbose=verbose)

    def server_banner(self, server, flavour: str) -> list[str]:
        settings = server.settings
        return [f"infocheck reference server: {server.url}/models",
                f"contract {self.name} ({self.title}), flavour {flavour}: {self.flavours[flavour]}",
                f"models: {', '.join(m['id'] for m in settings.models)}; give --endpoint {server.url}"]

    def embedded_defaults(self) -> dict:
        from infocheck.contracts.models.server import DEFAULT_MODELS
        return {"model": DEFAULT_MODELS[0]["id"]}


CONTRACT = ModelsContract()
