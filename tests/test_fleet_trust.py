"""A fleet file cannot obtain a credential (issue 24): it runs a token command only if whoever
starts infocheck allows that command (argv-level, after shlex: exact words, or first words and a
last *), uses the job's Azure identity only if allowed, and then only for a scope its contract
documents or one the operator names; a refused one is exit 4 before any request, naming the
target, the field and the option. A token command (single run and fleet) never sees the CI and
cloud credentials the fleet refuses by name. Hostile fleet files varied with Hypothesis."""
import json
import shlex
import string
import sys

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from harness import KEY, run_suite
from infocheck.configuration.config import ConfigError, build_config
from infocheck.configuration.credentials import CommandToken
from infocheck.contracts.info.server import InfoHandler, ReferenceServer, Settings
from infocheck.fleet import file as fleet
from infocheck.fleet.run import child_arguments
from infocheck.wire.secret import Scrubber

ML = "https://ml.azure.com/.default"
COGNITIVE = "https://cognitiveservices.azure.com/.default"
MANAGEMENT = "https://management.azure.com/.default"
AZ = "az account get-access-token --resource https://cognitiveservices.azure.com --query accessToken -o tsv"


def fleet_file(tmp_path, targets) -> str:
    path = tmp_path / "fleet.yaml"
    path.write_text(json.dumps({"targets": targets}))   # JSON is YAML too
    return str(path)


def consent(*options: str, **environ):
    """The consent a fleet run's own options and variables give, as the run builds it."""
    values = {"infocheck_fleet_allow_token_command": [o for o in options if not o.startswith("scope:")] or None,
              "infocheck_fleet_allow_token_scope": [o[6:] for o in options if o.startswith("scope:")] or None}
    return fleet.Consent.of(build_config(values, {"INFOCHECK_FLEET": "fleet.yaml", **environ}))


def read_one(tmp_path, entry: dict, allowed=None):
    [target] = fleet.read(fleet_file(tmp_path, [dict({"name": "t", "endpoint": "https://a.example"},
                                                     **entry)]), {}, (), allowed or fleet.Consent())
    return dict(target.environ)


# -- token commands ------------------------------------------------------------------------

@pytest.mark.parametrize("command, allowed", [
    ("printenv GITHUB_TOKEN", ()),                                    # the issue's own example
    (AZ, ()),                                                         # nothing allowed by default
    ("printenv GITHUB_TOKEN", ("az account get-access-token *",)),
    ("az account get-access-token-x --resource r", ("az account get-access-token *",)),   # a word, not a prefix
    ("az account", ("az account get-access-token *",)),              # fewer words than the pattern's
    ("'az account' get-access-token", ("az account get-access-token *",)),   # one word 'az account'
    ("/tmp/az account get-access-token", ("az account get-access-token *",)),  # another program
    (AZ + " --debug", (AZ,)),                                         # exact means exact
    ("az account get-access-token", ("az account get-access-token --resource r",)),
    ("sh -c 'az account get-access-token'", ("az account get-access-token *",)),
    ("az account get-access-token 'unclosed", ("az account get-access-token *",)),
])
def test_a_token_command_the_operator_did_not_allow_is_refused(tmp_path, command, allowed):
    with pytest.raises(fleet.FleetError) as raised:
        read_one(tmp_path, {"token_command": command}, consent(*allowed))
    message = str(raised.value)
    assert "target 1 (t): token_command:" in message and "\n" not in message
    if "unclosed" not in command:
        assert "--fleet-allow-token-command (or INFOCHECK_FLEET_ALLOW_TOKEN_COMMAND)" in message
        assert "GITHUB_TOKEN" not in message   # only the program is named, never the rest


@pytest.mark.parametrize("command, allowed", [
    (AZ, ("az account get-access-token *",)),
    (AZ, (AZ,)),
    ("az   account  get-access-token", ("az account get-access-token *",)),   # none after: * is none or more
    ("az account get-access-token --resource 'https://ml.azure.com'", ("az account get-access-token *",)),
    ("tokentool", ("other *", "tokentool")),
])
def test_a_token_command_the_operator_allowed_is_the_targets_credential(tmp_path, command, allowed):
    assert read_one(tmp_path, {"token_command": command}, consent(*allowed))["INFOCHECK_TOKEN_COMMAND"] == command


