"""The history store: its tables, its schema's version and the upgrade in place, opening it, and
the bounded way every value comes out of it. One code path for SQLite and PostgreSQL, through
SQLAlchemy Core 2.x.

Tables (the names are infocheck_*: a database shared with others keeps them apart):
- infocheck_schema: one row, the schema's version (SCHEMA_VERSION).
- infocheck_runs: one row a recording (a run, a fleet run or a merge): when, what, infocheck's
  version.
- infocheck_targets: one row a target of a recording: its name, when it started, contract,
  origin, endpoint, api-versions, verdict, exit code, requests, duration, notices, policy,
  explanation.
- infocheck_requirements: one row a requirement of a target's run: its level, verdict and
  one-line reason.
- infocheck_changes: one row each time a target's verdict, or one of its requirements' verdicts,
  differs from that target's previous run: written with the run, so that `history` reads
  changes, not every requirement of every run.
- infocheck_hourly: how many runs of a target started in each hour, by verdict: written with the
  run, so that `history` counts a month of runs from a few hundred rows a target.

Version 1 (infocheck's first store) had no notices, policy or explanation on a target, no level
on a requirement and no changes or hourly table (the upgrade counts its runs into the hourly
table; its runs have no changes, so a requirement's last change is its first after the upgrade); `open_store` upgrades it in place (a transaction; on
PostgreSQL under an advisory lock, so that two watchers do not upgrade at once)."""
from __future__ import annotations

import math

from infocheck.wire.printable import printable

SCHEMA_VERSION = 2
CONNECT_TIMEOUT = 10       # seconds to reach a PostgreSQL server, or to wait for SQLite's lock
TEXT_LIMIT = 2000          # characters of any text read back from a store
NAME_LIMIT = 300           # characters of a target's name, a requirement's id, an origin
ROW_LIMIT = 200_000        # rows of targets one question reads
REQUIREMENT_ROW_LIMIT = 500_000
LOCK_ID = 28_028_028       # the advisory lock two writers upgrading a PostgreSQL store share
NUMBER_LIMIT = 10 ** 12
TIME_LIMIT = 10 ** 11      # seconds since 1970: no run started in the year 5000


class StoreError(Exception):
    """The store cannot be used: one line, naming the store (its password masked)."""


def tables():
    """The schema's tables (built on first use: a run without --history never imports
    SQLAlchemy)."""
    global _TABLES
    if _TABLES is None:
        _TABLES = _build()
    return _TABLES


_TABLES = None


def _build():
    from sqlalchemy import (Column, Float, ForeignKey, Index, Integer, MetaData, String, Table,
                            Text)

    meta = MetaData()
    schema = Table("infocheck_schema", meta, Column("version", Integer, nullable=False))
    runs = Table("infocheck_runs", meta,
                 Column("id", Integer, primary_key=True, autoincrement=True),
                 Column("recorded", Float, nullable=False),
                 Column("kind", String(16), nullable=False),
                 Column("infocheck", String(64), nullable=False))
    targets = Table("infocheck_targets", meta,
                    Column("id", Integer, primary_key=True, autoincrement=True),
                    Column("run_id", Integer, ForeignKey("infocheck_runs.id"), nullable=False),
                    Column("target", String(NAME_LIMIT), nullable=False),
                    Column("started", Float, nullable=False),
                    Column("contract", String(64)),
                    Column("origin", String(NAME_LIMIT)),
                    Column("endpoint", Text),
                    Column("api_versions", Text),
                    Column("verdict", String(32), nullable=False),
                    Column("exit_code", Integer, nullable=False),
                    Column("requests", Integer),
                    Column("duration", Float),
                    Column("notices", Text),          # version 2
                    Column("policy", Text),           # version 2
                    Column("explanation", Text),      # version 2
                    Index("ix_infocheck_targets_target_started", "target", "started"),
                    # history's counts of a target's runs by verdict read this index alone
                    Index("ix_infocheck_targets_target_verdict_started", "target", "verdict", "started"),
                    Index("ix_infocheck_targets_started", "started"))
    requirements = Table("infocheck_requirements", meta,
                         Column("target_id", Integer, ForeignKey("infocheck_targets.id"), nullable=False),
                         Column("requirement", String(NAME_LIMIT), nullable=False),
                         Column("level", String(16)),      # version 2
                         Column("verdict", String(32), nullable=False),
                         Column("reason", Text),
                         Index("ix_infocheck_requirements_target", "target_id"))
    changes = Table("infocheck_changes", meta,                 # version 2
                    Column("target_id", Integer, ForeignKey("infocheck_targets.id"), nullable=False),
                    Column("target", String(NAME_LIMIT), nullable=False),
                    Column("requirement", String(NAME_LIMIT), nullable=False),   # "": the target's verdict
                    Column("started", Float, nullable=False),
                    Column("previous", String(32)),
                    Column("verdict", String(32), nullable=False),
                    Index("ix_infocheck_changes_target_started", "target", "started"),
                    Index("ix_infocheck_changes_started", "started"),
                    Index("ix_infocheck_changes_target_id", "target_id"))
    hourly = Table("infocheck_hourly", meta,                   # version 2
                   Column("target", String(NAME_LIMIT), nullable=False),
                   Column("hour", Integer, nullable=False),       # started // 3600
                   Column("verdict", String(32), nullable=False),
                   Column("runs", Integer, nullable=False),
                   Index("ux_infocheck_hourly", "target", "hour", "verdict", unique=True),
                   # history's counts read this index alone
                   Index("ix_infocheck_hourly_counts", "target", "verdict", "hour", "runs"),
                   Index("ix_infocheck_hourly_hour", "hour"))
    return _Tables(meta, schema, runs, targets, requirements, changes, hourly)


