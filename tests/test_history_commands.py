"""What the history store answers (issue 28), each command against both stores, SQLite and a
real PostgreSQL started here: `history` (runs, each requirement's last change, what is flapping;
its JSON and its page without JavaScript), `badge` (the last verdict and its age, escaped),
`can-i-deploy` (0 only when every run in the window is conformant under the CURRENT policy and
the newest is recent; 1 naming the runs and requirements in the way; 2 too little history; 4 a
usage error in one line). A real run records into PostgreSQL without its key or the store's
password anywhere. A hostile store (Hypothesis over stored values) is one line, never exit 3."""
import contextlib
import io
import json
import sqlite3
import time
import xml.etree.ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import postgres_cluster
from faults import EchoesTheCredential
from harness import KEY, run_suite, serve
from infocheck.cli import main as infocheck
from infocheck.configuration.store_url import parse_store_url
from infocheck.history import record, store
from infocheck.wire.secret import Scrubber, Secret

# Every run is recorded relative to the moment it is made (a module-wide moment would age by
# however long the session ran before the test).
GOOD = [("SHAPE-200", "passed"), ("SHAPE-MODELINFO", "passed"), ("SHAPE-CHARSET", "passed")]


@pytest.fixture(scope="session")
def cluster():
    postgres_cluster.require()
    running = postgres_cluster.Cluster()
    yield running
    running.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'h.db'}"
    running = request.getfixturevalue("cluster")
    return running.url(running.new_database())


def run_of(name, ago, requirements=GOOD, verdict="CONFORMANT", code=0, contract="info", explanation=""):
    return {"target": name, "started": time.time() - ago, "contract": contract, "origin": "https://a.example",
            "endpoint": "https://a.example/info", "api_versions": ["2024-04-01-preview"], "verdict": verdict,
            "exit_code": code, "requests": 40, "duration": 2.5, "notices": [], "policy": {},
            "explanation": explanation, "requirements": [
                {"id": i, "level": "SHOULD" if i == "SHAPE-CHARSET" else "MUST", "verdict": v, "reason": f"why {i}"}
                for i, v in requirements]}


def fill(url: str, runs) -> None:
    engine = store.open_store(parse_store_url(url, "x"), create=True)
    try:
        for entry in sorted(runs, key=lambda e: e["started"]):
            record.write(engine, record.checked(record.recording("fleet", [entry]), "test"))
    finally:
        engine.dispose()