def test_the_allowed_commands_come_one_a_line_from_the_variable(tmp_path):
    allowed = consent(INFOCHECK_FLEET_ALLOW_TOKEN_COMMAND="tokentool --a,b\naz account get-access-token *\n")
    assert allowed.commands == (("tokentool", "--a,b"), ("az", "account", "get-access-token", "*"))
    assert read_one(tmp_path, {"token_command": "tokentool --a,b"}, allowed)


@pytest.mark.parametrize("pattern, says", [
    ("*", "* may only be the last word, after the program"),
    ("az * get-access-token", "* may only be the last word"),
    ("az 'unclosed", "cannot be split into words"),
    ("   ", "a command to allow is empty"),
])
def test_an_allowed_command_is_words_with_at_most_a_last_star(pattern, says):
    with pytest.raises(ConfigError) as raised:
        consent(pattern)
    assert str(raised.value).startswith("INFOCHECK_FLEET_ALLOW_TOKEN_COMMAND / --fleet-allow-token-command: ")
    assert says in str(raised.value)


@pytest.mark.parametrize("environ, says", [
    ({"INFOCHECK_FLEET_ALLOW_TOKEN_COMMAND": "az *"}, "--fleet-allow-token-command: it allows what a fleet file"),
    ({"INFOCHECK_FLEET_ALLOW_AZURE_IDENTITY": "1"}, "--fleet-allow-azure-identity: it allows what a fleet file"),
    ({"INFOCHECK_FLEET": "f.yaml", "INFOCHECK_FLEET_ALLOW_TOKEN_SCOPE": MANAGEMENT},
     "--fleet-allow-token-scope: it widens the scopes a fleet file's azure_identity may ask for; "
     "give --fleet-allow-azure-identity too"),
])
def test_the_allowances_belong_to_a_fleet_run(environ, says):
    with pytest.raises(ConfigError, match=says):
        build_config({}, environ if "INFOCHECK_FLEET" in environ else {"INFOCHECK_ENDPOINT": "https://a.example", **environ})


def test_a_single_run_needs_no_allowing_for_its_own_token_command():
    settings = build_config({}, {"INFOCHECK_ENDPOINT": "https://a.example", "INFOCHECK_TOKEN_COMMAND": AZ})
    assert settings.token_command == AZ and settings.fleet_allow_token_commands == ()


def test_a_fleet_runs_own_allowances_are_not_handed_to_a_targets_run():
    args = ["--fleet", "f.yaml", "--fleet-allow-azure-identity", "-q", "--fleet-allow-token-command",
            "az *", "--fleet-allow-token-scope=s", "--fleet-allow-token-scope", "t", "-x"]
    assert child_arguments(args) == ["-q", "-x"]   # the flag takes no value: -q is kept


# -- the job's Azure identity --------------------------------------------------------------

@pytest.mark.parametrize("entry, allowed, says", [
    ({"azure_identity": True}, (), "azure_identity: a fleet file uses this job's Azure identity only "
     "if whoever starts infocheck allows it with --fleet-allow-azure-identity"),
    ({"azure_identity": True, "token_scope": MANAGEMENT}, (),
     "azure_identity: a fleet file uses this job's Azure identity"),
    ({"azure_identity": True, "token_scope": MANAGEMENT}, ("identity",),
     f"token_scope: '{MANAGEMENT}' is not a scope of the info contract ({ML}, {COGNITIVE}); allow it "
     "with --fleet-allow-token-scope"),
    ({"azure_identity": True, "token_scope": ML, "contract": "models", "endpoint": "https://a.example/openai/v1"},
     ("identity",), f"token_scope: '{ML}' is not a scope of the models contract ({COGNITIVE})"),
    ({"azure_identity": True, "token_scope": "https://vault.azure.net/.default"}, ("identity", "scope:" + MANAGEMENT),
     "token_scope: 'https://vault.azure.net/.default' is not a scope of the info contract"),
])
def test_the_jobs_identity_is_the_operators_to_lend(tmp_path, entry, allowed, says):
    environ = {"INFOCHECK_FLEET_ALLOW_AZURE_IDENTITY": "1"} if "identity" in allowed else {}
    with pytest.raises(fleet.FleetError) as raised:
        read_one(tmp_path, entry, consent(*(a for a in allowed if a != "identity"), **environ))
    assert "target 1 (t): " + says in str(raised.value)


