"""Survivors of the mutation runs after the split of modules (issue 25), each killed by a test of
behaviour: what a message shows at and one past its caps, and how the split modules decide."""
from __future__ import annotations

import pytest

from infocheck.wire.not_tested import OffBase


# -- wire/not_tested.py -----------------------------------------------------------------------------

@pytest.mark.parametrize("length", [300, 301])
def test_a_refusal_shows_each_url_whole_up_to_300_characters_and_cut_past_them(length):
    url = "http://h/" + "u" * (length - len("http://h/"))
    base = "http://h/" + "b" * (length - len("http://h/"))
    refusal = str(OffBase(url, base, "its path leaves the base"))
    for shown in (url, base):
        if length == 300:
            assert f" {shown} " in refusal and "characters)" not in refusal
        else:
            assert f" {shown[:300]}… (301 characters) " in refusal and shown not in refusal


# -- fleet/isolation.py -----------------------------------------------------------------------------

def test_a_targets_environment_drops_the_fleets_settings_and_secret_sources_and_keeps_the_rest():
    import os

    from infocheck.configuration.knobs import FLEET_RUN_FIELDS, FLEET_TARGET_FIELDS, KNOBS
    from infocheck.fleet import isolation
    from infocheck.fleet.channel import CREDENTIAL_SOURCE, KEY_VARIABLE, SAME_AS

    dropped = {k.env for k in KNOBS if k.field in FLEET_TARGET_FIELDS} | {
        k.env for k in KNOBS if k.field in FLEET_RUN_FIELDS} | {CREDENTIAL_SOURCE, KEY_VARIABLE, SAME_AS} | {
        old for k in KNOBS if k.field in FLEET_TARGET_FIELDS + FLEET_RUN_FIELDS for old in k.old_envs}
    kept = {k.env for k in KNOBS} - dropped
    assert {"INFOCHECK_ENDPOINT", "INFOCHECK_FLEET", "INFOCHECK_API_KEY"} <= dropped and {"INFOCHECK_REQUEST_TIMEOUT", "INFOCHECK_TIMEOUT"} <= dropped
    assert kept and "INFOCHECK_REPORT_DIR" in kept
    assert isolation.CHILD_ENV_DROPPED == dropped
    environ = {name: "x" for name in dropped | kept} | {"TEAM_KEY": "secret", "HOME": "/home/ci"}
    env = isolation.child_environment(environ, {"TEAM_KEY"}, {"INFOCHECK_ENDPOINT": "https://own"}, windows=False)
    assert env == {name: "x" for name in kept} | {"HOME": "/home/ci", "INFOCHECK_ENDPOINT": "https://own"}
    assert isolation.WINDOWS is (os.name == "nt")


def test_a_targets_path_keeps_only_absolute_folders_and_windows_skips_the_current_folder():
    import os

    from infocheck.fleet import isolation

    root = os.path.abspath(os.sep)
    absolute = [os.path.join(root, "usr", "bin"), os.path.join(root, "bin")]
    path = os.pathsep.join(["", absolute[0], "bin", ".", absolute[1], ""])
    assert isolation.absolute_path(path) == os.pathsep.join(absolute)
    assert isolation.absolute_path("") == ""
    env = isolation.child_environment({"PATH": path, "A": "1"}, set(), {}, windows=False)
    assert env == {"PATH": os.pathsep.join(absolute), "A": "1"}
    assert isolation.child_environment({"A": "1"}, set(), {}, windows=False) == {"A": "1"}   # no PATH is made up
    assert isolation.child_environment({"A": "1"}, set(), {}, windows=True) == {"A": "1", isolation.NO_CURRENT_FOLDER: "1"}


SECRET_KEY = "k3y-0f-an0ther-target-5ecret"


def _scrubber():
    from infocheck.wire.secret import Scrubber, Secret
    return Scrubber([Secret(SECRET_KEY)])


