"""A fleet in one run: the fleet file's rules (exit 4 naming the target and the field), one run
over conformant, faulty, echoing and dead endpoints whose per-target verdicts are the single
runs', the fleet report in JSON, HTML and JUnit, and merge and diff from results alone."""
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from faults import FAULTS, EchoesTheCredential, NoProviderName
from harness import KEY, run_suite, serve
from infocheck.fleet import file as fleet
from infocheck.fleet import model as fleet_report
from infocheck.fleet.merge import diff as diff_of
from infocheck.fleet.render import diff_lines
from infocheck.cli import main as infocheck
from infocheck.bundle import validator
from infocheck.wire.secret import Scrubber, Secret

OTHER_KEY = "fleet-Second/KEY+\"yz\\<q>&r=s%t-98765'"


# -- the fleet file --------------------------------------------------------------------------

def fleet_file(tmp_path, targets, suffix=".yaml") -> str:
    path = tmp_path / f"fleet{suffix}"
    path.write_text(json.dumps({"targets": targets}))   # JSON is YAML too
    return str(path)


GOOD = {"name": "good", "endpoint": "https://a.example", "api_key_env": "FLEET_KEY"}


@pytest.mark.parametrize("target, message", [
    (dict(GOOD, api_key="sk-live-abcdefghijklmnop"), "target 1 (good): api_key: a credential in the fleet file"),
    (dict(GOOD, token="x"), "target 1 (good): token: a credential in the fleet file"),
    (dict(GOOD, endpoitn="x"), "target 1 (good): endpoitn: unknown key"),
    (dict(GOOD, api_key_env="NOT_SET_ANYWHERE"), "api_key_env: the environment variable NOT_SET_ANYWHERE is not set"),
    (dict(GOOD, api_key_env="not a name"), "api_key_env: give the name of an environment variable"),
    (dict(GOOD, endpoint="ftp://a.example"), "target 1 (good): endpoint: 'ftp://a.example' is not an http(s) URL"),
    (dict(GOOD, api_version="2024-13-01"), "target 1 (good): api_version: '2024-13-01' is not a calendar date"),
    (dict(GOOD, max_requests=0), "target 1 (good): max_requests: '0' is out of range"),
    (dict(GOOD, request_timeout="soon"), "target 1 (good): request_timeout: give a number, not text 'soon'"),
    (dict(GOOD, deployments=[]), "target 1 (good): deployments: give a string or a non-empty list"),
    (dict(GOOD, auth_header="basic"), "target 1 (good): auth_header: 'basic' is not one of"),
    (dict(GOOD, name="bad name"), "target 1: name: give each target a name"),
    ({"name": "good"}, "target 1 (good): endpoint: every target needs its endpoint URL"),
    ("just-a-url", "target 1: a target is a mapping"),
])
def test_a_bad_target_is_a_usage_error_naming_the_target_and_the_field(tmp_path, target, message):
    with pytest.raises(fleet.FleetError) as raised:
        fleet.read(fleet_file(tmp_path, [target]), {"FLEET_KEY": KEY})
    assert message in str(raised.value)
    assert "sk-live" not in str(raised.value) and KEY not in str(raised.value)


def test_names_are_unique_regardless_of_case_and_the_fleet_is_not_empty(tmp_path):
    twice = [GOOD, dict(GOOD, name="GOOD")]
    with pytest.raises(fleet.FleetError, match=r"target 2 \(GOOD\): name: the name is already used by target 1"):
        fleet.read(fleet_file(tmp_path, twice), {"FLEET_KEY": KEY})
    with pytest.raises(fleet.FleetError, match="the fleet has no targets"):
        fleet.read(fleet_file(tmp_path, []), {})
    (tmp_path / "broken.yaml").write_text("targets: [")
    with pytest.raises(fleet.FleetError, match="not valid YAML"):
        fleet.read(str(tmp_path / "broken.yaml"), {})


def test_a_target_becomes_the_environment_of_a_single_run(tmp_path):
    entry = dict(GOOD, api_version=["2025-04-01", "2025-05-01"], deployments=["a", "b"],
                 model="m", max_requests=50, request_timeout=2.5, auth_header="api-key")
    [target] = fleet.read(fleet_file(tmp_path, [entry], ".json"), {"FLEET_KEY": KEY})
    assert dict(target.environ) == {
        "INFOCHECK_ENDPOINT": "https://a.example", "INFOCHECK_API_KEY": KEY,
        "INFOCHECK_API_VERSION": "2025-04-01,2025-05-01", "INFOCHECK_DEPLOYMENT": "a,b",
        "INFOCHECK_MODEL": "m", "INFOCHECK_MAX_REQUESTS": "50", "INFOCHECK_REQUEST_TIMEOUT": "2.5",
        "INFOCHECK_AUTH_HEADER": "api-key"}
    assert target.secrets == (KEY,)


