"""The watcher's Prometheus metrics, with the official client library: what the last cycle's
infocheck.json says (read through the typed model), and the watcher's own counts. Each cycle
replaces the whole set, so a target or a failed requirement gone from the fleet's report is gone
from the metrics too. Label values are a report's names (targets, contracts, requirement IDs),
bounded and made printable here, escaped by the client; nothing of a target's credential is in a
report (the fleet masked every secret it knows before writing it), and no label is taken from
anything else."""
from __future__ import annotations

import threading

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import CollectorRegistry

from infocheck.judging.exit_codes import ExitCode
from infocheck.judging.report_model import ABSENT
from infocheck.wire.printable import printable

LABEL_LIMIT = 128          # characters of a label value
FAILED = ("failed", "finding")   # a requirement verdict that is a failure at its level


def label(value) -> str:
    return printable("" if value is None or value is ABSENT else str(value), LABEL_LIMIT)


class Metrics:
    """A collector for a CollectorRegistry of the watcher's own (no process or platform
    metrics of the client's default registry)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.cycles = 0
        self.late = 0
        self.families: list = []
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(self)

    def cycle_started(self, late: bool) -> None:
        with self.lock:
            self.late += 1 if late else 0

    def cycle_ended(self, ended) -> None:
        """The metrics of a cycle that ended (watch/cycle.py Ended)."""
        families = _families(ended)
        with self.lock:
            self.cycles += 1
            self.families = families

    def collect(self):
        with self.lock:
            cycles, late, families = self.cycles, self.late, list(self.families)
        yield CounterMetricFamily("infocheck_cycles", "cycles of the fleet the watcher has finished", value=cycles)
        yield CounterMetricFamily("infocheck_cycles_late",
                                  "cycles that started late, the one before having taken longer than the interval",
                                  value=late)
        yield from families


def _families(ended) -> list:
    run = [
        GaugeMetricFamily("infocheck_last_run_timestamp_seconds", "when the last cycle ended (Unix time)",
                          value=ended.finished),
        GaugeMetricFamily("infocheck_run_duration_seconds", "the last cycle's wall time", value=ended.seconds),
        GaugeMetricFamily("infocheck_run_exit_code",
                          "the last cycle's exit code: 0 conformant, 1 a MUST failed, 2 could not test, "
                          "3 infocheck broke, 4 a usage error", value=ended.exit_code),
        GaugeMetricFamily("infocheck_run_stopped", "1 if the last cycle was stopped before it ended",
                          value=1 if ended.stopped else 0),
    ]
    conformant = GaugeMetricFamily("infocheck_target_conformant",
                                   "1 if the target was CONFORMANT in the last cycle, else 0",
                                   labels=["target", "contract"])
    code = GaugeMetricFamily("infocheck_target_exit_code", "the target's exit code in the last cycle",
                             labels=["target", "contract"])
    duration = GaugeMetricFamily("infocheck_target_duration_seconds", "the target's run time in the last cycle",
                                 labels=["target", "contract"])
    failed = GaugeMetricFamily("infocheck_requirement_failed",
                               "1 for each requirement the target failed in the last cycle (level MUST: "
                               "failed; SHOULD: a finding)", labels=["target", "contract", "requirement", "level"])
    sunset = GaugeMetricFamily("infocheck_target_sunset_timestamp_seconds",
                               "when the endpoint says it stops serving (its Sunset header, RFC 8594; Unix time)",
                               labels=["target", "contract"])
    deprecation = GaugeMetricFamily("infocheck_target_deprecation_timestamp_seconds",
                                    "since when the endpoint says it is deprecated (its Deprecation header, "
                                    "RFC 9745; Unix time)", labels=["target", "contract"])
    report = ended.report
    for target in (report.targets if report is not None and report.targets is not ABSENT else ()):
        result = target.result if target.result not in (None, ABSENT) else None
        labels = [label(target.name), label(result.contract if result is not None else "")]
        conformant.add_metric(labels, 1 if target.exit_code == ExitCode.CONFORMANT else 0)
        code.add_metric(labels, int(target.exit_code))
        if result is None:
            continue
        if isinstance(result.duration_seconds, (int, float)):
            duration.add_metric(labels, float(result.duration_seconds))
        for requirement in (result.requirements if result.requirements is not ABSENT else ()):
            if requirement.verdict in FAILED:
                failed.add_metric(labels + [label(requirement.id), label(requirement.level)], 1)
        retirement = getattr(result, "retirement", ABSENT)
        if isinstance(retirement, dict):
            for family, key in ((sunset, "sunset"), (deprecation, "deprecation")):
                if isinstance(retirement.get(key), int) and not isinstance(retirement.get(key), bool):
                    family.add_metric(labels, retirement[key])
    return run + [conformant, code, duration, failed, sunset, deprecation]
