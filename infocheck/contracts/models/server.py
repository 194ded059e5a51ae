"""The v1 models API's reference server, and the flavours of real servers: each reproduces what
models-contract's sources document of that server (and, where nothing is documented, behaves as
the reference does; LiteLLM, FastChat and llama-cpp-python as measured on
loopback, docs/contracts.md), so that infocheck's grading of each is checked, and so that a client's
author can test against them: `infocheck serve --contract models --flavour vllm`.

`ModelsHandler`'s steps (`authenticate`, `check_api_version`, `listed`, `model_body`,
`retrieve`, `send_refusal`) are methods, so a flavour or a faulty variant overrides one each.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

from infocheck.server.base import JSONHandler, ReferenceServer, Refusal, ServerSettings

__all__ = ["DEFAULT_MODELS", "FLAVOURS", "ModelsHandler", "ModelsSettings", "ReferenceServer", "Refusal"]

DEFAULT_MODELS = [
    {"id": "gpt-4o-mini", "object": "model", "created": 1721172741, "owned_by": "system"},
    {"id": "meta-llama/Llama-3.1-8B-Instruct", "object": "model", "created": 1721692800,
     "owned_by": "meta-llama"},
    {"id": "text-embedding-3-small", "object": "model", "created": 1705948997, "owned_by": "system"},
]
ACCEPTED_VERSIONS = ("v1", "preview")


@dataclass
class ModelsSettings(ServerSettings):
    models: list = field(default_factory=lambda: [dict(m) for m in DEFAULT_MODELS])
    deployments: dict = field(default_factory=dict)   # retrievable by name, not listed (Azure)


class ModelsHandler(JSONHandler):
    """The contract at its best: the key as Bearer or api-key, Azure's error body (with its
    code first, which the OpenAI shape admits), api-version none, v1 or preview."""

    settings: ModelsSettings

    def serve(self, head: bool):
        self.discard_body()
        try:
            found = self.route()
            if found is None:
                raise Refusal(404, "NotFound", "No such route.")
            kind, model_id, query = found
            if self.needs_credentials(kind):
                self.authenticate()
            self.check_api_version(query)
            if kind == "list":
                return self.send_json(200, self.listing(), {}, head)
            return self.send_json(200, self.retrieve(model_id), {}, head)
        except Refusal as refusal:
            return self.send_refusal(refusal, head)

    # -- the steps -------------------------------------------------------------------------

    def route(self):
        """("list", None, query), ("model", id, query), or None."""
        parts = urlsplit(self.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        base = self.settings.base_path
        if parts.path == base + "/models":
            return "list", None, query
        if parts.path.startswith(base + "/models/") and len(parts.path) > len(base) + 8:
            return "model", unquote(parts.path[len(base) + 8:]), query
        return None

    def needs_credentials(self, kind: str) -> bool:
        return True

    def check_api_version(self, query: dict) -> None:
        values = query.get("api-version")
        if values is not None and (len(values) != 1 or values[0] not in ACCEPTED_VERSIONS):
            raise Refusal(400, "BadRequest", "API version not supported")

    def listed(self) -> list[dict]:
        return self.settings.models

    def model_body(self, model: dict) -> dict:
        return dict(model)

    def listing(self) -> dict:
        return {"object": "list", "data": [self.model_body(m) for m in self.listed()]}

    def retrieve(self, model_id: str) -> dict:
        for model in self.listed():
            if model["id"] == model_id:
                return self.model_body(model)
        if model_id in self.settings.deployments:
            return self.model_body(dict(self.settings.deployments[model_id], id=model_id))
        raise Refusal(404, "model_not_found", f"The model {model_id[:100]!r} does not exist.")

    def send_refusal(self, refusal: Refusal, head: bool = False) -> None:
        headers = dict(refusal.headers, **{"x-ms-error-code": refusal.code})
        body = {"error": {"code": refusal.code, "message": refusal.message, "param": None, "type": None}}
        self.send_json(refusal.status, body, headers, head)


TICKS = itertools.count(1)


def request_time() -> int:
    """The time of the request, as vLLM and llama.cpp give a Model's created: one that always
    moves on (a second a request), so that two listings never agree by chance."""
    return 1764000000 + next(TICKS)


class AzureV1Handler(ModelsHandler):
    """Azure's /openai/v1: the list is the resource's model catalogue, deployments (what a
    client names as model) are retrievable by name; a 401 in Azure's numeric-code form."""

    CATALOGUE = [{"id": f"catalogue-model-{n:02d}", "object": "model", "created": 1700000000 + n,
                  "owned_by": "system"} for n in range(1, 31)]
    DEPLOYMENTS = {"contoso-gpt-4o-mini": DEFAULT_MODELS[0]}

    def listed(self) -> list[dict]:
        return self.settings.models + self.CATALOGUE

    def retrieve(self, model_id: str) -> dict:
        if model_id in self.DEPLOYMENTS:
            return self.model_body(dict(self.DEPLOYMENTS[model_id], id=model_id))
        return super().retrieve(model_id)

    def send_refusal(self, refusal: Refusal, head: bool = False) -> None:
        if refusal.status == 401:
            refusal = Refusal(401, "401", "Access denied due to invalid subscription key or wrong "
                              "API endpoint. Make sure to provide a valid key for an active "
                              "subscription and use a correct regional API endpoint for your resource.")
        body = {"error": {"code": refusal.code, "message": refusal.message}}
        self.send_json(refusal.status, body, {}, head)


