"""Flavours as real as the servers, and the official clients against them.

Every row of the flavour table in docs/contracts.md is run: the verdict, the MUSTs failed and
the SHOULD findings are exactly what the row says. Against the same server the official SDK
(openai-python for a models flavour, azure-ai-inference for an info flavour) is run too, and
what it sees agrees with infocheck's verdict on each requirement it exercises. The SDK clients
talk only to the loopback servers started here, without retries, within a timeout, and read no
proxy from the environment."""
from __future__ import annotations

import re

import openai
import pytest
from azure.ai.inference import ChatCompletionsClient
from azure.ai.inference.models import ModelType
from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError
from azure.core.pipeline.transport import RequestsTransport

from harness import KEY, ROOT, run_suite
from infocheck import contracts
from infocheck.contracts.info import profiles
from infocheck.contracts.models.server import ModelsHandler, ModelsSettings, ReferenceServer

WRONG_KEY = "infocheck-selftest-wrong-key-0123456789"
SDK_TIMEOUT = 10

# -- the table ----------------------------------------------------------------------------------


def table_rows() -> list[dict]:
    """The rows of docs/contracts.md's flavour table: contract, flavour, the run's extra
    options, verdict, failed and findings (the requirement ids the verdict cell names)."""
    text = (ROOT / "docs" / "contracts.md").read_text(encoding="utf-8")
    header = "| contract | flavour | behaves like | run with | infocheck's verdict |"
    assert header in text
    lines = text[text.index(header):].splitlines()[2:]
    rows = []
    for line in lines:
        if not line.startswith("|"):
            break
        contract, flavour, _, run_with, verdict = [c.strip() for c in line.strip().strip("|").split("|")]
        words = verdict.split(" — ")[0].split("; ")
        named = {"fails": set(), "findings": set()}
        for part in words[1:]:
            kind, _, ids = part.partition(" ")
            assert kind in named, line
            named[kind] = {i.strip() for i in ids.split(",")}
        rows.append({"contract": contract, "flavour": flavour.strip("`"),
                     "args": run_with.strip("`").split(), "verdict": words[0],
                     "failed": named["fails"], "findings": named["findings"]})
    return rows


ROWS = table_rows()


def test_the_table_names_every_flavour_of_every_contract_and_only_known_requirements():
    for contract in contracts.every():
        assert {r["flavour"] for r in ROWS if r["contract"] == contract.name} == set(contract.flavours)
        for row in (r for r in ROWS if r["contract"] == contract.name):
            assert row["verdict"] in ("CONFORMANT", "NOT CONFORMANT", "COULD NOT TEST"), row
            assert row["failed"] | row["findings"] <= set(contract.catalogue), row
            assert (row["verdict"] == "NOT CONFORMANT") == bool(row["failed"]), row


def verdicts(run) -> dict:
    return {r["id"]: r["verdict"] for r in run.report["requirements"]}


def run_row(tmp_path, row, server):
    run = run_suite(tmp_path, "--contract", row["contract"], *row["args"], endpoint=server.url, html=False)
    said = (run.report or {}).get("verdict")
    assert (said, run.must_failed, run.findings) == (row["verdict"], row["failed"], row["findings"]), \
        f"docs/contracts.md's row for {row['contract']} {row['flavour']} {row['args']} says " \
        f"{row['verdict']}, fails {row['failed']}, findings {row['findings']}; the run:\n" + run.stdout[-3000:]
    assert not run.leaks()
    return run


# -- openai-python against every models flavour ---------------------------------------------------


def openai_client(url: str, key: str):
    http = openai.DefaultHttpxClient(trust_env=False, timeout=SDK_TIMEOUT)
    return openai.OpenAI(api_key=key, base_url=url, max_retries=0, timeout=SDK_TIMEOUT, http_client=http)


def attempt(call):
    """What the SDK's call gave: ("ok", value) or ("raised", the exception)."""
    try:
        return "ok", call()
    except openai.OpenAIError as error:
        return "raised", error


