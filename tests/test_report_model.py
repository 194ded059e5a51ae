"""Results are one typed model (issue 25): infocheck.json is read, checked against its schema and
written by judging/report_model.py alone, byte for byte as infocheck writes it; the reporter, a
fleet run, merge and diff go through it; exit codes are one enumeration; the fleet's re-judging
of an echoed neighbour's credential is judging's (judging/echoes.py)."""
import ast
import dataclasses
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from faults import NoProviderName
from harness import KEY, run_suite, serve
from infocheck.cli import main as infocheck
from infocheck.judging import echoes, report_model
from infocheck.judging.exit_codes import ExitCode, worst
from infocheck.judging.report_model import FleetReport, ReportError, RequirementResult, RunReport, TargetReport

PACKAGE = Path(__file__).resolve().parent.parent / "infocheck"


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """Real reports, as infocheck writes them: a conformant single run, a run stopped by a usage
    error, a fleet of a conformant and a faulty target (and each target's own report), and a
    merge of the fleet with the single run."""
    tmp = tmp_path_factory.mktemp("model")
    with serve() as good, serve(NoProviderName) as bad:
        single = run_suite(tmp / "eastus2", endpoint=good.url, html=False)
        stopped = run_suite(tmp / "stopped", "--max-requests", "lots", endpoint=good.url, html=False)
        fleet_file = tmp / "fleet.json"
        fleet_file.write_text(json.dumps({"targets": [
            {"name": "east", "endpoint": good.url, "api_key_env": "KEY_ONE"},
            {"name": "west", "endpoint": bad.url, "api_key_env": "KEY_ONE"}]}))
        fleet = run_suite(tmp / "fleet", "--fleet", str(fleet_file), key=None,
                          env={"KEY_ONE": KEY}, html=False)
    assert (single.code, stopped.code, fleet.code) == (0, 4, 1), (single.stderr[-800:], stopped.stderr[-800:],
                                                                  fleet.stdout[-1500:])
    # a single run's report merges as the target named after its folder
    alone = tmp / "eastus2" / "reports"
    named = tmp / "merge-in" / "eastus2"
    named.mkdir(parents=True)
    (named / "infocheck.json").write_bytes((alone / "infocheck.json").read_bytes())
    merged = tmp / "merged.json"
    assert infocheck(["merge", str(tmp / "fleet" / "reports" / "infocheck.json"),
                      str(named / "infocheck.json"), "--json", str(merged)]) == 1
    found = {"single": alone / "infocheck.json", "stopped": tmp / "stopped" / "reports" / "infocheck.json",
             "fleet": tmp / "fleet" / "reports" / "infocheck.json", "merge": merged}
    for target in ("east", "west"):
        found[f"target {target}"] = tmp / "fleet" / "reports" / "targets" / target / "infocheck.json"
    assert all(p.is_file() for p in found.values()), found
    return found


def written(report) -> str:
    """The model written back as infocheck writes the file (the document and a newline)."""
    return report.to_json() + "\n"


# -- round trips ----------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["single", "stopped", "fleet", "target east", "target west"])
def test_a_real_report_reads_into_the_model_and_writes_back_byte_for_byte(reports, kind):
    text = reports[kind].read_text(encoding="utf-8")
    report = report_model.read(reports[kind])
    assert isinstance(report, FleetReport if kind == "fleet" else RunReport)
    assert written(report) == text
    assert report_model.from_json(json.loads(text)).to_dict() == json.loads(text)


def test_a_merge_reads_into_the_model_and_streams_back_byte_for_byte(reports):
    text = reports["merge"].read_text(encoding="utf-8")
    report = report_model.read(reports["merge"])
    out = io.StringIO()
    report_model.write_streamed(out, report, report.targets)
    assert out.getvalue() == text
    # its targets in the fleet file's order, the single run's last, each at its place
    assert [(t.name, t.index) for t in report.targets] == [("east", 1), ("west", 2), ("eastus2", 3)]


