#!/usr/bin/env python3
"""Benchmark: what a gate run costs. Runs the default suite against the reference server and
prints requests sent and wall seconds; times how fast a hanging endpoint, and a tarpit that
drips its answer a byte a second, are reported; then, side by side with sequential runs in the
same invocation, a run against an endpoint that answers in 250 ms (--concurrency 1, 4 and the
default 5), the same for the models contract, a models list of a million bytes, and a fleet of 40 local endpoints (one --fleet run, then 40 single runs); the
time and peak memory of `infocheck merge` of 10,000 targets (20 slice reports of 500); what
a fleet of 100 conformant targets costs beside 100 single runs of the same endpoints, wall and
CPU seconds (issue 28: at most a fifth); and how fast `infocheck history` and `can-i-deploy`
answer over a SQLite store of 100 targets x 10,000 runs.

    .venv/bin/python bench/run.py            (after python3 run.py suite has set up .venv/)
    .venv/bin/python bench/run.py --quick    (leaves out the 40 single runs and the 100, about 3 minutes)
    .venv/bin/python bench/run.py --fleet-cost N   (only the fleet of N beside N single runs)
    .venv/bin/python bench/run.py --history-only   (the history store's questions alone)
"""
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
TARGET_REQUESTS, TARGET_SECONDS, TIMEOUT = 200, 15.0, 2.0
LATENCY, LATENCY_TARGET = 0.25, 6.0
LONG_LIST_TARGET = 30.0   # s: a models list of a million bytes, as short a run as any other
FLEET_SIZE, FLEET_TARGET = 40, 60.0
COST_TARGETS, COST_SHARE = 100, 0.2   # a fleet of 100 conformant targets: at most a fifth of 100 single runs
MERGE_TARGETS, MERGE_SLICES, MERGE_MEMORY_TARGET = 10_000, 20, 2048   # MiB: well inside a CI runner
KEY = "bench-KEY-0123456789abcdefghijklmnopqrstuv"


def suite(*args, env=None):
    with tempfile.TemporaryDirectory() as reports:
        started = time.monotonic()
        result = subprocess.run([sys.executable, "-m", "pytest", "-q", f"--html={reports}/r.html",
                                 f"--junitxml={reports}/j.xml", *args], cwd=ROOT,
                                capture_output=True, text=True, env=env)
        return result, time.monotonic() - started


def main() -> int:
    if "--history-only" in sys.argv:
        return 0 if history_at_scale() else 1
    if "--fleet-cost" in sys.argv:
        return 0 if fleet_cost(int(sys.argv[sys.argv.index("--fleet-cost") + 1])) else 1
    result, seconds = suite("--embedded")
    sent = int(re.search(r"requests sent: (\d+)", result.stdout)[1])
    print(f"default suite vs reference server: exit {result.returncode}, {sent} requests, "
          f"{seconds:.1f} s wall (targets: <= {TARGET_REQUESTS} requests, < {TARGET_SECONDS:g} s)")

    ok = sent <= TARGET_REQUESTS and result.returncode == 0
    for name, behaviour in (("hanging endpoint", hang), ("tarpit (status line one byte a second)", drip)):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(4)
        stop = threading.Event()
        threading.Thread(target=serve, args=(sock, behaviour, stop), daemon=True).start()
        result, seconds = suite("--endpoint", f"http://127.0.0.1:{sock.getsockname()[1]}",
                                "--request-timeout", str(TIMEOUT))
        stop.set()
        sock.close()
        print(f"{name}: exit {result.returncode} after {seconds:.1f} s wall "
              f"(timeout {TIMEOUT:g} s; target: within timeout + 5 s)")
        ok = ok and result.returncode == 2 and seconds < TIMEOUT + 5
    ok = latency() and ok
    ok = models_latency() and ok
    ok = long_models_list() and ok
    ok = fleet(quick="--quick" in sys.argv) and ok
    ok = merge_at_scale() and ok
    ok = history_at_scale() and ok
    if "--quick" not in sys.argv:
        ok = fleet_cost(COST_TARGETS) and ok
    return 0 if ok else 1


