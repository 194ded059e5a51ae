"""Survivors of the mutation runs of the judging modules after the split (issue 25), each killed
by a test of behaviour: the judge, the shipped and team catalogues and a policy's levels, and the
typed model of infocheck.json."""
from __future__ import annotations

import dataclasses
import io
import json

import pytest

from infocheck.judging import report_model
from infocheck.judging.catalogue import builtin
from infocheck.judging.exit_codes import ExitCode, worst
from infocheck.judging.judge import judge
from infocheck.judging.outcome import TestOutcome
from infocheck.judging.policy import Policy
from infocheck.judging.report_model import (ABSENT, FleetReport, ReportError, RequirementResult, RunReport,
                                            TargetReport)
from infocheck.judging.report_model import TestResult as OneResult   # not collected as a test class


# -- judging/judge.py -------------------------------------------------------------------------------

@pytest.mark.parametrize("status", [1, ExitCode.NOT_CONFORMANT])
def test_a_session_pytest_failed_without_a_result_stays_failed(status):
    """No test reported a result, but pytest says the session failed (a collection error of a
    team's file): that failure is the run's, never lightened to 'could not test'."""
    assert judge(status, [], Policy(builtin())) == ExitCode.NOT_CONFORMANT


@pytest.mark.parametrize("status", [0, ExitCode.CONFORMANT])
def test_a_session_that_passed_without_a_result_could_not_test_whatever_the_statuss_type(status):
    """pytest's status as a plain 0 or as the enumeration's member: no result is never 0."""
    assert judge(status, [], Policy(builtin())) == ExitCode.UNTESTABLE
    positive = TestOutcome("t::positive", (builtin().positive,), "passed")
    assert judge(status, [positive], Policy(builtin())) == ExitCode.CONFORMANT


# -- judging/report_model.py ------------------------------------------------------------------------
# On documents made here (no suite run, no fleet): these run first in report_model.py's mutation
# target, so that a mutant they kill costs no fleet run (test_report_model.py's fixture).

def run_document(verdict="CONFORMANT", exit_code=0, **members) -> dict:
    """A single run's infocheck.json, every member in the writer's order (a test with one
    requirement, one result)."""
    doc = {"infocheck": "1.2.0", "contract": "info", "endpoint": "https://h/info", "verdict": verdict,
           "exit_code": exit_code, "explanation": "every MUST requirement checked passed",
           "embedded_server": False, "started": "2026-12-03T10:00:00+00:00", "duration_seconds": 1.5,
           "requests": {"sent": 3, "throttled": 0, "waited_seconds": 0.0},
           "configuration": {"endpoint": "https://h/info", "api key": "***"}, "policy": {},
           "fail_on_should": False, "waivers": [], "api_versions": ["2024-05-01-preview"],
           "discovered_versions": {}, "notices": ["Sunset: é"], "identity": {"model_name": "m"},
           "left_out": [],
           "requirements": [{"id": "SHAPE-200", "level": "MUST", "area": "response shape",
                             "statement": "It answers 200.", "source": "spec", "catalogue": "infocheck",
                             "verdict": "passed", "by_version": {"2024-05-01-preview": "passed"},
                             "tests": ["suites/info/test_shape.py::test_200"], "messages": [],
                             "exchanges": [], "waiver": None}],
           "expired_waivers": [],
           "results": [{"test": "suites/info/test_shape.py::test_200", "api_version": "2024-05-01-preview",
                        "requirements": ["SHAPE-200"], "levels": ["MUST"], "outcome": "passed",
                        "failed_requirements": [], "summary": ""}]}
    doc.update(members)
    return doc


def target_document(name, index, exit_code, result, problem=None) -> dict:
    verdict = ExitCode(exit_code).verdict
    return {"name": name, "index": index, "verdict": verdict, "exit_code": exit_code,
            "endpoint": f"https://{name}/info", "detail": f"targets/{name}/infocheck.html",
            "problem": problem, "result": result}


