"""Helpers of the watcher's self-tests: a watcher started as users start it, on loopback, and
read through the files it writes (watch.json, each cycle's cycle.json and infocheck.json), with
bounded waits and no timing assertion."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from harness import ROOT, clean_env

# Each cycle's fleet run without the HTML pages (rendering them is most of a run's time).
NO_HTML = ["-p", "no:html", "-o", "addopts=-p no:cacheprovider --assert=plain"]


def fleet_file(tmp: Path, targets) -> Path:
    path = tmp / "fleet.json"
    path.write_text(json.dumps({"targets": targets}))
    return path


def start(tmp: Path, fleet: Path, *args: str, env: dict | None = None) -> subprocess.Popen:
    """`infocheck watch --fleet FLEET --report-dir TMP/watch --metrics-port 0 ARGS` in a process."""
    command = [sys.executable, "-m", "infocheck", "watch", "--fleet", str(fleet),
               "--report-dir", str(tmp / "watch"), "--metrics-port", "0", *args, *NO_HTML]
    return subprocess.Popen(command, cwd=ROOT, env=clean_env(**(env or {})), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def state(tmp: Path) -> dict | None:
    try:
        return json.loads((tmp / "watch" / "watch.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def wait_for(condition, what: str, process: subprocess.Popen | None = None, limit: int = 3000):
    """Polls `condition()` (every 0.05 s, `limit` times at most) until it is true; its value.
    Fails, saying what was awaited, when the watcher ends first or the polls run out."""
    for _ in range(limit):
        found = condition()
        if found:
            return found
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the watcher ended (exit {process.returncode}) before {what}: "
                                 + (process.stderr.read() if process.stderr else ""))
        time.sleep(0.05)
    raise AssertionError(f"no {what}")


def cycles_done(tmp: Path, count: int, process=None) -> dict:
    return wait_for(lambda: (s := state(tmp)) and s["cycles"] >= count and s, f"cycle {count}", process)


def scrape(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return answer.read().decode("utf-8")


def cycle(tmp: Path, number: int) -> tuple[dict, dict | None]:
    """A cycle's cycle.json and its infocheck.json (None where it wrote none)."""
    folder = tmp / "watch" / "cycles" / f"{number:06d}"
    meta = json.loads((folder / "cycle.json").read_text(encoding="utf-8"))
    report = folder / "infocheck.json"
    return meta, json.loads(report.read_text(encoding="utf-8")) if report.is_file() else None


def stop(process: subprocess.Popen, how=None) -> tuple[int, str, str]:
    """The watcher sent SIGTERM (or `how`), and how it ended: (exit code, stdout, stderr)."""
    import signal
    process.send_signal(how if how is not None else signal.SIGTERM)
    try:
        out, err = process.communicate(timeout=150)
    finally:
        if process.poll() is None:
            process.kill()
    return process.returncode, out, err


def processes_holding(folder: str) -> list[int]:
    """The live processes with a file under `folder` open, or whose command line names it
    (Linux's /proc; none elsewhere): a target's run, forked (its output.txt is its stdout) or a
    process of its own."""
    found = set(processes_naming(folder))
    proc = Path("/proc")
    for entry in proc.iterdir() if proc.is_dir() else ():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if any(os.readlink(fd).startswith(folder) for fd in (entry / "fd").iterdir()):
                    found.add(int(entry.name))
            except OSError:
                continue
    return sorted(found)


def processes_naming(text: str) -> list[int]:
    """The live processes whose command line names `text` (Linux's /proc; none elsewhere)."""
    found = []
    proc = Path("/proc")
    for entry in proc.iterdir() if proc.is_dir() else ():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if text.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found
