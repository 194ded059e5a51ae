"""Issue 27, "The page": a failing run's infocheck.html explains itself. Its first screen lists
each failed requirement (ID, one line of why, its curl) before any passing row; one legend defines
every verdict word the page shows; a requirement's verdict never contradicts its tests (a test
that failed another requirement first did not check this one: "not checked", never "not run"
beside "failed"); pytest-html's own labels say what infocheck means. The words checked are taken
from infocheck's enumerations and from the page, not from a copy here."""
import html
import json
import re

import pytest
from hypothesis import given, settings, strategies as st

from completeness import faults, run_args, serve_fault
from faults import IgnoresTheScheme, NoDate
from harness import KEY, run_suite, serve
from infocheck.contracts.info.server import DEFAULT_MODELS, ReferenceServer, Settings
from infocheck.judging import catalogue as catalogue_module
from infocheck.judging.exit_codes import INTERRUPTED, ExitCode
from infocheck.judging.judge import requirement_verdicts
from infocheck.judging.outcome import ORDER, Outcome, TestOutcome
from infocheck.plugin.outcomes import cleaned
from infocheck.wire.secret import Scrubber, Secret

HOSTILE = '<img src=x onerror=alert(1)>"&\''


def section(page: str, anchor: str) -> str:
    """The HTML of the <section id=anchor> infocheck wrote (sections do not nest)."""
    start = page.index(f'<section id="{anchor}"')
    return page[start:page.index("</section>", start)]


def failed_blocks(page: str) -> dict[str, str]:
    """Each failed requirement's block in the failed-first section, by its ID."""
    found = re.findall(r'<div class="ic-failed" data-requirement="([^"]+)">(.*?)</div>',
                       section(page, "infocheck-failed"), re.S)
    return dict(found)


def data_verdicts(run) -> dict[str, str]:
    return {r["id"]: r["verdict"] for r in run.report["requirements"]}


@pytest.fixture(scope="module")
def models_failing(tmp_path_factory):
    """The models reference server that answers no retrieve route: MODELS-RETRIEVE-200 fails in
    each test of MODELS-RETRIEVE-200 and -ID, so -ID is checked by none of them."""
    tmp = tmp_path_factory.mktemp("no-retrieve")
    fault = faults("models")["NoRetrieveRoute"]
    with serve_fault("models", fault.handler) as server:
        run = run_suite(tmp, "--contract", "models", *run_args("models"), *fault.args,
                        endpoint=server.url)
    assert run.code == 1, run.stdout[-3000:]
    return run


@pytest.fixture(scope="module")
def hostile_failing(tmp_path_factory):
    """An info endpoint that fails AUTH-MALFORMED, with markup in every answer's body."""
    tmp = tmp_path_factory.mktemp("hostile")
    models = dict(DEFAULT_MODELS)
    models["phi3-mini"] = dict(models["phi3-mini"], model_provider_name=HOSTILE)
    with ReferenceServer(Settings(api_key=KEY, models=models), IgnoresTheScheme).start() as server:
        run = run_suite(tmp, endpoint=server.url)
    assert run.code == 1, run.stdout[-3000:]
    return run