def test_a_file_is_masked_in_place_and_says_whether_a_secret_was_there(tmp_path, monkeypatch):
    from pathlib import Path

    from infocheck.fleet.isolation import scrub_file

    with_secret, clean = tmp_path / "with.txt", tmp_path / "clean.txt"
    with_secret.write_text(f"got {SECRET_KEY} back\n", encoding="utf-8")
    clean.write_text("nothing here\n", encoding="utf-8")
    assert scrub_file(with_secret, _scrubber()) is True
    assert SECRET_KEY not in with_secret.read_text(encoding="utf-8") and "got " in with_secret.read_text(encoding="utf-8")
    written, write = [], Path.write_text
    monkeypatch.setattr(Path, "write_text", lambda self, *a, **k: written.append(self) or write(self, *a, **k))
    assert scrub_file(clean, _scrubber()) is False
    assert clean.read_text(encoding="utf-8") == "nothing here\n" and written == []   # a clean file is not rewritten


def test_a_file_that_cannot_be_masked_is_removed_and_a_missing_one_is_no_error(tmp_path):
    from infocheck.fleet.isolation import scrub_file

    path = tmp_path / "report.txt"
    path.write_text(f"got {SECRET_KEY}", encoding="utf-8")

    class Broken:
        def text(self, text):
            raise RuntimeError("cannot mask")

    assert scrub_file(path, Broken()) is False and not path.exists()
    assert scrub_file(tmp_path / "never-written.txt", _scrubber()) is False


def test_every_string_of_a_document_is_masked_on_its_own_keys_too():
    from infocheck.fleet.isolation import scrub_data

    document = {"a": [f"x{SECRET_KEY}", 3, None, {"b": "clean"}], f"key {SECRET_KEY}": 1, 7: "seven"}
    masked, found = scrub_data(document, _scrubber())
    assert found is True
    assert SECRET_KEY not in repr(masked)
    assert masked["a"][1:] == [3, None, {"b": "clean"}] and masked[7] == "seven"
    assert masked["a"][0].startswith("x") and any(k != f"key {SECRET_KEY}" and str(k).startswith("key ") for k in masked)
    assert scrub_data({"a": ["clean", 1], 2: {"c": "d"}}, _scrubber()) == ({"a": ["clean", 1], 2: {"c": "d"}}, False)
    assert scrub_data(["clean", f"{SECRET_KEY}", "clean"], _scrubber())[1] is True   # a secret before the last string
    assert scrub_data([f"{SECRET_KEY}", "clean"], _scrubber())[1] is True            # found stays found


# -- fleet/diffing.py -------------------------------------------------------------------------------

def _fresh(text):
    """The same words as a new object, as a report read from a file holds them: a comparison of
    identity (`is`) where equality is meant fails on it."""
    return "".join(list(text)) if isinstance(text, str) else text


def _summary(name, verdict="NOT CONFORMANT", api_versions=(), **verdicts):
    return {"name": _fresh(name), "verdict": _fresh(verdict), "api_versions": [_fresh(v) for v in api_versions],
            "verdicts": {_fresh(k.replace("_", "-")): _fresh(v) for k, v in verdicts.items()}}


# (was, now) of one requirement -> where diff puts it; "not run" is a requirement one report lacks
CHANGES = [
    ("passed", "failed", "regressions"), ("passed", "finding", "regressions"),
    ("finding", "failed", "regressions"), ("waived", "failed", "regressions"),
    ("not tested", "finding", "regressions"), ("not run", "failed", "regressions"),
    ("failed", "not tested", "regressions"), ("failed", "skipped", "regressions"),
    ("passed", "not run", "regressions"), ("waived", "ignored", "regressions"),
    ("failed", "passed", "fixes"), ("finding", "passed", "fixes"),
    ("failed", "waived", "unresolved"), ("finding", "waived", "unresolved"),
    ("failed", "finding", None), ("passed", "waived", None), ("waived", "passed", None),
    ("not tested", "passed", None), ("not run", "passed", None), ("skipped", "not tested", None),
    ("not tested", "not run", None),
]


