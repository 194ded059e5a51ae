"""What a CI run shows without its artifact: the job's step summary (Markdown) and one workflow
annotation per failed requirement, read from infocheck.json through its model
(judging/report_model.py), never from infocheck's messages.

The summary says the verdict and what was checked, each failed requirement (its ID, level,
statement and what came back, the test's one-line summary), the reason a run could not test or
stopped (the report's explanation), and for a fleet each target that did not pass with its
problem. Each failed requirement is a GitHub workflow command, `::error title=...::...`; a
SHOULD finding is a `::warning`. What an endpoint said reaches both only escaped: in the
summary Markdown's punctuation and HTML's are escaped, so a server's text cannot become a link,
an image, a heading or a table cell; in a workflow command `%`, CR and LF (and in its
properties `:` and `,` too) are escaped as GitHub's runner reads them back, so a server's text
can never end the command or start a second one. Both are bounded: at most MAX_LISTED
requirements (targets) in the summary and MAX_ANNOTATIONS annotations, each text cut to
TEXT_LIMIT characters, and the rest counted."""
from __future__ import annotations

import re

from infocheck.judging.exit_codes import ExitCode
from infocheck.judging.report_model import FleetReport, ReportError, RunReport, read
from infocheck.wire.printable import printable

MAX_LISTED = 50          # failed requirements (or targets) the summary lists
MAX_ANNOTATIONS = 50     # GitHub shows at most 10 errors a step and 50 a job
TEXT_LIMIT = 300         # characters of any one text an endpoint had a hand in
NO_REPORT = "NO REPORT"
EMBEDDED = "of the embedded reference server, not an endpoint of yours"

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>:])")


def markdown(text: str, limit: int = TEXT_LIMIT) -> str:
    """`text` as literal Markdown on one line: control characters escaped (printable), HTML's
    `&`, `<` and `>` as entities, every other Markdown punctuation behind a backslash."""
    shown = printable(str(text), limit)
    shown = shown.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN.sub(r"\\\1", shown)


