"""Issue 26, the models contract's checks against what real clients see: the MUST retrieve sends
an id as openai-python 3.60.0 does (the pinned SDK; 3.57.0 the same): a slash as %2F; the slash
as is is MODELS-SLASH-ID; an explanation says what the run's exchanges prove, a server's name
only where its pattern was seen; a list that fails its shape still yields its ids; the refusal MUSTs cover the retrieve
route, and the key under another scheme than Bearer is MODELS-AUTH-MALFORMED. Fixed data
first, then faulty servers end to end (each recorded failed in infocheck.json, not NOT TESTED)."""
import json
from urllib.parse import quote

import pytest

from faults_models import FAULTS
from harness import KEY, run_suite
from infocheck.contracts.checking import CheckFailure
from infocheck.contracts.models import checks
from infocheck.contracts.models.client import REFERENCE_SDK, SDK_SEGMENT_SAFE, model_path
from infocheck.contracts.models.fixtures import worth_retrieving
from infocheck.contracts.models.server import DEFAULT_MODELS, ModelsHandler, ModelsSettings, ReferenceServer, Refusal
from infocheck.wire.exchange import Exchange, Request

JSON = ("Content-Type", "application/json")
LLAMA = DEFAULT_MODELS[1]["id"]          # meta-llama/Llama-3.1-8B-Instruct
FASTAPI = {"detail": "Not Found"}


def ex(status=200, body=b"") -> Exchange:
    if not isinstance(body, bytes):
        body = json.dumps(body).encode()
    return Exchange(Request(), "http://h/v1/models/x", "curl http://h/v1/models/x", status=status,
                    reason="", headers=[JSON], body=body)


def model(model_id, **members):
    return dict({"id": model_id, "object": "model", "created": 1714000000, "owned_by": "o"}, **members)


def got(check, *args) -> tuple[str, str]:
    with pytest.raises(CheckFailure) as raised:
        check(*args)
    return raised.value.requirement_id, raised.value.got


# -- what the SDK sends: fixed data -------------------------------------------------------------

# openai-python 3.60.0 (and 3.57.0, the issue's), resources/models.py retrieve():
# path_template("/models/{model}", model=...), whose _quote_path_segment_part is
# quote(value, safe="!$&'()*+,;=:@"), as the wheels have it.
SDK_PATHS = {
    "org/llama-3": "/models/org%2Fllama-3",
    "meta-llama/Llama-3.1-8B-Instruct": "/models/meta-llama%2FLlama-3.1-8B-Instruct",
    "hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M": "/models/hf.co%2Fbartowski%2FLlama-3.2-1B-Instruct-GGUF:Q4_K_M",
    "llama3.2:latest": "/models/llama3.2:latest",
    "a b?c#d%e": "/models/a%20b%3Fc%23d%25e",
    "user@org+x;v=1": "/models/user@org+x;v=1",
    "..\\x": "/models/..%5Cx",
    "caf\u00e9": "/models/caf%C3%A9",
}


@pytest.mark.parametrize("model_id", SDK_PATHS, ids=repr)
def test_an_id_goes_in_the_path_as_the_reference_sdk_puts_it(model_id):
    assert model_path(model_id) == SDK_PATHS[model_id]
    assert SDK_SEGMENT_SAFE == "!$&'()*+,;=:@" and REFERENCE_SDK == "openai-python 3.60.0"
    # the slash as is: the same, but for each slash (what MODELS-SLASH-ID sends)
    assert model_path(model_id, encode_slash=False) == SDK_PATHS[model_id].replace("%2F", "/")


# -- what the exchanges show: fixed data --------------------------------------------------------

def retrieve_got(answer, asked, others=(), raw=None) -> str:
    requirement, observed = got(checks.retrieve_200, answer, asked, lambda: (others, raw))
    assert requirement == "MODELS-RETRIEVE-200"
    return observed


