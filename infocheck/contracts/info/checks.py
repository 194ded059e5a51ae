"""The Get Info API's checks: small functions that take an `Exchange` and raise one
`CheckFailure` naming the requirement, what was expected, what came back, and how to reproduce
it. The failure and the helpers that quote a server are every contract's (contracts/checking.py);
they are named here too, since `infocheck.checks` is this module (a team's tests use it)."""
from __future__ import annotations

from infocheck.contracts import checking
from infocheck.contracts.checking import (SHOWN_NAMES, SHOWN_PROBLEMS, CheckFailure, fail, first,
                                          parsed_json, shown, summary)
from infocheck.contracts.info import profiles as schemas
from infocheck.wire.exchange import Exchange
from infocheck.wire.printable import printable


MODEL_INFO_MEMBERS = ("model_name", "model_type", "model_provider_name")
REQUEST_ID_HEADERS = ("x-ms-request-id", "x-request-id", "apim-request-id", "request-id")


# -- universal: every exchange -------------------------------------------------------------

def no_echo(ex: Exchange) -> None:
    checking.no_echo(ex, "AUTH-NO-ECHO")


def answered(ex: Exchange) -> None:
    checking.answered(ex, "HTTP-NO-5XX")


def universal(ex: Exchange) -> None:
    no_echo(ex)
    answered(ex)


# -- the positive path ---------------------------------------------------------------------

def status_200(ex: Exchange, requirement: str = "SHAPE-200") -> None:
    universal(ex)
    if ex.status != 200:
        hint = ""
        if ex.status in (401, 403):
            hint = " (if the key is right, the endpoint refuses it; check --api-key and --auth-header)"
        elif 300 <= ex.status < 400:
            hint = f" (a redirect to {ex.shown_header('location')}; infocheck never follows redirects)"
        elif ex.status == 404 and error_code(ex) == "404":
            hint = (" (the answer Azure OpenAI and GitHub Models endpoints give: they do not serve "
                    "/info; or the endpoint URL is not the model's base URL)")
        fail(requirement, "200 OK", summary(ex) + hint, ex)


def json_media_type(ex: Exchange) -> None:
    checking.json_media_type(ex, "SHAPE-JSON")


def model_info(ex: Exchange, api_version: str, requirement: str = "SHAPE-MODELINFO") -> dict:
    body = parsed_json(ex, requirement)
    problems = schemas.errors(schemas.model_info_validator(api_version), body)
    if problems:
        note = schemas.spelling_note(body.get("model_type") if isinstance(body, dict) else None, api_version)
        listed = first(problems, SHOWN_PROBLEMS, lambda p: printable(p, 200), "; ")
        fail(requirement, f"a ModelInfo of api-version {schemas.profile_version(api_version)}",
             listed + (f" ({note})" if note else ""), ex)
    return body


def model_info_fields(ex: Exchange) -> dict | None:
    body = ex.json_or_none()
    if isinstance(body, dict):
        return {k: body.get(k) for k in MODEL_INFO_MEMBERS}
    return None


# -- refusals ------------------------------------------------------------------------------

def client_error(ex: Exchange, requirement: str) -> None:
    universal(ex)
    if not 400 <= ex.status < 500:
        fail(requirement, "a 4xx status", summary(ex), ex)


def refused(ex: Exchange, requirement: str) -> None:
    client_error(ex, requirement)
    body = ex.json_or_none()
    leaked = [m for m in MODEL_INFO_MEMBERS if isinstance(body, dict) and m in body]
    if leaked:
        fail(requirement, "no ModelInfo in a refusal", f"{ex.status_line()} with {', '.join(leaked)}", ex)


def status_is(ex: Exchange, status: int, requirement: str) -> None:
    universal(ex)
    if ex.status != status:
        fail(requirement, f"status {status}", summary(ex), ex)


def same_outcome(first: Exchange, second: Exchange, requirement: str, what: str) -> None:
    universal(second)
    checking.same_answer(first, second, requirement, what, model_info_fields, "ModelInfo", 300)


# -- SHOULD: error answers -----------------------------------------------------------------

def challenge(ex: Exchange) -> None:
    if ex.status == 401 and not ex.header("www-authenticate"):
        fail("AUTH-CHALLENGE", "a WWW-Authenticate header on 401, e.g. 'Bearer'",
             "401 without WWW-Authenticate (Azure serverless gateways send none)", ex)


def azure_error_body(ex: Exchange) -> dict:
    body = ex.json_or_none()
    problems = schemas.errors(schemas.error_validator(), body) if body is not None else ["not JSON"]
    if problems:
        shape = ""
        if isinstance(body, dict) and "statusCode" in body and "message" in body:
            shape = (" — this is the flat {statusCode, message} body of Azure API Management and "
                     "serverless gateways, not the Azure error body")
        fail("ERROR-BODY", '{"error": {"code": "...", "message": "..."}}',
             f"{ex.status_line()}, body {ex.excerpt(160)}{shape}", ex)
    return body["error"]


