"""A fleet's results as data: the fleet document (reports/infocheck.json of a fleet run or a
merge), its one pure judge, the HTML page and the terminal lines, and the diff of two runs.
Everything here reads results only; nothing talks to the network or runs a test."""
from __future__ import annotations

from html import escape

from infocheck import __version__
from infocheck.wire.printable import printable
from infocheck.reports.html import BANNER, COLOURS, STYLE
from infocheck.judging.judge import EXIT_INTERNAL, EXIT_UNTESTABLE, EXIT_USAGE, ORDER, VERDICTS

SCHEMA_VERSION = 1
SYMBOLS = {"failed": "✗", "waived": "w", "finding": "!", "not tested": "–", "passed": "✓",
           "skipped": "s", "not run": "·", "ignored": "i"}
FLEET_EXPLAINED = {
    0: "every target is conformant",
    1: "a target is not conformant (a MUST requirement failed)",
    EXIT_UNTESTABLE: "a target could not be tested completely",
    EXIT_INTERNAL: "infocheck itself failed on a target; this says nothing about that endpoint",
    EXIT_USAGE: "a target's run was misconfigured",
}


def fleet_exit(codes) -> int:
    """The fleet's exit code from its targets': a usage error first (the run is not what was
    asked for); then, as in a single run, a MUST failure before infocheck's own error; then a
    target not tested; else 0. An empty fleet slice is 0: it had nothing to check."""
    codes = list(codes)
    for code in (EXIT_USAGE, 1, EXIT_INTERNAL, EXIT_UNTESTABLE):
        if code in codes:
            return code
    return next((c for c in codes if c != 0), 0)


def target_entry(name: str, result: dict | None, problem: str = "", detail: str | None = None) -> dict:
    """One target of the fleet: its name, verdict and full result (None when its run left no
    result, which is infocheck's own failure)."""
    if result is None:
        return {"name": name, "verdict": VERDICTS[EXIT_INTERNAL], "exit_code": EXIT_INTERNAL,
                "endpoint": None, "detail": detail, "problem": problem or "the run left no result",
                "result": None}
    for test in result.get("results", []):   # each test's result names its target
        test["target"] = name
    return {"name": name, "verdict": result["verdict"], "exit_code": result["exit_code"],
            "endpoint": result["configuration"].get("endpoint"), "detail": detail,
            "problem": problem or None, "result": result}


def document(targets: list[dict], fleet_slice: str | None = None) -> dict:
    code = fleet_exit(t["exit_code"] for t in targets)
    counts = {}
    for t in targets:
        counts[t["verdict"]] = counts.get(t["verdict"], 0) + 1
    return {
        "infocheck": __version__,
        "report": "fleet",
        "schema_version": SCHEMA_VERSION,
        "verdict": VERDICTS.get(code, "INTERRUPTED"),
        "exit_code": code,
        "explanation": FLEET_EXPLAINED.get(code, f"a target's run ended with exit status {code}")
        if targets else "no targets in this run",
        "slice": fleet_slice,
        "counts": counts,
        "targets": targets,
    }


# -- reading the requirement verdicts out of results ------------------------------------------

def requirements(targets: list[dict]) -> list[dict]:
    """Every requirement any target's result names, in the order results list them."""
    seen: dict[str, dict] = {}
    for t in targets:
        for r in (t["result"] or {}).get("requirements", []):
            seen.setdefault(r["id"], r)
    return list(seen.values())


def verdicts_of(target: dict) -> dict[str, str]:
    return {r["id"]: r["verdict"] for r in (target["result"] or {}).get("requirements", [])}


# -- terminal ------------------------------------------------------------------------------

def summary_lines(doc: dict) -> list[str]:
    lines = []
    width = max((len(t["name"]) for t in doc["targets"]), default=4)
    for t in doc["targets"]:
        result = t["result"] or {}
        failed = [i for i, v in verdicts_of(t).items() if v == "failed"]
        sent = result.get("requests", {}).get("sent", 0)
        why = (f"failed {', '.join(failed[:6])}{' …' if len(failed) > 6 else ''}" if failed
               else printable(t["problem"] or result.get("explanation", ""), 200))
        lines.append(f"{t['name']:<{width}}  {t['verdict']:<14} exit {t['exit_code']}  "
                     f"{sent:>3} requests  {why}")
    lines.append(f"fleet: {doc['verdict']}: {doc['explanation']} "
                 f"({len(doc['targets'])} target(s); exit {doc['exit_code']})")
    return lines


