"""A fleet target does no work its fork server, or an earlier example, could have done once
(issue 28: a fleet of 100 costs a fifth of 100 single runs), and what it shares changes nothing
it sends, finds or writes.

- The fork server imports what every session imports lazily (pytest's own plugins, pdb, the
  config file's parser, plugins' hook specifications), compiles pytest-html's template and
  reads Hypothesis's Unicode tables, out of the folder the fleet runs from.
- A property test builds its strategies once, not for every example.
- A report's outcome is read from its data once, however many reporters ask.
- The parent undoes a page's HTML references without a Python call for each common one.
- The fleet's infocheck.json is written as a merge writes it: the head indented, a target a line."""
from __future__ import annotations

import html
import json
import os
import subprocess
import sys
import textwrap

from hypothesis import given, settings
from hypothesis import strategies as st

from harness import ROOT, KEY, clean_env, run_suite, serve
from infocheck.wire.secret import html_unescape
from test_fleet import fleet_file

IMPORTS = textwrap.dedent('''
    import json, os, sys
    from infocheck.fleet import zygote
    zygote.warm()
    import pytest
    before = set(sys.modules)
    pid = os.fork()
    if pid == 0:
        os.chdir(sys.argv[3])
        out = os.open(os.path.join(sys.argv[2], "output.txt"), os.O_WRONLY | os.O_CREAT)
        os.dup2(out, 1)
        os.dup2(out, 2)
        code = pytest.main(["--endpoint", sys.argv[1], "--report-dir=" + sys.argv[2]])
        with open(os.path.join(sys.argv[2], "imported.json"), "w") as found:
            json.dump({"code": code, "new": sorted(set(sys.modules) - before)}, found)
        os._exit(0)
    os.waitpid(pid, 0)
    from pytest_html import plugin
    from infocheck.reports import html
    print(json.dumps({"kept": getattr(plugin._read_template, "kept_by_infocheck", False),
                      "versions": html.package_version.cache_info().currsize}))
''')


def test_a_forked_target_imports_nothing_but_the_suites_its_fork_server_could_have(tmp_path):
    """Any other module named here is one every session imports: add it to zygote.LAZY_MODULES."""
    cache, folder = tmp_path / "cache", tmp_path / "run"
    folder.mkdir()
    with serve() as server:
        done = subprocess.run([sys.executable, "-c", IMPORTS, server.url, str(folder), str(ROOT)],
                              capture_output=True, text=True, timeout=300, cwd=tmp_path,
                              env=clean_env(INFOCHECK_API_KEY=KEY, XDG_CACHE_HOME=str(cache)))
    assert done.returncode == 0, done.stderr[-3000:]
    from infocheck.reports import html
    # pytest-html's template compiled, and the packages' versions every page names looked up, once
    assert json.loads(done.stdout.splitlines()[-1]) == {"kept": True, "versions": len(html.PACKAGES)}
    imported = json.loads((folder / "imported.json").read_text())
    assert imported["code"] == 0, (folder / "output.txt").read_text()[-3000:]
    assert [m for m in imported["new"] if m != "conftest" and m.split(".")[0] != "suites"] == []
    assert "suites.info.test_api_version" in imported["new"]   # the control: the child did import
    # Hypothesis's tables were read into infocheck's cache home, not the folder it ran from
    assert not (tmp_path / ".hypothesis").exists() and (cache / "infocheck" / "hypothesis").is_dir()


HELD = textwrap.dedent('''
    import os, sys
    os.environ.pop("XDG_CACHE_HOME", None)
    os.environ["HOME"] = sys.argv[1]
    from hypothesis.internal import charmap
    from infocheck.fleet import zygote
    zygote._load_unicode_tables()
    print(charmap._charmap is None)
''')


def test_the_fork_server_reads_no_unicode_table_where_a_run_would_keep_it_nowhere(tmp_path):
    # No cache home at all (HOME relative): each child reads its own, into a folder of its own
    done = subprocess.run([sys.executable, "-c", HELD, "relative-home"], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path, env=clean_env())
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["True"] and list(tmp_path.iterdir()) == []


COUNTED = textwrap.dedent('''
    import sys
    from hypothesis import given, settings, strategies as st
    from hypothesis.strategies._internal.strategies import SearchStrategy
    from infocheck.contracts import strategies

    built = []   # the strategies infocheck's own code built (Hypothesis builds some per draw itself)
    init = SearchStrategy.__init__
    def counted(self, *args, **kwargs):
        frame = sys._getframe(1)
        while frame is not None:
            if frame.f_code.co_filename == strategies.__file__:
                built.append(type(self).__name__)
                break
            frame = frame.f_back
        return init(self, *args, **kwargs)
    SearchStrategy.__init__ = counted
    marks = []

    @settings(max_examples=40, database=None, derandomize=True)
    @given(headers=strategies.incidental_headers(), data=st.data())
    def draws(headers, data):
        for name in ("Authorization", "api-key", "Accept"):
            data.draw(strategies.recased(name))
        marks.append(len(built))

    draws()
    print(marks[0], marks[-1], len(marks))
''')