@pytest.mark.parametrize("entry, scopes", [
    ({"azure_identity": True}, ()),                                   # the api-version's own scope
    ({"azure_identity": True, "api_version": "2025-05-01"}, ()),
    ({"azure_identity": True, "token_scope": COGNITIVE}, ()),
    ({"azure_identity": True, "token_scope": MANAGEMENT}, (MANAGEMENT,)),
    ({"azure_identity": True, "contract": "models", "endpoint": "https://a.example/openai/v1"}, ()),
])
def test_an_allowed_identity_asks_for_the_contracts_scope_or_one_the_operator_named(tmp_path, entry, scopes):
    allowed = consent(*("scope:" + s for s in scopes), INFOCHECK_FLEET_ALLOW_AZURE_IDENTITY="1")
    assert read_one(tmp_path, entry, allowed)["INFOCHECK_AZURE_IDENTITY"] == "1"


# -- a token command's environment ---------------------------------------------------------

SEEN = ("GITHUB_TOKEN", "github_token", "AZURE_CLIENT_SECRET", "SYSTEM_ACCESSTOKEN",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "RUNNER_SECRET", "INFOCHECK_API_KEY", "AWS_SECRET_ACCESS_KEY",
        "HARMLESS_SETTING")
# Prints, as its token, which of SEEN it can read.
REPORTS_ITS_ENVIRONMENT = (f"{shlex.quote(sys.executable)} -c \"import os; "
                           f"print('seen-' + '-'.join(n for n in {SEEN!r} if n in os.environ) + '-' + 'z' * 16)\"")


def test_a_token_command_never_sees_the_ci_and_cloud_credentials(monkeypatch):
    for name in SEEN:
        monkeypatch.setenv(name, "credential-value-" + name)
    token = CommandToken(REPORTS_ITS_ENVIRONMENT, Scrubber([])).current().reveal()
    assert token == "seen-HARMLESS_SETTING-" + "z" * 16


# -- end to end ----------------------------------------------------------------------------

class Counted(InfoHandler):
    requests: list = []

    def serve(self, head: bool):
        Counted.requests.append(self.path)
        super().serve(head)


def test_a_refused_fleet_file_is_exit_4_before_any_command_or_request(tmp_path):
    marker = tmp_path / "the-command-ran"
    command = f"{shlex.quote(sys.executable)} -c \"open({str(marker)!r}, 'w'); print('t' * 32)\""
    Counted.requests = []
    with ReferenceServer(Settings(api_key=KEY), Counted).start() as server:
        targets = [{"name": "fine", "endpoint": server.url, "api_key_env": "FINE_KEY"},
                   {"name": "grabs", "endpoint": server.url, "token_command": command}]
        run = run_suite(tmp_path, "--fleet", fleet_file(tmp_path, targets), key=None, html=False,
                        env={"FINE_KEY": KEY, "GITHUB_TOKEN": "ghs_" + "q" * 36})
    assert run.code == 4, run.stdout[-2000:] + run.stderr[-2000:]
    [line] = [line for line in run.stderr.splitlines() if line.strip()]
    assert line.startswith("ERROR: ") and "target 2 (grabs): token_command:" in line
    assert "allow it with --fleet-allow-token-command" in line and "Traceback" not in run.stdout + run.stderr
    assert not marker.exists() and Counted.requests == []


def test_an_allowed_token_command_runs_without_the_jobs_credentials(tmp_path):
    token = "tok-" + "Fq7" * 12 + "-trusted"
    # Fails (the target cannot be tested) if it can read the job's or the neighbour's secrets.
    command = (f"{shlex.quote(sys.executable)} -c \"import os, sys; "
               "sys.exit(3) if {'GITHUB_TOKEN', 'AZURE_CLIENT_SECRET', 'NEIGHBOUR_KEY'} & set(os.environ) "
               "else print(os.environ['THE_TOKEN'])\"")
    with ReferenceServer(Settings(api_key="x" * 32, tokens=(token,)), InfoHandler).start() as tokened, \
            ReferenceServer(Settings(api_key=KEY), InfoHandler).start() as keyed:
        targets = [{"name": "tokened", "endpoint": tokened.url, "token_command": command},
                   {"name": "keyed", "endpoint": keyed.url, "api_key_env": "NEIGHBOUR_KEY"}]
        # Allowed by the variable (test_neighbours allows by the option): neither reaches a target's run.
        run = run_suite(tmp_path, "--fleet", fleet_file(tmp_path, targets), key=None, html=False,
                        env={"NEIGHBOUR_KEY": KEY, "THE_TOKEN": token, "GITHUB_TOKEN": "ghs_" + "q" * 36,
                             "AZURE_CLIENT_SECRET": "s" * 40,
                             "INFOCHECK_FLEET_ALLOW_TOKEN_COMMAND": f"{shlex.quote(sys.executable)} -c *"})
    verdicts = {t["name"]: t["verdict"] for t in run.report["targets"]}
    assert verdicts == {"tokened": "CONFORMANT", "keyed": "CONFORMANT"}, run.stdout[-3000:]
    assert run.code == 0 and not run.leaks(token)