class VllmHandler(ModelsHandler):
    """vLLM's OpenAI server: Bearer only; no retrieve route (FastAPI answers 404 {"detail":
    "Not Found"}, vllm PR #43127); created the request's time; owned_by vllm, with root, parent,
    max_model_len and permission besides; a 401 of {"error": "Unauthorized"}."""

    def authenticate(self) -> None:
        if self.headers.get("Authorization") != f"Bearer {self.settings.api_key}":
            raise Refusal(401, "Unauthorized", "Unauthorized")

    def check_api_version(self, query: dict) -> None:
        pass   # the query is not read

    def model_body(self, model: dict) -> dict:
        return {"id": model["id"], "object": "model", "created": request_time(), "owned_by": "vllm",
                "root": model["id"], "parent": None, "max_model_len": 8192,
                "permission": [{"id": "modelperm-0", "object": "model_permission", "allow_sampling": True}]}

    def retrieve(self, model_id: str) -> dict:
        raise Refusal(404, "NotFound", "Not Found")

    def send_refusal(self, refusal: Refusal, head: bool = False) -> None:
        body = {"error": "Unauthorized"} if refusal.status == 401 else {"detail": refusal.message}
        self.send_json(refusal.status, body, {}, head)


class LlamaCppHandler(VllmHandler):
    """llama.cpp's server: the models route is public by design, no retrieve route (its 404 is
    the OpenAI body with an integer code), an Ollama-style models member beside data, created
    the request's time."""

    def needs_credentials(self, kind: str) -> bool:
        return False

    def listing(self) -> dict:
        found = super().listing()
        found["models"] = [{"name": m["id"], "model": m["id"], "type": "model"} for m in self.listed()]
        return found

    def model_body(self, model: dict) -> dict:
        return {"id": model["id"], "object": "model", "created": request_time(), "owned_by": "llamacpp",
                "meta": {"n_ctx_train": 131072}}

    def send_refusal(self, refusal: Refusal, head: bool = False) -> None:
        body = {"error": {"code": refusal.status, "message": "File Not Found", "type": "not_found_error"}}
        self.send_json(refusal.status, body, {}, head)


OLLAMA_MODELS = [
    {"id": "llama3.2:latest", "object": "model", "created": 1726599473, "owned_by": "library"},
    {"id": "qwen2.5:7b", "object": "model", "created": 1727124556, "owned_by": "library"},
    {"id": "hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M", "object": "model",
     "created": 1730000000, "owned_by": "bartowski"},
]


