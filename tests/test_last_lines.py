"""The terminal's last lines (issue 27): a run ends, after pytest's own short summary and its
`N failed, M passed` line, with the report files, the verdict and one line per failed
requirement (its ID, level and what was seen), or, when it could not be tested, why and what
to do; escaped and scrubbed like every output. What the lines must say is read from the run's
infocheck.json (data), never from its messages."""
from __future__ import annotations

import json
import re
import subprocess
import sys

import faults
import faults_info
import faults_models
from harness import KEY, clean_env, run_suite, serve
from infocheck.contracts.models.server import ModelsSettings, ReferenceServer as ModelsServer
from infocheck.judging.catalogue import load
from infocheck.judging.outcome import Outcome, TestOutcome
from infocheck.judging.policy import Policy
from infocheck.plugin.collector import Results
from infocheck.reports import terminal as terminal_report
from infocheck import contracts
from infocheck.wire.printable import printable

# pytest's final line, framed in = or, under -q, bare.
STATS = re.compile(r"^(=+ )?[^=]*\b(failed|passed|no tests ran)\b.* in [0-9.]+s\b.*?( =+)?$")


def tail(stdout: str) -> list[str]:
    """The lines after pytest's final `N failed, M passed in Xs` line (which must be there)."""
    lines = stdout.rstrip("\n").splitlines()
    stats = [i for i, line in enumerate(lines) if STATS.match(line)]
    assert stats, stdout[-3000:]
    return lines[stats[-1] + 1:]


def failed_in(report: dict) -> list[tuple[str, str]]:
    return [(r["id"], r["level"]) for r in report["requirements"] if r["verdict"] == "failed"]


def assert_ends_with_the_verdict_and_failed_requirements(run, verdict: str):
    end = tail(run.stdout)
    failed = failed_in(run.report)
    assert failed, run.stdout[-3000:]
    assert end[0].startswith("infocheck reports: ") and "infocheck.json" in end[0], end
    assert "infocheck verdict" in end[1] and end[2].startswith("requests sent: "), end
    verdict_line, *per_requirement = end[3:]
    assert verdict_line == (f"{run.report['verdict']}: {run.report['explanation']} "
                            f"(exit {run.report['exit_code']})") and verdict_line.startswith(verdict)
    # One line each, in the catalogue's order, nothing after them.
    assert [line.split(" failed: ")[0] for line in per_requirement] == [
        f"  {rid} ({level})" for rid, level in failed], end
    whys = {t["failed_requirements"][0]: t["summary"] for t in run.report["results"]
            if t["failed_requirements"]}
    for (rid, _), line in zip(failed, per_requirement):
        assert line.split(" failed: ", 1)[1] == printable(whys[rid], terminal_report.WHY_LIMIT), line
    return per_requirement


def test_a_failing_info_run_ends_with_the_verdict_and_each_failed_requirement(tmp_path):
    with serve(faults.NoProviderName) as server:
        run = run_suite(tmp_path, *faults_info.ARGS, endpoint=server.url, html=False)
    assert run.code == 1, run.stdout[-3000:]
    lines = assert_ends_with_the_verdict_and_failed_requirements(run, "NOT CONFORMANT")
    assert {line.split()[0] for line in lines} == {"SHAPE-MODELINFO", "DEPLOYMENT-KNOWN"}
    # pytest's own short summary is above, not below.
    assert run.stdout.index("short test summary info") < run.stdout.index("infocheck verdict")


def test_a_failing_models_run_ends_the_same_way_quiet_and_in_parallel(tmp_path):
    server = ModelsServer(ModelsSettings(api_key=KEY, base_path="/v1"), faults_models.NoRetrieveRoute).start()
    try:
        run = run_suite(tmp_path, "--contract", "models", *faults_models.MODEL, "-q", "-n", "2",
                        endpoint=server.url, html=False)
    finally:
        server.stop()
    assert run.code == 1, run.stdout[-3000:]
    lines = assert_ends_with_the_verdict_and_failed_requirements(run, "NOT CONFORMANT")
    assert [line.split()[0] for line in lines] == ["MODELS-RETRIEVE-200"]


def test_could_not_test_ends_with_its_reason_and_what_to_do(tmp_path):
    with serve() as server:
        run = run_suite(tmp_path, endpoint=server.url, key="w" * 32, html=False)
    assert run.code == 2, run.stdout[-3000:]
    end = tail(run.stdout)
    assert end[-1] == f"COULD NOT TEST: {run.report['explanation']} (exit 2)", end
    assert "INFOCHECK_API_KEY" in end[-1]   # what to do
    assert "infocheck verdict" in end[-3] and end[0].startswith("infocheck reports: "), end


class HostileContentType(faults.PlainTextMediaType):
    """SHAPE-JSON fails on a media type that carries the key and a terminal escape sequence."""

    def content_type(self):
        return f"text/plain; x=\x1b[2K\x1b[32mCONFORMANT\x1b[0m; k={KEY}"


