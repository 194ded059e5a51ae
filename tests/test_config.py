"""Configuration on fixed values: every knob's parsing, its limits and its messages, the rules
across knobs, routing, and the rows the report shows. Fast and in-process, so that mutation
testing can run them for every mutant of infocheck/config.py."""
import dataclasses

import pytest

from infocheck import contracts
from infocheck.configuration.config import Config, ConfigError, build_config
from infocheck.configuration.knobs import KNOBS, Knob, contract_fields
from infocheck.configuration.urls import origin
from infocheck.contracts.info.client import Route, route, route_description
from infocheck.contracts.info.contract import parse_api_versions, validate_api_version
from infocheck.contracts.info.profiles import known_versions

ENDPOINT = {"INFOCHECK_ENDPOINT": "https://h.example"}
KEY = "k" * 32


def built(**env) -> Config:
    return build_config({}, {**ENDPOINT, **env})


def refused(env: dict, options: dict | None = None) -> str:
    with pytest.raises(ConfigError) as raised:
        build_config(options or {}, env)
    return str(raised.value)


# -- defaults and limits ---------------------------------------------------------------------

def test_the_dataclass_defaults_are_the_knobs_defaults():
    from_knobs, plain = build_config({}, {}), Config()
    for name in ("endpoint", "api_versions", "api_key", "timeout", "max_requests", "concurrency",
                 "fleet_jobs", "azure_identity", "fail_on_should", "discover_versions",
                 "deployments", "requirements", "embedded_server"):
        assert getattr(plain, name) == getattr(from_knobs, name), name
    assert (from_knobs.timeout, from_knobs.max_requests, from_knobs.concurrency, from_knobs.fleet_jobs) == (10, 300, 5, 8)
    assert from_knobs.body_limit == plain.body_limit == 1048576   # the README's 1 MiB
    assert (from_knobs.azure_identity, from_knobs.fail_on_should, from_knobs.discover_versions) == (False,) * 3
    assert from_knobs.embedded and not built().embedded


def test_the_request_cap_is_300_per_api_version_unless_given():
    assert built(INFOCHECK_API_VERSION="2024-04-01-preview,2025-05-01").max_requests == 600
    assert built(INFOCHECK_API_VERSION="2024-04-01-preview,2025-05-01", INFOCHECK_MAX_REQUESTS="7").max_requests == 7


@pytest.mark.parametrize("env, ok", [
    ({"INFOCHECK_REQUEST_TIMEOUT": "0.1"}, True), ({"INFOCHECK_REQUEST_TIMEOUT": "0.09"}, False),
    ({"INFOCHECK_REQUEST_TIMEOUT": "300"}, True), ({"INFOCHECK_REQUEST_TIMEOUT": "300.01"}, False),
    ({"INFOCHECK_MAX_REQUESTS": "1"}, True), ({"INFOCHECK_MAX_REQUESTS": "0"}, False),
    ({"INFOCHECK_MAX_REQUESTS": "100000"}, True), ({"INFOCHECK_MAX_REQUESTS": "100001"}, False),
    ({"INFOCHECK_FLEET_JOBS": "1"}, True), ({"INFOCHECK_FLEET_JOBS": "64"}, True),
])
def test_number_limits(env, ok):
    if ok:
        built(**env)
    else:
        assert "is out of range" in refused({**ENDPOINT, **env})


def test_a_number_that_is_not_one_is_named_so():
    assert refused({"INFOCHECK_MAX_REQUESTS": "x"}) == "INFOCHECK_MAX_REQUESTS / --max-requests: 'x' is not a whole number"
    assert refused({"INFOCHECK_REQUEST_TIMEOUT": "x"}) == "INFOCHECK_REQUEST_TIMEOUT / --request-timeout: 'x' is not a number"


# -- how values are given --------------------------------------------------------------------

