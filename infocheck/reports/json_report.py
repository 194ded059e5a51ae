"""reports/infocheck.json: the run's verdict, its redacted configuration, per requirement its
level, verdict, tests, messages and first transcript, and every test's result as data. Its
format is schemas/infocheck-report.json, written through its model (judging/report_model.py,
which merge, diff and a fleet read it by); merge and diff read nothing else."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from infocheck import __version__
from infocheck.judging.outcome import Outcome
from infocheck.judging.report_model import RunReport
from infocheck.wire.printable import printable

EXCHANGE_LIMIT = 4000   # characters of the one transcript infocheck.json keeps per requirement


def document(results, settings, configuration) -> dict:
    catalogue = results.catalogue
    verdicts = results.verdicts()
    versions = settings.api_versions or (settings.api_version,)
    by_version = {version: results.verdicts(version) for version in versions}
    waiver_for = {w.subject: w for w in results.policy.waivers}
    found = {
        "infocheck": __version__,
        "contract": settings.contract_name,
        "endpoint": settings.target_url() if settings.endpoint else None,
        "verdict": results.verdict,
        "exit_code": results.status,
        "explanation": results.explanation,
        "embedded_server": results.embedded_server,
        "started": dt.datetime.fromtimestamp(results.started, dt.timezone.utc).isoformat(timespec="seconds"),
        "duration_seconds": round((results.finished or results.started) - results.started, 3),
        "requests": {"sent": results.requests.sent, "throttled": results.requests.throttled,
                     "waited_seconds": round(results.requests.waited, 3)},
        "configuration": dict(configuration),
        "policy": {i: {"catalogue_level": was, "level": now} for i, (was, now) in catalogue.policy.items()},
        "fail_on_should": bool(results.policy.fail_on_should),
        "waivers": [dict({"requirement": w.requirement} if w.requirement else {"test": w.test},
                         reason=w.reason, expires=str(w.expires)) for w in results.policy.waivers],
        "api_versions": list(versions),
        "discovered_versions": dict(results.discovered),
        "notices": list(results.notices),
        "identity": dict(results.identity),
        "left_out": list(results.left_out),
        "requirements": [
            {"id": r.id, "level": r.level, "area": r.area, "statement": r.statement,
             "source": r.source, "catalogue": r.catalogue, "verdict": str(verdicts[r.id][0]),
             "by_version": {version: str(by_version[version][r.id][0]) for version in versions},
             "tests": [t.nodeid for t in verdicts[r.id][1]],
             "messages": [t.text for t in verdicts[r.id][1] if t.message and t.outcome != Outcome.PASSED],
             "exchanges": [printable(t.transcript, EXCHANGE_LIMIT, lines=True) for t in verdicts[r.id][1]
                           if t.transcript and t.outcome != Outcome.PASSED][:1],
             "waiver": ({"reason": waiver_for[r.id].reason, "expires": str(waiver_for[r.id].expires)}
                        if r.id in waiver_for else None)}
            for r in catalogue.values()],
        "expired_waivers": [{"subject": w.subject, "reason": w.reason, "expires": str(w.expires)}
                            for w in results.policy.expired()],
        "results": [result_entry(t) for t in results.tests.values()],
    }
    if results.retirement:   # only where the endpoint sent a date (the model writes it after notices)
        found["retirement"] = dict(results.retirement)
    return found


def report(results, settings, configuration) -> RunReport:
    """The run's report as the model."""
    return RunReport.from_dict(document(results, settings, configuration))


def result_entry(t) -> dict:
    entry = {"test": t.nodeid, "api_version": t.api_version, "requirements": list(t.requirements),
             "levels": list(t.levels), "outcome": str(t.outcome or Outcome.NOT_RUN),
             "failed_requirements": list(t.failed_requirements), "summary": t.summary}
    if t.expired_waiver:
        entry["expired_waiver"] = t.expired_waiver
    return entry


class JsonReport:
    """Writes the document when the session ends, after the collector has judged."""

    def __init__(self, config, results, settings, scrubber, configuration):
        self.config, self.results, self.settings = config, results, settings
        self.scrubber, self.configuration = scrubber, configuration

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session):
        target = report_path(self.config)
        if target is None:
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        text = report(self.results, self.settings, self.configuration).to_json()
        target.write_text(self.scrubber.text(text) + "\n", encoding="utf-8")


def stopped_document(reason: str, code: int) -> dict:
    """The report of a run that stopped before it began (a usage error): still a report, so that
    a fleet's parent, the GitHub Action and CI read the verdict and the reason from data."""
    from infocheck.judging.judge import verdict_words
    return {"infocheck": __version__, "verdict": verdict_words(code), "exit_code": code,
            "explanation": reason,
            "started": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "duration_seconds": 0, "requests": {"sent": 0, "throttled": 0, "waited_seconds": 0},
            "configuration": {}, "policy": {}, "api_versions": [], "discovered_versions": {},
            "requirements": [], "expired_waivers": [], "results": []}


def report_path(config) -> Path | None:
    """Where this run's infocheck.json goes (from where pytest was started), or None."""
    path = config.getoption("infocheck_report_json")
    return Path(config.invocation_params.dir) / path if path else None


def write_stopped(config, reason: str, code: int) -> None:
    target = report_path(config)
    if target is None:
        return
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        text = RunReport.from_dict(stopped_document(printable(reason, 2000), code)).to_json()
        target.write_text(text + "\n", encoding="utf-8")
    except OSError:
        pass    # the usage error is said on the terminal all the same
