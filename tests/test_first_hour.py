"""The first hour, as a new user has it: a gate that cannot pass by accident, help and messages
that say what to do in one line, one report folder, and a report that answers "why" on its
first screen, for one api-version or all of them."""
import json
import re
import subprocess
import sys

import pytest

from harness import HANG, KEY, ROOT, clean_env, run_suite, serve
from infocheck import usage
from infocheck.cli import main as infocheck
from infocheck.wire.secret import credential_problem

EXAMPLE = ROOT / "docs" / "team-example"


def command(*args, cwd=None, env=None):
    return subprocess.run([sys.executable, "-m", "infocheck", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=HANG, env=env or clean_env())


# -- a gate never passes by accident ------------------------------------------------------------

def test_a_must_requirement_no_collected_test_declares_is_a_usage_error(tmp_path):
    run = run_suite(tmp_path, "suites", "--requirements", str(EXAMPLE / "acme-requirements.json"),
                    key=None, html=False)
    assert run.code == 4, run.stdout[-2000:]
    errors = [line for line in run.stderr.splitlines() if line.startswith("ERROR:")]
    assert len(errors) == 1 and "ACME-REQUEST-ID (catalogue ACME) are checked by no collected test" in errors[0]
    assert "give the folder of the tests that check them" in errors[0]
    assert run.report["verdict"] == "USAGE ERROR" and run.report["requests"]["sent"] == 0
    with_tests = run_suite(tmp_path / "with", "suites", str(EXAMPLE), "--requirements",
                           str(EXAMPLE / "acme-requirements.json"), key=None, html=False)
    assert with_tests.code == 0, with_tests.stdout[-2000:]


def test_what_is_left_out_on_purpose_is_said(tmp_path):
    run = run_suite(tmp_path, "-m", "auth", key=None)
    assert run.code == 0, run.stdout[-2000:]
    assert "infocheck: left out on purpose (-m/-k): " in run.stdout and "SHAPE-200" in run.report["left_out"]
    assert "left out on purpose" in run.outputs["infocheck.html"]
    ignored = tmp_path / "policy.json"
    ignored.write_text('{"levels": {"AUTH-401": "IGNORED", "DEPLOYMENT-KNOWN": "IGNORED"}}')
    by_policy = run_suite(tmp_path / "p", f"--policy={ignored}", key=None, html=False)
    assert by_policy.code == 0 and by_policy.report["left_out"] == []


# -- help and messages --------------------------------------------------------------------------

def test_help_starts_with_infocheck_s_own_usage(tmp_path):
    helped = command("--help", cwd=tmp_path)
    assert helped.returncode == 0
    head = helped.stdout[:3000]
    assert head.startswith("usage: infocheck [options]")
    for said in ("infocheck serve", "infocheck merge", "infocheck diff", "--contract info",
                 "--contract models", "--endpoint URL", "exit codes: 0 conformant, 1 a MUST",
                 "4 a usage error", "infocheck.html, infocheck.json, junit.xml"):
        assert said in head, said
    assert helped.stdout.index("usage: infocheck") < helped.stdout.index("--fail-on-should")   # pytest's after
    served = command("serve", "--help", cwd=tmp_path)
    assert served.returncode == 0 and served.stdout.startswith("usage: infocheck serve")


@pytest.mark.parametrize("args, says", [
    (["--endpiont", "https://x.example"], "ERROR: infocheck: unknown option --endpiont; did you mean --endpoint?"),
    (["--fleet-slise=1/2"], "did you mean --fleet-slice?"),
    (["serve", "--flavor", "vllm"], "ERROR: infocheck serve: unrecognized arguments: --flavor vllm; "
                                    "did you mean --flavour? (infocheck serve --help)"),
    (["serve", "--quiet", "--colour"], "ERROR: infocheck serve: unrecognized arguments: --colour "
                                       "(infocheck serve --help)"),
    (["merge", "a.json", "--jsno", "m.json"], "ERROR: infocheck merge: unrecognized arguments: --jsno m.json; "
                                              "did you mean --json?"),
    (["serve", "--contract", "models", "--flavour", "vlm"], "invalid choice: 'vlm' for the models contract"),
    (["merge"], "ERROR: infocheck merge: the following arguments are required"),
])
def test_a_usage_error_is_one_line_exit_4_without_paths(tmp_path, args, says):
    result = command(*args, cwd=tmp_path)
    assert result.returncode == 4, result.stdout[-1000:] + result.stderr[-1000:]
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and says in lines[0], result.stderr
    assert "site-packages" not in result.stderr and "inifile" not in result.stderr


def test_the_command_s_usage_exit_is_the_judge_s():
    from infocheck import cli
    from infocheck.judging.judge import EXIT_USAGE
    assert cli.EXIT_USAGE == EXIT_USAGE == 4


def test_the_option_meant_is_the_first_near_one_before_a_double_dash():
    options = ["--endpoint", "--flavour"]
    assert usage.meant(["x", "--endpiont=https://x.example"], options) == ("--endpiont", "--endpoint")
    assert usage.meant(["--colour", "--flavor"], options) == ("--flavor", "--flavour")
    assert usage.meant(["--", "--flavor"], options) is None              # after --, an argument
    assert usage.meant(["--flavour", "-flavor", "--Flavor"], options) is None
    assert usage.meant(["--flavor"], options, known=frozenset({"--flavor"})) is None   # someone else's


def test_merge_says_in_words_what_is_not_a_report(tmp_path, capsys):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "infocheck.json").write_text('{"verdict": "CONFORMANT"}')
    assert infocheck(["merge", str(tmp_path / "x" / "infocheck.json")]) == 4
    said = capsys.readouterr().err
    assert said.startswith("ERROR: infocheck merge: ") and "$." not in said
    assert "not an infocheck report: it has no infocheck, which every infocheck report has" in said


