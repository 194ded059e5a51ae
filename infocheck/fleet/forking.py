"""The fleet parent's end of the fork server (fleet/zygote.py): where a target's run is a child
forked from one warm interpreter instead of a new `python -P -m pytest` of its own.

`unavailable()` says why not at run time (no os.fork, no descriptors over a Unix socket: Windows),
and the fleet then starts a process per target as it always has. The server is started with an
environment that holds no target's secret; `ForkServer.run` asks it for a child, then writes the
target's arguments and environment (its credential) into a pipe only that child reads, and
returns how the child ended as Popen's returncode says it (a signal's negative)."""
from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
import threading

READY_SECONDS = 120.0
# `-c`: the server's `__main__` is no file, of a clone's or of anyone's.
LAUNCH = "import sys; from infocheck.fleet.zygote import main; sys.exit(main(sys.argv))"   # a cold interpreter's imports, on a loaded machine


class ForkServerError(Exception):
    """The fork server could not start, or is gone: said in one line."""


class NotForked(ForkServerError):
    """The server was gone before it was asked: the target was not started (run it otherwise)."""


def unavailable() -> str:
    """Why targets cannot be forked here ('' if they can)."""
    if not hasattr(os, "fork"):
        return "this platform has no os.fork"
    if not hasattr(socket, "send_fds") or not hasattr(socket, "AF_UNIX"):
        return "this platform cannot hand a descriptor to another process"
    return ""


class Child:
    """A forked target's run as the fleet's stop and watchdog see a process (`poll`, `kill`).
    It is killed by its server, which has not yet waited for it while it may be killed: its pid
    cannot have been given to another process, as it could once the server had reaped it."""

    def __init__(self, pid: int, ask=lambda line: None):
        self.pid = pid
        self.ended = False
        self._ask = ask   # a line to the server, about this child

    def poll(self) -> int | None:
        return 0 if self.ended else None

    def kill(self) -> None:
        if not self.ended:
            self._ask(b"kill\n")


def _send(sock: socket.socket, line: bytes) -> None:
    try:
        sock.sendall(line)
    except OSError:   # the server is gone, or has closed this child's end: it has ended
        pass


class ForkServer:
    def __init__(self, env: dict, cwd, stderr=None):
        self._lock = threading.Lock()
        self.broken = ""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            # -P: as a target's own run, the folder it starts from is not first on sys.path.
            self.process = subprocess.Popen(
                [sys.executable, "-P", "-c", LAUNCH, str(theirs.fileno())],
                cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=stderr if stderr is not None else subprocess.DEVNULL, pass_fds=(theirs.fileno(),))
        except (OSError, ValueError) as error:
            ours.close()
            raise ForkServerError(f"the fork server did not start: {error}") from None
        finally:
            theirs.close()
        self.control = ours
        said = b""
        try:   # its stdout says when it is warm, and ends if it dies first
            ready, _, _ = select.select([self.process.stdout], [], [], READY_SECONDS)
            said = self.process.stdout.readline(64) if ready else b""
        except (OSError, ValueError):
            pass
        if said != b"ready\n":
            self.close()
            raise ForkServerError("the fork server ended before it was ready")

    def run(self, payload: bytes, output_fd: int, channel_fd: int, started=lambda: None,
            forked=lambda child: None) -> int:
        """The child's end, as a returncode. `payload` (fleet/channel.py: run_message, its
        arguments, folder and environment) goes to the child alone; `started` is called once the server holds the child's
        descriptors, so the caller can close its own copies."""
        payload_read, payload_write = os.pipe()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            with self._lock:
                if self.broken:
                    raise NotForked(self.broken)
                try:
                    socket.send_fds(self.control, [b"run"], [theirs.fileno(), payload_read, channel_fd, output_fd])
                except OSError as error:
                    self.broken = f"the fork server is gone ({error.strerror or error})"
                    raise NotForked(self.broken) from None
        finally:
            theirs.close()
            os.close(payload_read)
        started()
        with ours, ours.makefile("rb") as replies:
            first = replies.readline(200).decode("ascii", "replace").split()
            if first[:1] != ["pid"]:
                os.close(payload_write)
                return self._gone(first)
            pid = int(first[1])
            forked(Child(pid, lambda line: _send(ours, line)))   # from here the fleet may kill it
            try:
                with os.fdopen(payload_write, "wb") as pipe:
                    pipe.write(payload)
            except OSError:   # the child ended before it read: how it ended is said next
                pass
            last = replies.readline(200).decode("ascii", "replace").split()
            if last[:1] == ["ended"]:
                return int(last[1])
            self._kill(pid)
            return self._gone(last)

    def _gone(self, said: list[str]) -> int:
        if said[:1] == ["broke"]:
            raise ForkServerError(" ".join(said[1:]))
        with self._lock:
            self.broken = self.broken or "the fork server ended while a target's run was under way"
        raise ForkServerError(self.broken)

    @staticmethod
    def _kill(pid: int) -> None:
        """A child whose server is gone is stopped: nobody is left to say how it ended (it is
        not waited for either, as its server has just failed to say so)."""
        try:
            os.kill(pid, 9)
        except OSError:
            pass

    def close(self) -> None:
        """No more children; the server ends once those running have (they are waited for)."""
        try:
            self.control.close()
        except OSError:
            pass
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except OSError:
                pass
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
