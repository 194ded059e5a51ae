"""Every check of the models contract, on fixed exchanges, with the exact requirement,
expectation and observation of each branch and the advice a real server's answer earns: fast
and in-process, so mutation testing can run them for every mutant of
infocheck/contracts/models/checks.py. The faulty servers (test_models.py) prove the same
branches end to end."""
import json

import pytest

from infocheck.contracts.checking import CheckFailure
from infocheck.contracts.models import checks
from infocheck.contracts.models.fixtures import worth_retrieving
from infocheck.wire.exchange import Exchange, Request

JSON = ("Content-Type", "application/json")
PHI = {"id": "phi-3", "object": "model", "created": 1714000000, "owned_by": "microsoft"}
LLAMA = {"id": "meta-llama/Llama-3.1-8B", "object": "model", "created": 1714000100, "owned_by": "meta"}


def ex(status=200, body=b"", *headers, reason="", error=None, echoed=False) -> Exchange:
    if not isinstance(body, bytes):
        body = json.dumps(body).encode()
    return Exchange(Request(), "http://h/v1/models", "curl http://h/v1/models", status=status,
                    reason=reason, headers=list(headers or [JSON]), body=body, error=error,
                    echoed_secret=echoed)


def listing(*models) -> Exchange:
    return ex(200, {"object": "list", "data": list(models)})


def failure(check, *args) -> tuple[str, str, str]:
    with pytest.raises(CheckFailure) as raised:
        check(*args)
    return raised.value.requirement_id, raised.value.expected, raised.value.got


def test_a_conformant_list_and_model_pass_every_check():
    good = listing(PHI, LLAMA)
    checks.list_200(good)
    checks.list_json(good)
    models = checks.list_shape(good)
    assert models == [PHI, LLAMA]
    checks.unique_ids(models, good)
    checks.created_real(models, good)
    checks.created_stable(models, [dict(m) for m in models], good, good)
    retrieved = ex(200, LLAMA)
    assert checks.retrieve_200(retrieved, LLAMA["id"]) == LLAMA
    checks.retrieve_id(LLAMA, LLAMA["id"], retrieved)
    checks.retrieve_matches(LLAMA, dict(LLAMA), good, retrieved)
    checks.unknown_404(ex(404, {"error": {"message": "no such model"}}))
    checks.slash_id(retrieved, LLAMA["id"])
    checks.refused(ex(401, {"error": {"message": "no"}}), "MODELS-AUTH-MISSING")
    checks.refused(ex(403, {"error": {"message": "no"}}), "MODELS-AUTH-MISSING")
    checks.error_shape(ex(401, {"error": {"message": "no", "type": "invalid_request_error"}}))
    checks.error_shape(ex(401, {"error": {"code": "401", "message": "Access denied"}}))  # Azure's
    checks.same_list(good, listing(LLAMA, PHI), "MODELS-UNKNOWN-QUERY", "the list")
    checks.served("phi-3", models, None, "MODELS-MODEL-SERVED", good, "--model")


# -- the list -------------------------------------------------------------------------------------

@pytest.mark.parametrize("status, hint", [
    (401, " (if the key is right, the endpoint refuses it; check --api-key and --auth-header)"),
    (403, " (if the key is right, the endpoint refuses it; check --api-key and --auth-header)"),
    (404, " (no models route at this base; the base URL ends in /openai/v1 (Azure) or /v1)"),
    (202, ""), (400, ""),
])
def test_the_list_answers_200(status, hint):
    assert failure(checks.list_200, ex(status, b"")) == (
        "MODELS-LIST-200", "200 OK", f"{status}, body (empty body){hint}")


def test_the_list_is_universal_first():
    assert failure(checks.list_200, ex(500, b""))[0] == "MODELS-NO-5XX"
    assert failure(checks.list_200, ex(200, echoed=True))[0] == "MODELS-NO-ECHO"
    assert failure(checks.list_200, ex(error="timed out"))[0] == "MODELS-NO-5XX"


@pytest.mark.parametrize("media, ok", [("application/json", True), ("application/vnd.x+json", True),
                                       ("text/plain", False), ("application/jsonx", False)])
def test_the_list_is_json(media, ok):
    answer = ex(200, listing(PHI).body, ("Content-Type", media))
    if ok:
        checks.list_json(answer)
    else:
        assert failure(checks.list_json, answer) == (
            "MODELS-LIST-JSON", "Content-Type application/json", f"Content-Type {media!r}")


