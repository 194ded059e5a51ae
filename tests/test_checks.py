"""Every check, on fixed exchanges, with the exact requirement, expectation and observation of
each branch: fast and in-process, so that mutation testing can run them for every mutant of
infocheck/checks.py. The faulty servers (test_faults.py) prove the same branches end to end."""
import json

import pytest

from infocheck.contracts.info import checks
from infocheck.contracts.info.checks import CheckFailure
from infocheck.wire.exchange import Exchange, Request

JSON = ("Content-Type", "application/json")
MODEL = {"model_name": "phi3-mini", "model_type": "chat_completion", "model_provider_name": "Microsoft"}


def fresh(value):
    """The same value as a new object, as one parsed off the wire is: a check that compared
    identity (`is`) instead of equality would fail on it."""
    return None if value is None else type(value)(str(value)) if isinstance(value, int) else value


def ex(status=200, *headers, body=b"", method="GET", error=None, reason="", echoed=False) -> Exchange:
    if not isinstance(body, bytes):
        body = json.dumps(body).encode()
    headers = [(fresh(n), "".join(list(v))) for n, v in headers]
    return Exchange(Request(method=method), "http://h/info", "curl http://h/info", status=fresh(status),
                    reason=reason, headers=list(headers), body=body, error=error, echoed_secret=echoed)


def failure(check, *args) -> tuple[str, str, str]:
    with pytest.raises(CheckFailure) as raised:
        check(*args)
    f = raised.value
    return f.requirement_id, f.expected, f.got


def refusal(status=401, code="Unauthorized", header=True, **extra) -> Exchange:
    headers = [JSON] + ([("x-ms-error-code", code)] if header else [])
    return ex(status, *headers, body={"error": {"code": code, "message": "no"}, **extra})


GOOD = ex(200, JSON, ("Date", "Wed, 25 Nov 2026 00:00:00 GMT"), ("x-ms-request-id", "1"), body=MODEL)


def test_a_conformant_answer_passes_every_check():
    checks.universal(GOOD)
    checks.status_200(GOOD)
    checks.json_media_type(GOOD)
    assert checks.model_info(GOOD, "2024-04-01-preview") == MODEL
    for check in (checks.request_id, checks.date_header, checks.charset_utf8, checks.no_bom,
                  checks.unique_members, checks.no_null_members):
        check(GOOD)
    checks.model_type_spelling(GOOD, "2024-04-01-preview")
    checks.same_outcome(GOOD, GOOD, "HTTP-REPEATABLE", "the first answer")
    checks.head_like_get(ex(200, JSON, method="HEAD"), GOOD)


def test_universal_checks():
    assert failure(checks.no_echo, ex(401, echoed=True, reason="Unauthorized")) == (
        "AUTH-NO-ECHO", "an answer that does not contain the credential sent",
        "401 Unauthorized whose headers or body contain the credential (shown as ***)")
    assert failure(checks.answered, ex(None, error="timed out")) == (
        "HTTP-NO-5XX", "an HTTP answer within the timeout", "no answer (timed out)")
    assert failure(checks.answered, ex(500, body=b"oops", reason="Oops")) == (
        "HTTP-NO-5XX", "a status below 500 (client input is never a server error)",
        "500 Oops, body oops")
    checks.answered(ex(499))


@pytest.mark.parametrize("answer, hint", [
    (ex(202, body=b"{}"), "202, body {}"),
    (ex(401, body=b""), "401, body (empty body) (if the key is right, the endpoint refuses it; "
                        "check --api-key and --auth-header)"),
    (ex(403, body=b""), "403, body (empty body) (if the key is right, the endpoint refuses it; "
                        "check --api-key and --auth-header)"),
    (ex(307, ("Location", "http://x/"), body=b""),
     "307, body (empty body) (a redirect to 'http://x/'; infocheck never follows redirects)"),
    (ex(300, body=b""), "300, body (empty body) (a redirect to None; infocheck never follows redirects)"),
    (ex(399, body=b""), "399, body (empty body) (a redirect to None; infocheck never follows redirects)"),
    (ex(400, body=b""), "400, body (empty body)"),
    (ex(299, body=b""), "299, body (empty body)"),
    (ex(199, body=b""), "199, body (empty body)"),
    (ex(400, body=b""), "400, body (empty body)"),
    (ex(404, body={"error": {"code": "404", "message": "Resource not found"}}),
     '404, body {"error": {"code": "404", "message": "Resource not found"}} (the answer Azure '
     "OpenAI and GitHub Models endpoints give: they do not serve /info; or the endpoint URL is "
     "not the model's base URL)"),
    (ex(404, body={"error": {"code": "NotFound"}}), '404, body {"error": {"code": "NotFound"}}'),
])
def test_status_200(answer, hint):
    assert failure(checks.status_200, answer) == ("SHAPE-200", "200 OK", hint)


