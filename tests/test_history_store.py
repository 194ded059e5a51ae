"""The history store (issue 28): --history records every single run, fleet run and merge from the
typed model, scrubbed (no form of a key the scrubber knows is anywhere in the store, nor the
store's own password); a store that cannot be written spools the run next to the reports, says
so in one line and leaves the exit code alone, and the next run writes the spool; a version-1
store made by hand is upgraded in place; --history-keep removes older runs; a bad URL is one
usage line that never shows the password."""
import json
import sqlite3
import time
from pathlib import Path

import pytest

from faults import EchoesTheCredential, NoProviderName
from harness import KEY, run_suite, serve
from infocheck.configuration.store_url import parse_store_url
from infocheck.history import record, store
from infocheck.wire.secret import Scrubber, Secret

PASSWORD = "st0re-Pass/word+\"q\\<x>&y=z%w-7777'"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def rows(db: Path, table: str) -> list[dict]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(f"SELECT * FROM {table}")]


def every_text(db: Path) -> str:
    """Every value of every table, and the file's own bytes, as one text."""
    with sqlite3.connect(db) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        values = [str(v) for name in names for row in conn.execute(f"SELECT * FROM {name}") for v in row]
    return "\n".join(values) + "\n" + db.read_bytes().decode("latin-1")


def test_a_single_run_records_what_its_report_says(tmp_path):
    db = tmp_path / "h.db"
    with serve(NoProviderName) as faulty:
        run = run_suite(tmp_path, endpoint=faulty.url, html=False, env={"INFOCHECK_HISTORY": sqlite_url(db)})
    assert run.code == 1
    assert "infocheck: history: 1 target(s) recorded in sqlite:///" in run.stdout + run.stderr
    [target] = rows(db, "infocheck_targets")
    report = run.report
    assert target["target"] == report["endpoint"].split("?")[0]
    assert (target["contract"], target["verdict"], target["exit_code"]) == ("info", "NOT CONFORMANT", 1)
    assert target["origin"] == faulty.url.rstrip("/").rsplit("/", 0)[0].split("/info")[0].rstrip("/")
    assert json.loads(target["api_versions"]) == report["api_versions"]
    assert target["requests"] == report["requests"]["sent"] > 0
    assert target["duration"] == report["duration_seconds"]
    assert json.loads(target["policy"]) == {"levels": {}, "fail_on_should": False}
    stored = {r["requirement"]: r for r in rows(db, "infocheck_requirements")}
    assert {i: r["verdict"] for i, r in stored.items()} == {r["id"]: r["verdict"] for r in report["requirements"]}
    assert {i: r["level"] for i, r in stored.items()} == {r["id"]: r["level"] for r in report["requirements"]}
    assert stored["SHAPE-MODELINFO"]["verdict"] == "failed" and stored["SHAPE-MODELINFO"]["reason"]
    assert "\n" not in stored["SHAPE-MODELINFO"]["reason"]
    assert all(r["reason"] == "" for r in stored.values() if r["verdict"] == "passed")
    [run_row] = rows(db, "infocheck_runs")
    assert run_row["kind"] == "run" and run_row["infocheck"] == report["infocheck"]
    # The first run of a target: every verdict is a change from nothing.
    assert {c["requirement"] for c in rows(db, "infocheck_changes")} == set(stored) | {""}


def test_no_form_of_the_key_or_the_stores_password_reaches_the_store_or_any_output(tmp_path):
    db = tmp_path / "h.db"
    url = sqlite_url(db)
    with serve(EchoesTheCredential) as echo:
        run = run_suite(tmp_path, endpoint=echo.url, html=False, env={"INFOCHECK_HISTORY": url})
    assert run.code == 1 and "EchoesTheCredential" not in run.stdout
    assert rows(db, "infocheck_requirements"), "nothing was recorded"
    finder = Scrubber([Secret(KEY)])
    assert not finder.contains_secret(every_text(db))
    assert not run.leaks()
    # The key's forms were in the answers (the report shows them masked), and the store has
    # the failure they earned.
    assert "***" in run.outputs["infocheck.json"]
    assert {r["requirement"]: r["verdict"] for r in rows(db, "infocheck_requirements")}["AUTH-NO-ECHO"] == "failed"