@pytest.mark.parametrize("was, now, kind", CHANGES)
def test_diff_sorts_each_change_of_a_requirement_verdict(was, now, kind):
    old = _summary("east", **({} if was == "not run" else {"A_1": was}), A_2="passed")
    new = _summary("EAST", **({} if now == "not run" else {"A_1": now}), A_2="passed")
    changes = diff_of(old, new)
    found = {bucket: [(c["target"], c["requirement"], c["was"], c["now"]) for c in changes[bucket]]
             for bucket in ("regressions", "fixes", "unresolved")}
    expected = {bucket: ([("EAST", "A-1", was, now)] if bucket == kind else [])
                for bucket in ("regressions", "fixes", "unresolved")}
    assert found == expected
    assert changes["exit_code"] == (1 if kind == "regressions" else 0)


def diff_of(*pair):
    from infocheck.fleet.diffing import diff
    return diff([pair[0]], [pair[1]])


def test_diff_names_a_targets_verdict_change_and_an_api_version_no_longer_checked():
    from infocheck.fleet.diffing import diff

    old = [_summary("a", "NOT CONFORMANT", A_1="passed"), _summary("b", "CONFORMANT", ["v1", "v2"], A_1="passed"),
           _summary("c", "COULD NOT TEST", ["v1"], A_1="passed"), _summary("gone", "CONFORMANT"),
           _summary("gone-too", "CONFORMANT")]
    new = [_summary("A", "CONFORMANT", A_1="passed"), _summary("b", "CONFORMANT", ["v2", "v3"], A_1="passed"),
           _summary("c", "COULD NOT TEST", ["v1"], A_1="passed"), _summary("zeta", "CONFORMANT"),
           _summary("new", "NOT CONFORMANT")]
    changes = diff(old, new)
    assert changes["fixes"] == [{"target": "A", "requirement": None, "was": "NOT CONFORMANT", "now": "CONFORMANT"}]
    assert changes["regressions"] == [{"target": "b", "requirement": None, "api_version": "v1",
                                       "was": "checked", "now": "not checked"}]
    assert (changes["new_targets"], changes["removed_targets"]) == (["new", "zeta"], ["gone", "gone-too"])
    assert changes["unresolved"] == [] and changes["exit_code"] == 1
    calm = diff([_summary("a", "NOT CONFORMANT", A_1="failed")], [_summary("a", "CONFORMANT", A_1="passed")])
    assert calm["exit_code"] == 0 and [c["requirement"] for c in calm["fixes"]] == [None, "A-1"]
    worse = diff([_summary("a", "CONFORMANT")], [_summary("a", "COULD NOT TEST")])
    assert worse["regressions"] == [{"target": "a", "requirement": None, "was": "CONFORMANT", "now": "COULD NOT TEST"}]


class _Run:
    """What same_endpoint reads of a merge of reports."""

    def __init__(self, single, summaries, shown="old/infocheck.json"):
        self.single, self.summaries = single, summaries
        self.reports = [type("Shown", (), {"shown": shown})()]


def test_diff_compares_two_single_runs_of_one_endpoint_and_contract_under_one_name():
    from infocheck.fleet.diffing import same_endpoint
    from infocheck.fleet.reading import ReportError

    def run(name, endpoint="https://a.example", contract="info", embedded=False, single=True, shown="x"):
        return _Run(single, [{"name": name, "endpoint": endpoint, "contract": contract, "embedded": embedded}], shown)

    old, new = run("reports-old"), run("reports-new")
    same_endpoint(old, new)
    assert new.summaries[0]["name"] == "reports-old"
    embedded_old, embedded_new = run("e1", "https://a", embedded=True), run("e2", "https://b", embedded=True)
    same_endpoint(embedded_old, embedded_new)   # both checked the embedded server, whatever endpoint row they hold
    assert embedded_new.summaries[0]["name"] == "e1"
    for fleet in ((run("f1", single=False), run("f2")), (run("f1"), run("f2", single=False))):
        same_endpoint(*fleet)
        assert fleet[1].summaries[0]["name"] == "f2"   # a fleet's targets keep their names
    for other, says in ((run("n", "https://b.example", shown="new/infocheck.json"),
                         "old/infocheck.json checked https://a.example (info contract) and new/infocheck.json "
                         "checked https://b.example (info contract): diff compares two runs of one endpoint and contract"),
                        (run("n", contract="models", shown="new/infocheck.json"), "(models contract)"),
                        (run("n", endpoint=None, shown="new/infocheck.json"), "checked an unknown endpoint (info contract)"),
                        (run("n", embedded=True, shown="new/infocheck.json"), "checked the embedded reference server")):
        with pytest.raises(ReportError) as refused:
            same_endpoint(run("reports-old", shown="old/infocheck.json"), other)
        assert says in str(refused.value) and other.summaries[0]["name"] == "n"


