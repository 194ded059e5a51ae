"""The GitHub Action (action.yml) run step by step on loopback, as `act` would without Docker:
it installs infocheck from its own folder, runs it, keeps the reports whatever happened, and
fails the job on every exit but 0. Nothing is downloaded: the interpreter's environment takes
its dependencies from this one."""

import json

import pytest

from action_runner import offline_run
from faults import IgnoresTheScheme, NoDate
from harness import KEY, checkout, linked_venv, serve
from infocheck.wire.secret import Scrubber, Secret

SUBJECT = "the embedded reference server, not an endpoint of yours"

REPORTS = {"infocheck.html", "junit.xml", "infocheck.json"}


@pytest.fixture(scope="module")
def action(tmp_path_factory):
    """(the action's folder, as a checkout of this repository; a bin folder with a Python)."""
    tmp = tmp_path_factory.mktemp("action")
    return checkout(tmp / "infocheck"), linked_venv(tmp / "python")


def run(action, tmp_path, **inputs):
    return offline_run(action, tmp_path, **inputs)


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


# -- issue 24: args read whole, an empty endpoint, the embedded input ---------------------------

def test_the_action_reads_every_line_of_args_with_shell_quoting(action, tmp_path):
    # --fail-on-should on a line of its own once went unread: CONFORMANT where one line failed.
    with serve(NoDate) as server:
        result = run(action, tmp_path, endpoint=server.url,
                     **{"api-key": KEY, "args": "-q\n-m 'not slow'\n--fail-on-should\n"})
    assert result.outputs == {"exit-code": "1", "verdict": "NOT CONFORMANT"}, result.log[-3000:]
    report = json.loads((result.artifacts / "infocheck-reports" / "infocheck.json").read_text())
    assert {r["id"] for r in report["requirements"] if r["verdict"] == "failed"} == {"HTTP-DATE"}
    assert report["embedded_server"] is False
    # -m 'not slow' arrived as one word (split by spaces, "'not" is no marker expression):
    # the MUSTs only slow tests check are said to be left out on purpose.
    assert "HTTP-HEADER-CASE" in report["left_out"]


def test_args_that_cannot_be_split_are_a_usage_error_in_one_line(action, tmp_path):
    result = run(action, tmp_path, embedded="true", args="-q\n-k 'unclosed")
    assert result.failed and result.outputs == {"exit-code": "4", "verdict": "NO REPORT"}
    run_log = result.steps[[s.name for s in result.steps].index("Run infocheck")].log
    errors = [line for line in run_log.splitlines() if line.startswith("ERROR:")]
    assert len(errors) == 1 and errors[0].startswith("ERROR: the args input cannot be split into words")
    assert "Traceback" not in result.log


def test_an_empty_endpoint_input_never_records_a_pass(action, tmp_path):
    result = run(action, tmp_path, endpoint="")   # an undefined vars.ENDPOINT
    assert result.failed and result.outputs == {"exit-code": "4", "verdict": "USAGE ERROR"}
    assert "its endpoint input" in result.log and "embedded: true" in result.log
    assert "CONFORMANT" not in result.summary


def test_the_embedded_input_passes_and_the_summary_says_what_was_checked(action, tmp_path):
    result = run(action, tmp_path, embedded="true")
    assert not result.failed and result.outputs == {"exit-code": "0", "verdict": "CONFORMANT"}
    assert f"infocheck: CONFORMANT (exit 0) of {SUBJECT}" in result.summary
