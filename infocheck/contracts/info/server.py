"""The reference server: the /info contract at its best (every MUST and SHOULD infocheck checks).

Standard library only. `InfoHandler`'s steps (`authenticate`, `check_api_version`,
`choose_model`, `send_model_info`, ...) are methods so the self-tests can build faulty
variants by overriding one step each. Run standalone with `python -m infocheck.contracts.info.server`.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hmac
import json
import os
import re
import secrets
import sys
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from infocheck import __version__
from infocheck.contracts.info import profiles as schemas

SUPPORTED_VERSIONS = tuple(schemas.known_versions())
DEFAULT_MODELS = {
    "phi3-mini": {"model_name": "phi3-mini", "model_type": "chat_completion",
                  "model_provider_name": "Microsoft"},
    "cohere-embed-v3-english": {"model_name": "Cohere-embed-v3-english", "model_type": "embeddings",
                                "model_provider_name": "Cohere"},
}
ALLOWED_METHODS = "GET, HEAD"
CLIENT_REQUEST_ID = re.compile(r"^[\x21-\x7e]{1,200}$")


@dataclass
class Settings:
    api_key: str
    models: dict = field(default_factory=lambda: dict(DEFAULT_MODELS))
    default_model: str = "phi3-mini"
    base_path: str = ""
    supported_versions: tuple = SUPPORTED_VERSIONS
    tokens: tuple = ()  # Bearer tokens accepted besides the key (never as api-key)


class Refusal(Exception):
    """An error answer: status, Azure error code, message, extra headers."""

    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


class InfoHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = f"infocheck-reference/{__version__}"
    timeout = 30  # a client that stalls mid-request does not hold a thread for ever
    # Headers and body go out as two writes; with Nagle on, the body waits for the client's
    # delayed ACK (~40 ms a request on loopback).
    disable_nagle_algorithm = True
    settings: Settings  # set on the subclass the server builds

    def version_string(self) -> str:
        return self.server_version

    # -- dispatch --------------------------------------------------------------------------

    def do_GET(self):
        self.serve(head=False)

    def do_HEAD(self):
        self.serve(head=True)

    def do_OPTIONS(self):
        self.discard_body()
        self.send_response(204)
        self.send_header("Allow", ALLOWED_METHODS)
        self.send_common_headers()
        self.send_header("Content-Length", "0")
        self.end_headers()

    def __getattr__(self, name):
        if name.startswith("do_"):  # every other method: 405, not the standard library's 501
            return self.method_not_allowed
        raise AttributeError(name)

    def method_not_allowed(self):
        self.discard_body()
        if self.route() is None:
            return self.send_refusal(Refusal(404, "NotFound", "No such route."))
        self.send_refusal(Refusal(405, "MethodNotAllowed",
                                  f"{self.command} is not allowed; use GET.",
                                  {"Allow": ALLOWED_METHODS}))

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

    def authenticate(self) -> None:
        key = self.settings.api_key
        authorizations = self.headers.get_all("Authorization") or []
        api_keys = self.headers.get_all("api-key") or []
        if not authorizations and not api_keys:
            raise Refusal(401, "Unauthorized", "Credentials are missing: send 'Authorization: "
                          "Bearer <key>' or 'api-key: <key>'.",
                          {"WWW-Authenticate": 'Bearer realm="infocheck-reference"'})
        def matches(offered: str | None, accepted) -> bool:
            return offered is not None and any(hmac.compare_digest(offered.encode(), a.encode())
                                               for a in accepted)

        bearers = []
        for value in authorizations:
            scheme, _, token = value.strip().partition(" ")
            bearers.append(token.strip() if scheme.lower() == "bearer" and token.strip() else None)
        valid = all(matches(t, (key,) + tuple(self.settings.tokens)) for t in bearers) and \
            all(matches(v.strip(), (key,)) for v in api_keys)
        if not valid:
            raise Refusal(401, "Unauthorized", "The credentials are not valid.",
                          {"WWW-Authenticate": 'Bearer realm="infocheck-reference", error="invalid_token"'})

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

    # -- the wire --------------------------------------------------------------------------

    def encode(self, document) -> bytes:
        return json.dumps(document).encode("utf-8")

    def content_type(self) -> str:
        return "application/json"

    def send_common_headers(self) -> None:
        self.send_header("x-ms-request-id", str(uuid.uuid4()))
        client_id = self.headers.get("x-ms-client-request-id")
        if client_id and CLIENT_REQUEST_ID.match(client_id):
            self.send_header("x-ms-client-request-id", client_id)

    def send_json(self, status: int, document, headers: dict, head: bool) -> None:
        body = self.encode(document)
        self.send_response(status)
        self.send_header("Content-Type", self.content_type())
        self.send_header("Content-Length", str(len(body)))
        self.send_common_headers()
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def discard_body(self) -> None:
        length = self.headers.get("Content-Length")
        if length and length.isdigit():
            self.rfile.read(min(int(length), 1 << 20))

    def log_message(self, format, *args):
        if getattr(self.server, "verbose", False):
            sys.stderr.write(f"{dt.datetime.now():%H:%M:%S} {self.address_string()} {format % args}\n")


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


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that hangs up mid-answer (as infocheck does past its body limit) is normal.
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class ReferenceServer:
    """An /info server on a loopback port, in a background thread."""

    def __init__(self, settings: Settings, handler: type[InfoHandler] = InfoHandler,
                 host: str = "127.0.0.1", port: int = 0, verbose: bool = False):
        handler_class = type(handler.__name__, (handler,), {"settings": settings})
        self.settings = settings
        self.httpd = _Server((host, port), handler_class)
        self.httpd.verbose = verbose
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}{self.settings.base_path}"

    def start(self) -> "ReferenceServer":
        if self._thread is not None:
            return self
        # A short poll: stop() waits for it, and every run that embeds the server stops it.
        self._thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,),
                                        name="infocheck-reference", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infocheck.contracts.info.server",
        description="Serve the /info reference implementation. The key comes from "
                    "INFOCHECK_API_KEY; without it a random key is generated and printed. "
                    "INFOCHECK_TOKEN, if set, is a Bearer token accepted too.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--base-path", default=None,
                        help="path before /info, e.g. /models (the foundry flavour's default)")
    parser.add_argument("--quiet", action="store_true", help="do not log requests")
    parser.add_argument("--flavour", choices=sorted(FLAVOURS), default="reference",
                        help="reference: the contract at its best; serverless: like a real "
                             "serverless endpoint of 2024-05-01-preview, quirks included; foundry: "
                             "like Azure AI Foundry's unified endpoint, which needs a model named")
    args = parser.parse_args(argv)
    key = os.environ.get("INFOCHECK_API_KEY")
    generated = not key
    key = key or secrets.token_urlsafe(24)
    token = os.environ.get("INFOCHECK_TOKEN")  # a Bearer token to accept besides the key
    base_path = args.base_path if args.base_path is not None else \
        ("/models" if args.flavour == "foundry" else "")
    settings = Settings(api_key=key, base_path=base_path.rstrip("/"),
                        tokens=(token,) if token else ())
    try:
        server = ReferenceServer(settings, FLAVOURS[args.flavour], host=args.host, port=args.port,
                                 verbose=not args.quiet)
    except OSError as exc:
        print(f"infocheck.contracts.info.server: cannot listen on {args.host}:{args.port}: {exc.strerror}",
              file=sys.stderr)
        return 2
    print(f"infocheck reference server: {server.url}/info?api-version={SUPPORTED_VERSIONS[-1]}")
    print(f"deployments: {', '.join(settings.models)} (default {settings.default_model})")
    if generated:
        print(f"generated key for this run (set INFOCHECK_API_KEY to choose one): {key}")
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
