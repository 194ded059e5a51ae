"""The models contract end to end: the embedded reference server passes with no finding and in
fewer requests than info's; each faulty server is caught by exactly its requirements; each real
server's flavour is graded fairly (what breaks a MUST fails, a deviation is a finding) and told
what to do about it; and a wrong base URL, a wrong contract, or the info surface get one line."""
import json
import subprocess
import sys
import urllib.request

import pytest

from harness import KEY, clean_env, run_suite
from infocheck import contracts
from infocheck.contracts.models.server import ModelsHandler, ModelsSettings, ReferenceServer
from infocheck.judging.catalogue import builtin
from infocheck.wire.secret import NEAR_MISSES

MODELS = contracts.get("models")
CATALOGUE = builtin(MODELS)


def serve_models(handler=ModelsHandler, base_path="/v1"):
    return ReferenceServer(ModelsSettings(api_key=KEY, base_path=base_path), handler).start()


def verdicts(run) -> dict:
    return {r["id"]: r["verdict"] for r in run.report["requirements"]}


def test_the_embedded_reference_server_is_conformant_with_no_findings_in_few_requests(tmp_path):
    run = run_suite(tmp_path, "--contract", "models", key=None)
    assert run.code == 0, run.stdout[-3000:]
    assert not run.must_failed and not run.findings
    assert run.report["contract"] == "models" and "contract: models" in run.stdout
    assert run.report["requests"]["sent"] < 63        # info's, on a smaller surface
    assert {r["id"] for r in run.report["requirements"]} == set(CATALOGUE)
    assert all(t.startswith("suites/models/") for t in (r["test"] for r in run.report["results"]))


# Each fault caught by exactly its requirements: test_faults.py, for every contract.


def test_a_list_of_a_million_bytes_of_owners_is_judged_like_a_short_one(tmp_path):
    # Each model its own owner: the choice of ids to retrieve was once quadratic in them, so a
    # list near the body limit held the run for most of an hour. run_suite stops it at 600 s,
    # a bound against that hang only, generous for a loaded machine; its time is bench/run.py's.
    many = [{"id": f"model-{i:05d}", "object": "model", "created": 1700000000 + i,
             "owned_by": f"owner-{i:05d}"} for i in range(11_000)]
    assert 1_000_000 < len(json.dumps({"object": "list", "data": many})) < 1024 * 1024
    with ReferenceServer(ModelsSettings(api_key=KEY, base_path="/v1", models=many), ModelsHandler).start() as server:
        run = run_suite(tmp_path, "--contract", "models", "--model", "model-10999", endpoint=server.url,
                        html=False, timeout=600)
    assert run.code == 0 and not run.findings, run.stdout[-3000:]
    assert verdicts(run)["MODELS-RETRIEVE-ID"] == verdicts(run)["MODELS-MODEL-SERVED"] == "passed"


def test_a_near_miss_that_is_the_key_itself_is_skipped_and_said_so(tmp_path):
    digits = "0123456789" * 3          # no letters: its case changes are the key itself
    with ReferenceServer(ModelsSettings(api_key=digits, base_path="/v1"), ModelsHandler).start() as server:
        run = run_suite(tmp_path, "--contract", "models", endpoint=server.url, key=digits, html=False)
    assert run.code == 0 and not run.findings, run.stdout[-3000:]
    skipped = [r for r in run.report["results"] if r["outcome"] == "skipped"
               and "is the key itself (it has no letters)" in r["summary"]]
    routes = 2   # the list and a listed Model
    assert len(skipped) == routes * sum("case" in v.label for v in NEAR_MISSES) > 0, run.report["results"]
    assert verdicts(run)["MODELS-AUTH-NEAR-MISS"] == "passed"   # the other near misses were refused


def test_the_positive_and_the_echo_requirements_are_the_list_s():
    # That every requirement has a test and a fault at its level: test_catalogue.py, for every contract.
    assert CATALOGUE.positive == "MODELS-LIST-200" and CATALOGUE.echo == "MODELS-NO-ECHO"


# -- real servers, graded fairly -----------------------------------------------------------------

