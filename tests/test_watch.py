"""`infocheck watch` (issue 28, "Watching a fleet"): its usage errors (one ERROR: line, exit 4),
the schedule (one cycle at a time; a cycle longer than the interval makes the next start late,
said in the log, never beside it; no missed slot made up back to back), the retention of cycle
folders, and a real watcher on loopback: a hung target is stopped at the interval and holds up
only its own slot, and SIGTERM ends the cycle under way cleanly (its targets' runs killed, its
reports written, the exit code the stopped cycle's, never 0)."""
from __future__ import annotations

import json
import os
import signal
import socket
import sys

import pytest

from harness import KEY, RawServer, read_request, serve
from infocheck.cli import main as infocheck
from infocheck.watch import schedule
from infocheck.watch.cycle import Cycles
from infocheck.wire.secret import Scrubber, Secret
from watching import cycle, cycles_done, fleet_file, processes_holding, start, state, stop, wait_for


# -- usage errors ------------------------------------------------------------------------------

@pytest.fixture
def a_fleet(tmp_path):
    return str(fleet_file(tmp_path, [{"name": "a", "endpoint": "http://127.0.0.1:9"}]))


@pytest.mark.parametrize("args, message", [
    ([], "--fleet FILE: give the fleet file to watch (or INFOCHECK_FLEET)"),
    (["--fleet", "no-such-fleet.yaml"], "--fleet: no-such-fleet.yaml is not a file"),
    (["--every", "5x"], "--every: '5x': give a number of seconds, or one with s, m, h or d after it"),
    (["--every", "0s"], "--every: '0s': give an interval of 1 s to 1 day"),
    (["--every", "2d"], "--every: '2d': give an interval of 1 s to 1 day"),
    (["--metrics-port", "70000"], "--metrics-port: 70000 is out of range (0 to 65535)"),
    (["--metrics-port", "http"], "--metrics-port: give a whole number, not 'http'"),
    (["--keep", "0"], "--keep: 0 is out of range (1 to 100000)"),
    (["--cycles", "-1"], "--cycles: -1 is out of range"),
    (["--metrics-prot", "9464"], "unknown option --metrics-prot; did you mean --metrics-port?"),
    (["--html", "x.html"], "--html: each cycle's reports go to its own folder under --report-dir DIR"),
    (["--report-json=x.json"], "--report-json: each cycle's reports go to its own folder"),
])
def test_a_usage_error_is_one_error_line_and_exit_4(a_fleet, capsys, args, message):
    argv = ["watch", *(["--fleet", a_fleet] if "--fleet" not in args and args else []), *args]
    code = infocheck(argv)
    out, err = capsys.readouterr()
    assert code == 4
    assert err.count("\n") == 1 and err.startswith("ERROR: infocheck watch: "), err
    assert message in err


def test_a_metrics_port_in_use_is_a_usage_error(a_fleet, tmp_path, capsys):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    try:
        code = infocheck(["watch", "--fleet", a_fleet, "--report-dir", str(tmp_path / "w"),
                          "--metrics-port", str(taken.getsockname()[1])])
    finally:
        taken.close()
    err = capsys.readouterr().err
    assert code == 4 and err.count("\n") == 1
    assert "the metrics cannot be served there" in err


def test_a_first_cycle_that_is_a_usage_error_ends_the_watcher_with_exit_4(tmp_path):
    fleet = fleet_file(tmp_path, [{"name": "a", "endpoint": "http://127.0.0.1:9"}])
    watcher = start(tmp_path, fleet, "--request-timeout", "0")   # handed to the cycle, which refuses it
    out, err = watcher.communicate(timeout=120)
    assert watcher.returncode == 4, out + err
    assert err.count("\n") == 1 and err.startswith("ERROR: infocheck watch: the first cycle's fleet "
                                                   "run was a usage error (exit 4)")
    assert "INFOCHECK_REQUEST_TIMEOUT / --request-timeout" in err
    meta, report = cycle(tmp_path, 1)
    assert meta["exit_code"] == 4


# -- the schedule ------------------------------------------------------------------------------

class Clock:
    """A clock that moves only when the schedule waits or a cycle runs."""

    def __init__(self):
        self.now, self.flag = 0.0, False

    def __call__(self) -> float:
        return self.now

    # the stop event's side
    def is_set(self) -> bool:
        return self.flag

    def wait(self, seconds: float) -> bool:
        self.now += seconds
        return self.flag


def scheduled(durations, every=10.0, stop_in=None):
    clock, log, ran, running = Clock(), [], [], []

    def one(start):
        assert not running, "a cycle started while another ran"
        running.append(start.number)
        began = clock.now
        clock.now += durations[start.number - 1]
        ran.append((start.number, began, clock.now))
        if stop_in == start.number:
            clock.flag = True
        running.pop()

    schedule.Schedule(every, one, clock, cycles=len(durations), log=log.append, clock=clock).run()
    return ran, log


def test_cycles_start_on_the_interval_one_at_a_time():
    ran, log = scheduled([3, 4, 2, 5])
    assert [began for _, began, _ in ran] == [0, 10, 20, 30]
    assert log == []


