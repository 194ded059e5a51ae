#!/usr/bin/env python3
"""Benchmark: what a gate run costs. Runs the default suite against the reference server and
prints requests sent and wall seconds; then times how fast a hanging endpoint, and a tarpit
that drips its answer a byte a second, are reported.

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

    ok = sent <= TARGET_REQUESTS and result.returncode == 0
    for name, behaviour in (("hanging endpoint", hang), ("tarpit (status line one byte a second)", drip)):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(4)
        stop = threading.Event()
        threading.Thread(target=serve, args=(sock, behaviour, stop), daemon=True).start()
        result, seconds = suite("--endpoint", f"http://127.0.0.1:{sock.getsockname()[1]}",
                                "--request-timeout", str(TIMEOUT))
        stop.set()
        sock.close()
        print(f"{name}: exit {result.returncode} after {seconds:.1f} s wall "
              f"(timeout {TIMEOUT:g} s; target: within timeout + 5 s)")
        ok = ok and result.returncode == 2 and seconds < TIMEOUT + 5
    return 0 if ok else 1


def serve(sock, behaviour, stop):
    """Accept connections until stopped; each is handled by `behaviour` (bounded by `stop`)."""
    sock.settimeout(0.2)
    while not stop.is_set():
        try:
            conn, _ = sock.accept()
        except OSError:
            continue
        threading.Thread(target=behaviour, args=(conn, stop), daemon=True).start()


def hang(conn, stop):
    stop.wait(60)
    conn.close()


def drip(conn, stop):
    conn.recv(65536)
    for byte in b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{}":
        if stop.wait(1.0):
            break
        conn.sendall(bytes([byte]))
    conn.close()


if __name__ == "__main__":
    sys.exit(main())
