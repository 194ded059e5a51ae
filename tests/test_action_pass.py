"""The Action records a pass only when the run's report says CONFORMANT (issue 24, found trying
to break it): `args: --help` (or `--version`, `--markers`) ends infocheck 0 without a run, and
the Action recorded exit 0, verdict NO REPORT, and passed the job: a green gate that checked
nothing. Now that is exit 2, one ERROR: line saying why, and the job fails."""
from __future__ import annotations

import pytest

from action_runner import offline_run
from harness import checkout, linked_venv


@pytest.fixture(scope="module")
def action(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("action")
    return checkout(tmp / "infocheck"), linked_venv(tmp / "python")


def run(action, tmp_path, **inputs):
    return offline_run(action, tmp_path, **inputs)


@pytest.mark.parametrize("args", ["--help", "--version", "--markers"])
def test_exit_0_without_a_conformant_report_never_passes_the_job(action, tmp_path, args):
    result = run(action, tmp_path, endpoint="http://127.0.0.1:9", args=args)
    assert result.failed, result.log[-3000:]
    assert result.outputs == {"exit-code": "2", "verdict": "NO REPORT"}
    run_log = result.steps[[s.name for s in result.steps].index("Run infocheck")].log
    assert [line for line in run_log.splitlines() if line.startswith("ERROR: infocheck ended 0 but")]
    assert "CONFORMANT (exit 0)" not in result.summary and "COULD NOT TEST (exit 2)" in result.steps[-1].log
