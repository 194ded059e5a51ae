"""A gate never goes green by accident (issue 24): the embedded reference server passes only when
--embedded asks for it, and then every report says it was checked, not an endpoint of the
user's; without an endpoint it is checked as a stand-in that cannot pass (exit 2, saying what to
do); INFOCHECK_ENDPOINT set to nothing is a usage error. (A misspelled INFOCHECK_* variable:
tests/test_variables.py; the Action's empty endpoint, embedded input and args: test_action.py.)"""
import importlib.util
import json
import re

import jsonschema
import pytest

from harness import KEY, ROOT, run_suite, serve
from infocheck.configuration.config import ConfigError, build_config
from infocheck.judging.catalogue import builtin
from infocheck.judging.judge import instead_of_an_endpoint
from infocheck.judging.outcome import TestOutcome as Outcome
from infocheck.judging.policy import Policy
from infocheck.plugin.collector import Results
from infocheck.reports.terminal import write_summary

SUBJECT = "the embedded reference server, not an endpoint of yours"
SCHEMA = json.loads((ROOT / "schemas" / "infocheck-report.json").read_text())


# -- the judge: a stand-in run cannot pass ------------------------------------------------------

@pytest.mark.parametrize("earned, code", [(0, 2), (1, 2), (2, 2), (3, 3), (4, 4), (5, 5)])
def test_a_stand_in_run_could_not_test_whatever_the_reference_server_earned(earned, code):
    assert instead_of_an_endpoint(earned) == code


def results(stand_in: bool, *tests) -> Results:
    found = Results(Policy(builtin()), embedded_server=True, stand_in=stand_in)
    for test in tests:
        found.tests[test.nodeid] = test
    return found


class Terminal:
    def __init__(self):
        self.lines = []

    def section(self, title):
        self.lines.append(title)

    def write_line(self, text, **style):
        self.lines.append(text)


def test_a_stand_in_run_says_no_endpoint_was_given_what_the_reference_server_earned_and_what_to_do():
    passed = results(True, Outcome("t::a", ("SHAPE-200",), "passed"))
    assert passed.finish(0) == 2 and passed.reference_status == 0
    assert passed.heading == f"COULD NOT TEST ({SUBJECT})"
    assert passed.explanation == (
        "no endpoint was given, so the embedded reference server was checked instead and it passed "
        "(every MUST requirement checked passed); give --endpoint URL (INFOCHECK_ENDPOINT) to check "
        "your endpoint, or --embedded (INFOCHECK_EMBEDDED=1) to check the reference server on purpose")
    terminal = Terminal()
    write_summary(passed, terminal)
    assert terminal.lines[-1] == f"COULD NOT TEST ({SUBJECT}): {passed.explanation} (exit 2)"
    failed = results(True, Outcome("t::a", ("SHAPE-200",), "passed"),
                     Outcome("t::b", ("AUTH-MISSING",), "failed", ("AUTH-MISSING",)))
    assert failed.finish(1) == 2
    assert "checked instead and it failed (a MUST requirement failed); give --endpoint" in failed.explanation


def test_an_asked_for_embedded_run_may_pass_and_its_verdict_line_says_what_was_checked():
    asked = results(False, Outcome("t::a", ("SHAPE-200",), "passed"))
    assert asked.finish(0) == 0 and asked.reference_status is None
    terminal = Terminal()
    write_summary(asked, terminal)
    assert terminal.lines[-1] == f"CONFORMANT ({SUBJECT}): every MUST requirement checked passed (exit 0)"
    endpoint = Results(Policy(builtin()))
    endpoint.record(Outcome("t::a", ("SHAPE-200",), "passed"))   # a run with no result is no pass
    endpoint.finish(0)
    assert endpoint.heading == "CONFORMANT"


# -- the configuration --------------------------------------------------------------------------

@pytest.mark.parametrize("options, env, says", [
    ({"infocheck_embedded": True, "infocheck_endpoint": "https://h.example"}, {},
     "INFOCHECK_EMBEDDED / --embedded and INFOCHECK_ENDPOINT / --endpoint: check the embedded "
     "reference server or your endpoint, not both"),
    ({}, {"INFOCHECK_EMBEDDED": "1", "INFOCHECK_ENDPOINT": "https://h.example"}, "not both"),
    ({"infocheck_embedded": True, "infocheck_fleet": "f.yaml"}, {},
     "INFOCHECK_EMBEDDED / --embedded and INFOCHECK_FLEET / --fleet: a fleet's targets are endpoints"),
    ({}, {"INFOCHECK_ENDPOINT": ""}, "INFOCHECK_ENDPOINT is set but empty (a CI variable that is "
     "not defined?): set it to your endpoint's URL (the GitHub Action: its endpoint input), or give "
     "--embedded / INFOCHECK_EMBEDDED=1 (the Action: embedded: true)"),
    ({}, {"INFOCHECK_ENDPOINT": "  ", "INFOCHECK_EMBEDDED": "false"}, "is set but empty"),
])
def test_what_cannot_be_meant_is_a_usage_error(options, env, says):
    with pytest.raises(ConfigError, match=re.escape(says)):
        build_config(options, env)