def test_flags_take_words_and_booleans():
    assert built(INFOCHECK_FAIL_ON_SHOULD="yes").fail_on_should is True
    assert built(INFOCHECK_FAIL_ON_SHOULD="Off").fail_on_should is False
    assert build_config({"infocheck_fail_on_should": True}, {}).fail_on_should is True
    assert refused({"INFOCHECK_FAIL_ON_SHOULD": "maybe"}) == (
        "INFOCHECK_FAIL_ON_SHOULD / --fail-on-should: 'maybe' is not one of 1/0, true/false, yes/no")


def test_values_are_trimmed_except_the_key_and_blank_means_unset():
    assert built(INFOCHECK_ENDPOINT=" https://h.example ").endpoint == "https://h.example"
    assert built(INFOCHECK_MODEL="   ").model is None
    assert built(INFOCHECK_API_KEY=KEY).api_key.reveal() == KEY
    assert "the key cannot be used" in refused({**ENDPOINT, "INFOCHECK_API_KEY": KEY + " "})


def test_lists_and_their_duplicates():
    assert built(INFOCHECK_DEPLOYMENT="a, b ,c").deployments == ("a", "b", "c")
    assert refused({"INFOCHECK_DEPLOYMENT": "a,a"}) == "INFOCHECK_DEPLOYMENT / --deployment: a deployment is named twice"
    assert refused({"INFOCHECK_API_VERSION": "2025-05-01,2025-05-01"}).endswith("a version is named twice")


def test_api_versions():
    assert parse_api_versions(" ALL-KNOWN ", "L") == tuple(known_versions())
    assert "'latest' is not of the form" in refused({"INFOCHECK_API_VERSION": "latest"})
    assert "'zzz' is not of the form" in refused({"INFOCHECK_API_VERSION": "zzz"})
    assert validate_api_version("2024-02-29") == "2024-02-29"
    assert validate_api_version("2024-12-31-preview") == "2024-12-31-preview"
    for bad in ("2023-02-29", "2024-02-30", "2024-13-01"):
        with pytest.raises(ConfigError, match="is not a calendar date"):
            validate_api_version(bad)
    assert refused({"INFOCHECK_API_VERSION": " , "}) == "INFOCHECK_API_VERSION / --api-version: no api-version given"
    two = built(INFOCHECK_API_VERSION="2025-05-01,2024-04-01-preview")
    assert (two.api_version, two.api_versions) == ("2025-05-01", ("2025-05-01", "2024-04-01-preview"))


@pytest.mark.parametrize("name, ok", [
    ("a b", True), ("~", True), ("é", True), ("", False), ("a\x01", False), ("a\x1fb", False),
    ("a\x7f", False), ("a ", False), (" a", False), ("€", False)])
def test_a_name_must_fit_in_an_http_header(name, ok):
    env = {**ENDPOINT, "INFOCHECK_MODEL": name}
    if ok:
        assert build_config({"infocheck_model": name}, env).model == name
    else:
        with pytest.raises(ConfigError, match="INFOCHECK_MODEL / --model: the model name"):
            build_config({"infocheck_model": name}, env)


def test_the_auth_header_is_bearer_or_api_key():
    assert built(INFOCHECK_AUTH_HEADER=" API-Key ").auth_header == "api-key"
    assert refused({"INFOCHECK_AUTH_HEADER": "basic"}) == (
        "INFOCHECK_AUTH_HEADER / --auth-header: 'basic' is not one of bearer, api-key")


# -- endpoints -------------------------------------------------------------------------------

@pytest.mark.parametrize("endpoint, message", [
    ("ftp://h.example", "is not an http(s) URL"), ("http://", "is not an http(s) URL"),
    ("http://h.example/a b", "contains white space"), ("http://h.example/a\u200bb", "contains white space"),
    ("http://h.example:99999", "is not a URL"), ("http://h.example/?q=1", "without query"),
    ("http://u:p@h.example", "carries user:password@")])
def test_bad_endpoints(endpoint, message):
    assert message in refused({"INFOCHECK_ENDPOINT": endpoint})


