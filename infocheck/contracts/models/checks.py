"""The v1 models API's checks: small functions that take `Exchange`s (and the Models read from
them) and raise one `CheckFailure` naming the requirement, what was expected, what came back,
how to reproduce it, and where a real server is known to answer so, what that is and what to
do about it."""
from __future__ import annotations

import json
from functools import lru_cache

from infocheck.bundle import folder, schema_errors, validator
from infocheck.contracts import checking
from infocheck.contracts.checking import SHOWN_PROBLEMS, fail, first, parsed_json, shown, summary
from infocheck.contracts.models.client import REFERENCE_SDK
from infocheck.wire.exchange import Exchange
from infocheck.wire.printable import printable

BASES = "/openai/v1 (Azure) or /v1"
MODEL_MEMBERS = ("object", "owned_by")   # besides id and created, what a Model must carry
OLDER_AZURE_MEMBERS = ("capabilities", "lifecycle_status", "created_at", "deprecation")


# -- universal: every exchange -------------------------------------------------------------

def universal(ex: Exchange) -> None:
    no_echo(ex)
    checking.answered(ex, "MODELS-NO-5XX")


def no_echo(ex: Exchange) -> None:
    checking.no_echo(ex, "MODELS-NO-ECHO")


# -- the list ------------------------------------------------------------------------------

def list_200(ex: Exchange) -> None:
    universal(ex)
    if ex.status != 200:
        hint = ""
        if ex.status in (401, 403):
            hint = " (if the key is right, the endpoint refuses it; check --api-key and --auth-header)"
        elif ex.status == 404:
            hint = f" (no models route at this base; the base URL ends in {BASES})"
        fail("MODELS-LIST-200", "200 OK", summary(ex) + hint, ex)


def list_json(ex: Exchange) -> None:
    checking.json_media_type(ex, "MODELS-LIST-JSON")


def list_shape(ex: Exchange) -> list[dict]:
    """The Models the list names (raises if it is not a ListModelsResponse)."""
    body = parsed_json(ex, "MODELS-LIST-SHAPE")
    problems = schema_errors(validator("models/list"), body)
    if problems:
        fail("MODELS-LIST-SHAPE", '{"object": "list", "data": [Model, ...]}',
             first(problems, SHOWN_PROBLEMS, lambda p: printable(p, 200), "; ") + _list_note(body), ex)
    return body["data"]


def _list_note(body) -> str:
    if isinstance(body, dict) and "data" in body and body["data"] is None:
        return (" (data is null: Ollama answers so when it has no model; an empty list is "
                "\"data\": [])")
    items = body.get("data") if isinstance(body, dict) else None
    if isinstance(items, list) and items and isinstance(items[0], dict) and \
            any(m in items[0] for m in OLDER_AZURE_MEMBERS) and "owned_by" not in items[0]:
        return (" (this is the older Azure shape of GET /openai/models?api-version=2024-10-21, "
                "with capabilities and created_at; the v1 Model has created and owned_by)")
    return ""


def carried(ex: Exchange) -> list[dict]:
    """The entries of the list's data that name a model (an object with a non-empty string id),
    whatever else they lack or carry wrong: a list that fails its shape (MODELS-LIST-SHAPE says
    how) still yields the ids it does carry, so every requirement the endpoint can be asked
    about is asked. [] when data is no array."""
    body = ex.json_or_none()
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list):
        return []
    return [m for m in data if isinstance(m, dict) and isinstance(m.get("id"), str) and m["id"]]


def timed(models: list[dict]) -> list[dict]:
    """The Models whose created is an integer, the only ones whose created can be judged (a
    missing or mistyped created is MODELS-LIST-SHAPE's)."""
    return [m for m in models if type(m.get("created")) is int]


def owner(model: dict):
    """A Model's owned_by when it is a string, else None (the list's shape says what it is)."""
    value = model.get("owned_by")
    return value if isinstance(value, str) else None


