"""The fleet's credential rules (issue 24) attacked as a hostile pull request would: it can write
the fleet file and any file of the checkout the fleet starts from, and the PATH a careless job
gives may look there. Each test here failed before its fix: a pytest.py beside the fleet file
ran as every target's run, with the job's GITHUB_TOKEN; a NUL in an allowed command stopped the
fleet with exit 3; a token command's program was looked up in relative PATH folders (the
checkout), and on Windows in the current folder and as a batch file cmd.exe re-reads; an
allowed command could name a program by a path relative to the checkout."""
import json
import os
import shlex
import stat
import subprocess
import sys

import pytest

from harness import HANG, KEY, clean_env, run_suite
from infocheck.configuration.config import ConfigError, build_config
from infocheck.configuration.credentials import CommandToken, CredentialError, resolve_program
from infocheck.contracts.info.server import InfoHandler, ReferenceServer, Settings
from infocheck.fleet import file as fleet
from infocheck.wire.secret import Scrubber

GITHUB_TOKEN = "ghs_" + "Pw9" * 12


def fleet_file(folder, targets) -> str:
    path = folder / "fleet.yaml"
    path.write_text(json.dumps({"targets": targets}))   # JSON is YAML too
    return str(path)


# -- the folder a fleet starts from ---------------------------------------------------------

def test_a_pytest_py_in_the_folder_a_fleet_starts_from_is_not_a_targets_run(tmp_path):
    marker = tmp_path / "the-checkout-ran"
    (tmp_path / "pytest.py").write_text(
        f"import os\nopen({str(marker)!r}, 'w').write(os.environ.get('GITHUB_TOKEN', ''))\n")
    with ReferenceServer(Settings(api_key=KEY), InfoHandler).start() as server:
        path = fleet_file(tmp_path, [{"name": "a", "endpoint": server.url, "api_key_env": "A_KEY"}])
        # The fleet run itself with -P, as the installed infocheck command starts (its own
        # folder, not this one, is first on its path): only the targets' runs are in question.
        result = subprocess.run([sys.executable, "-P", "-m", "infocheck", "--fleet", path,
                                 "--report-dir", str(tmp_path / "reports")],
                                cwd=tmp_path, capture_output=True, text=True, timeout=HANG,
                                env=clean_env(A_KEY=KEY, GITHUB_TOKEN=GITHUB_TOKEN))
    assert not marker.exists(), "the checkout's pytest.py ran as the target's run"
    report = json.loads((tmp_path / "reports" / "infocheck.json").read_text())
    assert [t["verdict"] for t in report["targets"]] == ["CONFORMANT"], result.stdout[-2000:]
    assert result.returncode == 0


# -- what a fleet file's command may hold ---------------------------------------------------

ALLOW_AZ = fleet.Consent(commands=(("az", "account", "get-access-token", "*"),))


@pytest.mark.parametrize("character", ["\x00", "\x1b", "\r", "\x7f"])
def test_a_control_character_in_an_allowed_command_is_refused_by_name(tmp_path, character):
    path = fleet_file(tmp_path, [{"name": "t", "endpoint": "https://a.example",
                                  "token_command": f"az account get-access-token --x{character}y"}])
    with pytest.raises(fleet.FleetError) as raised:
        fleet.read(path, {}, (), ALLOW_AZ)
    message = str(raised.value)
    assert "target 1 (t): token_command: " in message and "control character" in message
    assert character not in message


def test_a_nul_in_an_allowed_command_is_exit_4_not_3(tmp_path):
    path = fleet_file(tmp_path, [{"name": "t", "endpoint": "http://127.0.0.1:9",
                                  "token_command": "az account get-access-token \x00"}])
    run = run_suite(tmp_path, "--fleet", path, "--fleet-allow-token-command",
                    "az account get-access-token *", key=None, html=False)
    assert run.code == 4, run.stdout[-2000:] + run.stderr[-2000:]
    [line] = [line for line in run.stderr.splitlines() if line.strip()]
    assert line.startswith("ERROR: ") and "token_command:" in line


@pytest.mark.parametrize("pattern", ["./az account get-access-token *", "bin/get-token",
                                     "'tools\\get-token.exe' *", "../az *"])
def test_an_allowed_command_names_its_program_on_path_or_by_an_absolute_path(pattern):
    with pytest.raises(ConfigError) as raised:
        build_config({"infocheck_fleet_allow_token_command": [pattern]}, {"INFOCHECK_FLEET": "f.yaml"})
    message = str(raised.value)
    assert message.startswith("INFOCHECK_FLEET_ALLOW_TOKEN_COMMAND / --fleet-allow-token-command: ")
    assert "relative to the folder infocheck starts in" in message


