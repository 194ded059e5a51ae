"""What the history store answers: a target's runs, when each requirement last changed and what
is flapping (history), a target's last verdict and its age (badge), and whether every run of a
target in a window was conformant under the current policy (can-i-deploy).

A store is a file or a server we do not fully trust. Every question reads a bounded number of
rows (ROW_LIMIT), every text cut at the database (substr) and again here, every value checked
(store.py: text_value, number_value); a value no infocheck writes is one StoreError naming the
store, never a traceback. The history is read from the changes each recording writes (a target's
verdict, or a requirement's, that differs from its previous run), so that a trend over a million
runs reads a few thousand rows."""
from __future__ import annotations

import datetime as dt
import json
import math
import time
from dataclasses import dataclass, field

from infocheck.history.store import (NAME_LIMIT, REQUIREMENT_ROW_LIMIT, ROW_LIMIT, TEXT_LIMIT,
                                     TIME_LIMIT, StoreError, describe, number_value, open_store,
                                     tables, text_value)
from infocheck.judging.exit_codes import ExitCode
from infocheck.wire.printable import printable

FLAPPING = 3               # changes of a requirement's verdict in the window that make it flapping
BUCKETS = 30               # columns of a trend
VERDICT_CODES = {code.verdict: code for code in ExitCode}
NOT_CHECKED = ("not tested", "not run", "ignored", "error")
SHOWN_RUNS = 20            # runs can-i-deploy names, at most