FLAVOURS = {
    "reference": (set(), set(), None),
    "azure-v1": (set(), set(), None),
    "vllm": ({"MODELS-RETRIEVE-200"}, {"MODELS-CREATED-STABLE", "MODELS-ERROR-SHAPE"},
             "no retrieve route: GET /models/{id} answers FastAPI's 404"),
    "llama-cpp": ({"MODELS-RETRIEVE-200", "MODELS-AUTH-MISSING", "MODELS-AUTH-WRONG-KEY",
                   "MODELS-AUTH-NEAR-MISS"}, {"MODELS-CREATED-STABLE"},
                  "the endpoint does not check credentials"),
    "ollama": ({"MODELS-AUTH-MISSING", "MODELS-AUTH-WRONG-KEY", "MODELS-AUTH-NEAR-MISS"}, set(),
               "the endpoint does not check credentials"),
    "tgi": (set(), {"MODELS-CREATED-REAL"}, "created 0: 0, the Unix epoch"),
    # As measured on the real servers (docs/contracts.md, "Measured on real servers").
    # No key is a 500, no refusal: MODELS-AUTH-MISSING fails beside MODELS-NO-5XX.
    "litellm": ({"MODELS-AUTH-MISSING", "MODELS-AUTH-WRONG-KEY", "MODELS-AUTH-NEAR-MISS", "MODELS-NO-5XX",
                 "MODELS-RETRIEVE-200"},
                {"MODELS-AUTH-MALFORMED", "MODELS-CREATED-REAL", "MODELS-ERROR-SHAPE",
                 "MODELS-RETRIEVE-MATCHES", "MODELS-SLASH-ID"},
                "LiteLLM's constant"),
    "fastchat": ({"MODELS-RETRIEVE-200"}, {"MODELS-CREATED-STABLE", "MODELS-ERROR-SHAPE"},
                 "no retrieve route: GET /models/{id} answers FastAPI's 404"),
    "llama-cpp-python": ({"MODELS-LIST-SHAPE", "MODELS-RETRIEVE-200"}, {"MODELS-ERROR-SHAPE"},
                         "'created' is a required property"),
}


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_each_real_server_is_graded_fairly_and_told_what_to_do(tmp_path, flavour):
    assert set(FLAVOURS) == set(MODELS.flavours)
    failed, findings, advice = FLAVOURS[flavour]
    server = MODELS.reference_server(KEY, flavour).start()
    try:
        model = ["--model", "contoso-gpt-4o-mini"] if flavour == "azure-v1" else []
        run = run_suite(tmp_path, "--contract", "models", *model, endpoint=server.url, html=False)
    finally:
        server.stop()
    assert (run.code, run.must_failed, run.findings) == (1 if failed else 0, failed, findings), \
        run.stdout[-3000:]
    if advice:
        messages = " ".join(m for r in run.report["requirements"] for m in r["messages"])
        assert advice in messages, messages[:2000]


def test_a_flavour_serves_for_a_client_s_author(tmp_path):
    server = subprocess.Popen([sys.executable, "-m", "infocheck", "serve",
                               "--contract", "models", "--flavour", "vllm", "--port", "0", "--quiet"],
                              stdout=subprocess.PIPE, text=True, env=clean_env(INFOCHECK_API_KEY=KEY))
    try:
        first = server.stdout.readline()
        banner = first + server.stdout.readline()
        url = first.split(": ", 1)[1].strip()
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {KEY}"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            listing = json.loads(answer.read())
        assert listing["object"] == "list" and listing["data"][0]["owned_by"] == "vllm"
        assert "contract models" in banner and "flavour vllm" in banner
    finally:
        server.terminate()
        server.wait(timeout=10)


# -- bad input: one line ----------------------------------------------------------------------

@pytest.mark.parametrize("args, says", [
    (["--contract", "openai"], "'openai' is not a contract infocheck knows; it knows "
     + ", ".join(contracts.names())),
    (["--contract", "models", "--endpoint", "https://r.openai.azure.com/openai/v1/models"],
     "give the base URL, which ends in /openai/v1 (Azure) or /v1"),
    (["--contract", "models", "--endpoint", "https://contoso.services.ai.azure.com/models"],
     "infocheck adds /models itself"),
    (["--contract", "models", "--api-version", "2024-10-21"], "not an api-version of the v1 API"),
    (["--contract", "models", "--deployment", "d"], "the models contract has no deployment routing"),
    (["--info-model-name", "phi3-mini"], "it is for --contract models"),
])
def test_a_wrong_contract_or_base_is_a_usage_error_in_one_line(tmp_path, args, says):
    run = run_suite(tmp_path, *args, key=None, html=False)
    assert run.code == 4
    errors = [line for line in run.stderr.splitlines() if line.startswith("ERROR:")]
    assert len(errors) == 1 and says in errors[0], run.stderr[-2000:]


def test_the_info_surface_given_to_the_models_contract_says_which_base_to_give(tmp_path):
    from harness import serve
    with serve() as info_server:    # an /info endpoint: it has no /models route
        run = run_suite(tmp_path, "--contract", "models", endpoint=info_server.url, html=False)
    assert run.code == 2, run.stdout[-2000:]
    assert "there is no OpenAI v1 models route there. Give the base URL that ends in /openai/v1" in run.stdout
    assert run.report["requests"]["sent"] == 1


def test_api_versions_of_the_v1_api(tmp_path):
    with serve_models() as server:
        run = run_suite(tmp_path, "--contract", "models", "--api-version", "all-known",
                        "--discover-versions", endpoint=server.url, html=False)
    assert run.code == 0, run.stdout[-2000:]
    assert run.report["api_versions"] == ["", "v1", "preview"]
    assert set(run.report["discovered_versions"]) == {"none", "v1", "preview"}
