"""The terminal: the run's header lines, its summary at the end (findings, waivers, what was not
tested), and, last of all, after pytest's own summary and its `N failed, M passed` line, the
files the reports are in and the verdict with one line per failed requirement (its ID and why)
or, when it could not be tested, why and what to do; read from the results. And the last line
of defence, a terminal writer that passes everything through the scrubber."""
from __future__ import annotations

import pytest

from infocheck import __version__
from infocheck.troubleshooting import linked
from infocheck.judging.judge import EXIT_UNTESTABLE
from infocheck.judging.outcome import Outcome
from infocheck.wire.printable import printable

WHY_LIMIT = 500       # characters of one failed requirement's why, on its one line
LINES_LIMIT = 50      # requirement lines under the verdict; past them, how many more
IDS_SHOWN = 8         # requirement IDs named on a line that says why they were not tested


def header(rows: list[tuple[str, str]], notices=()) -> list[str]:
    return ([f"infocheck {__version__}"] + [f"  {name}: {value}" for name, value in rows]
            + [f"  NOTE: {notice}" for notice in notices])


class TerminalSummary:
    """A pytest plugin: the details at the end of the run (in pytest's terminal summary, above
    its short summary), and, last of all, after pytest's final `N failed, M passed` line (which
    pytest writes after every pytest_terminal_summary, at the end of its own
    pytest_sessionfinish): the report files and the verdict, at unconfigure, tried last."""

    def __init__(self, results, files=lambda: []):
        self.results, self.files = results, files

    def pytest_terminal_summary(self, terminalreporter):
        write_details(self.results, terminalreporter)

    @pytest.hookimpl(trylast=True)
    def pytest_unconfigure(self, config):
        terminal = config.pluginmanager.get_plugin("terminalreporter")
        if terminal is not None and self.results.status is not None:
            write_verdict(self.results, terminal, self.files())


def write_summary(results, terminal, files=()) -> None:
    """Everything the run's end says, in the order a terminal shows it."""
    write_details(results, terminal)
    write_verdict(results, terminal, files)


def write_details(results, terminal) -> None:
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


def write_verdict(results, terminal, files=()) -> None:
    """The run's last lines: the report files, the requests sent, the verdict, and under it
    each failed requirement (ID, level, why) or what could not be tested and why."""
    write = terminal.write_line
    if files:
        write("infocheck reports: " + ", ".join(files))
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
    for line in verdict_lines(results):
        write(line, red=not good)


def verdict_lines(results) -> list[str]:
    """Under the verdict, one line per requirement that failed (its ID, level and what was
    seen), or, when the run could not be tested for want of checks that could run, what was
    not tested and why; none when the run stopped before its tests (the verdict says why)."""
    if results.stopped:
        return []
    verdicts = results.verdicts()
    failed = [(rid, tests) for rid, (verdict, tests) in verdicts.items() if verdict == Outcome.FAILED]
    lines = [f"  {rid} ({level_of(results, rid)}) failed: {why_failed(rid, tests)}"
             for rid, tests in failed]
    if results.status == EXIT_UNTESTABLE and not failed:
        reasons: dict[tuple[str, str], list[str]] = {}
        unchecked: dict[str, list[str]] = {}
        for rid, (verdict, tests) in verdicts.items():
            if verdict == Outcome.NOT_TESTED:
                reasons.setdefault(why_not_tested(rid, tests), []).append(rid)
            elif verdict == Outcome.NOT_CHECKED and level_of(results, rid) == "MUST":
                unchecked.setdefault(why_not_checked(tests), []).append(rid)
        # The reason whole and its troubleshooting link, however many requirements it stopped:
        # past a few, their count (the reports list every one).
        lines = [f"  not tested: {named(ids)}: {linked(reason, topic)}" for (reason, topic), ids in reasons.items()]
        lines += [f"  not checked (MUST): {', '.join(ids)}: {reason}" for reason, ids in unchecked.items()]
    shown = [printable(line, WHY_LIMIT + 400) for line in lines[:LINES_LIMIT]]
    if len(lines) > LINES_LIMIT:
        shown.append(f"  ... and {len(lines) - LINES_LIMIT} more (the reports list every one)")
    return shown


def level_of(results, requirement_id: str) -> str:
    catalogue = results.catalogue
    return catalogue[requirement_id].level if requirement_id in catalogue else "?"


def why_failed(requirement_id: str, tests) -> str:
    """What was seen, from a test that failed the requirement (one that failed it first, where
    there is one: its summary is that failure's)."""
    failing = [t for t in tests if requirement_id in t.failed_requirements
               and t.outcome in (Outcome.FAILED, Outcome.ERROR)]
    first = next((t for t in failing if t.failed_requirements[0] == requirement_id), None)
    test = first or (failing[0] if failing else None)
    if test is None:
        return "see the reports"
    why = test.summary or (test.brief.splitlines() or [""])[0] or test.nodeid
    if test.expired_waiver:
        why += f" (a waiver for {test.expired_waiver})"
    return printable(why, WHY_LIMIT)


def named(ids: list[str]) -> str:
    if len(ids) <= IDS_SHOWN:
        return ", ".join(ids)
    return f"{len(ids)} requirements ({', '.join(ids[:IDS_SHOWN])} and {len(ids) - IDS_SHOWN} more)"


def why_not_tested(requirement_id: str, tests) -> tuple[str, str]:
    """Why, in one line, and its troubleshooting entry ('' when it has none)."""
    test = next((t for t in tests if t.outcome == Outcome.NOT_TESTED), None)
    if test is None:   # its test broke: infocheck's own error, said in the details above
        return "its test could not run (see the details above)", ""
    return printable(test.summary or test.message or "not tested", WHY_LIMIT), test.topic


def why_not_checked(tests) -> str:
    """Which requirement the test stopped at before it checked this one, and what it saw."""
    test = next((t for t in tests if t.failed_requirements), None)
    if test is None:
        return "its tests stopped before they checked it"
    return printable(f"its test stopped at {test.failed_requirements[0]} ({test.outcome.value}) first: "
                     f"{test.summary or test.nodeid}; fix that and run again", WHY_LIMIT)


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
