"""merge judges a report from its results, and its words make it worse, never better (issue 24),
found still to hold three ways to a pass, trying to break it with reports valid against the
schema:

- a report whose results all passed, but whose requirement rows say a MUST failed, merged
  CONFORMANT (exit 0) while its page showed that MUST failed;
- the judge's positive-request rule never applied: the catalogue merge rebuilt from a report
  had no positive requirement, so a report whose positive request (SHAPE-200) was skipped
  merged CONFORMANT where its run would have ended COULD NOT TEST;
- results that declare no requirement the report records (a single made-up passed result)
  merged CONFORMANT, though nothing shows a check ran."""
from __future__ import annotations

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from harness import conformant_report
from infocheck.cli import main as infocheck
from infocheck.fleet import rejudge


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """A real report of a conformant served endpoint."""
    return conformant_report(tmp_path_factory.mktemp("words"))


def merged(tmp_path, capsys, document) -> tuple[int, dict, str]:
    path = tmp_path / "eastus2" / "infocheck.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document))
    code = infocheck(["merge", str(path), "--json", str(tmp_path / "m.json")])
    said = capsys.readouterr()
    [target] = json.loads((tmp_path / "m.json").read_text())["targets"]
    return code, target, said.out + said.err


def test_the_genuine_report_still_merges_conformant(tmp_path, capsys, report):
    code, target, said = merged(tmp_path, capsys, report)
    assert code == 0 and target["exit_code"] == 0, said


def test_a_must_its_report_says_failed_is_not_conformant_whatever_its_results_say(tmp_path, capsys, report):
    lie = copy.deepcopy(report)
    must = next(r for r in lie["requirements"] if r["level"] == "MUST" and r["id"] != "SHAPE-200")
    must["verdict"] = "failed"
    code, target, said = merged(tmp_path, capsys, lie)
    assert code == 1 and target["exit_code"] == 1 and target["verdict"] == "NOT CONFORMANT", said
    assert {r["id"]: r["verdict"] for r in target["result"]["requirements"]}[must["id"]] == "failed"
    assert f"its report records {must['id']} failed" in target["problem"]


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_whichever_requirements_the_words_say_failed_the_target_never_passes(report, data):
    lie = copy.deepcopy(report)
    chosen = data.draw(st.lists(st.sampled_from([r["id"] for r in lie["requirements"]]), min_size=1,
                                unique=True))
    for r in lie["requirements"]:
        if r["id"] in chosen:
            r["verdict"] = "failed"
    code, _, verdicts = rejudge.from_results(lie)
    assert code == 1 and all(verdicts[i] == "failed" for i in chosen)


def test_a_skipped_positive_request_is_could_not_test_as_in_the_run(tmp_path, capsys, report):
    lie = copy.deepcopy(report)
    positive = [r for r in lie["results"] if "SHAPE-200" in r["requirements"]]
    assert positive
    for r in positive:
        r["outcome"] = "skipped"
    code, target, said = merged(tmp_path, capsys, lie)
    assert code == 2 and target["exit_code"] == 2 and target["verdict"] == "COULD NOT TEST", said


@pytest.mark.parametrize("results", ["one made-up result", "every result stripped of its requirements"])
def test_results_that_check_no_requirement_it_records_are_never_a_pass(tmp_path, capsys, report, results):
    lie = copy.deepcopy(report)
    if results == "one made-up result":
        lie["results"] = [dict(lie["results"][0], test="x.py::test_x", requirements=[], levels=[])]
    else:
        for r in lie["results"]:
            r.update(requirements=[], levels=[])
    code, target, said = merged(tmp_path, capsys, lie)
    assert code == 2 and target["exit_code"] == 2, said
    assert "none of its test results checks a requirement it records" in target["problem"]