def test_origins():
    assert origin("http://H.example/x") == ("http", "h.example", 80)
    assert origin("https://h.example") == ("https", "h.example", 443)
    assert origin("https://h.example:8443/") == ("https", "h.example", 8443)
    assert origin("http:///x") == ("http", "", 80)


def test_the_ca_bundle_comes_from_the_standard_variables(tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("x")
    assert build_config({}, {**ENDPOINT, "REQUESTS_CA_BUNDLE": str(bundle)}).ca_bundle == str(bundle)
    assert build_config({}, {**ENDPOINT, "CURL_CA_BUNDLE": str(bundle)}).ca_bundle == str(bundle)
    assert build_config({}, ENDPOINT).ca_bundle is None
    assert refused({**ENDPOINT, "REQUESTS_CA_BUNDLE": str(tmp_path / "gone")}) == (
        f"REQUESTS_CA_BUNDLE: {str(tmp_path / 'gone')!r} does not exist")
    embedded = build_config({}, {"REQUESTS_CA_BUNDLE": str(tmp_path / "gone")})   # no endpoint: unused
    assert (embedded.ca_bundle, embedded.proxies) == (None, {})


# -- rules across knobs ----------------------------------------------------------------------

def test_one_credential_source():
    assert refused({**ENDPOINT, "INFOCHECK_API_KEY": KEY, "INFOCHECK_TOKEN_COMMAND": "t"}) == (
        "INFOCHECK_API_KEY / --api-key and INFOCHECK_TOKEN_COMMAND / --token-command: give one "
        "credential source, not several")
    assert refused({**ENDPOINT, "INFOCHECK_TOKEN_COMMAND": "t", "INFOCHECK_AZURE_IDENTITY": "1"}).startswith(
        "INFOCHECK_TOKEN_COMMAND / --token-command and INFOCHECK_AZURE_IDENTITY / --azure-identity:")
    assert refused({"INFOCHECK_AZURE_IDENTITY": "1"}).startswith(
        "INFOCHECK_AZURE_IDENTITY / --azure-identity: a token needs --endpoint")
    assert refused({**ENDPOINT, "INFOCHECK_TOKEN_COMMAND": "t", "INFOCHECK_AUTH_HEADER": "api-key"}) == (
        "INFOCHECK_AUTH_HEADER / --auth-header: a token is always sent as Authorization: Bearer")
    assert built(INFOCHECK_TOKEN_COMMAND="t", INFOCHECK_AUTH_HEADER="bearer").auth_header == "bearer"


def test_how_the_credential_goes():
    assert built(INFOCHECK_TOKEN_COMMAND="t").auth_header == "bearer"
    assert built(INFOCHECK_AZURE_IDENTITY="1").uses_token
    assert not built(INFOCHECK_API_KEY=KEY).uses_token
    assert built(INFOCHECK_API_VERSION="2024-05-01-preview").auth_header == "api-key"
    assert built(INFOCHECK_API_VERSION="2024-04-01-preview").auth_header == "bearer"
    assert built(INFOCHECK_API_VERSION="2024-04-01-preview", INFOCHECK_AUTH_HEADER="api-key").auth_header == "api-key"
    assert built(INFOCHECK_API_VERSION="2025-05-01").scope == "https://cognitiveservices.azure.com/.default"
    assert built(INFOCHECK_TOKEN_SCOPE="s://x").scope == "s://x"


# -- routing ---------------------------------------------------------------------------------

def test_routes():
    model, deployment = Route("model", "m"), Route("deployment", "d")
    assert (model.query(), model.headers()) == ((("model", "m"),), ())
    assert (deployment.query(), deployment.headers()) == ((), (("azureml-model-deployment", "d"),))
    assert model.describe() == "model m (via the model query parameter)"
    assert deployment.describe() == "deployment d (via the azureml-model-deployment header)"
    assert route(built(INFOCHECK_DEPLOYMENT="a,b", INFOCHECK_MODEL="m")) == Route("deployment", "a")
    assert route(built(INFOCHECK_MODEL="m", INFOCHECK_API_VERSION="2025-04-01")) == Route("model", "m")
    assert route(built(INFOCHECK_MODEL="m", INFOCHECK_API_VERSION="2024-04-01-preview")) == Route("deployment", "m")
    assert route(built()) is None


def test_route_descriptions():
    assert route_description(built(INFOCHECK_DEPLOYMENT="a,b")) == (
        "deployment a (via the azureml-model-deployment header)")
    assert route_description(built(INFOCHECK_MODEL="m")).startswith("model m (via the model query parameter")
    assert route_description(built()) == "none named: the endpoint's default deployment"


def test_an_unknown_api_version_is_checked_with_the_latest_profile_and_says_so():
    def note_of(c):
        return c.contract.version_note(c.api_version)

    assert note_of(built(INFOCHECK_API_VERSION="2024-04-01-preview")) == ""
    for unknown in ("2099-01-01", "2024-01-01"):   # newer and older than every known one
        note = note_of(built(INFOCHECK_API_VERSION=unknown))
        assert note == f" (unknown to infocheck: checked with the profile of {known_versions()[-1]}, the most recent it knows)"


# -- the report's rows -----------------------------------------------------------------------

def rows(**env) -> dict:
    return dict(built(**env).describe())


def test_the_configuration_rows():
    plain = rows()
    assert (plain["credential"], plain["deployments"], plain["model"], plain["waivers"],
            plain["team requirements"], plain["policy"], plain["fail on SHOULD"]) == (
        "none given", "none", "none", "none", "none", "none", "no")
    assert plain["endpoint"] == "https://h.example/info" and plain["request timeout"] == "10 s"
    assert dict(build_config({}, {}).describe())["endpoint"] == "embedded reference server"
    embedded = dataclasses.replace(build_config({}, {}), endpoint="http://127.0.0.1:1", embedded_server=True)
    assert dict(embedded.describe())["endpoint"] == ("http://127.0.0.1:1/info (the embedded "
                                                     "reference server: no endpoint was given)")
    asked = dataclasses.replace(embedded, embedded_asked=True)
    assert dict(asked.describe())["endpoint"] == ("http://127.0.0.1:1/info (the embedded "
                                                  "reference server, not an endpoint of yours)")
    given = rows(INFOCHECK_DEPLOYMENT="a,b", INFOCHECK_MODEL="m", INFOCHECK_WAIVERS="w.yaml",
                 INFOCHECK_REQUIREMENTS="r1.json,r2.json", INFOCHECK_POLICY="p.json", INFOCHECK_FAIL_ON_SHOULD="1")
    assert (given["deployments"], given["model"], given["waivers"], given["team requirements"],
            given["policy"], given["fail on SHOULD"]) == ("a, b", "m", "w.yaml", "r1.json, r2.json", "p.json", "yes")


@pytest.mark.parametrize("env, shown", [
    ({"INFOCHECK_API_KEY": KEY}, "*** via bearer"),
    ({"INFOCHECK_API_KEY": KEY, "INFOCHECK_API_VERSION": "2024-04-01-preview,2025-05-01"},
     "*** via each api-version's default header"),
    ({"INFOCHECK_API_KEY": KEY, "INFOCHECK_API_VERSION": "2024-04-01-preview,2025-05-01",
      "INFOCHECK_AUTH_HEADER": "api-key"}, "*** via api-key"),
    ({"INFOCHECK_TOKEN_COMMAND": "az account get-access-token"}, "*** (a Bearer token from the token command `az …`)"),
    ({"INFOCHECK_AZURE_IDENTITY": "1"}, "*** (a Bearer token from Azure Identity, scope https://ml.azure.com/.default)"),
])
def test_the_credential_row_never_shows_it(env, shown):
    assert rows(**env)["credential"] == shown


def test_knobs_and_settings_are_frozen_and_named_from_their_option():
    knob = next(k for k in KNOBS if k.field == "timeout")
    assert (knob.label, knob.dest) == ("INFOCHECK_REQUEST_TIMEOUT / --request-timeout", "infocheck_request_timeout")
    for frozen in (knob, Route("model", "m"), built()):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(frozen, "field" if isinstance(frozen, Knob) else "name" if isinstance(frozen, Route) else "timeout", 1)
    # The core's knobs are Config's fields; the contracts' own are read as attributes too.
    fields = {f.name for f in dataclasses.fields(Config)}
    assert {k.field for k in KNOBS if k.field not in contract_fields()} <= fields
    assert all(hasattr(built(), name) and name not in fields for name in contract_fields())


# -- the knobs added with the contracts and the fleet's isolation ------------------------------------

def test_the_contract_is_one_infocheck_knows():
    assert built(INFOCHECK_CONTRACT=" Models ").contract_name == "models"
    assert refused({"INFOCHECK_CONTRACT": "nope"}) == (
        "INFOCHECK_CONTRACT / --contract: 'nope' is not a contract infocheck knows; it knows "
        + ", ".join(contracts.names()))


def test_the_fleet_env_prefixes_are_starts_of_variable_names():
    fleet = {"INFOCHECK_FLEET": "fleet.yaml"}
    given = build_config({}, {**fleet, "INFOCHECK_FLEET_ENV_PREFIX": "EASTUS2_, _west1"})
    assert given.fleet_env_prefixes == ("EASTUS2_", "_west1")
    for bad in ("1X", "A-B", "EAST US"):
        assert refused({**fleet, "INFOCHECK_FLEET_ENV_PREFIX": f"OK_,{bad}"}) == (
            f"INFOCHECK_FLEET_ENV_PREFIX / --fleet-env-prefix: {bad!r} is not the start of an "
            "environment variable's name (letters, digits, _)")


def test_a_models_run_without_an_api_version_says_none_is_sent():
    models = rows(INFOCHECK_CONTRACT="models", INFOCHECK_ENDPOINT="https://h.example/v1")
    assert (models["api-version"], models["endpoint"]) == ("none (not sent)", "https://h.example/v1")
    assert rows(INFOCHECK_CONTRACT="models", INFOCHECK_API_VERSION="preview")["api-version"] == "preview"


def test_a_value_quoted_in_a_message_is_capped():
    assert refused({"INFOCHECK_AUTH_HEADER": "x" * 200}) == (
        "INFOCHECK_AUTH_HEADER / --auth-header: '" + "x" * 119 + "… (202 characters) is not one of "
        "bearer, api-key")


def test_a_contract_s_own_rows_follow_the_model_row():
    models = [title for title, _ in built(INFOCHECK_CONTRACT="models", INFOCHECK_ENDPOINT="https://h.example/v1").describe()]
    info = [title for title, _ in built().describe()]
    assert models[:7] == ["contract", "endpoint", "api-version", "credential", "model", "asks for", "request timeout"]
    assert info[:8] == ["contract", "endpoint", "api-version", "credential", "model", "deployments", "routed to",
                        "request timeout"]
    assert models[-4:] == info[-4:] == ["fail on SHOULD", "waivers", "team requirements", "policy"]
    assert models.count("asks for") == 1 and info.count("routed to") == 1


def test_every_value_but_the_key_is_trimmed():
    assert built(INFOCHECK_MODEL=" m ").model == "m"
    assert built(INFOCHECK_AUTH_HEADER=" api-key ").auth_header == "api-key"


def test_a_contract_checks_the_endpoint_it_is_given():
    assert refused({"INFOCHECK_CONTRACT": "models", "INFOCHECK_ENDPOINT": "https://h.example/v1/models"}) == (
        "INFOCHECK_ENDPOINT / --endpoint: give the base URL, which ends in /openai/v1 (Azure) or /v1 "
        "(vLLM, llama.cpp, Ollama, TGI, LiteLLM); infocheck adds /models itself (this one names /v1/models)")
    assert build_config({}, {"INFOCHECK_CONTRACT": "models"}).endpoint is None   # the embedded server