def test_a_slice_is_every_nth_target_from_the_kth():
    targets = list(range(1, 8))
    assert fleet.select(targets, (1, 3)) == [1, 4, 7]
    assert fleet.select(targets, (3, 3)) == [3, 6]
    assert fleet.select(targets, None) == targets
    assert sorted(sum((fleet.select(targets, (k, 3)) for k in (1, 2, 3)), [])) == targets


def test_a_fleet_run_takes_no_target_settings_of_its_own(tmp_path):
    run = run_suite(tmp_path, "--fleet", fleet_file(tmp_path, [GOOD]), key=KEY, html=False,
                    env={"FLEET_KEY": KEY})
    assert run.code == 4
    assert "INFOCHECK_API_KEY / --api-key: with INFOCHECK_FLEET / --fleet" in run.stderr
    assert not run.leaks()


# -- one run over a fleet ----------------------------------------------------------------------

EXPECTED = {"conformant": ("CONFORMANT", set()),
            "no-provider": ("NOT CONFORMANT", {"SHAPE-MODELINFO"}),   # DEPLOYMENT-KNOWN needs --deployment
            "echoes": ("NOT CONFORMANT", FAULTS["EchoesTheCredential"].failed),
            "dead": ("COULD NOT TEST", set())}


@pytest.fixture(scope="session")   # once a worker: xdist may run other modules in between
def fleet_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fleet")
    with serve() as good, serve(NoProviderName) as faulty, serve(EchoesTheCredential, OTHER_KEY) as echo:
        targets = [{"name": "conformant", "endpoint": good.url, "api_key_env": "KEY_ONE"},
                   {"name": "no-provider", "endpoint": faulty.url, "api_key_env": "KEY_ONE"},
                   {"name": "echoes", "endpoint": echo.url, "api_key_env": "KEY_TWO"},
                   {"name": "dead", "endpoint": "http://127.0.0.1:9", "request_timeout": 1}]
        run = run_suite(tmp, "--fleet", fleet_file(tmp, targets), key=None,
                        env={"KEY_ONE": KEY, "KEY_TWO": OTHER_KEY})
        single = run_suite(tmp / "single", endpoint=faulty.url, html=False)
    return run, tmp / "reports", single


def test_every_target_gets_the_verdict_its_single_run_gets(fleet_run):
    run, *_ = fleet_run
    assert run.code == 1, run.stdout[-3000:] + run.stderr[-2000:]
    targets = {t["name"]: t for t in run.report["targets"]}
    assert list(targets) == list(EXPECTED)
    for name, (verdict, failed) in EXPECTED.items():
        got = {r["id"] for r in targets[name]["result"]["requirements"] if r["verdict"] == "failed"}
        assert (targets[name]["verdict"], got) == (verdict, failed), name
    _, _, single = fleet_run
    verdicts = lambda result: {r["id"]: r["verdict"] for r in result["requirements"]}  # noqa: E731
    assert verdicts(targets["no-provider"]["result"]) == verdicts(single.report)
    assert run.report["verdict"] == "NOT CONFORMANT"
    assert run.report["counts"] == {"CONFORMANT": 1, "NOT CONFORMANT": 2, "COULD NOT TEST": 1}
    for name, target in targets.items():   # every test's result, as data, names its target
        assert {r["target"] for r in target["result"]["results"]} <= {name}
    assert targets["no-provider"]["result"]["results"]
    assert "fleet: NOT CONFORMANT" in run.stdout


def test_the_fleet_report_matches_its_schema_and_links_each_targets_full_report(fleet_run):
    run, reports, _ = fleet_run
    assert not list(validator("infocheck-fleet").iter_errors(run.report))
    for target in run.report["targets"]:
        assert target["detail"] == f"targets/{target['name']}/infocheck.html"
        assert (reports / target["detail"]).is_file()


