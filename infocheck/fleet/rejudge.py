"""A target's verdict judged again from its recorded results, for merge and diff: a report's
own words (its verdict, its exit code, each requirement's verdict) never make anything pass.

Each recorded result is settled again under what the report records it was judged by: each
requirement's level (the contract's shipped catalogue, changed only where the report's
`policy` says so and the catalogue lets it; a team's requirement at the level the report
gives), `fail_on_should`, its `waivers` on the day it ran; then the run's one judge
(judging/judge.py) gives the exit code. The report's own words may make a target worse, never
better: a fleet entry or a result that says a target failed is believed (a credential echoed
from another target, a run that ended otherwise than it judged itself leave no failed result
behind), one that says it passed counts only as far as its results show. So the target's exit
code is the worse (as a fleet ranks them) of what its results give and what its report says.

Never a pass, whatever a report says: a report with no test results (nothing shows a check
ran), a result that errored, and a run of infocheck's embedded reference server (it checked
infocheck, not an endpoint)."""
from __future__ import annotations

import datetime as dt
from functools import lru_cache

from infocheck.judging.catalogue import Catalogue, Requirement, Shape
from infocheck.judging.exit_codes import ExitCode, worst
from infocheck.judging.judge import (EXIT_INTERNAL, EXIT_UNTESTABLE, EXPLAINED, judge,
                                     requirement_verdicts, settled, verdict_words)
from infocheck.judging.outcome import FAILURES, ORDER, Outcome, TestOutcome
from infocheck.judging.policy import Policy
from infocheck.judging.waivers import Waiver

# A verdict a report's words may keep against its results: only one that is worse.
WORSE_WORDS = (Outcome.FAILED, Outcome.FINDING, Outcome.NOT_TESTED)
OUTCOMES = {str(o): o for o in Outcome}


def worse(*codes: int) -> int:
    """The worse of exit codes, as a fleet ranks them (judging/exit_codes.py: worst)."""
    return worst(codes)


@lru_cache(maxsize=1)
def _shipped() -> dict[str, tuple[str, bool]]:
    """Every contract's requirement ID → its catalogue's level, and whether a policy may not
    change it."""
    from infocheck import contracts
    found = {}
    for contract in contracts.every():
        catalogue = contract.catalogue
        for requirement_id, requirement in catalogue.items():
            found[requirement_id] = (requirement.level, requirement_id in catalogue.fixed)
    return found


def catalogue_of(result: dict) -> Catalogue:
    """The requirements the run judged by, at the levels it recorded, where it may have."""
    shipped = _shipped()
    policy = result.get("policy") or {}
    found = {}
    for r in result.get("requirements", []):
        level = r.get("level", "MUST")
        if r["id"] in shipped:
            declared, fixed = shipped[r["id"]]
            changed = policy.get(r["id"])
            level = changed["level"] if isinstance(changed, dict) and not fixed else declared
        found[r["id"]] = Requirement(r["id"], level, r.get("area", ""), r.get("statement", ""),
                                     r.get("source", ""))
    # The contract's shape: which requirement is the positive request's, without whose pass
    # the judge gives no pass (a catalogue without it judged a skipped positive request a pass).
    return Catalogue(found, shape=_shape(result.get("contract") or "info"))


def _shape(name) -> Shape:
    from infocheck import contracts
    try:
        return contracts.get(str(name)).catalogue.shape
    except contracts.UnknownContract:
        return Shape()


def _date(text) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


def _run_day(started) -> dt.date:
    """The day the run judged its waivers by: its start, in the earliest time zone there is
    (the run used its own local day; a day earlier never fails a waiver it held valid)."""
    try:
        moment = dt.datetime.fromisoformat(str(started))
    except ValueError:
        return dt.date.today()
    return (moment - dt.timedelta(hours=14)).date() if moment.tzinfo else moment.date()


def policy_of(result: dict) -> Policy:
    """The policy the run judged by: the levels, fail-on-SHOULD and the waivers it records (a
    report from before `waivers` records those of requirements, with each requirement, and
    the expired ones: a failure only a test's waiver covered counts as failed there)."""
    if "waivers" in result:
        entries = result["waivers"]
    else:
        ids = {r["id"] for r in result.get("requirements", [])}
        entries = [dict(r["waiver"], requirement=r["id"]) for r in result.get("requirements", [])
                   if r.get("waiver")] + [
            dict(w, **({"requirement": w["subject"]} if w["subject"] in ids else {"test": w["subject"]}))
            for w in result.get("expired_waivers", [])]
    found = []
    for w in entries:
        expires = _date(w.get("expires"))
        if expires is None:
            continue   # a waiver that cannot be read waives nothing
        found.append(Waiver(w.get("requirement"), None if w.get("requirement") else w.get("test"),
                            str(w.get("reason", "")), expires))
    return Policy(catalogue_of(result), tuple(found), result.get("fail_on_should") is True,
                  _run_day(result.get("started")))