@pytest.mark.parametrize("media, ok", [
    ("application/json", True), ("application/problem+json", True), ("Application/JSON; x=y", True),
    ("text/json", False), ("application/jsonx", False), ("text/plain+json", False), ("", False),
])
def test_json_media_type(media, ok):
    answer = ex(200, ("Content-Type", media))
    if ok:
        checks.json_media_type(answer)
    else:
        assert failure(checks.json_media_type, answer) == (
            "SHAPE-JSON", "Content-Type application/json", f"Content-Type {answer.shown_header('content-type')}")


def test_model_info():
    assert failure(checks.model_info, ex(200, body=b"{"), "2024-04-01-preview") == (
        "SHAPE-MODELINFO", "a JSON body", "200, body not JSON (Expecting property name enclosed in "
        "double quotes: line 1 column 2 (char 1)): {")
    requirement, expected, got = failure(checks.model_info, ex(200, body={"model_name": 1}),
                                         "2024-04-01-preview")
    assert (requirement, expected) == ("SHAPE-MODELINFO", "a ModelInfo of api-version 2024-04-01-preview")
    assert got == ("$: 'model_type' is a required property; $: 'model_provider_name' is a required "
                   "property; $.model_name: 1 is not of type 'string'")
    hyphen = dict(MODEL, model_type="chat-completion")
    assert "is the 2024-05-01-preview spelling of `chat_completion`" in failure(
        checks.model_info, ex(200, body=hyphen), "2024-04-01-preview")[2]
    assert failure(checks.model_info, ex(200, body={}), "2031-01-01")[1] == \
        "a ModelInfo of api-version 2025-05-15-preview"


def test_model_info_of_a_list():
    body = {f"model_{n}": None for n in ("name", "type", "provider_name")}
    got = failure(checks.model_info, ex(200, body=[body]), "2024-04-01-preview")[2]
    assert got == "$: [{'model_name': None, 'model_type': None, 'model_provider_name': None}] is not of type 'object'"


def test_model_info_fields():
    assert checks.model_info_fields(GOOD) == MODEL
    assert checks.model_info_fields(ex(200, body={"model_name": "x", "extra": 1})) == {
        "model_name": "x", "model_type": None, "model_provider_name": None}
    assert checks.model_info_fields(ex(200, body=[1])) is None
    assert checks.model_info_fields(ex(200, body=b"x")) is None


def test_client_error_and_refused():
    checks.client_error(ex(400), "API-VERSION-REQUIRED")
    checks.client_error(ex(499), "API-VERSION-REQUIRED")
    assert failure(checks.client_error, ex(200, body=b""), "API-VERSION-FORMAT") == (
        "API-VERSION-FORMAT", "a 4xx status", "200, body (empty body)")
    assert failure(checks.client_error, ex(399, body=b""), "API-VERSION-FORMAT")[2] == "399, body (empty body)"
    assert failure(checks.client_error, ex(502), "API-VERSION-FORMAT")[0] == "HTTP-NO-5XX"
    checks.refused(refusal(), "AUTH-MISSING")
    checks.refused(ex(401, body=[MODEL]), "AUTH-MISSING")         # not an object: nothing leaked
    assert failure(checks.refused, refusal(model_name="m", model_type="t"), "AUTH-MISSING") == (
        "AUTH-MISSING", "no ModelInfo in a refusal", "401 with model_name, model_type")
    assert failure(checks.refused, ex(401, body={"model_provider_name": "p"}), "AUTH-WRONG-KEY")[2] == \
        "401 with model_provider_name"