def test_the_model_is_typed_and_frozen(reports):
    fleet = report_model.read(reports["fleet"])
    assert fleet.exit_code is ExitCode.NOT_CONFORMANT and fleet.schema_version == report_model.SCHEMA_VERSION
    east, west = fleet.targets
    assert isinstance(east, TargetReport) and isinstance(west.result, RunReport)
    assert (east.exit_code, west.exit_code) == (ExitCode.CONFORMANT, ExitCode.NOT_CONFORMANT)
    assert all(isinstance(r, RequirementResult) for r in west.result.requirements)
    assert all(isinstance(t, report_model.TestResult) and t.target == "west" for t in west.result.results)
    failed = {r.id for r in west.result.requirements if r.verdict == "failed"}
    assert "SHAPE-MODELINFO" in failed
    with pytest.raises(dataclasses.FrozenInstanceError):
        fleet.exit_code = 0
    plain = west.to_dict()
    plain["result"]["requirements"][0]["verdict"] = "passed"      # a copy: the model is unchanged
    assert west.to_dict()["result"]["requirements"][0]["verdict"] == west.result.requirements[0].verdict
    stopped = report_model.read(reports["stopped"])
    assert stopped.exit_code is ExitCode.USAGE and stopped.contract is report_model.ABSENT
    assert "contract" not in stopped.to_dict()          # a member it does not have stays out


# -- untrusted input ------------------------------------------------------------------------------

def test_a_report_that_is_not_one_is_a_report_error_naming_the_file(tmp_path, reports):
    doc = json.loads(reports["single"].read_text(encoding="utf-8"))
    cases = {"verdict": dict(doc, verdict="CONFORMANT", exit_code=1),
             "exit_code": dict(doc, exit_code=7),
             "members": dict(doc, extra=True),
             "number": dict(doc, duration_seconds=10 ** 15)}
    fleet = json.loads(reports["fleet"].read_text(encoding="utf-8"))
    cases["schema_version"] = dict(fleet, schema_version=2)
    cases["fleet code"] = dict(fleet, exit_code=0, verdict="CONFORMANT")
    for name, bad in cases.items():
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(bad))
        with pytest.raises(ReportError, match="not an infocheck") as raised:
            report_model.read(path)
        assert path.name in str(raised.value), name
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 50 + "]" * 50)
    with pytest.raises(ReportError):
        report_model.read(deep)
    with pytest.raises(ReportError):
        report_model.read(reports["single"], 100)       # over the limit given


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                    max_leaves=20)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_whatever_a_report_holds_it_is_the_model_or_a_report_error(reports, data):
    """A real report with any member replaced by any JSON value, or any bytes at all: the model
    or one ReportError, never another exception."""
    kind = data.draw(st.sampled_from(["single", "fleet"]))
    doc = json.loads(reports[kind].read_text(encoding="utf-8"))
    place = doc
    for _ in range(data.draw(st.integers(0, 4))):
        if isinstance(place, dict) and place:
            key = data.draw(st.sampled_from(sorted(place)))
        elif isinstance(place, list) and place:
            key = data.draw(st.integers(0, len(place) - 1))
        else:
            break
        if not isinstance(place[key], (dict, list)):
            break
        place = place[key]
    if isinstance(place, dict):
        place[data.draw(st.sampled_from(sorted(place) + ["other"]))] = data.draw(JSON)
    elif isinstance(place, list) and place:
        place[data.draw(st.integers(0, len(place) - 1))] = data.draw(JSON)
    raw = data.draw(st.sampled_from([json.dumps(doc).encode(), data.draw(st.binary(max_size=64))]))
    try:
        report = report_model.parse(raw, "hostile.json")
    except ReportError as error:
        assert "\n" not in str(error)
        return
    assert report.to_dict() == json.loads(raw)


# -- one reader and writer ----------------------------------------------------------------------

READS_JSON = {("json", "load"), ("json", "loads"), ("json", "dump"), ("json", "dumps"),
              ("files", "load_json"), ("strict_json", "loads")}
# JSON that is not a report: the channel's secret lines and same-as hand-over; diff's changes.
NOT_A_REPORT = {("fleet/channel.py", "dumps"), ("fleet/channel.py", "loads"), ("fleet/channel.py", "dump"),
                ("merge_diff.py", "dumps")}


def test_no_module_of_the_reporter_fleet_merge_or_diff_reads_or_writes_json_but_through_the_model():
    """The four users of infocheck.json (reports/json_report.py, fleet/run.py, merge and diff:
    fleet/reading.py, merge.py, diffing.py and their commands, merge_diff.py; and the fleet's
    model) hold no json.load(s)/dump(s) or the loader's load_json of their own: a report is
    read and written by judging/report_model.py."""
    found = []
    users = [*sorted((PACKAGE / "reports").rglob("*.py")), *sorted((PACKAGE / "fleet").rglob("*.py")),
             PACKAGE / "merge_diff.py"]
    for path in users:
        shown = path.relative_to(PACKAGE).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name)
                    and (node.func.value.id, node.func.attr) in READS_JSON
                    and (shown, node.func.attr) not in NOT_A_REPORT):
                found.append(f"{shown}:{node.lineno}: {node.func.value.id}.{node.func.attr}")
    assert found == []
    merge = (PACKAGE / "merge_diff.py").read_text(encoding="utf-8")
    assert merge.count("json.dumps(") == 1 and "json.dumps(changes" in merge   # diff's own output