def test_the_embedded_server_is_asked_for_by_option_or_variable_even_beside_an_empty_endpoint():
    for options, env in (({"infocheck_embedded": True}, {}), ({}, {"INFOCHECK_EMBEDDED": "yes"}),
                         ({}, {"INFOCHECK_EMBEDDED": "true", "INFOCHECK_ENDPOINT": ""})):
        settings = build_config(options, env)
        assert settings.embedded_asked and settings.endpoint is None
    assert not build_config({}, {}).embedded_asked
    # The option wins over an empty variable, as over any other.
    assert build_config({"infocheck_endpoint": "https://h.example"}, {"INFOCHECK_ENDPOINT": ""}).endpoint


# -- run.py: README command 1 asks for the embedded server ---------------------------------------

def run_py():
    spec = importlib.util.spec_from_file_location("infocheck_run_py", ROOT / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("args, env, added", [
    ([], {}, ["--embedded"]),
    (["-q", "-m", "auth"], {"INFOCHECK_API_KEY": KEY}, ["--embedded"]),
    (["-q", "--", "--endpoint"], {}, ["--embedded"]),     # after --, nothing is an option
    (["--endpoint", "https://h.example"], {}, []),
    (["--endpoint=https://h.example"], {}, []),
    ([], {"INFOCHECK_ENDPOINT": "https://h.example"}, []),
    ([], {"INFOCHECK_ENDPOINT": ""}, []),                 # the command's usage error, not hidden
    (["--embedded"], {}, []),
    ([], {"INFOCHECK_EMBEDDED": "0"}, []),
    (["--fleet", "f.yaml"], {}, []),
    ([], {"INFOCHECK_FLEET": "f.yaml"}, []),
    (["serve", "--port", "0"], {}, []),
    (["merge", "a.json"], {}, []),
    (["--version"], {}, []),
])
def test_command_1_asks_for_the_embedded_server_only_when_nothing_else_is_named(args, env, added):
    assert run_py().embedded_default(args, env) == added


# -- end to end ----------------------------------------------------------------------------------

def test_the_bare_command_checks_the_embedded_server_and_ends_could_not_test(tmp_path):
    run = run_suite(tmp_path, "-q", embedded=False)
    assert run.code == 2, run.stdout[-2000:]
    report = run.report
    jsonschema.validate(report, SCHEMA)
    assert (report["verdict"], report["exit_code"], report["embedded_server"]) == ("COULD NOT TEST", 2, True)
    assert report["explanation"].startswith("no endpoint was given, so the embedded reference server "
                                            "was checked instead and it passed")
    assert report["requests"]["sent"] > 0 and not run.must_failed
    assert report["configuration"]["endpoint"].endswith("(the embedded reference server: no endpoint was given)")
    verdict_line = [line for line in run.stdout.splitlines() if "(exit 2)" in line][-1]
    assert verdict_line.startswith(f"COULD NOT TEST ({SUBJECT}): no endpoint was given")
    assert f"<h2>COULD NOT TEST ({SUBJECT})</h2>" in run.outputs["infocheck.html"]


def test_the_embedded_server_asked_for_passes_and_every_report_says_what_was_checked(tmp_path):
    run = run_suite(tmp_path, "-q", "--embedded", embedded=False)
    assert run.code == 0, run.stdout[-2000:]
    jsonschema.validate(run.report, SCHEMA)
    assert (run.report["verdict"], run.report["embedded_server"]) == ("CONFORMANT", True)
    assert run.report["configuration"]["endpoint"].endswith(f"/info ({SUBJECT})")
    assert f"CONFORMANT ({SUBJECT}): every MUST requirement checked passed (exit 0)" in run.stdout
    page = run.outputs["infocheck.html"]
    assert f"<h2>CONFORMANT ({SUBJECT})</h2>" in page and f"/info ({SUBJECT})</td>" in page


def test_a_run_against_an_endpoint_is_no_embedded_server_run(tmp_path):
    with serve() as server:
        run = run_suite(tmp_path, "-q", "-m", "auth", endpoint=server.url)
    assert run.code == 0, run.stdout[-2000:]
    jsonschema.validate(run.report, SCHEMA)
    assert run.report["embedded_server"] is False
    assert "<h2>CONFORMANT</h2>" in run.outputs["infocheck.html"] and SUBJECT not in run.stdout


@pytest.mark.parametrize("env, says", [
    ({"INFOCHECK_ENDPOINT": ""}, "ERROR: INFOCHECK_ENDPOINT is set but empty"),
    ({"INFOCHECK_ENDPIONT": "http://127.0.0.1:9"},
     "ERROR: INFOCHECK_ENDPIONT: no such variable; did you mean INFOCHECK_ENDPOINT?"),
])
def test_an_empty_or_misspelled_endpoint_stops_the_run_before_any_request(tmp_path, env, says):
    run = run_suite(tmp_path, "-q", env=env, html=False, embedded=False)
    assert run.code == 4, run.stdout[-2000:] + run.stderr[-2000:]
    errors = [line for line in run.stderr.splitlines() if line.startswith("ERROR:")]
    assert len(errors) == 1 and errors[0].startswith(says), run.stderr[-2000:]
    assert (run.report["verdict"], run.report["requests"]["sent"]) == ("USAGE ERROR", 0)
    assert "Traceback" not in run.stdout + run.stderr