def test_status_is_and_same_outcome():
    checks.status_is(ex(401), 401, "AUTH-401")
    assert failure(checks.status_is, ex(403, body=b""), 401, "AUTH-401") == (
        "AUTH-401", "status 401", "403, body (empty body)")
    assert failure(checks.status_is, ex(None, error="x"), 401, "AUTH-401")[0] == "HTTP-NO-5XX"
    assert failure(checks.same_outcome, GOOD, ex(404, body=b""), "HTTP-QUERY-ORDER", "the plain request") == (
        "HTTP-QUERY-ORDER", "the same status as the plain request (200)", "404, body (empty body)")
    other = ex(200, body=dict(MODEL, model_name="other"))
    requirement, expected, got = failure(checks.same_outcome, GOOD, other, "HTTP-REPEATABLE", "the first")
    assert expected == f"the same ModelInfo as the first: {checks.shown(MODEL, 300)}"
    assert got == checks.shown(dict(MODEL, model_name="other"), 300)
    checks.same_outcome(ex(404), ex(404, body=b"different"), "HTTP-REPEATABLE", "the first")
    assert failure(checks.same_outcome, GOOD, ex(500), "HTTP-REPEATABLE", "x")[0] == "HTTP-NO-5XX"


def test_challenge():
    checks.challenge(ex(401, ("WWW-Authenticate", "Bearer")))
    checks.challenge(ex(403))
    assert failure(checks.challenge, ex(401)) == (
        "AUTH-CHALLENGE", "a WWW-Authenticate header on 401, e.g. 'Bearer'",
        "401 without WWW-Authenticate (Azure serverless gateways send none)")


def test_azure_error_body_and_codes():
    assert checks.azure_error_body(refusal()) == {"code": "Unauthorized", "message": "no"}
    assert failure(checks.azure_error_body, ex(400, body={"statusCode": 400, "message": "m"})) == (
        "ERROR-BODY", '{"error": {"code": "...", "message": "..."}}',
        '400, body {"statusCode": 400, "message": "m"} — this is the flat {statusCode, message} body '
        "of Azure API Management and serverless gateways, not the Azure error body")
    assert failure(checks.azure_error_body, ex(400, body={"message": "m"}))[2] == '400, body {"message": "m"}'
    assert failure(checks.azure_error_body, ex(400, body=b"oops"))[2] == "400, body oops"
    assert checks.error_code(refusal()) == "Unauthorized"
    assert checks.error_code(ex(400, body={"error": "flat"})) is None
    assert checks.error_code(ex(400, body=[1])) is None


def test_error_code_header():
    checks.error_code_header(refusal())
    assert failure(checks.error_code_header, refusal(header=False)) == (
        "ERROR-CODE-HEADER", "x-ms-error-code: 'Unauthorized'", "401 without x-ms-error-code")
    assert failure(checks.error_code_header, ex(400, body=b"x")) == (
        "ERROR-CODE-HEADER", "an x-ms-error-code header", "400 without x-ms-error-code")
    assert failure(checks.error_code_header, refusal(code="401", header=False))[2] == (
        "401 without x-ms-error-code (error.code '401' is the numeric-string code Azure OpenAI and "
        "Cognitive Services gateways send)")
    differs = ex(401, ("x-ms-error-code", "Other"), body={"error": {"code": "Unauthorized"}})
    assert failure(checks.error_code_header, differs) == (
        "ERROR-CODE-HEADER", "x-ms-error-code equal to error.code 'Unauthorized'", "x-ms-error-code 'Other'")
    checks.error_code_header(ex(400, ("x-ms-error-code", "Any"), body=b"not json"))


def test_error_code_is():
    checks.error_code_is(refusal(400, "MissingApiVersionParameter"), 400, "MissingApiVersionParameter", "R")
    for answer, got in ((refusal(404, "MissingApiVersionParameter"), "404, error.code 'MissingApiVersionParameter'"),
                        (refusal(400, "BadRequest"), "400, error.code 'BadRequest'"),
                        (refusal(400, "400"), "400, error.code '400' (error.code '400' is the numeric-"
                                              "string code Azure OpenAI and Cognitive Services gateways send)")):
        assert failure(checks.error_code_is, answer, 400, "MissingApiVersionParameter",
                       "API-VERSION-MISSING-CODE") == (
            "API-VERSION-MISSING-CODE", "400 with error.code MissingApiVersionParameter", got)


