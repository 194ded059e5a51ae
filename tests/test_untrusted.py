"""The files a user hands infocheck are data we do not trust: a fleet, waivers, a policy, a team's
catalogue, reports to merge or diff. Tried as an attacker would: each attack gets exit 4 and one
escaped line naming the file and the place (never exit 3, never a traceback), merge and diff
cannot be made to say a fleet passed or improved when it did not, and a fleet file cannot send
the job's own credentials anywhere."""
import json
import os
import re
import time

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from harness import KEY, run_suite, serve
from infocheck.cli import main as infocheck
from infocheck.configuration.knobs import ConfigError
from infocheck.fleet import file as fleet
from infocheck.fleet import merge, model, render
from infocheck.judging import catalogue, waivers
from infocheck.judging.catalogue import builtin

ESCAPES = ("\x1b", "\x9b", "\u202e", "\x07", "\r")
HOSTILE = "\x1b]0;owned\x07\x1b[2J\u202eevil"


def clean_line(text: str) -> None:
    assert "\n" not in text.strip() and not any(c in text for c in ESCAPES), repr(text[:300])
    assert "Traceback" not in text


# -- a fleet file cannot reach the job's credentials ----------------------------------------------

GOOD = {"name": "good", "endpoint": "https://a.example", "api_key_env": "EASTUS2_KEY"}
ENVIRON = {"EASTUS2_KEY": KEY, "GITHUB_TOKEN": KEY, "SYSTEM_ACCESSTOKEN": KEY, "ACTIONS_RUNTIME_TOKEN": KEY,
           "AWS_SECRET_ACCESS_KEY": KEY, "AZURE_CLIENT_SECRET": KEY, "INFOCHECK_API_KEY": KEY,
           "WESTUS_KEY": KEY}


def fleet_file(tmp_path, targets, text=None) -> str:
    path = tmp_path / "fleet.yaml"
    path.write_text(text if text is not None else json.dumps({"targets": targets}))
    return str(path)


@pytest.mark.parametrize("variable", ["GITHUB_TOKEN", "github_token", "SYSTEM_ACCESSTOKEN",
                                      "ACTIONS_RUNTIME_TOKEN", "AWS_SECRET_ACCESS_KEY",
                                      "AZURE_CLIENT_SECRET", "INFOCHECK_API_KEY"])
def test_a_ci_or_cloud_credential_is_never_a_targets_key(tmp_path, variable):
    with pytest.raises(fleet.FleetError) as raised:
        fleet.read(fleet_file(tmp_path, [dict(GOOD, api_key_env=variable)]), ENVIRON)
    assert f"target 1 (good): api_key_env: {variable} is a CI or cloud credential" in str(raised.value)
    assert KEY not in str(raised.value)


def test_a_team_narrows_what_a_fleet_may_read(tmp_path):
    path = fleet_file(tmp_path, [GOOD, dict(GOOD, name="west", api_key_env="WESTUS_KEY")])
    assert len(fleet.read(path, ENVIRON)) == 2
    with pytest.raises(fleet.FleetError, match=r"target 2 \(west\): api_key_env: WESTUS_KEY does not "
                                               r"start with EASTUS2_, which --fleet-env-prefix allows"):
        fleet.read(path, ENVIRON, ("EASTUS2_",))
    assert [t.name for t in fleet.read(path, ENVIRON, ("EASTUS2_", "WESTUS_"))] == ["good", "west"]


def test_the_prefix_is_a_knob_of_the_fleet_run_end_to_end(tmp_path):
    with serve() as server:
        path = fleet_file(tmp_path, [dict(GOOD, endpoint=server.url, api_key_env="WESTUS_KEY")])
        run = run_suite(tmp_path, "--fleet", path, "--fleet-env-prefix", "EASTUS2_", key=None,
                        env={"WESTUS_KEY": KEY}, html=False)
    assert run.code == 4 and "WESTUS_KEY does not start with EASTUS2_" in run.stderr
    assert not run.leaks()