def test_a_property_test_builds_its_strategies_once_not_for_every_example():
    done = subprocess.run([sys.executable, "-c", COUNTED], capture_output=True, text=True, timeout=300,
                          env=clean_env())
    assert done.returncode == 0, done.stderr[-3000:]
    at_first, at_last, examples = map(int, done.stdout.split())
    assert examples > 10 and at_first > 0   # the control: the first example's are counted
    assert at_last == at_first   # nothing built for any later example


REFERENCES = st.lists(st.sampled_from(["&", "amp;", "lt;", "gt;", "quot;", "#34;", "#39;", "#x27;", "#x27",
                                       "#340;", "ampx;", "not", "notin;", "nbsp", ";", "#", "x", "a", "<",
                                       '"', "'", " ", "\n", "1", "AMP;", "#X27;", "#0;", "#xd800;"]),
                      max_size=30).map("".join)


@settings(max_examples=2000, deadline=None)
@given(REFERENCES)
def test_html_references_are_undone_exactly_as_html_unescape_undoes_them(text):
    assert html_unescape(text) == html.unescape(text)


def test_a_report_page_is_undone_exactly_as_html_unescape_undoes_it(tmp_path):
    with serve() as server:
        run = run_suite(tmp_path, endpoint=server.url)
    page = (tmp_path / "reports" / "infocheck.html").read_text(encoding="utf-8")
    assert run.code == 0 and page.count("&#34;") > 100
    assert html_unescape(page) == html.unescape(page)


def test_a_fleet_writes_its_report_as_a_merge_does_a_target_on_each_line(tmp_path):
    with serve(key="shared-work-key-0123456789") as one, serve(key="shared-work-key-9876543210") as two:
        run = run_suite(tmp_path, "--fleet", fleet_file(tmp_path, [
            {"name": "one", "endpoint": one.url, "api_key_env": "ONE_KEY"},
            {"name": "two", "endpoint": two.url, "api_key_env": "TWO_KEY"}]), key=None, html=False,
            env={"ONE_KEY": "shared-work-key-0123456789", "TWO_KEY": "shared-work-key-9876543210"})
    assert run.code == 0, run.stdout[-3000:]
    text = (tmp_path / "reports" / "infocheck.json").read_text(encoding="utf-8")
    lines = text.splitlines()
    start = lines.index('  "targets": [')
    assert lines[start + 1:] == [f"    {json.dumps(t, ensure_ascii=False)}" + ("," if i == 0 else "")
                                 for i, t in enumerate(json.loads(text)["targets"])] + ["  ]", "}"]
    assert json.loads(text)["verdict"] == "CONFORMANT"


def test_a_reports_outcome_is_read_once_however_many_reporters_ask():
    from infocheck.judging.outcome import Outcome, TestOutcome
    from infocheck.plugin.outcomes import outcome_of

    class Report:   # what pytest's report is to outcome_of: an object with the data on it
        pass

    report = Report()
    report.infocheck = TestOutcome("t::a", ("R-1",), Outcome.PASSED).as_data()
    first = outcome_of(report)
    assert outcome_of(report) is first and first.outcome is Outcome.PASSED
    report.infocheck = TestOutcome("t::a", ("R-1",), Outcome.FAILED, ("R-1",)).as_data()
    assert outcome_of(report).outcome is Outcome.FAILED   # new data: read anew
    report.infocheck = "not a dict"
    assert outcome_of(report) is None


def test_an_outcome_as_data_is_what_asdict_made_of_it():
    from dataclasses import asdict
    from infocheck.judging.outcome import Outcome, TestOutcome, Traffic
    outcome = TestOutcome("t::b", ("R-1", "R-2"), Outcome.FINDING, ("R-2",), message="m", brief="b",
                          summary="s", transcript="tr", api_version="v1", levels=("MUST", "SHOULD"),
                          expired_waiver="w", settled=True, internal=True, usage="u", team=True,
                          process="p", traffic=Traffic(3, 1, 0.5), evidence=(("R-2", "got", "curl"),))
    expected = asdict(outcome)
    expected.update(outcome="finding", traffic=[3, 1, 0.5], requirements=["R-1", "R-2"],
                    failed_requirements=["R-2"], levels=["MUST", "SHOULD"], evidence=[["R-2", "got", "curl"]])
    assert outcome.as_data() == expected and list(outcome.as_data()) == list(expected)   # its order too
    assert TestOutcome.from_data(outcome.as_data()) == outcome


def test_a_fleet_document_without_its_targets_is_written_as_it_is():
    from infocheck.judging.report_model import FleetReport
    report = FleetReport.from_dict({"infocheck": "1.2.0", "verdict": "CONFORMANT"})
    assert report.to_json() == json.dumps({"infocheck": "1.2.0", "verdict": "CONFORMANT"}, indent=2)


def test_the_suites_folder_is_resolved_once_however_many_tests_ask(tmp_path):
    from infocheck import contracts
    from infocheck.plugin import collection

    class Item:
        def __init__(self, path):
            self.path, self.stash = path, {}

    contract = contracts.get("info")
    collection.resolved.cache_clear()
    suites = contract.data("suites")
    items = [Item(suites / "test_api_version.py"), Item(suites / "test_authentication.py"),
             Item(tmp_path / "test_team.py")]
    assert [collection.in_suites(item, contract) for item in items] == [True, True, False]
    assert collection.resolved.cache_info().misses == 1