def unique_ids(models: list[dict], ex: Exchange) -> None:
    seen, twice = set(), []
    for model in models:
        if model["id"] in seen:
            twice.append(model["id"])
        seen.add(model["id"])
    if twice:
        fail("MODELS-UNIQUE-IDS", "each id once in the list",
             "listed more than once: " + first(sorted(set(twice)), 10, lambda i: shown(i, 80)), ex)


@lru_cache(maxsize=None)
def placeholders() -> dict[int, str]:
    path = folder("fixtures") / "models" / "placeholders.json"
    return {int(k): v for k, v in json.loads(path.read_text(encoding="utf-8"))["placeholders"].items()}


def created_real(models: list[dict], ex: Exchange) -> None:
    for model in models:
        if model["created"] in placeholders():
            fail("MODELS-CREATED-REAL", "created: when the model was created (Unix seconds)",
                 f"{shown(model['id'], 80)} has created {model['created']}: "
                 f"{placeholders()[model['created']]}", ex)
    owners = {owner(m) for m in models} - {None}
    times = {m["created"] for m in models}
    if len(owners) > 1 and len(times) == 1:   # several owners, so several models
        fail("MODELS-CREATED-REAL", "created: when each model was created",
             f"every model, of {len(owners)} owners, has created {next(iter(times))}: a "
             "placeholder, not a time", ex)


def created_stable(first_list: list[dict], second_list: list[dict], first_ex: Exchange,
                   second_ex: Exchange) -> None:
    before = {m["id"]: m["created"] for m in timed(first_list)}
    moved = [(m["id"], before[m["id"]], m["created"]) for m in timed(second_list)
             if m["id"] in before and m["created"] != before[m["id"]]]
    if moved:
        model_id, was, now = moved[0]
        fail("MODELS-CREATED-STABLE", "the same created in two listings",
             f"{shown(model_id, 80)} listed with created {was}, then {now}"
             + (" (it is the time of the request, as vLLM and llama.cpp report it)" if now > was else ""),
             first_ex, second_ex)


# -- retrieve -----------------------------------------------------------------------------

def retrieved_as(ex: Exchange, asked: str) -> bool:
    """Whether the exchange answered 200 with a Model whose id is `asked`."""
    body = ex.json_or_none()
    return ex.status == 200 and isinstance(body, dict) and body.get("id") == asked


def retrieve_200(ex: Exchange, asked: str, pattern=None) -> dict:
    """The Model retrieved (raises unless 200 with a JSON Model). `pattern`, called only when it
    is not, gives what the run's other retrieves answered: ([(id, Exchange), ...] for the other
    listed ids asked, and the Exchange of `asked` with its slash as is, or None), so that the
    failure says what those exchanges prove and nothing more."""
    universal(ex)
    if ex.status != 200:
        others, raw = pattern() if pattern is not None else ((), None)
        fail("MODELS-RETRIEVE-200", f"200 with the Model {shown(asked, 80)}",
             summary(ex) + _retrieve_note(ex, asked, others, raw), ex,
             *(e for e in (raw,) if e is not None))
    body = parsed_json(ex, "MODELS-RETRIEVE-200")
    problems = schema_errors(validator("models/model"), body)
    if problems:
        fail("MODELS-RETRIEVE-200", "a Model: id, object \"model\", created, owned_by",
             first(problems, SHOWN_PROBLEMS, lambda p: printable(p, 200), "; "), ex)
    return body


FASTAPI_404 = {"detail": "Not Found"}
# The measured servers whose every retrieve answers FastAPI_404 (docs/contracts.md): the
# exchanges cannot tell them apart, so the hint names every one of them, never one alone.
NO_RETRIEVE_ROUTE = ("a path no route matches, as vLLM (vllm PR #43127), FastChat 0.2.36 and "
                     "llama-cpp-python 0.3.36 answer it: none has the route")


