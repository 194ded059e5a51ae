"""A generic fork runner for a pytest session: its collected tests run by N forked copies of
this process, which take them from one queue (property tests first, so the shards finish
together), and report every test back as pytest-xdist's workers do; this process replays those
reports in the session's order, so the terminal, JUnit and HTML read as a sequential run's. It
knows nothing of infocheck: what each child prepares first, and which attributes of a report
are tuples, are its caller's (plugin/shards.py, --concurrency). POSIX only (os.fork, fcntl),
imported where used; `unavailable` says why not elsewhere."""
from __future__ import annotations

import gc
import json
import mmap
import os
import select
import struct
import traceback
from pathlib import Path


def lock(file) -> None:
    """An exclusive lock on an open file, released when it is closed. Shards exist only where
    os.fork does, and fcntl with it (POSIX): imported here, never at the top, so that nothing
    the plugin imports breaks where they do not exist."""
    import fcntl
    fcntl.flock(file, fcntl.LOCK_EX)


class Queue:
    """The session's tests, handed out one at a time to whichever shard asks first: a counter
    in shared memory, under a file lock. The heaviest tests (the property tests, several
    requests each) go first, so the shards finish together."""

    def __init__(self, items, folder: str):
        self.items = sorted(items, key=lambda item: not _is_property_test(item))
        self._lock_path = Path(folder) / "queue.lock"
        self._next = mmap.mmap(-1, 8)

    def take(self):
        with open(self._lock_path, "w") as held:
            lock(held)
            index = struct.unpack("q", self._next[:8])[0]
            self._next[:8] = struct.pack("q", index + 1)
        return self.items[index] if index < len(self.items) else None


class _Following:
    """The next item this shard runs, as pytest's teardown asks for it (to keep the fixtures
    it shares with the test just run): taken from the queue only then, after the test, so a
    shard busy with a long test holds no other test back."""

    _unset = object()

    def __init__(self, queue: Queue):
        self._queue, self._item = queue, self._unset

    @property
    def item(self):
        if self._item is self._unset:
            self._item = self._queue.take()
        return self._item

    def __bool__(self) -> bool:
        return self.item is not None

    def listchain(self):
        return self.item.listchain()


def _is_property_test(item) -> bool:
    return getattr(getattr(item, "obj", None), "is_hypothesis_test", False)


def run(session, shards: int, folder: str, prepare, tuple_fields=()) -> list[str]:
    """Run the session's tests in `shards` forked children, and replay their reports here in
    the session's order (so the terminal, JUnit and HTML read as a sequential run's).
    `prepare` runs first in each child (a probe of its own); `tuple_fields` are the report's
    own attributes that are tuples (JSON gives lists). What went wrong, if anything."""
    queue = Queue(session.items, folder)
    children = {}
    # The children's garbage collector need not walk (and so copy) this process's whole heap.
    gc.freeze()
    for index in range(min(shards, len(session.items))):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # never returns
            os.close(read_end)
            _child(session, queue, write_end, prepare, index)
        os.close(write_end)
        children[read_end] = _Shard(pid, index)
    gc.unfreeze()
    replay = _InOrder(session.config, [item.nodeid for item in session.items], tuple_fields)
    problems = []
    try:
        while children:
            ready, _, _ = select.select(list(children), [], [])
            for fd in ready:
                shard = children[fd]
                chunk = os.read(fd, 1 << 16)
                lines = (shard.pending + chunk).split(b"\n")
                shard.pending = lines.pop()
                for line in lines:
                    event = json.loads(line)
                    if event["event"] == "done":
                        shard.done = True
                    elif event["event"] == "crashed":
                        problems.append(f"shard {shard.index + 1} broke: {event['error']}")
                    else:
                        replay.add(event)
                if not chunk:
                    os.close(fd)
                    del children[fd]
                    status = os.waitstatus_to_exitcode(os.waitpid(shard.pid, 0)[1])
                    if not shard.done:
                        problems.append(f"shard {shard.index + 1} ended before its last test "
                                        f"(exit {status})")
    finally:
        for fd, shard in children.items():   # interrupted: stop the others
            os.close(fd)
            _kill(shard.pid)
    replay.rest()
    return problems


class _Shard:
    def __init__(self, pid: int, index: int):
        self.pid, self.index, self.pending, self.done = pid, index, b"", False