# -- judging/echoes.py ------------------------------------------------------------------------------

def _entry(code, verdict, explanation="why"):
    return {"name": "east", "exit_code": code, "verdict": verdict,
            "result": {"contract": "info", "exit_code": code, "verdict": verdict, "explanation": explanation,
                       # IDs as a report read from a file holds them: equal to the catalogue's, not the same objects
                       "requirements": [{"id": "".join(["X-", "ECHO"]), "verdict": "passed", "messages": ["earlier"]},
                                        {"id": "A-BEFORE", "verdict": "passed", "messages": []},
                                        {"id": "X-OTHER", "verdict": "passed", "messages": []}]}}


@pytest.mark.parametrize("code, verdict, stays", [
    (0, "CONFORMANT", False), (2, "COULD NOT TEST", False), (3, "INTERNAL ERROR", False),
    (1, "NOT CONFORMANT", True), (4, "USAGE ERROR", True)])
def test_an_echo_fails_only_the_no_echo_requirement_and_leaves_a_failed_or_misused_run_as_it_was(code, verdict, stays):
    from infocheck.judging.echoes import ECHO_MESSAGE, echoed_elsewhere

    asked = []
    judged = echoed_elsewhere(_entry(code, verdict), lambda contract: asked.append(contract) or "X-ECHO")
    assert asked == ["info"]
    echo, before, other = judged["result"]["requirements"]
    assert echo == {"id": "X-ECHO", "verdict": "failed", "messages": [f"[MUST X-ECHO] {ECHO_MESSAGE}", "earlier"]}
    assert before == {"id": "A-BEFORE", "verdict": "passed", "messages": []}   # an ID that sorts before it
    assert other == {"id": "X-OTHER", "verdict": "passed", "messages": []}
    now = (code, verdict, "why") if stays else (1, "NOT CONFORMANT", "a MUST requirement failed")
    result = judged["result"]
    assert (result["exit_code"], result["verdict"], result["explanation"]) == now
    assert (judged["exit_code"], judged["verdict"], judged["name"]) == (now[0], now[1], "east")


def test_an_echo_in_a_result_without_requirements_still_fails_the_target_and_no_result_is_left_alone():
    from infocheck.judging.echoes import echoed_elsewhere

    entry = {"name": "w", "exit_code": 0, "verdict": "CONFORMANT",
             "result": {"contract": None, "exit_code": 0, "verdict": "CONFORMANT", "explanation": ""}}
    judged = echoed_elsewhere(entry, lambda contract: "X-ECHO")
    assert (judged["exit_code"], judged["verdict"]) == (1, "NOT CONFORMANT")
    alone = {"name": "w", "exit_code": 3, "verdict": "INTERNAL ERROR", "result": None}
    assert echoed_elsewhere(alone, lambda contract: pytest.fail("no result asks for no requirement")) is alone


class _Copying:
    """A masker that hands back an equal copy of a text it leaves alone: whether a secret was
    there is a matter of the text's value, not of which object comes back."""

    def __init__(self, secret):
        self._real = _scrubber_of(secret)

    def text(self, text):
        return "".join(list(self._real.text(text)))


def _scrubber_of(secret):
    from infocheck.wire.secret import Scrubber, Secret
    return Scrubber([Secret(secret)])


LOW_KEY = "!" + SECRET_KEY   # sorts before its mask: a masked text is not always 'less' than the text


