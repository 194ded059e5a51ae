"""What a run, a fleet run or a merge records in the history store, and how: its results read
through the typed model (judging/report_model.py), every text scrubbed by the run's scrubber
(wire/secret.py, the same as every output) and bounded, written in one transaction; older runs
than --history-keep removed.

A store that cannot be reached or written does not lose the run: the recording is spooled as
one JSON file in the reports' folder (history-spool/), the run says so in one line, and the
next run that reaches the store writes every spooled recording first (each removed once its
transaction is committed). The run's exit code is the endpoint's verdict and never changes for
the store's sake."""
from __future__ import annotations

import datetime as dt
import json
import os
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from infocheck import __version__
from infocheck.history.store import (NAME_LIMIT, StoreError, backfill_hourly, describe, number_value,
                                     open_store, tables, text_value)
from infocheck.judging.exit_codes import ExitCode
from infocheck.wire.printable import printable

SPOOL = "history-spool"
SPOOL_LIMIT = 64 * 1024 * 1024     # bytes of one spooled recording
SPOOL_FILES = 1000                 # spooled recordings written by one run (the rest: the next)
REASON_LIMIT = 300
EXPLANATION_LIMIT = 500
NOTICES = 20
REQUIREMENTS = 2000                # requirements of one target a recording keeps
TARGETS = 100_000
RECORDING_VERSION = 1
VERDICT_WORDS = {code.verdict for code in ExitCode}
KINDS = ("run", "fleet", "merge")


# -- from the model to a recording (plain data, scrubbed, bounded) ---------------------------

def epoch(text) -> float:
    try:
        moment = dt.datetime.fromisoformat(str(text))
    except ValueError:
        return time.time()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.timestamp()


def origin_of(endpoint) -> str:
    if not endpoint:
        return ""
    parts = urlsplit(str(endpoint))
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}" if parts.netloc else ""


def single_name(report) -> str:
    """A single run's target in the store: its endpoint without the query (what
    `history`, `badge` and `can-i-deploy` are given), or the embedded server's words."""
    if not report.endpoint or report.embedded_server is True:
        return "embedded"
    return str(report.endpoint).split("?", 1)[0]


def _reason(requirement) -> str:
    if requirement.verdict == "passed":
        return ""
    for message in requirement.messages or ():
        for line in str(message).splitlines():
            if line.strip():
                return line.strip()
    return ""


def target_entry(name: str, report, *, verdict=None, exit_code=None, endpoint=None,
                 problem: str = "") -> dict:
    """One target's recording from its RunReport (None: its run left none, then the fleet's
    verdict, exit code and problem)."""
    if report is None:
        return {"target": name, "started": time.time(), "contract": "", "origin": origin_of(endpoint),
                "endpoint": endpoint or "", "api_versions": [], "verdict": verdict,
                "exit_code": int(exit_code), "requests": 0, "duration": 0.0, "notices": [],
                "policy": {}, "explanation": problem or "", "requirements": []}
    requests = report.requests.get("sent", 0) if isinstance(report.requests, dict) else 0
    levels = {i: v.get("level") for i, v in (report.policy or {}).items() if isinstance(v, dict)}
    return {
        "target": name,
        "started": epoch(report.started),
        "contract": report.contract or "",
        "origin": origin_of(report.endpoint),
        "endpoint": report.endpoint or "",
        "api_versions": list(report.api_versions or ()),
        "verdict": verdict or report.verdict,
        "exit_code": int(report.exit_code if exit_code is None else exit_code),
        "requests": int(requests),
        "duration": float(report.duration_seconds or 0),
        "notices": [str(n) for n in (report.notices or ())][:NOTICES],
        "policy": {"levels": levels, "fail_on_should": bool(report.fail_on_should)},
        "explanation": problem or report.explanation or "",
        "requirements": [{"id": r.id, "level": r.level or "", "verdict": r.verdict,
                          "reason": _reason(r)} for r in (report.requirements or ())][:REQUIREMENTS],
    }


def from_run(report) -> dict:
    return recording("run", [target_entry(single_name(report), report)])


def from_fleet(report, kind: str = "fleet") -> dict:
    return recording(kind, [fleet_target(t) for t in report.targets or ()])


def fleet_target(target) -> dict:
    return target_entry(target.name, target.result or None, verdict=target.verdict,
                        exit_code=target.exit_code, endpoint=target.endpoint or "",
                        problem=(target.problem or "") if not target.result else "")


