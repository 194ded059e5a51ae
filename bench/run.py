#!/usr/bin/env python3
"""Benchmark: what a gate run costs. Runs the default suite against the reference server and
prints requests sent and wall seconds; then times how fast a hanging endpoint is reported.

    .venv/bin/python bench/run.py        (after python3 run.py suite has set up .venv/)
"""
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_REQUESTS, TARGET_SECONDS, TIMEOUT = 200, 15.0, 2.0


def suite(*args, env=None):
    with tempfile.TemporaryDirectory() as reports:
        started = time.monotonic()
        result = subprocess.run([sys.executable, "-m", "pytest", "-q", f"--html={reports}/r.html",
                                 f"--junitxml={reports}/j.xml", *args], cwd=ROOT,
                                capture_output=True, text=True, env=env)
        return result, time.monotonic() - started


def main() -> int:
    result, seconds = suite()
    sent = int(re.search(r"requests sent: (\d+)", result.stdout)[1])
    print(f"default suite vs reference server: exit {result.returncode}, {sent} requests, "
          f"{seconds:.1f} s wall (targets: <= {TARGET_REQUESTS} requests, < {TARGET_SECONDS:g} s)")

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(4)
    held = []
    threading.Thread(target=lambda: held.append(sock.accept()), daemon=True).start()
    result, seconds = suite("--endpoint", f"http://127.0.0.1:{sock.getsockname()[1]}",
                            "--request-timeout", str(TIMEOUT))
    sock.close()
    print(f"hanging endpoint: exit {result.returncode} after {seconds:.1f} s wall "
          f"(timeout {TIMEOUT:g} s; target: within timeout + 5 s)")
    ok = sent <= TARGET_REQUESTS and result.returncode == 2 and seconds < TIMEOUT + 5
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
