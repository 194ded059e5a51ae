"""Fleet targets forked from one warm interpreter (issue 28, "Cheap enough"): where POSIX has
os.fork, a fleet's targets run as children of a fork server (fleet/zygote.py) that holds no
target's secret; each child is handed its own credential over a pipe after the fork. A spy
plugin, loaded into every target's run by the fleet's own `-p`, reads from inside each child:
its environment, the environment it was started with, every readable byte of its memory and of
its fork server's, and every file of the fleet's folder, for each target's key. A target's key
is in its own child alone. Whatever ends a forked child as no run ends (a signal, an exit
status that is none of infocheck's, its fork server killed under it) is that target's INTERNAL
ERROR, and the fleet still reports every other target; with no fork (Windows, or a server that
cannot start) the targets run as processes of their own, with the same verdicts."""
from __future__ import annotations

import json
import os
import secrets
import string
import sys
import textwrap

import pytest

import harness
from harness import run_suite, serve
from infocheck.fleet import forking
from infocheck.wire.secret import Scrubber, Secret

LINUX = sys.platform.startswith("linux")
needs_proc = pytest.mark.skipif(not LINUX or forking.unavailable() != "",
                                reason="the spy reads /proc; targets fork only where os.fork is")


def key(label: str) -> str:
    """A key the spy can name by its label without knowing it: fleet-secret-LABEL-<20 random>."""
    return f"fleet-secret-{label}-" + "".join(secrets.choice(string.ascii_letters + string.digits)
                                              for _ in range(20))


SPY = textwrap.dedent('''
    """Loaded into every run of the fleet by -p; acts only in a fleet target's run."""
    import json, os, re, signal, sys
    from pathlib import Path

    MARK = re.compile(rb"fleet-secret-([a-z]+)-[A-Za-z0-9]{20}")

    def labels(data):
        return {m.group(1).decode() for m in MARK.finditer(data)}

    def memory(pid):
        """The labels in every readable byte of the process's memory (None: not readable)."""
        try:
            maps = open(f"/proc/{pid}/maps").read().splitlines()
            mem = open(f"/proc/{pid}/mem", "rb", 0)
        except OSError:
            return None
        found, read_any = set(), False
        with mem:
            for line in maps:
                fields = line.split()
                if not fields[1].startswith("r") or "[vvar" in line or "[vsyscall]" in line:
                    continue
                start, end = (int(x, 16) for x in fields[0].split("-"))
                tail = b""
                while start < end:
                    size = min(16 << 20, end - start)
                    try:
                        mem.seek(start)
                        chunk = mem.read(size)
                    except (OSError, OverflowError, ValueError):
                        break
                    read_any = True
                    found |= labels(tail + chunk)
                    tail, start = chunk[-64:], start + size
        return sorted(found) if read_any else None

    def read(path):
        try:
            return open(path, "rb").read()
        except OSError:
            return None

    def pytest_configure(config):
        if "INFOCHECK_FLEET_CREDENTIAL" not in os.environ:   # the fleet's own run
            return
        given = [a for a in config.invocation_params.args if str(a).startswith("--report-json=")]
        folder = Path(str(given[-1]).split("=", 1)[1]).parent
        end = os.environ.get("FLEET_SPY_END", "")
        if end.startswith(folder.name + ":"):
            how = end.split(":", 1)[1]
            if how == "killed":
                os.kill(os.getpid(), signal.SIGKILL)
            if how.startswith("exit-"):
                os._exit(int(how[5:]))
            if how == "server-killed":
                os.kill(os.getppid(), signal.SIGKILL)
                return
        parent = os.getppid()
        environ = read(f"/proc/{parent}/environ")
        files = {}
        for path in folder.parent.rglob("*"):
            if path.is_file() and path.parent != folder:
                files[str(path.relative_to(folder.parent))] = sorted(labels(read(path) or b""))
        seen = {
            "environ": sorted(labels("\\n".join(os.environ.values()).encode())),
            "started_with": sorted(labels(read("/proc/self/environ") or b"")),
            "memory": memory("self"),
            "server": read(f"/proc/{parent}/cmdline").decode("utf-8", "replace"),
            "server_environ": None if environ is None else sorted(labels(environ)),
            "server_memory": memory(parent),
            "files": files,
        }
        (folder / "spy.json").write_text(json.dumps(seen))
''')


@pytest.fixture
def spy(tmp_path, monkeypatch):
    """The spy's folder, on the path of the fleet's run (forked here, or a new interpreter)
    and so of its fork server and every target's run."""
    folder = tmp_path / "spy"
    folder.mkdir()
    (folder / "fleet_spy.py").write_text(SPY)
    monkeypatch.syspath_prepend(str(folder))
    return folder


