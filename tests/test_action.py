"""The GitHub Action (action.yml) run step by step on loopback, as `act` would without Docker:
it installs infocheck from its own folder, runs it, keeps the reports whatever happened, and
fails the job on every exit but 0. Nothing is downloaded: the interpreter's environment takes
its dependencies from this one."""

import pytest

from action_runner import run_action
from faults import IgnoresTheScheme
from harness import KEY, checkout, clean_env, linked_venv, serve
from infocheck.wire.secret import Scrubber, Secret

REPORTS = {"infocheck.html", "junit.xml", "infocheck.json"}


@pytest.fixture(scope="module")
def action(tmp_path_factory):
    """(the action's folder, as a checkout of this repository; a bin folder with a Python)."""
    tmp = tmp_path_factory.mktemp("action")
    return checkout(tmp / "infocheck"), linked_venv(tmp / "python")


def run(action, tmp_path, **inputs):
    folder, python = action
    # pip offline, and building with the setuptools already here (PIP_NO_BUILD_ISOLATION=0
    # is pip's spelling of --no-build-isolation).
    env = clean_env(PIP_NO_INDEX="1", PIP_NO_BUILD_ISOLATION="0")
    return run_action(folder, tmp_path, python, inputs, env)


def test_the_reference_server_passes_and_the_reports_are_kept(action, tmp_path):
    result = run(action, tmp_path, embedded="true")
    assert not result.failed, result.log[-4000:]
    assert result.outputs == {"exit-code": "0", "verdict": "CONFORMANT"}
    assert {p.name for p in (result.artifacts / "infocheck-reports").iterdir()} == REPORTS
    assert "infocheck: CONFORMANT (exit 0)" in result.summary


def test_a_failing_endpoint_fails_the_job_and_still_keeps_the_reports(action, tmp_path):
    with serve(IgnoresTheScheme) as server:
        result = run(action, tmp_path, endpoint=server.url, **{"api-key": KEY, "args": "-m auth",
                                                               "artifact-name": "gate"})
    assert result.failed and result.outputs["exit-code"] == "1"
    assert [s.outcome for s in result.steps][-2:] == ["success", "failure"]
    assert "::error title=infocheck::NOT CONFORMANT (exit 1)" in result.steps[-1].log
    kept = result.artifacts / "gate"
    assert {p.name for p in kept.iterdir()} == REPORTS
    finder = Scrubber([Secret(KEY)])
    texts = [result.log, result.summary] + [p.read_text() for p in kept.iterdir()]
    assert not any(finder.contains_secret(text) for text in texts)


def test_an_endpoint_that_cannot_be_tested_fails_the_job(action, tmp_path):
    result = run(action, tmp_path, endpoint="http://127.0.0.1:9", **{"api-key": KEY})
    assert result.failed and result.outputs["exit-code"] == "2"
    assert "COULD NOT TEST (exit 2)" in result.steps[-1].log


def test_inputs_never_become_commands(action, tmp_path):
    result = run(action, tmp_path, args="$(touch pwned) `touch pwned`", deployments="a;touch pwned",
                 embedded="true")
    assert result.failed and result.outputs["exit-code"] == "4"   # an argument pytest cannot find
    assert not (tmp_path / "pwned").exists() and not list(tmp_path.glob("*pwned*"))


def test_a_stale_report_never_decides_the_outputs(action, tmp_path):
    stale = tmp_path / "reports"
    stale.mkdir()
    (stale / "infocheck.json").write_text('{"verdict": "CONFORMANT\\nexit-code=0"}')
    result = run(action, tmp_path, args="--no-such-option", embedded="true")   # pytest stops before any report
    assert result.failed and result.outputs == {"exit-code": "4", "verdict": "NO REPORT"}
    assert "infocheck: NO REPORT (exit 4)" in result.summary


def test_an_output_value_cannot_forge_another_output():
    from action_runner import read_outputs
    forged = "exit-code<<D\n4\nD\nverdict<<D\nCONFORMANT\nexit-code=0\nD\n"
    assert read_outputs(forged) == {"exit-code": "4", "verdict": "CONFORMANT\nexit-code=0"}
