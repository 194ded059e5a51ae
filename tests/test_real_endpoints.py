"""Real endpoints, fairly: the checks against exchanges shaped like real ones (fixtures/info/recordings),
the reference server under every known api-version, and its serverless flavour."""
import json

import pytest

from harness import KEY, ROOT, run_suite, serve
from infocheck.contracts.info import checks
from infocheck.contracts.info import profiles as schemas
from infocheck.contracts.info.checks import CheckFailure
from infocheck.wire.exchange import Exchange, Request
from infocheck.judging.catalogue import builtin
from infocheck.contracts.info.server import FoundryHandler, InfoHandler, ReferenceServer, ServerlessHandler, Settings

RECORDINGS = json.loads((ROOT / "fixtures" / "info" / "recordings" / "real-endpoint-shapes.json").read_text())["exchanges"]


def exchange_of(recorded) -> Exchange:
    return Exchange(Request(), "https://example.invalid/info", "curl ...", status=recorded["status"],
                    reason="", headers=list(recorded["headers"].items()),
                    body=json.dumps(recorded["body"]).encode())


def judge(recorded) -> tuple[set, set, str]:
    """Run every check that applies to this exchange; return (MUST failed, SHOULD found, text)."""
    ex, version = exchange_of(recorded), recorded["api_version"]
    if ex.status == 200:
        steps = [lambda: checks.status_200(ex), lambda: checks.json_media_type(ex),
                 lambda: checks.model_info(ex, version), lambda: checks.model_type_spelling(ex, version),
                 lambda: checks.request_id(ex), lambda: checks.date_header(ex)]
    else:
        steps = [lambda: checks.status_200(ex), lambda: checks.challenge(ex),
                 lambda: checks.azure_error_body(ex), lambda: checks.error_code_header(ex),
                 lambda: checks.request_id(ex)]
    must, should, text = set(), set(), ""
    for step in steps:
        try:
            step()
        except CheckFailure as failure:
            (must if builtin()[failure.requirement_id].level == "MUST" else should).add(failure.requirement_id)
            text += failure.explain() + "\n"
    if recorded["status"] == 401:
        must.discard("SHAPE-200")  # a refusal is not judged as a positive answer
    return must, should, text


@pytest.mark.parametrize("recorded", RECORDINGS, ids=lambda r: r["what"][:60])
def test_real_shapes_are_judged_fairly(recorded):
    must, should, text = judge(recorded)
    assert must == set(recorded["must_fail"]), text
    assert should == set(recorded["findings"]), text
    if "says" in recorded:
        assert recorded["says"] in text


def test_serverless_flavour_passes_must_with_exactly_the_expected_findings(tmp_path):
    with serve(ServerlessHandler) as server:
        run = run_suite(tmp_path, "--api-version", "2024-05-01-preview", endpoint=server.url)
    assert run.code == 0, run.stdout[-3000:]
    assert run.must_failed == set()
    assert run.findings == {"AUTH-CHALLENGE", "ERROR-BODY", "ERROR-CODE-HEADER",
                            "API-VERSION-MISSING-CODE", "API-VERSION-UNSUPPORTED-CODE"}
    assert "flat {statusCode, message} body" in run.stdout


def test_unknown_api_version_uses_the_latest_profile_and_says_so(tmp_path):
    run = run_suite(tmp_path, "--api-version", "2031-01-01", "--collect-only")
    latest = "2025-05-15-preview"   # by value: the most recent version infocheck has a profile for
    assert f"2031-01-01 (unknown to infocheck: checked with the profile of {latest}" in run.stdout
    assert [schemas.profile_version(v) for v in ("2031-01-01", "2025-03-01", "2025-04-01")] == \
        [latest, latest, "2025-04-01"]


def test_the_reference_server_is_conformant_under_every_known_version_in_one_run(tmp_path):
    with serve() as server:   # routed by deployment and by model, wherever the version has them
        run = run_suite(tmp_path, "--api-version", "all-known", "--deployment", "phi3-mini",
                        "--model", "phi3-mini", endpoint=server.url)
    assert run.code == 0, run.stdout[-3000:]
    assert not run.must_failed and not run.findings
    assert run.report["api_versions"] == schemas.known_versions()
    assert all(set(r["by_version"]) == set(schemas.known_versions()) for r in run.report["requirements"])
    assert not [(r["id"], v) for r in run.report["requirements"] for v, verdict in r["by_version"].items()
                if verdict in ("failed", "finding", "not tested")]
    model_known = next(r for r in run.report["requirements"] if r["id"] == "MODEL-KNOWN")
    assert model_known["by_version"]["2024-04-01-preview"] == "skipped"  # no model parameter there
    assert model_known["by_version"]["2025-04-01"] == "passed"
    assert 'id="infocheck-versions"' in run.outputs["infocheck.html"]


def test_a_version_the_endpoint_lacks_fails_under_that_version_only(tmp_path):
    older = schemas.known_versions()[:2]

    with ReferenceServer(Settings(api_key=KEY, supported_versions=tuple(older)), InfoHandler) as server:
        run = run_suite(tmp_path, "--api-version", ",".join(older + ["2025-04-01"]),
                        "--discover-versions", endpoint=server.url)
    assert run.code == 1
    shape = next(r for r in run.report["requirements"] if r["id"] == "SHAPE-200")
    assert shape["by_version"] == {older[0]: "passed", older[1]: "passed", "2025-04-01": "failed"}
    assert run.report["discovered_versions"][older[0]].startswith("accepted")
    assert run.report["discovered_versions"]["2025-05-01"].startswith("refused: 400")
    assert "api-versions the endpoint accepts" in run.stdout


@pytest.mark.parametrize("recorded", RECORDINGS, ids=lambda r: r["what"][:60])
def test_only_an_answer_that_names_a_missing_model_asks_for_a_route(recorded):
    from infocheck.contracts.info.contract import names_missing_model
    asks = recorded["status"] == 400 and names_missing_model(exchange_of(recorded))
    assert asks == recorded.get("needs_route", False)


def test_foundry_endpoint_without_a_route_cannot_be_tested_and_says_how(tmp_path):
    with serve(FoundryHandler) as server:
        run = run_suite(tmp_path, "--api-version", "2025-05-01", endpoint=server.url)
    assert run.code == 2, run.stdout[-2000:]
    assert "needs a deployment or model" in run.stdout and "no_model_name" in run.stdout
    assert "--deployment NAME" in run.stdout and "--model NAME" in run.stdout
    assert run.report["requests"]["sent"] == 1


@pytest.mark.parametrize("args, routed", [
    (("--deployment", "PHI3-MINI", "--deployment", "cohere-embed-v3-english"),
     "deployment PHI3-MINI (via the azureml-model-deployment header)"),
    (("--model", "phi3-mini"), "model phi3-mini (via the model query parameter"),
])
def test_foundry_endpoint_is_checked_through_the_named_route(tmp_path, args, routed):
    with serve(FoundryHandler) as server:
        run = run_suite(tmp_path, "--api-version", "2025-05-01", *args, endpoint=server.url)
    assert run.code == 0, run.stdout[-3000:]
    assert not run.must_failed and not run.findings
    assert f"routed to: {routed}" in run.stdout and routed in run.outputs["infocheck.html"]