@pytest.mark.parametrize("name", [".", "..", "...", "nul", "CON", "com1", "a.", "lpt9.txt"])
def test_a_name_no_folder_can_have_everywhere_is_refused(tmp_path, name):
    with pytest.raises(fleet.FleetError, match="target 1: name: give each target a name"):
        fleet.read(fleet_file(tmp_path, [dict(GOOD, name=name)]), ENVIRON)


@pytest.mark.parametrize("text, says", [
    ("targets: []\ntargets: [{name: a, endpoint: 'https://a.example'}]\n", "the key 'targets' is given twice"),
    ("targets:\n  - name: a\n    name: b\n    endpoint: https://a.example\n", "the key 'name' is given twice"),
    ("targets:\n  - {name: a, endpoint: 'https://a.example', max_requests: true}\n",
     "target 1 (a): max_requests: give a whole number, not a boolean True"),
    ("targets:\n  - {name: a, endpoint: 'https://a.example', deployments: [x, [y]]}\n",
     "deployments: give a string or a non-empty list of strings"),
    ("targets:\n  - {name: a, endpoint: 'https://a.example', model: 7}\n", "model: give text, not a number 7"),
    ("x: &x [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\ntargets: [*x, *x, *x, *x, *x, *x, *x, *x]\n",
     "YAML aliases (*name) are not allowed"),
    ("targets:\n  - {name: a, endpoint: 'https://a.example', \"\\e]0;x\\a\\u202e\": 1}\n",
     "unknown key"),
])
def test_a_fleet_file_is_read_exactly(tmp_path, text, says):
    with pytest.raises(fleet.FleetError) as raised:
        fleet.read(fleet_file(tmp_path, None, text), ENVIRON)
    assert says in str(raised.value)
    clean_line(str(raised.value))


def test_a_yaml_date_is_the_api_version_the_user_wrote(tmp_path):
    text = "targets:\n  - {name: a, endpoint: 'https://a.example', api_version: [2025-05-01, 2025-04-01]}\n"
    [target] = fleet.read(fleet_file(tmp_path, None, text), ENVIRON)
    assert dict(target.environ)["INFOCHECK_API_VERSION"] == "2025-05-01,2025-04-01"


# -- every file infocheck reads: data, or one clean line -------------------------------------------

SCALARS = st.none() | st.booleans() | st.integers(-10, 10**6) | st.floats(allow_nan=False, width=32) | \
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12) | \
    st.sampled_from(["AUTH-401", "HTTP-DATE", "2999-01-01", "https://a.example", "MUST", "IGNORED",
                     "ACME", "ACME-X", "EASTUS2_KEY", HOSTILE])
KEYS = st.sampled_from(["targets", "name", "endpoint", "api_key_env", "max_requests", "deployments",
                        "requirement", "test", "reason", "expires", "levels", "namespace",
                        "requirements", "id", "level", "area", "statement", "source", HOSTILE,
                        "api_version", "contract"]) | st.text(max_size=6)
STRUCTURES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) |
                          st.dictionaries(KEYS, inner, max_size=5), max_leaves=25)


def loaders(path):
    known = builtin()
    yield lambda: fleet.read(path, ENVIRON, ())
    yield lambda: waivers.load(path, known)
    yield lambda: catalogue.load((path,), None)
    yield lambda: catalogue.load((), path)


