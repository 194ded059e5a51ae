"""A fleet run: every target checked by its own single run, side by side, then one report.

Each target runs in a process of its own (the same pytest command, with the target's settings
as environment variables), so it has its own request cap, Retry-After waits, circuit breaker
and credential, and one that hangs, refuses or throttles holds up only its own slot. The
README's 'A fleet in one run' says why processes and not threads or xdist workers."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from infocheck.configuration.knobs import FLEET_TARGET_FIELDS, KNOBS
from infocheck.fleet import file as fleet
from infocheck.fleet import model, render
from infocheck.reports.junit import combined as junit
from infocheck.wire.printable import printable
from infocheck.wire.secret import Scrubber, Secret

# The fleet run's own options, and the report paths each target's run gets in their place.
DROPPED_OPTIONS = ("--fleet", "--fleet-slice", "--fleet-jobs", "--fleet-env-prefix", "--html",
                   "--junitxml", "--junit-xml", "--infocheck-json")
RESULT_LIMIT = 64 * 1024 * 1024
CHILD_ENV_DROPPED = {k.env for k in KNOBS if k.field in FLEET_TARGET_FIELDS + (
    "fleet", "fleet_slice", "fleet_jobs", "fleet_env_prefixes")}


def child_arguments(args) -> list[str]:
    """The invocation's arguments without the fleet's options and report paths."""
    kept, skip = [], False
    for arg in args:
        if skip:
            skip = False
            continue
        name = arg.split("=", 1)[0]
        if name in DROPPED_OPTIONS:
            skip = "=" not in arg
            continue
        kept.append(arg)
    return kept


class FleetRun:
    def __init__(self, settings, args, cwd: Path, paths: dict[str, Path | None], write):
        self.settings, self.args, self.cwd, self.paths, self.write = settings, args, cwd, paths, write
        self.folder = (paths["json"] or paths["html"] or cwd / "reports" / "x").parent / "targets"
        self.lock = threading.Lock()

    def run(self) -> int:
        targets = fleet.select(fleet.read(self.settings.fleet, dict(os.environ), self.settings.fleet_env_prefixes),
                               self.settings.fleet_slice)
        self.scrubber = Scrubber([Secret(s) for t in targets for s in t.secrets])
        shown = f"{self.settings.fleet_slice[0]}/{self.settings.fleet_slice[1]}" if self.settings.fleet_slice else None
        self.write(f"infocheck fleet: {len(targets)} target(s){f' (slice {shown})' if shown else ''}, "
                   f"{min(self.settings.fleet_jobs, max(1, len(targets)))} at a time")
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=self.settings.fleet_jobs) as pool:
            entries = list(pool.map(self.check, targets))
        doc = model.document(entries, shown)
        self.write_reports(doc, targets)
        for line in render.summary_lines(doc):
            self.write(self.scrubber.text(line))
        self.write(f"fleet wall time: {time.monotonic() - started:.1f} s")
        return doc["exit_code"]

    def check(self, target: fleet.Target) -> dict:
        folder = self.folder / target.name
        folder.mkdir(parents=True, exist_ok=True)
        result_path = folder / "infocheck.json"
        result_path.unlink(missing_ok=True)
        env = {k: v for k, v in os.environ.items() if k not in CHILD_ENV_DROPPED}
        env.update(target.environ)
        command = [sys.executable, "-m", "pytest", *child_arguments(self.args),
                   f"--infocheck-json={result_path}", f"--html={folder / 'infocheck.html'}",
                   f"--junitxml={folder / 'junit.xml'}"]
        started = time.monotonic()
        with open(folder / "output.txt", "wb") as output:
            code = subprocess.run(command, cwd=self.cwd, env=env, stdin=subprocess.DEVNULL,
                                  stdout=output, stderr=subprocess.STDOUT).returncode
        self._scrub_file(folder / "output.txt")
        result, problem = self._result(result_path, code)
        detail = os.path.relpath(folder / "infocheck.html", self._report_folder())
        entry = model.target_entry(target.name, result, problem, detail.replace(os.sep, "/"))
        if result is not None and result["exit_code"] != code:
            entry["exit_code"] = code   # e.g. the run was stopped before it judged itself
        with self.lock:
            self.write(f"  {target.name}: {entry['verdict']} (exit {entry['exit_code']}) "
                       f"in {time.monotonic() - started:.1f} s")
        return entry

    def _result(self, path: Path, code: int):
        """The target's result document, or why there is none (its terminal output is kept in
        output.txt beside it; nothing is read back out of it)."""
        try:
            with open(path, "rb") as file:
                raw = file.read(RESULT_LIMIT)
            return json.loads(raw), ""
        except (OSError, ValueError):
            return None, (f"the run ended with exit {code} and left no result; its terminal output "
                          f"is in {path.parent.name}/output.txt")

    def _scrub_file(self, path: Path) -> None:
        text = path.read_text(encoding="utf-8", errors="replace")
        path.write_text(self.scrubber.text(text), encoding="utf-8")

    def _report_folder(self) -> Path:
        return (self.paths["html"] or self.paths["json"] or self.folder).parent

    def write_reports(self, doc: dict, targets) -> None:
        if self.paths["json"]:
            self._save(self.paths["json"], json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        if self.paths["html"]:
            self._save(self.paths["html"], render.html(doc))
        if self.paths["junit"]:
            self._save(self.paths["junit"], junit([(t.name, self.folder / t.name / "junit.xml")
                                                   for t in targets]))

    def _save(self, path: Path, text: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.scrubber.text(text), encoding="utf-8")