def test_a_secret_is_found_by_what_was_masked_whatever_sorts_first_and_whatever_object_comes_back(tmp_path, monkeypatch):
    from pathlib import Path

    from infocheck.fleet.isolation import scrub_data, scrub_file

    path = tmp_path / "out.txt"
    path.write_text(f"{LOW_KEY} was sent back", encoding="utf-8")
    assert scrub_file(path, _scrubber_of(LOW_KEY)) is True and LOW_KEY not in path.read_text(encoding="utf-8")
    masked, found = scrub_data({"body": f"{LOW_KEY} was sent back"}, _scrubber_of(LOW_KEY))
    assert found is True and LOW_KEY not in masked["body"]
    clean = tmp_path / "clean.txt"
    clean.write_text("nothing here", encoding="utf-8")
    written, write = [], Path.write_text
    monkeypatch.setattr(Path, "write_text", lambda self, *a, **k: written.append(self) or write(self, *a, **k))
    assert scrub_file(clean, _Copying(SECRET_KEY)) is False and written == []   # nothing masked, nothing rewritten
    assert scrub_data({"body": "nothing here"}, _Copying(SECRET_KEY)) == ({"body": "nothing here"}, False)


def test_a_folder_where_a_file_was_expected_is_neither_masked_nor_removed_and_stops_nothing(tmp_path):
    from infocheck.fleet.isolation import scrub_file

    folder = tmp_path / "infocheck.json"
    folder.mkdir()
    (folder / "inside.txt").write_text(SECRET_KEY, encoding="utf-8")
    assert scrub_file(folder, _scrubber()) is False   # masked: a folder cannot be read, nor unlinked
    assert folder.is_dir()


# -- fleet/reading.py -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def single_report(tmp_path_factory):
    """A real single run's report of a served endpoint."""
    from harness import run_suite, serve

    tmp = tmp_path_factory.mktemp("single")
    with serve() as server:
        run = run_suite(tmp, endpoint=server.url, html=False)
    assert run.code == 0, run.stdout[-1500:]
    return (tmp / "reports" / "infocheck.json").read_bytes()


def test_reading_a_single_runs_report_names_it_after_its_folder_or_refuses_a_folder_no_target_is_named(tmp_path, single_report):
    from infocheck.fleet import reading

    good = tmp_path / "reports-eastus2" / "infocheck.json"
    good.parent.mkdir()
    good.write_bytes(single_report)
    report = reading.read(str(good))
    assert report.single is True and [t["name"] for t in report.targets] == ["reports-eastus2"]
    assert report.targets[0]["exit_code"] == 0
    bad = tmp_path / "east us" / "infocheck.json"
    bad.parent.mkdir()
    bad.write_bytes(single_report)
    with pytest.raises(reading.ReportError, match="is not a target name"):
        reading.read(str(bad))


def test_reading_a_fleet_report_is_not_a_single_run_whatever_it_holds(tmp_path, single_report, capsys):
    from infocheck.cli import main as infocheck
    from infocheck.fleet import reading

    single = tmp_path / "reports-eastus2" / "infocheck.json"
    single.parent.mkdir()
    single.write_bytes(single_report)
    merged = tmp_path / "merged" / "infocheck.json"
    merged.parent.mkdir()
    assert infocheck(["merge", str(single), "--json", str(merged)]) == 0, capsys.readouterr()
    report = reading.read(str(merged))
    assert report.single is False and [t["name"] for t in report.targets] == ["reports-eastus2"]


# -- judging/exit_codes.py --------------------------------------------------------------------------

@pytest.mark.parametrize("codes, expected", [
    ([0, 5], 5), ([5, 0], 5), ([0, -9, 130], -9), ([130, 0], 130), ([0, 0], 0), ([], 0), ([0, 2, 5], 2)])
def test_the_worst_of_exit_codes_is_the_first_status_no_code_names_when_no_code_is_there(codes, expected):
    """A status no ExitCode names (pytest's own, a signal's, an interruption's) is what a fleet
    reports when nothing ranked is there: never CONFORMANT for it."""
    from infocheck.judging.exit_codes import ExitCode, worst

    assert worst(codes) == expected
    assert worst([ExitCode.CONFORMANT, *codes]) == expected