def _retrieve_note(ex: Exchange, asked: str, others=(), raw: Exchange | None = None) -> str:
    """Why a listed id was not retrieved, as far as the run's exchanges prove it: the slash as
    is retrieves it (the endpoint routes only what older clients send); only the ids with a
    slash fail; this id fails while others are retrieved; or every id asked answers FastAPI's
    404, the pattern of a server without the route, the one case that names servers: every
    measured one that answers so (NO_RETRIEVE_ROUTE), since the exchanges tell none apart."""
    got = [i for i, o in others if retrieved_as(o, i)]
    missed = [i for i, o in others if not retrieved_as(o, i)] + [asked]
    plain = [i for i in got if "/" not in i]
    if raw is not None and "/" in asked and retrieved_as(raw, asked):
        return (f" — with its slash as is ({printable(asked, 80)} unencoded in the path) it is "
                f"retrieved: the endpoint routes the raw slash only, while {REFERENCE_SDK} sends "
                "it percent-encoded (%2F), so the SDK cannot retrieve it")
    if "/" in asked and plain and all("/" in i for i in missed):
        return (f" — ids with '/' are not retrievable; others are ({shown(plain[0], 80)} answered "
                f"200{f' and {len(plain) - 1} more' if len(plain) > 1 else ''})"
                + ("; with its slash as is it is not either" if raw is not None else "")
                + f": {REFERENCE_SDK} sends the slash as %2F; a route that takes the rest of the "
                "path as the id (FastAPI's {model:path}) serves it either way")
    if ex.status == 404 and got:
        return (f" — the endpoint lists this id but does not serve GET /models/{{id}} for it; "
                f"{len(got)} other listed id(s) it does ({shown(got[0], 80)})")
    if ex.status == 404 and ex.json_or_none() == FASTAPI_404 and \
            all(o.status == 404 and o.json_or_none() == FASTAPI_404 for _, o in others):
        every = f" for each of the {len(missed)} listed ids asked" if len(missed) > 1 else ""
        return (f" — no retrieve route: GET /models/{{id}} answers FastAPI's 404{every} "
                f"({NO_RETRIEVE_ROUTE}); put a gateway that serves it in front, or waive "
                "MODELS-RETRIEVE-200 until the server does")
    if ex.status == 404:
        return " — the endpoint lists this id but does not serve GET /models/{id} for it"
    return ""


def retrieve_sendable(asked: str, refusal) -> None:
    """A listed id whose retrieve would leave the base path (`refusal`, the probe's OffBase): the
    request was not sent, and the fault is the list's. Put in the path as the SDKs put it, its
    dot segments (resolved by every HTTP client, RFC 3986 §5.2.4, or by a server reading its
    path decoded) take GET {base}/models/{id} elsewhere, so no client can retrieve it there."""
    fail("MODELS-RETRIEVE-200", f"a listed id that GET {{base}}/models/{{id}} retrieves under the "
         f"base path: {shown(asked, 80)}",
         f"not sent: its request would go to {printable(refusal.url, 300)}, outside "
         f"{printable(refusal.base, 300)} ({refusal.why}); the credential is sent only under the "
         "base path")


def retrieve_id(model: dict, asked: str, ex: Exchange) -> None:
    if model["id"] != asked:
        fail("MODELS-RETRIEVE-ID", f"the Model whose id is {shown(asked, 80)}",
             f"the Model {shown(model['id'], 80)}", ex)


def retrieve_matches(listed: dict, retrieved: dict, list_ex: Exchange, ex: Exchange) -> None:
    # A Model member the listed entry lacks is MODELS-LIST-SHAPE's to report, not a mismatch.
    different = sorted(name for name in set(listed) | set(retrieved)
                       if name not in ("id", "created") and listed.get(name) != retrieved.get(name)
                       and not (name in MODEL_MEMBERS and name not in listed))
    if different:
        name = different[0]
        fail("MODELS-RETRIEVE-MATCHES", f"{name} as listed: {shown(listed.get(name), 80)}",
             f"{name} retrieved: {shown(retrieved.get(name), 80)}"
             + (f" (and {len(different) - 1} more member(s))" if len(different) > 1 else ""), list_ex, ex)
    if type(listed.get("created")) is int and listed.get("created") != retrieved.get("created"):
        fail("MODELS-CREATED-STABLE", f"created as listed: {listed.get('created')}",
             f"created retrieved: {shown(retrieved.get('created'), 40)}", list_ex, ex)