def recording(kind: str, targets: list[dict]) -> dict:
    return {"recording": RECORDING_VERSION, "kind": kind, "recorded": time.time(),
            "infocheck": __version__, "targets": targets}


def scrubbed(entry, scrubber):
    """Every text of a recording masked with every secret the run knows, then bounded."""
    if isinstance(entry, str):
        return scrubber.text(entry) if scrubber is not None else entry
    if isinstance(entry, dict):
        return {scrubbed(k, scrubber): scrubbed(v, scrubber) for k, v in entry.items()}
    if isinstance(entry, list):
        return [scrubbed(v, scrubber) for v in entry]
    return entry


# -- checking a recording (a spooled file is a file we do not fully trust) -------------------

def checked(doc, where: str) -> dict:
    """A recording's plain data, every value checked and bounded; StoreError otherwise."""
    if not isinstance(doc, dict) or doc.get("recording") != RECORDING_VERSION or doc.get("kind") not in KINDS:
        raise StoreError(f"{where}: not a recording infocheck spooled")
    targets = doc.get("targets")
    if not isinstance(targets, list) or len(targets) > TARGETS:
        raise StoreError(f"{where}: its targets are not a list infocheck writes")
    found = []
    for number, t in enumerate(targets, 1):
        at = f"{where}: target {number}"
        if not isinstance(t, dict):
            raise StoreError(f"{at}: not a target infocheck writes")
        code = number_value(t.get("exit_code"), f"{at}: exit_code", whole=True, high=255)
        verdict = text_value(t.get("verdict"), f"{at}: verdict", 32, optional=False)
        if verdict not in VERDICT_WORDS:
            raise StoreError(f"{at}: verdict {printable(verdict, 40)} is none infocheck gives")
        requirements = t.get("requirements")
        notices = t.get("notices")
        versions = t.get("api_versions")
        policy = t.get("policy")
        if not isinstance(requirements, list) or not isinstance(notices, list) or \
                not isinstance(versions, list) or not isinstance(policy, dict):
            raise StoreError(f"{at}: not a target infocheck writes")
        found.append({
            "target": _name(t.get("target"), f"{at}: target"),
            "started": number_value(t.get("started"), f"{at}: started", high=10 ** 11),
            "contract": text_value(t.get("contract"), f"{at}: contract", 64),
            "origin": text_value(t.get("origin"), f"{at}: origin", NAME_LIMIT),
            "endpoint": text_value(t.get("endpoint"), f"{at}: endpoint", 2000),
            "api_versions": [text_value(v, f"{at}: api_versions", 64) for v in versions[:50]],
            "verdict": verdict, "exit_code": code,
            "requests": number_value(t.get("requests"), f"{at}: requests", whole=True),
            "duration": number_value(t.get("duration"), f"{at}: duration"),
            "notices": [text_value(n, f"{at}: notices", EXPLANATION_LIMIT) for n in notices[:NOTICES]],
            "policy": _policy(policy, at),
            "explanation": text_value(t.get("explanation"), f"{at}: explanation", EXPLANATION_LIMIT),
            "requirements": [_requirement(r, f"{at}: requirement {i}") for i, r in
                             enumerate(requirements[:REQUIREMENTS], 1)],
        })
    return {"recording": RECORDING_VERSION, "kind": doc["kind"],
            "recorded": number_value(doc.get("recorded"), f"{where}: recorded", high=10 ** 11),
            "infocheck": text_value(doc.get("infocheck"), f"{where}: infocheck", 64),
            "targets": found}


def _name(value, where: str) -> str:
    name = text_value(value, where, NAME_LIMIT, optional=False)
    if not name:
        raise StoreError(f"{where}: empty")
    return name


def _policy(policy: dict, where: str) -> dict:
    levels = policy.get("levels", {})
    if not isinstance(levels, dict) or len(levels) > REQUIREMENTS:
        raise StoreError(f"{where}: policy: not one infocheck writes")
    return {"levels": {text_value(k, f"{where}: policy", NAME_LIMIT): text_value(v, f"{where}: policy", 16)
                       for k, v in levels.items()},
            "fail_on_should": bool(policy.get("fail_on_should") is True)}


