"""merge and diff never trust a report's own words, and never miss lost coverage (issue 24).

merge judges every target again from its recorded results with the run's judge (a report's
verdict, exit code and requirement verdicts can make a target worse, never better); a merge
that lacks slices of a sliced fleet names them and is COULD NOT TEST, exit 2; a run of the
embedded reference server is never a pass. diff counts a requirement checked before and not
now as a regression, and compares two single runs by the endpoint they checked."""
import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from faults import NoProviderName
from harness import KEY, run_suite, serve
from infocheck.bundle import validator
from infocheck.cli import main as infocheck
from infocheck.fleet import merge, model


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Real reports: a conformant endpoint checked whole and with -m "not auth", a faulty one,
    and slice 1/2 of a fleet of two."""
    tmp = tmp_path_factory.mktemp("runs")
    with serve() as good, serve(NoProviderName) as bad:
        found = {"whole": run_suite(tmp / "whole", endpoint=good.url, html=False),
                 "not-auth": run_suite(tmp / "not-auth", "-m", "not auth", endpoint=good.url, html=False),
                 "faulty": run_suite(tmp / "faulty", endpoint=bad.url, html=False)}
        fleet = tmp / "fleet.json"
        fleet.write_text(json.dumps({"targets": [
            {"name": "east", "endpoint": good.url, "api_key_env": "KEY_ONE"},
            {"name": "west", "endpoint": good.url, "api_key_env": "KEY_ONE"}]}))
        found["slice"] = run_suite(tmp / "slice", "--fleet", str(fleet), "--fleet-slice", "1/2",
                                   key=None, env={"KEY_ONE": KEY}, html=False)
    assert [found[n].code for n in ("whole", "not-auth", "faulty", "slice")] == [0, 0, 1, 0], \
        {n: r.stdout[-1500:] for n, r in found.items()}
    return {name: run.report for name, run in found.items()}


def write(tmp_path, document, folder) -> str:
    path = tmp_path / folder / "infocheck.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document))
    return str(path)


def run(capsys, *args) -> tuple[int, str]:
    code = infocheck(list(args))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def says_conformant(report: dict) -> dict:
    """A report whose every verdict word says CONFORMANT, around whatever results it holds."""
    lie = copy.deepcopy(report)
    lie.update(verdict="CONFORMANT", exit_code=0, explanation="every MUST requirement checked passed")
    for r in lie["requirements"]:
        r["verdict"] = "passed"
        r["by_version"] = {v: "passed" for v in r["by_version"]}
    return lie


# -- merge judges from the results ----------------------------------------------------------------

def test_a_single_run_that_says_conformant_around_a_failed_must_merges_not_conformant(tmp_path, capsys, runs):
    code, said = run(capsys, "merge", write(tmp_path, says_conformant(runs["faulty"]), "eastus2"),
                     "--json", str(tmp_path / "m.json"))
    assert code == 1, said
    [target] = json.loads((tmp_path / "m.json").read_text())["targets"]
    assert (target["verdict"], target["exit_code"]) == ("NOT CONFORMANT", 1)
    assert "its report says CONFORMANT (exit 0); its results give NOT CONFORMANT (exit 1): " \
           "failed SHAPE-MODELINFO" in target["problem"]
    assert {r["id"]: r["verdict"] for r in target["result"]["requirements"]}["SHAPE-MODELINFO"] == "failed"
    assert "fleet: NOT CONFORMANT" in said


def test_a_fleet_entry_that_says_conformant_around_a_failing_result_merges_not_conformant(tmp_path, capsys, runs):
    entry = dict(model.target_entry("west", copy.deepcopy(runs["faulty"])), verdict="CONFORMANT", exit_code=0)
    doc = model.document([entry])
    assert (doc["verdict"], doc["exit_code"]) == ("CONFORMANT", 0)   # every word of it says so
    code, said = run(capsys, "merge", write(tmp_path, doc, "in"))
    assert code == 1 and "west" in said and "failed SHAPE-MODELINFO" in said, said


@pytest.mark.parametrize("outcome", ["waived", "finding", "passed"])
def test_a_failed_must_recorded_as_waived_or_a_finding_is_settled_again(tmp_path, capsys, runs, outcome):
    lie = says_conformant(runs["faulty"])
    for result in lie["results"]:
        if result["outcome"] == "failed":
            result["outcome"] = outcome   # no waiver recorded; SHAPE-MODELINFO is a MUST
            result["levels"] = ["SHOULD"] * len(result["levels"])
    for r in lie["requirements"]:
        r["level"] = "SHOULD"
    assert run(capsys, "merge", write(tmp_path, lie, "a"))[0] == 1


def test_a_recorded_waiver_still_waives(tmp_path, capsys, runs):
    report = copy.deepcopy(runs["faulty"])
    report["waivers"] = [{"requirement": "SHAPE-MODELINFO", "reason": "known", "expires": "2999-01-01"}]
    for result in report["results"]:
        if result["outcome"] == "failed":
            result["outcome"] = "waived"
    assert run(capsys, "merge", write(tmp_path, says_conformant(report), "a"))[0] == 0
    report["waivers"][0]["expires"] = "2001-01-01"   # expired before the run: the run fails
    assert run(capsys, "merge", write(tmp_path, says_conformant(report), "b"))[0] == 1


def test_a_report_without_results_is_not_a_pass(tmp_path, capsys, runs):
    bare = {k: v for k, v in runs["whole"].items() if k != "results"}
    code, said = run(capsys, "merge", write(tmp_path, bare, "a"))
    assert code == 2 and "nothing shows a check ran" in said, said


def test_a_run_of_the_embedded_reference_server_is_never_a_pass(tmp_path, capsys, runs):
    assert run(capsys, "merge", write(tmp_path, runs["whole"], "a"))[0] == 0
    assert runs["whole"]["embedded_server"] is False and runs["whole"]["endpoint"].startswith("http://127.0.0.1:")
    embedded = dict(runs["whole"], embedded_server=True)
    code, said = run(capsys, "merge", write(tmp_path, embedded, "b"))
    assert code == 2 and "embedded reference server, not an endpoint" in said, said


# -- merge knows the slices it lacks ---------------------------------------------------------------

def test_a_sliced_run_records_its_fleet_and_a_merge_of_its_slice_alone_names_the_missing_one(tmp_path, capsys, runs):
    doc = runs["slice"]
    assert doc["slice"] == "1/2" and doc["fleet"]["targets"] == 2 and doc["fleet"]["slices"] == 2
    assert [(t["name"], t["index"]) for t in doc["targets"]] == [("east", 1)]
    code, said = run(capsys, "merge", write(tmp_path, doc, "reports-1"), "--json", str(tmp_path / "m.json"),
                     "--html", str(tmp_path / "m.html"))
    assert code == 2, said
    merged = json.loads((tmp_path / "m.json").read_text())
    assert (merged["verdict"], merged["missing"]) == ("COULD NOT TEST", ["2/2"])
    assert not list(validator("infocheck-fleet").iter_errors(merged))
    assert "slice(s) 2/2 of the fleet" in said and "every target is conformant" not in said
    page = (tmp_path / "m.html").read_text()
    assert "the whole fleet" not in page and "slice(s) 2/2 missing" in page
    # merged again, the merge still lacks the slice
    assert run(capsys, "merge", str(tmp_path / "m.json"))[0] == 2


def slices(report, names, n, ks, fleet=True):
    """Fleet reports of slices ks of n of a fleet of `names`, each target the given report."""
    found = []
    for k in ks:
        entries = [model.target_entry(name, copy.deepcopy(report), index=i)
                   for i, name in enumerate(names, 1) if (i - 1) % n == k - 1]
        found.append(model.document(entries, f"{k}/{n}", fleet=model.fleet_identity(names, n) if fleet else None))
    return found


@pytest.mark.parametrize("n, ks, fleet, missing", [
    (4, (1, 3), True, ["2/4", "4/4"]),
    (4, (1, 2, 3, 4), True, []),
    (2, (2,), False, ["1/2"]),            # a report from before the fleet record: by slice number
    (2, (1, 2), False, []),
])
def test_a_merge_lacking_slices_names_them_and_is_could_not_test(tmp_path, capsys, runs, n, ks, fleet, missing):
    names = [f"t{i}" for i in range(1, 7)]
    paths = [write(tmp_path, doc, f"s{k}") for k, doc in zip(ks, slices(runs["whole"], names, n, ks, fleet))]
    code, said = run(capsys, "merge", *paths, "--json", str(tmp_path / "m.json"))
    merged = json.loads((tmp_path / "m.json").read_text())
    assert (code, merged.get("missing", [])) == ((2, missing) if missing else (0, [])), said
    if missing:
        assert f"slice(s) {', '.join(missing)} of the fleet" in said


def test_slices_of_two_different_fleet_files_do_not_add_up(tmp_path, capsys, runs):
    [first] = slices(runs["whole"], ["a", "b"], 2, (1,))
    [second] = slices(runs["whole"], ["a", "c"], 2, (2,))   # the fleet file changed between jobs
    code, said = run(capsys, "merge", write(tmp_path, first, "one"), write(tmp_path, second, "two"))
    assert code == 2 and "2/2" in said and "1/2" in said, said


def test_a_hostile_fleet_size_costs_what_the_report_holds(tmp_path, capsys, runs):
    [doc] = slices(runs["whole"], ["a"], 1, (1,))
    doc["fleet"]["targets"] = 10 ** 9
    code, said = run(capsys, "merge", write(tmp_path, doc, "one"), "--json", str(tmp_path / "m.json"))
    missing = json.loads((tmp_path / "m.json").read_text())["missing"]
    assert code == 2 and missing[:2] == ["#2", "#3"] and missing[-1] == f"and {10 ** 9 - 11} more", said


# -- diff: lost coverage is a regression; single runs compare by endpoint --------------------------

def test_a_second_run_that_checks_less_is_a_regression_naming_each_requirement(tmp_path, capsys, runs):
    old = write(tmp_path, runs["whole"], "eastus2")
    new = write(tmp_path, runs["not-auth"], "eastus2-after")   # another folder, the same endpoint
    code, said = run(capsys, "diff", old, new, "--json", str(tmp_path / "d.json"))
    changes = json.loads((tmp_path / "d.json").read_text())
    left_out = set(runs["not-auth"]["left_out"])
    assert code == 1 and len(left_out) >= 5, said
    assert {c["requirement"] for c in changes["regressions"]} >= left_out
    assert all(c["target"] == "eastus2" for c in changes["regressions"])
    assert changes["new_targets"] == changes["removed_targets"] == []
    some = sorted(left_out)[0]
    assert f"REGRESSION: eastus2 {some}: passed → not run (no longer checked)" in said
    assert run(capsys, "diff", old, write(tmp_path, runs["whole"], "again"))[0] == 0


def test_single_runs_of_different_endpoints_have_nothing_to_compare(tmp_path, capsys, runs):
    code, said = run(capsys, "diff", write(tmp_path, runs["whole"], "a"), write(tmp_path, runs["faulty"], "b"))
    assert code == 4 and "diff compares two runs of one endpoint and contract" in said, said
    models = dict(runs["whole"], contract="models")
    assert run(capsys, "diff", write(tmp_path, runs["whole"], "c"), write(tmp_path, models, "d"))[0] == 4


def test_an_api_version_checked_before_and_not_now_is_a_regression(tmp_path, capsys, runs):
    before = dict(runs["whole"], api_versions=runs["whole"]["api_versions"] + ["2025-01-01"])
    code, said = run(capsys, "diff", write(tmp_path, before, "a"), write(tmp_path, runs["whole"], "b"))
    assert code == 1 and "REGRESSION: a api-version 2025-01-01: checked → not checked" in said, said


# -- hostile reports: self-consistent lies never pass, never break merge ---------------------------

LIES = st.fixed_dictionaries({
    "outcome": st.sampled_from(["failed", "waived", "finding", "error", "passed"]),
    "levels": st.booleans(), "words": st.booleans(), "fleet": st.booleans(),
    "waivers": st.sampled_from([None, [], [{"test": "elsewhere", "reason": "r", "expires": "2999-01-01"}]]),
    "fail_on_should": st.booleans(), "started": st.sampled_from(["2026-01-01T00:00:00+00:00", "not a date"]),
})


@settings(max_examples=40, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lie=LIES)
def test_a_report_lying_about_a_failed_must_never_merges_or_diffs_to_0_nor_breaks(tmp_path, capsys, runs, lie):
    report = says_conformant(runs["faulty"]) if lie["words"] else copy.deepcopy(runs["faulty"])
    for result in report["results"]:
        if result["outcome"] == "failed":
            result["outcome"] = lie["outcome"]
            if lie["levels"]:
                result["levels"] = ["SHOULD"] * len(result["levels"])
    if lie["levels"]:
        for r in report["requirements"]:
            r["level"] = "SHOULD"
    if lie["waivers"] is not None:
        report["waivers"] = lie["waivers"]
    report.update(fail_on_should=lie["fail_on_should"], started=lie["started"],
                  endpoint=runs["whole"]["endpoint"])   # as if of the good endpoint, for diff
    document = report
    if lie["fleet"]:
        entry = dict(model.target_entry("x", report), verdict="CONFORMANT", exit_code=0)
        document = model.document([entry], fleet=model.fleet_identity(["x"], 1))
        document["targets"][0]["index"] = 1
    path = write(tmp_path, document, "lie")
    merged, said = run(capsys, "merge", path)
    assert merged not in (0, 3) and "Traceback" not in said, said
    good = write(tmp_path, runs["whole"], "good")
    if lie["fleet"]:   # a fleet report of one target, compared with a fleet of the good one
        good = write(tmp_path, model.document([model.target_entry("x", copy.deepcopy(runs["whole"]))]), "good")
    diffed, said = run(capsys, "diff", good, path)
    assert diffed not in (0, 3) and "Traceback" not in said, said


@settings(max_examples=30, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(size=st.one_of(st.integers(1, 6), st.integers(1, 10 ** 9)), n=st.one_of(st.integers(1, 4), st.integers(1, 10 ** 9)),
       k=st.integers(0, 5), places=st.lists(st.one_of(st.integers(1, 6), st.integers(1, 10 ** 12)), min_size=1,
                                            max_size=4, unique=True))
def test_what_a_fleet_report_says_of_its_fleet_never_makes_a_partial_merge_pass(tmp_path, capsys, runs, size, n, k, places):
    entries = [model.target_entry(f"t{i}", copy.deepcopy(runs["whole"]), index=i) for i in places]
    doc = model.document(entries, f"{k}/{n}", fleet=dict(model.fleet_identity(["a"], n), targets=size))
    code, said = run(capsys, "merge", write(tmp_path, doc, "hostile"))
    assert code in (0, 2, 4) and "Traceback" not in said, said
    if code == 0:   # only when the places held are every place of the fleet
        assert set(places) == set(range(1, size + 1))
