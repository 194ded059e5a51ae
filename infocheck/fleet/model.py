"""A fleet's results as data: the fleet document (reports/infocheck.json of a fleet run or a
merge), each target's entry in it, the summary of a target that the page, the terminal and diff
read (small, so that a merge of thousands of targets holds summaries, not whole results), and
the fleet's one pure judge. Nothing here talks to the network or runs a test."""
from __future__ import annotations

import hashlib
import sys

from infocheck import __version__
from infocheck.judging.exit_codes import ExitCode, worst
from infocheck.judging.judge import EXIT_INTERNAL, EXIT_UNTESTABLE, EXIT_USAGE, VERDICTS, verdict_words
from infocheck.judging.report_model import SCHEMA_VERSION

# The contract of a target report written before there were contracts (not the default, which
# contracts.DEFAULT names: a report then could only be of the Get Info API).
BEFORE_CONTRACTS = "info"
FLEET_EXPLAINED = {
    ExitCode.CONFORMANT: "every target is conformant",
    ExitCode.NOT_CONFORMANT: "a target is not conformant (a MUST requirement failed)",
    EXIT_UNTESTABLE: "a target could not be tested completely",
    EXIT_INTERNAL: "infocheck itself failed on a target; this says nothing about that endpoint",
    EXIT_USAGE: "a target's run was misconfigured",
}
MESSAGES_KEPT = 3     # messages of a requirement that did not pass, in a summary
PASSING = ("passed", "skipped", "not run", "ignored")
CHECKED = ("passed", "failed", "finding", "waived")   # a requirement verdict that says its check ran


def lost(change: dict) -> bool:
    """A change of diff's that is lost coverage: checked before, not now."""
    return change["was"] in CHECKED + ("checked",) and change["now"] not in CHECKED


def fleet_exit(codes) -> int:
    """The fleet's exit code from its targets' (judging/exit_codes.py: worst): a usage error
    first (the run is not what was asked for); then, as in a single run, a MUST failure before
    infocheck's own error; then a target not tested; else 0."""
    return worst(codes)


def target_entry(name: str, result: dict | None, problem: str = "", detail: str | None = None,
                 index: int | None = None) -> dict:
    """One target of the fleet: its name, its place in the fleet file, its verdict and full
    result (None when its run left no result, which is infocheck's own failure)."""
    entry = {"name": name}
    if index is not None:
        entry["index"] = index
    if result is None:
        return dict(entry, verdict=VERDICTS[EXIT_INTERNAL], exit_code=EXIT_INTERNAL, endpoint=None,
                    detail=detail, problem=problem or "the run left no result", result=None)
    for test in result.get("results", []):   # each test's result names its target
        test["target"] = name
    return dict(entry, verdict=result["verdict"], exit_code=result["exit_code"],
                endpoint=result.get("endpoint") or result["configuration"].get("endpoint"), detail=detail,
                problem=problem or None, result=result)


def fleet_identity(names: list[str], slices: int) -> dict:
    """What a fleet report records of the whole fleet it is (a slice of), so that a merge can
    tell which of its targets no report holds: how many targets the fleet file has, how many
    slices it was cut into (1: none), and a digest of its target names in order (slices of
    different fleet files do not add up to one)."""
    digest = hashlib.sha256("\n".join(n.lower() for n in names).encode("utf-8")).hexdigest()
    return {"targets": len(names), "slices": slices, "names_sha256": digest}


