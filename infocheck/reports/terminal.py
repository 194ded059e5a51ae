"""The terminal: the run's header lines, its summary at the end (findings, waivers, what was not
tested, the verdict), read from the results; and the last line of defence, a terminal writer
that passes everything through the scrubber."""
from __future__ import annotations

import pytest

from infocheck import __version__
from infocheck.judging.outcome import Outcome


def header(rows: list[tuple[str, str]], notices=()) -> list[str]:
    return ([f"infocheck {__version__}"] + [f"  {name}: {value}" for name, value in rows]
            + [f"  NOTE: {notice}" for notice in notices])


class TerminalSummary:
    """A pytest plugin: the summary at the end of the run, from the collector's results, and,
    last of all, the files the reports are in."""

    def __init__(self, results, files=lambda: []):
        self.results, self.files = results, files

    def pytest_terminal_summary(self, terminalreporter):
        write_summary(self.results, terminalreporter)

    @pytest.hookimpl(trylast=True)
    def pytest_unconfigure(self, config):
        files = self.files()
        terminal = config.pluginmanager.get_plugin("terminalreporter")
        if files and terminal is not None and self.results.status is not None:
            terminal.write_line("infocheck reports: " + ", ".join(files))


def write_summary(results, terminal) -> None:
    write = terminal.write_line
    tests = results.tests.values()
    findings = [t for t in tests if t.outcome == Outcome.FINDING]
    if findings:
        terminal.section("SHOULD findings (they fail the run only with --fail-on-should)")
        for t in findings:
            write(t.brief)
    waived = [t for t in tests if t.outcome == Outcome.WAIVED]
    if waived:
        terminal.section("waived")
        for t in waived:
            write(f"{t.nodeid}: {t.summary}")
    expired = results.policy.expired()
    if expired:
        terminal.section("expired waivers (they fail the run)")
        for w in expired:
            write(f"waiver for {w.subject} expired on {w.expires}: {w.reason}", red=True)
    not_tested = [t for t in tests if t.outcome == Outcome.NOT_TESTED]
    if not_tested:
        terminal.section("not tested")
        reasons: dict[str, int] = {}
        for t in not_tested:
            reasons[t.message] = reasons.get(t.message, 0) + 1
        for reason, count in reasons.items():
            write(f"{count} check(s): {reason}")
    if results.discovered:
        terminal.section("api-versions the endpoint accepts (--discover-versions)")
        for version, outcome in results.discovered.items():
            write(f"{version}: {outcome}")
    terminal.section("infocheck verdict")
    traffic = results.requests
    if results.traffic:
        write(f"requests sent: {traffic.sent}" + (
            f"; throttled {traffic.throttled} time(s), waited {traffic.waited:.1f} s"
            if traffic.throttled else ""))
    for notice in results.notices:
        write(f"NOTE: {notice}", yellow=True)
    good = results.status == 0
    write(f"{results.heading}: {results.explanation} (exit {results.status})", bold=True,
          red=not good, green=good)


class ScrubbingFile:
    """A terminal writer's file whose every write passes the scrubber."""

    def __init__(self, file, scrubber):
        self._file, self._scrubber = file, scrubber

    def write(self, text):
        return self._file.write(self._scrubber.text(text))

    def __getattr__(self, name):
        return getattr(self._file, name)


def scrub_terminal(config, scrubber) -> None:
    """Last line of defence: whatever reaches the terminal passes the scrubber."""
    if config.pluginmanager.get_plugin("terminalreporter") is None:
        return
    writer = config.get_terminal_writer()
    if not isinstance(writer._file, ScrubbingFile):
        writer._file = ScrubbingFile(writer._file, scrubber)