def unknown_404(ex: Exchange) -> None:
    universal(ex)
    if ex.status != 404:
        hint = " (a model it does not serve, answered as if it did)" if ex.status == 200 else ""
        fail("MODELS-UNKNOWN-404", "404 Not Found", summary(ex) + hint, ex)


def slash_id(ex: Exchange, asked: str, encoded: Exchange | None = None) -> None:
    """The id with its slash as is in the path (as clients that do not encode it send it)
    retrieves the Model; `encoded`, the MUST's exchange (the slash as %2F), is told beside it."""
    universal(ex)
    if not retrieved_as(ex, asked):
        also = ""
        if encoded is not None:
            also = ("; as %2F it is retrieved, so only clients that send the slash unencoded "
                    "break" if retrieved_as(encoded, asked) else
                    f"; as %2F it is not either ({encoded.status_line()})")
        fail("MODELS-SLASH-ID", f"200 with the Model {shown(asked, 80)}, its slash sent as is",
             summary(ex) + also, ex, *(e for e in (encoded,) if e is not None))


# -- refusals ------------------------------------------------------------------------------

PUBLIC = (" — the endpoint does not check credentials (llama.cpp's models route and Ollama are "
          "public by design): put it behind a gateway that does, or, on a private network, set "
          "the authentication requirements aside with a policy")


SERVER_ERROR = (" — a server error is no refusal: the request without a good credential "
                "was not refused, it broke the endpoint")


def refused(ex: Exchange, requirement: str, hint_if_answered: str | None = None) -> None:
    """401 or 403, carrying neither the list nor a Model. `hint_if_answered` is what a 200
    means where the caller knows better than "public by design" (a retrieve route answering
    while the list refuses). A 5xx fails both MODELS-NO-5XX and `requirement` (one
    ExceptionGroup): it is no refusal, so the requirement is recorded failed, not left unrun."""
    checking.no_echo(ex, "MODELS-NO-ECHO")
    checking.all_of(lambda: checking.answered(ex, "MODELS-NO-5XX"),
                    lambda: _refusal(ex, requirement, hint_if_answered))


def _refusal(ex: Exchange, requirement: str, hint_if_answered: str | None) -> None:
    if ex.status not in (401, 403):
        hint = ""
        if ex.status == 200:
            hint = PUBLIC if hint_if_answered is None else hint_if_answered
        elif ex.status >= 500:
            hint = SERVER_ERROR
        fail(requirement, "401 or 403", summary(ex) + hint, ex)
    _no_models_in(ex, requirement)


def _no_models_in(ex: Exchange, requirement: str) -> None:
    body = ex.json_or_none()
    if isinstance(body, dict) and (body.get("object") in ("list", "model") or isinstance(body.get("data"), list)):
        fail(requirement, "a refusal without the model list or a Model",
             f"{ex.status_line()} that carries {shown(body.get('object') or 'data', 40)}", ex)


def retrieve_not_guarded(what: str) -> str:
    """The hint for a retrieve route that answers while the list refuses the same request."""
    return (f" — GET /models/{{id}} answers the Model to {what}, while GET /models refuses it: "
            "the retrieve route does not check the credential the list checks")


def refused_malformed(ex: Exchange, form: str) -> None:
    """The key in an Authorization header that is not Bearer's (`form` says how) is refused:
    a 4xx without the list or a Model."""
    universal(ex)
    if not 400 <= ex.status < 500:
        hint = (f" — the key is accepted in {form}: the endpoint reads the Authorization value "
                "without its scheme (RFC 6750 §2.1 defines Bearer's; only the scheme's letter "
                "case may vary, RFC 9110 §11.1)") if ex.status == 200 else ""
        fail("MODELS-AUTH-MALFORMED", "a 4xx refusal (400, 401 or 403)", summary(ex) + hint, ex)
    _no_models_in(ex, "MODELS-AUTH-MALFORMED")