def test_the_stores_password_is_masked_in_the_report_and_the_terminal(tmp_path):
    url = f"postgresql://infocheck:{PASSWORD.replace('%', '%25').replace('/', '%2F')}@127.0.0.1:9/db"
    parsed = parse_store_url(url, "INFOCHECK_HISTORY")
    assert parsed.password.reveal() == PASSWORD
    run = run_suite(tmp_path, html=False, env={"INFOCHECK_HISTORY": url})
    # The server on port 9 answers nothing: the run is spooled, said once, and still exit 0.
    assert run.code == 0, run.stdout + run.stderr
    assert "infocheck: history: the store could not be written" in run.stdout
    assert not run.leaks(PASSWORD)
    assert "postgresql://infocheck:***@127.0.0.1:9/db" in run.stdout
    [spooled] = (tmp_path / "reports" / "history-spool").glob("*.json")
    assert not Scrubber([Secret(PASSWORD)]).contains_secret(spooled.read_text("latin-1"))


@pytest.mark.parametrize("given, words", [
    ("mysql://u@h/db", "is not a history store infocheck knows"),
    ("sqlite://", "an in-memory store would keep nothing"),
    ("sqlite:///", "an in-memory store would keep nothing"),
    ("postgresql://u:Plain-Secret-123@/db", "names no host"),
    ("postgresql://u@h/db?password=" + PASSWORD, "not as ?password="),
])
def test_a_store_url_that_is_none_is_one_usage_line_without_its_password(tmp_path, given, words):
    run = run_suite(tmp_path, html=False, env={"INFOCHECK_HISTORY": given})
    assert run.code == 4
    [line] = [l for l in run.stderr.splitlines() if l.startswith("ERROR")]
    assert "INFOCHECK_HISTORY / --history" in line and words in line
    assert "Traceback" not in run.stderr and not run.leaks(PASSWORD) and not run.leaks("Plain-Secret-123")


def test_a_bad_keep_is_one_usage_line(tmp_path):
    run = run_suite(tmp_path, html=False, env={"INFOCHECK_HISTORY": sqlite_url(tmp_path / "h.db"),
                                               "INFOCHECK_HISTORY_KEEP": "ninety days"})
    assert run.code == 4 and "INFOCHECK_HISTORY_KEEP / --history-keep: 'ninety days' is not a length of time" in run.stderr