# -- exit codes are one enumeration -----------------------------------------------------------

def test_no_exit_code_is_a_number_of_its_own():
    """Every EXIT_* name in the package is a member of ExitCode, not a literal of its own."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign):
                names = [n for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name)]
                values = [v for v in ast.walk(node.value) if isinstance(v, ast.Constant)
                          and isinstance(v.value, int) and not isinstance(v.value, bool)]
                if any(n.id.startswith("EXIT_") for n in names) and values:
                    found.append(f"{path.relative_to(PACKAGE).as_posix()}:{node.lineno}")
    assert found == []
    from infocheck import cli
    from infocheck.judging import judge
    assert cli.EXIT_USAGE is judge.EXIT_USAGE is ExitCode.USAGE
    assert judge.VERDICTS == {c: c.verdict for c in ExitCode}
    assert [c.verdict for c in ExitCode] == ["CONFORMANT", "NOT CONFORMANT", "COULD NOT TEST",
                                              "INTERNAL ERROR", "USAGE ERROR"]
    assert [int(c) for c in ExitCode] == [0, 1, 2, 3, 4]
    assert json.dumps({"exit_code": ExitCode.USAGE}) == '{"exit_code": 4}' and f"{ExitCode.INTERNAL}" == "3"


def test_the_command_reads_the_enumeration_without_loading_the_judge():
    """cli.py's reason for not importing the judge still holds: --help and a mistyped option
    start without loading judging/judge.py or the model."""
    code = ("import sys, infocheck.cli; "
            "print(sorted(m for m in sys.modules if m.startswith('infocheck.judging')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['infocheck.judging', 'infocheck.judging.exit_codes']"


@given(st.lists(st.sampled_from(list(ExitCode)), max_size=6))
def test_the_worst_of_exit_codes_ranks_usage_then_must_then_internal_then_untestable(codes):
    rank = [ExitCode.USAGE, ExitCode.NOT_CONFORMANT, ExitCode.INTERNAL, ExitCode.UNTESTABLE, ExitCode.CONFORMANT]
    assert worst(codes) == min(codes, key=rank.index, default=ExitCode.CONFORMANT)


# -- the echo of a neighbour's credential is judged in judging/ --------------------------------

def test_an_echoed_neighbour_credential_fails_the_contracts_no_echo_requirement(reports):
    fleet = report_model.read(reports["fleet"])
    east = fleet.targets[0].to_dict()
    from infocheck import contracts
    echo = contracts.get(east["result"]["contract"]).catalogue.echo
    judged = echoes.echoed_elsewhere(east, lambda contract: echo)
    assert (judged["exit_code"], judged["verdict"]) == (ExitCode.NOT_CONFORMANT, "NOT CONFORMANT")
    requirement = next(r for r in judged["result"]["requirements"] if r["id"] == echo)
    assert requirement["verdict"] == "failed" and echoes.ECHO_MESSAGE in requirement["messages"][0]
    assert TargetReport.from_dict(judged).result.exit_code is ExitCode.NOT_CONFORMANT
    misused = dict(east, result=dict(east["result"], exit_code=4, verdict="USAGE ERROR"))
    assert echoes.echoed_elsewhere(misused, lambda contract: echo)["exit_code"] == ExitCode.USAGE
    assert echoes.echoed_elsewhere(dict(east, result=None), lambda contract: echo)["result"] is None


def test_a_fleet_reads_each_targets_report_through_the_model(tmp_path, reports):
    """A target's infocheck.json is the model or no result: a document that is not an infocheck
    report (a truncated one, one a schema refuses) is the target's own failure, said in words,
    never a result the fleet summarizes and judges."""
    from infocheck.fleet.run import FleetRun
    folder = tmp_path / "west"
    folder.mkdir()
    path = folder / "infocheck.json"
    path.write_bytes(reports["target west"].read_bytes())
    result, problem = FleetRun._result(None, path, 1)
    assert problem == "" and result == json.loads(reports["target west"].read_text(encoding="utf-8"))
    for text in ('{"verdict": "CONFORMANT", "exit_code": 0}', reports["single"].read_text()[:-40]):
        path.write_text(text)
        result, problem = FleetRun._result(None, path, 0)
        assert result is None and "its result cannot be read" in problem and "west/output.txt" in problem
    path.unlink()
    result, problem = FleetRun._result(None, path, 3)
    assert result is None and "left no result" in problem