def fleet_file(tmp, targets) -> str:
    path = tmp / "fleet.json"
    path.write_text(json.dumps({"targets": targets}))
    return str(path)


def run_fleet(tmp_path, spy, env, *targets, args=()):
    tmp_path.mkdir(parents=True, exist_ok=True)
    return run_suite(tmp_path, "--fleet", fleet_file(tmp_path, list(targets)), "-p", "fleet_spy",
                     "-m", "not slow", *args, key=None, html=False,
                     env=dict(env, PYTHONPATH=os.pathsep.join(filter(None, [str(spy), os.environ.get("PYTHONPATH")]))))


@needs_proc
def test_a_forked_target_knows_only_its_own_key_in_its_environment_memory_and_files(tmp_path, spy):
    alpha, bravo = key("alpha"), key("bravo")
    with serve(key=alpha) as one, serve(key=bravo) as two:
        run = run_fleet(tmp_path, spy, {"ALPHA_KEY": alpha, "BRAVO_KEY": bravo},
                        {"name": "alpha", "endpoint": one.url, "api_key_env": "ALPHA_KEY"},
                        {"name": "bravo", "endpoint": two.url, "api_key_env": "BRAVO_KEY"})
    assert run.code == 0, run.stdout[-3000:]
    for own, other in (("alpha", "bravo"), ("bravo", "alpha")):
        seen = json.loads((tmp_path / "reports" / "targets" / own / "spy.json").read_text())
        # It ran as a child of the fork server, not as a process of its own.
        assert "infocheck.fleet.zygote" in seen["server"], seen["server"]
        # Its own key is where its run needs it: the scan does find a key (the control).
        assert seen["environ"] == [own]
        assert own in seen["memory"]
        # The neighbour's is nowhere: not in its memory, nor in any file of the fleet.
        assert other not in seen["memory"]
        assert not [name for name, found in seen["files"].items() if other in found]
        # It was handed its credential after the fork: the environment it started with, and
        # the server's (environment and memory), hold no key of any target.
        assert seen["started_with"] == [] and seen["server_environ"] == []
        assert seen["server_memory"] == [], seen["server_memory"]


@needs_proc
@pytest.mark.parametrize("how, said", [("killed", "signal 9 (killed)"), ("exit-5", "exit 5"),
                                       ("exit-137", "exit 137")])
def test_a_forked_target_that_ends_as_no_run_ends_is_its_internal_error(tmp_path, spy, how, said):
    east, west = key("east"), key("west")
    with serve(key=east) as one, serve(key=west) as two:
        run = run_fleet(tmp_path, spy, {"EAST_KEY": east, "WEST_KEY": west, "FLEET_SPY_END": f"east:{how}"},
                        {"name": "east", "endpoint": one.url, "api_key_env": "EAST_KEY"},
                        {"name": "west", "endpoint": two.url, "api_key_env": "WEST_KEY"})
    assert run.code == 3 and run.report["exit_code"] == 3, (run.code, run.stdout[-3000:])
    by_name = {t["name"]: t for t in run.report["targets"]}
    assert (by_name["east"]["exit_code"], by_name["east"]["verdict"]) == (3, "INTERNAL ERROR")
    assert f"the run ended with {said}" in by_name["east"]["problem"]
    assert by_name["west"]["exit_code"] == 0
    assert "Traceback" not in run.stdout + run.stderr


@needs_proc
def test_a_fork_server_killed_under_a_target_is_that_targets_internal_error_and_the_rest_still_run(
        tmp_path, spy):
    east, west = key("east"), key("west")
    with serve(key=east) as one, serve(key=west) as two:
        # One at a time: west starts after the server is gone, as a process of its own.
        run = run_fleet(tmp_path, spy, {"EAST_KEY": east, "WEST_KEY": west, "FLEET_SPY_END": "east:server-killed"},
                        {"name": "east", "endpoint": one.url, "api_key_env": "EAST_KEY"},
                        {"name": "west", "endpoint": two.url, "api_key_env": "WEST_KEY"},
                        args=("--fleet-jobs", "1"))
    assert run.code == 3, run.stdout[-3000:]
    by_name = {t["name"]: t for t in run.report["targets"]}
    assert (by_name["east"]["exit_code"], by_name["east"]["verdict"]) == (3, "INTERNAL ERROR")
    assert "fork server" in by_name["east"]["problem"]
    assert by_name["west"]["exit_code"] == 0, by_name["west"]
    seen = json.loads((tmp_path / "reports" / "targets" / "west" / "spy.json").read_text())
    assert "infocheck.fleet.zygote" not in seen["server"]   # its own process
    assert seen["started_with"] == ["west"]                 # as a process of its own is given it
    finder = Scrubber([Secret(east), Secret(west)])
    files = [p for p in (tmp_path / "reports").rglob("*") if p.is_file()]
    assert files and not [p for p in files if finder.contains_secret(p.read_text(errors="replace"))]