def test_a_store_that_cannot_be_written_spools_the_run_and_the_next_run_writes_it(tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    first = run_suite(tmp_path / "one", html=False,
                      env={"INFOCHECK_HISTORY": sqlite_url(blocked / "h.db"),
                           "INFOCHECK_REPORT_DIR": str(tmp_path / "reports")})
    assert first.code == 0
    said = [l for l in first.stdout.splitlines() if l.startswith("infocheck: history:")]
    assert len(said) == 1 and "spooled in" in said[0] and "the exit code is the endpoint's" in said[0]
    spool = tmp_path / "one" / "reports" / "history-spool"
    assert len(list(spool.glob("*.json"))) == 1
    db = tmp_path / "h.db"
    second = run_suite(tmp_path / "one", html=False, env={"INFOCHECK_HISTORY": sqlite_url(db)})
    assert second.code == 0
    assert "and 1 spooled before" in second.stdout
    assert not list(spool.glob("*.json"))
    assert len(rows(db, "infocheck_targets")) == 2 and len(rows(db, "infocheck_runs")) == 2


def test_a_spooled_file_that_is_no_recording_is_set_aside_in_one_line(tmp_path):
    spool = tmp_path / "reports" / "history-spool"
    spool.mkdir(parents=True)
    (spool / "0-hostile.json").write_text(json.dumps({"recording": 1, "kind": "run", "recorded": 1,
                                                      "infocheck": "x", "targets": [{"exit_code": "zero"}]}))
    run = run_suite(tmp_path, html=False, env={"INFOCHECK_HISTORY": sqlite_url(tmp_path / "h.db")})
    assert run.code == 0
    assert "a spooled recording was not written and is kept as 0-hostile.bad" in run.stdout
    assert (spool / "0-hostile.bad").exists() and "Traceback" not in run.stdout + run.stderr
    assert len(rows(tmp_path / "h.db", "infocheck_targets")) == 1


def make_v1(db: Path) -> None:
    """A store as infocheck's first schema had it, made by hand."""
    with sqlite3.connect(db) as conn:
        conn.executescript("""
            CREATE TABLE infocheck_schema (version INTEGER NOT NULL);
            INSERT INTO infocheck_schema VALUES (1);
            CREATE TABLE infocheck_runs (id INTEGER PRIMARY KEY AUTOINCREMENT, recorded FLOAT NOT NULL,
                kind VARCHAR(16) NOT NULL, infocheck VARCHAR(64) NOT NULL);
            CREATE TABLE infocheck_targets (id INTEGER PRIMARY KEY AUTOINCREMENT,
                run_id INTEGER NOT NULL REFERENCES infocheck_runs(id), target VARCHAR(300) NOT NULL,
                started FLOAT NOT NULL, contract VARCHAR(64), origin VARCHAR(300), endpoint TEXT,
                api_versions TEXT, verdict VARCHAR(32) NOT NULL, exit_code INTEGER NOT NULL,
                requests INTEGER, duration FLOAT);
            CREATE TABLE infocheck_requirements (target_id INTEGER NOT NULL REFERENCES infocheck_targets(id),
                requirement VARCHAR(300) NOT NULL, verdict VARCHAR(32) NOT NULL, reason TEXT);
            INSERT INTO infocheck_runs VALUES (1, 1000, 'run', '0.1');
            INSERT INTO infocheck_targets VALUES (1, 1, 'old-target', 1000, 'info', 'https://a', 'https://a/info',
                '["2024-04-01-preview"]', 'CONFORMANT', 0, 10, 1.5);
            INSERT INTO infocheck_requirements VALUES (1, 'SHAPE-200', 'passed', '');
        """)


def test_a_version_1_store_made_by_hand_is_upgraded_in_place(tmp_path):
    db = tmp_path / "h.db"
    make_v1(db)
    run = run_suite(tmp_path, html=False, env={"INFOCHECK_HISTORY": sqlite_url(db),
                                               "INFOCHECK_HISTORY_KEEP": "forever"})
    assert run.code == 0, run.stdout
    assert rows(db, "infocheck_schema") == [{"version": store.SCHEMA_VERSION}]
    targets = rows(db, "infocheck_targets")
    assert [t["target"] for t in targets] == ["old-target", "embedded"]
    assert targets[0]["notices"] is None and json.loads(targets[1]["notices"]) == []
    assert {"level"} <= set(rows(db, "infocheck_requirements")[0])
    with sqlite3.connect(db) as conn:
        indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert "ix_infocheck_targets_target_started" in indexes and "ix_infocheck_changes_target_started" in indexes


def test_a_store_of_a_newer_schema_or_none_of_ours_is_refused_in_one_line(tmp_path):
    db = tmp_path / "h.db"
    make_v1(db)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE infocheck_schema SET version = 99")
    with pytest.raises(store.StoreError, match="schema is version 99, which this infocheck .* does not know"):
        store.open_store(parse_store_url(sqlite_url(db), "x"), create=True)
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE infocheck_runs (x)")
    with pytest.raises(store.StoreError, match="not a store infocheck made"):
        store.open_store(parse_store_url(sqlite_url(other), "x"), create=True)


def recording_of(name: str, started: float, verdict="CONFORMANT", code=0, requirements=()) -> dict:
    doc = record.recording("run", [{
        "target": name, "started": started, "contract": "info", "origin": "https://a",
        "endpoint": "https://a/info", "api_versions": ["2024-04-01-preview"], "verdict": verdict,
        "exit_code": code, "requests": 3, "duration": 0.5, "notices": [], "policy": {},
        "explanation": "", "requirements": [{"id": i, "level": "MUST", "verdict": v, "reason": ""}
                                            for i, v in requirements]}])
    return doc


def test_retention_removes_the_runs_older_than_the_store_keeps(tmp_path):
    url = parse_store_url(sqlite_url(tmp_path / "h.db"), "x")
    engine = store.open_store(url, create=True)
    now = time.time()
    for days in (100, 95, 10, 1):
        record.write(engine, recording_of("t", now - days * 86400, requirements=[("SHAPE-200", "passed")]))
    assert record.prune(engine, 90 * 86400.0, now) == 2
    assert record.prune(engine, None, now) == 0
    engine.dispose()
    db = tmp_path / "h.db"
    assert sorted(round((now - t["started"]) / 86400) for t in rows(db, "infocheck_targets")) == [1, 10]
    assert len(rows(db, "infocheck_runs")) == 2 and len(rows(db, "infocheck_requirements")) == 2
    assert all(c["started"] > now - 90 * 86400 for c in rows(db, "infocheck_changes"))


def test_only_what_changed_since_a_targets_previous_run_is_a_change(tmp_path):
    url = parse_store_url(sqlite_url(tmp_path / "h.db"), "x")
    engine = store.open_store(url, create=True)
    for step, (verdict, code, shape) in enumerate([("CONFORMANT", 0, "passed"), ("CONFORMANT", 0, "passed"),
                                                   ("NOT CONFORMANT", 1, "failed"), ("CONFORMANT", 0, "passed")]):
        record.write(engine, recording_of("t", 1000 + step, verdict, code,
                                          [("SHAPE-200", shape), ("HTTP-200", "passed")]))
    engine.dispose()
    changes = [(c["requirement"], c["previous"], c["verdict"], c["started"])
               for c in rows(tmp_path / "h.db", "infocheck_changes")]
    assert changes == [("", None, "CONFORMANT", 1000), ("SHAPE-200", None, "passed", 1000),
                       ("HTTP-200", None, "passed", 1000),
                       ("", "CONFORMANT", "NOT CONFORMANT", 1002), ("SHAPE-200", "passed", "failed", 1002),
                       ("", "NOT CONFORMANT", "CONFORMANT", 1003), ("SHAPE-200", "failed", "passed", 1003)]


def test_a_fleet_run_records_each_target_and_no_target_records_itself(tmp_path):
    db = tmp_path / "h.db"
    with serve() as good, serve(NoProviderName) as faulty:
        fleet = tmp_path / "fleet.json"
        fleet.write_text(json.dumps({"targets": [
            {"name": "good", "endpoint": good.url, "api_key_env": "KEY_ONE"},
            {"name": "faulty", "endpoint": faulty.url, "api_key_env": "KEY_ONE"},
            {"name": "dead", "endpoint": "http://127.0.0.1:9", "request_timeout": 1}]}))
        run = run_suite(tmp_path, "--fleet", str(fleet), key=None, html=False,
                        env={"KEY_ONE": KEY, "INFOCHECK_HISTORY": sqlite_url(db)})
    assert run.code == 1, run.stdout
    assert run.stdout.count("infocheck: history:") == 1 and "3 target(s) recorded" in run.stdout
    [run_row] = rows(db, "infocheck_runs")
    assert run_row["kind"] == "fleet"
    got = {t["target"]: (t["verdict"], t["exit_code"]) for t in rows(db, "infocheck_targets")}
    assert got == {"good": ("CONFORMANT", 0), "faulty": ("NOT CONFORMANT", 1), "dead": ("COULD NOT TEST", 2)}
    assert not Scrubber([Secret(KEY)]).contains_secret(every_text(db))


def test_a_merge_records_its_targets_and_a_bad_store_url_is_its_usage_error(tmp_path, capsys):
    from infocheck.cli import main as infocheck
    with serve(NoProviderName) as faulty:
        run = run_suite(tmp_path, endpoint=faulty.url, html=False)
    report = str(tmp_path / "reports" / "infocheck.json")
    db = tmp_path / "merged.db"
    code = infocheck(["merge", report, "--json", str(tmp_path / "m" / "fleet.json"), "--history", sqlite_url(db)])
    out = capsys.readouterr().out
    assert code == 1 == run.code and "infocheck: history: 1 target(s) recorded" in out
    [run_row] = rows(db, "infocheck_runs")
    [target] = rows(db, "infocheck_targets")
    assert run_row["kind"] == "merge" and (target["verdict"], target["exit_code"]) == ("NOT CONFORMANT", 1)
    assert {r["requirement"]: r["verdict"] for r in rows(db, "infocheck_requirements")}["SHAPE-MODELINFO"] == "failed"
    code = infocheck(["merge", report, "--history", f"postgresql://u:{PASSWORD}@/db"])
    err = capsys.readouterr().err
    assert code == 4 and err.count("\n") == 1 and "INFOCHECK_HISTORY / --history" in err
    assert not Scrubber([Secret(PASSWORD)]).contains_secret(err)
