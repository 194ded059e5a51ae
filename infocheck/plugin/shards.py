"""--concurrency N: the session's tests in N shards, each run by a forked copy of this process,
so that N requests are in flight at once against an endpoint that takes its time to answer.

Why forked shards and not threads: pytest runs one test at a time (fixtures, capture and
reporting are not thread-safe), and a test's requests depend on its own earlier answers. Why
not pytest-xdist: its workers start a new interpreter each and collect again (about a second
and a half each here); a fork after collection and the preflight costs milliseconds and shares
the preflight's answer. Each shard reports every test back to this process as pytest-xdist's
workers do, so the terminal, the verdict and every report read the same reports as ever.

The shards take tests from one queue, property tests (most of a run's requests) first. A
request several tests share (the refusal without a credential, the one without an
api-version) is sent once for all shards (SharedOnceCache). The same requests go out as in a
sequential run, so the same verdicts come back.

This module is infocheck's part (the shared cache, the probes' one RunState, the preflight's
answers sent first); forking, the queue and the replay are plugin/fork_runner.py's, which
knows nothing of infocheck."""
from __future__ import annotations

import hashlib
import os
import pickle
from dataclasses import replace
from pathlib import Path

from infocheck.contracts.client import OnceCache
from infocheck.plugin import fork_runner
from infocheck.plugin.fork_runner import Queue, _Following, _InOrder, lock, unavailable  # noqa: F401 - the
# runner's parts, where the self-tests have imported them from
from infocheck.wire.exchange import Exchange

# What infocheck's plugin puts on a test's report that JSON turns from tuples into lists.
REPORT_TUPLES = ("infocheck_traffic", "requirements", "failed_requirements")


class SharedOnceCache(OnceCache):
    """The once-a-run exchanges, shared by the shards through a private folder: the first
    shard to need one sends it while holding its lock, the others wait and read it. So a
    request that tests of two modules share is sent once, as in a sequential run."""

    def __init__(self, folder: str, seeded: dict | None = None):
        super().__init__(seeded)
        self.folder = Path(folder)

    def get(self, request, send):
        if request in self._known:
            return self._known[request]
        name = hashlib.sha256(repr(request).encode()).hexdigest()
        with open(self.folder / f"{name}.lock", "w") as held:
            lock(held)
            stored = self.folder / f"{name}.pickle"
            if stored.exists():   # written by a shard of this run, in a folder only it can write
                found = pickle.loads(stored.read_bytes())
                if isinstance(found, Exchange):
                    found = replace(found, request=request)
            else:
                found = send()
                # The request is the key, and holds the key variant's function: not stored.
                kept = replace(found, request=None) if isinstance(found, Exchange) else found
                stored.write_bytes(pickle.dumps(kept))
        self._known[request] = found
        return found


def run_sharded(session, context, preflight_probe) -> bool:
    """The tests in --concurrency shards, each a forked copy of this process with a probe of
    its own: the preflight's answer, and the baseline of every other api-version, are sent
    here first, once, for all of them. The probes share one RunState: the request cap and the
    breaker count for the run, and a 429 pauses them all."""
    import shutil
    import tempfile

    from infocheck.wire.printable import printable
    from infocheck.wire.not_tested import NotTested

    settings = context.settings
    folder = tempfile.mkdtemp(prefix="infocheck-once-")
    shared = SharedOnceCache(folder, {context.preflight.request: context.preflight})
    versions = {getattr(item, "callspec", None) and item.callspec.params.get("api_version")
                for item in session.items}
    for version in settings.api_versions[1:]:
        if version in versions and preflight_probe.has_credential:
            client = context.contract.client(preflight_probe, settings.for_version(version), shared, [])
            try:
                client.once()
            except NotTested:
                pass   # kept in the cache: the tests of that version read it and say so
    context.shared = shared
    context.results.count(str(os.getpid()), context.traffic())
    state = preflight_probe.state.shared()

    def prepare(index: int) -> None:
        context.probes = []
        context.new_probe(state=state)

    try:
        problems = fork_runner.run(session, min(settings.concurrency, len(session.items)), folder, prepare,
                                   REPORT_TUPLES)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    problems = [context.scrubber.text(p) for p in problems]
    context.results.internal.extend(problems)
    terminal = session.config.pluginmanager.get_plugin("terminalreporter")
    if terminal is not None:
        for problem in problems:
            terminal.write_line(f"infocheck: {printable(problem, 4000, lines=True)}", red=True)
    return True