@pytest.mark.skipif(harness.SUBPROCESS, reason="the platform is patched into the forked fleet run")
def test_without_fork_each_target_runs_in_a_process_of_its_own_with_the_same_verdicts(
        tmp_path, spy, monkeypatch):
    monkeypatch.setattr(forking, "unavailable", lambda: "this platform has no os.fork")
    east, west = key("east"), key("west")
    with serve(key=east) as one, serve(key="not-the-key-the-fleet-has-0123456789") as two:
        run = run_fleet(tmp_path, spy, {"EAST_KEY": east, "WEST_KEY": west},
                        {"name": "east", "endpoint": one.url, "api_key_env": "EAST_KEY"},
                        {"name": "west", "endpoint": two.url, "api_key_env": "WEST_KEY"})
    verdicts = {t["name"]: t["verdict"] for t in run.report["targets"]}
    assert verdicts == {"east": "CONFORMANT", "west": "COULD NOT TEST"}, run.stdout[-3000:]
    if LINUX:
        seen = json.loads((tmp_path / "reports" / "targets" / "east" / "spy.json").read_text())
        assert "infocheck.fleet.zygote" not in seen["server"] and seen["started_with"] == ["east"]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="a platform with os.fork, to take it away")
def test_the_fork_server_is_used_only_where_the_platform_has_fork_and_descriptor_passing(monkeypatch):
    import socket
    assert forking.unavailable() == ""
    monkeypatch.delattr(socket, "send_fds")
    assert forking.unavailable() == "this platform cannot hand a descriptor to another process"
    monkeypatch.delattr(os, "fork")
    assert forking.unavailable() == "this platform has no os.fork"


def timeless(text: str) -> str:
    """A report without what differs between any two runs of it: times, durations, the
    server's Date and request ids."""
    import re
    text = re.sub(r'"(started|duration_seconds|waited_seconds)": [^,\n]*', r'"\1": _', text)
    text = re.sub(r'(time|timestamp|hostname)="[^"]*"', r'\1="_"', text)
    text = re.sub(r"\[\d+ ms\]|Date: [^\\\n]*|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "_", text)
    return re.sub(r"\d+(\.\d+)? ?s\b", "_ s", text)


@pytest.mark.skipif(harness.SUBPROCESS or forking.unavailable() != "",
                    reason="the platform is patched into the forked fleet run; both paths need os.fork")
def test_a_forked_targets_reports_are_the_bytes_a_process_of_its_own_writes(tmp_path, spy, monkeypatch):
    from faults import FAULTS
    faulty = next(f.handler for f in FAULTS.values() if not f.args)
    east, west = key("east"), key("west")
    reports = {}
    with serve(key=east) as one, serve(faulty, key=west) as two:
        targets = ({"name": "east", "endpoint": one.url, "api_key_env": "EAST_KEY"},
                   {"name": "west", "endpoint": two.url, "api_key_env": "WEST_KEY"})
        for way in ("forked", "spawned"):
            if way == "spawned":
                monkeypatch.setattr(forking, "unavailable", lambda: "this platform has no os.fork")
            run_fleet(tmp_path / way, spy, {"EAST_KEY": east, "WEST_KEY": west}, *targets)
            folder = tmp_path / way / "reports" / "targets"
            reports[way] = {f"{t}/{name}": timeless((folder / t / name).read_text().replace(str(tmp_path / way), "RUN"))
                            for t in ("east", "west") for name in ("infocheck.json", "junit.xml", "output.txt")}
    assert reports["forked"]["west/infocheck.json"].count('"verdict": "failed"') >= 1
    for name, text in reports["forked"].items():
        assert text.splitlines() == reports["spawned"][name].splitlines(), name


def test_a_value_no_process_can_carry_is_refused_before_the_fork_as_popen_refuses_it():
    """A NUL in a target's arguments or environment is that target's error before any child is
    asked for (ValueError, as Popen raises it), never a child that breaks on it."""
    import types

    from infocheck.fleet.channel import Channel
    from infocheck.fleet.run import FleetRun

    asked = []
    fleet = FleetRun.__new__(FleetRun)
    fleet.forks = types.SimpleNamespace(run=lambda *args, **kwargs: asked.append(args) or 0)
    for arguments, env in ((["-q"], {"INFOCHECK_AUTH_HEADER": "api-key\0x"}), (["-k", "a\0b"], {})):
        with open(os.devnull, "wb") as output, pytest.raises(ValueError, match="embedded null byte"):
            fleet._forked(None, arguments, env, output, Channel())
    assert asked == []