def command_data(text: str) -> str:
    """A workflow command's message, escaped as GitHub's runner unescapes it."""
    return str(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def command_property(text: str) -> str:
    """A workflow command's property value (its title): its message's escapes, and `:`, `,`."""
    return command_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(kind: str, title: str, message: str) -> str:
    return f"::{kind} title={command_property(printable(title, TEXT_LIMIT))}::" \
           f"{command_data(printable(message, TEXT_LIMIT * 2))}"


# -- reading the model ------------------------------------------------------------------------

def load(path) -> RunReport | FleetReport | None:
    """The report at `path` through its model, or None when there is none or it is no report
    (a run that stopped before writing one, a file that is not infocheck's)."""
    try:
        return read(path)
    except ReportError:
        return None


def verdict(report) -> str:
    return report.verdict if report is not None else NO_REPORT


def _failed(report: RunReport, words: str) -> list:
    return [r for r in (report.requirements or ()) if r.verdict == words]


def _why(report: RunReport, requirement) -> str:
    """What came back, from the first test whose failure broke this requirement (its one-line
    summary), or nothing."""
    for result in report.results or ():
        if requirement.id in (result.failed_requirements or ()) and result.summary:
            return result.summary
    return ""


def _requirement_line(report: RunReport, requirement, prefix: str = "") -> str:
    why = _why(report, requirement)
    line = f"- {prefix}**{markdown(requirement.id, 100)}** ({markdown(requirement.level, 20)}): " \
           f"{markdown(requirement.statement or '')}"
    return line + (f"<br>got: {markdown(why)}" if why else "")


def _run_annotations(report: RunReport, target: str = "") -> list[str]:
    lines = []
    for kind, words in (("error", "failed"), ("warning", "finding")):
        for requirement in _failed(report, words):
            why = _why(report, requirement)
            title = f"infocheck {target + ': ' if target else ''}{requirement.level} {requirement.id}"
            message = requirement.statement or requirement.id
            lines.append(annotation(kind, title, f"{message} got: {why}" if why else message))
    return lines


def _explanation(report) -> str:
    return report.explanation if isinstance(report.explanation, str) else ""


# -- what the Action writes -------------------------------------------------------------------

def summary(report, code: int) -> str:
    """The step summary's Markdown for this report (None: the run wrote none) and the job's
    exit code."""
    words = verdict(report)
    embedded = isinstance(report, RunReport) and report.embedded_server is True
    lines = [f"### infocheck: {words} (exit {code}){' ' + EMBEDDED if embedded else ''}", ""]
    if report is None:
        lines.append("The run wrote no reports/infocheck.json that infocheck can read; its log "
                     "says why.")
        return "\n".join(lines) + "\n"
    if isinstance(report, RunReport) and isinstance(report.endpoint, str):
        lines += [f"Endpoint: {markdown(report.endpoint)}", ""]
    explanation = _explanation(report)
    if code != ExitCode.CONFORMANT and explanation:
        lines += [f"**Why:** {markdown(explanation, 2000)}", ""]
    if isinstance(report, FleetReport):
        lines += _fleet_lines(report)
    else:
        lines += _run_lines(report)
    return "\n".join(lines).rstrip("\n") + "\n"


def _run_lines(report: RunReport, prefix: str = "") -> list[str]:
    lines = []
    for heading, words in (("Failed requirements", "failed"), ("SHOULD findings", "finding")):
        found = _failed(report, words)
        if not found:
            continue
        lines += [f"**{heading} ({len(found)}):**", ""]
        lines += [_requirement_line(report, r, prefix) for r in found[:MAX_LISTED]]
        if len(found) > MAX_LISTED:
            lines.append(f"- and {len(found) - MAX_LISTED} more (see the reports artifact)")
        lines.append("")
    return lines


def _fleet_lines(report: FleetReport) -> list[str]:
    bad = [t for t in report.targets or () if t.exit_code != ExitCode.CONFORMANT]
    if not bad:
        return []
    lines = [f"**Targets that did not pass ({len(bad)} of {len(report.targets)}):**", ""]
    for target in bad[:MAX_LISTED]:
        said = target.problem or target.detail or ""
        lines.append(f"- **{markdown(target.name, 100)}**: {markdown(target.verdict, 20)}"
                     + (f": {markdown(said)}" if said else ""))
        if isinstance(target.result, RunReport):
            for requirement in _failed(target.result, "failed")[:MAX_LISTED]:
                lines.append("  " + _requirement_line(target.result, requirement))
    if len(bad) > MAX_LISTED:
        lines.append(f"- and {len(bad) - MAX_LISTED} more (see the reports artifact)")
    return lines + [""]


def annotations(report) -> list[str]:
    """One workflow command per failed requirement (`::error`) and SHOULD finding
    (`::warning`), a fleet's per target; at most MAX_ANNOTATIONS, the rest counted in one."""
    if report is None:
        return []
    if isinstance(report, FleetReport):
        lines = []
        for target in report.targets or ():
            if isinstance(target.result, RunReport):
                lines += _run_annotations(target.result, target.name)
    else:
        lines = _run_annotations(report)
    if len(lines) > MAX_ANNOTATIONS:
        lines = lines[:MAX_ANNOTATIONS - 1] + [annotation(
            "error", "infocheck", f"and {len(lines) - MAX_ANNOTATIONS + 1} more failed "
            "requirements: see the step summary and the reports artifact")]
    return lines


def write(report_path, summary_path, code: int, out) -> str:
    """The Action's step: appends the summary to `summary_path` (GITHUB_STEP_SUMMARY), writes
    the annotations to `out` (the step's standard output), and returns the verdict words."""
    report = load(report_path)
    if summary_path:
        with open(summary_path, "a", encoding="utf-8") as file:
            file.write(summary(report, code))
    for line in annotations(report):
        out.write(line + "\n")
    return verdict(report)
