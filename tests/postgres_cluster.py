"""A throwaway PostgreSQL cluster for the history store's self-tests: Debian's postgresql
binaries, initdb in a temporary folder (as the postgres user when the tests run as root: initdb
refuses root), a loopback port, password authentication (scram-sha-256), pg_ctl start and stop.

Without the binaries the tests that need it are skipped with the reason, unless
INFOCHECK_REQUIRE_POSTGRESQL is set (.ci/run sets it): then they fail."""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

USER = "infocheck"
PASSWORD = "pg-Secret/pass+\"w\\<o>&r=d%-4242'"


def binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def unavailable() -> str:
    if binaries() is None:
        return "PostgreSQL's binaries (initdb, pg_ctl) are not installed (Debian: apt-get install postgresql)"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg (the PostgreSQL driver, infocheck[postgresql]) is not installed"
    return ""


def require() -> None:
    """Skip with the reason, or fail where CI requires PostgreSQL."""
    why = unavailable()
    if why:
        if os.environ.get("INFOCHECK_REQUIRE_POSTGRESQL"):
            pytest.fail(f"INFOCHECK_REQUIRE_POSTGRESQL is set but {why}")
        pytest.skip(why)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self):
        self.bin = binaries()
        self.folder = Path(tempfile.mkdtemp(prefix="infocheck-pg-"))
        self.data = self.folder / "data"
        self.port = _free_port()
        self.as_user: list[str] = []
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            self.as_user = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.folder, "postgres", "postgres")
        os.chmod(self.folder, 0o700)
        pwfile = self.folder / "pw"
        pwfile.write_text(PASSWORD + "\n")
        if self.as_user:
            shutil.chown(pwfile, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", USER, "--auth=scram-sha-256",
                  f"--pwfile={pwfile}", "-E", "UTF8", "--no-sync")
        pwfile.unlink()
        self._run("pg_ctl", "-D", str(self.data), "-w", "-t", "60", "-l", str(self.folder / "log"),
                  "-o", f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off",
                  "start")

    def _run(self, program: str, *args: str) -> None:
        result = subprocess.run([*self.as_user, str(self.bin / program), *args], capture_output=True,
                                text=True, timeout=120, cwd=self.folder)
        if result.returncode:
            raise RuntimeError(f"{program} failed: {result.stdout[-2000:]} {result.stderr[-2000:]}")

    def url(self, database: str, password: str = PASSWORD) -> str:
        from urllib.parse import quote
        return f"postgresql://{USER}:{quote(password, safe='')}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        import psycopg
        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(host="127.0.0.1", port=self.port, user=USER, password=PASSWORD,
                             dbname="postgres", autocommit=True, connect_timeout=10) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return name

    def execute(self, database: str, sql: str, params=()) -> list:
        import psycopg
        with psycopg.connect(host="127.0.0.1", port=self.port, user=USER, password=PASSWORD,
                             dbname=database, autocommit=True, connect_timeout=10) as conn:
            cursor = conn.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