def test_the_fleet_page_shows_the_verdict_and_a_target_by_requirement_matrix(fleet_run):
    run, *_ = fleet_run
    page = run.outputs["infocheck.html"]
    assert page.index('id="infocheck-verdict"') < page.index('id="infocheck-fleet-matrix"')
    assert "<h2>NOT CONFORMANT</h2>" in page
    for name, (verdict, _) in EXPECTED.items():   # a row each; a section for those that did not pass
        assert f'<tr data-target="{name}" class="ic-{"pass" if verdict == "CONFORMANT" else "fail"}">' in page
        assert (f'id="target-{name}"' in page) == (verdict != "CONFORMANT")
    row = page.split('<tr data-target="no-provider"')[1].split("</tr>")[0]
    assert 'title="failed"' in row and "failed SHAPE-MODELINFO" in row    # why, in one line
    assert page.index('data-target="no-provider"') < page.index('data-target="conformant"')
    detail = page.split('id="target-no-provider"')[1].split('class="ic-target"')[0]
    assert "<details><summary>exchanges</summary>" in detail and "&gt; GET " in detail
    assert "<script" not in page


def test_junit_groups_every_testcase_by_target(fleet_run):
    _, reports, _ = fleet_run
    root = ET.parse(reports / "junit.xml").getroot()
    suites = {s.get("name") for s in root.iter("testsuite")}
    assert suites == set(EXPECTED)
    for case in root.iter("testcase"):
        target = case.get("classname").split(".")[0]
        assert target in EXPECTED
        assert ("target", target) in {(p.get("name"), p.get("value")) for p in case.iter("property")}


def test_no_key_of_any_target_reaches_any_file_of_the_fleet_run(fleet_run):
    run, reports, _ = fleet_run
    finder = Scrubber([Secret(KEY), Secret(OTHER_KEY)])
    texts = {"stdout": run.stdout, "stderr": run.stderr}
    texts.update({str(p): p.read_text(errors="replace") for p in reports.rglob("*") if p.is_file()})
    assert len(texts) > 15
    assert [name for name, text in texts.items() if finder.contains_secret(text)] == []


# -- merge and diff: results as data, no network ------------------------------------------------

def test_merging_the_slices_of_a_fleet_gives_the_fleet(fleet_run, tmp_path, capsys):
    run, *_ = fleet_run
    for k in (1, 2):
        part = fleet_report.document(fleet.select(run.report["targets"], (k, 2)))
        (tmp_path / f"reports-{k}").mkdir()
        (tmp_path / f"reports-{k}" / "infocheck.json").write_text(json.dumps(part))
    code = infocheck(["merge", str(tmp_path / "reports-1/infocheck.json"),
                      str(tmp_path / "reports-2/infocheck.json"), "--json", str(tmp_path / "m.json"),
                      "--html", str(tmp_path / "m.html")])
    merged = json.loads((tmp_path / "m.json").read_text())
    assert code == 1 == merged["exit_code"]
    assert sorted(t["name"] for t in merged["targets"]) == sorted(EXPECTED)
    assert {t["name"]: t["verdict"] for t in merged["targets"]} == {n: v for n, (v, _) in EXPECTED.items()}
    assert not list(validator("infocheck-fleet").iter_errors(merged))
    assert "fleet: NOT CONFORMANT" in capsys.readouterr().out
    assert code == infocheck(["merge", str(tmp_path / "reports-1/infocheck.json"),
                              str(tmp_path / "reports-1/infocheck.json")]) - 3   # the same target twice: 4


def test_a_single_run_report_merges_as_a_target_named_after_its_folder(fleet_run, tmp_path):
    run, *_ = fleet_run
    single = next(t for t in run.report["targets"] if t["name"] == "conformant")["result"]
    (tmp_path / "eastus2").mkdir()
    (tmp_path / "eastus2" / "infocheck.json").write_text(json.dumps(single))
    assert infocheck(["merge", str(tmp_path / "eastus2" / "infocheck.json"), "--json",
                      str(tmp_path / "m.json")]) == 0
    assert [t["name"] for t in json.loads((tmp_path / "m.json").read_text())["targets"]] == ["eastus2"]


def test_merge_refuses_what_is_not_an_infocheck_report(tmp_path, capsys):
    (tmp_path / "x.json").write_text('{"verdict": "CONFORMANT"}')
    (tmp_path / "y.json").write_text("[" * 100_000)
    assert infocheck(["merge", str(tmp_path / "x.json")]) == 4
    assert infocheck(["merge", str(tmp_path / "y.json")]) == 4
    assert infocheck(["merge", str(tmp_path / "missing.json")]) == 4
    err = capsys.readouterr().err
    assert "x.json: not an infocheck report" in err and "y.json: the report is nested more than" in err
    assert "missing.json: cannot read the report" in err and "Traceback" not in err