@pytest.mark.parametrize("body, got", [
    ({"object": "list", "data": None},
     "$.data: None is not of type 'array' (data is null: Ollama answers so when it has no model; "
     "an empty list is \"data\": [])"),
    ({"object": "list", "data": [dict(PHI, created=1.5)]}, "$.data[0].created: 1.5 is not of type 'integer'"),
    ({"object": "list", "data": [dict(PHI, created=True)]}, "$.data[0].created: True is not of type 'integer'"),
    ({"object": "list", "data": [{"id": "gpt-4o", "object": "model", "created_at": 1, "capabilities": {}}]},
     None),
])
def test_the_list_is_a_list_of_models(body, got):
    requirement, expected, observed = failure(checks.list_shape, ex(200, body))
    assert (requirement, expected) == ("MODELS-LIST-SHAPE", '{"object": "list", "data": [Model, ...]}')
    if got is not None:
        assert observed == got
    else:   # the older Azure shape is named as such
        assert observed.endswith(" (this is the older Azure shape of GET /openai/models?api-version="
                                 "2024-10-21, with capabilities and created_at; the v1 Model has "
                                 "created and owned_by)")


def test_a_list_with_many_problems_names_the_first_few():
    bad = [{"id": i} for i in range(10)]
    observed = failure(checks.list_shape, ex(200, {"object": "list", "data": bad}))[2]
    assert observed.endswith(" more") and "; and " in observed
    assert failure(checks.list_shape, ex(200, b"not json"))[:2] == ("MODELS-LIST-SHAPE", "a JSON body")


def test_no_older_azure_note_where_the_model_has_owned_by_or_is_not_a_model():
    for data in ([dict(PHI, capabilities={}, created="x")], [["not", "a", "model"]], []):
        observed = failure(checks.list_shape, ex(200, {"object": "lst", "data": data}))[2]
        assert "older Azure shape" not in observed and "data is null" not in observed


def test_ids_are_unique():
    models = [PHI, LLAMA, PHI, LLAMA, PHI]
    assert failure(checks.unique_ids, models, listing()) == (
        "MODELS-UNIQUE-IDS", "each id once in the list",
        "listed more than once: 'meta-llama/Llama-3.1-8B', 'phi-3'")


@pytest.mark.parametrize("created, said", [
    (0, "0, the Unix epoch (Hugging Face TGI reports created 0)"),
    (1677610602, "LiteLLM's constant (litellm issues #5275 and #32903: every model, whatever its owner)"),
])
def test_a_placeholder_created_is_named(created, said):
    assert failure(checks.created_real, [PHI, dict(LLAMA, created=created)], listing()) == (
        "MODELS-CREATED-REAL", "created: when the model was created (Unix seconds)",
        f"'meta-llama/Llama-3.1-8B' has created {created}: {said}")


def test_one_created_for_every_model_of_different_owners_is_a_placeholder():
    same = [dict(PHI, created=5), dict(LLAMA, created=5)]
    assert failure(checks.created_real, same, listing()) == (
        "MODELS-CREATED-REAL", "created: when each model was created",
        "every model, of 2 owners, has created 5: a placeholder, not a time")
    checks.created_real([dict(PHI, created=5), dict(PHI, id="phi-4", created=5)], listing())  # one owner
    checks.created_real([dict(PHI, created=5)], listing())                                       # one model
    checks.created_real([dict(PHI, created=5), dict(LLAMA, created=6)], listing())


def test_created_is_stable_between_listings():
    moved_on = [dict(PHI, created=PHI["created"] + 60), LLAMA]
    assert failure(checks.created_stable, [PHI, LLAMA], moved_on, listing(), listing()) == (
        "MODELS-CREATED-STABLE", "the same created in two listings",
        f"'phi-3' listed with created {PHI['created']}, then {PHI['created'] + 60} (it is the time of "
        "the request, as vLLM and llama.cpp report it)")
    went_back = [dict(PHI, created=PHI["created"] - 1)]
    assert failure(checks.created_stable, [PHI], went_back, listing(), listing())[2] == (
        f"'phi-3' listed with created {PHI['created']}, then {PHI['created'] - 1}")
    checks.created_stable([PHI], [LLAMA], listing(), listing())    # a model new in the second


# -- retrieve ------------------------------------------------------------------------------------

