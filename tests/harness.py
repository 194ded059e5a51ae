"""Runs the conformance suite in a subprocess against a loopback server and reads the outcome."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from infocheck.secret import secret_forms
from infocheck.server import InfoHandler, ReferenceServer, Settings

ROOT = Path(__file__).resolve().parent.parent
# Letters outside a-f: the faults that accept hex tokens must not accept this key.
KEY = "infocheck-Selftest-KEY-qrstuvwxyz-0192"
TAG = re.compile(r"\[(MUST|SHOULD) ([A-Z0-9-]+)\]")


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    seconds: float
    must_failed: set = field(default_factory=set)
    findings: set = field(default_factory=set)
    outputs: dict = field(default_factory=dict)
    report: dict | None = None

    def leaks(self, secret: str = KEY) -> list[str]:
        forms = secret_forms(secret)
        return [name for name, text in self.outputs.items() if any(f in text for f in forms)]


def clean_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INFOCHECK_", "PYTEST_", "HYPOTHESIS"))}
    env.update({k: v for k, v in extra.items() if v is not None})
    return env


def run_suite(tmp_path: Path, *args: str, endpoint: str | None = None, key: str | None = KEY,
              env: dict | None = None, timeout: float = 120) -> Run:
    reports = tmp_path / "reports"
    command = [sys.executable, "-m", "pytest", "-p", "no:randomly",
               f"--html={reports / 'infocheck.html'}", f"--junitxml={reports / 'junit.xml'}",
               f"--infocheck-json={reports / 'infocheck.json'}", *args]
    if endpoint:
        command += ["--endpoint", endpoint]
    started = time.monotonic()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                            env=clean_env(INFOCHECK_API_KEY=key, **(env or {})))
    run = Run(result.returncode, result.stdout, result.stderr, time.monotonic() - started)
    run.outputs = {"stdout": result.stdout, "stderr": result.stderr}
    for name in ("infocheck.html", "junit.xml", "infocheck.json"):
        path = reports / name
        if path.exists():
            run.outputs[name] = path.read_text(encoding="utf-8", errors="replace")
    if "infocheck.json" in run.outputs:
        run.report = json.loads(run.outputs["infocheck.json"])
    if "junit.xml" in run.outputs:
        for case in ET.fromstring(run.outputs["junit.xml"]).iter("testcase"):
            for element in list(case):
                text = (element.get("message") or "") + (element.text or "")
                if element.tag in ("failure", "error"):
                    run.must_failed |= {m[1] for m in TAG.findall(text)}
                elif element.tag == "skipped" and "SHOULD finding" in text:
                    run.findings |= {m[1] for m in TAG.findall(text) if m[0] == "SHOULD"}
    return run


def serve(handler: type[InfoHandler] = InfoHandler, key: str = KEY) -> ReferenceServer:
    return ReferenceServer(Settings(api_key=key), handler).start()
