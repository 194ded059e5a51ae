"""`RunState`: what all the probes of one run share (the request cap, the breaker, a 429's
pause), in memory that --concurrency's forked shards share too."""
from __future__ import annotations

import mmap
import os
import struct
import tempfile
from contextlib import contextmanager


class RunState:
    """What all the probes of one run share: the requests sent against the cap, the
    unanswered requests in a row (the breaker), and until when (time.monotonic()) the target
    asked everyone to wait. It lives in memory mapped before --concurrency's shards fork, so
    the cap, the breaker and a 429's pause hold for the run, as in a single process.

    Shards exist only where os.fork does (POSIX), so only there is a lock across processes
    needed: `shared()` makes it one, before the fork. Until then, and where there is no fork,
    one process holds the state and a lock would guard nothing."""

    _LAYOUT = struct.Struct("qqd")   # sent, unanswered in a row, pause until

    def __init__(self):
        self._cell = mmap.mmap(-1, self._LAYOUT.size)
        self._lock = None            # a file descriptor, once shared() is called

    def shared(self) -> "RunState":
        """Ready to be shared with forked processes: the updates are locked across them (an
        fcntl lock on an anonymous file; POSIX only, as fork is)."""
        if self._lock is None:
            import fcntl   # noqa: F401 - POSIX only: fail here, not where the lock is taken
            fd, path = tempfile.mkstemp(prefix="infocheck-state-")
            os.unlink(path)
            self._lock = fd
        return self

    def close(self) -> None:
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None
        if not self._cell.closed:
            self._cell.close()

    @property
    def closed(self) -> bool:
        return self._cell.closed

    @contextmanager
    def _held(self):
        if self._lock is None:   # one process: nothing to lock against
            yield
            return
        import fcntl
        fcntl.lockf(self._lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.lockf(self._lock, fcntl.LOCK_UN)

    def _read(self):
        return self._LAYOUT.unpack(self._cell[:self._LAYOUT.size])

    def _write(self, *values) -> None:
        self._cell[:self._LAYOUT.size] = self._LAYOUT.pack(*values)

    def take_request(self, cap: int) -> bool:
        """Count one more request, unless the cap is reached."""
        with self._held():
            sent, unanswered, until = self._read()
            if sent >= cap:
                return False
            self._write(sent + 1, unanswered, until)
            return True

    @property
    def sent(self) -> int:
        return self._read()[0]

    @property
    def unanswered(self) -> int:
        return self._read()[1]

    def answered(self, yes: bool) -> None:
        with self._held():
            sent, unanswered, until = self._read()
            self._write(sent, 0 if yes else unanswered + 1, until)

    @property
    def pause_until(self) -> float:
        return self._read()[2]

    def pause(self, until: float) -> float:
        """Everyone waits until then (or later, if already asked to); the time agreed."""
        with self._held():
            sent, unanswered, before = self._read()
            until = max(before, until)
            self._write(sent, unanswered, until)
            return until
