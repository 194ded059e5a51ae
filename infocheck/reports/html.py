"""Reports that read outcomes, never the network: the HTML summary (written into the page as
HTML, so it reads with JavaScript blocked), transcripts in the results table, and
reports/infocheck.json. Registered only where reports are written (never in xdist workers)."""
from __future__ import annotations

import datetime as dt
import json
import platform
from html import escape
from importlib import metadata
from pathlib import Path

import pytest

from infocheck import __version__
from infocheck.configuration.config import Config
from infocheck.wire.printable import printable
from infocheck.wire.secret import Scrubber
from infocheck.judging.judge import ORDER, Verdict

COLOURS = {"passed": "#1a7f37", "failed": "#cf222e", "finding": "#9a6700", "waived": "#8250df",
           "not tested": "#57606a", "skipped": "#8c959f", "not run": "#d0d7de", "ignored": "#afb8c1"}
BANNER = {"CONFORMANT": "#1a7f37", "NOT CONFORMANT": "#cf222e", "COULD NOT TEST": "#9a6700"}
EXCHANGE_LIMIT = 4000   # characters of the one transcript infocheck.json keeps per requirement
PACKAGES = ("pytest", "requests", "jsonschema", "hypothesis", "pytest-html", "pytest-xdist")
STYLE = """<style>
.ic-banner{border-radius:6px;padding:14px 18px;margin:12px 0;color:#fff}
.ic-banner h2{margin:0 0 4px;font-size:28px;color:#fff}
.ic-banner p{margin:0 0 10px}
.ic-banner table{border-collapse:collapse;color:#fff}
.ic-banner th{text-align:left;padding:1px 12px 1px 0;font-weight:normal;opacity:.85}
.ic-matrix{border-collapse:collapse;width:100%;margin:6px 0 16px}
.ic-matrix th,.ic-matrix td{border:1px solid #d0d7de;padding:4px 6px;text-align:left;vertical-align:top}
.ic-matrix th{background:#f6f8fa}
.ic-badge{display:inline-block;border-radius:10px;padding:1px 8px;color:#fff;font-weight:bold;white-space:nowrap}
.ic-tests{margin:0;padding-left:16px;font-size:12px}
.ic-note{color:#57606a}
pre.ic-transcript{white-space:pre-wrap;font-size:12px;background:#f6f8fa;padding:6px}
</style>"""


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