def _requirement(r, where: str) -> dict:
    if not isinstance(r, dict):
        raise StoreError(f"{where}: not a requirement infocheck writes")
    return {"id": _name(r.get("id"), f"{where}: id"),
            "level": text_value(r.get("level"), f"{where}: level", 16),
            "verdict": text_value(r.get("verdict"), f"{where}: verdict", 32, optional=False),
            "reason": text_value(r.get("reason"), f"{where}: reason", REASON_LIMIT)}


# -- writing ---------------------------------------------------------------------------------

def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def write(engine, doc: dict) -> None:
    """One recording, in one transaction: its run, targets, requirements and what changed since
    each target's previous run."""
    from sqlalchemy import select

    t = tables()
    with engine.begin() as conn:
        run_id = conn.execute(t.runs.insert().values(
            recorded=doc["recorded"], kind=doc["kind"], infocheck=doc["infocheck"][:64])).inserted_primary_key[0]
        for entry in doc["targets"]:
            name = entry["target"][:NAME_LIMIT]
            before = conn.execute(
                select(t.targets.c.id, t.targets.c.verdict)
                .where(t.targets.c.target == name, t.targets.c.started <= entry["started"])
                .order_by(t.targets.c.started.desc(), t.targets.c.id.desc()).limit(1)).first()
            previous = {}
            if before is not None:
                previous = {row[0]: row[1] for row in conn.execute(
                    select(t.requirements.c.requirement, t.requirements.c.verdict)
                    .where(t.requirements.c.target_id == before[0]))}
            target_id = conn.execute(t.targets.insert().values(
                run_id=run_id, target=name, started=entry["started"],
                contract=entry["contract"][:64], origin=entry["origin"][:NAME_LIMIT],
                endpoint=entry["endpoint"], api_versions=_dumps(entry["api_versions"]),
                verdict=entry["verdict"][:32], exit_code=entry["exit_code"],
                requests=entry["requests"], duration=entry["duration"],
                notices=_dumps(entry["notices"]), policy=_dumps(entry["policy"]),
                explanation=entry["explanation"])).inserted_primary_key[0]
            _count_hour(conn, t, name, entry["started"], entry["verdict"][:32])
            requirements = [{"target_id": target_id, "requirement": r["id"][:NAME_LIMIT],
                             "level": r["level"][:16], "verdict": r["verdict"][:32],
                             "reason": r["reason"]} for r in entry["requirements"]]
            if requirements:
                conn.execute(t.requirements.insert(), requirements)
            changes = []
            if before is None or before[1] != entry["verdict"]:
                changes.append(("", None if before is None else before[1], entry["verdict"]))
            for r in requirements:
                if previous.get(r["requirement"]) != r["verdict"]:
                    changes.append((r["requirement"], previous.get(r["requirement"]), r["verdict"]))
            if changes:
                conn.execute(t.changes.insert(), [
                    {"target_id": target_id, "target": name, "requirement": req,
                     "started": entry["started"], "previous": old, "verdict": new}
                    for req, old, new in changes])


