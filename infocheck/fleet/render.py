"""A fleet for people: the HTML page (from the Jinja2 templates, with the banner a single run
has) and the terminal's lines, for a fleet and for a diff of two runs. Reads target summaries
(fleet/model.py), so a page of ten thousand targets costs what its rows cost, no more.

The page answers "which target, which requirement, why" on its first screen: the verdict, then
the target × requirement matrix with the targets that did not pass first, each row one line
with the reason in words; a link shows only those targets, without JavaScript. A section per
target that did not pass, or earned findings, follows; the others are their row and a link."""
from __future__ import annotations

from infocheck import contracts
from infocheck.fleet.model import lost, ordered, why
from infocheck.judging.outcome import ORDER
from infocheck.reports.templates import render
from infocheck.wire.printable import printable

SYMBOLS = {"failed": "✗", "waived": "w", "finding": "!", "not tested": "–", "passed": "✓",
           "not checked": "?", "skipped": "s", "not run": "·", "ignored": "i"}
MATRIX_COLUMNS = 150   # requirements shown as columns; a team's beyond them only in sections
WHY_SHOWN = 2000   # the whole reason (itself bounded where it is made): never cut mid-word


# -- terminal ------------------------------------------------------------------------------

def summary_lines(head: dict, summaries: list[dict]) -> list[str]:
    lines = []
    width = max((len(s["name"]) for s in summaries), default=4)
    for s in ordered(summaries):
        lines.append(printable(f"{s['name']:<{width}}  {s['verdict']:<14} exit {s['exit_code']}  "
                               f"{s['sent']:>3} requests  {why(s) or s['explanation']}", 4000))
    lines.append(printable(f"fleet: {head['verdict']}: {head['explanation']} "
                           f"({len(summaries)} target(s); exit {head['exit_code']})", 600))
    return lines


def diff_lines(changes: dict) -> list[str]:
    lines = []
    for kind, word in (("regressions", "REGRESSION"), ("fixes", "fixed"), ("unresolved", "unresolved")):
        for c in changes[kind]:
            what = c["requirement"] or (f"api-version {c['api_version']}" if c.get("api_version") else "verdict")
            gone = kind == "regressions" and lost(c)
            lines.append(printable(f"{word}: {c['target']} {what}: {c['was']} → {c['now']}"
                                   f"{' (no longer checked)' if gone else ''}", 600))
    lines += [printable(f"new target: {n}", 300) for n in changes["new_targets"]]
    lines += [printable(f"removed target: {n}", 300) for n in changes["removed_targets"]]
    lines.append(f"{len(changes['regressions'])} regression(s), {len(changes['fixes'])} fix(es), "
                 f"{len(changes['unresolved'])} failure(s) now waived, "
                 f"{len(changes['new_targets'])} new and {len(changes['removed_targets'])} removed "
                 f"target(s) (exit {changes['exit_code']})")
    return lines


# -- HTML ----------------------------------------------------------------------------------

def columns(metas: dict) -> tuple[list[dict], int]:
    """The matrix's columns: every registered contract's requirements that a target reports,
    in catalogue order, then a team's in the order they first appear, up to MATRIX_COLUMNS;
    and how many were left to the targets' sections. `metas`: (contract, ID) → area and
    statement, as the targets' summaries gathered them."""
    present = metas
    chosen: dict[tuple[str, str], dict] = {}
    for contract in contracts.every():
        for requirement_id in contract.catalogue:
            if (contract.name, requirement_id) in present:
                chosen[(contract.name, requirement_id)] = present[(contract.name, requirement_id)]
    for key, meta in present.items():
        if len(chosen) >= MATRIX_COLUMNS:
            break
        chosen.setdefault(key, meta)
    found = [{"contract": c, "id": i, "area": m["area"], "statement": m["statement"]}
             for (c, i), m in chosen.items()]
    return found, len(present) - len(found)


def html(head: dict, summaries: list[dict], metas: dict) -> str:
    """The fleet page."""
    shown, left_out = columns(metas)
    several = len({c["contract"] for c in shown}) > 1
    groups: dict[tuple[str, str], list[dict]] = {}
    for column in shown:
        groups.setdefault((column["contract"], column["area"]), []).append(column)
    flat = [c for group in groups.values() for c in group]
    targets = ordered(summaries)
    failing_first = [s for s in targets if s["verdict"] != "CONFORMANT"] + \
                    [s for s in targets if s["verdict"] == "CONFORMANT"]
    rows = []
    for s in failing_first:
        cells = [s["verdicts"].get(c["id"], "not run") if c["contract"] == s["contract"] else "" for c in flat]
        rows.append({"name": s["name"], "verdict": s["verdict"], "passed": s["verdict"] == "CONFORMANT",
                     "why": printable(why(s), WHY_SHOWN), "detail": s["detail"],
                     "section": _has_section(s),
                     "cells": [{"verdict": v, "symbol": SYMBOLS.get(v, "")} for v in cells]})
    footer = [{"verdict": verdict,
               "counts": [sum(1 for s in summaries if s["contract"] == c["contract"]
                              and s["verdicts"].get(c["id"]) == verdict) for c in flat]}
              for verdict in ("failed", "passed")]
    facts = [("targets", ", ".join(f"{n} {v}" for v, n in head["counts"].items()) or "none"),
             ("slice", f"slice(s) {', '.join(head['missing'])} missing" if head.get("missing")
              else head["slice"] or "the whole fleet"), ("infocheck", head["infocheck"])]
    not_passing = sum(1 for s in summaries if s["verdict"] != "CONFORMANT")
    return render("fleet.html.j2", verdict=head["verdict"],
                  explanation=f"{head['explanation']} (exit {head['exit_code']})", facts=facts,
                  legend=[{"verdict": str(v), "symbol": SYMBOLS[v]} for v in ORDER],
                  groups=[{"name": f"{contract}: {area}" if several else area, "columns": group}
                          for (contract, area), group in groups.items()],
                  rows=rows, footer=footer, left_out=left_out, not_passing=not_passing,
                  targets=[_section(s) for s in targets if _has_section(s)])


def _has_section(s: dict) -> bool:
    return s["verdict"] != "CONFORMANT" or bool(s["failing"])


def _section(s: dict) -> dict:
    facts = [("endpoint", s["endpoint"] or "-"), ("contract", s["contract"]),
             ("api-versions", ", ".join(v or "none" for v in s["api_versions"]) or "-"),
             ("requests sent", s["sent"]), ("duration", f"{s['duration']} s")]
    if s["detail"]:
        facts.append(("full report with transcripts", s["detail"]))
    text = s["problem"] or s["explanation"]
    return {"name": s["name"], "verdict": s["verdict"], "text": f"{text} (exit {s['exit_code']})",
            "facts": facts, "notices": s["notices"], "detail": s["detail"],
            "requirements": [dict(r, verdict=r["verdict"]) for r in s["failing"]]}
