"""A base URL given wrong never blames a healthy endpoint (issue 24). The info contract appends
/info itself: a base that already ends in /info is a usage error before any request (exit 4),
naming the base to give, in a single run and in a fleet target. A base ending in /v1 (or
/openai/v1) is the OpenAI v1 API's: when its /info answers 404 the run stops after the one
positive request (exit 2), naming --contract models and the URL, as the models contract
stops on a base that has no /models route."""
import json

import pytest

from harness import KEY, run_suite
from infocheck import contracts
from infocheck.configuration.config import ConfigError, build_config
from infocheck.fleet import file as fleet
from infocheck.judging.judge import EXIT_UNTESTABLE
from infocheck.plugin.preflight import Stop, preflight
from infocheck.wire.exchange import Exchange, Request

LABEL = "INFOCHECK_ENDPOINT / --endpoint"


def refused(endpoint: str, **env) -> str:
    with pytest.raises(ConfigError) as raised:
        build_config({}, {"INFOCHECK_ENDPOINT": endpoint, "INFOCHECK_API_KEY": KEY, **env})
    return str(raised.value)


# -- a base that ends in /info: exit 4, before any request --------------------------------------

@pytest.mark.parametrize("given, base", [
    ("https://h.example/info", "https://h.example"),
    ("https://h.example/info/", "https://h.example"),
    ("https://h.example/INFO", "https://h.example"),
    ("https://h.example:8443/info", "https://h.example:8443"),
    ("https://h.example/models/info", "https://h.example/models"),      # Foundry's base is /models
    ("https://h.example/models/info/", "https://h.example/models"),
    ("https://h.example/info/info", "https://h.example"),
    ("https://h.example/gw/info#top", "https://h.example/gw"),
])
def test_a_base_ending_in_info_is_refused_naming_the_base_to_give(given, base):
    said = refused(given)
    asked = given.split("#")[0].rstrip("/")
    assert said == (f"{LABEL}: give {base} as the base URL; infocheck appends /info and the query "
                    f"itself (this one ends in /info, so it would ask {asked}/info)")


def test_a_base_ending_in_info_with_a_query_is_told_the_base_not_to_drop_the_query():
    said = refused("https://h.example/info?api-version=2024-05-01-preview")
    assert said == (f"{LABEL}: give https://h.example as the base URL; infocheck appends /info and "
                    "the query itself (this one ends in /info, so it would ask "
                    "https://h.example/info/info; the api-version goes in INFOCHECK_API_VERSION / "
                    "--api-version)")
    # Without /info, a query is refused as before.
    assert "give the base URL without query or fragment" in refused("https://h.example/models?x=1")


@pytest.mark.parametrize("given", ["https://h.example/models", "https://h.example/models/",
                                   "https://h.example", "https://h.example/information",
                                   "https://h.example/info-gateway", "https://h.example/info/v2",
                                   "https://h.example/v1"])
def test_other_bases_are_the_info_contract_s_to_try(given):
    settings = build_config({}, {"INFOCHECK_ENDPOINT": given, "INFOCHECK_API_KEY": KEY})
    assert settings.target_url() == given.rstrip("/") + "/info"


def test_a_password_in_a_base_ending_in_info_is_never_shown():
    said = refused("https://user:hunter2-secret@h.example/info?api-version=x")
    assert "hunter2" not in said and "carries user:password@" in said


def test_the_models_contract_keeps_its_own_rule_for_a_base_ending_in_info():
    said = refused("https://h.example/v1/info", INFOCHECK_CONTRACT="models")
    assert said.startswith(f"{LABEL}: give the base URL, which ends in /openai/v1")


def test_a_fleet_target_s_base_ending_in_info_names_the_target_and_the_field(tmp_path):
    path = tmp_path / "fleet.yaml"
    path.write_text(json.dumps({"targets": [
        {"name": "ok", "endpoint": "https://a.example/models", "api_key_env": "FLEET_KEY"},
        {"name": "west", "endpoint": "https://b.example/info?api-version=2024-05-01-preview",
         "api_key_env": "FLEET_KEY"}]}))
    with pytest.raises(fleet.FleetError) as raised:
        fleet.read(str(path), {"FLEET_KEY": KEY})
    assert str(raised.value).endswith(
        "target 2 (west): endpoint: give https://b.example as the base URL; infocheck appends /info "
        "and the query itself (this one ends in /info, so it would ask https://b.example/info/info; "
        "the api-version goes in api_version)")
    assert KEY not in str(raised.value)


