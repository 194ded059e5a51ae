"""Issue 26, what must hold: a request without a good credential that the endpoint answers with a
5xx (LiteLLM 1.108.7 without prisma: no key is a 500) is no refusal. The refusal's requirement
is recorded failed in infocheck.json beside MODELS-NO-5XX (one test, an ExceptionGroup of both),
not left "not run"; and MODELS-NO-ECHO is still checked on what came back."""
import json

import pytest

from harness import KEY, run_suite
from infocheck.contracts.checking import CheckFailure
from infocheck.contracts.models import checks
from infocheck.contracts.models.server import ModelsHandler, ModelsSettings, ReferenceServer, Refusal
from infocheck.plugin.outcomes import check_failures
from infocheck.wire.exchange import Exchange, Request

AUTH = ("MODELS-AUTH-MISSING", "MODELS-AUTH-WRONG-KEY", "MODELS-AUTH-NEAR-MISS")


def ex(status: int, body: bytes = b"Internal Server Error") -> Exchange:
    return Exchange(Request(), "http://h/v1/models", "curl http://h/v1/models", status=status,
                    reason="", headers=[("Content-Type", "text/plain")], body=body)


@pytest.mark.parametrize("requirement", AUTH)
@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_server_error_to_a_refused_credential_fails_the_refusal_and_no_5xx(requirement, status):
    with pytest.raises(ExceptionGroup) as raised:
        checks.refused(ex(status), requirement)
    failures = check_failures(raised.value)
    assert [f.requirement_id for f in failures] == ["MODELS-NO-5XX", requirement]
    assert failures[1].expected == "401 or 403"
    assert failures[1].got.endswith(checks.SERVER_ERROR)


def test_a_refusal_or_an_answer_below_500_is_one_failure_as_before():
    checks.refused(ex(401, b'{"error": {"message": "no"}}'), "MODELS-AUTH-MISSING")
    with pytest.raises(CheckFailure) as raised:
        checks.refused(ex(404), "MODELS-AUTH-MISSING")
    assert raised.value.requirement_id == "MODELS-AUTH-MISSING"


class NoKeyIsAServerError(ModelsHandler):
    """LiteLLM 1.108.7's no-key 500, on the list and on a model; a wrong key is refused 401
    as the reference does."""
    def authenticate(self):
        if not (self.headers.get("Authorization") or self.headers.get("api-key")):
            raise Refusal(500, "InternalServerError", "No module named 'prisma'")
        super().authenticate()


def test_no_key_answered_500_fails_auth_missing_in_the_report_and_no_echo_is_checked(tmp_path):
    with ReferenceServer(ModelsSettings(api_key=KEY, base_path="/v1"), NoKeyIsAServerError).start() as server:
        run = run_suite(tmp_path, "--contract", "models", "--model", "gpt-4o-mini",
                        endpoint=server.url, html=False)
    assert run.code == 1 and not run.leaks()
    verdicts = {r["id"]: r["verdict"] for r in run.report["requirements"]}
    assert run.must_failed == {"MODELS-AUTH-MISSING", "MODELS-NO-5XX"}, verdicts
    assert verdicts["MODELS-NO-ECHO"] == "passed", verdicts
    assert not {r for r, v in verdicts.items() if v in ("not run", "not tested")}, verdicts
    tests = {t["test"].split("::")[-1]: t for t in run.report["results"]}
    for name in ("test_the_list_without_credentials_is_refused", "test_a_model_without_credentials_is_refused"):
        assert set(tests[name]["failed_requirements"]) == {"MODELS-AUTH-MISSING", "MODELS-NO-5XX"}, tests[name]
    assert "a server error is no refusal" in json.dumps(run.report)
