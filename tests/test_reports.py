"""The conformance report and the CI gate: JSON against its schema, JUnit properties, the
HTML summary, waivers, markers, and the same outcome under pytest-xdist."""
import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from faults import FlatServerlessErrors, IgnoresTheScheme, NoDate
from harness import HANG, ROOT, clean_env, run_suite, serve
from infocheck.bundle import schema_errors, validator
from infocheck.contracts.info.server import DEFAULT_MODELS

DEPLOYMENTS = [arg for name in DEFAULT_MODELS for arg in ("--deployment", name)]


def verdicts(run) -> dict:
    return {r["id"]: r["verdict"] for r in run.report["requirements"]}


def assert_valid_report(run):
    problems = schema_errors(validator("infocheck-report"), run.report)
    assert problems == [], problems
    assert run.report["exit_code"] == run.code


def test_failing_run_reports_in_all_three_outputs(tmp_path):
    with serve(IgnoresTheScheme) as server:
        run = run_suite(tmp_path, *DEPLOYMENTS, endpoint=server.url)
    assert run.code == 1
    assert_valid_report(run)
    assert run.report["verdict"] == "NOT CONFORMANT" and verdicts(run)["AUTH-MALFORMED"] == "failed"
    assert verdicts(run)["SHAPE-200"] == "passed"
    failed = next(r for r in run.report["requirements"] if r["id"] == "AUTH-MALFORMED")
    assert any("reproduce: curl" in m for m in failed["messages"])
    page = run.outputs["infocheck.html"]
    assert 'id="infocheck-verdict"' in page and "NOT CONFORMANT" in page
    assert page.count('class="ic-row"') == len(run.report["requirements"])
    assert "<svg" in page and len(page.encode()) < 2_000_000
    assert not run.leaks()


def test_junit_testcases_carry_requirement_and_level(tmp_path):
    with serve() as server:
        run = run_suite(tmp_path, endpoint=server.url)
    cases = list(ET.fromstring(run.outputs["junit.xml"]).iter("testcase"))
    assert cases
    for case in cases:
        properties = {(p.get("name"), p.get("value")) for p in case.iter("property")}
        assert any(name == "requirement" for name, _ in properties), case.get("name")
        assert any(name == "level" and value in ("MUST", "SHOULD") for name, value in properties)


def test_findings_are_reported_but_do_not_fail(tmp_path):
    with serve(FlatServerlessErrors) as server:
        run = run_suite(tmp_path, endpoint=server.url)
    assert run.code == 0
    assert_valid_report(run)
    assert verdicts(run)["ERROR-BODY"] == "finding"
    body = next(r for r in run.report["requirements"] if r["id"] == "ERROR-BODY")
    assert any("flat {statusCode, message} body" in m for m in body["messages"])


def test_could_not_test_is_a_verdict_of_its_own(tmp_path):
    with serve() as server:
        run = run_suite(tmp_path, endpoint=server.url, key=None)
    assert run.code == 2
    assert_valid_report(run)
    assert run.report["verdict"] == "COULD NOT TEST" and verdicts(run)["SHAPE-200"] == "not tested"
    assert "COULD NOT TEST" in run.outputs["infocheck.html"]


def test_xdist_gives_the_same_outcome_and_reports_from_the_controller(tmp_path):
    with serve(IgnoresTheScheme) as server:
        single = run_suite(tmp_path / "single", *DEPLOYMENTS, endpoint=server.url)
        parallel = run_suite(tmp_path / "parallel", "-n", "2", *DEPLOYMENTS, endpoint=server.url)
    assert parallel.code == single.code == 1
    assert_valid_report(parallel)
    assert verdicts(parallel) == verdicts(single)
    assert parallel.must_failed == single.must_failed == {"AUTH-MALFORMED"}
    assert parallel.report["requests"]["sent"] >= single.report["requests"]["sent"] > 0


def test_embedded_server_under_xdist(tmp_path):
    run = run_suite(tmp_path, "-n", "2", key=None)
    assert run.code == 0, run.stdout[-2000:]
    assert_valid_report(run)


# -- waivers --------------------------------------------------------------------------------

def waiver_file(tmp_path, text, suffix=".yaml"):
    path = tmp_path / f"waivers{suffix}"
    path.write_text(text)
    return str(path)


def test_a_waived_failure_does_not_fail_the_run_and_says_why(tmp_path):
    waivers = waiver_file(tmp_path, "- requirement: AUTH-MALFORMED\n"
                                    "  reason: gateway fix in JIRA-123\n  expires: 2999-01-01\n")
    with serve(IgnoresTheScheme) as server:
        run = run_suite(tmp_path, f"--waivers={waivers}", *DEPLOYMENTS, endpoint=server.url)
    assert run.code == 0, run.stdout[-2000:]
    assert_valid_report(run)
    assert verdicts(run)["AUTH-MALFORMED"] == "waived"
    entry = next(r for r in run.report["requirements"] if r["id"] == "AUTH-MALFORMED")
    assert entry["waiver"] == {"reason": "gateway fix in JIRA-123", "expires": "2999-01-01"}
    waived = [r for r in run.report["results"] if r["outcome"] == "waived"]   # each test's, as data
    assert waived and all(r["failed_requirements"] == ["AUTH-MALFORMED"] and r["levels"] == ["MUST"]
                          and "JIRA-123" in r["summary"] for r in waived)
    for output in ("stdout", "junit.xml", "infocheck.html"):
        assert "JIRA-123" in run.outputs[output], output