@pytest.mark.parametrize("answer, got", [
    (ex(404, ("Allow", "GET")), "404, Allow 'GET'"),
    (ex(405), "405, Allow None"),
    (ex(405, ("Allow", "")), "405, Allow ''"),
])
def test_method_not_allowed_needs_405_with_allow(answer, got):
    assert failure(checks.method_not_allowed, answer) == (
        "HTTP-405", "405 Method Not Allowed with an Allow header", got)


def test_method_not_allowed_allow_lists_get():
    checks.method_not_allowed(ex(405, ("Allow", "HEAD, get ,OPTIONS")))
    assert failure(checks.method_not_allowed, ex(405, ("Allow", "POST, GETS"))) == (
        "HTTP-405", "an Allow header that lists GET", "Allow: 'POST, GETS'")
    assert failure(checks.method_not_allowed, ex(500))[0] == "HTTP-NO-5XX"


def test_head_like_get():
    get = GOOD
    assert failure(checks.head_like_get, ex(405, JSON, method="HEAD"), get) == (
        "HTTP-HEAD", "HEAD answered like GET (200, application/json)", "405, application/json")
    assert failure(checks.head_like_get, ex(200, method="HEAD"), get)[2] == "200, no Content-Type"
    assert failure(checks.head_like_get, ex(200, ("Content-Type", "text/plain"), method="HEAD"), get)[2] == \
        "200, text/plain"
    assert failure(checks.head_like_get, ex(502, method="HEAD"), get)[0] == "HTTP-NO-5XX"


def test_request_id_and_date():
    for name in checks.REQUEST_ID_HEADERS:
        checks.request_id(ex(200, (name.upper(), "abc")))
    assert checks.REQUEST_ID_HEADERS == ("x-ms-request-id", "x-request-id", "apim-request-id", "request-id")
    assert failure(checks.request_id, ex(200, reason="OK")) == (
        "HTTP-REQUEST-ID", "one of x-ms-request-id, x-request-id, apim-request-id, request-id",
        "200 OK without a request-id header")
    assert failure(checks.request_id, ex(200, ("x-ms-request-id", "")))[0] == "HTTP-REQUEST-ID"
    assert failure(checks.date_header, ex(200)) == ("HTTP-DATE", "a Date header", "200 without Date")


@pytest.mark.parametrize("content_type, ok", [
    ("application/json", True), ("application/json; charset=utf-8", True),
    ('application/json; Charset="UTF8"', True), ("application/json; q=1; charset = utf-8 ", True),
    ("application/json; charset=iso-8859-1", False), ("application/json;x=1;charset=latin1", False),
    ("charset=latin1", True),    # no parameter: the media type itself is SHAPE-JSON's to judge
])
def test_charset(content_type, ok):
    answer = ex(200, ("Content-Type", content_type))
    if ok:
        checks.charset_utf8(answer)
    else:
        assert failure(checks.charset_utf8, answer) == (
            "SHAPE-CHARSET", "no charset, or charset=utf-8", f"Content-Type '{content_type}'")


def test_no_bom():
    checks.no_bom(ex(200, body=b"{}\xef\xbb\xbf"))
    assert failure(checks.no_bom, ex(200, body=b"\xef\xbb\xbf{}")) == (
        "SHAPE-NO-BOM", "a body that starts with JSON", "a UTF-8 byte-order mark first")


def test_unique_members():
    checks.unique_members(ex(200, body=b"not json"))
    checks.unique_members(ex(200, body=b'{"a": {"b": 1}, "b": 2}'))
    assert failure(checks.unique_members, ex(200, body=b'{"b": 1, "a": {"x": 1, "x": 2}, "b": 3, "b": 4}')) == (
        "SHAPE-UNIQUE-MEMBERS", "each member name once", "repeated member(s): 'b', 'x'")
    many = "{" + ", ".join(f'"m{n:02}": 1, "m{n:02}": 2' for n in range(12)) + "}"
    assert failure(checks.unique_members, ex(200, body=many.encode()))[2] == (
        "repeated member(s): " + ", ".join(f"'m{n:02}'" for n in range(10)) + ", and 2 more")


