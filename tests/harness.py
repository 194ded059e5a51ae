"""Runs the conformance suite in a subprocess against a loopback server and reads the outcome."""
from __future__ import annotations

import gc
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from infocheck.configuration.config import build_config
from infocheck.configuration.credentials import KeyCredential
from infocheck.wire.exchange import Credential, Request
from infocheck.wire.probe import Probe
from infocheck.wire.secret import Scrubber, Secret
from infocheck.contracts.info.server import InfoHandler, ReferenceServer, Settings

ROOT = Path(__file__).resolve().parent.parent
# Letters outside a-f: the faults that accept hex tokens must not accept this key.
# Characters that JSON, URLs and HTML escape, so that every escaped form of it differs from it.
KEY = 'infocheck-Selftest/KEY+"qr\\st<u>&v=w%x-0192\''

# The positive request as the suite sends it by default (the self-test key as Bearer).
POSITIVE = Request(query=(("api-version", "2024-04-01-preview"),),
                   headers=(("Authorization", Credential("Bearer ")),))


def probe_for(url: str, sleep=lambda seconds: None, **env) -> Probe:
    """A Probe for the endpoint at `url` with the self-test key, configured as the INFOCHECK_*
    variables in `env` say; waits on throttling are recorded by `sleep`, not slept."""
    settings = build_config({}, {"INFOCHECK_ENDPOINT": url, "INFOCHECK_API_KEY": KEY, **env})
    return Probe(settings, settings.target_url(), KeyCredential(settings.api_key),
                 Scrubber([settings.api_key]), sleep=sleep)


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
        """The outputs that carry the secret in any form the scrubber knows (near-misses, case
        changes, JSON/URL/HTML escapes, hex, base64 at any offset)."""
        finder = Scrubber([Secret(secret)])
        return [name for name, text in self.outputs.items() if finder.contains_secret(text)]


def clean_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INFOCHECK_", "PYTEST_", "HYPOTHESIS"))}
    # Sequential unless a test asks for shards: against loopback servers that answer at once,
    # shards only add forks. tests/test_concurrency.py runs suites sharded, as users do.
    env["INFOCHECK_CONCURRENCY"] = "1"
    env.update({k: v for k, v in extra.items() if v is not None})
    return env


# The suite runs in a forked copy of this process, which has pytest and every dependency
# imported already: the same pytest.main a `python -m pytest` runs, without a second of
# start-up each time. INFOCHECK_SELFTEST_SUBPROCESS=1 runs each in a new interpreter instead.
SUBPROCESS = os.environ.get("INFOCHECK_SELFTEST_SUBPROCESS") == "1" or not hasattr(os, "fork")


def forked_pytest(args: list[str], environ: dict, scratch: Path, timeout: float):
    """pytest.main(args) in a child process with its own environment, folder and output files;
    (exit code, stdout, stderr). A child that outlives `timeout` is killed."""
    scratch.mkdir(parents=True, exist_ok=True)
    out_path, err_path = scratch / "pytest.stdout", scratch / "pytest.stderr"
    # The child's garbage collector need not walk the parent's whole heap (pytest collects at
    # the end of every session), nor touch and so copy every page of it.
    gc.freeze()
    pid = os.fork()
    if pid:
        gc.unfreeze()
    if pid == 0:  # the child: never returns
        code = 70
        try:
            for fd, path in ((1, out_path), (2, err_path)):
                os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), fd)
            sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), "utf-8", line_buffering=True)
            sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), "utf-8", line_buffering=True)
            os.environ.clear()
            os.environ.update(environ)
            os.chdir(ROOT)
            # The self-tests' assertion rewriter would re-compile every module the suite
            # imports; the suite itself runs with --assert=plain.
            sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "AssertionRewritingHook"]
            import pytest
            code = int(pytest.main(list(args)))
        except BaseException:
            import traceback
            traceback.print_exc()
        finally:
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except Exception:
                    pass
            os._exit(code)
    ends = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > ends:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise subprocess.TimeoutExpired(["pytest", *args], timeout)
        time.sleep(0.01)
    read = lambda path: path.read_text(encoding="utf-8", errors="replace")  # noqa: E731
    return os.waitstatus_to_exitcode(status), read(out_path), read(err_path)


# command.ini's addopts without the HTML report's own option (for html=False).
ADDOPTS_WITHOUT_HTML = next(line.split("=", 1)[1] for line in
                            (ROOT / "infocheck" / "command.ini").read_text().splitlines()
                            if line.startswith("addopts")).replace("--self-contained-html", "").strip()


# How long a self-test lets a run (a suite, a command, a build) go before it calls it hung: a
# bound against a hang, generous for a loaded machine (15 minutes for the whole self-test on
# two busy cores), never a measure of speed; speed is bench/run.py's.
HANG = 300.0