def test_the_last_lines_are_escaped_and_scrubbed(tmp_path):
    with serve(HostileContentType) as server:
        run = run_suite(tmp_path, endpoint=server.url, html=False)
    assert run.code == 1, run.stdout[-3000:]
    end = tail(run.stdout)
    assert any(line.startswith("  SHAPE-JSON (MUST) failed: ") for line in end), end
    assert not run.leaks() and KEY not in "\n".join(end)
    assert not any(ch in line for line in end for ch in "\x1b\r"), end


def test_without_pytest_s_terminal_the_run_still_ends_with_its_exit_code(tmp_path):
    with serve(faults.NoProviderName) as server:
        # As a user types it: command.ini names no option of the terminal's (its -rfE was
        # pytest's default, and made this a usage error, "unknown option -r").
        run = subprocess.run([sys.executable, "-m", "infocheck", "-p", "no:terminal", "--endpoint", server.url],
                             cwd=tmp_path, capture_output=True, text=True, timeout=120,
                             env=clean_env(INFOCHECK_API_KEY=KEY))
    report = json.loads((tmp_path / "reports" / "infocheck.json").read_text())
    assert run.returncode == 1 and report["verdict"] == "NOT CONFORMANT", run.stdout[-2000:] + run.stderr[-2000:]
    assert "Traceback" not in run.stdout + run.stderr and "infocheck verdict" not in run.stdout


# -- the lines themselves, from the results model ------------------------------------------------

class Terminal:
    def __init__(self):
        self.lines = []

    def section(self, title):
        self.lines.append(f"== {title}")

    def write_line(self, text, **style):
        self.lines.append(text)


def results_of(*tests: TestOutcome, status: int) -> Results:
    results = Results(Policy(load(None, None, contracts.get("info"))))
    for test in tests:
        results.tests[test.nodeid] = test
    results.status = status
    return results


def test_each_failed_requirement_is_one_line_of_its_own_failure_capped():
    long_why = "x" * 5000 + "\nsecond line"
    results = results_of(
        TestOutcome("a", ("SHAPE-200", "SHAPE-JSON"), Outcome.FAILED, ("SHAPE-JSON", "SHAPE-200"),
                    summary="first: the media type"),
        TestOutcome("b", ("SHAPE-200",), Outcome.FAILED, ("SHAPE-200",), summary="202 Accepted"),
        TestOutcome("c", ("AUTH-MISSING",), Outcome.FAILED, ("AUTH-MISSING",), summary=long_why),
        status=1)
    terminal = Terminal()
    terminal_report.write_verdict(results, terminal, ["r/infocheck.json"])
    assert terminal.lines[:3] == ["infocheck reports: r/infocheck.json", "== infocheck verdict",
                                  "NOT CONFORMANT: a MUST requirement failed (exit 1)"]
    lines = dict(line.split(" failed: ", 1) for line in terminal.lines[3:])
    # SHAPE-200's why is the test that failed it first, not the one whose first failure was another's.
    assert lines["  SHAPE-200 (MUST)"] == "202 Accepted"
    assert lines["  SHAPE-JSON (MUST)"] == "first: the media type"
    why = lines["  AUTH-MISSING (MUST)"]
    assert "\n" not in why and len(why) < terminal_report.WHY_LIMIT + 50 and why.endswith("characters)")


def test_many_failed_requirements_are_capped_with_how_many_more():
    catalogue = load(None, None, contracts.get("info"))
    ids = list(catalogue)
    results = results_of(*(TestOutcome(f"t{i}", (rid,), Outcome.FAILED, (rid,), summary="no")
                           for i, rid in enumerate(ids)), status=1)
    lines = terminal_report.verdict_lines(results)
    if len(ids) > terminal_report.LINES_LIMIT:
        assert len(lines) == terminal_report.LINES_LIMIT + 1 and "more" in lines[-1]
    else:
        assert len(lines) == len(ids)


def test_not_tested_requirements_are_said_with_why_under_could_not_test():
    results = results_of(
        TestOutcome("a", ("AUTH-MISSING",), Outcome.NOT_TESTED, summary="throttled: give --max-requests"),
        TestOutcome("b", ("AUTH-401",), Outcome.NOT_TESTED, summary="throttled: give --max-requests"),
        TestOutcome("c", ("SHAPE-200",), Outcome.PASSED), status=2)
    assert terminal_report.verdict_lines(results) == [
        "  not tested: AUTH-MISSING, AUTH-401: throttled: give --max-requests"] or \
        terminal_report.verdict_lines(results) == [
        "  not tested: AUTH-401, AUTH-MISSING: throttled: give --max-requests"]
    results.stopped = "the endpoint refused the credential"
    assert terminal_report.verdict_lines(results) == []   # the verdict line says why
