"""The single run's HTML report: infocheck's summary, written into pytest-html's page as HTML at
the top (so it reads where JavaScript is blocked). Reads results only. pytest-html's hooks, which
put it there and each test's transcripts in the results table, are the plugin's
(plugin/html_hooks.py): they read a test's outcome off pytest's report."""
from __future__ import annotations

import datetime as dt
import platform
from importlib import metadata

from infocheck import __version__
from infocheck.configuration.knobs import endpoint_row
from infocheck.judging.outcome import ORDER, Outcome
from infocheck.reports.templates import markup, render

PACKAGES = ("pytest", "requests", "jsonschema", "hypothesis", "pytest-html", "pytest-xdist")
SHOWN_DETAIL = (Outcome.SKIPPED, Outcome.NOT_TESTED, Outcome.FAILED, Outcome.FINDING,
                Outcome.WAIVED, Outcome.ERROR)


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def level(r) -> str:
    """The level judged by, and what the policy changed it from."""
    return r.level + (f" (policy; catalogue: {r.declared_level})" if r.declared_level else "")


def banner_facts(results, settings) -> list[tuple[str, str]]:
    return [("endpoint", endpoint_row(settings) if settings.endpoint else "-"),
            ("contract", settings.contract_name),
            ("api-version", ", ".join(v or "none" for v in settings.api_versions)),
            *settings.contract.banner_rows(settings),
            ("started", dt.datetime.fromtimestamp(results.started).astimezone().isoformat(timespec="seconds")),
            ("duration", f"{(results.finished or results.started) - results.started:.1f} s"),
            ("requests sent", str(results.requests.sent)),
            *([("left out on purpose", ", ".join(results.left_out))] if results.left_out else []),
            ("versions", f"infocheck {__version__}, Python {platform.python_version()}, "
             + ", ".join(f"{p} {_version(p)}" for p in PACKAGES))]


def chart(catalogue, verdicts) -> str:
    """A stacked bar per area: how many requirements earned each verdict."""
    width, label, row = 640, 150, 26
    bars = []
    for index, area in enumerate(catalogue.areas):
        ids = [i for i in verdicts if catalogue[i].area == area]
        y, x, parts = index * row + 4, label, []
        for verdict in ORDER:
            count = sum(1 for i in ids if verdicts[i][0] == verdict)
            if count:
                w = (width - label - 10) * count / max(1, len(ids))
                parts.append({"verdict": str(verdict), "count": count, "x": x, "width": w})
                x += w
        bars.append({"area": area, "y": y, "parts": parts})
    legend_y = row * len(catalogue.areas) + 22
    legend = [{"verdict": str(v), "x": 80 * i} for i, v in enumerate(ORDER)]
    return render("chart.svg.j2", width=width, height=row * len(catalogue.areas) + 30, bars=bars,
                  legend=legend, legend_y=legend_y)


def _test_line(t) -> dict:
    return {"name": t.nodeid.split("::")[-1], "outcome": str(t.outcome),
            "detail": t.summary if t.outcome in SHOWN_DETAIL else ""}


def _version_line(version: str, verdict, tests) -> dict:
    """A requirement under one api-version: its verdict, and what did not pass (in a few words)."""
    bad = [t for t in tests if t.outcome in SHOWN_DETAIL and t.outcome != Outcome.SKIPPED]
    detail = "; ".join(f"{t.nodeid.split('::')[-1].split('[')[0]}: {t.summary}" for t in bad[:2])
    count = f"{len(tests)} test{'s' if len(tests) != 1 else ''}"
    return {"name": version or "none", "outcome": str(verdict),
            "detail": detail + (f" and {len(bad) - 2} more" if len(bad) > 2 else "") or count}


def summary_html(results, settings, configuration) -> str:
    """infocheck's part of the page: banner, matrices, chart, configuration."""
    catalogue = results.catalogue
    verdicts = results.verdicts()
    versions = list(settings.api_versions)
    per = {v: results.verdicts(v) for v in versions} if len(versions) > 1 else {}
    areas = []
    for area in catalogue.areas:
        rows = []
        for requirement_id, (verdict, tests) in verdicts.items():
            r = catalogue[requirement_id]
            if r.area != area:
                continue
            if per:   # one line per api-version, not every test of every version
                lines = [_version_line(v, *per[v][requirement_id]) for v in versions]
            else:
                lines = [_test_line(t) for t in tests]
            rows.append({"id": r.id, "level": level(r), "statement": r.statement, "source": r.source,
                         "verdict": str(verdict), "tests": lines})
        if rows:
            areas.append({"name": area, "rows": rows})
    by_version = []
    if per:
        by_version = [{"id": r.id, "level": level(r), "verdicts": [str(per[v][r.id][0]) for v in versions]}
                      for r in catalogue.values()]
    waivers = [{"subject": w.subject, "reason": w.reason, "expires": w.expires,
                "expired": w.expired(results.policy.today)} for w in results.policy.waivers]
    return render("run.html.j2", verdict=results.verdict, heading=results.heading,
                  explanation=f"{results.explanation} (exit {results.status})",
                  facts=banner_facts(results, settings), notices=results.notices,
                  versions=versions, by_version=by_version,
                  chart=markup(chart(catalogue, verdicts)), areas=areas, waivers=waivers,
                  configuration=configuration)
