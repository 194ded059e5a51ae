"""The single run's HTML report: infocheck's summary, written into pytest-html's page as HTML at
the top (so it reads where JavaScript is blocked). Reads results only. pytest-html's hooks, which
put it there and each test's transcripts in the results table, are the plugin's
(plugin/html_hooks.py): they read a test's outcome off pytest's report."""
from __future__ import annotations

import datetime as dt
import platform
from functools import lru_cache
from importlib import metadata

from infocheck import __version__
from infocheck.configuration.knobs import endpoint_row
from infocheck.judging.outcome import FAILURES, ORDER, Outcome
from infocheck.reports import legend
from infocheck.reports.templates import markup, render

PACKAGES = ("pytest", "requests", "jsonschema", "hypothesis", "pytest-html", "pytest-xdist")
SHOWN_DETAIL = (Outcome.SKIPPED, Outcome.NOT_TESTED, Outcome.FAILED, Outcome.FINDING,
                Outcome.WAIVED, Outcome.ERROR)


@lru_cache(maxsize=None)
def package_version(package: str) -> str:
    """An installed package's version (asked once a process: each looks through every
    installed distribution's metadata)."""
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
             + ", ".join(f"{p} {package_version(p)}" for p in PACKAGES))]


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
    shown = [v for v in ORDER if any(verdict == v for verdict, _ in verdicts.values())]
    keys, x = [], 0
    for v in shown:   # only the verdicts the chart has, each as wide as its word
        keys.append({"verdict": str(v), "x": x})
        x += 24 + 6 * len(str(v))
    return render("chart.svg.j2", width=max(width, x), height=row * len(catalogue.areas) + 30,
                  bars=bars, legend=keys, legend_y=legend_y)


FIRST = {Outcome.FAILED: "failed", Outcome.FINDING: "had a finding on", Outcome.WAIVED: "failed (waived)"}


def unchecked_by(t, requirement_id: str) -> bool:
    """The test failed other requirements than this one, so it did not check this one."""
    return t.outcome in FAILURES and requirement_id not in t.failed_requirements


def _test_line(t, requirement_id: str) -> dict:
    name = t.nodeid.split("::")[-1]
    if unchecked_by(t, requirement_id):   # what it came to for this requirement, not for another
        return {"name": name, "outcome": str(Outcome.NOT_CHECKED),
                "detail": f"the test {FIRST[t.outcome]} {', '.join(t.failed_requirements)} first"}
    return {"name": name, "outcome": str(t.outcome),
            "detail": t.summary if t.outcome in SHOWN_DETAIL else ""}


def failed_first(catalogue, verdicts) -> list[dict]:
    """Each failed requirement, in the catalogue's order: its ID, level, what came back in one
    line and the curl that reproduces it (of the first of its tests that has one), and how many
    of its tests failed it. What a failing run's page shows before any passing row."""
    found = []
    for requirement_id, (verdict, tests) in verdicts.items():
        if verdict != Outcome.FAILED:
            continue
        failing = [t for t in tests if requirement_id in t.failed_requirements
                   and t.outcome in (Outcome.FAILED, Outcome.ERROR)]
        evidence = [e for t in failing for e in t.evidence if e[0] == requirement_id]
        why = next((got for _, got, _ in evidence if got), "") or next(
            (t.summary for t in failing if t.summary), "")
        curl = next((c for _, _, c in evidence if c), "")
        r = catalogue[requirement_id]
        found.append({"id": r.id, "level": level(r), "statement": r.statement, "why": why,
                      "curl": curl, "tests": len(failing),
                      "test": failing[0].nodeid.split("::")[-1] if failing else ""})
    return found


def _version_line(requirement_id: str, version: str, verdict, tests) -> dict:
    """A requirement under one api-version: its verdict, and what did not pass (in a few words;
    a test that failed another requirement first, as not checking this one)."""
    bad = [t for t in tests if t.outcome in SHOWN_DETAIL and t.outcome != Outcome.SKIPPED]
    detail = "; ".join(f"{t.nodeid.split('::')[-1].split('[')[0]}: "
                       f"{_test_line(t, requirement_id)['detail']}" for t in bad[:2])
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
                lines = [_version_line(requirement_id, v, *per[v][requirement_id]) for v in versions]
            else:
                lines = [_test_line(t, requirement_id) for t in tests]
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
                  configuration=configuration, failed=failed_first(catalogue, verdicts),
                  legend=legend.entries(), hidden=legend.HIDDEN_WHEN_NONE)
