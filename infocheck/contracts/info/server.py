"""The Get Info API's reference server: the /info contract at its best (every MUST and SHOULD
infocheck checks), and flavours that behave as real endpoints do, quirks included.

`InfoHandler`'s steps (`authenticate`, `check_api_version`, `choose_model`, `send_model_info`,
...) are methods so the self-tests can build faulty variants by overriding one step each. It
runs embedded (no endpoint given) or standalone as `infocheck serve`.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from infocheck.contracts.info import profiles as schemas
from infocheck.server.base import JSONHandler, ReferenceServer, Refusal, ServerSettings

__all__ = ["DEFAULT_MODELS", "FLAVOURS", "FoundryHandler", "InfoHandler", "ReferenceServer",
           "Refusal", "ServerlessHandler", "Settings", "SUPPORTED_VERSIONS"]

SUPPORTED_VERSIONS = tuple(schemas.known_versions())
DEFAULT_MODELS = {
    "phi3-mini": {"model_name": "phi3-mini", "model_type": "chat_completion",
                  "model_provider_name": "Microsoft"},
    "cohere-embed-v3-english": {"model_name": "Cohere-embed-v3-english", "model_type": "embeddings",
                                "model_provider_name": "Cohere"},
}


@dataclass
class Settings(ServerSettings):
    models: dict = field(default_factory=lambda: dict(DEFAULT_MODELS))
    default_model: str = "phi3-mini"
    supported_versions: tuple = SUPPORTED_VERSIONS


class InfoHandler(JSONHandler):
    settings: Settings  # set on the subclass the server builds

    def serve(self, head: bool):
        self.discard_body()
        try:
            query = self.route()
            if query is None:
                raise Refusal(404, "NotFound", "No such route.")
            self.authenticate()
            self.check_api_version(query)
            model = self.choose_model(query)
        except Refusal as refusal:
            return self.send_refusal(refusal, head)
        self.send_model_info(model, head)

    # -- the steps -------------------------------------------------------------------------

    def route(self) -> dict | None:
        parts = urlsplit(self.path)
        if parts.path != self.settings.base_path + "/info":
            return None
        return parse_qs(parts.query, keep_blank_values=True)

    def check_api_version(self, query: dict) -> None:
        values = query.get("api-version")
        if not values:
            raise Refusal(400, "MissingApiVersionParameter",
                          "The api-version query parameter is required. Supported versions: "
                          + ", ".join(self.settings.supported_versions) + ".")
        if len(values) != 1 or values[0] not in self.settings.supported_versions:
            raise Refusal(400, "UnsupportedApiVersionValue",
                          "Unsupported api-version. Supported versions: "
                          + ", ".join(self.settings.supported_versions) + ".")

    def choose_model(self, query: dict) -> dict:
        version = (query.get("api-version") or [SUPPORTED_VERSIONS[0]])[0]
        name = self.headers.get("azureml-model-deployment")
        if "model" in schemas.profile(version)["inputs"] and query.get("model"):
            name = query["model"][0]
        if name is None:
            return self.spelled(self.settings.models[self.settings.default_model], version)
        if name not in self.settings.models:
            raise Refusal(404, "DeploymentNotFound", "No deployment or model has that name.")
        return self.spelled(self.settings.models[name], version)

    @staticmethod
    def spelled(model: dict, version: str) -> dict:
        """model_type as the api-version documents it (chat_completion or chat-completion)."""
        documented = schemas.model_types(version)
        if model["model_type"] not in documented:
            hyphenated = model["model_type"].replace("_", "-")
            if hyphenated in documented:
                return dict(model, model_type=hyphenated)
        return model

    def send_model_info(self, model: dict, head: bool) -> None:
        self.send_json(200, model, {}, head)

    def send_refusal(self, refusal: Refusal, head: bool = False) -> None:
        headers = dict(refusal.headers, **{"x-ms-error-code": refusal.code})
        body = {"error": {"code": refusal.code, "message": refusal.message}}
        self.send_json(refusal.status, body, headers, head)


class ServerlessHandler(InfoHandler):
    """Behaves like a real serverless (MaaS) endpoint of 2024-05-01-preview, as the SDK
    recordings show it: served_* members, X-Request-ID, a flat 401 body with
    x-ms-error-reason and no WWW-Authenticate, generic BadRequest for api-version errors,
    and no x-ms-error-code anywhere."""

    def send_model_info(self, model: dict, head: bool) -> None:
        served = dict(model, served_model_name=model["model_name"], served_model_type=model["model_type"])
        self.send_json(200, served, {}, head)

    def check_api_version(self, query: dict) -> None:
        try:
            super().check_api_version(query)
        except Refusal:
            raise Refusal(400, "BadRequest", "API version not supported") from None

    def send_refusal(self, refusal: Refusal, head: bool = False) -> None:
        if refusal.status == 401:
            body = {"statusCode": 401, "message": "Auth token validation failed. Please provide a "
                    "valid key or a valid AAD token"}
            return self.send_json(401, body, {"x-ms-error-reason": "Invalid JWT."}, head)
        headers = {k: v for k, v in refusal.headers.items() if k.lower() != "www-authenticate"}
        self.send_json(refusal.status, {"error": {"code": refusal.code, "message": refusal.message}},
                       headers, head)

    def send_common_headers(self) -> None:
        self.send_header("X-Request-ID", str(uuid.uuid4()))


class FoundryHandler(InfoHandler):
    """Behaves like Azure AI Foundry's unified endpoint (https://<resource>.services.ai.azure.com
    /models): several models behind one URL and no default. A request names its model through
    azureml-model-deployment (matched without regard to case), the model query parameter
    (2025-04-01 and later) or x-ms-model-mesh-model-name; naming none is 400 no_model_name, an
    unknown one 400 unknown_model; 2024-08-01-preview is not served there (404)."""

    NO_MODEL = ("No model specified in request. Please provide a model name in the request body "
                "or as a x-ms-model-mesh-model-name header.")

    def check_api_version(self, query: dict) -> None:
        if query.get("api-version") == ["2024-08-01-preview"]:
            raise Refusal(404, "404", "Resource not found")
        super().check_api_version(query)

    def choose_model(self, query: dict) -> dict:
        version = query["api-version"][0]
        name = (self.headers.get("azureml-model-deployment")
                or self.headers.get("x-ms-model-mesh-model-name"))
        if "model" in schemas.profile(version)["inputs"] and query.get("model"):
            name = query["model"][0]
        if not name:
            raise Refusal(400, "no_model_name", self.NO_MODEL)
        found = {known.lower(): known for known in self.settings.models}.get(name.lower())
        if found is None:
            raise Refusal(400, "unknown_model", f"Unknown model: {name[:100]}")
        return self.spelled(self.settings.models[found], version)




FLAVOURS = {"reference": InfoHandler, "serverless": ServerlessHandler, "foundry": FoundryHandler}