def fleet_document(*targets, **members) -> dict:
    codes = [t["exit_code"] for t in targets]
    code = worst(codes + ([ExitCode.UNTESTABLE] if members.get("missing") else []))
    doc = {"infocheck": "1.2.0", "report": "fleet", "schema_version": 1, "verdict": ExitCode(code).verdict,
           "exit_code": int(code), "explanation": "as its targets give → é", "slice": None,
           "counts": {}, "fleet": {"targets": 2, "slices": 1, "names_sha256": "a" * 64}}
    doc.update(members)
    doc["targets"] = list(targets)
    return doc


def two_targets(**members) -> dict:
    return fleet_document(target_document("east", 1, 0, run_document()),
                          target_document("west", 2, 3, None, problem="its run left no result"), **members)


def test_absent_is_one_falsy_value_that_says_what_it_is():
    assert report_model._Absent() is ABSENT and report_model._Absent() is report_model._Absent()
    assert repr(ABSENT) == "ABSENT" and not ABSENT and bool(ABSENT) is False


def test_an_exit_code_reads_as_the_enumeration_and_anything_else_as_it_is():
    assert report_model._code(1) is ExitCode.NOT_CONFORMANT and report_model._code(4) is ExitCode.USAGE
    assert report_model._code(True) is True and report_model._code(False) is False   # a bool is no code
    assert report_model._code(7) == 7 and not isinstance(report_model._code(7), ExitCode)
    assert report_model._code("x") == "x"


def test_a_run_document_is_the_typed_model_and_writes_back_exactly():
    doc = run_document()
    report = report_model.from_json(json.loads(json.dumps(doc)), "r.json")
    assert isinstance(report, RunReport) and report.exit_code is ExitCode.CONFORMANT
    assert report.api_versions == ("2024-05-01-preview",) and report.left_out == () and report.notices == ("Sunset: é",)
    requirement, = report.requirements
    assert isinstance(requirement, RequirementResult) and requirement.tests == ("suites/info/test_shape.py::test_200",)
    assert requirement.messages == () and requirement.exchanges == () and requirement.waiver is None
    result, = report.results
    assert isinstance(result, OneResult) and result.requirements == ("SHAPE-200",) and result.levels == ("MUST",)
    assert result.failed_requirements == () and result.expired_waiver is ABSENT and result.target is ABSENT
    plain = report.to_dict()
    assert plain == doc and list(plain) == list(doc)
    assert type(plain["exit_code"]) is int and type(plain["api_versions"]) is list
    assert type(plain["results"][0]["requirements"]) is list
    assert report.to_json() == json.dumps(doc, indent=2, ensure_ascii=False)
    assert '"Sunset: é"' in report.to_json() and '\n  "verdict": "CONFORMANT",\n' in report.to_json()


