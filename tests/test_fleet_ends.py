"""A fleet target whose run ends as no infocheck run ends (killed by a signal, an exit status that
is none of infocheck's five) is that target's INTERNAL ERROR, exit 3, and the fleet still writes
its report and scrubs (issue 24, found trying to break it). A target killed after it wrote a
CONFORMANT result gave the fleet exit -9 (247 to a shell): an exit code that means nothing a
gate knows, on a target whose run never said it ended."""
from __future__ import annotations

import json
import signal
import subprocess
import types

import pytest

import harness
from harness import KEY, run_suite, serve
from infocheck.wire.secret import Scrubber, Secret

OTHER_KEY = "other-target-KEY/+\"a\\<b>&c=d%e-97531'"


def fleet_of(tmp, east, west) -> str:
    path = tmp / "fleet.json"
    path.write_text(json.dumps({"targets": [
        {"name": "east", "endpoint": east, "api_key_env": "EAST_KEY"},
        {"name": "west", "endpoint": west, "api_key_env": "WEST_KEY"}]}))
    return str(path)


def ends(how):
    """A Popen whose `east` run ends `how`: ("after", status) runs it whole, then reports that
    status; ("killed",) kills it with SIGKILL as soon as it starts."""
    real = subprocess.Popen

    class Ends(real):
        def wait(self, timeout=None):
            code = super().wait(timeout)
            return how[1] if how[0] == "after" else code

    def popen(command, *args, **kwargs):
        if not any("targets/east/" in str(a) for a in command):
            return real(command, *args, **kwargs)
        process = Ends(command, *args, **kwargs)
        if how[0] == "killed":
            process.send_signal(signal.SIGKILL)
        return process

    return popen


@pytest.mark.skipif(harness.SUBPROCESS or not hasattr(signal, "SIGKILL"),
                    reason="the fault is patched into the forked fleet run; SIGKILL is POSIX's")
@pytest.mark.parametrize("how", [("after", -9), ("after", 5), ("after", 137), ("killed",)],
                         ids=["killed-after-its-result", "pytest-5", "137", "killed-at-once"])
def test_a_target_that_ends_as_no_run_ends_is_its_internal_error_and_the_fleet_reports(
        tmp_path, monkeypatch, how):
    from infocheck.fleet import forking
    from infocheck.fleet import run as fleet_run

    # The process of its own each target runs in where there is no fork (Windows); a forked
    # target's ends are tests/test_fleet_fork.py's.
    monkeypatch.setattr(forking, "unavailable", lambda: "this platform has no os.fork")
    monkeypatch.setattr(fleet_run, "subprocess", types.SimpleNamespace(
        Popen=ends(how), DEVNULL=subprocess.DEVNULL, STDOUT=subprocess.STDOUT))
    with serve() as east, serve(key=OTHER_KEY) as west:
        run = run_suite(tmp_path, "--fleet", fleet_of(tmp_path, east.url, west.url), "-m", "not slow", key=None,
                        env={"EAST_KEY": KEY, "WEST_KEY": OTHER_KEY}, html=False)
    assert run.code == 3 and run.report["exit_code"] == 3, (run.code, run.stdout[-3000:])
    by_name = {t["name"]: t for t in run.report["targets"]}
    assert by_name["west"]["exit_code"] == 0
    east = by_name["east"]
    assert (east["exit_code"], east["verdict"]) == (3, "INTERNAL ERROR")
    said = {("after", -9): "signal 9 (killed)", ("killed",): "signal 9 (killed)"}.get(how, f"exit {how[-1]}")
    assert f"the run ended with {said}" in east["problem"]
    finder = Scrubber([Secret(KEY), Secret(OTHER_KEY)])
    files = [p for p in (tmp_path / "reports").rglob("*") if p.is_file()]
    assert files and not [p for p in files if finder.contains_secret(p.read_text(errors="replace"))]