@pytest.mark.parametrize("answer, note", [
    (ex(404, {"detail": "Not Found"}),
     " — no retrieve route: GET /models/{id} answers FastAPI's 404 (a path no route matches, as "
     "vLLM (vllm PR #43127), FastChat 0.2.36 and llama-cpp-python 0.3.36 answer it: none has the "
     "route); put a gateway that serves it in front, or waive MODELS-RETRIEVE-200 until the server does"),
    (ex(404, {"error": {"message": "gone"}}),
     " — the endpoint lists this id but does not serve GET /models/{id} for it"),
    (ex(400, {"detail": "Not Found"}), ""),
])
def test_retrieve_answers_200(answer, note):
    assert failure(checks.retrieve_200, answer, "phi-3") == (
        "MODELS-RETRIEVE-200", "200 with the Model 'phi-3'", f"{answer.status}, body {answer.excerpt(200)}{note}")


def test_retrieve_answers_a_model():
    assert failure(checks.retrieve_200, ex(200, dict(PHI, object="list")), "phi-3") == (
        "MODELS-RETRIEVE-200", "a Model: id, object \"model\", created, owned_by",
        "$.object: 'model' was expected")
    assert failure(checks.retrieve_200, ex(200, b"{"), "phi-3")[:2] == ("MODELS-RETRIEVE-200", "a JSON body")
    assert failure(checks.retrieve_200, ex(503, b""), "phi-3")[0] == "MODELS-NO-5XX"


def test_retrieve_answers_the_model_asked_for():
    assert failure(checks.retrieve_id, LLAMA, "phi-3", ex()) == (
        "MODELS-RETRIEVE-ID", "the Model whose id is 'phi-3'", "the Model 'meta-llama/Llama-3.1-8B'")


def test_retrieve_matches_the_listing():
    assert failure(checks.retrieve_matches, PHI, dict(PHI, owned_by="system"), ex(), ex()) == (
        "MODELS-RETRIEVE-MATCHES", "owned_by as listed: 'microsoft'", "owned_by retrieved: 'system'")
    more = dict(PHI, object="thing", owned_by="system", extra=1)
    assert failure(checks.retrieve_matches, PHI, more, ex(), ex()) == (
        "MODELS-RETRIEVE-MATCHES", "extra as listed: None", "extra retrieved: 1 (and 2 more member(s))")
    assert failure(checks.retrieve_matches, PHI, dict(PHI, created=7), ex(), ex()) == (
        "MODELS-CREATED-STABLE", f"created as listed: {PHI['created']}", "created retrieved: 7")
    checks.retrieve_matches(PHI, dict(PHI, id="another"), ex(), ex())   # the id is RETRIEVE-ID's


@pytest.mark.parametrize("status, hint", [(200, " (a model it does not serve, answered as if it did)"),
                                          (400, ""), (403, "")])
def test_an_unknown_id_is_404(status, hint):
    assert failure(checks.unknown_404, ex(status, b"")) == (
        "MODELS-UNKNOWN-404", "404 Not Found", f"{status}, body (empty body){hint}")
    assert failure(checks.unknown_404, ex(500, b""))[0] == "MODELS-NO-5XX"


@pytest.mark.parametrize("answer", [ex(404, LLAMA), ex(200, [LLAMA]), ex(200, PHI), ex(200, b"x")])
def test_an_id_with_a_slash_is_retrievable(answer):
    assert failure(checks.slash_id, answer, LLAMA["id"]) == (
        "MODELS-SLASH-ID", "200 with the Model 'meta-llama/Llama-3.1-8B', its slash sent as is",
        checks.summary(answer))


# -- refusals ---------------------------------------------------------------------------------------

def test_a_refusal_is_401_or_403():
    assert failure(checks.refused, ex(200, b""), "MODELS-AUTH-MISSING") == (
        "MODELS-AUTH-MISSING", "401 or 403",
        "200, body (empty body) — the endpoint does not check credentials (llama.cpp's models route "
        "and Ollama are public by design): put it behind a gateway that does, or, on a private "
        "network, set the authentication requirements aside with a policy")
    assert failure(checks.refused, ex(404, b""), "MODELS-AUTH-WRONG-KEY") == (
        "MODELS-AUTH-WRONG-KEY", "401 or 403", "404, body (empty body)")
    with pytest.raises(ExceptionGroup) as raised:   # a 5xx is no refusal: both are failed
        checks.refused(ex(500, b""), "MODELS-AUTH-WRONG-KEY")
    assert [f.requirement_id for f in raised.value.exceptions] == ["MODELS-NO-5XX", "MODELS-AUTH-WRONG-KEY"]