def test_a_cycle_longer_than_the_interval_makes_the_next_late_said_in_the_log_never_beside_it():
    ran, log = scheduled([3, 25, 3, 3, 3])
    starts = [began for _, began, _ in ran]
    assert starts == [0, 10, 35, 45, 55]   # cycle 3 waits for 2 to end; then every 10 s from there
    for (_, _, ended), (_, began, _) in zip(ran, ran[1:]):
        assert began >= ended
    assert len(log) == 1
    assert log[0].startswith("infocheck watch: cycle 3 starts 15.0 s late: the one before took "
                             "longer than the interval (10 s); cycles never overlap")


def test_a_stop_during_a_cycle_starts_no_other():
    ran, _ = scheduled([3, 3, 3, 3], stop_in=2)
    assert [number for number, _, _ in ran] == [1, 2]


@pytest.mark.parametrize("text, seconds", [("5m", 300), ("30s", 30), ("1h", 3600), ("90", 90),
                                           ("1.5m", 90), ("1d", 86400), (" 2M ", 120)])
def test_an_interval_is_seconds_with_a_unit(text, seconds):
    assert schedule.interval(text) == seconds


@pytest.mark.parametrize("text", ["0", "0.5s", "2d", "5 m", "-1", "", "1e3", "5w", "soon"])
def test_an_interval_that_is_none_is_refused(text):
    with pytest.raises(ValueError):
        schedule.interval(text)


def test_only_the_oldest_cycle_folders_go_and_numbering_goes_on_after_a_restart(tmp_path):
    folder = tmp_path / "cycles"
    for number in (1, 2, 3, 4, 5):
        (folder / f"{number:06d}").mkdir(parents=True)
    (folder / "keep-me").mkdir()
    (folder / "000009").write_text("a file, not a cycle")
    cycles = Cycles(tmp_path, tmp_path / "fleet.json", [], keep=2, cwd=tmp_path)
    assert (cycles.number, cycles.first) == (5, 6)
    removed = cycles.prune()
    assert sorted(p.name for p in removed) == ["000001", "000002", "000003"]
    assert sorted(p.name for p in folder.iterdir()) == ["000004", "000005", "000009", "keep-me"]


# -- a real watcher ----------------------------------------------------------------------------

def never_answers(conn, stop_serving):
    read_request(conn)
    stop_serving.wait(300)


def test_a_hung_target_holds_up_only_its_slot_for_one_interval(tmp_path):
    with serve() as good, RawServer(never_answers) as hung:
        fleet = fleet_file(tmp_path, [
            {"name": "hung", "endpoint": hung.url, "api_key_env": "KEY_ONE", "request_timeout": 300},
            {"name": "good", "endpoint": good.url, "api_key_env": "KEY_ONE"}])
        # No --fleet-target-timeout: the watcher bounds each target by its interval (45 s: the
        # conformant target's whole run fits in it on a loaded machine too).
        watcher = start(tmp_path, fleet, "--every", "45s", "--cycles", "1", env={"KEY_ONE": KEY})
        try:
            out, err = watcher.communicate(timeout=300)
        finally:
            if watcher.poll() is None:
                watcher.kill()
    meta, report = cycle(tmp_path, 1)
    targets = {t["name"]: t for t in report["targets"]}
    assert (targets["good"]["verdict"], targets["hung"]["verdict"]) == ("CONFORMANT", "COULD NOT TEST")
    assert targets["hung"]["problem"].startswith("its run did not finish within 45 s")
    assert (meta["exit_code"], meta["stopped"]) == (2, False)
    assert watcher.returncode == 2 and "ended after cycle 1, exit 2" in out, out + err   # the last cycle's


@pytest.mark.skipif(os.name == "nt" or sys.platform == "darwin",
                    reason="SIGTERM to a process, and /proc to see its children gone, are Linux's here")
def test_sigterm_ends_the_cycle_under_way_cleanly(tmp_path):
    with serve() as good, RawServer(never_answers) as hung:
        fleet = fleet_file(tmp_path, [
            {"name": "hung", "endpoint": hung.url, "api_key_env": "KEY_ONE", "request_timeout": 300},
            {"name": "good", "endpoint": good.url, "api_key_env": "KEY_ONE"}])
        watcher = start(tmp_path, fleet, "--every", "1s", "--fleet-target-timeout", "600",
                        env={"KEY_ONE": KEY})
        first = tmp_path / "watch" / "cycles" / "000001"
        try:
            wait_for(lambda: processes_holding(str(first / "targets" / "hung")), "the hung target's run", watcher)
            code, out, err = stop(watcher)
        finally:
            if watcher.poll() is None:
                watcher.kill()
    # The cycle stopped, its targets' runs killed, its reports written, the exit code never 0.
    assert code == 2, out + err
    meta, report = cycle(tmp_path, 1)
    assert (meta["exit_code"], meta["stopped"]) == (2, True)
    stopped = {t["name"]: t for t in report["targets"]}["hung"]
    assert stopped["problem"].startswith("the fleet run was stopped (SIGTERM) while this target was checked")
    assert report["exit_code"] == 2 and (first / "junit.xml").is_file()
    assert wait_for(lambda: not processes_holding(str(first)), "the cycle's processes gone", limit=200)
    assert not (tmp_path / "watch" / "cycles" / "000002").exists()   # no cycle after the stop
    last = state(tmp_path)["last_cycle"]
    assert (last["cycle"], last["exit_code"], last["stopped"]) == (1, 2, True)
    assert "infocheck watch: SIGTERM: ending the cycle under way, then the watcher" in out
    assert "ended after cycle 1, exit 2" in out and err == ""
    assert not Scrubber([Secret(KEY)]).contains_secret(out + json.dumps(report))
