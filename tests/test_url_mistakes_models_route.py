"""The OpenAI v1 models route pasted whole as the info contract's base (issue 24's URL mistakes,
found still to blame the endpoint): `--endpoint https://r.openai.azure.com/openai/v1/models`
without `--contract models` asked `/openai/v1/models/info`, got 404, and ended NOT CONFORMANT
(exit 1) for a healthy models endpoint. Like a base ending in /v1, it is COULD NOT TEST after
that one request, naming `--contract models` and the base that contract takes."""
from __future__ import annotations

import pytest

from harness import KEY, run_suite
from infocheck import contracts
from infocheck.configuration.config import build_config
from infocheck.judging.judge import EXIT_UNTESTABLE
from infocheck.plugin.preflight import Stop, preflight
from infocheck.wire.exchange import Exchange, Request


class Probe:
    def __init__(self, status):
        self.has_credential, self.sent, self.status = True, [], status

    def send(self, request):
        self.sent.append(request)
        return Exchange(Request(), "http://h/v1/models/info", "curl", status=self.status, headers=[], body=b"{}")


@pytest.mark.parametrize("endpoint, base", [
    ("https://r.openai.azure.com/openai/v1/models", "https://r.openai.azure.com/openai/v1"),
    ("http://h.example/v1/models/", "http://h.example/v1"),
    ("http://h.example/V1/Models", "http://h.example/V1")])
@pytest.mark.parametrize("status", [404, 400])   # /models/info is a model's retrieve: either
def test_a_models_route_whose_info_is_not_found_stops_naming_the_models_contract_and_its_base(
        endpoint, base, status):
    probe = Probe(status)
    with pytest.raises(Stop) as raised:
        preflight(probe, build_config({}, {"INFOCHECK_ENDPOINT": endpoint, "INFOCHECK_API_KEY": KEY}))
    assert raised.value.code == EXIT_UNTESTABLE and len(probe.sent) == 1
    assert f"Check it with --contract models --endpoint {base} (in a fleet file" in raised.value.reason


@pytest.mark.parametrize("endpoint, status", [("http://h.example/models", 404),
                                              ("http://h.example/v1/models/x", 404),
                                              ("http://h.example/v1", 400)])   # judged, as before
def test_other_models_paths_go_on_to_the_tests(endpoint, status):
    probe = Probe(status)
    found = preflight(probe, build_config({}, {"INFOCHECK_ENDPOINT": endpoint, "INFOCHECK_API_KEY": KEY}))
    assert found.status == status and len(probe.sent) == 1


def test_the_info_contract_at_a_models_route_could_not_test_end_to_end(tmp_path):
    server = contracts.get("models").reference_server(KEY, "reference").start()
    with server:
        run = run_suite(tmp_path, endpoint=server.url + "/models", html=False)
    assert run.code == EXIT_UNTESTABLE and not run.must_failed, run.stdout[-2000:]
    assert f"--contract models --endpoint {server.url} " in run.stdout + run.stderr