@pytest.mark.parametrize("body, carries", [({"object": "list", "data": []}, "'list'"),
                                           (dict(PHI), "'model'"), ({"data": [PHI]}, "'data'")])
def test_a_refusal_carries_no_models(body, carries):
    assert failure(checks.refused, ex(401, body, reason="Unauthorized"), "MODELS-AUTH-NEAR-MISS") == (
        "MODELS-AUTH-NEAR-MISS", "a refusal without the model list or a Model",
        f"401 Unauthorized that carries {carries}")
    checks.refused(ex(401, {"object": "error", "data": "none"}), "MODELS-AUTH-NEAR-MISS")
    checks.refused(ex(401, [PHI]), "MODELS-AUTH-NEAR-MISS")


@pytest.mark.parametrize("body, note", [
    ({"detail": "Not Found"}, " — FastAPI's {\"detail\": ...} body (vLLM's 404, any FastAPI server's default)"),
    ({"error": "Unauthorized"}, " — a string where the error object is due (vLLM's 401 answers so)"),
    ({"message": "no"}, ""),
    (b"Unauthorized", ""),
])
def test_an_error_body_has_the_openai_shape(body, note):
    answer = ex(401, body, reason="Unauthorized")
    assert failure(checks.error_shape, answer) == (
        "MODELS-ERROR-SHAPE", '{"error": {"message": "...", ...}}',
        f"401 Unauthorized, body {answer.excerpt(160)}{note}")


# -- the same answer, and identity ----------------------------------------------------------------------

def test_the_same_list_whatever_else_is_sent():
    assert failure(checks.same_list, listing(PHI), listing(PHI, LLAMA), "MODELS-UNKNOWN-QUERY", "the list") == (
        "MODELS-UNKNOWN-QUERY", "the same models as the list: ['phi-3']",
        "['meta-llama/Llama-3.1-8B', 'phi-3']")
    assert failure(checks.same_list, listing(PHI), ex(400, b""), "MODELS-UNKNOWN-QUERY", "the list") == (
        "MODELS-UNKNOWN-QUERY", "the same status as the list (200)", "400, body (empty body)")
    checks.same_list(ex(404, b""), ex(404, b"other"), "MODELS-UNKNOWN-QUERY", "the list")
    assert checks.ids_of(ex(200, {"data": [PHI, {"id": 3}, "x", {"no": "id"}]})) == ["phi-3"]
    assert checks.ids_of(ex(200, {"data": None})) is None and checks.ids_of(ex(200, [1])) is None


def test_the_model_a_gate_is_about_is_listed_or_retrievable():
    models = [PHI, LLAMA]
    checks.served("phi-3", models, None, "MODELS-MODEL-SERVED", listing(), "--model")
    checks.served("my-deployment", models, ex(200, dict(PHI, id="my-deployment")), "MODELS-MODEL-SERVED",
                  listing(), "--model")
    assert failure(checks.served, "PHI-3", models, None, "MODELS-MODEL-SERVED", listing(), "--model") == (
        "MODELS-MODEL-SERVED", "'PHI-3' (--model) in the list or retrievable",
        "not among the 2 listed (listed in another letter case: 'phi-3')")
    assert failure(checks.served, "gpt-4o", models, ex(404, b""), "MODELS-SAME-AS-INFO", listing(),
                   "/info's model_name") == (
        "MODELS-SAME-AS-INFO", "'gpt-4o' (/info's model_name) in the list or retrievable",
        "not among the 2 listed; GET /models/gpt-4o answered 404")
    for wrong in (ex(200, dict(PHI, id="other")), ex(200, [PHI]), ex(201, dict(PHI, id="gpt-4o"))):
        with pytest.raises(CheckFailure):
            checks.served("gpt-4o", models, wrong, "MODELS-MODEL-SERVED", listing(), "--model")


# -- every comparison on both sides of its value, every cap at and one past it ----------------------------

def fresh(value):
    """The same value as a new object, as one parsed off the wire is (a check comparing with `is`
    would fail on it)."""
    return json.loads(json.dumps(value))


