"""pytest-html's hooks: the title, infocheck's summary (reports/html.py) and each test's
exchanges, read off pytest's report as its `TestOutcome` (plugin/outcomes.py); and pytest-html's
own words said as infocheck means them (reports/legend.py): its filters' labels ("Expected
failures" are SHOULD findings and waived failures here) and each row's result cell, which shows
the test's outcome (the cell's text, which pytest-html's filters and sorting read, stays
pytest's; the page's style shows infocheck's word from the cell's `data-word` instead).
Registered only where reports are written (never in xdist workers)."""
from __future__ import annotations

import re

import pytest

from infocheck.judging.outcome import Outcome
from infocheck.plugin.outcomes import outcome_of
from infocheck.reports.html import summary_html
from infocheck.reports.legend import PYTEST_HTML_LABELS
from infocheck.reports.templates import render


RESULT_CELL = re.compile(r'^<td class="col-result">')


class HtmlReport:
    """pytest-html's hooks: the title, infocheck's summary, each test's exchanges."""

    def __init__(self, results, settings, scrubber, configuration):
        self.results, self.settings, self.scrubber = results, settings, scrubber
        self.configuration = configuration

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_report_title(self, report):
        report.title = "infocheck conformance report"
        outcomes = getattr(report, "outcomes", None)   # pytest-html's filters: its words, ours
        if isinstance(outcomes, dict):
            for name, label in PYTEST_HTML_LABELS.items():
                if isinstance(outcomes.get(name), dict):
                    outcomes[name]["label"] = label

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_summary(self, prefix, summary, postfix, session):
        prefix.append(self.scrubber.text(summary_html(self.results, self.settings, self.configuration)))

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_row(self, report, cells):
        """A run of several api-versions lists in pytest-html's table only the tests that did
        not pass: the rest are the by-version matrix's cells, not hundreds of rows."""
        outcome = outcome_of(report)
        if len(self.settings.api_versions) > 1 and outcome is not None and (
                outcome.outcome == Outcome.PASSED or (outcome.outcome is None and report.passed)):
            del cells[:]
        word = self._word(report, outcome)
        if cells and word and isinstance(cells[0], str):
            cells[0] = RESULT_CELL.sub(f'<td class="col-result" data-word="{word}">', cells[0], count=1)

    @staticmethod
    def _word(report, outcome) -> str:
        """What the test came to, in infocheck's words (a setup that broke: error)."""
        if outcome is not None and outcome.outcome is not None:
            return str(outcome.outcome)
        if report.when != "call" and report.failed:
            return str(Outcome.ERROR)
        return ""

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_html(self, report, data):
        """A test that did not pass shows its exchanges (a passing one's would only make the
        page heavy: a run of every api-version has hundreds)."""
        outcome = outcome_of(report)
        if report.when == "call" and outcome is not None and outcome.transcript \
                and outcome.outcome != Outcome.PASSED:
            data.append(render("exchanges.html.j2", transcript=outcome.transcript))
