"""Runs a composite GitHub Action's steps on this machine, the way `act` would without Docker:
inputs with their defaults, `${{ }}` expressions for inputs, github.action_path and step
outputs, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, `if: always()`, a failed step skipping
the rest. The `uses:` steps are stood in for: setup-python puts a given interpreter first on
PATH, upload-artifact copies the path into an artifacts folder."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from harness import HANG

EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")


@dataclass
class StepResult:
    name: str
    outcome: str          # success, failure, skipped
    log: str = ""


@dataclass
class ActionRun:
    steps: list[StepResult] = field(default_factory=list)
    outputs: dict = field(default_factory=dict)
    summary: str = ""
    artifacts: Path | None = None

    @property
    def failed(self) -> bool:
        return any(step.outcome == "failure" for step in self.steps)

    @property
    def log(self) -> str:
        return "\n".join(f"== {s.name}: {s.outcome}\n{s.log}" for s in self.steps)


def run_action(action_dir: Path, workspace: Path, python_bin: Path, inputs: dict,
               env: dict, timeout: float = HANG) -> ActionRun:
    action = yaml.safe_load((action_dir / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    declared = action.get("inputs", {})
    unknown = set(inputs) - set(declared)
    assert not unknown, f"the action has no input(s) {unknown}"
    values = {name: str(inputs.get(name, spec.get("default", ""))) for name, spec in declared.items()}
    result, step_outputs = ActionRun(artifacts=workspace / "artifacts"), {}
    summary = workspace / "step-summary.md"
    summary.write_text("")
    path = f"{python_bin}{os.pathsep}{env.get('PATH', os.defpath)}"

    def evaluate(text: str) -> str:
        def one(match):
            expression = match.group(1)
            if expression.startswith("inputs."):
                return values[expression.removeprefix("inputs.")]
            if expression == "github.action_path":
                return str(action_dir)
            found = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expression)
            if found:
                return step_outputs.get(found[1], {}).get(found[2], "")
            raise AssertionError(f"the runner does not know the expression {expression!r}")
        return EXPRESSION.sub(one, str(text))

    for step in action["runs"]["steps"]:
        name = step.get("name") or step.get("uses") or "step"
        condition = step.get("if", "success()")
        if result.failed and "always()" not in condition:
            result.steps.append(StepResult(name, "skipped"))
            continue
        if "uses" in step:
            result.steps.append(_stand_in(step["uses"], {k: evaluate(v) for k, v in
                                                         step.get("with", {}).items()},
                                          name, workspace, result.artifacts))
            continue
        assert step.get("shell") == "bash", f"{name}: composite run steps must name their shell"
        output_file = workspace / f"output-{len(result.steps)}"
        output_file.write_text("")
        step_env = {**env, "PATH": path, "GITHUB_OUTPUT": str(output_file),
                    "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_ACTION_PATH": str(action_dir),
                    **{k: evaluate(v) for k, v in step.get("env", {}).items()}}
        script = workspace / f"step-{len(result.steps)}.sh"
        script.write_text(evaluate(step["run"]))
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                              cwd=workspace, env=step_env, capture_output=True, text=True,
                              timeout=timeout)
        outputs = read_outputs(output_file.read_text())
        if "id" in step:
            step_outputs[step["id"]] = outputs
        result.steps.append(StepResult(name, "success" if done.returncode == 0 else "failure",
                                       done.stdout + done.stderr))
    result.outputs = {name: evaluate(spec["value"]) for name, spec in action.get("outputs", {}).items()}
    result.summary = summary.read_text()
    return result


def read_outputs(text: str) -> dict:
    """GITHUB_OUTPUT as GitHub reads it: `name=value` lines, and `name<<DELIMITER` followed by
    the value's lines up to the delimiter alone on a line."""
    outputs, lines = {}, iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            value = []
            for following in lines:
                if following == delimiter:
                    break
                value.append(following)
            else:
                raise AssertionError(f"GITHUB_OUTPUT: {name} has no closing delimiter")
            outputs[name] = "\n".join(value)
        elif "=" in line:
            name, value = line.split("=", 1)
            outputs[name] = value
    return outputs


def _stand_in(uses: str, given: dict, name: str, workspace: Path, artifacts: Path) -> StepResult:
    action = uses.split("@")[0]
    if action == "actions/setup-python":
        return StepResult(name, "success", f"(stand-in) python {given.get('python-version')}")
    if action == "actions/upload-artifact":
        source = workspace / given["path"]
        if source.exists():
            shutil.copytree(source, artifacts / given["name"])
        return StepResult(name, "success", f"(stand-in) uploaded {given['path']} as {given['name']}")
    raise AssertionError(f"the runner has no stand-in for {uses}")


def offline_run(action, workspace: Path, **inputs) -> ActionRun:
    """The Action at `action` ((its folder, a bin folder with a Python)) run with these inputs,
    pip offline and building with the setuptools already here (PIP_NO_BUILD_ISOLATION=0 is
    pip's spelling of --no-build-isolation)."""
    from harness import clean_env

    folder, python = action
    return run_action(folder, workspace, python, inputs,
                      clean_env(PIP_NO_INDEX="1", PIP_NO_BUILD_ISOLATION="0"))