@pytest.mark.parametrize("status", [199, 201])
def test_only_200_is_a_list_or_a_model(status):
    assert failure(checks.list_200, ex(status, b""))[2] == f"{status}, body (empty body)"
    assert failure(checks.retrieve_200, ex(status, b""), "phi-3")[2] == f"{status}, body (empty body)"
    assert failure(checks.slash_id, ex(status, PHI), "phi-3")[0] == "MODELS-SLASH-ID"
    assert failure(checks.unknown_404, ex(status, b""))[2] == f"{status}, body (empty body)"
    assert failure(checks.refused, ex(status, b""), "MODELS-AUTH-MISSING")[2] == f"{status}, body (empty body)"
    with pytest.raises(CheckFailure):
        checks.served("gpt-4o", [PHI], ex(status, dict(PHI, id="gpt-4o")), "MODELS-MODEL-SERVED", listing(), "--model")


@pytest.mark.parametrize("status", [403, 405, 410])
def test_only_404_is_a_missing_route_or_model(status):
    assert "no models route" not in failure(checks.list_200, ex(status, {"detail": "Not Found"}))[2]
    got = failure(checks.retrieve_200, ex(status, {"detail": "Not Found"}), "phi-3")[2]
    assert "no retrieve route" not in got and "does not serve GET" not in got
    assert failure(checks.unknown_404, ex(status, b""))[2] == f"{status}, body (empty body)"


@pytest.mark.parametrize("other", ["a-model", "zz-model"])
def test_an_id_is_the_one_asked_for_whichever_way_it_differs(other):
    asked = "".join(["m-", "model"])
    assert failure(checks.retrieve_id, dict(PHI, id=other), asked, ex())[0] == "MODELS-RETRIEVE-ID"
    checks.retrieve_id(fresh(dict(PHI, id="m-model")), asked, ex())
    assert failure(checks.slash_id, ex(200, dict(PHI, id=other)), asked)[0] == "MODELS-SLASH-ID"
    with pytest.raises(CheckFailure):
        checks.served(asked, [dict(PHI, id=other)], ex(200, dict(PHI, id=other)), "MODELS-MODEL-SERVED",
                      listing(), "--model")


def test_values_read_separately_compare_equal():
    checks.created_stable(fresh([PHI, LLAMA]), fresh([PHI, LLAMA]), listing(), listing())
    checks.retrieve_matches(fresh(dict(PHI, extra=[1, 2])), fresh(dict(PHI, extra=[1, 2])), ex(), ex())


@pytest.mark.parametrize("retrieved_created", [PHI["created"] - 1, PHI["created"] + 1])
def test_created_retrieved_differs_either_way(retrieved_created):
    assert failure(checks.retrieve_matches, PHI, dict(PHI, created=retrieved_created), ex(), ex())[0] == \
        "MODELS-CREATED-STABLE"


def test_two_members_that_differ_say_one_more():
    assert failure(checks.retrieve_matches, PHI, dict(PHI, owned_by="x", object="y"), ex(), ex())[2] == (
        "object retrieved: 'y' (and 1 more member(s))")


def test_the_first_moved_model_and_the_first_close_name_are_named():
    moved = [dict(PHI, created=1), dict(LLAMA, created=2)]
    assert failure(checks.created_stable, [PHI, LLAMA], moved, listing(), listing())[2].startswith("'phi-3' ")
    models = [LLAMA, dict(PHI, id="Phi-3"), PHI]
    assert failure(checks.served, "PHI-3", models, None, "MODELS-MODEL-SERVED", listing(), "--model")[2] == (
        "not among the 3 listed (listed in another letter case: 'Phi-3')")


def test_the_older_azure_shape_is_read_off_the_first_model():
    older = {"id": "gpt-4o", "object": "model", "created_at": 1, "capabilities": {}}
    assert "older Azure shape" in failure(checks.list_shape, ex(200, {"object": "list", "data": [older, PHI]}))[2]
    assert "older Azure shape" in failure(checks.list_shape, ex(200, {"object": "list", "data": [older, "x"]}))[2]
    assert "older Azure shape" not in failure(checks.list_shape, ex(200, {"object": "list", "data": [PHI, older]}))[2]


def quoted_at(length: int) -> str:
    """An id whose repr is `length` characters."""
    return "i" * (length - 2)


