"""What a run holds between pytest's hooks: one `RunContext` in the config's stash, made once in
pytest_configure from the validated `Config`. Every hook and fixture reads it from there: the
plugin's, and a contract's own (which is why it sits here, below the plugin)."""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest


@dataclass(eq=False)
class RunContext:
    settings: object          # the validated Config (configuration/config.py)
    contract: object          # the Contract it checks (contracts/base.py)
    catalogue: object         # the run's catalogue: the contract's, a team's, the policy applied
    policy: object            # the Policy every result is settled under (judging/policy.py)
    scrubber: object          # every secret of the run (wire/secret.py)
    credential: object        # the credential source, or None
    results: object           # the collector (plugin/collector.py)
    configuration: list = field(default_factory=list)   # the rows the header and reports show
    probes: list = field(default_factory=list)    # this process's probes (their traffic)
    preflight: object = None  # the positive exchange, sent before any test
    shared: object = None     # exchanges sent once a run, for every shard

    def new_probe(self, state=None):
        """A probe of this process, counted in its traffic. Under pytest-xdist each worker has
        its share of the request cap; under --concurrency the shards share one RunState."""
        import os

        from infocheck.wire.probe import Probe
        settings = self.settings
        workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)
        probe = Probe(settings, settings.target_url(), self.credential, self.scrubber,
                      max_requests=max(1, settings.max_requests // workers), state=state)
        self.probes.append(probe)
        return probe

    def traffic(self):
        """What this process's probes have sent so far."""
        from infocheck.judging.outcome import Traffic
        return Traffic(sum(p.sent for p in self.probes), sum(p.throttled for p in self.probes),
                       sum(p.waited for p in self.probes))


CONTEXT = pytest.StashKey[RunContext]()


def context_of(config) -> RunContext | None:
    """The run's context, or None where infocheck is inert (not asked for)."""
    return config.stash.get(CONTEXT, None)


def is_worker(config) -> bool:
    """A pytest-xdist worker: it runs tests, the controller writes the reports."""
    return hasattr(config, "workerinput")
