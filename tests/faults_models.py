"""Faulty variants of the models reference server: each breaks one requirement of the models
contract by overriding one step, and declares what the suite must report against it, exactly."""
from __future__ import annotations

from urllib.parse import urlsplit

import credential_faults as credential
from fault_registry import registry
from infocheck.contracts.models.server import ModelsHandler, Refusal

MODEL = ("--model", "gpt-4o-mini")
FAULTS, fault = registry(MODEL)


# -- MUST ----------------------------------------------------------------------------------

@fault(failed={"MODELS-LIST-200"})
class ListAnswers202(ModelsHandler):
    def listing(self):
        raise Refusal(202, "Accepted", "come back later")


@fault(failed={"MODELS-LIST-JSON"})
class ListAsText(ModelsHandler):
    def content_type(self):
        return "text/plain"


@fault(failed={"MODELS-LIST-SHAPE", "MODELS-RETRIEVE-200"})   # its ids are still retrieved
class CreatedAsAString(ModelsHandler):
    def model_body(self, model):
        return dict(model, created=str(model["created"]))


@fault(failed={"MODELS-LIST-SHAPE"})
class DataIsNull(ModelsHandler):
    def listing(self):
        return {"object": "list", "data": None}


@fault(failed={"MODELS-LIST-SHAPE", "MODELS-RETRIEVE-200"})   # its ids are still retrieved
class CreatedAsAFloat(ModelsHandler):
    def model_body(self, model):
        return dict(model, created=model["created"] + 0.5)


@fault(failed={"MODELS-RETRIEVE-200"}, findings={"MODELS-ERROR-SHAPE"})
class NoRetrieveRoute(ModelsHandler):
    """vLLM's way: the list only; FastAPI's 404 for everything under it."""
    def retrieve(self, model_id):
        raise Refusal(404, "NotFound", "Not Found")

    def send_refusal(self, refusal, head=False):
        if refusal.status == 404:
            return self.send_json(404, {"detail": "Not Found"}, {}, head)
        super().send_refusal(refusal, head)


@fault(failed={"MODELS-RETRIEVE-ID"})
class RetrievesTheDefaultModel(ModelsHandler):
    def retrieve(self, model_id):
        super().retrieve(model_id)
        return self.model_body(self.listed()[0])


@fault(failed={"MODELS-UNKNOWN-404"})
class AnswersAnyModel(ModelsHandler):
    def retrieve(self, model_id):
        try:
            return super().retrieve(model_id)
        except Refusal:
            return {"id": model_id, "object": "model", "created": 1700000000, "owned_by": "system"}


@fault(failed={"MODELS-UNKNOWN-404"})
class BadRequestForAnUnknownModel(ModelsHandler):
    def retrieve(self, model_id):
        try:
            return super().retrieve(model_id)
        except Refusal:
            raise Refusal(400, "invalid_request_error", "No such model.") from None


@fault(failed={"MODELS-NO-5XX"})       # a server error first: every check stands on it
class CrashesOnAnUnknownModel(ModelsHandler):
    def retrieve(self, model_id):
        try:
            return super().retrieve(model_id)
        except Refusal:
            raise Refusal(500, "InternalServerError", "KeyError: model") from None


@fault(failed={"MODELS-AUTH-MISSING"})
class ListWithoutCredentials(credential.LetsNoCredentialThrough, ModelsHandler):
    pass


@fault(failed={"MODELS-AUTH-WRONG-KEY"})
class AcceptsAnyHexKey(credential.AcceptsAnyHexBearer, ModelsHandler):
    pass


@fault(failed={"MODELS-AUTH-NEAR-MISS"})
class CaseInsensitiveKey(credential.ComparesTheKeyIgnoringCase, ModelsHandler):
    pass


@fault(failed={"MODELS-AUTH-MISSING", "MODELS-AUTH-WRONG-KEY", "MODELS-AUTH-NEAR-MISS"},
       findings={"MODELS-AUTH-MALFORMED"})
class RefusesWithTheList(ModelsHandler):
    def send_refusal(self, refusal, head=False):
        if refusal.status != 401:
            return super().send_refusal(refusal, head)
        self.send_json(401, dict(self.listing(), error={"code": "401", "message": "no"}), {}, head)


@fault(failed={"MODELS-NO-ECHO"})
class EchoesTheKey(ModelsHandler):
    def authenticate(self):
        try:
            super().authenticate()
        except Refusal as refusal:
            offered = self.headers.get("Authorization") or self.headers.get("api-key")
            if offered:
                refusal.message = f"The credentials {offered!r} are not valid."
            raise


@fault(failed={"MODELS-NO-5XX"})
class CrashesOnAnUnknownHeader(ModelsHandler):
    def authenticate(self):
        if any(k.lower().startswith("x-") and not k.lower().startswith("x-ms-") for k in self.headers):
            raise Refusal(502, "BadGateway", "upstream confused")
        super().authenticate()


@fault(failed={"MODELS-RETRIEVE-200"})
class NoEncodedSlash(ModelsHandler):
    """Routes only the slash as is: what the SDK sends (org%2Fmodel) is not found."""
    def route(self):
        found = super().route()
        if found and found[0] == "model" and "%2F" in self.path.upper():
            return "model", "no such", found[2]
        return found


