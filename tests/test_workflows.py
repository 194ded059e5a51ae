"""The project's own workflow (.github/workflows/self-test.yml, issue 27) cannot run here; this
reads it as GitHub would read its structure: the self-tests (README's command 2) on Linux, macOS
and Windows under CPython 3.11 to 3.13, and the Action at the root run with embedded: true and
its outputs checked."""
from __future__ import annotations

import re

import yaml

from harness import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "self-test.yml"


def workflow() -> dict:
    found = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    found["on"] = found.pop(True, found.get("on"))   # YAML 1.1 reads the key `on` as true
    return found


def readme_command(number: int) -> str:
    commands = re.findall(r"^python3 (run\.py \S+(?: \S+)*?)\s+# (\d)\.", (ROOT / "README.md").read_text(), re.M)
    return dict((n, c) for c, n in commands)[str(number)]


def test_the_self_tests_run_on_three_systems_under_three_pythons():
    job = workflow()["jobs"]["self-test"]
    matrix = job["strategy"]["matrix"]
    assert sorted(matrix["os"]) == ["macos-latest", "ubuntu-latest", "windows-latest"]
    assert matrix["python"] == ["3.11", "3.12", "3.13"] and job["strategy"]["fail-fast"] is False
    assert job["runs-on"] == "${{ matrix.os }}"
    steps = job["steps"]
    setup = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python@"))
    assert setup["with"]["python-version"] == "${{ matrix.python }}"
    runs = [s["run"].strip() for s in steps if "run" in s and "run.py" in s["run"]]
    assert runs == ["python " + readme_command(2)] == ["python run.py self-test"]


def test_the_action_runs_against_the_embedded_reference_server_and_its_verdict_is_checked():
    job = workflow()["jobs"]["action"]
    gate = next(s for s in job["steps"] if s.get("uses") == "./")
    assert gate["with"] == {"embedded": True} and gate["id"] == "gate"
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert set(gate["with"]) <= set(action["inputs"])
    check = job["steps"][job["steps"].index(gate) + 1]
    assert set(check["env"].values()) == {f"${{{{ steps.gate.outputs.{name} }}}}" for name in action["outputs"]}
    assert '"$CODE" = 0' in check["run"] and '"$VERDICT" = CONFORMANT' in check["run"]


def test_it_is_triggered_and_says_it_was_not_run_here():
    found = workflow()
    assert {"push", "pull_request"} <= set(found["on"]) and found["permissions"] == {"contents": "read"}
    assert "It has not been run" in WORKFLOW.read_text() and ".ci/run stays the gate" in WORKFLOW.read_text()