@pytest.mark.parametrize("over", [0, 1])
def test_an_id_is_quoted_whole_up_to_80_characters(over):
    name = quoted_at(80 + over)
    model = dict(PHI, id=name)

    def shows(text):
        return ("…" in text) == bool(over)

    assert shows(failure(checks.unique_ids, [model, model], listing())[2])
    assert shows(failure(checks.created_real, [dict(model, created=0)], listing())[2])
    assert shows(failure(checks.created_stable, [model], [dict(model, created=1)], listing(), listing())[2])
    assert shows(failure(checks.retrieve_200, ex(404, b""), name)[1])
    assert shows(failure(checks.retrieve_id, PHI, name, ex())[1])
    assert shows(failure(checks.retrieve_id, model, "phi-3", ex())[2])
    listed, retrieved = failure(checks.retrieve_matches, dict(PHI, owned_by=name), dict(PHI, owned_by=name + "x"),
                                ex(), ex())[1:]
    assert shows(listed) and "…" in retrieved
    assert shows(failure(checks.retrieve_matches, dict(PHI, owned_by="x"), dict(PHI, owned_by=name), ex(), ex())[2])
    assert shows(failure(checks.slash_id, ex(404, b""), name)[1])
    assert shows(failure(checks.served, name, [], None, "MODELS-MODEL-SERVED", listing(), "--model")[1])
    assert shows(failure(checks.served, name.upper(), [model], None, "MODELS-MODEL-SERVED", listing(),
                         "--model")[2])


def test_at_most_ten_duplicated_ids_are_named():
    ids = [f"m{i:02}" for i in range(11)]
    twice = [dict(PHI, id=i) for i in ids] * 2
    assert failure(checks.unique_ids, twice, listing())[2].endswith("'m09', and 1 more")
    assert failure(checks.unique_ids, twice[1:11] * 2, listing())[2].endswith("'m10'")


@pytest.mark.parametrize("over", [0, 1])
def test_short_values_are_quoted_whole_up_to_40_characters(over):
    value = quoted_at(40 + over)
    assert ("…" in failure(checks.retrieve_matches, PHI, dict(PHI, created=value), ex(), ex())[2]) == bool(over)
    said = failure(checks.refused, ex(401, {"object": value, "data": []}), "MODELS-AUTH-MISSING")[2]
    assert ("…" in said) == bool(over)


@pytest.mark.parametrize("over", [0, 1])
def test_a_schema_problem_is_quoted_whole_up_to_200_characters(over):
    from infocheck.bundle import schema_errors, validator
    for schema, check, body_of in (("models/list", checks.list_shape,
                                    lambda v: {"object": "list", "data": [dict(PHI, created=v)]}),
                                   ("models/model", lambda e: checks.retrieve_200(e, "phi-3"),
                                    lambda v: dict(PHI, created=v))):
        size = next(n for n in range(1, 400)
                    if len(schema_errors(validator(schema), body_of("c" * n))[0]) == 200 + over)
        said = failure(check, ex(200, body_of("c" * size)))[2]
        assert ("…" in said) == bool(over)


@pytest.mark.parametrize("over", [0, 1])
def test_an_error_body_is_quoted_up_to_160_bytes(over):
    body = b"x" * (160 + over)
    assert ("bytes)" in failure(checks.error_shape, ex(401, body))[2]) == bool(over)


@pytest.mark.parametrize("over", [0, 1])
def test_the_ids_of_two_lists_are_quoted_whole_up_to_200_characters(over):
    first = listing(dict(PHI, id="p"))
    long_id = "i" * (200 + over - 4)          # repr of a one-id list: ['…'] adds four
    expected = failure(checks.same_list, listing(dict(PHI, id=long_id)), first, "MODELS-UNKNOWN-QUERY", "the list")[1]
    assert ("…" in expected) == bool(over)


def test_the_ids_retrieved_are_the_first_of_each_owner_then_the_rest_in_order():
    def model(i, owner):
        return {"id": i, "owned_by": owner}

    assert worth_retrieving([model("a", "x"), model("b", "x"), model("c", "y"), model("d", "z")]) == ["a", "c", "d"]
    assert worth_retrieving([model("a", "x"), model("b", "x"), model("c", "x"), model("d", "y")]) == ["a", "d", "b"]
    assert worth_retrieving([model("a", "x"), model("a", "y"), model("b", "y"), model("c", "z")]) == ["a", "c", "b"]
    assert worth_retrieving([model("a", "x"), model("b", "y")], count=5) == ["a", "b"]
    assert worth_retrieving([]) == []
