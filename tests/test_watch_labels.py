"""The watcher's metric labels (issue 28): whatever a report's names are (a team's requirement
IDs, any text, quotes, newlines, escapes, very long), the exposition the client library writes
reads back, by its own parser, as exactly those names made printable and cut to 128 characters,
one sample each: no name can break a line of the exposition or forge another metric. And every
option the watcher does not know is handed to each cycle's fleet run as it is (--history URL
among them, once the build has the history store)."""
from __future__ import annotations

from types import SimpleNamespace

from hypothesis import given, settings, strategies as st
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from infocheck.watch import command
from infocheck.watch.cycle import Cycles
from infocheck.watch.metrics import LABEL_LIMIT, Metrics, label
from infocheck.wire.printable import printable

names = st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=("Cs",)), max_size=300)


def ended(target: str, requirement: str, level: str):
    requirement_result = SimpleNamespace(id=requirement, level=level, verdict="failed")
    result = SimpleNamespace(contract="info", duration_seconds=1.5, requirements=(requirement_result,),
                             retirement={"sunset": 1787702400})
    report = SimpleNamespace(targets=(SimpleNamespace(name=target, exit_code=1, result=result),))
    return SimpleNamespace(report=report, finished=1.0, seconds=2.0, exit_code=1, stopped=False)


@settings(max_examples=60, deadline=None)
@given(target=names, requirement=names, level=names)
def test_any_name_is_one_printable_bounded_label_read_back_as_written(target, requirement, level):
    metrics = Metrics()
    metrics.cycle_ended(ended(target, requirement, level))
    text = generate_latest(metrics.registry).decode("utf-8")
    families = {f.name: f for f in text_string_to_metric_families(text)}
    [failed] = families["infocheck_requirement_failed"].samples
    assert failed.labels == {"target": label(target), "contract": "info", "requirement": label(requirement),
                             "level": label(level)}
    assert all(len(v) <= LABEL_LIMIT for v in failed.labels.values())
    assert label(requirement) == printable(requirement, LABEL_LIMIT)
    assert [s.labels["target"] for s in families["infocheck_target_sunset_timestamp_seconds"].samples] == [label(target)]
    assert sorted(families) == sorted({
        "infocheck_cycles", "infocheck_cycles_late", "infocheck_last_run_timestamp_seconds",
        "infocheck_run_duration_seconds", "infocheck_run_exit_code", "infocheck_run_stopped",
        "infocheck_target_conformant", "infocheck_target_exit_code", "infocheck_target_duration_seconds",
        "infocheck_requirement_failed", "infocheck_target_sunset_timestamp_seconds",
        "infocheck_target_deprecation_timestamp_seconds"})


def test_every_other_option_reaches_each_cycle_as_it_is(tmp_path):
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text("targets: []\n")
    given_options = ["--history", "sqlite:///h.db", "--fleet-jobs", "2", "-p", "no:html", "--fail-on-should"]
    found = command.arguments(["--fleet", str(fleet), "--every", "2m", *given_options], {})
    extra = found[-1]
    assert extra == [*given_options, "--fleet-target-timeout", "120"]   # bounded by the interval
    cycles = Cycles(tmp_path, fleet.resolve(), extra, keep=3, cwd=tmp_path)
    line = cycles.command(tmp_path / "cycles" / "000001")
    assert line[line.index("infocheck"):][:5] == ["infocheck", "--fleet", str(fleet.resolve()), "--report-dir",
                                                   str(tmp_path / "cycles" / "000001")]
    assert line[-len(extra):] == extra
    own = command.arguments(["--fleet", str(fleet), "--fleet-target-timeout", "30"], {})[-1]
    assert own == ["--fleet-target-timeout", "30"]
    assert command.arguments(["--fleet", str(fleet)], {"INFOCHECK_FLEET_TARGET_TIMEOUT": "30"})[-1] == []