class OllamaHandler(ModelsHandler):
    """Ollama: no credentials at all; retrieve served; created the model file's time; owned_by
    its namespace; errors with code null; data null when it has no model."""

    def needs_credentials(self, kind: str) -> bool:
        return False

    def check_api_version(self, query: dict) -> None:
        pass

    def listed(self) -> list[dict]:
        return OLLAMA_MODELS

    def listing(self) -> dict:
        return {"object": "list", "data": [dict(m) for m in self.listed()] or None}

    def send_refusal(self, refusal: Refusal, head: bool = False) -> None:
        body = {"error": {"message": refusal.message, "type": "api_error", "param": None, "code": None}}
        self.send_json(refusal.status, body, {}, head)


class TgiHandler(ModelsHandler):
    """Hugging Face TGI: one model, created 0, owned_by its id (what the sources leave open, the
    retrieve route and credentials, is as the reference has it)."""

    def listed(self) -> list[dict]:
        model = "meta-llama/Llama-3.1-8B-Instruct"
        return [{"id": model, "object": "model", "created": 0, "owned_by": model}]


class FastApiServer(ModelsHandler):
    """What a FastAPI application answers, as the servers written with it (LiteLLM, FastChat,
    llama-cpp-python) do: a path no route matches is 404 {"detail": "Not Found"} before any
    credential is read (Starlette decodes %2F before routing, so an id with a slash matches no
    `/models/{id}` route either way); the query is not read; errors are {"detail": ...}."""

    RETRIEVE_ROUTE = True   # GET {base}/models/{id}, for an id without "/"

    def route(self):
        parts = urlsplit(self.path)
        base = self.settings.base_path
        if parts.path == base + "/models":
            return "list", None, {}
        rest = unquote(parts.path[len(base) + 8:]) if parts.path.startswith(base + "/models/") else ""
        if self.RETRIEVE_ROUTE and rest and "/" not in rest:
            return "model", rest, {}
        return None

    def check_api_version(self, query: dict) -> None:
        pass   # the query is not read

    def send_refusal(self, refusal: Refusal, head: bool = False) -> None:
        message = "Not Found" if refusal.message == "No such route." else refusal.message
        self.send_json(refusal.status, {"detail": message}, {}, head)

    def bearer(self) -> str | None:
        """The key as FastAPI's HTTPBearer(auto_error=False) reads it: `Bearer` in any case."""
        scheme, _, token = (self.headers.get("Authorization") or "").partition(" ")
        return token if scheme.lower() == "bearer" and token else None

    def send_text(self, status: int, text: str, head: bool) -> None:
        body = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)


LITELLM_MODELS = [   # model_name in the proxy's config; the provider its litellm_params.model names
    ({"id": "gpt-4o", "object": "model", "created": 1677610602, "owned_by": "openai",
      "mode": "chat", "max_input_tokens": 128000}, "openai"),
    ({"id": "gpt-4o-azure", "object": "model", "created": 1677610602, "owned_by": "openai"}, "azure"),
    ({"id": "claude-3-5-sonnet", "object": "model", "created": 1677610602, "owned_by": "openai",
      "mode": "chat", "max_input_tokens": 200000}, "anthropic"),
    ({"id": "org/llama-3", "object": "model", "created": 1677610602, "owned_by": "openai"}, "openai"),
]