# The requirement whose request sends a listed id with "/" as the pinned SDK does (percent-encoded,
# the slash as %2F): the MUST retrieve (the raw slash is MODELS-SLASH-ID, a SHOULD).
SDK_SLASH_FORM = "MODELS-RETRIEVE-200"


@pytest.mark.parametrize("row", [r for r in ROWS if r["contract"] == "models"],
                         ids=lambda r: "-".join([r["flavour"], *r["args"]]))
def test_each_models_flavour_is_what_the_table_says_and_the_openai_sdk_agrees(tmp_path, row):
    server = contracts.get("models").reference_server(KEY, row["flavour"]).start()
    try:
        run = run_row(tmp_path, row, server)
        client, wrong = openai_client(server.url, KEY), openai_client(server.url, WRONG_KEY)
        listing = attempt(lambda: list(client.models.list()))
        ids = [m.id for m in listing[1]] if listing[0] == "ok" else []
        plain = [i for i in ids if isinstance(i, str) and "/" not in i][:3]
        slashed = [i for i in ids if isinstance(i, str) and "/" in i][:1]
        retrieved = [attempt(lambda i=i: client.models.retrieve(i)) for i in plain]
        with_slash = [attempt(lambda i=i: client.models.retrieve(i)) for i in slashed]
        unknown = attempt(lambda: client.models.retrieve("infocheck-no-such-model"))
        refused = attempt(lambda: list(wrong.models.list()))
    finally:
        server.stop()
    said = verdicts(run)
    # The list: the SDK gets it, and gets the Models its types promise.
    assert (listing[0] == "ok") == (said["MODELS-LIST-200"] == "passed"), (listing, said)
    complete = listing[0] == "ok" and all(
        isinstance(m.id, str) and m.id and m.object == "model" and type(m.created) is int
        and isinstance(m.owned_by, str) for m in listing[1])
    assert complete == (said["MODELS-LIST-SHAPE"] == "passed"), (listing, said)
    # The listed ids the SDK asks for (up to three without "/", one with), as it sends them: the
    # MUST retrieve (SDK_SLASH_FORM) sends each the same way, so it passes exactly when the SDK
    # gets every one back as itself. (tgi lists one id, with a slash.)
    asked = plain + slashed
    if asked:
        works = all(kind == "ok" and got.id == wanted
                    for (kind, got), wanted in zip(retrieved + with_slash, asked))
        assert works == (said[SDK_SLASH_FORM] == "passed"), (retrieved, with_slash, said)
    # An unknown id raises NotFoundError exactly when MODELS-UNKNOWN-404 passes.
    assert (unknown[0] == "raised" and isinstance(unknown[1], openai.NotFoundError)) == \
        (said["MODELS-UNKNOWN-404"] == "passed"), (unknown, said)
    # A wrong key raises AuthenticationError or PermissionDeniedError exactly when it passes.
    assert (refused[0] == "raised" and isinstance(
        refused[1], (openai.AuthenticationError, openai.PermissionDeniedError))) == \
        (said["MODELS-AUTH-WRONG-KEY"] == "passed"), (refused, said)


class RecordingPaths(ModelsHandler):
    paths: list = []

    def route(self):
        type(self).paths.append(self.path)
        return super().route()


def test_the_pinned_openai_sdk_sends_a_slash_in_an_id_percent_encoded():
    """The reference for the MUST retrieve's form: what the pinned SDK requests."""
    RecordingPaths.paths = []
    model = {"id": "org/llama-3", "object": "model", "created": 1721692800, "owned_by": "org"}
    settings = ModelsSettings(api_key=KEY, base_path="/v1", models=[model])
    with ReferenceServer(settings, RecordingPaths).start() as server:
        got = openai_client(server.url, KEY).models.retrieve("org/llama-3")
    assert got.id == "org/llama-3"
    assert RecordingPaths.paths == ["/v1/models/org%2Fllama-3"]
    pinned = next(line for line in (ROOT / "requirements.in").read_text().splitlines()
                  if line.startswith("openai=="))
    assert pinned == f"openai=={openai.__version__}"
    assert f"openai-python {openai.__version__}" in (ROOT / "docs" / "contracts.md").read_text()


