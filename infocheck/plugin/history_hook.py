"""--history: a single run records its results in the history store when its session ends (the
report's model, scrubbed by the run's scrubber), and a fleet run records its fleet report once
it is written (infocheck/history/record.py does the work; the spool is the reports' folder's
history-spool/). Only the process that writes the reports records: never an xdist worker or a
--concurrency shard, nor a fleet's target (a target's run is given no --history)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from infocheck.wire.printable import printable


def _say(config):
    terminal = config.pluginmanager.get_plugin("terminalreporter") if config is not None else None

    def say(line: str) -> None:
        if terminal is not None:
            terminal.write_line(line)
        else:
            print(line, file=sys.stderr, flush=True)
    return say


class HistoryRecorder:
    """Records the run when its session ends, after the collector has judged it."""

    def __init__(self, config, run):
        self.config, self.run, self.pid = config, run, os.getpid()
        self.lines: list[str] = []

    @pytest.hookimpl(trylast=True)
    def pytest_unconfigure(self, config):
        """What the recording said, at the end (before the line naming the reports)."""
        say = _say(config)
        for line in self.lines:
            say(line)
        self.lines = []

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session):
        if os.getpid() != self.pid:
            return
        from infocheck.history import record
        from infocheck.judging import report_model
        from infocheck.reports.json_report import report, report_path

        run, say = self.run, self.lines.append
        try:
            text = run.scrubber.text(report(run.results, run.settings, run.configuration).to_json())
            model = report_model.parse(text.encode("utf-8"), "this run's report")
            where = report_path(self.config)
            folder = (where.parent if where else Path(self.config.invocation_params.dir) / "reports")
            record.record(run.settings.history, run.settings.history_keep, record.from_run(model),
                          folder / record.SPOOL, run.scrubber, say)
        except Exception as error:   # noqa: BLE001 - the run's verdict stands; said in one line
            say(run.scrubber.text(f"infocheck: history: internal error, this run is not recorded: "
                                  f"{type(error).__name__}: {printable(str(error), 300)}"))


def record_fleet(settings, paths: dict, fleet_run, write) -> None:
    """A fleet run's report, read back through the model, recorded; every text masked with
    every secret the fleet knows and the store's password."""
    from infocheck.history import record
    from infocheck.judging import report_model
    from infocheck.wire.secret import Scrubber

    scrubber = Scrubber(list(getattr(fleet_run, "secrets", None) or []) + settings.history.secrets())
    try:
        json_path = paths.get("json")
        if json_path is None or not Path(json_path).is_file():
            write("infocheck: history: the fleet wrote no infocheck.json; nothing is recorded")
            return
        model = report_model.read(json_path)
        if not isinstance(model, report_model.FleetReport):
            write("infocheck: history: the fleet's infocheck.json is not a fleet report; nothing is recorded")
            return
        record.record(settings.history, settings.history_keep, record.from_fleet(model),
                      Path(json_path).parent / record.SPOOL, scrubber, write)
    except report_model.ReportError as error:
        write(scrubber.text(f"infocheck: history: nothing is recorded: {error}"))
    except Exception as error:   # noqa: BLE001 - the fleet's verdict stands; said in one line
        write(scrubber.text(f"infocheck: history: internal error, this fleet run is not recorded: "
                            f"{type(error).__name__}: {printable(str(error), 300)}"))