def key_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("INFOCHECK_")}
    return dict(env, INFOCHECK_API_KEY=KEY, **extra)


def latency() -> bool:
    """The default run against an endpoint that answers every request in 250 ms."""
    from infocheck.contracts.info.server import InfoHandler, ReferenceServer, Settings

    class Slow(InfoHandler):
        def serve(self, head):
            time.sleep(LATENCY)
            return super().serve(head)

    ok, figures = True, {}
    with ReferenceServer(Settings(api_key=KEY), Slow).start() as server:
        for concurrency in ("1", "4", "5"):
            result, seconds = suite("--endpoint", server.url, "--concurrency", concurrency, env=key_env())
            sent = int(re.search(r"requests sent: (\d+)", result.stdout)[1])
            figures[concurrency] = (result.returncode, sent, seconds)
            print(f"endpoint answering in {LATENCY * 1000:.0f} ms, --concurrency {concurrency}: exit "
                  f"{result.returncode}, {sent} requests, {seconds:.1f} s wall")
    ok = all(figures[c][0] == 0 and figures[c][1] == figures["1"][1] for c in figures)
    met = ok and figures["5"][2] <= LATENCY_TARGET
    print(f"  target: at most {LATENCY_TARGET:g} s with the default --concurrency 5, the same "
          f"requests and verdict as --concurrency 1: {'met' if met else 'MISSED'}")
    return met


def models_latency() -> bool:
    """The models contract against an endpoint that answers every request in 250 ms: requests
    per conformant target (fewer than info's, its surface being smaller) and wall time."""
    from infocheck.contracts.models.server import ModelsHandler, ModelsSettings, ReferenceServer

    class Slow(ModelsHandler):
        def serve(self, head):
            time.sleep(LATENCY)
            return super().serve(head)

    figures = {}
    with ReferenceServer(ModelsSettings(api_key=KEY, base_path="/v1"), Slow).start() as server:
        for concurrency in ("1", "5"):
            result, seconds = suite("--contract", "models", "--endpoint", server.url, "--model", "gpt-4o-mini",
                                    "--concurrency", concurrency, env=key_env())
            sent = int(re.search(r"requests sent: (\d+)", result.stdout)[1])
            figures[concurrency] = (result.returncode, sent, seconds)
            print(f"models contract, endpoint answering in {LATENCY * 1000:.0f} ms, --concurrency "
                  f"{concurrency}: exit {result.returncode}, {sent} requests, {seconds:.1f} s wall")
    met = all(code == 0 for code, _, _ in figures.values()) and figures["5"][1] == figures["1"][1] < 40 \
        and figures["5"][2] <= LATENCY_TARGET
    print(f"  target: fewer than 40 requests (info's are 63), the same at --concurrency 1 and 5, at most "
          f"{LATENCY_TARGET:g} s at 5: {'met' if met else 'MISSED'}")
    return met


def long_models_list() -> bool:
    """A models list near the body limit (11,000 models, each its own owner, over a million
    bytes): the run's wall time. tests/test_models.py checks its verdicts, bounded only
    against a hang (the choice of ids to retrieve was once quadratic: most of an hour)."""
    from infocheck.contracts.models.server import ModelsHandler, ModelsSettings, ReferenceServer

    many = [{"id": f"model-{i:05d}", "object": "model", "created": 1700000000 + i,
             "owned_by": f"owner-{i:05d}"} for i in range(11_000)]
    with ReferenceServer(ModelsSettings(api_key=KEY, base_path="/v1", models=many), ModelsHandler).start() as server:
        result, seconds = suite("--contract", "models", "--endpoint", server.url, "--model", "model-10999",
                                env=key_env())
    met = result.returncode == 0 and seconds <= LONG_LIST_TARGET
    print(f"models list of a million bytes (11,000 owners): exit {result.returncode}, {seconds:.1f} s wall "
          f"(target: exit 0 within {LONG_LIST_TARGET:g} s): {'met' if met else 'MISSED'}")
    return met