class _InOrder:
    """Holds each test's events until every test before it in the session has been replayed."""

    def __init__(self, config, order: list[str], tuple_fields=()):
        self.config, self.order, self.next = config, order, 0
        self.tuple_fields = tuple(tuple_fields)
        self.events: dict[str, list] = {}
        self.finished: set[str] = set()

    def add(self, event: dict) -> None:
        self.events.setdefault(event["nodeid"], []).append(event)
        if event["event"] == "logfinish":
            self.finished.add(event["nodeid"])
        while self.next < len(self.order) and self.order[self.next] in self.finished:
            self._replay(self.order[self.next])
            self.next += 1

    def rest(self) -> None:
        """What a broken shard left half-told, in order."""
        for nodeid in self.order[self.next:]:
            self._replay(nodeid)

    def _replay(self, nodeid: str) -> None:
        hook = self.config.hook
        for event in self.events.pop(nodeid, []):
            kind = event["event"]
            if kind == "logstart":
                hook.pytest_runtest_logstart(nodeid=nodeid, location=tuple(event["location"]))
            elif kind == "logfinish":
                hook.pytest_runtest_logfinish(nodeid=nodeid, location=tuple(event["location"]))
            else:
                hook.pytest_runtest_logreport(report=_report(self.config, event["report"], self.tuple_fields))


def _report(config, data: dict, tuple_fields=()):
    report = config.hook.pytest_report_from_serializable(config=config, data=data)
    # JSON has no tuples; pytest's own reporters (and the caller's, for its own attributes)
    # expect them where pytest-xdist's transport (which keeps them) delivers them.
    for name in ("longrepr", "location", *tuple_fields):
        if isinstance(getattr(report, name, None), list):
            setattr(report, name, tuple(getattr(report, name)))
    return report


def _kill(pid: int) -> None:
    try:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    except OSError:
        pass


class _Relay:
    """In a shard: every test's start, report and end, sent to the parent as JSON lines."""

    def __init__(self, config, out):
        self.config, self.out = config, out

    def send(self, **event) -> None:
        self.out.write(json.dumps(event).encode() + b"\n")
        self.out.flush()

    def pytest_runtest_logstart(self, nodeid, location):
        self.send(event="logstart", nodeid=nodeid, location=list(location))

    def pytest_runtest_logreport(self, report):
        data = self.config.hook.pytest_report_to_serializable(config=self.config, report=report)
        self.send(event="logreport", nodeid=report.nodeid, report=data)

    def pytest_runtest_logfinish(self, nodeid, location):
        self.send(event="logfinish", nodeid=nodeid, location=list(location))


def _child(session, queue: Queue, write_end: int, prepare, index: int) -> None:
    code = 0
    out = os.fdopen(write_end, "wb")
    relay = _Relay(session.config, out)
    try:
        # This process's own terminal, JUnit and HTML writers see the tests too; the parent
        # writes what they show. Nothing of the child reaches the terminal.
        quiet = os.open(os.devnull, os.O_WRONLY)
        os.dup2(quiet, 1)
        os.dup2(quiet, 2)
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:   # it writes through a copy of the terminal it keeps
            session.config.pluginmanager.unregister(reporter)
        prepare(index)
        session.config.pluginmanager.register(relay, "infocheck-shard-relay")
        item = queue.take()
        while item is not None:
            following = _Following(queue)
            item.config.hook.pytest_runtest_protocol(item=item, nextitem=following)
            if session.shouldstop or session.shouldfail:
                break
            item = following.item
        relay.send(event="done")
    except BaseException as error:   # noqa: BLE001 - reported to the parent, which judges it
        code = 70
        detail = "".join(traceback.format_exception(error))
        try:
            relay.send(event="crashed", error=detail[-3000:])
        except Exception:
            pass
    finally:
        try:
            out.flush()
        except Exception:
            pass
        os._exit(code)


def unavailable(config) -> str:
    """Why the tests cannot run in shards here ('' if they can): they need os.fork and fcntl
    (POSIX; not Windows), and must not run inside pytest-xdist, which shares the tests out
    itself."""
    if hasattr(config, "workerinput") or config.pluginmanager.has_plugin("dsession"):
        return "pytest-xdist shares the tests out itself"
    if not hasattr(os, "fork"):
        return "this platform has no os.fork, so the tests run one after another"
    try:
        import fcntl  # noqa: F401
    except ImportError:
        return "this platform has no fcntl, so the tests run one after another"
    return ""
