"""Issue 26, "say only what the exchanges show": every listed id answering FastAPI's 404 is the
pattern of vLLM, FastChat 0.2.36 and llama-cpp-python 0.3.36 alike (measured, docs/contracts.md),
so MODELS-RETRIEVE-200's hint names each of them, never vLLM alone, on each of their flavours."""
import json

import pytest

from harness import KEY, run_suite
from infocheck import contracts
from infocheck.contracts.checking import CheckFailure
from infocheck.contracts.models import checks
from infocheck.wire.exchange import Exchange, Request

FASTAPI = {"detail": "Not Found"}
SERVERS = ("vLLM (vllm PR #43127)", "FastChat 0.2.36", "llama-cpp-python 0.3.36")


def ex(status, body) -> Exchange:
    return Exchange(Request(), "http://h/v1/models/x", "curl http://h/v1/models/x", status=status,
                    reason="", headers=[("Content-Type", "application/json")],
                    body=json.dumps(body).encode())


def test_every_id_answering_fastapi_s_404_names_every_server_measured_so():
    with pytest.raises(CheckFailure) as raised:
        checks.retrieve_200(ex(404, FASTAPI), "d", lambda: ([("a", ex(404, FASTAPI))], None))
    said = raised.value.got
    assert "no retrieve route" in said and all(s in said for s in SERVERS), said
    assert "vLLM has none" not in said


@pytest.mark.parametrize("flavour", ["fastchat", "llama-cpp-python", "vllm"])
def test_a_flavour_without_the_route_is_not_told_it_is_vllm(tmp_path, flavour):
    server = contracts.get("models").reference_server(KEY, flavour).start()
    try:
        run = run_suite(tmp_path, "--contract", "models", endpoint=server.url, html=False)
    finally:
        server.stop()
    said = " ".join(next(r for r in run.report["requirements"] if r["id"] == "MODELS-RETRIEVE-200")["messages"])
    assert "no retrieve route" in said and all(s in said for s in SERVERS), said
    assert "vLLM has none" not in said