def test_no_null_members():
    checks.no_null_members(ex(200, body=[None]))
    checks.no_null_members(ex(200, body={"a": 0, "b": "", "c": False}))
    assert failure(checks.no_null_members, ex(200, body={"z": None, "a": None, "m": 1})) == (
        "SHAPE-NO-NULL", "members with values, or left out", "null: 'a', 'z'")


def test_model_type_spelling():
    assert failure(checks.model_type_spelling, ex(200, body=dict(MODEL, model_type="chat-completion")),
                   "2024-04-01-preview") == (
        "SHAPE-MODEL-TYPE-SPELLING",
        "one of audio_generation, chat_completion, embeddings, image_embeddings, image_generation, "
        "text_generation (ModelType of 2024-04-01-preview is closed)",
        "model_type 'chat-completion': `chat-completion` is the 2024-05-01-preview spelling of "
        "`chat_completion`; api-version 2024-04-01-preview documents `chat_completion`; "
        "azure-ai-inference 1.0.0b9's `model_type == ModelType.CHAT_COMPLETION` (`chat_completion`) "
        "is False for it")
    got = failure(checks.model_type_spelling, ex(200, body=dict(MODEL, model_type="x")), "2024-05-01-preview")
    assert got[1].endswith("(ModelType of 2024-05-01-preview is extensible)") and got[2] == "model_type 'x'"
    assert failure(checks.model_type_spelling, ex(200, body=[1]), "2024-04-01-preview")[2] == "model_type None"


def test_shown_and_first():
    assert checks.shown("a\x1bb") == "'a\\x1bb'"
    assert checks.shown("x" * 200, 10) == "'xxxxxxxxx… (202 characters)"
    assert checks.first([1, 2, 3], 2, str) == "1, 2, and 1 more"
    assert checks.first([1, 2], 2, str, "; ") == "1; 2"


def test_a_failure_explains_itself_with_a_reproduction():
    with pytest.raises(CheckFailure) as raised:
        checks.fail("AUTH-401", "status 401", "403\x1b[2J", GOOD)
    assert raised.value.explain() == (
        "[SHOULD AUTH-401] Missing or invalid credentials SHOULD be answered 401 Unauthorized.\n"
        "  expected: status 401\n  got:      403\\e[2J\n  reproduce: curl http://h/info")
    assert str(raised.value) == raised.value.explain()
    assert CheckFailure("ACME-X", "e", "g").explain() == "[ACME-X]\n  expected: e\n  got:      g"


def test_status_boundaries_of_every_comparison():
    """Each status comparison on both sides of its value: an off-by-one or a flipped operator
    fails here."""
    assert checks.first(list(range(11)), 5, str) == "0, 1, 2, 3, 4, and 6 more"
    for status, code in ((400, "404"), (405, "404"), (404, "400")):     # the Azure OpenAI hint: 404 and "404" only
        assert "Azure OpenAI" not in failure(checks.status_200, ex(status, body={"error": {"code": code}}))[2]
    for status in (199, 201):                                           # ModelInfo compared on 200 only
        checks.same_outcome(ex(status, body=MODEL), ex(status, body=dict(MODEL, model_name="x")), "R", "w")
    assert failure(checks.same_outcome, ex(404), ex(200, body=MODEL), "R", "w")[0] == "R"
    checks.challenge(ex(400))
    checks.challenge(ex(402))
    checks.charset_utf8(ex(200, ("Content-Type", "application/json; boundary=latin1; x=y")))
    assert failure(checks.error_code_header, ex(401, ("x-ms-error-code", "Zeta"),
                                                body={"error": {"code": "Unauthorized"}}))[0] == "ERROR-CODE-HEADER"
    for answer in (refusal(399, "MissingApiVersionParameter"), refusal(400, "ZZZ")):
        assert failure(checks.error_code_is, answer, 400, "MissingApiVersionParameter", "R")[0] == "R"
    assert failure(checks.method_not_allowed, ex(406, ("Allow", "GET")))[0] == "HTTP-405"
    assert failure(checks.status_is, ex(400), 401, "AUTH-401")[0] == "AUTH-401"
    assert failure(checks.head_like_get, ex(199, JSON, method="HEAD"), GOOD)[0] == "HTTP-HEAD"
    checks.head_like_get(ex(405, JSON, method="HEAD"), ex(405, JSON))