def error_code(ex: Exchange) -> str | None:
    """error.code of an Azure error body, if the body is one."""
    body = ex.json_or_none()
    error = body.get("error") if isinstance(body, dict) else None
    return error.get("code") if isinstance(error, dict) else None


def _code_note(code) -> str:
    if isinstance(code, str) and code.isdigit():
        return (f" (error.code {code!r} is the numeric-string code Azure OpenAI and Cognitive "
                "Services gateways send)")
    return ""


def error_code_header(ex: Exchange) -> None:
    header = ex.header("x-ms-error-code")
    code = error_code(ex)
    if header is None:
        fail("ERROR-CODE-HEADER", f"x-ms-error-code: {shown(code)}" if code else "an x-ms-error-code header",
             f"{ex.status_line()} without x-ms-error-code{_code_note(code)}", ex)
    if code is not None and header != code:
        fail("ERROR-CODE-HEADER", f"x-ms-error-code equal to error.code {shown(code)}",
             f"x-ms-error-code {ex.shown_header('x-ms-error-code')}", ex)


def error_code_is(ex: Exchange, status: int, code: str, requirement: str) -> None:
    got = error_code(ex)
    if ex.status != status or got != code:
        fail(requirement, f"{status} with error.code {code}",
             f"{ex.status_line()}, error.code {shown(got)}{_code_note(got)}", ex)


# -- SHOULD: HTTP --------------------------------------------------------------------------

def method_not_allowed(ex: Exchange) -> None:
    universal(ex)
    allow = ex.header("allow")
    if ex.status != 405 or not allow:
        fail("HTTP-405", "405 Method Not Allowed with an Allow header",
             f"{ex.status_line()}, Allow {ex.shown_header('allow')}", ex)
    methods = {m.strip().upper() for m in allow.split(",")}
    if "GET" not in methods:
        fail("HTTP-405", "an Allow header that lists GET", f"Allow: {ex.shown_header('allow')}", ex)


def head_like_get(head: Exchange, get: Exchange) -> None:
    universal(head)
    if head.status != get.status or head.media_type != get.media_type:
        fail("HTTP-HEAD", f"HEAD answered like GET ({get.status_line()}, {get.media_type})",
             f"{head.status_line()}, {head.media_type or 'no Content-Type'}", head, get)
    if head.body:
        fail("HTTP-HEAD", "no body in the answer to HEAD", f"{len(head.body)} bytes of body", head)


def request_id(ex: Exchange) -> None:
    if not any(ex.header(h) for h in REQUEST_ID_HEADERS):
        fail("HTTP-REQUEST-ID", "one of " + ", ".join(REQUEST_ID_HEADERS),
             f"{ex.status_line()} without a request-id header", ex)


def date_header(ex: Exchange) -> None:
    if not ex.header("date"):
        fail("HTTP-DATE", "a Date header", f"{ex.status_line()} without Date", ex)


# -- SHOULD: JSON hygiene ------------------------------------------------------------------

def charset_utf8(ex: Exchange) -> None:
    content_type = ex.header("content-type") or ""
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            fail("SHAPE-CHARSET", "no charset, or charset=utf-8",
                 f"Content-Type {ex.shown_header('content-type')}", ex)


def no_bom(ex: Exchange) -> None:
    if ex.body.startswith(b"\xef\xbb\xbf"):
        fail("SHAPE-NO-BOM", "a body that starts with JSON", "a UTF-8 byte-order mark first", ex)


def unique_members(ex: Exchange) -> None:
    duplicates: list[str] = []

    def pairs(items):
        seen = set()
        for key, _ in items:
            if key in seen:
                duplicates.append(key)
            seen.add(key)
        return dict(items)

    try:
        ex.json(object_pairs_hook=pairs)
    except ValueError:
        return  # not JSON at all is SHAPE-MODELINFO's to report
    if duplicates:
        fail("SHAPE-UNIQUE-MEMBERS", "each member name once", "repeated member(s): "
             + first(sorted(set(duplicates)), SHOWN_NAMES, lambda n: shown(n, 60)), ex)


def no_null_members(ex: Exchange) -> None:
    body = ex.json_or_none()
    if isinstance(body, dict):
        nulls = sorted(k for k, v in body.items() if v is None)
        if nulls:
            fail("SHAPE-NO-NULL", "members with values, or left out",
                 "null: " + first(nulls, SHOWN_NAMES, lambda n: shown(n, 60)), ex)


def model_type_spelling(ex: Exchange, api_version: str) -> None:
    body = ex.json_or_none()
    value = body.get("model_type") if isinstance(body, dict) else None
    documented = schemas.model_types(api_version)
    if value not in documented:
        note = schemas.spelling_note(value, api_version)
        kind = "closed" if schemas.model_type_closed(api_version) else "extensible"
        fail("SHAPE-MODEL-TYPE-SPELLING", f"one of {', '.join(documented)} (ModelType of "
             f"{schemas.profile_version(api_version)} is {kind})",
             f"model_type {shown(value)}" + (f": {note}" if note else ""), ex)