class Reports:
    def __init__(self, config, verdict: Verdict, settings: Config, scrubber: Scrubber,
                 configuration: list[tuple[str, str]]):
        self.config, self.verdict, self.settings, self.scrubber = config, verdict, settings, scrubber
        self.configuration = configuration   # the rows the run's header shows
        self.catalogue = verdict.catalogue

    # -- pytest-html --------------------------------------------------------------------

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_report_title(self, report):
        report.title = "infocheck conformance report"

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_summary(self, prefix, summary, postfix, session):
        page = STYLE + self.banner_html() + self.matrix_html() + self.versions_html() + self.config_html()
        prefix.append(self.scrubber.text(page))

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_html(self, report, data):
        transcript = getattr(report, "infocheck_transcript", "")
        if report.when == "call" and transcript:
            data.append(f'<div class="ic-exchanges"><b>Exchanges</b>'
                        f'<pre class="ic-transcript">{escape(transcript)}</pre></div>')

    def banner_html(self) -> str:
        v, s = self.verdict, self.settings
        facts = [("endpoint", s.info_url() if s.endpoint else "-"), ("api-version", s.api_version),
                 ("routed to", s.route_description()),
                 ("deployments", ", ".join(s.deployments) or "none"),
                 ("started", dt.datetime.fromtimestamp(v.started).astimezone().isoformat(timespec="seconds")),
                 ("duration", f"{(v.finished or v.started) - v.started:.1f} s"),
                 ("requests sent", str(v.requests.sent)),
                 ("versions", f"infocheck {__version__}, Python {platform.python_version()}, "
                  + ", ".join(f"{p} {_version(p)}" for p in PACKAGES))]
        rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(val)}</td></tr>" for k, val in facts)
        colour = BANNER.get(v.verdict, "#57606a")
        return (f'<section id="infocheck-verdict" class="ic-banner" style="background:{colour}">'
                f'<h2>{escape(v.verdict)}</h2><p>{escape(v.explanation)} (exit {v.status})</p>'
                f'<table>{rows}</table></section>')

    def matrix_html(self) -> str:
        verdicts = self.verdict.requirement_verdicts()
        known = self.catalogue
        parts = ['<section id="infocheck-matrix"><h2>Requirements</h2>', self.chart_svg(verdicts)]
        for area in known.areas:
            rows = []
            for requirement_id, (verdict, tests) in verdicts.items():
                r = known[requirement_id]
                if r.area != area:
                    continue
                items = "".join(f"<li>{escape(t.nodeid.split('::')[-1])}: {escape(t.outcome)}"
                                f"{self._detail(t)}</li>" for t in tests)
                rows.append(
                    f'<tr class="ic-row" data-verdict="{escape(verdict)}"><td><b>{escape(r.id)}</b></td>'
                    f"<td>{self._level(r)}</td><td>{escape(r.statement)}"
                    f'<div class="ic-note">{escape(r.source)}</div></td>'
                    f'<td><span class="ic-badge" style="background:{COLOURS[verdict]}">{escape(verdict)}'
                    f'</span></td><td><ul class="ic-tests">{items}</ul></td></tr>')
            if not rows:
                continue
            parts.append(f"<h3>{escape(area)}</h3><table class=\"ic-matrix\"><tr><th>ID</th><th>level</th>"
                         f"<th>requirement</th><th>verdict</th><th>tests</th></tr>{''.join(rows)}</table>")
        waivers = self.verdict.waivers
        if waivers:
            parts.append("<h3>waivers</h3><ul>" + "".join(
                f"<li>{escape(w.subject)}: {escape(w.reason)} (until {w.expires}"
                f"{', EXPIRED' if w.expired(self.verdict.today) else ''})</li>" for w in waivers) + "</ul>")
        parts.append("</section>")
        return "".join(parts)

    def versions_html(self) -> str:
        """With several api-versions: one row per requirement, one column per version."""
        versions = self.settings.api_versions
        if len(versions) < 2:
            return ""
        by_version = {v: self.verdict.requirement_verdicts(v) for v in versions}
        head = "".join(f"<th>{escape(v)}</th>" for v in versions)
        rows = []
        for r in self.catalogue.values():
            cells = "".join(
                f'<td><span class="ic-badge" style="background:{COLOURS[by_version[v][r.id][0]]}">'
                f"{escape(by_version[v][r.id][0])}</span></td>" for v in versions)
            rows.append(f"<tr><td><b>{escape(r.id)}</b></td><td>{self._level(r)}</td>{cells}</tr>")
        return (f'<section id="infocheck-versions"><h2>By api-version</h2><table class="ic-matrix">'
                f"<tr><th>ID</th><th>level</th>{head}</tr>{''.join(rows)}</table></section>")

    @staticmethod
    def _detail(test) -> str:
        if test.outcome in ("skipped", "not tested", "failed", "finding", "waived", "error") and test.summary:
            return f' <span class="ic-note">({escape(test.summary)})</span>'
        return ""

    @staticmethod
    def _level(r) -> str:
        """The level judged by, and what the policy changed it from."""
        return escape(r.level + (f" (policy; catalogue: {r.declared_level})" if r.declared_level else ""))

    def chart_svg(self, verdicts) -> str:
        """A stacked bar per area: how many requirements earned each verdict."""
        width, label, row = 640, 150, 26
        areas = self.catalogue.areas
        lines = [f'<svg id="infocheck-chart" xmlns="http://www.w3.org/2000/svg" width="{width}" '
                 f'height="{row * len(areas) + 30}" role="img" aria-label="verdicts per area">']
        for index, area in enumerate(areas):
            ids = [i for i, (v, _) in verdicts.items() if self.catalogue[i].area == area]
            y, x = index * row + 4, label
            lines.append(f'<text x="0" y="{y + 15}" font-size="13">{escape(area)}</text>')
            for verdict in ORDER:
                count = sum(1 for i in ids if verdicts[i][0] == verdict)
                if count:
                    w = (width - label - 10) * count / max(1, len(ids))
                    lines.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="20" '
                                 f'fill="{COLOURS[verdict]}"><title>{verdict}: {count}</title></rect>'
                                 f'<text x="{x + 4:.1f}" y="{y + 15}" font-size="12" fill="#fff">{count}</text>')
                    x += w
        legend_y, x = row * len(areas) + 22, 0
        for verdict in ORDER:
            lines.append(f'<rect x="{x}" y="{legend_y - 10}" width="10" height="10" fill="{COLOURS[verdict]}"/>'
                         f'<text x="{x + 14}" y="{legend_y}" font-size="11">{verdict}</text>')
            x += 80
        lines.append("</svg>")
        return "".join(lines)

    def config_html(self) -> str:
        rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in self.configuration)
        return f'<section id="infocheck-config"><h2>Configuration</h2><table class="ic-matrix">{rows}</table></section>'

    # -- JSON --------------------------------------------------------------------------------

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session):
        path = self.config.getoption("infocheck_json") or self.config.getini("infocheck_json")
        if not path:
            return
        target = Path(self.config.invocation_params.dir) / path
        target.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.document(), indent=2, ensure_ascii=False)
        target.write_text(self.scrubber.text(text) + "\n", encoding="utf-8")

    def document(self) -> dict:
        v = self.verdict
        verdicts = v.requirement_verdicts()
        versions = self.settings.api_versions or (self.settings.api_version,)
        by_version = {version: v.requirement_verdicts(version) for version in versions}
        waiver_for = {w.subject: w for w in v.waivers}
        return {
            "infocheck": __version__,
            "verdict": v.verdict,
            "exit_code": v.status,
            "explanation": v.explanation,
            "started": dt.datetime.fromtimestamp(v.started, dt.timezone.utc).isoformat(timespec="seconds"),
            "duration_seconds": round((v.finished or v.started) - v.started, 3),
            "requests": {"sent": v.requests.sent, "throttled": v.requests.throttled,
                         "waited_seconds": round(v.requests.waited, 3)},
            "configuration": dict(self.configuration),
            "policy": {i: {"catalogue_level": was, "level": now}
                       for i, (was, now) in self.catalogue.policy.items()},
            "api_versions": list(versions),
            "discovered_versions": dict(v.discovered),
            "requirements": [
                {"id": r.id, "level": r.level, "area": r.area, "statement": r.statement,
                 "source": r.source, "catalogue": r.catalogue, "verdict": verdicts[r.id][0],
                 "by_version": {version: by_version[version][r.id][0] for version in versions},
                 "tests": [t.nodeid for t in verdicts[r.id][1]],
                 "messages": [t.message for t in verdicts[r.id][1]
                              if t.message and t.outcome != "passed"],
                 "exchanges": [printable(t.transcript, EXCHANGE_LIMIT, lines=True) for t in verdicts[r.id][1]
                               if t.transcript and t.outcome != "passed"][:1],
                 "waiver": ({"reason": waiver_for[r.id].reason, "expires": str(waiver_for[r.id].expires)}
                            if r.id in waiver_for else None)}
                for r in self.catalogue.values()],
            "expired_waivers": [{"subject": w.subject, "reason": w.reason, "expires": str(w.expires)}
                                for w in v.expired_waivers()],
            "results": [{"test": t.nodeid, "api_version": t.api_version,
                         "requirements": list(t.requirements), "levels": list(t.levels),
                         "outcome": t.outcome, "failed_requirements": list(t.failed_requirements),
                         "summary": t.summary} for t in v.tests.values()],
        }