def iso(moment: float | None) -> str | None:
    if moment is None:
        return None
    return dt.datetime.fromtimestamp(moment, dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def age_words(seconds: float) -> str:
    seconds = max(0, int(seconds))
    for size, unit in ((86400, "d"), (3600, "h"), (60, "m")):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


@dataclass
class TargetRun:
    id: int
    target: str
    started: float
    verdict: str
    exit_code: int
    contract: str = ""
    origin: str = ""
    requests: int | None = None
    duration: float | None = None
    explanation: str = ""
    notices: list = field(default_factory=list)
    policy: dict = field(default_factory=dict)


class Reader:
    """One store, opened for reading (its schema upgraded in place if it is older)."""

    def __init__(self, url):
        from sqlalchemy import exc
        self.url = url
        self.engine = open_store(url, create=False)
        self.t = tables()
        self._statements: dict = {}
        try:
            self.conn = self.engine.connect()       # one connection for every question
        except exc.SQLAlchemyError as error:
            self.engine.dispose()
            raise StoreError(f"{url.shown}: cannot be read: {describe(error, url)}") from None

    def close(self) -> None:
        try:
            self.conn.close()
        finally:
            self.engine.dispose()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # every query goes through here: what the database or the driver cannot read, and every
    # value no infocheck writes, is one StoreError
    def _rows(self, key, build, limit: int, params: dict, *, bounded: bool = True):
        """At most `limit` rows of the statement `build` makes (made once a Reader, its values
        bound); `bounded`: more than that is a StoreError (the question is too big), else the
        first `limit` are the answer (the newest run)."""
        from sqlalchemy import exc
        statement = self._statements.get(key)
        if statement is None:
            statement = self._statements[key] = build().limit(limit + 1 if bounded else limit)
        try:
            rows = self.conn.execute(statement, params).all()
        except exc.SQLAlchemyError as error:
            raise StoreError(f"{self.url.shown}: cannot be read: {describe(error, self.url)}") from None
        except (ValueError, TypeError, OverflowError, ArithmeticError, UnicodeError) as error:
            raise StoreError(f"{self.url.shown}: holds a value no infocheck writes "
                             f"({type(error).__name__})") from None
        if bounded and len(rows) > limit:
            raise StoreError(f"{self.url.shown}: the question reads more than {limit} rows; "
                             "ask for less (a shorter --since or --window, or one TARGET)")
        return rows

    def _where(self, table: str) -> str:
        return f"{self.url.shown}: {table}"

    def _text(self, column, limit: int = TEXT_LIMIT):
        from sqlalchemy import func
        return func.substr(column, 1, limit)

    def _run(self, row) -> TargetRun:
        where = self._where("infocheck_targets")
        code = number_value(row[4], f"{where}.exit_code", whole=True, high=255)
        verdict = text_value(row[3], f"{where}.verdict", 32, optional=False)
        if verdict not in VERDICT_CODES:
            raise StoreError(f"{where}.verdict holds {printable(verdict, 40)}: no verdict infocheck gives")
        return TargetRun(
            id=number_value(row[0], f"{where}.id", whole=True),
            target=text_value(row[1], f"{where}.target", NAME_LIMIT, optional=False),
            started=number_value(row[2], f"{where}.started", high=TIME_LIMIT),
            verdict=verdict, exit_code=code,
            contract=text_value(row[5], f"{where}.contract", 64),
            origin=text_value(row[6], f"{where}.origin", NAME_LIMIT),
            requests=number_value(row[7], f"{where}.requests", whole=True, optional=True),
            duration=number_value(row[8], f"{where}.duration", optional=True),
            explanation=text_value(row[9], f"{where}.explanation", 500),
            notices=self._json(row[10], f"{where}.notices", list),
            policy=self._json(row[11], f"{where}.policy", dict))

    def _json(self, value, where: str, kind):
        if value is None:
            return kind()
        from infocheck.configuration import files
        text = text_value(value, where, TEXT_LIMIT * 10)
        try:
            found = files.load_json(text.encode("utf-8"), where, "stored value", 6)
        except files.FileError:
            raise StoreError(f"{where} holds text that is not what infocheck writes") from None
        if not isinstance(found, kind):
            raise StoreError(f"{where} holds {type(found).__name__}, not what infocheck writes")
        return found

    def _run_columns(self):
        c = self.t.targets.c
        return (c.id, self._text(c.target, NAME_LIMIT), c.started, self._text(c.verdict, 32), c.exit_code,
                self._text(c.contract, 64), self._text(c.origin, NAME_LIMIT), c.requests, c.duration,
                self._text(c.explanation, 500), self._text(c.notices, TEXT_LIMIT * 10),
                self._text(c.policy, TEXT_LIMIT * 10))

    # -- the questions ---------------------------------------------------------------------

    def runs(self, target: str, since: float, limit: int = ROW_LIMIT) -> list[TargetRun]:
        from sqlalchemy import bindparam, select
        c = self.t.targets.c
        build = lambda: (select(*self._run_columns())   # noqa: E731
                         .where(c.target == bindparam("t"), c.started >= bindparam("since"))
                         .order_by(c.started, c.id))
        return [self._run(row) for row in self._rows(("runs", limit), build, limit,
                                                     {"t": target, "since": since})]

    def last(self, target: str, before: float | None = None) -> TargetRun | None:
        from sqlalchemy import bindparam, select
        c = self.t.targets.c

        def build():
            statement = select(*self._run_columns()).where(c.target == bindparam("t"))
            if before is not None:
                statement = statement.where(c.started < bindparam("before"))
            return statement.order_by(c.started.desc(), c.id.desc())
        rows = self._rows(("last", before is None), build, 1, {"t": target, "before": before}, bounded=False)
        return self._run(rows[0]) if rows else None

    def counts(self, since: float, target: str | None = None) -> dict[str, dict[str, int]]:
        """Per target: how many runs since `since`, by verdict: the whole hours from the hourly
        counts, the hour `since` falls in from the runs themselves."""
        from sqlalchemy import bindparam, func, select
        c, h = self.t.targets.c, self.t.hourly.c
        first_hour = math.ceil(since / 3600)

        def whole():
            statement = select(self._text(h.target, NAME_LIMIT), self._text(h.verdict, 32),
                               func.sum(h.runs)).where(h.hour >= bindparam("hour"))
            if target is not None:
                statement = statement.where(h.target == bindparam("t"))
            return statement.group_by(h.target, h.verdict)

        def edge():
            statement = select(self._text(c.target, NAME_LIMIT), self._text(c.verdict, 32), func.count()).where(
                c.started >= bindparam("since"), c.started < bindparam("until"))
            if target is not None:
                statement = statement.where(c.target == bindparam("t"))
            return statement.group_by(c.target, c.verdict)
        found: dict[str, dict[str, int]] = {}
        where = self._where("infocheck_hourly")
        params = {"hour": first_hour, "t": target, "since": since, "until": first_hour * 3600.0}
        rows = self._rows(("counts", target is None), whole, ROW_LIMIT, params) + \
            self._rows(("counts-edge", target is None), edge, ROW_LIMIT, params)
        for name, verdict, count in rows:
            name = text_value(name, f"{where}.target", NAME_LIMIT, optional=False)
            verdict = text_value(verdict, f"{where}.verdict", 32, optional=False)
            number = number_value(count, f"{where}.runs", whole=True)
            if number:
                found.setdefault(name, {})[verdict] = found.get(name, {}).get(verdict, 0) + number
        return found

    def changes(self, target: str | None, since: float | None = None) -> dict[str, list]:
        """Per target (one, or every one): its changes (requirement, when, previous, verdict),
        oldest first ("" the target's own verdict)."""
        from sqlalchemy import bindparam, select
        c = self.t.changes.c

        def build():
            statement = select(self._text(c.target, NAME_LIMIT), self._text(c.requirement, NAME_LIMIT), c.started,
                               self._text(c.previous, 32), self._text(c.verdict, 32))
            if target is not None:
                statement = statement.where(c.target == bindparam("t"))
            if since is not None:
                statement = statement.where(c.started >= bindparam("since"))
            return statement.order_by(c.started)
        where = self._where("infocheck_changes")
        found: dict[str, list] = {}
        for t, r, s, p, v in self._rows(("changes", target is None, since is None), build, REQUIREMENT_ROW_LIMIT,
                                        {"t": target, "since": since}):
            found.setdefault(text_value(t, f"{where}.target", NAME_LIMIT), []).append(
                (text_value(r, f"{where}.requirement", NAME_LIMIT),
                 number_value(s, f"{where}.started", high=TIME_LIMIT),
                 text_value(p, f"{where}.previous", 32) if p is not None else None,
                 text_value(v, f"{where}.verdict", 32, optional=False)))
        return found

    def last_changes(self, target: str | None) -> dict[str, dict[str, float]]:
        """Per target (one, or every one): each requirement's last change (its first verdict
        counts), at any time."""
        from sqlalchemy import bindparam, func, select
        c = self.t.changes.c

        def build():
            statement = select(self._text(c.target, NAME_LIMIT), self._text(c.requirement, NAME_LIMIT),
                               func.max(c.started))
            if target is not None:
                statement = statement.where(c.target == bindparam("t"))
            return statement.group_by(c.target, c.requirement)
        where = self._where("infocheck_changes")
        found: dict[str, dict[str, float]] = {}
        for t, r, s in self._rows(("last_changes", target is None), build, ROW_LIMIT, {"t": target}):
            found.setdefault(text_value(t, f"{where}.target", NAME_LIMIT), {})[
                text_value(r, f"{where}.requirement", NAME_LIMIT)] = number_value(s, f"{where}.started", high=TIME_LIMIT)
        return found

    def requirements(self, target_ids: list[int]) -> dict[int, list[tuple[str, str, str, str]]]:
        """Per target run: (requirement, level, verdict, reason)."""
        from sqlalchemy import bindparam, select
        c = self.t.requirements.c
        found: dict[int, list] = {i: [] for i in target_ids}
        where = self._where("infocheck_requirements")
        build = lambda: select(c.target_id, self._text(c.requirement, NAME_LIMIT), self._text(c.level, 16),   # noqa: E731
                               self._text(c.verdict, 32), self._text(c.reason, 300)).where(
            c.target_id.in_(bindparam("ids", expanding=True)))
        for start in range(0, len(target_ids), 500):
            chunk = target_ids[start:start + 500]
            for tid, req, level, verdict, reason in self._rows("requirements", build, REQUIREMENT_ROW_LIMIT,
                                                               {"ids": chunk}):
                tid = number_value(tid, f"{where}.target_id", whole=True)
                if tid in found:
                    found[tid].append((text_value(req, f"{where}.requirement", NAME_LIMIT, optional=False),
                                       text_value(level, f"{where}.level", 16),
                                       text_value(verdict, f"{where}.verdict", 32, optional=False),
                                       text_value(reason, f"{where}.reason", 300)))
        return found


# -- history ---------------------------------------------------------------------------------

def worst_verdict(verdicts) -> str | None:
    """The worst of verdicts as a fleet ranks them, or None."""
    from infocheck.judging.exit_codes import worst
    codes = [VERDICT_CODES[v] for v in verdicts if v in VERDICT_CODES]
    return worst(codes).verdict if codes else None


def _timeline(start_state: dict[str, str | None], changes, since: float, until: float, buckets: int):
    """Per key: per bucket, the verdicts that held in it (the state at its start and every
    verdict a change in it gave)."""
    width = max((until - since) / buckets, 1e-9)
    keys = set(start_state) | {c[0] for c in changes}
    cells = {key: [set() for _ in range(buckets)] for key in keys}
    state = dict(start_state)
    for key, moment, _, verdict in sorted(changes, key=lambda c: c[1]):
        b = min(buckets - 1, max(0, int((moment - since) // width)))
        previous = state.get(key)
        held_from = state.get((key, "since"), 0)
        if previous is not None:
            for column in range(held_from, b + 1):
                cells[key][column].add(previous)
        cells[key][b].add(verdict)
        state[key], state[(key, "since")] = verdict, b
    for key in keys:
        value = state.get(key)
        if value is not None:
            for column in range(state.get((key, "since"), 0), buckets):
                cells[key][column].add(value)
    return cells


REQUIREMENT_ORDER = ("failed", "finding", "not tested", "error", "waived", "not run", "passed",
                     "skipped", "ignored")


def _worst_requirement(verdicts: set) -> str | None:
    return next((v for v in REQUIREMENT_ORDER if v in verdicts), next(iter(sorted(verdicts)), None))


def history(reader: Reader, target: str | None, since_seconds: float, now: float | None = None,
            buckets: int = BUCKETS) -> dict:
    """The history document (what --json writes and the page shows)."""
    now = time.time() if now is None else now
    since = now - since_seconds
    counts = reader.counts(since, target)
    names = sorted(counts) if target is None else ([target] if target in counts else [])
    lasts = {name: (reader.last(name), reader.last(name, since)) for name in names}
    all_changes = reader.changes(target, since) if names else {}
    all_last_changed = reader.last_changes(target) if names else {}
    ids = [run.id for pair in lasts.values() for run in pair if run is not None]
    rows = reader.requirements(ids)
    found = []
    for name in names:
        last, before = lasts[name]
        if last is None:      # counted, but no run of it is left (a store changed under us)
            continue
        changes = all_changes.get(name, [])
        last_changed = all_last_changed.get(name, {})
        now_verdicts = {r[0]: r[2] for r in rows.get(last.id, [])} if last else {}
        start = {r[0]: r[2] for r in rows.get(before.id, [])} if before else {}
        start[""] = before.verdict if before else None
        cells = _timeline(start, changes, since, now, buckets)
        flips: dict[str, int] = {}
        for requirement, _, previous, _ in changes:
            if previous is not None:
                flips[requirement] = flips.get(requirement, 0) + 1
        empty = [set()] * buckets
        requirements = [{"id": rid, "verdict": verdict, "last_changed": iso(last_changed.get(rid)),
                         "changes": flips.get(rid, 0), "flapping": flips.get(rid, 0) >= FLAPPING,
                         "trend": [_worst_requirement(c) for c in cells.get(rid, empty)]}
                        for rid, verdict in sorted(now_verdicts.items())]
        found.append({
            "target": name, "runs": sum(counts[name].values()), "verdicts": dict(sorted(counts[name].items())),
            "last": None if last is None else {
                "started": iso(last.started), "age_seconds": round(now - last.started, 3),
                "verdict": last.verdict, "exit_code": last.exit_code, "contract": last.contract,
                "origin": last.origin, "requests": last.requests, "duration_seconds": last.duration,
                "notices": [printable(str(n), 500) for n in last.notices[:20]],
                "explanation": last.explanation},
            "verdict_changes": flips.get("", 0),
            "flapping": sorted(r["id"] for r in requirements if r["flapping"]),
            "trend": [worst_verdict(c) for c in cells.get("", empty)],
            "requirements": requirements})
    return {"store": reader.url.shown, "since": iso(since), "until": iso(now), "buckets": buckets,
            "bucket_seconds": round(since_seconds / buckets, 3), "flapping_at": FLAPPING, "targets": found}


# -- can-i-deploy ----------------------------------------------------------------------------

@dataclass
class Blocker:
    run: TargetRun
    why: str                     # the run's own reason, or its requirements'
    requirements: list = field(default_factory=list)   # (id, level now, verdict, reason)


def rejudge(run: TargetRun, rows, levels_now: dict[str, str], fail_on_should: bool) -> Blocker | None:
    """Whether a stored run stands in the way under the current policy: its requirement
    verdicts settled again at today's levels (a failure of a requirement now IGNORED, or now a
    SHOULD without --fail-on-should, no longer counts; a finding of one now a MUST does; a MUST
    now that the run did not check counts as not checked). A run that could not test, broke, or
    was a usage error stands in the way whatever its requirements say; so does one that failed
    for a reason no requirement records, and one that recorded no requirement at all."""
    if run.exit_code not in (ExitCode.CONFORMANT, ExitCode.NOT_CONFORMANT):
        return Blocker(run, f"{run.verdict} (exit {run.exit_code}): {run.explanation or 'no reason recorded'}")
    if not rows:
        return Blocker(run, "no requirement of this run is recorded: nothing shows it was checked")
    standing, failures = [], 0
    for requirement, level, verdict, reason in rows:
        now = levels_now.get(requirement, level or "MUST")
        if verdict in ("failed", "finding"):
            failures += 1
        if now == "IGNORED":
            continue
        if verdict in ("failed", "finding") and (now == "MUST" or (now == "SHOULD" and fail_on_should)):
            standing.append((requirement, now, verdict, reason))
        elif verdict in NOT_CHECKED and now == "MUST":
            standing.append((requirement, now, verdict, reason or "not checked in this run"))
    if standing:
        return Blocker(run, f"{len(standing)} requirement(s) stand in the way", standing)
    if run.exit_code == ExitCode.NOT_CONFORMANT and not failures:
        return Blocker(run, f"NOT CONFORMANT for a reason no requirement records: "
                            f"{run.explanation or 'none recorded'}")
    return None


@dataclass
class Answer:
    code: int
    lines: list[str]


def current_levels(contracts_seen: set[str], policy_file: str | None) -> dict[str, str]:
    """Today's level of every requirement of the contracts the runs were of, with the policy
    file applied (judging/catalogue.py: load); CatalogueError for a policy that is none."""
    from infocheck import contracts
    from infocheck.judging import catalogue
    levels: dict[str, str] = {}
    for name in sorted(contracts_seen):
        try:
            contract = contracts.get(name)
        except contracts.UnknownContract:
            continue
        try:
            loaded = catalogue.load((), policy_file, contract)
        except catalogue.CatalogueError:
            if len(contracts_seen) == 1:
                raise
            loaded = catalogue.load((), None, contract)
        for requirement_id, requirement in loaded.items():
            levels[requirement_id] = requirement.level
    return levels


def can_i_deploy(reader: Reader, target: str, window: float, min_runs: int, max_age: float,
                 policy_file: str | None, fail_on_should: bool, now: float | None = None) -> Answer:
    now = time.time() if now is None else now
    runs = reader.runs(target, now - window, limit=ROW_LIMIT)
    shown_window = age_words(window)
    if len(runs) < min_runs:
        last = reader.last(target)
        had = (f"the newest run of it is {age_words(now - last.started)} old ({iso(last.started)})"
               if last else "the store has no run of it at all")
        return Answer(ExitCode.UNTESTABLE, [
            f"{target}: COULD NOT TELL: {len(runs)} run(s) in the last {shown_window}, and --min-runs "
            f"asks for {min_runs}; {had}. Record runs of it (infocheck --history URL, or infocheck "
            "watch), or widen --window"])
    rows = reader.requirements([r.id for r in runs])
    levels = current_levels({r.contract for r in runs if r.contract}, policy_file)
    blockers = [b for b in (rejudge(r, rows.get(r.id, []), levels, fail_on_should) for r in runs) if b]
    newest = runs[-1]
    stale = now - newest.started > max_age
    if not blockers and not stale:
        return Answer(ExitCode.CONFORMANT, [
            f"{target}: CAN DEPLOY: all {len(runs)} run(s) in the last {shown_window} are conformant "
            f"under the current policy; the newest {age_words(now - newest.started)} ago ({iso(newest.started)})"])
    lines = [f"{target}: CANNOT DEPLOY: " + "; ".join(
        ([f"{len(blockers)} of {len(runs)} run(s) in the last {shown_window} are not conformant under "
          "the current policy"] if blockers else [])
        + ([f"the newest run is {age_words(now - newest.started)} old, older than --max-age "
            f"{age_words(max_age)}"] if stale else []))]
    for blocker in blockers[-SHOWN_RUNS:]:
        lines.append(f"  run {iso(blocker.run.started)}: {printable(blocker.why, 300)}")
        for requirement, level, verdict, reason in blocker.requirements[:10]:
            lines.append(f"    {requirement} ({level}, {verdict})" + (f": {printable(reason, 200)}" if reason else ""))
        if len(blocker.requirements) > 10:
            lines.append(f"    and {len(blocker.requirements) - 10} more requirement(s)")
    if len(blockers) > SHOWN_RUNS:
        lines.insert(1, f"  (the newest {SHOWN_RUNS} of them:)")
    return Answer(ExitCode.NOT_CONFORMANT, lines)


def to_json(document: dict) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
