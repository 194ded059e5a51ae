"""docs/ci.md's recipes for Azure Pipelines, GitLab CI and Jenkins (issue 27), and its GitHub
Actions one, checked as far as they can be without those systems: each parses, publishes the
JUnit file to the system's test view even when the job failed, lets infocheck's exit code fail
the job, and names only files a real run writes; the exit codes it lists are infocheck's."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
import yaml

from faults import NoDate
from harness import ROOT, run_suite, serve
from infocheck.judging.exit_codes import ExitCode

CI = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")


def block(heading: str, language: str) -> str:
    section = CI[CI.index(heading + "\n"):]
    found = re.search(rf"```{language}\n(.*?)```", section, re.S)
    assert found, heading
    return found[1]


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """The files a run writes in reports/ (a run with a SHOULD finding), and its junit.xml."""
    tmp = tmp_path_factory.mktemp("recipes")
    with serve(NoDate) as server:
        run = run_suite(tmp, "-m", "http", endpoint=server.url)
    assert run.code == 0, run.stdout[-2000:]
    reports = tmp / "reports"
    return {f"reports/{p.name}" for p in reports.iterdir()}, ET.parse(reports / "junit.xml")


def named_files(text: str) -> set:
    return set(re.findall(r"reports/[\w.]+\.(?:xml|json|html)", text))


def test_the_exit_codes_the_recipes_name_are_infocheck_s():
    listed = re.search(r"\(1 NOT CONFORMANT, 2 COULD NOT TEST, 3 INTERNAL ERROR, 4 USAGE ERROR: "
                       r"every one but 0\)", CI)
    assert listed
    pairs = re.findall(r"(\d) ([A-Z][A-Z ]+[A-Z])", listed[0])
    assert {int(n): words for n, words in pairs} == {c.value: c.verdict for c in ExitCode if c}


def test_azure_pipelines_publishes_junit_to_the_tests_tab_and_the_exit_code_gates(written):
    files, _ = written
    steps = yaml.safe_load(block("### Azure Pipelines", "yaml"))["steps"]
    run = next(s for s in steps if s.get("script", "").startswith("infocheck"))
    assert "continueOnError" not in run and "condition" not in run
    publish = next(s for s in steps if s.get("task") == "PublishTestResults@2")
    assert publish["condition"] == "always()"
    assert publish["inputs"]["testResultsFormat"] == "JUnit"
    assert publish["inputs"]["testResultsFiles"] in files
    assert publish["inputs"]["failTaskOnFailedTests"] is False
    kept = next(s for s in steps if "publish" in s)
    assert kept["publish"] == "reports" and kept["condition"] == "always()"
    assert "INFOCHECK_API_KEY" in run["env"]
    assert named_files(block("### Azure Pipelines", "yaml")) <= files


def test_gitlab_ci_reports_junit_from_failed_jobs_too(written):
    files, _ = written
    job = yaml.safe_load(block("### GitLab CI", "yaml"))["infocheck"]
    assert any(line.startswith("infocheck") for line in job["script"])
    assert "allow_failure" not in job
    artifacts = job["artifacts"]
    assert artifacts["when"] == "always" and artifacts["paths"] == ["reports/"]
    assert artifacts["reports"]["junit"] in files


def test_jenkins_reads_junit_after_a_failed_sh(written):
    files, _ = written
    text = block("### Jenkins", "groovy")
    assert text.count("{") == text.count("}")
    post = text[text.index("post {"):]
    always = post[post.index("always {"):]
    junit = re.search(r"junit testResults: '([^']+)'", always)
    assert junit and junit[1] in files
    assert re.search(r"sh '[^']*\binfocheck -n 4'", text)
    assert "returnStatus" not in text and "catchError" not in text   # the exit code fails the build
    assert named_files(text) <= files


def test_the_github_action_recipe_uses_only_the_action_s_inputs():
    steps = yaml.safe_load(block("## GitHub Actions", "yaml"))["jobs"]["conformance"]["steps"]
    gate = next(s for s in steps if s.get("uses", "").startswith("your-org/infocheck@"))
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert set(gate["with"]) <= set(action["inputs"])


def test_a_should_finding_is_an_expected_failure_in_the_junit_file_as_the_recipes_say(written):
    _, junit = written
    cases = junit.getroot().iter("testcase")
    kinds = {(c.find("skipped").get("type") if c.find("skipped") is not None else
              "failure" if c.find("failure") is not None else "passed") for c in cases}
    assert "pytest.xfail" in kinds and "failure" not in kinds
    assert "(`skipped`, type `pytest.xfail`, in JUnit)" in CI