# -- HTML ----------------------------------------------------------------------------------

FLEET_STYLE = """<style>
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:16px;color:#1f2328}
.ic-fleet td.c{text-align:center;color:#fff;font-weight:bold;min-width:18px;padding:2px}
.ic-fleet th.r{writing-mode:vertical-rl;transform:rotate(180deg);font-size:11px;padding:4px 2px}
.ic-fleet td,.ic-fleet th{border:1px solid #d0d7de;font-size:12px}
.ic-legend span{display:inline-block;margin-right:10px}
</style>"""


def html(doc: dict) -> str:
    """The fleet page: the verdict and a target × requirement matrix at the top, written into
    the page (no JavaScript), then each target's banner and requirements."""
    parts = ["<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>infocheck fleet report"
             "</title>", STYLE, FLEET_STYLE, "</head><body><h1>infocheck fleet report</h1>",
             _banner(doc["verdict"], f"{doc['explanation']} (exit {doc['exit_code']})", [
                 ("targets", ", ".join(f"{n} {v}" for v, n in doc["counts"].items()) or "none"),
                 ("slice", doc["slice"] or "the whole fleet"),
                 ("infocheck", doc["infocheck"])], "infocheck-verdict"),
             _matrix(doc)]
    parts += [_target_section(t) for t in doc["targets"]]
    parts.append("</body></html>")
    return "".join(parts)


def _banner(verdict: str, text: str, facts, anchor: str) -> str:
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>" for k, v in facts)
    return (f'<section id="{escape(anchor)}" class="ic-banner" style="background:'
            f'{BANNER.get(verdict, "#57606a")}"><h2>{escape(verdict)}</h2><p>{escape(text)}</p>'
            f"<table>{rows}</table></section>")


def _cell(verdict: str) -> str:
    return (f'<td class="c" title="{escape(verdict)}" style="background:{COLOURS.get(verdict, "#57606a")}">'
            f"{SYMBOLS.get(verdict, '?')}</td>")


def _matrix(doc: dict) -> str:
    targets, known = doc["targets"], requirements(doc["targets"])
    areas: dict[str, list[dict]] = {}
    for r in known:
        areas.setdefault(r["area"], []).append(r)
    ordered = [r for group in areas.values() for r in group]
    head_areas = "".join(f'<th colspan="{len(g)}">{escape(a)}</th>' for a, g in areas.items())
    head_ids = "".join(f'<th class="r" title="{escape(r["statement"])}">{escape(r["id"])}</th>'
                       for r in ordered)
    rows = []
    for t in targets:
        verdicts = verdicts_of(t)
        counts = [(v, sum(1 for x in verdicts.values() if x == v)) for v in ORDER]
        tally = ", ".join(f"{n} {v}" for v, n in counts if n)
        rows.append(f'<tr data-target="{escape(t["name"])}"><th><a href="#target-{escape(t["name"])}">'
                    f'{escape(t["name"])}</a></th><td><span class="ic-badge" style="background:'
                    f'{BANNER.get(t["verdict"], "#57606a")}">{escape(t["verdict"])}</span></td>'
                    + "".join(_cell(verdicts.get(r["id"], "not run")) for r in ordered)
                    + f"<td>{escape(tally)}</td></tr>")
    footer = []
    for verdict in ("failed", "passed"):
        cells = "".join(f"<td>{sum(1 for t in targets if verdicts_of(t).get(r['id']) == verdict)}</td>"
                        for r in ordered)
        footer.append(f"<tr><th>{verdict}</th><td>targets</td>{cells}<td></td></tr>")
    legend = "".join(f'<span><b style="color:{COLOURS[v]}">{SYMBOLS[v]}</b> {v}</span>' for v in ORDER)
    return ('<section id="infocheck-fleet-matrix"><h2>Targets × requirements</h2>'
            f'<p class="ic-legend">{legend}</p><table class="ic-matrix ic-fleet">'
            f'<tr><th rowspan="2">target</th><th rowspan="2">verdict</th>{head_areas}'
            f'<th rowspan="2">counts</th></tr><tr>{head_ids}</tr>{"".join(rows)}{"".join(footer)}'
            "</table></section>")