class _Tables:
    def __init__(self, meta, schema, runs, targets, requirements, changes, hourly):
        self.meta, self.schema, self.runs, self.targets = meta, schema, runs, targets
        self.requirements, self.changes, self.hourly = requirements, changes, hourly


# What version 1 lacked, added in place by the upgrade (table, column, its SQL type).
UPGRADES = {
    2: (("infocheck_targets", "notices", "TEXT"), ("infocheck_targets", "policy", "TEXT"),
        ("infocheck_targets", "explanation", "TEXT"),
        ("infocheck_requirements", "level", "VARCHAR(16)")),
}


def engine_for(url):
    """A SQLAlchemy engine for a StoreURL (configuration/store_url.py)."""
    try:
        from sqlalchemy import create_engine, event
    except ImportError:
        raise StoreError("the history store needs SQLAlchemy (pip install 'infocheck')") from None
    if url.kind == "postgresql":
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise StoreError(f"{url.shown}: a PostgreSQL store needs its driver: pip install "
                             "'infocheck[postgresql]' (psycopg)") from None
        return create_engine(url.driver_url(), connect_args={"connect_timeout": CONNECT_TIMEOUT},
                             pool_pre_ping=False, poolclass=_null_pool())
    engine = create_engine(url.driver_url(), connect_args={"timeout": CONNECT_TIMEOUT},
                           poolclass=_null_pool())

    @event.listens_for(engine, "connect")
    def _pragmas(connection, _record):   # noqa: ANN001 - SQLAlchemy's hook
        cursor = connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
    return engine


def _null_pool():
    from sqlalchemy.pool import NullPool
    return NullPool


def describe(error: BaseException, url) -> str:
    """A database's error in one line, its password masked (the caller's scrubber masks the
    rest), without SQLAlchemy's links and the statement."""
    orig = getattr(error, "orig", None) or error
    text = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    secret = url.password.reveal() if getattr(url, "password", None) else ""
    if secret:
        text = text.replace(secret, "***")
    return printable(text, 300)


def open_store(url, *, create: bool):
    """The store's engine, its schema created (`create`) or upgraded in place to
    SCHEMA_VERSION; StoreError in one line when it cannot be used."""
    from sqlalchemy import exc

    if url.kind == "sqlite" and not create:
        from pathlib import Path
        if not Path(url.where).is_file():
            raise StoreError(f"{url.shown}: no history store there (no run has recorded into it: "
                             "run infocheck with --history first)")
    if url.kind == "sqlite" and create:
        from pathlib import Path
        Path(url.where).parent.mkdir(parents=True, exist_ok=True)
    engine = engine_for(url)
    try:
        _schema(engine, url, create)
    except StoreError:
        engine.dispose()
        raise
    except (exc.SQLAlchemyError, OSError, ValueError, TypeError, UnicodeError) as error:
        engine.dispose()
        raise StoreError(f"{url.shown}: {describe(error, url)}") from None
    return engine