def command(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = infocheck(list(args))
        except SystemExit as exit_:
            code = exit_.code
    return int(code), out.getvalue(), err.getvalue()


FAILED_SHAPE = [("SHAPE-200", "passed"), ("SHAPE-MODELINFO", "failed"), ("SHAPE-CHARSET", "passed")]
FINDING = [("SHAPE-200", "passed"), ("SHAPE-MODELINFO", "passed"), ("SHAPE-CHARSET", "finding")]


def a_history(url):
    fill(url, [run_of("steady", ago) for ago in (5000, 3000, 600)]
         + [run_of("flaky", 4800 - 600 * i, GOOD if i % 2 else FAILED_SHAPE,
                   "CONFORMANT" if i % 2 else "NOT CONFORMANT", 1 - i % 2) for i in range(8)]
         + [run_of("old", 40 * 86400)])


# -- history -----------------------------------------------------------------------------------

def test_history_gives_runs_last_changes_and_what_is_flapping(store_url, tmp_path):
    a_history(store_url)
    code, out, err = command("history", "--history", store_url, "--json", str(tmp_path / "h.json"),
                             "--html", str(tmp_path / "h.html"))
    assert code == 0, err
    doc = json.loads((tmp_path / "h.json").read_text())
    targets = {t["target"]: t for t in doc["targets"]}
    assert set(targets) == {"steady", "flaky"}            # "old" is older than --since 30d
    flaky = targets["flaky"]
    assert flaky["runs"] == 8 and flaky["verdicts"] == {"CONFORMANT": 4, "NOT CONFORMANT": 4}
    assert flaky["flapping"] == ["SHAPE-MODELINFO"] and flaky["verdict_changes"] == 7
    shape = {r["id"]: r for r in flaky["requirements"]}["SHAPE-MODELINFO"]
    assert shape["verdict"] == "passed" and shape["changes"] == 7
    assert shape["last_changed"] == flaky["last"]["started"]
    assert targets["steady"]["flapping"] == [] and targets["steady"]["last"]["verdict"] == "CONFORMANT"
    assert targets["steady"]["trend"][-1] == "CONFORMANT" and "NOT CONFORMANT" in flaky["trend"]
    page = (tmp_path / "h.html").read_text()
    assert "<script" not in page and 'data-target="flaky"' in page and "SHAPE-MODELINFO (flapping)" in page
    assert "flaky: 8 run(s)" in out and "flapping: SHAPE-MODELINFO" in out
    code, out, _ = command("history", "old", "--history", store_url, "--since", "60d")
    assert code == 0 and "old: 1 run(s)" in out and "SHAPE-200: passed, last changed" in out


def test_history_of_nothing_says_what_to_do_and_exits_2(store_url):
    a_history(store_url)
    code, out, _ = command("history", "nobody", "--history", store_url)
    assert code == 2 and "no run of nobody" in out and "--history URL" in out


@pytest.mark.parametrize("args, words", [
    (["history"], "give the history store: --history URL or INFOCHECK_HISTORY"),
    (["history", "--history", "sqlite:///x.db", "--since", "a while"], "--since: 'a while' is not a length of time"),
    (["can-i-deploy", "t", "--history", "sqlite:///x.db", "--min-runs", "many"], "--min-runs: 'many' is not a whole number"),
    (["badge", "t", "--history", "sqlite:///x.db"], "the following arguments are required: --out"),
    (["can-i-deploy", "t", "--history", "mysql://u:Plain-Secret-9@h/db"], "is not a history store infocheck knows"),
    (["can-i-deploy", "t", "--windw", "2h", "--history", "sqlite:///x.db"], "did you mean --window?"),
])
def test_a_usage_error_is_one_line_and_exit_4(args, words, monkeypatch):
    monkeypatch.delenv("INFOCHECK_HISTORY", raising=False)
    code, out, err = command(*args)
    assert code == 4 and err.count("\n") == 1 and err.startswith("ERROR: infocheck ") and words in err
    assert "Plain-Secret-9" not in out + err


def test_a_sqlite_store_that_is_not_there_is_one_line(tmp_path):
    code, _, err = command("history", "--history", f"sqlite:///{tmp_path / 'none.db'}")
    assert code == 4 and "no history store there" in err and not (tmp_path / "none.db").exists()


# -- badge -------------------------------------------------------------------------------------

def test_the_badge_shows_the_last_verdict_and_its_age_escaped(store_url, tmp_path):
    hostile = '<script>alert("x")</script>&'
    fill(store_url, [run_of(hostile, 7200, FAILED_SHAPE, "NOT CONFORMANT", 1), run_of("steady", 180)])
    code, out, err = command("badge", hostile, "--out", str(tmp_path / "b.svg"), "--history", store_url)
    assert code == 0, err
    svg = (tmp_path / "b.svg").read_text()
    root = ET.fromstring(svg)
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert texts == ["infocheck", "NOT CONFORMANT, 2h ago"]
    assert "<script" not in svg
    code, _, _ = command("badge", "steady", "--out", str(tmp_path / "s.svg"), "--history", store_url)
    assert code == 0 and "CONFORMANT, 3m ago" in (tmp_path / "s.svg").read_text()
    code, out, _ = command("badge", "nobody", "--out", str(tmp_path / "n.svg"), "--history", store_url)
    assert code == 2 and "no runs" in (tmp_path / "n.svg").read_text() and "a grey badge" in out


# -- can-i-deploy ------------------------------------------------------------------------------

def test_can_i_deploy_only_when_every_run_in_the_window_was_conformant(store_url):
    a_history(store_url)
    code, out, _ = command("can-i-deploy", "steady", "--window", "24h", "--history", store_url)
    assert code == 0 and "steady: CAN DEPLOY: all 3 run(s)" in out
    code, out, _ = command("can-i-deploy", "flaky", "--window", "24h", "--history", store_url)
    assert code == 1 and "4 of 8 run(s) in the last 1d are not conformant" in out
    assert "    SHAPE-MODELINFO (MUST, failed): why SHAPE-MODELINFO" in out
    assert out.count("  run 20") == 4
    # The window decides: the last failed run of flaky was 1200 s ago, the newest (600 s) passed.
    code, out, _ = command("can-i-deploy", "flaky", "--window", "15m", "--history", store_url)
    assert code == 0, out


def test_can_i_deploy_needs_enough_and_recent_history(store_url):
    a_history(store_url)
    code, out, _ = command("can-i-deploy", "steady", "--min-runs", "5", "--history", store_url)
    assert code == 2 and "3 run(s) in the last 1d, and --min-runs asks for 5" in out
    code, out, _ = command("can-i-deploy", "old", "--history", store_url)
    assert code == 2 and "the newest run of it is 40d old" in out
    code, out, _ = command("can-i-deploy", "steady", "--max-age", "5m", "--history", store_url)
    assert code == 1 and "the newest run is 10m old, older than --max-age 5m" in out


def test_can_i_deploy_rejudges_the_stored_verdicts_under_the_current_policy(store_url, tmp_path):
    fill(store_url, [run_of("t", 1200, FAILED_SHAPE, "NOT CONFORMANT", 1), run_of("t", 600),
                     run_of("s", 900, FINDING), run_of("s", 300)])
    relaxed = tmp_path / "relaxed.json"
    relaxed.write_text(json.dumps({"levels": {"SHAPE-MODELINFO": "IGNORED"}}))
    stricter = tmp_path / "stricter.json"
    stricter.write_text(json.dumps({"levels": {"SHAPE-CHARSET": "MUST"}}))
    assert command("can-i-deploy", "t", "--history", store_url)[0] == 1
    code, out, _ = command("can-i-deploy", "t", "--policy", str(relaxed), "--history", store_url)
    assert code == 0, out
    assert command("can-i-deploy", "s", "--history", store_url)[0] == 0
    code, out, _ = command("can-i-deploy", "s", "--policy", str(stricter), "--history", store_url)
    assert code == 1 and "SHAPE-CHARSET (MUST, finding)" in out
    code, out, _ = command("can-i-deploy", "s", "--fail-on-should", "--history", store_url)
    assert code == 1 and "SHAPE-CHARSET (SHOULD, finding)" in out
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"levels": {"NOT-A-REQUIREMENT": "MUST"}}))
    code, _, err = command("can-i-deploy", "s", "--policy", str(bad), "--history", store_url)
    assert code == 4 and err.count("\n") == 1