def test_only_the_ids_with_a_slash_failing_is_said_so_and_no_server_is_named():
    others = [("gpt-4o", ex(200, model("gpt-4o"))), ("mistral", ex(200, model("mistral")))]
    said = retrieve_got(ex(404, FASTAPI), "org/llama-3", others)
    assert "ids with '/' are not retrievable; others are ('gpt-4o' answered 200 and 1 more)" in said
    assert "vLLM" not in said and "no retrieve route" not in said
    nor = retrieve_got(ex(404, FASTAPI), "org/llama-3", others, raw=ex(404, FASTAPI))
    assert "with its slash as is it is not either" in nor


def test_a_raw_slash_that_works_says_the_sdk_form_does_not():
    said = retrieve_got(ex(404, {"error": {"message": "no"}}), "org/llama-3", (),
                        raw=ex(200, model("org/llama-3")))
    assert "with its slash as is" in said and "it is retrieved" in said and REFERENCE_SDK in said


def test_vllm_is_named_only_when_every_id_asked_answers_fastapi_s_404():
    others = [("a", ex(404, FASTAPI)), ("b/c", ex(404, FASTAPI))]
    said = retrieve_got(ex(404, FASTAPI), "d", others)
    assert "no retrieve route: GET /models/{id} answers FastAPI's 404 for each of the 3 listed ids asked" in said
    assert "as vLLM (vllm PR #43127), FastChat 0.2.36 and llama-cpp-python 0.3.36 answer it" in said
    served = retrieve_got(ex(404, FASTAPI), "d", [("a", ex(200, model("a")))])
    assert "vLLM" not in served and "1 other listed id(s) it does ('a')" in served
    other_body = retrieve_got(ex(404, FASTAPI), "d", [("a", ex(404, {"error": {"message": "x"}}))])
    assert "vLLM" not in other_body and "does not serve GET /models/{id} for it" in other_body


def test_a_list_that_fails_its_shape_still_yields_the_ids_it_carries():
    body = {"object": "list", "data": [{"id": "a", "object": "model", "owned_by": "me"},   # no created
                                       {"id": "b", "created": "1", "owned_by": ["x"]}, {"id": ""},
                                       {"id": 7}, "c", None, {"id": "d", "created": 5}]}
    carried = checks.carried(ex(200, body))
    assert [m["id"] for m in carried] == ["a", "b", "d"]
    assert [m["id"] for m in checks.timed(carried)] == ["d"]
    assert worth_retrieving(carried) == ["a", "b", "d"]        # an unhashable owner is no owner
    assert checks.carried(ex(200, {"object": "list", "data": None})) == []
    assert checks.carried(ex(200, b"not json")) == []
    checks.created_real(checks.timed(carried), ex())
    checks.created_stable(carried, carried, ex(), ex())
    # a listed entry lacking a member is MODELS-LIST-SHAPE's, not a mismatch with its retrieval
    checks.retrieve_matches({"id": "a", "object": "model", "owned_by": "me"}, model("a", owned_by="me"), ex(), ex())


def test_one_id_with_a_slash_is_among_those_retrieved_when_the_list_has_one():
    listed = [model("a", owned_by="x"), model("b", owned_by="y"), model("c", owned_by="z"), model("org/d")]
    assert worth_retrieving(listed) == ["a", "b", "org/d"]
    assert worth_retrieving([model("a"), model("org/b"), model("c")]) == ["a", "org/b", "c"]
    assert worth_retrieving([model("a"), model("b")]) == ["a", "b"]


def test_a_malformed_credential_must_be_a_4xx_without_the_models():
    for status in (400, 401, 403):
        checks.refused_malformed(ex(status, {"error": {"message": "no"}}), "Authorization: Basic <key>")
    requirement, said = got(checks.refused_malformed, ex(200, {"object": "list", "data": []}),
                            "Authorization: Basic <key>")
    assert requirement == "MODELS-AUTH-MALFORMED" and "accepted in Authorization: Basic <key>" in said
    assert got(checks.refused_malformed, ex(401, {"object": "list", "data": []}), "x")[0] == "MODELS-AUTH-MALFORMED"