# -- azure-ai-inference against every info flavour -------------------------------------------------


def inference_client(url: str, key: str, version: str):
    return ChatCompletionsClient(endpoint=url, credential=AzureKeyCredential(key), api_version=version,
                                 transport=RequestsTransport(use_env_settings=False), retry_total=0,
                                 connection_timeout=SDK_TIMEOUT, read_timeout=SDK_TIMEOUT)


def route_headers(args: list[str]) -> dict:
    return {"azureml-model-deployment": args[args.index("--deployment") + 1]} if "--deployment" in args else {}


@pytest.mark.parametrize("row", [r for r in ROWS if r["contract"] == "info"],
                         ids=lambda r: "-".join([r["flavour"], *r["args"]]))
def test_each_info_flavour_is_what_the_table_says_and_azure_ai_inference_agrees(tmp_path, row):
    server = contracts.get("info").reference_server(KEY, row["flavour"]).start()
    try:
        run = run_row(tmp_path, row, server)
        version = run.report["api_versions"][0]
        headers = route_headers(row["args"])
        try:
            info = inference_client(server.url, KEY, version).get_model_info(headers=headers)
        except HttpResponseError as error:
            info = error
        try:
            inference_client(server.url, WRONG_KEY, version).get_model_info(headers=headers)
            refused = None
        except HttpResponseError as error:
            refused = error
    finally:
        server.stop()
    if row["verdict"] == "COULD NOT TEST":   # no route named: the SDK cannot get a ModelInfo either
        assert isinstance(info, HttpResponseError) and info.status_code == 400, info
        return
    said = verdicts(run)
    assert not isinstance(info, Exception), info
    shaped = all(isinstance(info.get(k), str) for k in ("model_name", "model_type", "model_provider_name"))
    assert shaped == (said["SHAPE-MODELINFO"] == "passed") and shaped, (info, said)
    assert isinstance(refused, ClientAuthenticationError) == (said["AUTH-WRONG-KEY"] == "passed"), (refused, said)


def test_the_sdk_s_model_type_is_the_one_the_fixture_names_and_the_finding_says_what_breaks():
    clients = profiles._clients()
    assert clients == {"azure-ai-inference 1.0.0b9": {f"ModelType.{m.name}": m.value for m in ModelType}}
    # A conforming 2024-05-01-preview endpoint (the serverless flavour, a recorded Mistral
    # endpoint) sends chat-completion: the SDK's comparison is False there.
    server = contracts.get("info").reference_server(KEY, "serverless").start()
    try:
        info = inference_client(server.url, KEY, "2024-05-01-preview").get_model_info()
    finally:
        server.stop()
    assert info.model_type == "chat-completion" and info.model_type != ModelType.CHAT_COMPLETION
    assert "chat-completion" in profiles.model_types("2024-05-01-preview")
    # The SDK's spelling sent where the api-version documents the other: the comparison with
    # the documented spelling breaks, the SDK's does not; and the other way round.
    note = profiles.spelling_note(ModelType.CHAT_COMPLETION.value, "2024-05-01-preview")
    assert ("a client comparing with `chat-completion` gets False, while azure-ai-inference 1.0.0b9's "
            "`ModelType.CHAT_COMPLETION` (`chat_completion`) matches it") in note
    note = profiles.spelling_note("chat-completion", "2024-04-01-preview")
    assert ("azure-ai-inference 1.0.0b9's `model_type == ModelType.CHAT_COMPLETION` (`chat_completion`) "
            "is False for it") in note
    statement = contracts.get("info").catalogue["SHAPE-MODEL-TYPE-SPELLING"].statement
    assert re.search(r"azure-ai-inference 1\.0\.0b9.*ModelType\.CHAT_COMPLETION.*chat_completion", statement)
