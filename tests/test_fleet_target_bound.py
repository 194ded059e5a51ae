"""A fleet target's run is bounded (issue 28, what `infocheck watch` stands on): past
--fleet-target-timeout its run is killed and it is COULD NOT TEST, saying so, while every other
target is checked as before; and a fleet run told to stop (SIGTERM, what a CI cancel or a
watcher's stop sends) kills its targets' runs, starts no more, and still writes its reports, each
stopped target COULD NOT TEST, the fleet never green."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness import KEY, ROOT, RawServer, clean_env, read_request, run_suite, serve
from watching import processes_holding
from infocheck.configuration.config import build_config
from infocheck.configuration.knobs import ConfigError
from infocheck.wire.secret import Scrubber, Secret


def never_answers(conn, stop):
    """Reads the request and keeps the connection open, saying nothing, until the test ends."""
    read_request(conn)
    stop.wait(120)


def fleet_file(tmp: Path, targets) -> str:
    path = tmp / "fleet.json"
    path.write_text(json.dumps({"targets": targets}))
    return str(path)


def gone(text: str) -> bool:
    """Whether every process holding a file under `text`, or naming it, has ended (a bounded wait: they are being killed)."""
    for _ in range(200):
        if not processes_holding(text):
            return True
        time.sleep(0.05)
    return False


def test_the_target_timeout_is_a_fleet_setting_in_range():
    assert build_config({}, {"INFOCHECK_FLEET_TARGET_TIMEOUT": "90"}).fleet_target_timeout == 90
    assert build_config({}, {}).fleet_target_timeout is None
    for bad in ("0.5", "86401", "soon"):
        with pytest.raises(ConfigError, match="INFOCHECK_FLEET_TARGET_TIMEOUT / --fleet-target-timeout"):
            build_config({}, {"INFOCHECK_FLEET_TARGET_TIMEOUT": bad})


def test_a_hung_target_is_stopped_at_its_timeout_and_holds_up_only_its_own_slot(tmp_path):
    # 45 s: the conformant target's whole run must fit in it on a loaded machine too.
    with serve() as good, RawServer(never_answers) as hung:
        targets = [{"name": "hung", "endpoint": hung.url, "api_key_env": "KEY_ONE", "request_timeout": 120},
                   {"name": "good", "endpoint": good.url, "api_key_env": "KEY_ONE"}]
        run = run_suite(tmp_path, "--fleet", fleet_file(tmp_path, targets), "--fleet-target-timeout", "45",
                        key=None, html=False, env={"KEY_ONE": KEY})
    assert run.code == 2, run.stdout[-3000:] + run.stderr[-2000:]
    entries = {t["name"]: t for t in run.report["targets"]}
    assert (entries["good"]["verdict"], entries["good"]["exit_code"]) == ("CONFORMANT", 0)
    assert (entries["hung"]["verdict"], entries["hung"]["exit_code"]) == ("COULD NOT TEST", 2)
    assert entries["hung"]["problem"].startswith(
        "its run did not finish within 45 s (INFOCHECK_FLEET_TARGET_TIMEOUT / --fleet-target-timeout) "
        "and was stopped")
    assert entries["hung"]["result"] is None
    assert not run.leaks()


@pytest.mark.skipif(os.name == "nt" or not Path("/proc/self/cmdline").exists(),
                    reason="SIGTERM to a process and /proc are POSIX's and Linux's")
def test_sigterm_stops_a_fleet_run_cleanly_its_targets_killed_and_its_reports_written(tmp_path):
    reports = tmp_path / "reports"
    with serve() as good, RawServer(never_answers) as hung:
        targets = [{"name": "hung", "endpoint": hung.url, "api_key_env": "KEY_ONE", "request_timeout": 120},
                   {"name": "good", "endpoint": good.url, "api_key_env": "KEY_ONE"}]
        command = [sys.executable, "-m", "infocheck", "--fleet", fleet_file(tmp_path, targets),
                   "--fleet-jobs", "1", "--report-dir", str(reports), "-p", "no:html",
                   "-o", "addopts=-p no:cacheprovider --assert=plain"]
        fleet = subprocess.Popen(command, cwd=ROOT, env=clean_env(KEY_ONE=KEY), stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True)
        try:
            started = reports / "targets" / "hung" / "output.txt"
            for _ in range(600):   # the hung target's run has begun
                if started.exists() and processes_holding(str(reports / "targets" / "hung")):
                    break
                time.sleep(0.05)
            fleet.send_signal(signal.SIGTERM)
            output, _ = fleet.communicate(timeout=120)
        finally:
            if fleet.poll() is None:
                fleet.kill()
    assert fleet.returncode == 2, output[-3000:]
    document = json.loads((reports / "infocheck.json").read_text(encoding="utf-8"))
    entries = {t["name"]: t for t in document["targets"]}
    assert (document["verdict"], document["exit_code"]) == ("COULD NOT TEST", 2)
    assert entries["hung"]["problem"].startswith(
        "the fleet run was stopped (SIGTERM) while this target was checked")
    assert entries["good"]["problem"].startswith(   # one at a time: it never started
        "the fleet run was stopped (SIGTERM) before this target was checked")
    assert {e["exit_code"] for e in entries.values()} == {2}
    assert (reports / "junit.xml").is_file()
    assert gone(str(reports / "targets" / "hung"))   # its run was killed, not left behind
    assert not Scrubber([Secret(KEY)]).contains_secret(output + json.dumps(document))