# -- display caps: how much of a server's value a message quotes ----------------------------
# Each cap is pinned on both sides: a value exactly at the cap is quoted whole, one character
# more is cut with a note of the full length. A report that quotes too little hides the fault;
# one that quotes too much lets a server decide how long the report is.

def cut(text: str) -> bool:
    return "… (" in text or "... (" in text


def model_fields(name_length: int) -> dict:
    return {"model_name": "n" * name_length, "model_type": "chat_completion", "model_provider_name": "p"}


def repr_length_of_fields(name_length: int) -> int:
    return len(repr(model_fields(name_length)))


def at_and_over(cap: int, render) -> tuple[bool, bool]:
    return cut(render(cap)), cut(render(cap + 1))


def failure_text(check, *args) -> str:
    with pytest.raises(CheckFailure) as raised:
        check(*args)
    return raised.value.expected + "\n" + raised.value.got


def not_json(length: int) -> Exchange:
    return ex(200, JSON, body=b"{" * length)


NAME_FOR_FIELDS_OF_300 = 300 - repr_length_of_fields(0)

CAPS = {
    # CheckFailure's 'expected' and 'got' lines: 1000 characters each
    "expected line": (1000, lambda n: CheckFailure("SHAPE-200", "e" * n, "g").explain().splitlines()[1]),
    "got line": (1000, lambda n: CheckFailure("SHAPE-200", "e", "g" * n).explain().splitlines()[2]),
    # shown(): a repr of 120 characters, that is a string of 118
    "shown()": (118, lambda n: checks.shown("s" * n)),
    # summary(): 200 bytes of body
    "summary body": (200, lambda n: checks.summary(ex(500, body=b"b" * n))),
    # parsed_json(): 120 bytes of a body that is not JSON
    "not-JSON body": (120, lambda n: failure_text(checks.parsed_json, not_json(n), "SHAPE-MODELINFO")
                      .split("): ", 1)[1]),
    # azure_error_body(): 160 bytes of body
    "error body": (160, lambda n: failure_text(checks.azure_error_body, ex(401, body=b"x" * n))),
    # same_outcome(): a ModelInfo's members, 300 characters of repr, in both fields
    "same ModelInfo, first": (NAME_FOR_FIELDS_OF_300, lambda n: failure_text(
        checks.same_outcome, ex(200, JSON, body=model_fields(n)), ex(200, JSON, body=MODEL),
        "HTTP-REPEATABLE", "the first").splitlines()[0]),
    "same ModelInfo, second": (NAME_FOR_FIELDS_OF_300, lambda n: failure_text(
        checks.same_outcome, ex(200, JSON, body=MODEL), ex(200, JSON, body=model_fields(n)),
        "HTTP-REPEATABLE", "the first").splitlines()[1]),
    # a repeated or null member name: 60 characters of repr, a name of 58
    "repeated member": (58, lambda n: failure_text(
        checks.unique_members, ex(200, JSON, body=b'{"%s": 1, "%s": 2}' % (b"m" * n, b"m" * n)))),
    "null member": (58, lambda n: failure_text(checks.no_null_members, ex(200, JSON, body={"m" * n: None}))),
}


@pytest.mark.parametrize("cap", CAPS)
def test_a_value_at_the_cap_is_quoted_whole_and_one_more_is_cut(cap):
    length, render = CAPS[cap]
    assert at_and_over(length, render) == (False, True)


def test_a_json_parse_error_is_quoted_up_to_200_characters(monkeypatch):
    def error_of(n):
        monkeypatch.setattr(Exchange, "json", lambda self, **_: (_ for _ in ()).throw(ValueError("v" * n)))
        return failure_text(checks.parsed_json, not_json(1), "SHAPE-MODELINFO").split("(", 1)[1]
    assert at_and_over(200, error_of) == (False, True)


def test_a_schema_violation_is_quoted_up_to_200_characters_and_five_of_them(monkeypatch):
    def problems(*texts):
        monkeypatch.setattr(checks.schemas, "errors", lambda validator, body: list(texts))
        return failure_text(checks.model_info, GOOD, "2024-04-01-preview").splitlines()[1]
    assert at_and_over(200, lambda n: problems("p" * n)) == (False, True)
    five = problems(*"abcde")
    assert five == "a; b; c; d; e"
    assert problems(*"abcdef") == five + "; and 1 more"
