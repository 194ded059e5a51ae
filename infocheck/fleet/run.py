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
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from infocheck.fleet import file as fleet
from infocheck.fleet import model as fleet_report
from infocheck.configuration.config import FLEET_TARGET_FIELDS, KNOBS, Config
from infocheck.wire.printable import printable
from infocheck.wire.secret import Scrubber, Secret

# The fleet run's own options, and the report paths each target's run gets in their place.
DROPPED_OPTIONS = ("--fleet", "--fleet-slice", "--fleet-jobs", "--html", "--junitxml", "--junit-xml",
                   "--infocheck-json")
RESULT_LIMIT = 64 * 1024 * 1024
CHILD_ENV_DROPPED = {k.env for k in KNOBS if k.field in FLEET_TARGET_FIELDS + ("fleet", "fleet_slice", "fleet_jobs")}


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
    def __init__(self, settings: Config, args, cwd: Path, paths: dict[str, Path | None], write):
        self.settings, self.args, self.cwd, self.paths, self.write = settings, args, cwd, paths, write
        self.folder = (paths["json"] or paths["html"] or cwd / "reports" / "x").parent / "targets"
        self.lock = threading.Lock()

    def run(self) -> int:
        targets = fleet.select(fleet.read(self.settings.fleet, dict(os.environ)), self.settings.fleet_slice)
        self.scrubber = Scrubber([Secret(s) for t in targets for s in t.secrets])
        shown = f"{self.settings.fleet_slice[0]}/{self.settings.fleet_slice[1]}" if self.settings.fleet_slice else None
        self.write(f"infocheck fleet: {len(targets)} target(s){f' (slice {shown})' if shown else ''}, "
                   f"{min(self.settings.fleet_jobs, max(1, len(targets)))} at a time")
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=self.settings.fleet_jobs) as pool:
            entries = list(pool.map(self.check, targets))
        doc = fleet_report.document(entries, shown)
        self.write_reports(doc, targets)
        for line in fleet_report.summary_lines(doc):
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
        entry = fleet_report.target_entry(target.name, result, problem, detail.replace(os.sep, "/"))
        if result is not None and result["exit_code"] != code:
            entry["exit_code"] = code   # e.g. the run was stopped before it judged itself
        with self.lock:
            self.write(f"  {target.name}: {entry['verdict']} (exit {entry['exit_code']}) "
                       f"in {time.monotonic() - started:.1f} s")
        return entry

    def _result(self, path: Path, code: int):
        try:
            with open(path, "rb") as file:
                raw = file.read(RESULT_LIMIT)
            return json.loads(raw), ""
        except (OSError, ValueError):
            output = path.parent / "output.txt"
            last = (output.read_text(errors="replace").strip().splitlines() or ["no output"])[-1]
            return None, printable(f"the run ended with exit {code} and no result: {last}", 500)

    def _scrub_file(self, path: Path) -> None:
        text = path.read_text(encoding="utf-8", errors="replace")
        path.write_text(self.scrubber.text(text), encoding="utf-8")

    def _report_folder(self) -> Path:
        return (self.paths["html"] or self.paths["json"] or self.folder).parent

    def write_reports(self, doc: dict, targets) -> None:
        if self.paths["json"]:
            self._save(self.paths["json"], json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        if self.paths["html"]:
            self._save(self.paths["html"], fleet_report.html(doc))
        if self.paths["junit"]:
            self._save(self.paths["junit"], junit([(t.name, self.folder / t.name / "junit.xml")
                                                   for t in targets]))

    def _save(self, path: Path, text: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.scrubber.text(text), encoding="utf-8")


def junit(parts: list[tuple[str, Path]]) -> str:
    """One JUnit file from the targets' own: every testcase's class name starts with its
    target, and carries it as a property, so a CI test tab groups by target."""
    suites = ET.Element("testsuites", name="infocheck fleet")
    for name, path in parts:
        try:
            root = ET.parse(path).getroot()
        except (OSError, ET.ParseError):
            suite = ET.SubElement(suites, "testsuite", name=name, tests="1", errors="1")
            case = ET.SubElement(suite, "testcase", classname=name, name="run")
            ET.SubElement(case, "error", message="the target's run left no JUnit report")
            continue
        for suite in root.iter("testsuite"):
            suite.set("name", name)
            for case in suite.iter("testcase"):
                case.set("classname", f"{name}.{case.get('classname', '')}")
                properties = case.find("properties")
                if properties is None:
                    properties = ET.Element("properties")
                    case.insert(0, properties)
                ET.SubElement(properties, "property", name="target", value=name)
            suites.append(suite)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True)
