"""A fleet's results as data: the fleet document (reports/infocheck.json of a fleet run or a
merge), each target's entry in it, and its one pure judge. Everything here reads results only;
nothing talks to the network or runs a test."""
from __future__ import annotations

from infocheck import __version__
from infocheck.judging.judge import EXIT_INTERNAL, EXIT_UNTESTABLE, EXIT_USAGE, VERDICTS, verdict_words

SCHEMA_VERSION = 1
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
        "verdict": verdict_words(code),
        "exit_code": code,
        "explanation": FLEET_EXPLAINED.get(code, f"a target's run ended with exit status {code}")
        if targets else "no targets in this run",
        "slice": fleet_slice,
        "counts": counts,
        "targets": targets,
    }


def contract_of(target: dict) -> str:
    """The contract a target's run checked (a report from before contracts: info)."""
    return (target["result"] or {}).get("contract") or "info"


def requirements(targets: list[dict]) -> list[dict]:
    """Every requirement any target's result names, in the order results list them, each once
    per contract (its `contract` added)."""
    seen: dict[tuple[str, str], dict] = {}
    for t in targets:
        for r in (t["result"] or {}).get("requirements", []):
            seen.setdefault((contract_of(t), r["id"]), dict(r, contract=contract_of(t)))
    return list(seen.values())


def verdicts_of(target: dict) -> dict[str, str]:
    return {r["id"]: r["verdict"] for r in (target["result"] or {}).get("requirements", [])}