def test_a_run_that_could_not_test_or_recorded_nothing_stands_in_the_way(store_url):
    fill(store_url, [run_of("u", 600, [], "COULD NOT TEST", 2, explanation="connection refused"),
                     run_of("e", 600, []),
                     run_of("w", 600, GOOD, "NOT CONFORMANT", 1, explanation="an echo of another key")])
    code, out, _ = command("can-i-deploy", "u", "--history", store_url)
    assert code == 1 and "COULD NOT TEST (exit 2): connection refused" in out
    code, out, _ = command("can-i-deploy", "e", "--history", store_url)
    assert code == 1 and "no requirement of this run is recorded" in out
    code, out, _ = command("can-i-deploy", "w", "--history", store_url)
    assert code == 1 and "NOT CONFORMANT for a reason no requirement records: an echo of another key" in out


def test_several_writers_into_one_store_are_all_read(store_url):
    """Past one machine: watchers with their own fleet slices write to one store; every
    command reads them all."""
    fill(store_url, [run_of("slice-1-target", 300)])
    fill(store_url, [run_of("slice-2-target", 200, FAILED_SHAPE, "NOT CONFORMANT", 1)])
    code, out, _ = command("history", "--history", store_url)
    assert code == 0 and "slice-1-target" in out and "slice-2-target" in out
    assert command("can-i-deploy", "slice-2-target", "--history", store_url)[0] == 1


# -- a real run into PostgreSQL ----------------------------------------------------------------

def test_a_real_run_records_into_postgresql_without_any_secret(cluster, tmp_path):
    database = cluster.new_database()
    url = cluster.url(database)
    with serve(EchoesTheCredential) as echo:
        run = run_suite(tmp_path, endpoint=echo.url, html=False, env={"INFOCHECK_HISTORY": url})
    assert run.code == 1, run.stdout
    assert "infocheck: history: 1 target(s) recorded in postgresql://infocheck:***@127.0.0.1" in run.stdout
    assert not run.leaks(postgres_cluster.PASSWORD) and not run.leaks()
    values = [str(v) for table in ("infocheck_runs", "infocheck_targets", "infocheck_requirements",
                                   "infocheck_changes")
              for row in cluster.execute(database, f"SELECT * FROM {table}") for v in row]
    assert any(v == "AUTH-NO-ECHO" for v in values)
    finder = Scrubber([Secret(KEY), Secret(postgres_cluster.PASSWORD)])
    assert not finder.contains_secret("\n".join(values))
    code, out, _ = command("can-i-deploy", run.report["endpoint"].split("?")[0], "--history", url)
    assert code == 1 and "AUTH-NO-ECHO (MUST, failed)" in out
    assert postgres_cluster.PASSWORD not in out