@pytest.fixture(scope="module")
def with_findings(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("findings")
    with serve(NoDate) as server:
        run = run_suite(tmp, endpoint=server.url)
    assert run.code == 0 and run.findings, run.stdout[-3000:]
    return run


# -- 1. the failed requirements first ----------------------------------------------------------

@pytest.mark.parametrize("which", ["models_failing", "hostile_failing"])
def test_each_failed_requirement_comes_first_with_why_and_curl(request, which):
    run = request.getfixturevalue(which)
    page = run.outputs["infocheck.html"]
    failed = {i for i, v in data_verdicts(run).items() if v == "failed"}
    assert failed and failed == run.must_failed
    blocks = failed_blocks(page)
    assert set(blocks) == failed          # each failed requirement, and nothing else
    for requirement_id, block in blocks.items():
        curl = html.unescape(re.search(r'<code class="ic-curl">(.*?)</code>', block, re.S).group(1))
        assert curl.startswith("curl ") and "$INFOCHECK_API_KEY" in curl, curl
        why = re.search(r'<p class="ic-why">(.*?)</p>', block, re.S).group(1)
        assert f"<b>{requirement_id}</b>" in why and len(html.unescape(re.sub("<[^>]+>", "", why))) > len(requirement_id) + 8
    # before any passing row, the chart, the by-version matrix and pytest-html's filters
    first_failed = page.index('id="infocheck-failed"')
    for later in ('data-verdict="passed"', 'id="infocheck-chart"', 'id="infocheck-matrix"',
                  'class="filters"'):
        assert later not in page or page.index(later) > first_failed, later
    assert page.index('id="infocheck-verdict"') < first_failed
    assert not run.leaks()


def test_what_an_endpoint_sent_is_escaped_in_the_failed_list(hostile_failing):
    failed = section(hostile_failing.outputs["infocheck.html"], "infocheck-failed")
    assert "<img" not in failed and "&lt;img src=x onerror=alert(1)&gt;" in failed


def test_a_passing_run_has_no_failed_list(with_findings):
    assert 'id="infocheck-failed"' not in with_findings.outputs["infocheck.html"]


# -- 2. one legend, every word shown ----------------------------------------------------------

def verdict_words() -> set[str]:
    """Every verdict word infocheck can put on the page, from its enumerations: the run's
    verdicts, each test's and requirement's outcome, the levels."""
    return ({code.verdict for code in ExitCode} | {INTERRUPTED} | {str(o) for o in Outcome}
            | set(catalogue_module.LEVELS) | {catalogue_module.IGNORED})


def legend_of(page: str) -> list[str]:
    assert page.count('id="infocheck-legend"') == 1   # one legend
    return [html.unescape(w) for w in re.findall(r"<dt>(.*?)</dt>", section(page, "infocheck-legend"))]


def filter_labels(page: str) -> list[str]:
    """pytest-html's filter labels as the page shows them ("3 passed," -> "passed")."""
    filters = page[page.index('<div class="filters">'):]
    filters = filters[:filters.index("</div>")]
    return [re.sub(r"^\d+ ", "", html.unescape(t)).rstrip(",")
            for t in re.findall(r'<span class="\w+">(.*?)</span>', filters)]


def result_cells(page: str) -> list[tuple[str, str]]:
    """Each row of pytest-html's table: (its result cell's word, its pytest text), from the data
    its script renders."""
    blob = html.unescape(re.search(r'data-jsonblob="([^"]*)"', page).group(1))
    rows = [row for tests in json.loads(blob)["tests"].values() for row in tests]
    found = []
    for row in rows:
        cell = row["resultsTableRow"][0]
        match = re.match(r'<td class="col-result"(?: data-word="([^"]*)")?>(.*?)</td>', cell)
        found.append((match.group(1), match.group(2)))
    return found


@pytest.mark.parametrize("which", ["models_failing", "hostile_failing", "with_findings"])
def test_every_verdict_word_shown_has_its_one_legend_entry(request, which):
    page = request.getfixturevalue(which).outputs["infocheck.html"]
    legend = legend_of(page)
    assert len(legend) == len(set(legend)), "a word defined twice"
    shown_page = page.replace(section(page, "infocheck-legend"), "")
    shown = {w for w in verdict_words() if re.search(rf"(?<![\w-]){re.escape(html.escape(w))}(?![\w-])", shown_page)}
    shown |= set(filter_labels(page)) | {word for word, _ in result_cells(page)}
    assert shown, "no verdict word found on the page"
    missing = sorted(shown - set(legend))
    assert not missing, f"shown without a legend entry: {missing}"


def test_the_legend_defines_every_word_infocheck_can_emit(models_failing):
    assert verdict_words() <= set(legend_of(models_failing.outputs["infocheck.html"]))


# -- 3. a requirement's verdict never contradicts its tests -----------------------------------

def test_a_requirement_its_tests_failed_elsewhere_is_not_checked_not_not_run(models_failing):
    run = models_failing
    verdicts = data_verdicts(run)
    tests = {t["test"]: t for t in run.report["results"]}
    assert verdicts["MODELS-RETRIEVE-200"] == "failed"
    assert verdicts["MODELS-RETRIEVE-ID"] == "not checked"      # "not run" before issue 27
    for r in run.report["requirements"]:
        outcomes = [tests[t]["outcome"] for t in r["tests"]]
        if r["verdict"] == "not run":     # no test of it ran, then
            assert set(outcomes) <= {"not run"}, (r["id"], outcomes)
        if outcomes and all(o in ("failed", "finding", "waived") for o in outcomes) \
                and not any(r["id"] in tests[t]["failed_requirements"] for t in r["tests"]):
            assert r["verdict"] == "not checked", (r["id"], r["verdict"])
    # the page says the same of its tests: not checked, and which requirement failed first
    page = run.outputs["infocheck.html"]
    row = page[page.index('<b>MODELS-RETRIEVE-ID</b><a id="req-MODELS-RETRIEVE-ID">'):]
    row = row[:row.index("</tr>")]
    assert "not checked" in row and ": failed" not in row
    assert "the test failed MODELS-RETRIEVE-200 first" in row


def outcome(result, *requirements, failed=()):
    return TestOutcome(f"t::{result}-{'-'.join(requirements)}", tuple(requirements), Outcome(result),
                       tuple(failed), settled=True)


@pytest.mark.parametrize("others, verdict", [
    ((), "not checked"),                                   # only tests that failed elsewhere
    ((outcome("passed", "B"),), "passed"),                 # checked, and passed, by another
    ((outcome("skipped", "B"),), "not checked"),           # a test ran: more than a skip
    ((outcome("failed", "B", failed=["B"]),), "failed"),   # failed by another
])
def test_not_checked_ranks_below_a_check_and_above_a_skip(others, verdict):
    from infocheck.judging.catalogue import Requirement
    catalogue = {i: Requirement(i, "MUST", "area", "s", "src") for i in ("A", "B")}
    tests = [outcome("failed", "A", "B", failed=["A"]), outcome("finding", "A", "B", failed=["A"]),
             *others]
    found = requirement_verdicts(catalogue, tests)
    assert (found["A"][0], found["B"][0]) == ("failed", verdict)
    assert ORDER.index(Outcome.PASSED) < ORDER.index(Outcome.NOT_CHECKED) < ORDER.index(Outcome.SKIPPED)


def test_merge_and_diff_judge_a_recorded_run_the_same(models_failing):
    from infocheck.fleet.rejudge import from_results
    code, _, verdicts = from_results(json.loads(models_failing.outputs["infocheck.json"]))
    assert code == 1 and verdicts == data_verdicts(models_failing)


# -- 4. pytest-html's words ----------------------------------------------------------------

def test_pytest_html_labels_say_what_infocheck_means(with_findings):
    page = with_findings.outputs["infocheck.html"]
    labels = filter_labels(page)
    assert "findings or waived" in labels and "skipped or not tested" in labels
    for pytest_word in ("Expected failures", "Unexpected passes", "Reruns", "Retried", "Xfailed"):
        assert pytest_word not in labels
    # each row's result cell shows the test's outcome as infocheck.json has it
    outcomes = {str(t["outcome"]) for t in with_findings.report["results"]}
    cells = result_cells(page)
    assert cells and all(word for word, _ in cells)
    assert {word for word, _ in cells} <= outcomes | {"error"}
    assert ("finding", "XFailed") in cells            # pytest-html's filters still read its own
    assert "td.col-result[data-word]::before{content:attr(data-word)" in page
    # the filters infocheck never earns are hidden while they count none
    for name in ("xpassed", "rerun", "retried"):
        assert f"input.filter[data-test-result={name}]:disabled+span{{display:none}}" in page


# -- what an endpoint sent, as evidence: any text, never a crash, never a secret -------------


@settings(max_examples=200, deadline=None)
@given(got=st.text(), curl=st.text())
def test_evidence_of_any_text_survives_the_trip_and_is_masked(got, curl):
    scrubber = Scrubber([Secret(KEY)])
    raw = TestOutcome("t::x", ("A",), Outcome.FAILED, ("A",),
                      evidence=(("A", got + KEY, f"{curl} {KEY}"),))
    shipped = TestOutcome.from_data(json.loads(json.dumps(cleaned(raw, scrubber).as_data())))
    (requirement, line, reproduction), = shipped.evidence
    assert requirement == "A" and "\n" not in line
    assert not scrubber.contains_secret(line) and not scrubber.contains_secret(reproduction)