# -- hostile fleet files -------------------------------------------------------------------

# The operator's consent in the property below, and what it means, written out independently.
ALLOWED_EXACT = ["tokentool", "get", "--scope", "a b"]
ALLOWED_FIRST = ["az", "account", "get-access-token"]
EXTRA_SCOPE = "https://extra.example/.default"
DOCUMENTED = {"info": {ML, COGNITIVE}, "models": {COGNITIVE}}

WORDS = st.sampled_from(["az", "account", "get-access-token", "get-access-token;", "tokentool", "get",
                         "--scope", "a b", "'a b'", '"a', "printenv", "GITHUB_TOKEN", "*", "$(id)", "sh",
                         "-c", "|", "&&", "--resource", "https://management.azure.com", "'az account'",
                         "\\", "", "a\\ b", "tokentool get"])
COMMANDS = st.one_of(st.lists(WORDS, max_size=7).map(" ".join),
                     st.text(string.printable, max_size=40))
SCOPES = st.sampled_from([ML, COGNITIVE, MANAGEMENT, EXTRA_SCOPE, "", " ", ML.upper(), ML + " ", "x"])
VARIABLES = st.sampled_from(["GITHUB_TOKEN", "github_token", "ACTIONS_RUNTIME_TOKEN", "INFOCHECK_API_KEY",
                             "AZURE_CLIENT_SECRET", "TEAM_KEY", "OTHER"])
TARGET = st.fixed_dictionaries(
    {"name": st.sampled_from(["a", "b", "c", "d"]), "endpoint": st.just("https://h.example")},
    optional={"token_command": COMMANDS, "azure_identity": st.one_of(st.booleans(), st.just("yes")),
              "token_scope": SCOPES, "api_key_env": VARIABLES, "contract": st.sampled_from(["info", "models"]),
              "api_version": st.sampled_from(["2024-05-01-preview", "2025-05-01", "v1", "none"])})


def runs_as(command: str) -> list[str] | None:
    try:
        return shlex.split(command)
    except ValueError:
        return None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(targets=st.lists(TARGET, min_size=1, max_size=4), identity=st.booleans(), extra=st.booleans())
def test_no_accepted_fleet_file_runs_a_command_or_gets_a_token_the_operator_did_not_allow(
        tmp_path, targets, identity, extra):
    for target in targets:   # a models target names a models base
        if target.get("contract") == "models":
            target["endpoint"] = "https://h.example/openai/v1"
    allowed = fleet.Consent(commands=(tuple(ALLOWED_EXACT), tuple(ALLOWED_FIRST) + ("*",)),
                            azure_identity=identity, scopes=(EXTRA_SCOPE,) if extra else ())
    environ = {name: KEY for name in ("GITHUB_TOKEN", "github_token", "ACTIONS_RUNTIME_TOKEN",
                                      "INFOCHECK_API_KEY", "AZURE_CLIENT_SECRET", "TEAM_KEY", "OTHER")}
    try:
        accepted = fleet.read(fleet_file(tmp_path, targets), environ, (), allowed)
    except fleet.FleetError as error:   # a usage error, one line; anything else would be exit 3
        assert "\n" not in str(error) and KEY not in str(error)
        return
    for target in accepted:
        child = build_config({}, dict(target.environ))   # the target's own run, as it will run
        if child.token_command is not None:
            words = runs_as(child.token_command)
            assert words == ALLOWED_EXACT or (words is not None and words[:3] == ALLOWED_FIRST), words
        if child.azure_identity:
            assert identity
            assert child.scope in DOCUMENTED[child.contract_name] | ({EXTRA_SCOPE} if extra else set())
        assert set(target.reads) <= {"TEAM_KEY", "OTHER"}