@settings(max_examples=120, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(document=STRUCTURES, suffix=st.sampled_from([".json", ".yaml"]))
def test_any_structure_in_any_file_is_data_or_one_clean_line(tmp_path, document, suffix):
    path = tmp_path / f"given{suffix}"
    if suffix == ".json":
        path.write_text(json.dumps(document))
    else:
        import yaml
        path.write_text(yaml.safe_dump(document, allow_unicode=True))
    for load in loaders(str(path)):
        try:
            load()
        except ConfigError as error:
            clean_line(str(error))
            assert str(error).count(str(path)) <= 1 and len(str(error)) < 2500


@settings(max_examples=60, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=STRUCTURES)
def test_any_structure_handed_to_merge_is_a_report_or_one_clean_line(tmp_path, document):
    path = tmp_path / "reports-x" / "infocheck.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(document))
    try:
        merge.load(str(path))
    except merge.ReportError as error:
        clean_line(str(error))


@pytest.mark.parametrize("kind, option, content", [
    ("waivers", "--waivers", "[" * 10_000 + "]" * 10_000),
    ("policy", "--policy", '{"levels": ' * 5000 + "{}" + "}" * 5000),
    ("catalogue", "--requirements", "x: &a [1]\n" + "".join(f"y{i}: &b{i} [*a]\n" for i in range(3))),
    ("fleet", "--fleet", "targets:\n  - {name: a, endpoint: 'https://a.example', \"\\e]0;x\\a\\u202e\": 1}\n"),
])
def test_a_hostile_file_is_a_usage_error_in_one_clean_line(tmp_path, kind, option, content):
    path = tmp_path / (f"{kind}.json" if content.startswith(("[", "{")) else f"{kind}.yaml")
    path.write_text(content)
    started = time.monotonic()
    run = run_suite(tmp_path, f"{option}={path}", key=None, html=False)
    assert run.code == 4, run.stdout[-1000:] + run.stderr[-2000:]
    errors = [line for line in run.stderr.splitlines() if line.startswith("ERROR:")]
    assert len(errors) == 1 and str(path) in errors[0], run.stderr[-2000:]
    clean_line(errors[0])
    # The run is bounded against a hang by run_suite (harness.HANG); its time is said, not judged.
    assert "Traceback" not in run.stdout + run.stderr, f"{time.monotonic() - started:.1f} s"


def test_a_waiver_s_reason_reaches_the_terminal_escaped(tmp_path):
    path = tmp_path / "waivers.yaml"
    path.write_text(f"- requirement: HTTP-DATE\n  reason: {json.dumps(HOSTILE)}\n  expires: 2020-01-01\n")
    run = run_suite(tmp_path, f"--waivers={path}", key=None, html=False)
    assert run.code == 1 and "expired on 2020-01-01" in run.stdout
    assert not any(c in run.stdout for c in ESCAPES) and "\\e]0;owned\\x07" in run.stdout


# -- merge and diff cannot be fooled ----------------------------------------------------------------

@pytest.fixture(scope="module")
def a_report(tmp_path_factory):
    """A real single run's report of an endpoint (not the embedded server, which is never a
    pass in a merge), to be tampered with."""
    tmp = tmp_path_factory.mktemp("report")
    with serve() as server:
        run = run_suite(tmp, endpoint=server.url, html=False)
    assert run.code == 0
    return run.report


def write_report(tmp_path, document, folder="reports-a") -> str:
    path = tmp_path / folder / "infocheck.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return str(path)


def merged_code(capsys, *args) -> tuple[int, str]:
    code = infocheck(["merge", *args])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.mark.parametrize("tamper, says", [
    (lambda r: dict(r, exit_code=256), "exit_code"),
    (lambda r: dict(r, exit_code=0, verdict="INTERRUPTED"), "is not what exit code 0 means"),
    (lambda r: dict(r, verdict="NOT CONFORMANT"), "is not what exit code 0 means"),
    (lambda r: json.dumps(r).replace('"duration_seconds": ', '"duration_seconds": ' + "9" * 5000 + ', "x": '),
     "the number at $.duration_seconds is out of any range a report has"),
    (lambda r: json.dumps(r).replace('"duration_seconds": ', '"duration_seconds": 1e999, "x": '),
     "the number at $.duration_seconds is out of any range a report has"),
    (lambda r: dict(r, requests=dict(r["requests"], sent=-1)), "requests → sent is not what an infocheck report holds"),
])
def test_a_tampered_report_is_not_a_report(tmp_path, capsys, a_report, tamper, says):
    code, said = merged_code(capsys, write_report(tmp_path, tamper(a_report)), "--json", str(tmp_path / "m.json"))
    assert code == 4 and says in said, said
    clean_line(said.strip().splitlines()[-1])
    assert not (tmp_path / "m.json").exists()


def test_a_fleet_whose_verdict_disagrees_with_its_targets_is_not_a_report(tmp_path, capsys, a_report):
    entry = model.target_entry("a", a_report)
    doc = dict(model.document([entry]), exit_code=0, verdict="CONFORMANT")
    failing = dict(entry, exit_code=1, verdict="NOT CONFORMANT")
    lying = dict(model.document([failing]), exit_code=0, verdict="CONFORMANT")
    assert merged_code(capsys, write_report(tmp_path, doc, "x"))[0] == 0
    code, said = merged_code(capsys, write_report(tmp_path, lying, "y"))
    assert code == 4 and "its exit code 0 is not the one its targets' give" in said


def test_merging_nothing_but_empty_fleets_is_not_conformant(tmp_path, capsys):
    empty = model.document([])
    code, said = merged_code(capsys, write_report(tmp_path, empty, "one"), write_report(tmp_path, empty, "two"))
    assert code == 4 and "the reports hold no target: nothing was checked" in said


def test_a_link_to_a_full_report_is_only_one_infocheck_writes(tmp_path, capsys, a_report):
    entry = model.target_entry("a", a_report, detail="javascript:alert(1)")
    second = model.target_entry("b", a_report, detail="targets/b/infocheck.html")
    source = write_report(tmp_path, model.document([entry, second]), "in")
    (tmp_path / "in" / "targets" / "b").mkdir(parents=True)
    (tmp_path / "in" / "targets" / "b" / "infocheck.html").write_text("<html></html>")
    out = tmp_path / "out"
    code, _ = merged_code(capsys, source, "--json", str(out / "m.json"), "--html", str(out / "m.html"))
    assert code == 0
    details = {t["name"]: t["detail"] for t in json.loads((out / "m.json").read_text())["targets"]}
    assert details == {"a": None, "b": "../in/targets/b/infocheck.html"}
    assert "javascript:" not in (out / "m.html").read_text()


def test_an_output_that_cannot_be_written_is_a_usage_error_before_anything_is_read(tmp_path, capsys, a_report):
    (tmp_path / "blocker").write_text("a file where a folder should be")
    code, said = merged_code(capsys, write_report(tmp_path, a_report), "--json", str(tmp_path / "blocker" / "m.json"))
    assert code == 4 and "cannot write there" in said and "Traceback" not in said


def test_when_merge_itself_breaks_it_says_so_with_exit_3_never_1(tmp_path, capsys, a_report, monkeypatch):
    failing = model.target_entry("a", dict(a_report, exit_code=1, verdict="NOT CONFORMANT"))
    monkeypatch.setattr(render, "summary_lines", lambda *a: 1 / 0)
    code, said = merged_code(capsys, write_report(tmp_path, model.document([failing])))
    assert code == 3 and "INTERNAL ERROR: infocheck merge: ZeroDivisionError" in said


def test_merged_slices_come_back_in_the_fleet_file_s_order(tmp_path, capsys, a_report):
    entries = [model.target_entry(f"t{i}", a_report, index=i) for i in range(1, 7)]
    slices = [write_report(tmp_path, model.document(entries[k::3]), f"s{k}") for k in range(3)]
    assert merged_code(capsys, *slices, "--json", str(tmp_path / "m.json"))[0] == 0
    assert [t["name"] for t in json.loads((tmp_path / "m.json").read_text())["targets"]] == \
        [f"t{i}" for i in range(1, 7)]


def summary(name, verdict, **verdicts):
    return {"name": name, "verdict": verdict, "verdicts": verdicts}


def test_diff_calls_a_fix_only_what_now_passes():
    old = [summary("Alpha", "NOT CONFORMANT", **{"A-1": "failed", "A-2": "failed", "A-3": "finding",
                                                  "A-4": "failed", "A-5": "passed"}),
           summary("beta", "NOT CONFORMANT", **{"A-1": "failed"})]
    new = [summary("alpha", "NOT CONFORMANT", **{"A-1": "not tested", "A-2": "passed", "A-3": "waived",
                                                  "A-4": "finding", "A-5": "failed"}),
           summary("BETA", "COULD NOT TEST", **{"A-1": "not tested"})]
    changes = merge.diff(old, new)
    assert [(c["target"], c["requirement"]) for c in changes["fixes"]] == [("alpha", "A-2")]
    assert {(c["target"], c["requirement"]) for c in changes["unresolved"]} == {("alpha", "A-3")}
    assert {(c["target"], c["requirement"], c["was"], c["now"]) for c in changes["regressions"]} == {
        ("alpha", "A-5", "passed", "failed"),
        ("alpha", "A-1", "failed", "not tested"), ("BETA", "A-1", "failed", "not tested"),  # no longer checked
        ("BETA", None, "NOT CONFORMANT", "COULD NOT TEST")}   # the evidence is gone: a regression
    assert (changes["new_targets"], changes["removed_targets"], changes["exit_code"]) == ([], [], 1)
    assert "REGRESSION: alpha A-1: failed → not tested (no longer checked)" in render.diff_lines(changes)
    assert "unresolved: alpha A-3: finding → waived" in render.diff_lines(changes)


def test_a_fleet_slice_that_selects_no_target_is_a_usage_error(tmp_path):
    path = fleet_file(tmp_path, [GOOD])
    run = run_suite(tmp_path, "--fleet", path, "--fleet-slice", "2/3", key=None,
                    env={"EASTUS2_KEY": KEY}, html=False)
    assert run.code == 4 and "slice 2/3 selects none of the fleet's 1 target(s)" in run.stderr


def test_an_unwritable_report_folder_is_a_usage_error_before_any_request(tmp_path):
    hits = []
    from infocheck.contracts.info.server import InfoHandler

    class Counting(InfoHandler):
        def serve(self, head):
            hits.append(self.path)
            return super().serve(head)

    (tmp_path / "reports").write_text("a file where the report folder should be")
    with serve(Counting) as server:
        path = fleet_file(tmp_path, [dict(GOOD, endpoint=server.url)])
        run = run_suite(tmp_path, "--fleet", path, key=None, env={"EASTUS2_KEY": KEY}, html=False)
    assert run.code == 4 and "the report folder cannot be written" in run.stderr and hits == []
    assert "Traceback" not in run.stdout + run.stderr


def test_the_fleet_page_grows_linearly_with_targets_of_distinct_requirements():
    def page(count: int) -> int:
        summaries = [{"name": f"t{i}", "index": i, "verdict": "NOT CONFORMANT", "exit_code": 1,
                      "endpoint": "https://e", "detail": None, "problem": None, "contract": "info",
                      "explanation": "", "api_versions": [], "sent": 1, "duration": 1, "notices": [],
                      "verdicts": {f"T{i}-X": "failed"},
                      "failing": [{"id": f"T{i}-X", "level": "MUST", "statement": "s", "verdict": "failed",
                                   "messages": ["m"], "exchanges": []}]} for i in range(count)]
        metas = {("info", f"T{i}-X"): {"area": "team", "statement": "s"} for i in range(count)}
        return len(render.html(model.head(summaries), summaries, metas))
    small, large = page(300), page(1200)
    assert large < 5 * small, (small, large)   # four times the targets: about four times the page