def _schema(engine, url, create: bool) -> None:
    from sqlalchemy import inspect, select, text

    t = tables()
    with engine.begin() as conn:
        if url.kind == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": LOCK_ID})
        names = set(inspect(conn).get_table_names())
        if "infocheck_schema" not in names:
            if not create:
                raise StoreError(f"{url.shown}: no infocheck history in this store (run infocheck "
                                 "with --history first)")
            if names & {"infocheck_runs", "infocheck_targets"}:
                raise StoreError(f"{url.shown}: it has infocheck's tables but not their version "
                                 "(infocheck_schema): not a store infocheck made")
            t.meta.create_all(conn)
            conn.execute(t.schema.insert().values(version=SCHEMA_VERSION))
            return
        rows = conn.execute(select(t.schema.c.version).limit(2)).all()
        if len(rows) != 1 or not isinstance(rows[0][0], int) or isinstance(rows[0][0], bool):
            raise StoreError(f"{url.shown}: its schema version (infocheck_schema) is not one "
                             "number: not a store infocheck made")
        version = rows[0][0]
        if version == SCHEMA_VERSION:
            return
        if version > SCHEMA_VERSION or version < 1:
            raise StoreError(f"{url.shown}: its schema is version {printable(str(version), 20)}, "
                             f"which this infocheck (schema {SCHEMA_VERSION}) does not know: "
                             "use a newer infocheck")
        if not create:
            # Reading upgrades too: the commands read what a newer run will write.
            pass
        for step in range(version + 1, SCHEMA_VERSION + 1):
            for table, column, kind in UPGRADES[step]:
                have = {c["name"] for c in inspect(conn).get_columns(table)}
                if column not in have:
                    conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {column} {kind}"))
        had = set(inspect(conn).get_table_names())
        t.meta.create_all(conn, checkfirst=True)      # the tables version 1 had not
        for table in (t.targets, t.requirements, t.changes, t.hourly):
            for index in table.indexes:
                index.create(conn, checkfirst=True)
        if "infocheck_hourly" not in had:
            conn.execute(text(backfill_hourly(url.kind)))
        conn.execute(t.schema.update().values(version=SCHEMA_VERSION))


def hour_sql(kind: str) -> str:
    """started // 3600 in SQL: SQLite's CAST truncates (started is never negative), PostgreSQL's
    rounds, so it floors first."""
    return "CAST(started / 3600 AS INTEGER)" if kind == "sqlite" else "CAST(FLOOR(started / 3600) AS INTEGER)"


def backfill_hourly(kind: str, where: str = "") -> str:
    """The runs a store already holds, counted by the hour (an upgrade from version 1; the
    hour retention cuts through)."""
    hour = hour_sql(kind)
    return (f"INSERT INTO infocheck_hourly (target, hour, verdict, runs) SELECT target, {hour}, verdict, "
            f"COUNT(*) FROM infocheck_targets {where} GROUP BY target, {hour}, verdict")


# -- reading back: every value is checked; what no infocheck wrote is one StoreError ----------

def text_value(value, where: str, limit: int = TEXT_LIMIT, *, optional: bool = True) -> str:
    if value is None and optional:
        return ""
    if not isinstance(value, str):
        raise StoreError(f"{where} holds {type(value).__name__}, not text: not what infocheck writes")
    if len(value) <= limit and value.isascii() and value.isprintable():
        return value          # nothing to escape or cut (most of what a store holds)
    return printable(value, limit)


def number_value(value, where: str, *, whole: bool = False, optional: bool = False,
                 low: float = 0, high: float = NUMBER_LIMIT):
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (
            whole and not float(value).is_integer()) or not math.isfinite(value) or not low <= value <= high:
        raise StoreError(f"{where} holds {printable(repr(value), 40)}: not a number infocheck writes there")
    return int(value) if whole else float(value)
