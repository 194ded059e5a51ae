"""From pytest's report of a test phase to its `TestOutcome`, decided here once and carried on the
report as one serialised value (`report.infocheck`); then pytest's report is dressed from it, so
that pytest's own reporters (the terminal's letters, JUnit, pytest-html) say the same.

A failure reads as the requirement it broke; a SHOULD finding and a waived failure do not fail
the run (pytest shows them as expected failures); a check that could not run is NOT TESTED; in
infocheck's own suites anything that is not a CheckFailure is infocheck's own error, while in a
team's test a plain assert fails the requirements the test declares."""
from __future__ import annotations

import weakref
from dataclasses import dataclass, replace

from infocheck.contracts.checking import CheckFailure
from infocheck.judging.judge import settle
from infocheck.judging.outcome import NOT_TESTED_WORDS, Outcome, TestOutcome, Traffic
from infocheck.troubleshooting import topic_of
from infocheck.wire.printable import printable
from infocheck.wire.not_tested import NotTested

REPORT_LIMIT = 16_000   # characters of one test's failure text in any output
SUMMARY_LIMIT = 1000    # characters of a one-line summary
NOTE_LIMIT, MAX_NOTES = 2_000, 10
FINDING_WORDS, WAIVED_WORDS = "SHOULD finding: ", "WAIVED: "


@dataclass(frozen=True)
class TestFacts:
    """What the plugin knows of a test besides its report."""
    nodeid: str
    requirements: tuple[str, ...]
    api_version: str
    team: bool = False            # a team's own test, not one of infocheck's suites
    usage: str = ""               # it names a requirement no catalogue declares

    __test__ = False


def check_failures(error) -> list[CheckFailure] | None:
    """The CheckFailures behind a test's exception, or None if something else broke."""
    if isinstance(error, CheckFailure):
        return [error]
    if isinstance(error, BaseExceptionGroup):
        leaves, stack = [], [error]
        while stack:     # depth first, in the order they were raised
            current = stack.pop()
            if isinstance(current, BaseExceptionGroup):
                stack.extend(reversed(current.exceptions))
            else:
                leaves.append(current)
        if leaves and all(isinstance(e, CheckFailure) for e in leaves):
            return leaves
    return None


def described(error: BaseException | None, fallback: str) -> str:
    """An exception in one line, as Python names it; without one, pytest's own text."""
    if error is not None:
        return printable(f"{type(error).__name__}: {error}", SUMMARY_LIMIT)
    return printable((fallback.strip().splitlines() or [""])[-1].strip(), SUMMARY_LIMIT)


def skip_reason(error: BaseException | None, fallback: str) -> str:
    """Why a phase was skipped, from the exception that skipped it (pytest's skip keeps it in
    `msg`, unittest's SkipTest and infocheck's NotTested in their argument)."""
    if error is not None:
        return str(getattr(error, "msg", None) or error)
    return fallback


def classify(report, error, facts: TestFacts, policy, scrubber) -> TestOutcome:
    """The TestOutcome of one phase: `report` is pytest's, `error` what the phase raised."""
    catalogue = policy.catalogue
    base = TestOutcome(facts.nodeid, facts.requirements, api_version=facts.api_version,
                       levels=tuple(catalogue[r].level if r in catalogue else "" for r in facts.requirements),
                       team=facts.team, usage=facts.usage)
    if report.skipped:
        reason = skip_reason(error, _skip_text(report))
        kind = Outcome.NOT_TESTED if isinstance(error, NotTested) else Outcome.SKIPPED
        found = replace(base, outcome=kind, message=reason, brief=reason, summary=reason,
                        topic=topic_of(error) if kind == Outcome.NOT_TESTED else "")
    elif report.failed and report.when == "call":
        found = _failed(report, error, base, facts, policy)
    elif report.failed:   # setup or teardown broke: an error, infocheck's own unless a team's
        found = replace(base, outcome=Outcome.ERROR, message=report.longreprtext,
                        brief=report.longreprtext, summary=described(error, report.longreprtext),
                        internal=not facts.team)
    elif report.when == "call":
        found = replace(base, outcome=Outcome.PASSED)
    else:
        found = base      # a passed setup or teardown decides nothing
    return cleaned(found, scrubber)


def _skip_text(report) -> str:
    return report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr or "")