def test_every_model_is_frozen():
    fleet = report_model.from_json(two_targets())
    east = fleet.targets[0]
    run = east.result
    for model, member in ((fleet, "verdict"), (east, "name"), (run, "verdict"), (run.requirements[0], "verdict"),
                          (run.results[0], "outcome")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(model, member, "changed")
        assert getattr(model, member) != "changed"


def test_a_members_absence_stays_out_and_the_models_copies_are_its_own():
    doc = run_document()
    for gone in ("contract", "endpoint", "embedded_server", "results", "notices", "left_out"):
        del doc[gone]
    report = RunReport.from_dict(doc)
    assert report.contract is ABSENT and report.results is ABSENT and report.notices is ABSENT
    assert report.to_dict() == doc and "contract" not in report.to_dict()
    plain = report.to_dict()
    plain["configuration"]["endpoint"] = "changed"
    plain["requirements"][0]["by_version"]["x"] = "failed"
    plain["api_versions"].append("other")
    assert report.to_dict() == doc                    # what a caller changes is a copy
    nested = {"a": [1, {"b": (2, 3)}], "c": ExitCode.USAGE}
    copied = report_model._plain(nested)
    assert copied == {"a": [1, {"b": [2, 3]}], "c": 4} and type(copied["c"]) is int
    assert copied["a"] is not nested["a"] and copied["a"][1] is not nested["a"][1]


def test_a_fleet_document_is_the_typed_model_and_writes_and_streams_exactly():
    doc = two_targets()
    report = report_model.from_json(json.loads(json.dumps(doc)), "f.json")
    assert isinstance(report, FleetReport) and report.exit_code is ExitCode.INTERNAL
    east, west = report.targets
    assert isinstance(east, TargetReport) and isinstance(east.result, RunReport) and west.result is None
    assert (east.exit_code, west.exit_code) == (ExitCode.CONFORMANT, ExitCode.INTERNAL)
    assert report.to_dict() == doc and json.loads(report.to_json()) == doc
    streamed = io.StringIO()   # a fleet run writes its document as a merge streams it
    report_model.write_streamed(streamed, report, report.targets)
    assert report.to_json() + "\n" == streamed.getvalue()
    assert report.to_json().endswith('\n    ' + west.to_line() + '\n  ]\n}')
    assert "→ é" in report.to_json() and "→ é" in report.head_json()
    head = dict(doc)
    del head["targets"]
    assert report.head_json() == json.dumps(head, indent=2, ensure_ascii=False)
    assert east.to_line() == json.dumps(doc["targets"][0], ensure_ascii=False) and "\n" not in east.to_line()
    assert report_model.target_from_line(west.to_line().encode()) == west
    assert report_model.target_from_line(east.to_line().encode()).result == east.result
    out = io.StringIO()
    report_model.write_streamed(out, report, report.targets)
    text = out.getvalue()
    assert text == (json.dumps(head, indent=2, ensure_ascii=False)[:-2] + ',\n  "targets": [\n    '
                    + east.to_line() + ",\n    " + west.to_line() + "\n  ]\n}\n")
    assert json.loads(text) == doc
    out = io.StringIO()
    report_model.write_streamed(out, report, [])
    assert json.loads(out.getvalue()) == dict(head, targets=[])
    assert out.getvalue().endswith('"targets": [\n  ]\n}\n')


def test_a_fleet_report_missing_a_slice_is_judged_with_it():
    doc = fleet_document(target_document("east", 1, 0, run_document()), missing=["2/2"])
    assert doc["exit_code"] == 2
    assert report_model.from_json(doc).exit_code is ExitCode.UNTESTABLE
    with pytest.raises(ReportError, match="its exit code 0 is not the one its targets' give"):
        report_model.from_json(dict(doc, exit_code=0, verdict="CONFORMANT"), "f.json")
    with pytest.raises(ReportError, match="its exit code 4 is not the one its targets' give"):   # nor worse
        report_model.from_json(dict(doc, exit_code=4, verdict="USAGE ERROR"), "f.json")


def test_what_a_schema_cannot_say_is_a_report_error_naming_where():
    with pytest.raises(ReportError, match=r"^f\.json: target east: not an infocheck report: the verdict "
                                          r"'CONFORMANT' is not what exit code 1 means$"):
        doc = two_targets()
        doc["targets"][0]["exit_code"] = 1
        report_model.from_json(doc, "f.json")
    with pytest.raises(ReportError, match=r"^f\.json: target east's result: not an infocheck report: "
                                          r"the verdict 'CONFORMANT' is not what exit code 2 means$"):
        doc = two_targets()
        doc["targets"][0]["result"]["exit_code"] = 2
        report_model.from_json(doc, "f.json")
    with pytest.raises(ReportError, match=r"^f\.json: not an infocheck report: the verdict 'CONFORMANT' "
                                          r"is not what exit code 3 means$"):
        report_model.from_json(dict(two_targets(), verdict="CONFORMANT"), "f.json")
    with pytest.raises(ReportError, match=r"^r\.json: not an infocheck report: the verdict 'INTERRUPTED' "
                                          r"is not what exit code 0 means$"):
        report_model.from_json(run_document(verdict="INTERRUPTED"), "r.json")
    with pytest.raises(ReportError, match="is not what exit code 1 means"):
        report_model.from_json(run_document(exit_code=1), "r.json")


@pytest.mark.parametrize("number, fine", [(10 ** 12, True), (-10 ** 12, True), (10 ** 12 + 1, False),
                                          (-10 ** 12 - 1, False), (1e12, True), (1.5e12, False)])
def test_a_number_past_a_trillion_anywhere_is_out_of_range(number, fine):
    """Checked before the schema, wherever the number is (here in a list in an object in a list,
    where the schema would refuse any number)."""
    doc = run_document()
    doc["requirements"][0]["messages"] = [number]
    try:
        report_model.from_json(doc, "r.json")
        said = ""
    except ReportError as error:
        said = str(error)
    if fine:   # within range: the schema's word (messages are texts), not the range's
        assert said.startswith("r.json: not an infocheck report: requirements → 0 → messages → 0 is not what")
    else:
        assert said == ("r.json: not an infocheck report: the number at $.requirements[0].messages[0] is "
                        "out of any range a report has")


def test_a_number_no_range_holds_is_out_of_range_whatever_its_type():
    from decimal import Decimal
    for number in (Decimal("1e13"), float("nan"), float("inf"), -float("inf")):
        with pytest.raises(ReportError, match=r"^r\.json: not an infocheck report: the number at "
                                              r"\$\.duration_seconds is out of any range a report has$"):
            report_model.from_json(run_document(duration_seconds=number), "r.json")
    assert report_model.from_json(run_document(duration_seconds=Decimal("2.5"))).duration_seconds == Decimal("2.5")


def test_a_schema_violation_is_said_in_words_and_where():
    def said(doc) -> str:
        with pytest.raises(ReportError) as raised:
            report_model.from_json(doc, "r.json")
        return str(raised.value)

    doc = run_document()
    del doc["started"]
    assert said(doc) == "r.json: not an infocheck report: it has no started, which every infocheck report has"
    doc = run_document()
    del doc["requirements"][0]["waiver"]
    assert said(doc) == ("r.json: not an infocheck report: it has no waiver in requirements → 0, "
                         "which every infocheck report has")
    assert said(run_document(extra=1)) == "r.json: not an infocheck report: it has members no infocheck report has"
    doc = run_document()
    doc["requests"]["more"] = 1
    assert said(doc) == ("r.json: not an infocheck report: it has members no infocheck report has in requests")
    assert said(run_document(duration_seconds="long")).startswith(
        "r.json: not an infocheck report: duration_seconds is not what an infocheck report holds there ('long' is not of type")
    assert said([1]).startswith("r.json: not an infocheck report: the document is not what an infocheck "
                                "report holds there ([1] is not of type 'object')")
    fleet = two_targets()
    fleet["targets"][0]["name"] = "no spaces"
    assert said(fleet).startswith("r.json: not an infocheck fleet report: targets → 0 → name is not what an "
                                  "infocheck report holds there ('no spaces' does not match")
    fleet = two_targets(schema_version=2)
    assert said(fleet).startswith("r.json: not an infocheck fleet report: schema_version is not what")
    waived = run_document(waivers=[{"requirement": "X-Y", "test": "t", "reason": "r", "expires": "2026-12-31"}])
    assert said(waived).startswith("r.json: not an infocheck report: waivers → 0: ")   # oneOf: said as the schema says it
    assert len(said(run_document(duration_seconds="x" * 1000))) < 400 + len("r.json: not an infocheck report: ")


def test_a_required_member_a_document_lacks_is_named_even_when_the_instance_is_no_object():
    from types import SimpleNamespace
    problem = SimpleNamespace(absolute_path=["a", 0], validator="required", instance=[1],
                              validator_value=["x", "y"], message="m")
    assert report_model._in_words(problem) == "it has no x in a → 0, which every infocheck report has"
    present = SimpleNamespace(absolute_path=[], validator="required", instance={"x": 1},
                              validator_value=["x", "y"], message="m")
    assert report_model._in_words(present) == "it has no y, which every infocheck report has"
    none = SimpleNamespace(absolute_path=[], validator="required", instance={"x": 1, "y": 2},
                           validator_value=["x", "y"], message="m")
    assert report_model._in_words(none) == "it has no a member, which every infocheck report has"
    for name in ("type", "enum", "const", "pattern", "minimum", "maximum", "minItems"):
        other = SimpleNamespace(absolute_path=[], validator=name, instance=1, validator_value=1, message="m")
        assert report_model._in_words(other) == "the document is not what an infocheck report holds there (m)"
    odd = SimpleNamespace(absolute_path=["w"], validator="oneOf", instance=1, validator_value=1, message="m\nx")
    assert report_model._in_words(odd) == "w: m\\nx"


def test_reading_a_report_is_bounded_and_names_the_file(tmp_path):
    path = tmp_path / "r.json"
    path.write_text(json.dumps(run_document()), encoding="utf-8")
    assert isinstance(report_model.read(path), RunReport)
    with pytest.raises(ReportError, match=r"^shown\.json: not an infocheck report: the verdict"):
        path.write_text(json.dumps(run_document(exit_code=1)), encoding="utf-8")
        report_model.read(path, shown="shown.json")
    with pytest.raises(ReportError, match="r.json"):
        report_model.read(tmp_path / "absent" / "r.json")
    from infocheck.configuration import files
    with pytest.raises(ReportError) as raised:                            # named as files name it
        report_model.read(path)
    assert str(raised.value).startswith(f"{files.where(path)}: not an infocheck report: the verdict")
    path.write_text(json.dumps(run_document()), encoding="utf-8")
    size = path.stat().st_size
    assert isinstance(report_model.read(path, size), RunReport)           # at the limit: read
    with pytest.raises(ReportError, match="over"):
        report_model.read(path, size - 1)                                 # one past it: refused


def test_a_report_nested_past_sixteen_levels_is_refused_before_it_is_parsed():
    def nested(levels: int) -> bytes:
        doc = run_document()
        doc["requirements"][0]["waiver"] = None
        inner = "[" * (levels - 4) + "]" * (levels - 4)   # in an object, a list, an object, a list
        text = json.dumps(doc).replace('"messages": []', f'"messages": [{inner}]')
        return text.encode()
    from infocheck.wire import strict_json
    assert [strict_json.depth(nested(n)) for n in (16, 17)] == [16, 17]
    with pytest.raises(ReportError, match="nested more than 16 levels"):
        report_model.parse(nested(17), "r.json")
    try:
        report_model.parse(nested(16), "r.json")
    except ReportError as error:
        assert "nested" not in str(error)
    with pytest.raises(ReportError, match=r"^r\.json: the report is not valid JSON"):
        report_model.parse(b"{", "r.json")


@pytest.mark.parametrize("length", [300, 301])
def test_a_schema_violation_is_said_whole_up_to_300_characters_and_cut_past_them(length):
    from types import SimpleNamespace
    message = "m" * (length - len("the document: "))
    problem = SimpleNamespace(absolute_path=[], validator="oneOf", instance=1, validator_value=1, message=message)
    said = f"the document: {message}"
    assert report_model._in_words(problem) == (said if length == 300 else f"{said[:300]}… (301 characters)")


@pytest.mark.parametrize("length", [200, 201])
def test_where_a_number_is_out_of_range_is_said_whole_up_to_200_characters_and_cut_past_them(length):
    key = "k" * (length - len("$.configuration."))
    where = f"$.configuration.{key}"
    with pytest.raises(ReportError) as raised:
        report_model.from_json(run_document(configuration={key: 10 ** 13}), "r.json")
    shown = where if length == 200 else f"{where[:200]}… (201 characters)"
    assert str(raised.value) == f"r.json: not an infocheck report: the number at {shown} is out of any range a report has"


def test_a_report_past_256_mib_is_refused(tmp_path):
    """The limit docs/safety.md names for a report to merge (read after everything else here:
    it reads 256 MiB)."""
    big = tmp_path / "big.json"
    with open(big, "wb") as out:                                          # sparse where it can be
        out.truncate(256 * 1024 * 1024 + 1)
    with pytest.raises(ReportError, match=r"big\.json: the report is over 256 MiB"):
        report_model.read(big)