def error_shape(ex: Exchange) -> None:
    body = ex.json_or_none()
    problems = schema_errors(validator("models/error"), body) if body is not None else ["not JSON"]
    if problems:
        note = ""
        if isinstance(body, dict) and "detail" in body:
            note = " — FastAPI's {\"detail\": ...} body (vLLM's 404, any FastAPI server's default)"
        elif isinstance(body, dict) and isinstance(body.get("error"), str):
            note = " — a string where the error object is due (vLLM's 401 answers so)"
        fail("MODELS-ERROR-SHAPE", '{"error": {"message": "...", ...}}',
             f"{ex.status_line()}, body {ex.excerpt(160)}{note}", ex)


# -- the same outcome, whatever else is sent ------------------------------------------------

def ids_of(ex: Exchange):
    body = ex.json_or_none()
    data = body.get("data") if isinstance(body, dict) else None
    return sorted(m.get("id") for m in data if isinstance(m, dict) and isinstance(m.get("id"), str)) \
        if isinstance(data, list) else None


def same_list(first_ex: Exchange, second: Exchange, requirement: str, what: str) -> None:
    universal(second)
    checking.same_answer(first_ex, second, requirement, what, ids_of, "models", 200)


# -- identity ------------------------------------------------------------------------------

def unaskable(name: str) -> str:
    """Why a name (one an endpoint answered) is not asked for by id: one with a control
    character, or a lone surrogate (which no URL can carry), is no model id a route is asked
    for; '' if it may be."""
    bad = next((c for c in name if ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or 0xD800 <= ord(c) <= 0xDFFF), None)
    if bad is None:
        return ""
    kind = "a lone surrogate" if 0xD800 <= ord(bad) <= 0xDFFF else "a control character"
    return f"it has {kind} (U+{ord(bad):04X}), which no model id a route is asked for has"


def served(name: str, models: list[dict], retrieved: Exchange | None, requirement: str,
           list_ex: Exchange, why: str) -> None:
    """`name` is listed, or retrievable (on Azure the list is the resource's catalogue, and a
    deployment's name may only be retrievable). A name that is not asked for by id
    (`unaskable`) is judged on the list alone, and the failure says why."""
    if any(m["id"] == name for m in models):
        return
    body = retrieved.json_or_none() if retrieved is not None else None
    if retrieved is not None and retrieved.status == 200 and isinstance(body, dict) and body.get("id") == name:
        return
    close = [m["id"] for m in models if m["id"].lower() == name.lower()]
    not_asked = unaskable(name) if retrieved is None else ""
    fail(requirement, f"{shown(name, 80)} ({why}) in the list or retrievable",
         f"not among the {len(models)} listed"
         + (f" (listed in another letter case: {shown(close[0], 80)})" if close else "")
         + (f"; GET /models/{printable(name, 80)} answered {retrieved.status_line()}" if retrieved is not None else "")
         + (f"; not asked for by id: {not_asked}" if not_asked else ""),
         *(ex for ex in (list_ex, retrieved) if ex is not None))


def served_long(length: int, limit: int, models: list[dict], requirement: str, list_ex: Exchange,
                why: str) -> bool:
    """A name too long to have been handed on whole (`length` characters, over `limit`): not
    served if no listed id is that long (a failure saying so); False if one is, so the two
    cannot be compared (the caller says not tested)."""
    if any(len(m["id"]) > limit for m in models):
        return False
    fail(requirement, f"the {length}-character name ({why}) in the list or retrievable",
         f"none of the {len(models)} listed is longer than {limit} characters; not asked for "
         f"by id: a name of {length} characters is no model id a route is asked for", list_ex)