def _failed(report, error, base: TestOutcome, facts: TestFacts, policy) -> TestOutcome:
    failures, ours, ids = check_failures(error), not facts.team, facts.requirements
    catalogue = policy.catalogue
    if failures is None:
        if ours or not ids:   # not a check that failed: the test itself broke
            return replace(base, outcome=Outcome.ERROR if ours else Outcome.FAILED,
                           message=report.longreprtext, brief=report.longreprtext,
                           summary=described(error, report.longreprtext), internal=ours)
        failed, message = ids, report.longreprtext   # a team's plain assert fails what it declares
        brief, summary, evidence = message, described(error, message), ()
    else:
        failed = tuple(dict.fromkeys(f.requirement_id for f in failures))
        message = "\n\n".join(f.explain(catalogue) for f in failures)
        brief = "\n\n".join(f.brief(catalogue) for f in failures)
        notes = getattr(error, "__notes__", None) or []
        if notes:  # Hypothesis puts the falsifying example here: escaped and capped like the rest
            message += "\n\n" + "\n".join(printable(str(n), NOTE_LIMIT, lines=True) for n in notes[:MAX_NOTES])
        summary = failures[0].got
        evidence = tuple((str(f.requirement_id), str(f.got), f.exchanges[0].curl if f.exchanges else "")
                         for f in failures)
    found = replace(base, outcome=Outcome.FAILED, failed_requirements=failed, message=message,
                    brief=brief, summary=summary, evidence=evidence)
    stray = [i for i in failed if i not in ids + catalogue.universal]
    if stray:
        if ours:
            note = f"\n(infocheck bug: the test does not declare {', '.join(stray)})"
            return replace(found, outcome=Outcome.ERROR, internal=True, message=message + note)
        usage = (f"{facts.nodeid} failed {', '.join(stray)}, which the test does not declare with "
                 "@pytest.mark.requirement" + ("" if all(s in catalogue for s in stray)
                                                else ", and no requirement catalogue declares"))
        return replace(found, usage=usage, message=f"{message}\n(usage error: {usage})")
    return settle(found, policy)


def cleaned(outcome: TestOutcome, scrubber) -> TestOutcome:
    """Every text an outcome carries to the terminal, JUnit, HTML and JSON: secrets masked,
    control characters escaped (newlines kept: the messages' own structure), length capped."""
    def clean(text: str) -> str:
        return printable(scrubber.text(text), REPORT_LIMIT, lines=True)

    def line(text: str) -> str:
        return printable(scrubber.text(text), SUMMARY_LIMIT)

    return replace(outcome, message=clean(outcome.message), brief=clean(outcome.brief),
                   summary=line(outcome.summary),
                   usage=printable(scrubber.text(outcome.usage), REPORT_LIMIT),
                   evidence=tuple((line(i), line(got), printable(scrubber.text(curl), REPORT_LIMIT))
                                  for i, got, curl in outcome.evidence))


def dress(report, outcome: TestOutcome, scrubber) -> None:
    """pytest's report as the outcome says: the outcome as one value, a failure's text as the
    requirement it broke, findings and waived failures as expected failures, NOT TESTED in so
    many words; and every text on it scrubbed."""
    report.infocheck = outcome.as_data()
    if outcome.outcome in (Outcome.FAILED, Outcome.FINDING, Outcome.WAIVED) and outcome.failed_requirements:
        report.longrepr = outcome.text
    if outcome.outcome == Outcome.WAIVED:
        report.outcome, report.wasxfail = "skipped", f"{WAIVED_WORDS}{outcome.summary}\n{outcome.message}"
    elif outcome.outcome == Outcome.FINDING:
        report.outcome, report.wasxfail = "skipped", FINDING_WORDS + outcome.message
    elif outcome.outcome == Outcome.NOT_TESTED and isinstance(report.longrepr, tuple):
        path, line, _ = report.longrepr
        report.longrepr = (path, line, NOT_TESTED_WORDS + outcome.message)
    _scrub(report, scrubber)


def _scrub(report, scrubber) -> None:
    def clean(text: str) -> str:
        return printable(scrubber.text(text), REPORT_LIMIT, lines=True)

    if isinstance(report.longrepr, tuple):
        path, line, reason = report.longrepr
        report.longrepr = (path, line, clean(reason))
    elif report.longrepr is not None:
        report.longrepr = clean(str(report.longrepr))
    if getattr(report, "wasxfail", None):
        report.wasxfail = clean(report.wasxfail)
    report.sections = [(title, clean(content)) for title, content in report.sections]


def outcome_of(report) -> TestOutcome | None:
    """The outcome a report carries, or None (a report infocheck did not make). Read once per
    report and kept beside it (not on it: pytest ships a report's every attribute), as the
    collector, the terminal, JUnit and the HTML page each ask."""
    data = getattr(report, "infocheck", None)
    if not isinstance(data, dict):
        return None
    try:
        known = _read.get(report)
    except TypeError:   # a report that cannot be kept beside: read anew
        return TestOutcome.from_data(data)
    if known is not None and known[0] is data:
        return known[1]
    outcome = TestOutcome.from_data(data)
    _read[report] = (data, outcome)
    return outcome


_read: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()   # report -> (its data, its outcome)


def with_traffic(outcome: TestOutcome, process: str, traffic: Traffic) -> TestOutcome:
    return replace(outcome, process=process, traffic=traffic)


STATUS = {Outcome.FINDING: ("finding", "f", "FINDING"), Outcome.WAIVED: ("waived", "w", "WAIVED"),
          Outcome.NOT_TESTED: ("not tested", "n", "NOT TESTED")}


def status_words(report):
    """How the terminal names a report's outcome where pytest's own word would mislead."""
    outcome = outcome_of(report)
    return STATUS.get(outcome.outcome) if outcome is not None else None