@pytest.mark.parametrize("pattern", ["az account get-access-token *", f"{sys.executable} -c *"])
def test_a_program_on_path_or_by_an_absolute_path_may_be_allowed(pattern):
    settings = build_config({"infocheck_fleet_allow_token_command": [pattern]}, {"INFOCHECK_FLEET": "f.yaml"})
    assert settings.fleet_allow_token_commands == (tuple(shlex.split(pattern)),)


# -- where the program is found -------------------------------------------------------------

def program(folder, name: str, body: str = "") -> str:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(body or "#!/bin/sh\necho x\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


@pytest.mark.skipif(os.name == "nt", reason="a POSIX program file (the Windows rules are below)")
@pytest.mark.parametrize("relative", ["", ".", "bin", "./bin"])
def test_a_token_command_is_not_found_in_a_relative_path_folder(tmp_path, monkeypatch, relative):
    """PATH=...: (an empty entry) or a relative folder means the current one: a checkout's
    `tokentool` would print the token, with whatever it likes done besides."""
    marker = tmp_path / "the-checkout-ran"
    program(tmp_path / relative if relative else tmp_path, "tokentool",
            f"#!/bin/sh\ntouch {shlex.quote(str(marker))}\necho {'t' * 40}\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", os.pathsep.join([relative, "/usr/bin", "/bin"]))
    with pytest.raises(CredentialError) as raised:
        CommandToken("tokentool --resource r", Scrubber([])).current()
    assert "could not be started" in str(raised.value) and "tokentool" in str(raised.value)
    assert not marker.exists()


def test_a_program_is_found_in_the_first_absolute_path_folder_that_has_it(tmp_path):
    first = program(tmp_path / "one", "tokentool")
    program(tmp_path / "two", "tokentool")
    program(tmp_path / "rel", "tokentool")
    path = os.pathsep.join(["", "rel", str(tmp_path / "missing"), str(tmp_path / "one"), str(tmp_path / "two")])
    assert resolve_program("tokentool", path, windows=False) == first
    assert resolve_program("other", path, windows=False) is None


def test_a_program_given_by_its_path_is_that_path(tmp_path):
    assert resolve_program("/opt/x/tokentool", "", windows=False) == "/opt/x/tokentool"
    assert resolve_program("./tokentool", "", windows=False) == "./tokentool"


WINDOWS_EXT = ".com;.exe;.bat;.cmd"   # the case of the files below: Linux tells cases apart


def test_windows_never_finds_a_program_in_the_current_folder(tmp_path):
    """CreateProcess, and shutil.which on Windows even with an explicit path, look in the
    current folder first; this lookup does not."""
    program(tmp_path, "az.exe")                       # the checkout's
    wbin = tmp_path / "cli" / "wbin"
    real = program(wbin, "az.cmd")
    path = os.pathsep.join(["", ".", str(wbin)])
    assert resolve_program("az", path, windows=True, pathext=WINDOWS_EXT) == real


def test_windows_tries_each_pathext_in_order_and_takes_a_name_with_one_as_it_is(tmp_path):
    wbin = tmp_path / "wbin"
    program(wbin, "tool.cmd")
    exe = program(wbin, "tool.exe")
    assert resolve_program("tool", str(wbin), windows=True, pathext=WINDOWS_EXT) == exe
    assert resolve_program("tool.cmd", str(wbin), windows=True,
                           pathext=WINDOWS_EXT) == str(wbin / "tool.cmd")
    assert resolve_program("tool", str(wbin), windows=False) is None   # no such file


@pytest.mark.parametrize("argument", ["&calc", "a|b", "x>y", "%GITHUB_TOKEN%", '"', "a^b", "(x)", "!x!",
                                      "a b", "x\ny"])
def test_windows_runs_a_batch_file_only_with_words_cmd_exe_reads_as_they_are(tmp_path, argument):
    """cmd.exe runs a .bat or .cmd and reads its command line again: & | < > ^ % ! ( ) and
    quotes there would be commands of their own, which no quoting of Python's prevents."""
    from infocheck.configuration.credentials import batch_problem
    assert batch_problem(str(tmp_path / "az.cmd"), ["account", argument]) != ""
    assert batch_problem(str(tmp_path / "az.exe"), ["account", argument]) == ""
    assert batch_problem(str(tmp_path / "AZ.BAT"), ["account", "get-access-token", "--resource",
                                                    "https://ml.azure.com", "-o", "tsv"]) == ""


def test_a_targets_run_gets_only_the_absolute_folders_of_path(tmp_path, monkeypatch):
    """What a target's run starts itself (azure-identity runs `az` through /bin/sh, which looks
    in every PATH entry) is not found in the folder the fleet starts from either."""
    from infocheck.fleet.run import FleetRun

    absolute = [str(tmp_path / "one"), str(tmp_path / "two")]
    monkeypatch.setenv("PATH", os.pathsep.join(["", absolute[0], ".", "node_modules/.bin", absolute[1], ""]))
    run = FleetRun(build_config({}, {"INFOCHECK_FLEET": "f.yaml"}), [], tmp_path,
                   {"json": None, "html": None, "junit": None}, print)
    run.reads = set()
    target = fleet.Target("t", (("INFOCHECK_ENDPOINT", "https://a.example"),), "https://a.example", (), ())
    assert run.environment(target)["PATH"] == os.pathsep.join(absolute)
    if os.name != "nt":   # Windows' own
        assert "NoDefaultCurrentDirectoryInExePath" not in run.environment(target)


def test_on_windows_a_targets_run_is_told_not_to_look_in_the_current_folder(tmp_path, monkeypatch):
    """Windows' lookup of a bare name (CreateProcess, cmd.exe) and shutil.which from Python
    3.12, which azure-identity uses for az, try the current folder first unless this is set."""
    from infocheck.fleet import run as fleet_run

    run = fleet_run.FleetRun(build_config({}, {"INFOCHECK_FLEET": "f.yaml"}), [], tmp_path,
                             {"json": None, "html": None, "junit": None}, print)
    run.reads = set()
    target = fleet.Target("t", (("INFOCHECK_ENDPOINT", "https://a.example"),), "https://a.example", (), ())
    monkeypatch.setattr(fleet_run, "WINDOWS", True)
    assert run.environment(target)["NoDefaultCurrentDirectoryInExePath"] == "1"


# -- same_as: what one target's endpoint names, handed to another's run ----------------------

def names_its_model(name: str):
    class NamesItsModel(InfoHandler):
        def send_model_info(self, model, head):
            self.send_json(200, dict(model, model_name=name), {}, head)
    return NamesItsModel


@pytest.mark.parametrize("name", ["phi3\x00mini", "phi3\x1b[2Jmini", " phi3-mini", "模型-mini"])
def test_a_model_name_no_setting_takes_is_judged_as_an_answer_and_breaks_no_run(tmp_path, name):
    """An info endpoint's model_name became the linked models target's setting: a NUL in it
    stopped the whole fleet with exit 3 (no environment carries one), and one that setting
    refuses made that target a usage error (exit 4) for what an endpoint said. It is data now
    (fleet/channel.py's hand-over): judged by MODELS-SAME-AS-INFO as an answer, not exactly the
    listed id, so a finding."""
    from infocheck.contracts.models.server import ModelsHandler, ModelsSettings
    from infocheck.contracts.models.server import ReferenceServer as ModelsServer

    listing = ModelsSettings(api_key=KEY, base_path="/openai/v1", models=[
        {"id": "phi3-mini", "object": "model", "created": 1700000000, "owned_by": "system"}])
    with ReferenceServer(Settings(api_key=KEY), names_its_model(name)).start() as info, \
            ModelsServer(listing, ModelsHandler).start() as models:
        targets = [{"name": "info", "endpoint": info.url, "api_key_env": "KEY"},
                   {"name": "v1", "contract": "models", "endpoint": models.url, "api_key_env": "KEY",
                    "same_as": "info"}]
        run = run_suite(tmp_path, "--fleet", fleet_file(tmp_path, targets), key=None, html=False,
                        env={"KEY": KEY})
    assert run.code in (0, 1), run.stdout[-3000:] + run.stderr[-2000:]
    [v1] = [t for t in run.report["targets"] if t["name"] == "v1"]
    assert v1["exit_code"] in (0, 1), v1
    verdicts = {r["id"]: r["verdict"] for r in v1["result"]["requirements"]}
    assert verdicts["MODELS-SAME-AS-INFO"] == "finding", verdicts


from hypothesis import HealthCheck, given, settings, strategies as st   # noqa: E402


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tail=st.text(max_size=30))
def test_any_allowed_command_a_file_gives_is_refused_in_one_line_or_one_an_environment_carries(tmp_path, tail):
    """Whatever text follows an allowed command's first words: a usage error of one line, or a
    setting the target's run can be started with (no NUL, no control character)."""
    path = fleet_file(tmp_path, [{"name": "t", "endpoint": "https://a.example",
                                  "token_command": "az account get-access-token " + tail}])
    try:
        [target] = fleet.read(path, {}, (), ALLOW_AZ)
    except fleet.FleetError as error:
        assert "\n" not in str(error) and "\r" not in str(error)
        return
    command = dict(target.environ)["INFOCHECK_TOKEN_COMMAND"]
    assert not any(ord(c) < 0x20 or ord(c) == 0x7F for c in command)
    assert shlex.split(command)[:3] == ["az", "account", "get-access-token"]