@fault(failed={"MODELS-RETRIEVE-200"}, findings={"MODELS-SLASH-ID"})
class NoSlashAtAll(ModelsHandler):
    """LiteLLM 1.108.7's way: an id with a slash is FastAPI's 404 in both forms; others are
    retrieved."""
    def retrieve(self, model_id):
        if "/" in model_id:
            raise Refusal(404, "detail", "Not Found")
        return super().retrieve(model_id)

    def send_refusal(self, refusal, head=False):
        if refusal.code == "detail":
            return self.send_json(404, {"detail": "Not Found"}, {}, head)
        super().send_refusal(refusal, head)


@fault(failed={"MODELS-LIST-SHAPE", "MODELS-RETRIEVE-200"}, findings={"MODELS-ERROR-SHAPE"})
class ListsNoCreatedAndRetrievesNothing(ModelsHandler):
    """llama-cpp-python 0.3.36's way: Models without created; no retrieve route, its FastAPI
    404 answered before the credential is read. The ids it lists are still asked about."""
    def needs_credentials(self, kind):
        return kind == "list"

    def model_body(self, model):
        return {k: v for k, v in model.items() if k != "created"}

    def retrieve(self, model_id):
        raise Refusal(404, "detail", "Not Found")

    def send_refusal(self, refusal, head=False):
        if refusal.status == 404:
            return self.send_json(404, {"detail": "Not Found"}, {}, head)
        super().send_refusal(refusal, head)


@fault(failed={"MODELS-AUTH-MISSING", "MODELS-AUTH-WRONG-KEY", "MODELS-AUTH-NEAR-MISS"})
class RetrieveWithoutCredentials(ModelsHandler):
    """The list checks the key; GET /models/{id} answers whoever asks."""
    def needs_credentials(self, kind):
        return kind == "list"


@fault(failed={"MODELS-AUTH-WRONG-KEY", "MODELS-AUTH-NEAR-MISS"})
class RetrieveTakesAnyKey(ModelsHandler):
    """GET /models/{id} wants a credential, any credential."""
    def authenticate(self):
        if self.route()[0] == "model" and (self.headers.get("Authorization") or self.headers.get("api-key")):
            return
        super().authenticate()


@fault(failed={"MODELS-MODEL-SERVED"})
class DoesNotServeTheModel(ModelsHandler):
    def listed(self):
        return [m for m in super().listed() if m["id"] != "gpt-4o-mini"]


# -- SHOULD --------------------------------------------------------------------------------

@fault(findings={"MODELS-UNIQUE-IDS"})
class ListsAModelTwice(ModelsHandler):
    def listed(self):
        return super().listed() + super().listed()[:1]


@fault(findings={"MODELS-CREATED-STABLE"})
class CreatedIsTheRequestTime(ModelsHandler):
    ticks = [0]

    def model_body(self, model):
        type(self).ticks[0] += 1
        return dict(model, created=1800000000 + type(self).ticks[0])


@fault(findings={"MODELS-CREATED-REAL"})
class CreatedIsZero(ModelsHandler):
    def model_body(self, model):
        return dict(model, created=0)


@fault(findings={"MODELS-CREATED-REAL"})
class OneCreatedForEveryOwner(ModelsHandler):
    def model_body(self, model):
        return dict(model, created=1700000000)


@fault(findings={"MODELS-RETRIEVE-MATCHES"})
class RetrievesAnotherOwner(ModelsHandler):
    def retrieve(self, model_id):
        return dict(super().retrieve(model_id), owned_by="someone-else")


@fault(findings={"MODELS-SLASH-ID"})
class NoRawSlash(ModelsHandler):
    """Routes {id} as one path segment: org%2Fmodel is retrieved, org/model is no route."""
    def route(self):
        found = super().route()
        if found and found[0] == "model" and "/" in urlsplit(self.path).path.split("/models/", 1)[1]:
            return None
        return found


@fault(findings={"MODELS-AUTH-MALFORMED"})
class TakesTheKeyUnderAnyScheme(ModelsHandler):
    """LiteLLM 1.108.7's way: Authorization: Basic <key> (or the key alone) opens it too."""
    def authenticate(self):
        value = (self.headers.get("Authorization") or "").strip()
        if self.settings.api_key in (value, value.partition(" ")[2].strip()):
            return
        super().authenticate()


@fault(findings={"MODELS-UNKNOWN-QUERY"})
class RefusesUnknownQuery(ModelsHandler):
    def check_api_version(self, query):
        if set(query) - {"api-version"}:
            raise Refusal(400, "invalid_request_error", "Unknown parameter.")
        super().check_api_version(query)


@fault(findings={"MODELS-ERROR-SHAPE"})
class FastApiErrors(ModelsHandler):
    def send_refusal(self, refusal, head=False):
        self.send_json(refusal.status, {"detail": refusal.message}, refusal.headers, head)


@fault(findings={"MODELS-SAME-AS-INFO"}, args=MODEL + ("--info-model-name", "phi3-mini"))
class ServesAnotherModelThanInfoNames(ModelsHandler):
    pass