def target(name, verdict, requirements):
    code = {"CONFORMANT": 0, "NOT CONFORMANT": 1, "COULD NOT TEST": 2}[verdict]
    return {"name": name, "verdict": verdict, "exit_code": code, "endpoint": None, "detail": None,
            "problem": None, "result": {"requirements": [
                {"id": i, "verdict": v, "level": "MUST", "area": "a", "statement": "s", "messages": []}
                for i, v in requirements.items()]}}


def diff(old, new):
    """diff reads targets' summaries, as merge makes them."""
    return diff_of([fleet_report.summarize(t) for t in old["targets"]],
                   [fleet_report.summarize(t) for t in new["targets"]])


def test_diff_lists_regressions_fixes_and_new_targets_and_fails_on_a_regression():
    old = fleet_report.document([
        target("a", "CONFORMANT", {"SHAPE-200": "passed", "HTTP-DATE": "passed"}),
        target("b", "NOT CONFORMANT", {"SHAPE-200": "failed", "HTTP-DATE": "finding"}),
        target("gone", "CONFORMANT", {})])
    new = fleet_report.document([
        target("a", "CONFORMANT", {"SHAPE-200": "passed", "HTTP-DATE": "finding"}),
        target("b", "CONFORMANT", {"SHAPE-200": "passed", "HTTP-DATE": "finding"}),
        target("c", "NOT CONFORMANT", {"SHAPE-200": "failed"})])
    changes = diff(old, new)
    assert changes["unresolved"] == []
    assert changes["regressions"] == [{"target": "a", "requirement": "HTTP-DATE", "was": "passed", "now": "finding"}]
    assert changes["fixes"] == [
        {"target": "b", "requirement": None, "was": "NOT CONFORMANT", "now": "CONFORMANT"},
        {"target": "b", "requirement": "SHAPE-200", "was": "failed", "now": "passed"}]
    assert (changes["new_targets"], changes["removed_targets"], changes["exit_code"]) == (["c"], ["gone"], 1)
    assert diff(new, new)["exit_code"] == 0
    worse = fleet_report.document([target("a", "COULD NOT TEST", {"SHAPE-200": "not tested"})])
    assert diff(old, worse)["regressions"][0]["now"] == "COULD NOT TEST"
    assert "REGRESSION: a HTTP-DATE: passed → finding" in diff_lines(changes)


@pytest.mark.parametrize("codes, fleet_code", [
    ([], 0), ([0, 0], 0), ([0, 2], 2), ([2, 3], 3), ([3, 1, 2], 1), ([1, 4, 0], 4), ([0, 5], 5)])
def test_the_fleet_exit_code(codes, fleet_code):
    assert fleet_report.fleet_exit(codes) == fleet_code


def test_diff_of_two_runs_from_the_command(fleet_run, tmp_path, capsys):
    run, reports, _ = fleet_run
    better = fleet_report.document([t for t in run.report["targets"] if t["name"] == "conformant"])
    (tmp_path / "better.json").write_text(json.dumps(better))
    assert infocheck(["diff", str(tmp_path / "better.json"), str(reports / "infocheck.json")]) == 0
    assert "new target: no-provider" in capsys.readouterr().out
    no_provider = next(t for t in run.report["targets"] if t["name"] == "no-provider")
    was_fine = fleet_report.document([dict(all_passed(no_provider))])
    (tmp_path / "was-fine.json").write_text(json.dumps(was_fine))
    assert infocheck(["diff", str(tmp_path / "was-fine.json"), str(reports / "infocheck.json")]) == 1
    assert "REGRESSION: no-provider SHAPE-MODELINFO: passed → failed" in capsys.readouterr().out


def all_passed(entry):
    """The same target as if every requirement had passed (its results too: merge and diff
    judge a report by its results, not by its words)."""
    result = dict(entry["result"], requirements=[dict(r, verdict="passed") for r in entry["result"]["requirements"]],
                  results=[dict(t, outcome="passed", failed_requirements=[]) for t in entry["result"]["results"]],
                  verdict="CONFORMANT", exit_code=0)
    return dict(entry, verdict="CONFORMANT", exit_code=0, result=result)