# -- faulty servers end to end ------------------------------------------------------------------

class Recording(ModelsHandler):
    seen: list = []

    def serve(self, head):
        type(self).seen.append((self.path, self.headers.get("Authorization")))
        return super().serve(head)


def run_against(tmp_path, handler, *args, base_path="/v1", models=None):
    settings = ModelsSettings(api_key=KEY, base_path=base_path)
    if models is not None:
        settings.models = models
    with ReferenceServer(settings, handler).start() as server:
        run = run_suite(tmp_path, "--contract", "models", "--model", "gpt-4o-mini", *args,
                        endpoint=server.url, html=False)
    verdicts = {r["id"]: r["verdict"] for r in run.report["requirements"]}
    messages = {r["id"]: " ".join(r["messages"]) for r in run.report["requirements"]}
    assert not run.leaks()
    return run, verdicts, messages


def recording(fault: str):
    return type(fault, (Recording, FAULTS[fault].handler), {"seen": []})


def test_the_reference_server_is_asked_as_the_sdk_asks_in_under_40_requests(tmp_path):
    handler = type("Reference", (Recording,), {"seen": []})
    run, verdicts, _ = run_against(tmp_path, handler)
    assert run.code == 0 and not run.findings, run.stdout[-3000:]
    paths = [p for p, _ in handler.seen]
    assert "/v1/models/meta-llama%2FLlama-3.1-8B-Instruct" in paths        # the MUST's form
    assert "/v1/models/meta-llama/Llama-3.1-8B-Instruct" in paths          # MODELS-SLASH-ID's
    refused = [p for p, auth in handler.seen if p.startswith("/v1/models/") and auth != f"Bearer {KEY}"]
    assert refused, handler.seen                                             # the retrieve route's refusals
    assert any(a and a.startswith("Basic ") for _, a in handler.seen)       # MODELS-AUTH-MALFORMED
    assert not any(a and a.lower().startswith("bearer ") and not a.startswith("Bearer ")
                   for _, a in handler.seen)                                 # never the scheme's case
    assert verdicts["MODELS-AUTH-MALFORMED"] == verdicts["MODELS-SLASH-ID"] == "passed"
    assert run.report["requests"]["sent"] == len(handler.seen) < 40


def test_an_sdk_form_the_server_does_not_route_fails_the_must_and_says_the_raw_slash_works(tmp_path):
    run, verdicts, messages = run_against(tmp_path, recording("NoEncodedSlash"))
    assert verdicts["MODELS-RETRIEVE-200"] == "failed" and verdicts["MODELS-SLASH-ID"] == "passed"
    said = messages["MODELS-RETRIEVE-200"]
    assert "with its slash as is" in said and f"while {REFERENCE_SDK} sends it percent-encoded" in said
    assert "vLLM" not in said


def test_ids_with_a_slash_unroutable_in_both_forms_are_said_so_not_a_missing_route(tmp_path):
    run, verdicts, messages = run_against(tmp_path, FAULTS["NoSlashAtAll"].handler)
    assert verdicts["MODELS-RETRIEVE-200"] == "failed" and verdicts["MODELS-SLASH-ID"] == "finding"
    said = messages["MODELS-RETRIEVE-200"]
    assert "ids with '/' are not retrievable; others are ('gpt-4o-mini' answered 200" in said, said
    assert "with its slash as is it is not either" in said
    assert "vLLM" not in said and "no retrieve route" not in said
    assert verdicts["MODELS-RETRIEVE-ID"] == verdicts["MODELS-RETRIEVE-MATCHES"] == "passed"


