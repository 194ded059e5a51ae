"""Faulty variants of the reference server: each breaks one requirement by overriding one step,
and declares what the suite must report against it — exactly, no more and no less."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import credential_faults as credential
from fault_registry import registry
from infocheck.contracts.info.server import InfoHandler, Refusal

FAULTS, fault = registry()


# -- MUST ----------------------------------------------------------------------------------

@fault(failed={"SHAPE-200"})
class Answers202(InfoHandler):
    def send_model_info(self, model, head):
        self.send_json(202, model, {}, head)


@fault(failed={"SHAPE-JSON"})
class PlainTextMediaType(InfoHandler):
    def content_type(self):
        return "text/plain"


@fault(failed={"SHAPE-MODELINFO", "DEPLOYMENT-KNOWN"})
class NoProviderName(InfoHandler):
    def send_model_info(self, model, head):
        self.send_json(200, {k: v for k, v in model.items() if k != "model_provider_name"}, {}, head)


@fault(failed={"SHAPE-MODELINFO", "DEPLOYMENT-KNOWN"}, findings={"SHAPE-MODEL-TYPE-SPELLING"})
class HyphenatedModelType(InfoHandler):
    def send_model_info(self, model, head):
        self.send_json(200, dict(model, model_type=model["model_type"].replace("_", "-")), {}, head)


@fault(failed={"SHAPE-MODELINFO", "DEPLOYMENT-KNOWN"}, findings={"SHAPE-MODEL-TYPE-SPELLING"})
class GiganticBody(InfoHandler):
    def send_model_info(self, model, head):
        self.send_json(200, dict(model, padding="x" * (2 * 1024 * 1024)), {}, head)


@fault(failed={"API-VERSION-REQUIRED"}, findings={"API-VERSION-MISSING-CODE"})
class DefaultsMissingApiVersion(InfoHandler):
    def check_api_version(self, query):
        super().check_api_version(query if "api-version" in query else {"api-version": ["2024-04-01-preview"]})


@fault(failed={"API-VERSION-FORMAT"})
class AcceptsMalformedApiVersion(InfoHandler):
    def check_api_version(self, query):
        from infocheck.contracts.info.contract import API_VERSION_FORMAT
        values = query.get("api-version") or []
        if len(values) == 1 and not API_VERSION_FORMAT.match(values[0]):
            return  # anything that does not look like a date is taken as "the default"
        super().check_api_version(query)


@fault(failed={"API-VERSION-FORMAT"})
class AcceptsMonth13(InfoHandler):
    """Only one rare kind of malformed version gets through, and no fixed example is of that
    kind: only the generated variety finds it."""
    def check_api_version(self, query):
        if not re.fullmatch(r"[0-9]{4}-13-[0-9]{2}", (query.get("api-version") or [""])[0]):
            super().check_api_version(query)


@fault(failed={"API-VERSION-UNSUPPORTED"}, findings={"API-VERSION-UNSUPPORTED-CODE"})
class AcceptsAnyWellFormedApiVersion(InfoHandler):
    def check_api_version(self, query):
        from infocheck.configuration.knobs import ConfigError
        from infocheck.contracts.info.contract import validate_api_version
        values = query.get("api-version") or []
        try:
            if len(values) == 1 and validate_api_version(values[0]):
                return
        except ConfigError:
            pass
        super().check_api_version(query)


@fault(failed={"HTTP-NO-5XX"})
class CrashesOnMalformedApiVersion(InfoHandler):
    def check_api_version(self, query):
        try:
            super().check_api_version(query)
        except Refusal as refusal:
            if refusal.code == "UnsupportedApiVersionValue" and not (query["api-version"][0][:2] in ("19", "20")):
                raise Refusal(500, "InternalServerError", "Traceback (most recent call last): ...")
            raise


@fault(failed={"AUTH-MISSING"}, findings={"AUTH-401"})
class OpenWithoutCredentials(credential.LetsNoCredentialThrough, InfoHandler):
    pass


@fault(failed={"AUTH-WRONG-KEY"})
class AcceptsAnyHexToken(credential.AcceptsAnyHexBearer, InfoHandler):
    pass


@fault(failed={"AUTH-NEAR-MISS"})
class CaseInsensitiveKey(credential.ComparesTheKeyIgnoringCase, InfoHandler):
    pass


def offered_bearer(handler) -> str:
    scheme, _, token = (handler.headers.get("Authorization") or "").partition(" ")
    return token if scheme == "Bearer" else ""


@fault(failed={"AUTH-NEAR-MISS"})
class AcceptsTheKeyWithAnythingAppended(InfoHandler):
    """Compares only the key's length of what it is offered: caught by the 'extended' near miss
    alone (the others are shorter, or differ within the key's length)."""
    def authenticate(self):
        token, key = offered_bearer(self), self.settings.api_key
        if len(token) > len(key) and token.startswith(key):
            return
        super().authenticate()


@fault(failed={"AUTH-NEAR-MISS"})
class IgnoresTheKeysLastCharacter(InfoHandler):
    """Compares all but the last character of a key of the right length: caught by the
    'one-changed' near miss alone."""
    def authenticate(self):
        token, key = offered_bearer(self), self.settings.api_key
        if len(token) == len(key) and token[:-1] == key[:-1]:
            return
        super().authenticate()


@fault(failed={"AUTH-MISSING", "AUTH-WRONG-KEY", "AUTH-NEAR-MISS", "AUTH-MALFORMED"})
class RefusesButAnswersTheModelInfo(InfoHandler):
    """401 with the right status, and the ModelInfo in the body all the same."""
    def send_refusal(self, refusal, head=False):
        if refusal.status != 401:
            return super().send_refusal(refusal, head)
        body = {"error": {"code": refusal.code, "message": refusal.message},
                **self.settings.models[self.settings.default_model]}
        self.send_json(401, body, dict(refusal.headers, **{"x-ms-error-code": refusal.code}), head)


@fault(failed={"AUTH-MALFORMED"})
class IgnoresTheScheme(InfoHandler):
    def authenticate(self):
        value = self.headers.get("Authorization") or ""
        if self.settings.api_key in (value, value.partition(" ")[2]):
            return
        super().authenticate()


@fault(failed={"AUTH-NO-ECHO"})
class EchoesTheCredential(InfoHandler):
    def authenticate(self):
        try:
            super().authenticate()
        except Refusal as refusal:
            offered = self.headers.get("Authorization") or self.headers.get("api-key")
            if offered:
                refusal.message = f"The credentials {offered!r} are not valid."
                refusal.headers["x-offered-credential"] = offered
            raise


@fault(failed={"HTTP-HEADER-CASE"})
class CaseSensitiveHeaderNames(InfoHandler):
    def authenticate(self):
        exact = [v for k, v in self.headers.items() if k in ("Authorization", "api-key")]
        if not exact:
            raise Refusal(401, "Unauthorized", "Credentials are missing.", {"WWW-Authenticate": "Bearer"})
        super().authenticate()


@fault(failed={"HTTP-QUERY-ORDER"})
class ApiVersionMustComeFirst(InfoHandler):
    def check_api_version(self, query):
        first = urlsplit(self.path).query.split("&")[0]
        super().check_api_version(parse_qs(first, keep_blank_values=True))


CANONICAL = {"Host", "User-Agent", "Accept", "Accept-Encoding", "Authorization",
             "azureml-model-deployment", "Connection"}


@fault(failed={"HTTP-REPEATABLE"})
class UnstableModelName(InfoHandler):
    plain_requests = 0

    def send_model_info(self, model, head):
        # The positive request exactly: canonical header names, Bearer, nothing added.
        plain = (self.command == "GET" and urlsplit(self.path).query.count("&") == 0
                 and (self.headers.get("Authorization") or "").startswith("Bearer ")
                 and set(self.headers.keys()) <= CANONICAL)
        if plain:
            type(self).plain_requests += 1
            if type(self).plain_requests % 2 == 0:
                model = dict(model, model_name=model["model_name"] + "-canary")
        super().send_model_info(model, head)


@fault(failed={"DEPLOYMENT-KNOWN"})
class LosesSecondDeployment(InfoHandler):
    def choose_model(self, query):
        if self.headers.get("azureml-model-deployment") == list(self.settings.models)[1]:
            raise Refusal(404, "DeploymentNotFound", "No deployment has that name.")
        return super().choose_model(query)


@fault(failed={"DEPLOYMENT-UNKNOWN"})
class RoutesUnknownDeploymentsToDefault(InfoHandler):
    def choose_model(self, query):
        if self.headers.get("azureml-model-deployment") not in self.settings.models:
            return self.settings.models[self.settings.default_model]
        return super().choose_model(query)


MODEL_ARGS = ("--api-version", "2025-04-01", "--model", "phi3-mini")


@fault(failed={"MODEL-KNOWN"}, args=MODEL_ARGS)
class BrokenModelInfoByModelName(InfoHandler):
    def choose_model(self, query):
        if query.get("model") and query["model"][0] in self.settings.models:
            return {"model_name": query["model"][0]}  # no type, no provider
        return super().choose_model(query)


@fault(failed={"MODEL-UNKNOWN"}, args=MODEL_ARGS)
class RoutesUnknownModelsToDefault(InfoHandler):
    def choose_model(self, query):
        if query.get("model") and query["model"][0] not in self.settings.models:
            query = {k: v for k, v in query.items() if k != "model"}
        return super().choose_model(query)


@fault(failed={"SHAPE-MODELINFO", "DEPLOYMENT-KNOWN"}, findings={"SHAPE-MODEL-TYPE-SPELLING"},
       args=("--api-version", "2024-04-01-preview"))
class VendorAliasUnderClosedVersion(InfoHandler):
    def send_model_info(self, model, head):
        if model["model_type"] == "embeddings":
            model = dict(model, model_type="embedding")
        super().send_model_info(dict(model, model_type=model["model_type"].replace("_", "-")), head)


@fault(findings={"SHAPE-MODEL-TYPE-SPELLING"}, args=("--api-version", "2024-05-01-preview"))
class VendorAliasUnderExtensibleVersion(InfoHandler):
    def send_model_info(self, model, head):
        super().send_model_info(dict(model, model_type="embedding"), head)


# -- SHOULD --------------------------------------------------------------------------------

@fault(findings={"SHAPE-CHARSET"})
class Latin1Charset(InfoHandler):
    def content_type(self):
        return "application/json; charset=iso-8859-1"


@fault(findings={"SHAPE-NO-BOM"})
class ByteOrderMark(InfoHandler):
    def encode(self, document):
        return b"\xef\xbb\xbf" + super().encode(document)


@fault(findings={"SHAPE-UNIQUE-MEMBERS"})
class DuplicateMember(InfoHandler):
    def encode(self, document):
        body = super().encode(document)
        return body.replace(b'{"model_name"', b'{"model_name": "draft", "model_name"', 1)


@fault(findings={"SHAPE-NO-NULL"})
class NullMember(InfoHandler):
    def send_model_info(self, model, head):
        super().send_model_info(dict(model, model_version=None), head)


@fault(findings={"API-VERSION-MISSING-CODE"})
class GenericBadRequestForMissingVersion(InfoHandler):
    def check_api_version(self, query):
        if not query.get("api-version"):
            raise Refusal(400, "BadRequest", "API version not supported")
        super().check_api_version(query)


@fault(findings={"API-VERSION-UNSUPPORTED-CODE"})
class NotFoundForUnknownVersions(InfoHandler):
    def check_api_version(self, query):
        try:
            super().check_api_version(query)
        except Refusal as refusal:
            if refusal.code == "UnsupportedApiVersionValue":
                raise Refusal(404, "404", "Resource not found") from None
            raise


@fault(findings={"AUTH-401"})
class ForbiddenInsteadOf401(InfoHandler):
    def authenticate(self):
        try:
            super().authenticate()
        except Refusal as refusal:
            raise Refusal(403, "Forbidden", refusal.message) from None


@fault(findings={"AUTH-CHALLENGE"})
class NoChallenge(InfoHandler):
    def authenticate(self):
        try:
            super().authenticate()
        except Refusal as refusal:
            refusal.headers.pop("WWW-Authenticate", None)
            raise


@fault(findings={"AUTH-API-KEY-HEADER"})
class BearerOnly(InfoHandler):
    def authenticate(self):
        if "api-key" in self.headers and "Authorization" not in self.headers:
            raise Refusal(401, "Unauthorized", "Use Authorization: Bearer.", {"WWW-Authenticate": "Bearer"})
        super().authenticate()


@fault(findings={"AUTH-BOTH-HEADERS"})
class RejectsBothHeaders(InfoHandler):
    def authenticate(self):
        if "api-key" in self.headers and "Authorization" in self.headers:
            raise Refusal(400, "AmbiguousCredentials", "Send one credential.")
        super().authenticate()


@fault(findings={"AUTH-SCHEME-CASE"})
class CaseSensitiveScheme(InfoHandler):
    def authenticate(self):
        if (self.headers.get("Authorization") or "").startswith("bearer "):
            raise Refusal(401, "Unauthorized", "Unknown scheme.", {"WWW-Authenticate": "Bearer"})
        super().authenticate()


@fault(findings={"ERROR-BODY", "ERROR-CODE-HEADER", "API-VERSION-MISSING-CODE",
                 "API-VERSION-UNSUPPORTED-CODE"})
class FlatServerlessErrors(InfoHandler):
    def send_refusal(self, refusal, head=False):
        body = {"statusCode": refusal.status, "message": refusal.message}
        self.send_json(refusal.status, body, refusal.headers, head)


@fault(findings={"ERROR-CODE-HEADER"})
class NoErrorCodeHeader(InfoHandler):
    def send_refusal(self, refusal, head=False):
        body = {"error": {"code": refusal.code, "message": refusal.message}}
        self.send_json(refusal.status, body, refusal.headers, head)


@fault(findings={"ERROR-CODE-HEADER"})
class ErrorCodeHeaderDisagreesWithTheBody(InfoHandler):
    def send_refusal(self, refusal, head=False):
        body = {"error": {"code": refusal.code, "message": refusal.message}}
        self.send_json(refusal.status, body, dict(refusal.headers, **{"x-ms-error-code": "Error"}), head)


@fault(findings={"HTTP-405"})
class AllowWithoutGet(InfoHandler):
    def method_not_allowed(self):
        self.discard_body()
        self.send_refusal(Refusal(405, "MethodNotAllowed", "Not this method.", {"Allow": "POST, PUT"}))


@fault(findings={"HTTP-UNKNOWN-HEADERS"})
class RejectsUnknownHeaders(InfoHandler):
    def authenticate(self):
        if any(k.lower().startswith("x-") and not k.lower().startswith("x-ms-") for k in self.headers):
            raise Refusal(400, "UnknownHeader", "Unknown header.")
        super().authenticate()


@fault(findings={"HTTP-405"})
class NotFoundForOtherMethods(InfoHandler):
    def method_not_allowed(self):
        self.discard_body()
        self.send_refusal(Refusal(404, "NotFound", "No such route."))


@fault(findings={"HTTP-HEAD"})
class NoHead(InfoHandler):
    def do_HEAD(self):
        self.send_refusal(Refusal(405, "MethodNotAllowed", "Use GET.", {"Allow": "GET"}), head=True)


@fault(findings={"HTTP-REQUEST-ID"})
class NoRequestId(InfoHandler):
    def send_common_headers(self):
        pass


@fault(findings={"HTTP-DATE"})
class NoDate(InfoHandler):
    def send_response(self, code, message=None):
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Server", self.version_string())
