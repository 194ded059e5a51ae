"""The pytest plugin: options and environment in, verdicts and exit codes out.

Flow: pytest_addoption → `Config` (validated once in pytest_configure) → session fixtures
(`target`, `probe`, preflight) → `InfoClient` per test → checks → reports rewritten here so
that a failure reads as the requirement it broke, findings do not fail the run, and no
secret reaches any output.
"""
from __future__ import annotations

import os
from dataclasses import replace
import secrets as random_secrets

import pytest

from . import __version__
from .checks import CheckFailure
from .client import NOT_TESTED, InfoClient, Target
from .config import KNOBS, Config, ConfigError, build_config, knob_dest
from .exchange import Exchange
from .probe import NotTested, Probe
from .requirements import UNIVERSAL, catalogue
from .secret import Scrubber, Secret
from .server import DEFAULT_MODELS, ReferenceServer, Settings
from . import hypothesis_profiles  # noqa: F401  (registers and loads the profiles)

CONFIG = pytest.StashKey[Config]()
SCRUBBER = pytest.StashKey[Scrubber]()
VERDICT = pytest.StashKey["Verdict"]()
EXCHANGES = pytest.StashKey[list]()

EXIT_UNTESTABLE = 2
EXIT_INTERNAL = 3


# -- configuration --------------------------------------------------------------------------

def pytest_addoption(parser):
    group = parser.getgroup("infocheck", "infocheck: the /info endpoint under test")
    for knob in KNOBS:
        kwargs = dict(dest=knob_dest(knob), help=f"{knob.help} [env {knob.env}]")
        if knob.flag:
            kwargs.update(action="store_true", default=None)
        elif knob.repeatable:
            kwargs.update(action="append", default=None, metavar="NAME")
        else:
            kwargs.update(default=None, metavar=knob.option.lstrip("-").split("-")[-1].upper())
        group.addoption(knob.option, **kwargs)


def pytest_configure(config):
    try:
        options = {knob_dest(k): config.getoption(knob_dest(k)) for k in KNOBS}
        settings = build_config(options, dict(os.environ))
    except ConfigError as error:
        raise pytest.UsageError(str(error)) from None
    if settings.embedded and not settings.deployments:
        settings = replace(settings, deployments=tuple(DEFAULT_MODELS))
    scrubber = Scrubber([settings.api_key] if settings.api_key else [])
    config.stash[CONFIG] = settings
    config.stash[SCRUBBER] = scrubber
    verdict = Verdict(config)
    config.stash[VERDICT] = verdict
    config.pluginmanager.register(verdict, "infocheck-verdict")
    _scrub_terminal(config, scrubber)
    _describe_in_report(config, settings)


def _describe_in_report(config, settings: Config) -> None:
    """The effective (redacted) configuration in the HTML report's Environment table."""
    try:
        from pytest_metadata.plugin import metadata_key
    except ImportError:
        return
    metadata = config.stash.get(metadata_key, None)
    if metadata is not None:
        metadata["infocheck"] = __version__
        metadata.update({f"infocheck {name}": value for name, value in settings.describe()})


def _scrub_terminal(config, scrubber: Scrubber) -> None:
    """Last line of defence: whatever reaches the terminal passes the scrubber."""
    writer = config.get_terminal_writer() if config.pluginmanager.get_plugin("terminalreporter") else None
    if writer is not None and not isinstance(writer._file, _ScrubbingFile):
        writer._file = _ScrubbingFile(writer._file, scrubber)


class _ScrubbingFile:
    def __init__(self, file, scrubber: Scrubber):
        self._file, self._scrubber = file, scrubber

    def write(self, text):
        return self._file.write(self._scrubber.text(text))

    def __getattr__(self, name):
        return getattr(self._file, name)


def pytest_report_header(config):
    settings = config.stash.get(CONFIG, None)
    if settings is None:
        return None
    lines = [f"infocheck {__version__}"]
    lines += [f"  {name}: {value}" for name, value in settings.describe()]
    return lines


# -- the endpoint, the probe, the preflight ------------------------------------------------

@pytest.fixture(scope="session")
def infocheck_config(pytestconfig) -> Config:
    return pytestconfig.stash[CONFIG]


@pytest.fixture(scope="session")
def _endpoint(pytestconfig, infocheck_config):
    """The endpoint under test; with none configured, the embedded reference server."""
    if infocheck_config.endpoint:
        yield infocheck_config, Target(infocheck_config.info_url(), embedded=False)
        return
    key = Secret(random_secrets.token_urlsafe(24))
    pytestconfig.stash[SCRUBBER].add(key)
    server = ReferenceServer(Settings(api_key=key.reveal())).start()
    settings = replace(infocheck_config, endpoint=server.url, api_key=key)
    try:
        yield settings, Target(settings.info_url(), embedded=True)
    finally:
        server.stop()


@pytest.fixture(scope="session")
def target(_endpoint) -> Target:
    return _endpoint[1]


