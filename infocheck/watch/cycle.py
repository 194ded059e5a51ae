"""One cycle: the fleet checked by its public entry (`python -m infocheck --fleet FILE`), into a
report folder of its own, and stopped cleanly when the watcher is: the fleet run is told
(SIGTERM; CTRL_BREAK on Windows), kills its targets' runs and writes every report, each target
it stopped COULD NOT TEST. A cycle that does not end within STOP_GRACE of that is killed whole.
Retention: the newest `keep` cycle folders stay, older ones are removed."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from infocheck.judging import report_model
from infocheck.judging.exit_codes import ExitCode

FOLDER = re.compile(r"[0-9]{6,}")          # cycles/000042: only such folders are ever removed
STOP_GRACE = 60.0                            # seconds a stopped fleet run has to write its reports
REPORT_LIMIT = 256 * 1024 * 1024             # a cycle's infocheck.json read back, bounded
WINDOWS = os.name == "nt"


@dataclass
class Ended:
    """What a cycle left: its number and folder, its exit code, its report (None when it wrote
    none, or one that cannot be read: then `problem` says why), its wall time and whether it was
    stopped."""
    number: int
    folder: Path
    exit_code: int
    report: report_model.FleetReport | None
    problem: str
    seconds: float
    finished: float          # time.time() when it ended
    stopped: bool


class Cycles:
    """The cycles of one watcher: numbered on from the highest folder already under
    `root/cycles`, so a restarted watcher removes none of its predecessor's by mistake."""

    def __init__(self, root: Path, fleet: Path, extra: list[str], keep: int, cwd: Path):
        self.root, self.fleet, self.extra, self.keep, self.cwd = root, fleet, extra, keep, cwd
        self.folder = root / "cycles"
        self.lock = threading.Lock()
        self.process: subprocess.Popen | None = None
        self.stopping = False
        self.number = max((int(p.name) for p in self._folders()), default=0)
        self.first = self.number + 1               # this watcher's first cycle

    def _folders(self) -> list[Path]:
        if not self.folder.is_dir():
            return []
        return sorted((p for p in self.folder.iterdir() if p.is_dir() and FOLDER.fullmatch(p.name)),
                      key=lambda p: int(p.name))

    def command(self, folder: Path) -> list[str]:
        # -P: the folder the watcher runs in is not put first on the cycle's sys.path.
        return [sys.executable, "-P", "-m", "infocheck", "--fleet", str(self.fleet),
                "--report-dir", str(folder), *self.extra]

    def run(self) -> Ended:
        self.number += 1
        folder = self.folder / f"{self.number:06d}"
        folder.mkdir(parents=True, exist_ok=True)
        started, monotonic = time.time(), time.monotonic()
        flags = ({"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP} if WINDOWS
                 else {"start_new_session": True})   # a Ctrl-C at the terminal is the watcher's to pass on
        with open(folder / "output.txt", "wb") as output:
            with self.lock:
                if self.stopping:
                    code, stopped = ExitCode.UNTESTABLE, True
                    process = None
                else:
                    process = self.process = subprocess.Popen(
                        self.command(folder), cwd=self.cwd, stdin=subprocess.DEVNULL, stdout=output,
                        stderr=subprocess.STDOUT, **flags)
            if process is not None:
                try:
                    code = process.wait()
                finally:
                    with self.lock:
                        self.process = None
                        stopped = self.stopping
        seconds = time.monotonic() - monotonic
        report, problem = self._report(folder / "infocheck.json", code)
        if code not in set(ExitCode):   # killed, or a code no gate has: infocheck's failure
            code = ExitCode.INTERNAL
        ended = Ended(self.number, folder, int(code), report, problem, seconds, time.time(), stopped)
        (folder / "cycle.json").write_text(json.dumps({
            "cycle": self.number, "started": _utc(started), "ended": _utc(ended.finished),
            "seconds": round(seconds, 3), "exit_code": ended.exit_code, "stopped": stopped,
            "problem": problem or None}, indent=2) + "\n", encoding="utf-8")
        self.prune()
        return ended

    def _report(self, path: Path, code: int):
        try:
            found = report_model.read(path, REPORT_LIMIT, shown=f"cycle {self.number}/infocheck.json")
        except report_model.ReportError as error:
            if not path.is_file():
                return None, f"the cycle ended with exit {code} and wrote no infocheck.json (see its output.txt)"
            return None, f"the cycle's infocheck.json cannot be read: {error}"
        if not isinstance(found, report_model.FleetReport):
            return None, "the cycle's infocheck.json is not a fleet report"
        return found, ""

    def stop(self) -> None:
        """Stop the cycle under way, if any: the fleet run is told to stop and write its
        reports; one still running after STOP_GRACE is killed with everything it started."""
        with self.lock:
            self.stopping = True
            process = self.process
        if process is None or process.poll() is not None:
            return
        try:
            if WINDOWS:
                import signal
                process.send_signal(signal.CTRL_BREAK_EVENT)
            else:
                process.terminate()
        except OSError:
            return
        threading.Thread(target=self._kill_after, args=(process,), daemon=True).start()

    def kill(self) -> None:
        """The cycle under way and everything it started, ended at once (a second Ctrl-C)."""
        with self.lock:
            self.stopping = True
            process = self.process
        if process is not None:
            _kill_group(process)

    def _kill_after(self, process: subprocess.Popen) -> None:
        try:
            process.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            _kill_group(process)

    def prune(self) -> list[Path]:
        """Every cycle folder but the newest `keep` removed; those removed."""
        removed = self._folders()[:-self.keep]
        for path in removed:
            shutil.rmtree(path, ignore_errors=True)
        return removed


def _kill_group(process: subprocess.Popen) -> None:
    try:
        if WINDOWS:
            process.kill()
        else:
            import signal
            os.killpg(process.pid, signal.SIGKILL)   # its own session: the fleet and its targets
    except OSError:
        pass


def _utc(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))