def run_suite(tmp_path: Path, *args: str, endpoint: str | None = None, key: str | None = KEY,
              env: dict | None = None, timeout: float = HANG, fresh: bool = False,
              html: bool = True, embedded: bool | None = None) -> Run:
    """The conformance suite against `endpoint`, as a user runs it; `fresh` starts a new
    interpreter, for tests whose claim includes its start-up time. `html=False` leaves out the
    HTML report (rendering it is most of a run's time) where a test reads only the verdicts.
    With no endpoint, fleet or --embedded named (options or env), the embedded reference server
    is asked for explicitly, as `python3 run.py suite` does; `embedded=False` runs it bare."""
    reports = tmp_path / "reports"
    command = [sys.executable, "-m", "pytest", "-p", "no:randomly",
               *([f"--html={reports / 'infocheck.html'}"] if html else
                 ["-p", "no:html", "-o", f"addopts={ADDOPTS_WITHOUT_HTML}"]),
               f"--junitxml={reports / 'junit.xml'}",
               f"--report-json={reports / 'infocheck.json'}", *args]
    if endpoint:
        command += ["--endpoint", endpoint]
    environment = clean_env(INFOCHECK_API_KEY=key, **(env or {}))
    if embedded or (embedded is None and not endpoint and not named_target(args, environment)):
        command.append("--embedded")
    started = time.monotonic()
    if SUBPROCESS or fresh:
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                                env=environment)
        code, stdout, stderr = result.returncode, result.stdout, result.stderr
    else:
        code, stdout, stderr = forked_pytest(command[3:], environment, tmp_path, timeout)
    run = Run(code, stdout, stderr, time.monotonic() - started)
    run.outputs = {"stdout": stdout, "stderr": stderr}
    for name in ("infocheck.html", "junit.xml", "infocheck.json"):
        path = reports / name
        if path.exists():
            run.outputs[name] = path.read_text(encoding="utf-8", errors="replace")
    if "infocheck.json" in run.outputs:   # verdicts are data: read them, never parse messages
        run.report = json.loads(run.outputs["infocheck.json"])
        for r in run.report.get("requirements", []):   # a fleet report has targets instead
            if r["verdict"] == "failed":
                run.must_failed.add(r["id"])
            elif r["verdict"] == "finding":
                run.findings.add(r["id"])
    return run


def conformant_report(tmp_path: Path) -> dict:
    """A real report of a conformant served endpoint (its quick tests, no page): a genuine
    result for a test to read, judge again or tamper with."""
    with serve() as good:
        run = run_suite(tmp_path, "-m", "not slow", endpoint=good.url, html=False)
    assert run.code == 0 and run.report["exit_code"] == 0, run.stdout[-2000:]
    return run.report


def named_target(args, environ: dict) -> bool:
    """Whether a run's options or environment name what it checks: an endpoint, a fleet, or
    the embedded server itself."""
    options = {str(arg).split("=", 1)[0] for arg in args}
    return bool(options & {"--endpoint", "--fleet", "--embedded"}) or any(
        name in environ for name in ("INFOCHECK_ENDPOINT", "INFOCHECK_FLEET", "INFOCHECK_EMBEDDED"))


def checkout(destination: Path) -> Path:
    """A copy of the repository as a clone has it: no environments, builds or reports, and no
    file .gitignore hides (a package once went missing from every clone that way)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True) if (ROOT / ".git").exists() else None
    if listed is not None and listed.returncode == 0:
        for name in filter(None, listed.stdout.decode().split("\0")):
            source = ROOT / name
            if source.is_file():   # a deleted file not yet committed is still listed
                (destination / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, destination / name)
        return destination
    anywhere = shutil.ignore_patterns(".git", ".venv*", "*.egg-info", "__pycache__", ".hypothesis")

    def ignored(folder: str, names: list[str]) -> set[str]:
        # build/ and reports/ only at the top: infocheck/reports/ is the reporters' package.
        top = {"build", "reports"} if Path(folder) == ROOT else set()
        return set(anywhere(folder, names)) | (top & set(names))

    shutil.copytree(ROOT, destination, ignore=ignored)
    return destination


def linked_venv(destination: Path) -> Path:
    """A new virtual environment without pip whose dependencies are this one's (a path in a
    .pth file), so nothing is downloaded; its bin folder."""
    made = subprocess.run([sys.executable, "-m", "venv", "--without-pip", destination],
                          capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    site = next((destination / "lib").glob("python3*/site-packages"))
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return destination / "bin"


def serve(handler: type[InfoHandler] = InfoHandler, key: str = KEY) -> ReferenceServer:
    return ReferenceServer(Settings(api_key=key), handler).start()


class RawServer:
    """A TCP server on loopback that answers every connection with `answer(conn, stop)`: for
    servers that break HTTP on purpose. Bounded: it stops accepting, and its handlers are told
    to stop, when the block ends."""

    def __init__(self, answer):
        self.answer = answer
        self.stop = threading.Event()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _loop(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        try:
            conn.settimeout(5)
            self.answer(conn, self.stop)
        except OSError:
            pass
        finally:
            conn.close()

    def __enter__(self) -> "RawServer":
        threading.Thread(target=self._loop, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.sock.close()


def read_request(conn) -> bytes:
    """The request head (what a server reads before answering)."""
    data = b""
    while b"\r\n\r\n" not in data and len(data) < 65536:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def drip(data: bytes, every: float):
    """An answer that sends `data` one byte every `every` seconds, until told to stop."""
    def answer(conn, stop):
        read_request(conn)
        for byte in data:
            if stop.wait(every):
                return
            conn.sendall(bytes([byte]))
    return answer