def outcomes_of(result: dict) -> list[TestOutcome]:
    """Each recorded result, its failure (failed, finding, waived) to be settled anew."""
    tests = []
    for r in result.get("results", []):
        outcome = OUTCOMES.get(r.get("outcome"), Outcome.NOT_RUN)
        failed = tuple(r.get("failed_requirements", ()))
        if outcome == Outcome.PASSED and failed:
            outcome = Outcome.FAILED      # a pass that names what it failed is a failure
        if outcome in FAILURES:
            outcome = Outcome.FAILED      # settled again below: waived, a finding, or failed
        tests.append(TestOutcome(nodeid=str(r.get("test", "")), requirements=tuple(r.get("requirements", ())),
                                 outcome=outcome, failed_requirements=failed,
                                 api_version=str(r.get("api_version", "")),
                                 levels=tuple(r.get("levels", ())), settled=outcome not in FAILURES))
    return tests


def from_results(result: dict) -> tuple[int, str, dict[str, str]]:
    """What the results give: the exit code, why when it is not a pass, and each requirement's
    verdict (a worse one the report records kept)."""
    policy = policy_of(result)
    tests = settled(outcomes_of(result), policy)
    code = judge(0, tests, policy)
    why = ""
    if code == ExitCode.NOT_CONFORMANT:
        failed = sorted({i for t in tests if t.outcome == Outcome.FAILED for i in t.failed_requirements})
        why = ("failed " + ", ".join(failed[:6])) if failed else "a waiver it recorded has expired"
    if code == EXIT_UNTESTABLE:
        why = "a check was not tested, or the positive request did not pass"
    if code == ExitCode.CONFORMANT and any(t.outcome == Outcome.ERROR for t in tests):
        code, why = EXIT_UNTESTABLE, "a test errored"
    if not tests:
        code, why = worse(code, EXIT_UNTESTABLE), "it holds no test results: nothing shows a check ran"
    elif not any(i in policy.catalogue for t in tests for i in t.requirements + t.failed_requirements):
        code, why = (worse(code, EXIT_UNTESTABLE),
                     "none of its test results checks a requirement it records: nothing shows a check ran")
    if result.get("embedded_server") is True:
        code = worse(code, EXIT_UNTESTABLE)
        why = "it checked infocheck's embedded reference server, not an endpoint"
    recomputed = requirement_verdicts(policy.catalogue, tests)
    verdicts, said_failed = {}, []
    for r in result.get("requirements", []):
        now = recomputed.get(r["id"], (Outcome.NOT_RUN, []))[0]
        said = OUTCOMES.get(r.get("verdict"))
        if said in WORSE_WORDS and ORDER.index(said) < ORDER.index(now):
            now = said
            if said == Outcome.FAILED:
                said_failed.append(r["id"])
        verdicts[r["id"]] = str(now)
    # A requirement the report itself says failed is believed (words make a target worse): its
    # verdict row says failed, so the target's exit code cannot say it passed.
    if said_failed and worse(code, 1) != code:
        code, why = worse(code, 1), f"its report records {', '.join(said_failed[:6])} failed"
    return code, why, verdicts


def rejudged(entry: dict) -> dict:
    """The target's entry as its results judge it (its result's requirement verdicts too); when
    that is worse than its report said, `problem` says what the report said and why."""
    result = entry.get("result")
    said = worse(entry["exit_code"], result["exit_code"]) if result else entry["exit_code"]
    if result is None:
        if entry["exit_code"] == ExitCode.CONFORMANT:
            return dict(entry, exit_code=EXIT_INTERNAL, verdict=verdict_words(EXIT_INTERNAL),
                        problem="its report says CONFORMANT but holds no result")
        return entry
    code, why, verdicts = from_results(result)
    for r in result.get("requirements", []):
        r["verdict"] = verdicts[r["id"]]
    final = worse(code, said)
    if final == said:
        return dict(entry, exit_code=final, verdict=verdict_words(final))
    result.update(verdict=verdict_words(final), exit_code=final,
                  explanation=EXPLAINED.get(final, result.get("explanation", "")))
    problem = (f"its report says {verdict_words(said)} (exit {said}); its results give "
               f"{verdict_words(final)} (exit {final}): {why}")
    if entry.get("problem"):
        problem = f"{problem}; {entry['problem']}"
    return dict(entry, exit_code=final, verdict=verdict_words(final), problem=problem)