def head(summaries: list[dict], fleet_slice: str | None = None, fleet: dict | None = None,
         missing: list[str] | None = None) -> dict:
    """The fleet document without its targets: verdict, exit code, counts. `missing`: the
    slices (K/N) of the fleet no report merged holds; a merge with any is never a pass."""
    codes = [s["exit_code"] for s in summaries] + ([EXIT_UNTESTABLE] if missing else [])
    code = fleet_exit(codes)
    counts: dict[str, int] = {}
    for s in summaries:
        counts[s["verdict"]] = counts.get(s["verdict"], 0) + 1
    explanation = FLEET_EXPLAINED.get(code, f"a target's run ended with exit status {code}") \
        if summaries else "no targets in this run"
    if missing:
        explanation = (f"the merge lacks slice(s) {', '.join(missing)} of the fleet: their targets "
                       "were not checked" + ("" if code == EXIT_UNTESTABLE else f"; and {explanation}"))
    found = {
        "infocheck": __version__,
        "report": "fleet",
        "schema_version": SCHEMA_VERSION,
        "verdict": verdict_words(code),
        "exit_code": code,
        "explanation": explanation,
        "slice": fleet_slice,
        "counts": counts,
    }
    if fleet is not None:
        found["fleet"] = fleet
    if missing:
        found["missing"] = list(missing)
    return found


def document(targets: list[dict], fleet_slice: str | None = None,
             summaries: list[dict] | None = None, fleet: dict | None = None) -> dict:
    """The fleet's result: its head, judged from the targets' summaries (the caller's, when it
    has made them already), and the targets. `fleet`: what it records of the whole fleet
    (fleet_identity)."""
    if summaries is None:
        summaries = [summarize(t) for t in targets]
    return dict(head(summaries, fleet_slice, fleet), targets=targets)


def contract_of(target: dict) -> str:
    """The contract a target's run checked (a report from before contracts: info's, whatever
    the default is now)."""
    return (target.get("result") or {}).get("contract") or BEFORE_CONTRACTS


def summarize(entry: dict, metas: dict | None = None) -> dict:
    """What the page, the terminal and diff read of a target: its verdict and why, each
    requirement's verdict, and the messages of what did not pass (a few of each). What a
    requirement is (its area and statement) goes into `metas`, shared by every target, once."""
    result = entry.get("result") or {}
    requirements = result.get("requirements", [])
    contract = contract_of(entry)
    if metas is not None:
        for r in requirements:
            metas.setdefault((contract, r["id"]), {"area": r["area"], "statement": r["statement"]})
    return {
        "name": entry["name"], "index": entry.get("index"), "verdict": entry["verdict"],
        "exit_code": entry["exit_code"], "endpoint": entry.get("endpoint"),
        "detail": entry.get("detail"), "problem": entry.get("problem"),
        "contract": contract, "explanation": result.get("explanation", ""),
        "embedded": result.get("embedded_server") is True,
        "api_versions": list(result.get("api_versions", [])),
        "sent": result.get("requests", {}).get("sent", 0),
        "duration": result.get("duration_seconds", 0), "notices": list(result.get("notices", [])),
        # Interned: ten thousand targets share one copy of each ID and verdict word.
        "verdicts": {sys.intern(r["id"]): sys.intern(r["verdict"]) for r in requirements},
        "failing": [{"id": r["id"], "level": r["level"], "statement": r["statement"],
                     "verdict": r["verdict"], "messages": r["messages"][:MESSAGES_KEPT],
                     "exchanges": r.get("exchanges", [])[:1]}
                    for r in requirements if r["verdict"] not in PASSING],
    }


def why(summary: dict) -> str:
    """A target that did not pass, in one line: the reason it could not be tested, or the MUST
    requirements it failed."""
    failed = [i for i, v in summary["verdicts"].items() if v == "failed"]
    if summary["verdict"] == "CONFORMANT":
        findings = [i for i, v in summary["verdicts"].items() if v == "finding"]
        return f"findings: {', '.join(findings)}" if findings else ""
    if failed:
        return "failed " + ", ".join(failed[:6]) + (f" and {len(failed) - 6} more" if len(failed) > 6 else "")
    return summary["problem"] or summary["explanation"]


def ordered(summaries: list[dict]) -> list[dict]:
    """The targets in the fleet file's order (by their index, where they have one)."""
    return sorted(summaries, key=lambda s: (s["index"] is None, s["index"] or 0))