def test_a_refused_credential_in_a_fleet_names_the_target_s_own_source(tmp_path):
    with serve() as server:
        path = tmp_path / "fleet.yaml"
        path.write_text(json.dumps({"targets": [{"name": "east", "endpoint": server.url,
                                                 "api_key_env": "WRONG_KEY"}]}))
        run = run_suite(tmp_path, "--fleet", str(path), key=None, env={"WRONG_KEY": "w" * 32})
    assert run.code == 2, run.stdout[-2000:]
    [target] = run.report["targets"]
    reason = target["result"]["explanation"]
    assert f"Check api_key_env: WRONG_KEY in {path}, target 1 (east)" in reason
    assert "INFOCHECK_API_KEY" not in reason
    assert reason in run.stdout and reason in run.outputs["infocheck.html"]   # whole, never cut


def test_the_examples_keys_are_keys_infocheck_takes():
    texts = [ROOT / "README.md"] + sorted((ROOT / "docs").glob("*.md"))
    keys = [k for path in texts for k in re.findall(r"INFOCHECK_API_KEY=([^\s.`'\"]+)", path.read_text())]
    assert keys and all(credential_problem(k) is None for k in keys), keys


# -- one report folder ----------------------------------------------------------------------------

def test_one_report_folder_holds_every_report(tmp_path):
    result = command("-q", "--embedded", "--report-dir", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-2000:]
    assert {p.name for p in (tmp_path / "out").iterdir()} == {"infocheck.html", "infocheck.json", "junit.xml"}
    assert not (tmp_path / "reports").exists()
    # Named above the verdict, which is the run's last line (tests/test_last_lines.py).
    end = result.stdout.rstrip().splitlines()
    assert end[-4] == "infocheck reports: out/infocheck.html, out/infocheck.json, out/junit.xml"
    assert end[-1].startswith("CONFORMANT (the embedded reference server")


def test_an_explicit_path_wins_and_one_alone_takes_the_others_along(tmp_path):
    result = command("-q", "--embedded", "--report-dir", "out", "--junitxml=ci/junit.xml", cwd=tmp_path)
    assert result.returncode == 0
    assert (tmp_path / "ci" / "junit.xml").is_file() and not (tmp_path / "out" / "junit.xml").exists()
    alone = command("-q", "--embedded", "--report-json=reports-1/infocheck.json", cwd=tmp_path)
    assert alone.returncode == 0
    assert {p.name for p in (tmp_path / "reports-1").iterdir()} == {"infocheck.html", "infocheck.json", "junit.xml"}
    assert not (tmp_path / "reports").exists()


def test_a_fleet_s_targets_go_into_the_report_folder(tmp_path):
    with serve() as server:
        path = tmp_path / "fleet.yaml"
        path.write_text(json.dumps({"targets": [{"name": "east", "endpoint": server.url, "api_key_env": "K"}]}))
        env = clean_env(K=KEY, INFOCHECK_REPORT_DIR="fleet-out")
        result = command("--fleet", str(path), cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stdout[-2000:]
    folder = tmp_path / "fleet-out"
    assert (folder / "infocheck.json").is_file() and (folder / "targets" / "east" / "infocheck.html").is_file()


# -- reports that answer "why" on their first screen ------------------------------------------------

def test_a_run_of_every_api_version_is_one_line_per_version_and_a_quarter_of_the_page(tmp_path):
    run = run_suite(tmp_path, "--api-version", "all-known", key=None)
    assert run.code == 0, run.stdout[-2000:]
    page = run.outputs["infocheck.html"]
    assert len(page.encode()) < 1_000_000 / 4, len(page)
    banner = page.split('id="infocheck-verdict"')[1].split("</section>")[0]
    versions = run.report["api_versions"]
    assert all(v in banner for v in versions) and len(versions) == 7
    assert page.index('id="infocheck-verdict"') < page.index('id="infocheck-versions"') < page.index(
        'id="infocheck-matrix"')
    row = page.split('<tr class="ic-row" data-verdict="passed"><td><b>SHAPE-JSON')[1].split("</tr>")[0]
    assert row.count("<li>") == 7 and "test_answer_has_a_json_media_type" not in row


def test_the_serve_banner_names_its_contract_flavour_and_routing(tmp_path):
    server = subprocess.Popen([sys.executable, "-m", "infocheck", "serve", "--flavour", "foundry", "--port", "0",
                               "--quiet"], stdout=subprocess.PIPE, text=True, env=clean_env(INFOCHECK_API_KEY=KEY))
    try:
        banner = [server.stdout.readline() for _ in range(3)]
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert banner[0].startswith("infocheck reference server: http://127.0.0.1:") and "/models/info?" in banner[0]
    assert "contract info" in banner[1] and "flavour foundry" in banner[1]
    assert "routing: no default" in banner[2]