def test_a_version_1_postgresql_store_is_upgraded_in_place(cluster):
    database = cluster.new_database()
    cluster.execute(database, """
        CREATE TABLE infocheck_schema (version INTEGER NOT NULL);
        INSERT INTO infocheck_schema VALUES (1);
        CREATE TABLE infocheck_runs (id SERIAL PRIMARY KEY, recorded FLOAT NOT NULL,
            kind VARCHAR(16) NOT NULL, infocheck VARCHAR(64) NOT NULL);
        CREATE TABLE infocheck_targets (id SERIAL PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES infocheck_runs(id),
            target VARCHAR(300) NOT NULL, started FLOAT NOT NULL, contract VARCHAR(64), origin VARCHAR(300),
            endpoint TEXT, api_versions TEXT, verdict VARCHAR(32) NOT NULL, exit_code INTEGER NOT NULL,
            requests INTEGER, duration FLOAT);
        CREATE TABLE infocheck_requirements (target_id INTEGER NOT NULL REFERENCES infocheck_targets(id),
            requirement VARCHAR(300) NOT NULL, verdict VARCHAR(32) NOT NULL, reason TEXT);
        INSERT INTO infocheck_runs (recorded, kind, infocheck) VALUES (1000, 'run', '0.1');
        INSERT INTO infocheck_targets (run_id, target, started, contract, verdict, exit_code)
            VALUES (1, 'old-target', %s, 'info', 'CONFORMANT', 0);
        INSERT INTO infocheck_requirements VALUES (1, 'SHAPE-200', 'passed', '');
    """ % (time.time() - 3600))
    url = cluster.url(database)
    fill(url, [run_of("old-target", 60)])
    assert cluster.execute(database, "SELECT version FROM infocheck_schema") == [(store.SCHEMA_VERSION,)]
    code, out, _ = command("history", "old-target", "--history", url)
    assert code == 0 and "old-target: 2 run(s)" in out


def test_a_postgresql_store_that_cannot_be_reached_is_one_line_without_its_password():
    url = f"postgresql://u:{'Plain-Secret-77'}@127.0.0.1:9/db"
    code, out, err = command("history", "--history", url)
    assert code == 4 and err.count("\n") == 1 and "postgresql://u:***@127.0.0.1:9/db" in err
    assert "Plain-Secret-77" not in out + err


# -- a hostile store ---------------------------------------------------------------------------

COLUMNS = [("infocheck_targets", c) for c in ("target", "started", "verdict", "exit_code", "contract",
                                              "origin", "requests", "duration", "notices", "policy",
                                              "explanation")] + \
          [("infocheck_requirements", c) for c in ("requirement", "level", "verdict", "reason")] + \
          [("infocheck_changes", c) for c in ("requirement", "started", "previous", "verdict")] + \
          [("infocheck_schema", "version")]
ODD = st.one_of(st.none(), st.integers(min_value=-2 ** 63, max_value=2 ** 63 - 1),
                st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=50),
                st.binary(max_size=50), st.just("x" * 300_000), st.just("[" * 5000),
                st.just('{"levels": {"a": [[[[[[[[[[]]]]]]]]]]}}'), st.just("\x1b[31mred\x07"))


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    path = tmp_path_factory.mktemp("hostile") / "pristine.db"
    fill(f"sqlite:///{path}", [run_of("t", 600, FAILED_SHAPE, "NOT CONFORMANT", 1), run_of("t", 300)])
    return path.read_bytes()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(where=st.sampled_from(COLUMNS), value=ODD, which=st.sampled_from(["history", "badge", "can-i-deploy"]))
def test_a_hostile_store_is_one_line_never_exit_3(tmp_path, pristine, where, value, which):
    db = tmp_path / "hostile.db"
    db.write_bytes(pristine)
    try:
        with sqlite3.connect(db) as conn:
            conn.execute(f"UPDATE {where[0]} SET {where[1]} = ?", (value,))
    except sqlite3.IntegrityError:     # NOT NULL: SQLite itself keeps that value out
        return
    url = f"sqlite:///{db}"
    args = {"history": ["history", "t", "--json", str(tmp_path / "h.json"), "--html", str(tmp_path / "h.html")],
            "badge": ["badge", "t", "--out", str(tmp_path / "b.svg")],
            "can-i-deploy": ["can-i-deploy", "t"]}[which]
    code, out, err = command(*args, "--history", url)
    assert code in (0, 1, 2, 4), err
    assert "Traceback" not in out + err and err.count("\n") <= 1
    assert "\x1b" not in out + err and len(out) < 200_000
    if code == 4:
        assert err.startswith("ERROR: infocheck ")
    if which == "badge" and code in (0, 2):
        ET.fromstring((tmp_path / "b.svg").read_text())


def test_a_hostile_postgresql_store_is_one_line(cluster):
    database = cluster.new_database()
    url = cluster.url(database)
    fill(url, [run_of("t", 600), run_of("t", 300)])
    for statement in ("UPDATE infocheck_targets SET verdict = 'PWNED'",
                      "UPDATE infocheck_targets SET verdict = 'CONFORMANT', notices = repeat('[', 100000)",
                      "UPDATE infocheck_targets SET notices = '[]', started = 1e300",
                      "UPDATE infocheck_schema SET version = 7"):
        cluster.execute(database, statement)
        for args in (["history", "t"], ["can-i-deploy", "t"]):
            code, out, err = command(*args, "--history", url)
            assert code == 4 and err.count("\n") == 1 and "Traceback" not in err, (statement, err)
            assert postgres_cluster.PASSWORD not in err
