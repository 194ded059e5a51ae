"""The Action's step summary and annotations (issue 27): a reviewer sees the verdict, each failed
requirement and what came back, why a run could not test, and a fleet's targets that did not
pass, without downloading the artifact; each failed requirement is a `::error` workflow
command. Both are read from infocheck.json through its model (infocheck/reports/ci_summary.py),
and what an endpoint said can neither start a second workflow command nor become Markdown."""
from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from action_runner import offline_run
from faults import IgnoresTheScheme
from harness import KEY, checkout, linked_venv, run_suite, serve
from infocheck.cli import main as infocheck
from infocheck.judging.report_model import read
from infocheck.reports import ci_summary
from infocheck.wire.printable import printable
from infocheck.wire.secret import Scrubber, Secret

FORGED = "x\n::error title=forged::pwned\r::warning::y%0A::add-mask::z, a: b"


class ForgesWorkflowCommands(IgnoresTheScheme):
    """Fails AUTH-MALFORMED, and what it answers says workflow commands and Markdown."""

    def send_model_info(self, model, head):
        super().send_model_info(dict(model, model_name=FORGED + " ![i](http://x.example/t.png) "
                                     "<img src=x> [l](http://x.example) | # h"), head)


# -- GitHub's runner, as it reads a line of a step's output -------------------------------------
# actions/runner, src/Runner.Common/ActionCommand.cs: TryParseV2 and its unescaping.

def parse_command(line: str):
    """(command, properties, data) of a `::command k=v,k=v::data` line, or None."""
    if not line.startswith("::"):
        return None
    end = line.find("::", 2)
    if end < 0:
        return None
    info, data = line[2:end], line[end + 2:]
    name, _, rest = info.partition(" ")
    properties = {}
    for pair in filter(None, rest.split(",")):
        key, _, value = pair.partition("=")
        properties[key] = (value.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":")
                           .replace("%2C", ",").replace("%25", "%"))
    return name, properties, data.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def commands(text: str) -> list:
    return [c for c in map(parse_command, re.split(r"\r\n|\r|\n", text)) if c is not None]


# -- the escaping, for any text -----------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(title=st.text(), message=st.text())
def test_an_annotation_is_one_command_that_reads_back_as_its_text(title, message):
    line = ci_summary.annotation("error", title, message)
    assert len(re.split(r"\r\n|\r|\n", line)) == 1
    assert commands(line) == [("error", {"title": printable(title, ci_summary.TEXT_LIMIT)},
                               printable(message, ci_summary.TEXT_LIMIT * 2))]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_markdown_text_is_one_line_of_literal_characters(text):
    shown = ci_summary.markdown(text)
    assert "\n" not in shown and "\r" not in shown and "<" not in shown and ">" not in shown
    unescaped = re.sub(r"\\(.)", "", shown)
    assert not set(unescaped) & set("\\`*_{}[]()#+-.!|~:"), shown


def test_the_escapes_are_github_s():
    assert ci_summary.command_data("a%b\r\nc") == "a%25b%0D%0Ac"
    assert ci_summary.command_property("t:1,2%") == "t%3A1%2C2%25"
    assert ci_summary.markdown("[a](b) <i> *c*") == r"\[a\]\(b\) &lt;i&gt; \*c\*"


# -- the summary and annotations of real runs ---------------------------------------------------

