"""Across the retirement of the Azure AI Model Inference API (26 August 2026): the info contract
shows what a retiring endpoint says of itself (Sunset, Deprecation) with its date and the
successor, a 410 Gone ends COULD NOT TEST naming the successor (a 404 stays a failure of
SHAPE-200), and a fleet that names both surfaces of one deployment says whether the v1 list
serves the model /info names."""
import json

import pytest

from harness import KEY, run_suite, serve
from infocheck import contracts
from infocheck.contracts.info.retirement import when
from infocheck.contracts.info.server import InfoHandler, Refusal
from infocheck.contracts.models.server import ModelsHandler, ModelsSettings, ReferenceServer


@pytest.mark.parametrize("raw, date", [
    ("Wed, 26 Aug 2026 00:00:00 GMT", "2026-08-26"), ("@1787702400", "2026-08-26"),
    ("Sun, 11 Nov 2018 23:59:59 GMT", "2018-11-11"), ("true", None), ("\x1b[2J", None),
    ("@99999999999999999999", None), ("", None)])
def test_the_dates_sunset_and_deprecation_name(raw, date):
    assert when(raw) == date


class Retiring(InfoHandler):
    def send_common_headers(self):
        super().send_common_headers()
        self.send_header("Sunset", "Wed, 26 Aug 2026 00:00:00 GMT")
        self.send_header("Deprecation", "@1748736000")


def test_a_retiring_endpoint_is_shown_with_its_dates_and_its_successor(tmp_path):
    with serve(Retiring) as server:
        run = run_suite(tmp_path, endpoint=server.url)
    assert run.code == 0, run.stdout[-2000:]
    sunset, deprecation = run.report["notices"]
    assert sunset.startswith("the endpoint says it stops serving the Get Info API on 2026-08-26 "
                             "(Sunset header, RFC 8594); its successor is the OpenAI v1 API: check it "
                             "with --contract models")
    assert deprecation.startswith("the endpoint says the Get Info API is deprecated since 2025-06-01 "
                                  "(Deprecation header, RFC 9745)")
    assert "infocheck: NOTE: the endpoint says it stops serving the Get Info API on 2026-08-26" in run.stdout
    page = run.outputs["infocheck.html"]
    assert page.index("stops serving the Get Info API on 2026-08-26") < page.index('id="infocheck-matrix"')


class Gone(InfoHandler):
    def serve(self, head):
        self.send_refusal(Refusal(410, "Gone", "This API has been retired."), head)


def test_410_gone_cannot_test_and_names_the_successor(tmp_path):
    with serve(Gone) as server:
        run = run_suite(tmp_path, endpoint=server.url, html=False)
    assert run.code == 2, run.stdout[-2000:]
    assert "the endpoint no longer serves the Get Info API" in run.stdout
    assert "retired on 26 August 2026; its successor is the OpenAI v1 API: check it with --contract models" in run.stdout
    assert run.report["requests"]["sent"] == 1


def test_404_stays_a_failure_of_the_positive_request(tmp_path):
    class NotServed(InfoHandler):
        def serve(self, head):
            self.send_refusal(Refusal(404, "404", "Resource not found"), head)
    with serve(NotServed) as server:
        run = run_suite(tmp_path, endpoint=server.url, html=False)
    assert run.code == 1 and "SHAPE-200" in run.must_failed


# -- both surfaces of one deployment, in one fleet ---------------------------------------------

def models_serving(*ids):
    settings = ModelsSettings(api_key=KEY, base_path="/openai/v1",
                              models=[{"id": i, "object": "model", "created": 1700000000 + n,
                                       "owned_by": "system"} for n, i in enumerate(ids)])
    return ReferenceServer(settings, ModelsHandler).start()


@pytest.fixture(scope="module")
def two_surfaces(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("surfaces")
    with serve() as info_server:
        with models_serving("phi3-mini", "gpt-4o-mini") as same, models_serving("gpt-4o-mini") as other:
            targets = [{"name": "v1-same", "contract": "models", "endpoint": same.url,
                        "api_key_env": "KEY", "same_as": "info-east"},
                       {"name": "info-east", "endpoint": info_server.url, "api_key_env": "KEY"},
                       {"name": "v1-other", "contract": "models", "endpoint": other.url,
                        "api_key_env": "KEY", "same_as": "INFO-EAST"}]
            path = tmp / "fleet.yaml"
            path.write_text(json.dumps({"targets": targets}))
            run = run_suite(tmp, "--fleet", str(path), key=None, env={"KEY": KEY})
    return run


def test_a_fleet_says_whether_the_v1_list_serves_the_model_info_names(two_surfaces):
    run = two_surfaces
    targets = {t["name"]: t for t in run.report["targets"]}
    assert list(targets) == ["v1-same", "info-east", "v1-other"]       # the fleet file's order
    assert targets["info-east"]["result"]["identity"] == {"model_name": "phi3-mini"}

    def identity_verdict(name):
        return next(r for r in targets[name]["result"]["requirements"] if r["id"] == "MODELS-SAME-AS-INFO")
    assert identity_verdict("v1-same")["verdict"] == "passed"
    other = identity_verdict("v1-other")
    assert other["verdict"] == "finding" and "'phi3-mini' (the model_name /info names)" in other["messages"][0]
    assert targets["v1-other"]["verdict"] == "CONFORMANT" and run.code == 0   # a SHOULD: a finding


def test_the_fleet_page_groups_the_columns_by_contract(two_surfaces):
    page = two_surfaces.outputs["infocheck.html"]
    assert ">info: response shape</th>" in page and ">models: list</th>" in page
    assert ">models: identity</th>" in page


def test_same_as_names_an_info_target_of_the_fleet(tmp_path):
    from infocheck.fleet import file as fleet
    path = tmp_path / "fleet.yaml"
    for targets, says in (
            ([{"name": "a", "contract": "models", "endpoint": "https://a.example/v1", "same_as": "b"}],
             "same_as: no target of the fleet is named 'b'"),
            ([{"name": "a", "endpoint": "https://a.example", "same_as": "b"},
              {"name": "b", "endpoint": "https://b.example"}], "(this one is info, b is info)")):
        path.write_text(json.dumps({"targets": targets}))
        with pytest.raises(fleet.FleetError, match=None) as raised:
            fleet.read(str(path), {})
        assert says in str(raised.value)


def test_the_registered_contracts_are_found_by_name_in_their_order():
    assert {"info", "models"} <= set(contracts.names())   # the two this file checks
    assert [c.name for c in contracts.every()] == list(contracts.names())
    assert contracts.DEFAULT == contracts.names()[0]