@pytest.fixture(scope="session")
def _session_probe(pytestconfig, _endpoint):
    settings, target = _endpoint
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)
    probe = Probe(settings, target.info_url, settings.api_key, pytestconfig.stash[SCRUBBER],
                  max_requests=max(1, settings.max_requests // workers))
    pytestconfig.stash[VERDICT].probes.append(probe)
    yield probe
    probe.close()


@pytest.fixture(scope="session")
def _shared_exchanges(pytestconfig, _session_probe, _endpoint):
    """Runs the preflight: one positive GET that also serves as the baseline of the run."""
    settings, target = _endpoint
    shared: dict = {}
    client = InfoClient(_session_probe, settings, shared, [])
    auth = client.credentials() if _session_probe.has_key else ()
    verdict = pytestconfig.stash[VERDICT]
    try:
        preflight = _session_probe.send(client.request(auth=auth))
    except NotTested as reason:
        verdict.untestable(str(reason))
    if preflight.error:
        verdict.untestable(f"{target.info_url}: {preflight.error}")
    if 300 <= preflight.status < 400:
        verdict.untestable(
            f"{target.info_url} answered {preflight.status_line()} to "
            f"{preflight.header('location') or 'nowhere'}; infocheck never follows redirects (the "
            "credential would go along), so give the final URL as --endpoint")
    shared["baseline" if _session_probe.has_key else "no-credential"] = preflight
    return shared


@pytest.fixture
def info(request, pytestconfig, _session_probe, _shared_exchanges, _endpoint) -> InfoClient:
    """The client a test sends its requests through; its exchanges go into the report."""
    recorded = request.node.stash.setdefault(EXCHANGES, [])
    return InfoClient(_session_probe, _endpoint[0], _shared_exchanges, recorded)


@pytest.fixture
def baseline(info) -> Exchange:
    """The positive exchange (valid key, configured api-version), sent once a run."""
    if not info.probe.has_key:
        pytest.skip(NOT_TESTED + "no credential given (INFOCHECK_API_KEY / --api-key), so the "
                    "positive path cannot be checked")
    return info.once("baseline")


@pytest.fixture
def working_baseline(baseline) -> Exchange:
    """A refusal only means something if the positive request succeeds: require it."""
    if baseline.status != 200:
        pytest.skip(NOT_TESTED + f"the positive request got {baseline.status_line()} (see SHAPE-200), "
                    "so a refusal here would prove nothing")
    return baseline


# -- outcomes --------------------------------------------------------------------------------

def _requirement_ids(item) -> tuple[str, ...]:
    ids: list[str] = []
    for mark in item.iter_markers("requirement"):
        ids += list(mark.args)
    return tuple(ids)


def _check_failures(excinfo) -> list[CheckFailure] | None:
    """The CheckFailures behind a test's exception, or None if something else broke."""
    error = excinfo.value
    if isinstance(error, CheckFailure):
        return [error]
    if isinstance(error, BaseExceptionGroup):
        leaves = []
        stack = [error]
        while stack:
            current = stack.pop()
            if isinstance(current, BaseExceptionGroup):
                stack.extend(current.exceptions)
            else:
                leaves.append(current)
        if leaves and all(isinstance(e, CheckFailure) for e in leaves):
            return leaves
    return None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    config = item.config
    if CONFIG not in config.stash:
        return report
    scrubber = config.stash[SCRUBBER]
    ids = _requirement_ids(item)
    report.requirements = ids
    for requirement_id in ids:
        report.user_properties.append(("requirement", requirement_id))
    if report.when == "call" and call.excinfo is not None and report.failed:
        failures = _check_failures(call.excinfo)
        if failures is None:
            report.infocheck_internal = True
        else:
            stray = [f.requirement.id for f in failures
                     if f.requirement.id not in ids and f.requirement.id not in UNIVERSAL]
            text = "\n\n".join(f.explain() for f in failures)
            notes = getattr(call.excinfo.value, "__notes__", None) or []
            if notes:  # Hypothesis puts the falsifying example here
                text += "\n\n" + "\n".join(str(n) for n in notes)
            if stray:
                report.infocheck_internal = True
                text += f"\n(infocheck bug: the test does not declare {', '.join(stray)})"
            levels = {f.requirement.level for f in failures}
            report.failed_requirements = tuple(dict.fromkeys(f.requirement.id for f in failures))
            report.longrepr = text
            if levels == {"SHOULD"} and not config.stash[CONFIG].fail_on_should and not stray:
                report.outcome = "skipped"
                report.wasxfail = FINDING + text
    if report.longrepr is not None and not isinstance(report.longrepr, tuple):
        report.longrepr = scrubber.text(str(report.longrepr))
    elif isinstance(report.longrepr, tuple):
        path, line, reason = report.longrepr
        report.longrepr = (path, line, scrubber.text(reason))
    report.sections = [(title, scrubber.text(content)) for title, content in report.sections]
    exchanges = item.stash.get(EXCHANGES, [])
    if report.when == "call" and exchanges:
        _attach_transcripts(report, exchanges, scrubber)
    return report


def _attach_transcripts(report, exchanges: list[Exchange], scrubber: Scrubber) -> None:
    text = "\n\n".join(ex.transcript() for ex in exchanges)
    curls = "\n".join(dict.fromkeys(ex.curl for ex in exchanges))
    try:
        import pytest_html
    except ImportError:
        return
    extras = getattr(report, "extras", [])
    extras.append(pytest_html.extras.text(scrubber.text(text), name="exchanges"))
    extras.append(pytest_html.extras.text(scrubber.text(curls), name="curl"))
    report.extras = extras


def pytest_report_teststatus(report, config):
    if report.when == "call" and getattr(report, "wasxfail", "").startswith(FINDING):
        return "finding", "f", "FINDING"
    if _not_tested_reason(report):
        return "not tested", "n", "NOT TESTED"
    return None


class Verdict:
    """Gathers outcomes from reports (so it works under pytest-xdist too), sets the exit
    status, and writes the closing summary. Registered as a plugin in pytest_configure."""

    def __init__(self, config):
        self.config = config
        self.must_failed: list[str] = []
        self.findings: list[tuple[str, str]] = []
        self.not_tested: list[tuple[str, str]] = []
        self.internal: list[str] = []
        self.positive_verified = False
        self.positive_seen = False
        self.probes: list[Probe] = []
        self.status: int | None = None
        self.untestable_reason: str | None = None

    def untestable(self, reason: str):
        """Stop the run at once: nothing can be checked. One line says why."""
        self.untestable_reason = reason
        pytest.exit(f"infocheck: endpoint could not be tested: {reason}", returncode=EXIT_UNTESTABLE)

    def pytest_runtest_logreport(self, report):
        requirements = getattr(report, "requirements", ())
        not_tested = _not_tested_reason(report)
        if "SHAPE-200" in requirements and (report.when == "call" or not_tested):
            self.positive_seen = True
            self.positive_verified |= report.when == "call" and (report.passed or report.failed)
        if getattr(report, "infocheck_internal", False) or (report.failed and report.when != "call"):
            self.internal.append(report.nodeid)
        elif report.failed:
            self.must_failed.append(report.nodeid)
        wasxfail = getattr(report, "wasxfail", "")
        if wasxfail.startswith(FINDING):
            self.findings.append((report.nodeid, wasxfail[len(FINDING):].split("\n", 1)[0]))
        elif not_tested:
            self.not_tested.append((report.nodeid, not_tested))

    def pytest_sessionfinish(self, session, exitstatus):
        if exitstatus in (0, 1):
            if self.internal and not self.must_failed:
                session.exitstatus = EXIT_INTERNAL
            elif exitstatus == 0 and (self.not_tested or (self.positive_seen and not self.positive_verified)):
                session.exitstatus = EXIT_UNTESTABLE
        self.status = int(session.exitstatus)

    def pytest_terminal_summary(self, terminalreporter):
        write = terminalreporter.write_line
        if self.findings:
            terminalreporter.section("SHOULD findings (they fail the run only with --fail-on-should)")
            for nodeid, line in self.findings:
                write(f"{line}   ({nodeid.split('::')[-1]})")
        if self.not_tested:
            terminalreporter.section("not tested")
            reasons: dict[str, int] = {}
            for _, reason in self.not_tested:
                reasons[reason] = reasons.get(reason, 0) + 1
            for reason, count in reasons.items():
                write(f"{count} check(s): {reason}")
        terminalreporter.section("infocheck verdict")
        if self.probes:
            sent = sum(p.sent for p in self.probes)
            throttled = sum(p.throttled for p in self.probes)
            waited = sum(p.waited for p in self.probes)
            write(f"requests sent: {sent}" + (f"; throttled {throttled} time(s), waited {waited:.1f} s"
                                               if throttled else ""))
        verdict = VERDICTS.get(self.status)
        if self.untestable_reason:
            verdict = f"COULD NOT TEST: {self.untestable_reason}"
        if verdict:
            good = self.status == 0
            write(f"{verdict} (exit {self.status})", bold=True, red=not good, green=good)


FINDING = "SHOULD finding: "
VERDICTS = {
    0: "CONFORMANT: every MUST requirement checked passed",
    1: "NOT CONFORMANT: a MUST requirement failed",
    EXIT_UNTESTABLE: "COULD NOT TEST: the endpoint could not be checked completely (see 'not tested')",
    EXIT_INTERNAL: "INTERNAL ERROR: infocheck itself failed; this says nothing about the endpoint",
}


def _not_tested_reason(report) -> str | None:
    if report.skipped and isinstance(report.longrepr, tuple) and NOT_TESTED in report.longrepr[2]:
        return report.longrepr[2].split(NOT_TESTED, 1)[1]
    return None