def _count_hour(conn, t, name: str, started: float, verdict: str) -> None:
    """One more run of `name` in its hour, by verdict (an upsert: several writers may count the
    same hour at once; SQLite and PostgreSQL share ON CONFLICT's meaning)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(t.hourly).values(target=name, hour=int(started // 3600), verdict=verdict, runs=1)
    conn.execute(statement.on_conflict_do_update(index_elements=["target", "hour", "verdict"],
                                                 set_={"runs": t.hourly.c.runs + 1}))


def prune(engine, keep: float | None, now: float | None = None) -> int:
    """Remove the runs of targets that started longer ago than `keep` seconds; how many."""
    if keep is None:
        return 0
    from sqlalchemy import delete, exists, select, text

    t = tables()
    cutoff = (time.time() if now is None else now) - keep
    old = select(t.targets.c.id).where(t.targets.c.started < cutoff)
    with engine.begin() as conn:
        conn.execute(delete(t.changes).where(t.changes.c.target_id.in_(old)))
        conn.execute(delete(t.requirements).where(t.requirements.c.target_id.in_(old)))
        removed = conn.execute(delete(t.targets).where(t.targets.c.started < cutoff)).rowcount
        conn.execute(delete(t.runs).where(~exists().where(t.targets.c.run_id == t.runs.c.id)))
        if removed:
            # The hours before the cutoff go; the hour it cuts through is counted again.
            hour = int(cutoff // 3600)
            conn.execute(delete(t.hourly).where(t.hourly.c.hour <= hour))
            conn.execute(text(backfill_hourly(conn.dialect.name, f"WHERE started >= {hour * 3600} "
                                              f"AND started < {(hour + 1) * 3600}")))
    return removed or 0


# -- the spool -------------------------------------------------------------------------------

def spool(doc: dict, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    part = folder / f".{name}.part"
    part.write_text(_dumps(doc) + "\n", encoding="utf-8")
    final = folder / f"{name}.json"
    os.replace(part, final)
    return final


def spooled(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.json") if p.is_file())[:SPOOL_FILES]


def read_spooled(path: Path) -> dict:
    from infocheck.configuration import files
    try:
        data = files.read_bytes(path, SPOOL_LIMIT, "spooled history recording")
        doc = files.load_json(data, files.where(path), "spooled history recording", 8)
    except files.FileError as error:
        raise StoreError(str(error)) from None
    return checked(doc, files.where(path))


def flush(engine, folder: Path, say) -> int:
    """Every spooled recording written (each file removed once it is); a file that is no
    recording is renamed *.bad and said; how many were written."""
    written = 0
    for path in spooled(folder):
        try:
            doc = read_spooled(path)
        except StoreError as error:
            try:
                os.replace(path, path.with_suffix(".bad"))
            except OSError:
                pass
            say(f"infocheck: history: a spooled recording was not written and is kept as "
                f"{printable(path.with_suffix('.bad').name, 120)}: {error}")
            continue
        write(engine, doc)
        try:
            path.unlink()
        except OSError:
            pass
        written += 1
    return written


# -- the whole of it: what a run calls ----------------------------------------------------------

def record(url, keep: float | None, doc: dict, folder: Path, scrubber, say) -> bool:
    """Record `doc` (scrubbed here) in the store at `url`, or spool it in `folder`; one line said
    either way. Whether it reached the store. Never raises for the store's sake."""
    from sqlalchemy import exc

    doc = checked(scrubbed(doc, scrubber), "this run's recording")
    mask = scrubber.text if scrubber is not None else (lambda text: text)
    engine = None
    try:
        engine = open_store(url, create=True)
        flushed = flush(engine, folder, say)
        write(engine, doc)
        removed = prune(engine, keep)
    except (StoreError, exc.SQLAlchemyError, OSError, ValueError, TypeError, UnicodeError) as error:
        why = str(error) if isinstance(error, StoreError) else describe(error, url)
        try:
            where = spool(doc, folder)
            kept = (f"this run is spooled in {printable(str(where.parent), 300)} and is written "
                    "on the next run that reaches the store; the exit code is the endpoint's")
        except OSError as spool_error:
            kept = (f"and it could not be spooled either ({printable(str(spool_error), 200)}): "
                    "this run is not in the history")
        say(mask(f"infocheck: history: the store could not be written ({printable(why, 300)}); {kept}"))
        return False
    finally:
        if engine is not None:
            engine.dispose()
    extra = f", and {flushed} spooled before" if flushed else ""
    pruned = f"; {removed} target run(s) older than the store keeps removed" if removed else ""
    say(mask(f"infocheck: history: {len(doc['targets'])} target(s) recorded in {url.shown}{extra}{pruned}"))
    return True


def merge_history(url_given, keep_given, environ=None):
    """`infocheck merge --history URL [--history-keep AGE]` (or their variables): a function
    that records a merge, or None; ConfigError (a usage error) for a URL or an age that is none."""
    from infocheck.configuration.knobs import KNOB_BY_FIELD
    from infocheck.configuration.store_url import parse_keep, parse_store_url

    environ = os.environ if environ is None else environ
    url_knob, keep_knob = KNOB_BY_FIELD["history"], KNOB_BY_FIELD["history_keep"]
    given = url_given if url_given is not None else environ.get(url_knob.env, "").strip() or None
    if given is None:
        return None
    url = parse_store_url(given, url_knob.label)
    keep_text = keep_given if keep_given is not None else environ.get(keep_knob.env, "").strip() or keep_knob.default
    keep = parse_keep(keep_text, keep_knob.label)

    def record_merge(found, folder: Path, say) -> bool:
        from infocheck.judging.report_model import TargetReport
        from infocheck.wire.secret import Scrubber
        targets = [fleet_target(TargetReport.from_dict(entry)) for entry in found.entries()]
        return record(url, keep, recording("merge", targets), folder / SPOOL, Scrubber(url.secrets()), say)
    return record_merge
