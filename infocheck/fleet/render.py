"""A fleet document for people: the HTML page (from the Jinja2 templates, with the same banner a
single run has) and the terminal's lines, for a fleet and for a diff of two runs. Reads the
document only."""
from __future__ import annotations

from infocheck.fleet.model import contract_of, requirements, verdicts_of
from infocheck.judging.outcome import ORDER
from infocheck.reports.templates import render
from infocheck.wire.printable import printable

SYMBOLS = {"failed": "✗", "waived": "w", "finding": "!", "not tested": "–", "passed": "✓",
           "skipped": "s", "not run": "·", "ignored": "i"}
MESSAGES_SHOWN = 3


# -- terminal ------------------------------------------------------------------------------

def summary_lines(doc: dict) -> list[str]:
    lines = []
    width = max((len(t["name"]) for t in doc["targets"]), default=4)
    for t in doc["targets"]:
        result = t["result"] or {}
        failed = [i for i, v in verdicts_of(t).items() if v == "failed"]
        sent = result.get("requests", {}).get("sent", 0)
        why = (f"failed {', '.join(failed[:6])}{' …' if len(failed) > 6 else ''}" if failed
               else t["problem"] or result.get("explanation", ""))
        lines.append(printable(f"{t['name']:<{width}}  {t['verdict']:<14} exit {t['exit_code']}  "
                               f"{sent:>3} requests  {printable(why, 200)}", 600))
    lines.append(printable(f"fleet: {doc['verdict']}: {doc['explanation']} "
                           f"({len(doc['targets'])} target(s); exit {doc['exit_code']})", 600))
    return lines


def diff_lines(changes: dict) -> list[str]:
    lines = []
    for kind, word in (("regressions", "REGRESSION"), ("fixes", "fixed")):
        for c in changes[kind]:
            what = c["requirement"] or "verdict"
            lines.append(printable(f"{word}: {c['target']} {what}: {c['was']} → {c['now']}", 600))
    lines += [printable(f"new target: {n}", 300) for n in changes["new_targets"]]
    lines += [printable(f"removed target: {n}", 300) for n in changes["removed_targets"]]
    lines.append(f"{len(changes['regressions'])} regression(s), {len(changes['fixes'])} fix(es), "
                 f"{len(changes['new_targets'])} new and {len(changes['removed_targets'])} removed "
                 f"target(s) (exit {changes['exit_code']})")
    return lines


# -- HTML ----------------------------------------------------------------------------------

def html(doc: dict) -> str:
    """The fleet page: the verdict and a target × requirement matrix at the top, written into
    the page (no JavaScript), then each target's banner and requirements."""
    targets = doc["targets"]
    known = requirements(targets)
    several = len({r["contract"] for r in known}) > 1
    groups: dict[tuple[str, str], list[dict]] = {}
    for r in known:
        groups.setdefault((r["contract"], r["area"]), []).append(r)
    columns = [r for group in groups.values() for r in group]
    rows = []
    for t in targets:
        verdicts, mine = verdicts_of(t), contract_of(t)
        cells = [verdicts.get(r["id"], "not run") if r["contract"] == mine else "not run" for r in columns]
        counts = [(v, sum(1 for x in verdicts.values() if x == v)) for v in ORDER]
        rows.append({"name": t["name"], "verdict": t["verdict"],
                     "cells": [{"verdict": v, "symbol": SYMBOLS.get(v, "?")} for v in cells],
                     "tally": ", ".join(f"{n} {v}" for v, n in counts if n)})
    footer = [{"verdict": verdict,
               "counts": [sum(1 for t in targets if contract_of(t) == r["contract"]
                              and verdicts_of(t).get(r["id"]) == verdict) for r in columns]}
              for verdict in ("failed", "passed")]
    facts = [("targets", ", ".join(f"{n} {v}" for v, n in doc["counts"].items()) or "none"),
             ("slice", doc["slice"] or "the whole fleet"), ("infocheck", doc["infocheck"])]
    return render("fleet.html.j2", verdict=doc["verdict"],
                  explanation=f"{doc['explanation']} (exit {doc['exit_code']})", facts=facts,
                  legend=[{"verdict": str(v), "symbol": SYMBOLS[v]} for v in ORDER],
                  groups=[{"name": f"{contract}: {area}" if several else area, "columns": group}
                          for (contract, area), group in groups.items()],
                  rows=rows, footer=footer, targets=[_target(t) for t in targets])


def _target(t: dict) -> dict:
    result = t["result"] or {}
    facts = [("endpoint", t["endpoint"] or "-"), ("contract", contract_of(t)),
             ("api-versions", ", ".join(v or "none" for v in result.get("api_versions", [])) or "-"),
             ("requests sent", result.get("requests", {}).get("sent", 0)),
             ("duration", f"{result.get('duration_seconds', 0)} s")]
    if t["detail"]:
        facts.append(("full report with transcripts", t["detail"]))
    text = t["problem"] or result.get("explanation", "")
    return {"name": t["name"], "verdict": t["verdict"], "text": f"{text} (exit {t['exit_code']})",
            "facts": facts, "notices": result.get("notices", []), "detail": t["detail"],
            "requirements": [{"id": r["id"], "level": r["level"], "statement": r["statement"],
                              "verdict": r["verdict"], "messages": r["messages"][:MESSAGES_SHOWN],
                              "exchanges": r.get("exchanges", [])}
                             for r in result.get("requirements", [])]}