def fleet(quick: bool) -> bool:
    """40 local endpoints in one --fleet run, and (unless quick) as 40 single runs."""
    from faults import FAULTS
    from infocheck.contracts.info.server import InfoHandler, ReferenceServer, Settings

    class Slow(InfoHandler):
        def serve(self, head):
            time.sleep(LATENCY)
            return super().serve(head)

    faults = [f.handler for f in FAULTS.values() if not f.args][:12]
    handlers = [InfoHandler] * 20 + faults + [Slow] * 6
    servers = [ReferenceServer(Settings(api_key=KEY), h).start() for h in handlers]
    servers.append(ReferenceServer(Settings(api_key="another-key-the-fleet-does-not-have"), InfoHandler).start())
    hanging = socket.socket()
    hanging.bind(("127.0.0.1", 0))
    hanging.listen(64)
    stop = threading.Event()
    threading.Thread(target=serve, args=(hanging, hang, stop), daemon=True).start()
    targets = [{"name": f"t{i:02d}-{s.httpd.RequestHandlerClass.__name__}", "endpoint": s.url,
                "api_key_env": "BENCH_KEY"} for i, s in enumerate(servers)]
    targets.append({"name": "t40-never-answers", "endpoint": f"http://127.0.0.1:{hanging.getsockname()[1]}",
                    "api_key_env": "BENCH_KEY", "request_timeout": TIMEOUT})
    try:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "fleet.json"
            path.write_text(json.dumps({"targets": targets}))
            started = time.monotonic()
            result = subprocess.run([sys.executable, "-m", "pytest", "--fleet", str(path),
                                     f"--report-json={folder}/fleet-report.json",
                                     f"--html={folder}/fleet.html", f"--junitxml={folder}/junit.xml"],
                                    cwd=ROOT, capture_output=True, text=True,
                                    env={k: v for k, v in key_env(BENCH_KEY=KEY).items() if k != "INFOCHECK_API_KEY"})
            seconds = time.monotonic() - started
            if not (Path(folder) / "fleet-report.json").exists():
                print(f"fleet run wrote no report: exit {result.returncode}\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
                return False
            report = json.loads((Path(folder) / "fleet-report.json").read_text())
        verdicts = {t["name"]: t["verdict"] for t in report["targets"]}
        conformant = [t["result"]["requests"]["sent"] for t in report["targets"] if t["verdict"] == "CONFORMANT"]
        print(f"fleet of {len(targets)} local endpoints (20 conformant, 12 faulty, 6 answering in "
              f"{LATENCY * 1000:.0f} ms, 1 refusing the key, 1 never answering), one --fleet run: exit "
              f"{result.returncode}, {seconds:.1f} s wall; at most {max(conformant)} requests per conformant target")
        ok = seconds <= FLEET_TARGET and result.returncode == 1 and max(conformant) <= 70
        if not quick:
            started, same = time.monotonic(), 0
            for target in targets:
                extra = ["--request-timeout", str(target["request_timeout"])] if "request_timeout" in target else []
                single, _ = suite("--endpoint", target["endpoint"], *extra, env=key_env())
                word = re.search(r"^(NOT CONFORMANT|CONFORMANT|COULD NOT TEST|INTERNAL ERROR|USAGE ERROR): "
                                 r".*\(exit \d+\)$", single.stdout, re.MULTILINE)
                same += word is not None and verdicts[target["name"]] == word[1]
            sequential = time.monotonic() - started
            print(f"  the same {len(targets)} endpoints as single runs one after another: {sequential:.1f} s "
                  f"wall; the same verdict for {same} of {len(targets)}")
            ok = ok and same == len(targets)
        print(f"  target: at most {FLEET_TARGET:g} s, every verdict as its single run's, at most 70 requests "
              f"per conformant target: {'met' if ok else 'MISSED'}")
        return ok
    finally:
        stop.set()
        hanging.close()
        for server in servers:
            server.stop()


def children_cpu() -> float:
    """CPU seconds (user and system) of every process this one has waited for, and theirs."""
    import resource
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def fleet_cost(size: int) -> bool:
    """A fleet of `size` conformant loopback targets in one --fleet run, beside `size` single
    runs of the same endpoints one after another, as a CI job would run them: wall seconds and
    CPU seconds of each (the servers answer from this process, whose CPU neither counts)."""
    from infocheck.contracts.info.server import InfoHandler, ReferenceServer, Settings

    servers = [ReferenceServer(Settings(api_key=KEY), InfoHandler).start() for _ in range(size)]
    targets = [{"name": f"t{i:03d}", "endpoint": s.url, "api_key_env": "BENCH_KEY"} for i, s in enumerate(servers)]
    env = {k: v for k, v in key_env(BENCH_KEY=KEY).items() if k != "INFOCHECK_API_KEY"}
    try:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "fleet.json"
            path.write_text(json.dumps({"targets": targets}))
            cpu, started = children_cpu(), time.monotonic()
            result = subprocess.run([sys.executable, "-m", "pytest", "--fleet", str(path),
                                     f"--infocheck-json={folder}/fleet-report.json", f"--html={folder}/fleet.html",
                                     f"--junitxml={folder}/junit.xml"], cwd=ROOT, capture_output=True, text=True, env=env)
            fleet_wall, fleet_cpu = time.monotonic() - started, children_cpu() - cpu
            report = Path(folder) / "fleet-report.json"
            verdicts = [t["verdict"] for t in json.loads(report.read_text())["targets"]] if report.exists() else []
        print(f"fleet of {size} conformant targets, one --fleet run: exit {result.returncode}, "
              f"{verdicts.count('CONFORMANT')} CONFORMANT, {fleet_wall:.1f} s wall, {fleet_cpu:.1f} s CPU")
        cpu, started, conformant = children_cpu(), time.monotonic(), 0
        for server in servers:
            single, _ = suite("--endpoint", server.url, env=key_env())
            conformant += single.returncode == 0
        single_wall, single_cpu = time.monotonic() - started, children_cpu() - cpu
        print(f"  the same {size} endpoints as single runs one after another: {conformant} exit 0, "
              f"{single_wall:.1f} s wall, {single_cpu:.1f} s CPU ({single_cpu / size:.2f} s a run; the "
              f"fleet {fleet_cpu / size:.2f} s a target)")
        share_wall, share_cpu = fleet_wall / single_wall, fleet_cpu / single_cpu
        # The cost is CPU: on a shared machine the single runs' wall time grows with the others'
        # load, so a fifth of it can be met by the load alone.
        met = (result.returncode == 0 and verdicts == ["CONFORMANT"] * size and conformant == size
               and share_cpu <= COST_SHARE)
        print(f"  the fleet costs {share_cpu:.0%} of the single runs' CPU and {share_wall:.0%} of their "
              f"wall time; target: every target conformant, at most {COST_SHARE:.0%} of the CPU: "
              f"{'met' if met else 'MISSED'}")
        return met
    finally:
        for server in servers:
            server.stop()


def merge_at_scale() -> bool:
    """`infocheck merge` of 10,000 targets, as 20 slice reports of 500 (each target a real
    single run's result), to JSON and HTML: wall time and the merge process's peak memory."""
    import copy
    import resource

    from infocheck.contracts.info.server import InfoHandler, ReferenceServer, Settings
    from infocheck.fleet import model

    with tempfile.TemporaryDirectory() as folder:
        # of a served endpoint: a run of the embedded server is never a pass in a merge
        with ReferenceServer(Settings(api_key=KEY), InfoHandler).start() as server:
            result, _ = suite(f"--report-json={folder}/one.json", "--endpoint", server.url, env=key_env())
        one = json.loads((Path(folder) / "one.json").read_text())
        per = MERGE_TARGETS // MERGE_SLICES
        paths = []
        for k in range(MERGE_SLICES):
            entries = [model.target_entry(f"t{k * per + i:05d}", copy.deepcopy(one), index=k * per + i + 1)
                       for i in range(per)]
            path = Path(folder) / f"reports-{k}" / "infocheck.json"
            path.parent.mkdir()
            path.write_text(json.dumps(model.document(entries)))
            paths.append(str(path))
        size = sum(Path(p).stat().st_size for p in paths) / 2**20
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        started = time.monotonic()
        merged = subprocess.run([sys.executable, "-m", "infocheck", "merge", *paths, "--json",
                                 f"{folder}/fleet.json", "--html", f"{folder}/fleet.html"],
                                cwd=ROOT, capture_output=True, text=True)
        seconds = time.monotonic() - started
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024   # KiB on Linux
        page = (Path(folder) / "fleet.html").stat().st_size / 2**20 if merged.returncode == 0 else 0
        written = json.loads((Path(folder) / "fleet.json").read_text())["targets"] if merged.returncode == 0 else []
    print(f"merge of {MERGE_TARGETS} targets ({MERGE_SLICES} reports, {size:.0f} MiB): exit "
          f"{merged.returncode}, {seconds:.1f} s wall, peak memory {peak:.0f} MiB, page {page:.1f} MiB"
          + ("" if peak > before / 1024 else " (peak may be an earlier child's)"))
    met = merged.returncode == 0 and len(written) == MERGE_TARGETS and peak <= MERGE_MEMORY_TARGET
    print(f"  target: every target merged, in at most {MERGE_MEMORY_TARGET} MiB: {'met' if met else 'MISSED'}")
    return met


HISTORY_TARGETS, HISTORY_RUNS, HISTORY_EVERY, HISTORY_TARGET = 100, 10_000, 300, 1.0
HISTORY_REQUIREMENTS = ("SHAPE-200", "SHAPE-JSON", "SHAPE-MODELINFO", "AUTH-MISSING", "SHAPE-CHARSET")


def history_store(path: Path, now: float) -> None:
    """A SQLite history store of HISTORY_TARGETS targets x HISTORY_RUNS runs, one every 5
    minutes up to now, each with HISTORY_REQUIREMENTS (a tenth of the targets flap
    SHAPE-MODELINFO every 50 runs), written with bulk inserts, the changes and hourly counts as
    a recording writes them."""
    import sqlite3

    from infocheck.configuration.store_url import parse_store_url
    from infocheck.history.store import open_store

    open_store(parse_store_url(f"sqlite:///{path}", "bench"), create=True).dispose()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("INSERT INTO infocheck_runs (id, recorded, kind, infocheck) VALUES (1, ?, 'fleet', 'bench')", (now,))
    target_id = 0
    for t in range(HISTORY_TARGETS):
        name, flaps = f"target-{t:03d}", t % 10 == 0
        targets, requirements, changes, before = [], [], [], None
        for r in range(HISTORY_RUNS):
            target_id += 1
            started = now - (HISTORY_RUNS - r) * HISTORY_EVERY
            failing = flaps and (r // 50) % 2 == 1
            verdict = "NOT CONFORMANT" if failing else "CONFORMANT"
            targets.append((target_id, 1, name, started, "info", "https://a.example", "https://a.example/info",
                            '["2024-04-01-preview"]', verdict, int(failing), 40, 2.5, "[]",
                            '{"fail_on_should": false, "levels": {}}', ""))
            for requirement in HISTORY_REQUIREMENTS:
                result = "failed" if failing and requirement == "SHAPE-MODELINFO" else "passed"
                requirements.append((target_id, requirement, "MUST", result, "why" if result == "failed" else ""))
            if before is None:
                changes += [(target_id, name, "", started, None, verdict)] + [
                    (target_id, name, q, started, None, "passed") for q in HISTORY_REQUIREMENTS]
            elif before != failing:
                changes += [(target_id, name, "", started, "NOT CONFORMANT" if before else "CONFORMANT", verdict),
                            (target_id, name, "SHAPE-MODELINFO", started, "failed" if before else "passed",
                             "failed" if failing else "passed")]
            before = failing
        conn.executemany("INSERT INTO infocheck_targets (id, run_id, target, started, contract, origin, endpoint, "
                         "api_versions, verdict, exit_code, requests, duration, notices, policy, explanation) "
                         "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", targets)
        conn.executemany("INSERT INTO infocheck_requirements (target_id, requirement, level, verdict, reason) "
                         "VALUES (?,?,?,?,?)", requirements)
        conn.executemany("INSERT INTO infocheck_changes (target_id, target, requirement, started, previous, verdict) "
                         "VALUES (?,?,?,?,?,?)", changes)
    from infocheck.history.store import backfill_hourly
    conn.execute(backfill_hourly("sqlite"))     # the hourly counts a recording keeps
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()


def history_at_scale() -> bool:
    """`infocheck history` (every target, and one) and `can-i-deploy` over a SQLite store of
    100 targets x 10,000 runs: each question's answer timed in the process (Reader and the
    answer, what the command waits for) and the whole command as a new process."""
    from infocheck.configuration.store_url import parse_store_url
    from infocheck.history import answers

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "history.db"
        now = time.time()
        started = time.monotonic()
        history_store(path, now)
        built = time.monotonic() - started
        size = path.stat().st_size / 2**20
        print(f"history store: {HISTORY_TARGETS} targets x {HISTORY_RUNS} runs "
              f"({HISTORY_TARGETS * HISTORY_RUNS * len(HISTORY_REQUIREMENTS)} requirement rows), "
              f"{size:.0f} MiB, built in {built:.1f} s")
        url = parse_store_url(f"sqlite:///{path}", "bench")
        questions = {
            "history (every target, --since 30d)": lambda r: answers.history(r, None, 30 * 86400),
            "history target-000 --since 30d": lambda r: answers.history(r, "target-000", 30 * 86400),
            "can-i-deploy target-001 --window 24h": lambda r: answers.can_i_deploy(
                r, "target-001", 86400, 1, 3600, None, False),
            "can-i-deploy target-000 --window 24h": lambda r: answers.can_i_deploy(
                r, "target-000", 86400, 1, 3600, None, False),
        }
        met = True
        for name, ask in questions.items():
            started = time.monotonic()
            with answers.Reader(url) as reader:
                ask(reader)
            seconds = time.monotonic() - started
            met = met and seconds <= HISTORY_TARGET
            print(f"  {name}: {seconds:.2f} s answered")
        for args in (["history", "--since", "30d"], ["can-i-deploy", "target-001", "--window", "24h"]):
            started = time.monotonic()
            result = subprocess.run([sys.executable, "-m", "infocheck", *args, "--history", f"sqlite:///{path}"],
                                    cwd=ROOT, capture_output=True, text=True)
            print(f"  infocheck {' '.join(args)} as a new process: exit {result.returncode}, "
                  f"{time.monotonic() - started:.2f} s wall (its interpreter and imports included)")
    print(f"  target: each answer within {HISTORY_TARGET:g} s: {'met' if met else 'MISSED'}")
    return met


def serve(sock, behaviour, stop):
    """Accept connections until stopped; each is handled by `behaviour` (bounded by `stop`)."""
    sock.settimeout(0.2)
    while not stop.is_set():
        try:
            conn, _ = sock.accept()
        except OSError:
            continue
        threading.Thread(target=behaviour, args=(conn, stop), daemon=True).start()


def hang(conn, stop):
    stop.wait(60)
    conn.close()


def drip(conn, stop):
    conn.recv(65536)
    for byte in b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{}":
        if stop.wait(1.0):
            break
        conn.sendall(bytes([byte]))
    conn.close()


if __name__ == "__main__":
    sys.exit(main())