@pytest.fixture(scope="module")
def failing(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("failing")
    with serve(ForgesWorkflowCommands) as server:
        run = run_suite(tmp, "-m", "auth", endpoint=server.url, html=False)
    assert run.code == 1, run.stdout[-2000:]
    return tmp / "reports" / "infocheck.json"


def test_the_summary_lists_each_failed_requirement_with_what_came_back(failing):
    report = read(failing)
    failed = [r for r in report.requirements if r.verdict == "failed"]
    assert [r.id for r in failed] == ["AUTH-MALFORMED"]
    text = ci_summary.summary(report, 1)
    assert text.startswith("### infocheck: NOT CONFORMANT (exit 1)\n")
    assert "**Failed requirements (1):**" in text
    assert f"**{ci_summary.markdown('AUTH-MALFORMED')}** (MUST): " in text
    assert ci_summary.markdown(failed[0].statement) in text
    assert "got: " + ci_summary.markdown("200 OK") in text
    assert "**Why:** " + ci_summary.markdown("a MUST requirement failed") in text
    # nothing the server sent is Markdown: no link, image, HTML or second line of its own
    for line in text.splitlines():
        assert not re.search(r"(?<!\\)[\[!<]|(?<!\\)\|", line.replace("<br>", "")), line


def test_each_failed_requirement_is_one_error_command_nothing_forged(failing):
    report = read(failing)
    lines = ci_summary.annotations(report)
    found = commands("\n".join(lines))
    assert [(c[0], c[1]["title"]) for c in found] == [("error", "infocheck MUST AUTH-MALFORMED")]
    assert len(lines) == 1 and "forged" not in found[0][1]["title"]
    assert "pwned" in found[0][2]   # the server's text is there, as data of the one command


def test_a_could_not_test_summary_says_why(tmp_path):
    run = run_suite(tmp_path, endpoint="http://127.0.0.1:9", html=False)
    assert run.code == 2
    report = read(tmp_path / "reports" / "infocheck.json")
    text = ci_summary.summary(report, 2)
    assert text.startswith("### infocheck: COULD NOT TEST (exit 2)")
    assert report.explanation and "**Why:** " + ci_summary.markdown(report.explanation, 2000) in text
    assert ci_summary.annotations(report) == []


def test_a_fleet_summary_names_the_targets_that_did_not_pass(failing, tmp_path):
    passing = tmp_path / "good"
    run = run_suite(passing, embedded=True, key=None, html=False)
    assert run.code == 0
    (tmp_path / "eastus2").mkdir()
    (tmp_path / "eastus2" / "infocheck.json").write_bytes(failing.read_bytes())
    assert infocheck(["merge", str(tmp_path / "eastus2" / "infocheck.json"),
                      str(passing / "reports" / "infocheck.json"), "--json",
                      str(tmp_path / "fleet.json")]) in (1, 2)
    fleet = read(tmp_path / "fleet.json")
    text = ci_summary.summary(fleet, fleet.exit_code)
    assert "**Targets that did not pass (" in text and "- **eastus2**: NOT CONFORMANT" in text
    assert "  - **AUTH\\-MALFORMED** (MUST)" in text
    found = commands("\n".join(ci_summary.annotations(fleet)))
    assert ("error", {"title": "infocheck eastus2: MUST AUTH-MALFORMED"}) == found[0][:2]


def test_no_report_and_what_is_no_report_say_so(tmp_path):
    assert ci_summary.load(tmp_path / "none.json") is None
    (tmp_path / "x.json").write_text('{"verdict": "CONFORMANT"}')
    assert ci_summary.load(tmp_path / "x.json") is None
    assert ci_summary.summary(None, 4).startswith("### infocheck: NO REPORT (exit 4)")


def test_the_annotations_are_bounded(failing):
    report = read(failing)
    many = report.to_dict()
    template = many["requirements"][[r["verdict"] for r in many["requirements"]].index("failed")]
    many["requirements"] = [dict(template, id=f"X-{n}") for n in range(200)]
    doc = type(report).from_dict(many)
    assert len(ci_summary.annotations(doc)) == ci_summary.MAX_ANNOTATIONS
    assert ci_summary.summary(doc, 1).count("\n- **X\\-") == ci_summary.MAX_LISTED


# -- the Action ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def action(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("action")
    return checkout(tmp / "infocheck"), linked_venv(tmp / "python")


def test_the_action_writes_the_summary_and_one_error_per_failed_must(action, tmp_path):
    with serve(ForgesWorkflowCommands) as server:
        result = offline_run(action, tmp_path, endpoint=server.url, **{"api-key": KEY, "args": "-m auth"})
    assert result.outputs == {"exit-code": "1", "verdict": "NOT CONFORMANT"}, result.log[-3000:]
    report = json.loads((result.artifacts / "infocheck-reports" / "infocheck.json").read_text())
    failed = {r["id"] for r in report["requirements"] if r["verdict"] == "failed"}
    run_log = result.steps[[s.name for s in result.steps].index("Run infocheck")].log
    errors = [c for c in commands(run_log) if c[0] == "error"]
    assert {c[1]["title"].rsplit(" ", 1)[1] for c in errors} == failed == {"AUTH-MALFORMED"}
    assert not [c for c in commands(run_log) if c[0] != "error" or "forged" in str(c[1])]
    assert "**Failed requirements (1):**" in result.summary
    assert not Scrubber([Secret(KEY)]).contains_secret(result.summary + result.log)


@settings(max_examples=100, deadline=None)
@given(texts=st.lists(st.text(), min_size=6, max_size=6))
def test_whatever_the_report_s_texts_say_the_summary_is_made_and_each_annotation_is_one_command(
        failing, texts):
    doc = read(failing).to_dict()
    statement, summary, endpoint, explanation, level, ident = texts
    for requirement in doc["requirements"]:
        if requirement["verdict"] == "failed":
            requirement.update(statement=statement, id=ident or "X", level=level)
    for result in doc["results"]:
        if result["failed_requirements"]:
            result.update(summary=summary, failed_requirements=[ident or "X"])
    doc.update(endpoint=endpoint, explanation=explanation)
    report = type(read(failing)).from_dict(doc)
    lines = ci_summary.annotations(report)
    assert len(commands("\n".join(lines))) == len(lines) == 1
    text = ci_summary.summary(report, 1)
    assert text.startswith("### infocheck: NOT CONFORMANT (exit 1)\n")
    for line in text.splitlines():
        assert not re.search(r"(?<!\\)[\[!<|]", line.replace("<br>", "")), line