def test_a_waiver_by_test_id_in_json(tmp_path):
    waivers = waiver_file(tmp_path, json.dumps([{
        "test": "test_malformed_authorization_is_refused", "reason": "known", "expires": "2999-01-01"}]),
        ".json")
    with serve(IgnoresTheScheme) as server:
        run = run_suite(tmp_path, f"--waivers={waivers}", *DEPLOYMENTS, endpoint=server.url)
    assert run.code == 0 and verdicts(run)["AUTH-MALFORMED"] == "waived"


def test_an_expired_waiver_fails_the_run_and_says_so(tmp_path):
    waivers = waiver_file(tmp_path, "- requirement: HTTP-DATE\n  reason: old\n  expires: 2020-01-01\n")
    with serve(NoDate) as server:
        run = run_suite(tmp_path, f"--waivers={waivers}", endpoint=server.url)
    assert run.code == 1
    assert "expired on 2020-01-01" in run.stdout
    assert_valid_report(run)
    assert run.report["expired_waivers"][0]["subject"] == "HTTP-DATE"


@pytest.mark.parametrize("text, says", [
    ("- requirement: HTTP-DATE\n  expires: 2999-01-01\n", "needs a reason"),
    ("- requirement: NO-SUCH\n  reason: x\n  expires: 2999-01-01\n", "not a requirement ID"),
    ("- requirement: HTTP-DATE\n  reason: x\n  expires: soon\n", "must be a date"),
    ("- requirement: HTTP-DATE\n  test: x\n  reason: x\n  expires: 2999-01-01\n", "exactly one"),
    ("a: [", "not valid YAML"),
])
def test_bad_waivers_are_usage_errors(tmp_path, text, says):
    run = run_suite(tmp_path, f"--waivers={waiver_file(tmp_path, text)}")
    assert run.code == 4 and says in run.stderr and "Traceback" not in run.stderr


# -- markers ----------------------------------------------------------------------------------

@pytest.mark.parametrize("expression, only", [("auth", "test_authentication.py"),
                                               ("deployments", "test_deployments.py")])
def test_markers_select_groups(tmp_path, expression, only):
    run = run_suite(tmp_path, "-m", expression, "--collect-only", "-q")
    collected = [line for line in run.stdout.splitlines() if "::" in line]
    assert collected and all(only in line for line in collected)


def test_must_and_not_slow_markers(tmp_path):
    must = run_suite(tmp_path / "a", "-m", "must and not slow", "--collect-only", "-q")
    lines = [line for line in must.stdout.splitlines() if "::" in line]
    assert lines and not any("generated" in line or "case_insensitive" in line for line in lines)
    assert not any("date" in line for line in lines)  # HTTP-DATE is a SHOULD


def test_run_py_suite_collects_the_suites_whatever_the_spelling_of_a_path_option(tmp_path):
    """`--policy /elsewhere/p.json` (a space) once made pytest take /elsewhere as its rootdir and
    collect what was there; `--requirements` ran the project's own self-tests."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "p.json").write_text('{"levels": {"HTTP-DATE": "IGNORED"}}')
    (elsewhere / "test_trap.py").write_text("def test_trap():\n    assert False\n")
    result = subprocess.run([sys.executable, str(ROOT / "run.py"), "suite", "-q", "-p", "no:randomly",
                             "--policy", str(elsewhere / "p.json"), "--requirements",
                             str(ROOT / "docs" / "team-example" / "acme-requirements.json"),
                             str(ROOT / "docs" / "team-example")],
                            cwd=tmp_path, capture_output=True, text=True, timeout=HANG, env=clean_env())
    report = json.loads((tmp_path / "reports" / "infocheck.json").read_text())
    tests = {r["test"] for r in report["results"]}
    assert tests and all(t.startswith(("suites/info/", "docs/team-example/")) for t in tests), sorted(tests)[:5]
    assert "test_trap" not in result.stdout and "tests/test_" not in result.stdout
    verdicts = {r["id"]: r["verdict"] for r in report["requirements"]}
    assert verdicts["HTTP-DATE"] == "ignored" and "ACME-PROVIDER" in verdicts


def test_the_repository_pytest_ini_is_derived_from_the_command_s():
    from infocheck.bundle import repository_ini
    assert (ROOT / "pytest.ini").read_text() == repository_ini(), "write pytest.ini from repository_ini()"