def _target_section(t: dict) -> str:
    result = t["result"] or {}
    facts = [("endpoint", t["endpoint"] or "-"),
             ("api-versions", ", ".join(result.get("api_versions", [])) or "-"),
             ("requests sent", result.get("requests", {}).get("sent", 0)),
             ("duration", f"{result.get('duration_seconds', 0)} s")]
    if t["detail"]:
        facts.append(("full report with transcripts", t["detail"]))
    text = t["problem"] or result.get("explanation", "")
    parts = [f'<section class="ic-target"><h2 id="target-{escape(t["name"])}">{escape(t["name"])}</h2>',
             _banner(t["verdict"], f"{text} (exit {t['exit_code']})", facts, f"verdict-{t['name']}")]
    if t["detail"]:
        parts.append(f'<p><a href="{escape(t["detail"])}">the full report of {escape(t["name"])}, '
                     "with every exchange</a></p>")
    rows = []
    for r in result.get("requirements", []):
        messages = "".join(f'<pre class="ic-transcript">{escape(m)}</pre>' for m in r["messages"][:3])
        messages += "".join(f'<details><summary>exchanges</summary><pre class="ic-transcript">{escape(x)}'
                            "</pre></details>" for x in r.get("exchanges", []))
        rows.append(f'<tr data-verdict="{escape(r["verdict"])}"><td><b>{escape(r["id"])}</b></td>'
                    f"<td>{escape(r['level'])}</td><td>{escape(r['statement'])}</td>"
                    f'<td><span class="ic-badge" style="background:{COLOURS.get(r["verdict"], "#57606a")}">'
                    f"{escape(r['verdict'])}</span></td><td>{messages}</td></tr>")
    if rows:
        parts.append('<table class="ic-matrix"><tr><th>ID</th><th>level</th><th>requirement</th>'
                     f"<th>verdict</th><th>what was seen</th></tr>{''.join(rows)}</table>")
    parts.append("</section>")
    return "".join(parts)


# -- diff ------------------------------------------------------------------------------------

SEVERITY = {"failed": 2, "finding": 1}
TARGET_SEVERITY = {"CONFORMANT": 0, "COULD NOT TEST": 1, "NOT CONFORMANT": 2}


def diff(old: dict, new: dict) -> dict:
    """What changed per target and requirement. A regression is a requirement that fails (or
    earns a SHOULD finding) where it did not, or a target whose verdict got worse; a fix is
    the reverse. Targets only in one run are listed, never counted as regressions."""
    before = {t["name"]: t for t in old["targets"]}
    after = {t["name"]: t for t in new["targets"]}
    changes = {"regressions": [], "fixes": [], "new_targets": sorted(set(after) - set(before)),
               "removed_targets": sorted(set(before) - set(after))}
    for name in [n for n in after if n in before]:
        was, now = before[name], after[name]
        rank_was = TARGET_SEVERITY.get(was["verdict"], 3)
        rank_now = TARGET_SEVERITY.get(now["verdict"], 3)
        if rank_now != rank_was:
            kind = "regressions" if rank_now > rank_was else "fixes"
            changes[kind].append({"target": name, "requirement": None,
                                  "was": was["verdict"], "now": now["verdict"]})
        old_verdicts, new_verdicts = verdicts_of(was), verdicts_of(now)
        for requirement_id, verdict in new_verdicts.items():
            previous = old_verdicts.get(requirement_id, "not run")
            if SEVERITY.get(verdict, 0) != SEVERITY.get(previous, 0):
                kind = "regressions" if SEVERITY.get(verdict, 0) > SEVERITY.get(previous, 0) else "fixes"
                changes[kind].append({"target": name, "requirement": requirement_id,
                                      "was": previous, "now": verdict})
    changes["exit_code"] = 1 if changes["regressions"] else 0
    return changes


def diff_lines(changes: dict) -> list[str]:
    lines = []
    for kind, word in (("regressions", "REGRESSION"), ("fixes", "fixed")):
        for c in changes[kind]:
            what = c["requirement"] or "verdict"
            lines.append(f"{word}: {c['target']} {what}: {c['was']} → {c['now']}")
    lines += [f"new target: {n}" for n in changes["new_targets"]]
    lines += [f"removed target: {n}" for n in changes["removed_targets"]]
    lines.append(f"{len(changes['regressions'])} regression(s), {len(changes['fixes'])} fix(es), "
                 f"{len(changes['new_targets'])} new and {len(changes['removed_targets'])} removed "
                 f"target(s) (exit {changes['exit_code']})")
    return lines