# -- a base that ends in /v1: exit 2 when its /info answers 404 ----------------------------------

class Probe:
    def __init__(self, answer):
        self.answer, self.has_credential, self.sent = answer, True, []

    def send(self, request):
        self.sent.append(request)
        return self.answer


def answer(status: int) -> Exchange:
    return Exchange(Request(), "http://h/v1/info", "curl", status=status, headers=[], body=b"{}")


def settings_for(endpoint: str):
    return build_config({}, {"INFOCHECK_ENDPOINT": endpoint, "INFOCHECK_API_KEY": KEY})


@pytest.mark.parametrize("endpoint, base", [
    ("http://h.example/v1", "http://h.example/v1"), ("http://h.example/v1/", "http://h.example/v1"),
    ("https://r.openai.azure.com/openai/v1", "https://r.openai.azure.com/openai/v1"),
    ("https://r.openai.azure.com/OpenAI/V1/", "https://r.openai.azure.com/OpenAI/V1")])
def test_a_v1_base_whose_info_is_not_found_stops_naming_the_models_contract(endpoint, base):
    probe = Probe(answer(404))
    with pytest.raises(Stop) as raised:
        preflight(probe, settings_for(endpoint))
    stop = raised.value
    assert stop.code == EXIT_UNTESTABLE and len(probe.sent) == 1
    assert stop.reason.startswith(f"{base}/info answered 404: the Get Info API is not served "
                                  "there, and a base URL ending in /v1 is the OpenAI v1 API's. Check it "
                                  f"with --contract models --endpoint {base} (in a fleet file: contract: "
                                  "models)")


@pytest.mark.parametrize("endpoint, status", [
    ("http://h.example/v1", 200),          # a gateway that serves the Get Info API under /v1
    ("http://h.example/v1", 500),          # an answer, judged by the tests
    ("http://h.example", 404),             # no /v1: SHAPE-200 fails it, as before
    ("http://h.example/v1beta", 404), ("http://h.example/v1/x", 404)])
def test_other_answers_and_bases_go_on_to_the_tests(endpoint, status):
    probe = Probe(answer(status))
    assert preflight(probe, settings_for(endpoint)).status == status and len(probe.sent) == 1


def counted(contract: str, flavour: str = "reference"):
    """A contract's reference server on loopback whose log (one line a request) is kept."""
    lines = []

    class Lines:
        def write(self, text):
            lines.append(text)

        def flush(self):
            pass

    server = contracts.get(contract).reference_server(KEY, flavour, verbose=True)
    server.httpd.log_stream = Lines()
    return server.start(), lines


@pytest.mark.parametrize("flavour", ["reference", "azure-v1"])
def test_the_info_contract_at_a_models_server_s_base_could_not_test_after_one_request(tmp_path, flavour):
    server, lines = counted("models", flavour)
    with server:
        run = run_suite(tmp_path, endpoint=server.url, html=False)
    assert run.code == EXIT_UNTESTABLE, run.stdout[-2000:] + run.stderr[-2000:]
    assert f"Check it with --contract models --endpoint {server.url} " in run.stdout + run.stderr
    assert run.report["verdict"] == "COULD NOT TEST" and not run.must_failed
    assert len(lines) == 1 and "/info?api-version=" in lines[0] and '" 404 ' in lines[0]
    assert not run.leaks()


def test_a_fleet_target_at_a_models_server_s_base_could_not_test(tmp_path):
    server, lines = counted("models")
    path = tmp_path / "fleet.yaml"
    path.write_text(json.dumps({"targets": [{"name": "v1", "endpoint": server.url,
                                             "api_key_env": "FLEET_KEY"}]}))
    with server:
        run = run_suite(tmp_path, "--fleet", str(path), key=None, html=False, env={"FLEET_KEY": KEY})
    assert run.code == EXIT_UNTESTABLE, run.stdout[-2000:] + run.stderr[-2000:]
    (target,) = run.report["targets"]
    assert target["name"] == "v1" and target["verdict"] == "COULD NOT TEST"
    assert f"--contract models --endpoint {server.url} (in a fleet file: contract: models)" in json.dumps(target)
    assert len(lines) == 1 and not run.leaks()