class LitellmHandler(FastApiServer):
    """The LiteLLM proxy 1.108.7 as `pip install 'litellm[proxy]'` installs it, with a
    master_key and no database (measured on loopback, docs/contracts.md): every model listed
    created 1677610602 and owned_by openai, whatever it is (litellm #5275, #32903), some with
    mode and max_input_tokens; retrieve served for an id without "/" (since #13128), with the
    provider's owned_by (an azure/ model is owned_by azure there); an id with "/" 404s raw and as
    %2F; an unknown id 404 {"detail"}; no key 500 text/plain (its error handler imports prisma,
    which the extra does not install); a wrong or near-miss key 400 no_db_connection (the
    proxy looks a key that is not the master key up in the database it does not have); the key
    taken from `Bearer`, `bearer` or `Basic`, or from api-key as Azure's clients send it."""

    def listed(self) -> list[dict]:
        return [dict(model) for model, _ in LITELLM_MODELS]

    def retrieve(self, model_id: str) -> dict:
        for model, provider in LITELLM_MODELS:
            if model["id"] == model_id:
                return dict(model, owned_by=provider)
        raise Refusal(404, "NotFound", f"The model {model_id[:100]} does not exist or is not accessible")

    def authenticate(self) -> None:
        scheme, _, token = (self.headers.get("Authorization") or "").strip().partition(" ")
        key = token.strip() if scheme.lower() in ("bearer", "basic") else ""
        key = key or (self.headers.get("api-key") or "").strip()
        if not key:
            raise Refusal(500, "prisma", "Internal Server Error")
        if key != self.settings.api_key:
            raise Refusal(400, "no_db_connection", "No connected db.")

    def send_refusal(self, refusal: Refusal, head: bool = False) -> None:
        if refusal.code == "prisma":
            return self.send_text(500, "Internal Server Error", head)
        if refusal.code == "no_db_connection":
            body = {"error": {"message": refusal.message, "type": "no_db_connection",
                              "param": "None", "code": "400"}}
            return self.send_json(400, body, {}, head)
        super().send_refusal(refusal, head)


FASTCHAT_MODELS = ["vicuna-7b-v1.5", "fastchat-t5-3b-v1.0"]


class FastChatHandler(FastApiServer):
    """FastChat 0.2.36's openai_api_server (with --api-keys; measured on loopback,
    docs/contracts.md): created the request's time, owned_by fastchat, root, parent and
    permission besides; no retrieve route (every id 404s, also without a key); 401 with
    {"detail": {"error": {..., "code": "invalid_api_key"}}} for no key, a wrong one or Basic."""

    RETRIEVE_ROUTE = False

    def listed(self) -> list[dict]:
        return [{"id": name} for name in FASTCHAT_MODELS]

    def model_body(self, model: dict) -> dict:
        return {"id": model["id"], "object": "model", "created": request_time(), "owned_by": "fastchat",
                "root": model["id"], "parent": None,
                "permission": [{"id": "modelperm-0", "object": "model_permission",
                                "created": request_time(), "allow_sampling": True}]}

    def authenticate(self) -> None:
        if self.bearer() != self.settings.api_key:
            raise Refusal(401, "invalid_api_key", "")

    def send_refusal(self, refusal: Refusal, head: bool = False) -> None:
        if refusal.status == 401:
            body = {"detail": {"error": {"message": "", "type": "invalid_request_error", "param": None,
                                         "code": "invalid_api_key"}}}
            return self.send_json(401, body, {}, head)
        super().send_refusal(refusal, head)


class LlamaCppPythonHandler(FastApiServer):
    """llama-cpp-python 0.3.36's server (`python -m llama_cpp.server` with an api_key and a
    local GGUF; measured on loopback, docs/contracts.md), a different program from llama.cpp's
    C++ server (`llama-cpp`): models with no created, owned_by me, permissions []; no retrieve
    route (every id 404s, also without a key); 401 {"detail": "Invalid API key"}."""

    RETRIEVE_ROUTE = False

    def listed(self) -> list[dict]:
        return [{"id": "qwen2.5-0.5b-instruct-q4_k_m.gguf"}]

    def model_body(self, model: dict) -> dict:
        return {"id": model["id"], "object": "model", "owned_by": "me", "permissions": []}

    def authenticate(self) -> None:
        if self.bearer() != self.settings.api_key:
            raise Refusal(401, "Unauthorized", "Invalid API key")


FLAVOURS = {"reference": ModelsHandler, "azure-v1": AzureV1Handler, "vllm": VllmHandler,
            "llama-cpp": LlamaCppHandler, "ollama": OllamaHandler, "tgi": TgiHandler,
            "litellm": LitellmHandler, "fastchat": FastChatHandler,
            "llama-cpp-python": LlamaCppPythonHandler}