def test_one_missing_member_leaves_only_what_needs_it_untested(tmp_path):
    run, verdicts, messages = run_against(tmp_path, FAULTS["ListsNoCreatedAndRetrievesNothing"].handler)
    assert run.code == 1
    assert verdicts["MODELS-LIST-SHAPE"] == verdicts["MODELS-RETRIEVE-200"] == "failed", verdicts
    assert "no retrieve route: GET /models/{id} answers FastAPI's 404 for each of the 3" in messages["MODELS-RETRIEVE-200"]
    untested = {r for r, v in verdicts.items() if v == "not tested"}
    assert untested == {"MODELS-CREATED-REAL", "MODELS-CREATED-STABLE"}, verdicts
    for requirement in ("MODELS-MODEL-SERVED", "MODELS-UNIQUE-IDS", "MODELS-UNKNOWN-404",
                        "MODELS-AUTH-MISSING", "MODELS-AUTH-WRONG-KEY", "MODELS-AUTH-MALFORMED"):
        assert verdicts[requirement] == "passed", (requirement, verdicts)


def test_a_retrieve_route_that_answers_without_a_key_fails_every_refusal_must(tmp_path):
    run, verdicts, messages = run_against(tmp_path, FAULTS["RetrieveWithoutCredentials"].handler)
    for requirement in ("MODELS-AUTH-MISSING", "MODELS-AUTH-WRONG-KEY", "MODELS-AUTH-NEAR-MISS"):
        assert verdicts[requirement] == "failed", verdicts
    said = messages["MODELS-AUTH-MISSING"]
    assert "GET /models/{id} answers the Model to a request without credentials, while GET /models " \
           "refuses it" in said and "public by design" not in said
    assert verdicts["MODELS-RETRIEVE-200"] == "passed"


def test_the_key_under_another_scheme_is_a_finding_and_never_shown(tmp_path):
    run, verdicts, messages = run_against(tmp_path, recording("TakesTheKeyUnderAnyScheme"))
    assert run.code == 0 and run.findings == {"MODELS-AUTH-MALFORMED"}
    said = messages["MODELS-AUTH-MALFORMED"]
    assert "accepted in Authorization: Basic <key>" in said and "RFC 9110" in said
    assert KEY not in json.dumps(run.report) and quote(KEY) not in json.dumps(run.report)


class NoKeyIsAServerErrorButBasicOpens(ModelsHandler):
    """LiteLLM 1.108.7 without prisma: no key is a 500; Basic <key> opens the list."""
    def authenticate(self):
        value = (self.headers.get("Authorization") or "").strip()
        if not value and not self.headers.get("api-key"):
            raise Refusal(500, "InternalServerError", "No module named 'prisma'")
        if value == f"Basic {self.settings.api_key}":
            return
        super().authenticate()


def test_the_key_under_another_scheme_is_asked_though_no_key_is_a_server_error(tmp_path):
    run, verdicts, messages = run_against(tmp_path, NoKeyIsAServerErrorButBasicOpens)
    assert verdicts["MODELS-NO-5XX"] == "failed" and verdicts["MODELS-AUTH-MALFORMED"] == "finding", verdicts


def test_an_encoded_slash_under_the_base_is_sent_and_one_that_climbs_out_is_not(tmp_path):
    base = "/tenantA/v1"
    listed = [model("org/llama-3", owned_by="org"), model("..%2F..%2Fadmin", owned_by="x"),
              model("../../admin/keys", owned_by="y"), dict(DEFAULT_MODELS[0])]
    handler = type("Under", (Recording,), {"seen": []})
    run, verdicts, messages = run_against(tmp_path, handler, base_path=base, models=listed)
    paths = [p for p, _ in handler.seen]
    assert f"{base}/models/org%2Fllama-3" in paths, paths                  # under the base: sent
    assert f"{base}/models/..%252F..%252Fadmin" in paths, paths           # its % is the id's own
    assert all(p == base + "/models" or p.startswith(base + "/models") for p in paths), paths
    assert not any("admin/keys" in p or "%2Fadmin%2Fkeys" in p for p in paths), paths
    assert verdicts["MODELS-RETRIEVE-200"] == "failed"                       # the climbing id's fault
    assert "read percent-decoded once, is /tenantA/admin/keys" in messages["MODELS-RETRIEVE-200"]
