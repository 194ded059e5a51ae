"""The pytest plugin: options and environment in, verdicts and exit codes out.

Flow: pytest_addoption → `Config` (validated once in pytest_configure) → the embedded server
and the preflight (in the process that runs the session: the single one, or the xdist
controller) → fixtures → `InfoClient` per test → checks → reports rewritten here so that a
failure reads as the requirement it broke, findings and waived failures do not fail the run,
and no secret reaches any output.
"""
from __future__ import annotations

import os
import re
import secrets as random_secrets
import shutil
import tempfile
from dataclasses import astuple, replace
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from infocheck import __version__
from infocheck.contracts.info import checks
from infocheck.plugin import hypothesis_profiles
from infocheck.plugin import shards
from infocheck.reports import html as reports
from infocheck.contracts.info.checks import CheckFailure
from infocheck.bundle import folder
from infocheck.contracts.info.client import InfoClient, OnceCache
from infocheck.configuration.config import KNOBS, Config, ConfigError, build_config
from infocheck.configuration.credentials import AzureIdentityToken, CommandToken, KeyCredential
from infocheck.wire.exchange import Exchange
from infocheck.wire.printable import printable
from infocheck.wire.probe import NotTested, Probe, UnusableCredential
from infocheck.judging import catalogue as requirement_catalogue
from infocheck.judging.catalogue import UNIVERSAL, Catalogue, CatalogueError
from infocheck.contracts.info.profiles import known_versions
from infocheck.wire.secret import Scrubber, Secret
from infocheck.contracts.info.server import DEFAULT_MODELS, ReferenceServer, Settings
from infocheck.judging.judge import FINDING, NOT_TESTED, WAIVED, TestOutcome, Traffic, Verdict, settle
from infocheck.judging import waivers as waiver_file

CONFIG = pytest.StashKey[Config]()
CREDENTIAL = pytest.StashKey[object]()
SCRUBBER = pytest.StashKey[Scrubber]()
VERDICT = pytest.StashKey[Verdict]()
PREFLIGHT = pytest.StashKey[Exchange]()
CATALOGUE = pytest.StashKey[Catalogue]()
MISUSED = pytest.StashKey[str]()
IN_SUITES = pytest.StashKey[bool]()
PROBES = pytest.StashKey[list]()
EXCHANGES = pytest.StashKey[list]()
SHARED = pytest.StashKey[object]()   # exchanges sent once before the tests, for every shard
EMBEDDED = "infocheck_embedded"   # workerinput key: the controller's embedded server
SHORT_MARKERS = {"authentication": "auth", "HTTP robustness": "http"}
REPORT_LIMIT = 16_000   # characters of one test's failure text in any output
NOTE_LIMIT, MAX_NOTES = 2_000, 10
MAX_TRANSCRIPTS = 30    # exchanges shown for one test


# -- configuration --------------------------------------------------------------------------

def pytest_addoption(parser):
    group = parser.getgroup("infocheck", "infocheck: the /info endpoint under test")
    for knob in KNOBS:
        kwargs = dict(dest=knob.dest, help=f"{knob.help} [env {knob.env}]")
        if knob.form == "flag":
            kwargs.update(action="store_true", default=None)
        elif knob.form == "list":
            kwargs.update(action="append", default=None, metavar=knob.option.lstrip("-").upper())
        else:
            kwargs.update(default=None, metavar=knob.option.lstrip("-").split("-")[-1].upper())
        group.addoption(knob.option, **kwargs)
    group.addoption("--infocheck-json", dest="infocheck_json", default=None, metavar="PATH",
                    help="where to write the machine-readable report [ini infocheck_json]")
    parser.addini("infocheck_json", "path of the machine-readable report", default="")
    hypothesis_profiles.register()  # names only, before Hypothesis reads --hypothesis-profile
    parser.addini("infocheck", "run the infocheck plugin (the infocheck command and infocheck's "
                  "own pytest.ini set it; an infocheck option given does too)", type="bool",
                  default=False)


def _asked_for(config) -> bool:
    """Installed beside an unrelated project the plugin does nothing: it acts only when an ini
    file or the infocheck command says `infocheck = true`, or an infocheck option is given."""
    if config.getini("infocheck"):
        return True
    dests = [k.dest for k in KNOBS] + ["infocheck_json"]
    return any(config.getoption(dest) not in (None, [], False) for dest in dests)


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config):
    """--fleet FILE: the run is the fleet's, each target checked by a single run of its own."""
    if not _asked_for(config) or not (config.getoption("infocheck_fleet")
                                      or os.environ.get("INFOCHECK_FLEET", "").strip()):
        return None
    from infocheck.fleet.file import FleetError
    from infocheck.fleet.run import FleetRun

    here = Path(config.invocation_params.dir)
    json_path = config.getoption("infocheck_json") or config.getini("infocheck_json")
    paths = {"json": json_path, "html": config.getoption("htmlpath", None),
             "junit": getattr(config.option, "xmlpath", None)}
    paths = {kind: (here / path if path else None) for kind, path in paths.items()}
    try:
        settings = build_config({k.dest: config.getoption(k.dest) for k in KNOBS}, dict(os.environ))
        return FleetRun(settings, config.invocation_params.args, here, paths,
                        lambda line: print(line, flush=True)).run()
    except (ConfigError, FleetError) as error:
        raise pytest.UsageError(str(error)) from None


@pytest.hookimpl(trylast=True)  # after the terminal reporter exists: its output is scrubbed too
def pytest_configure(config):
    if not _asked_for(config):
        return
    if not config.getoption("--hypothesis-profile", None):
        hypothesis_settings.load_profile("gate")
    config.addinivalue_line("markers", "requirement(*ids): the requirements (fixtures/"
                            "requirements.json) a test checks")
    try:
        options = {k.dest: config.getoption(k.dest) for k in KNOBS}
        settings = build_config(options, dict(os.environ))
        known = requirement_catalogue.load(settings.requirements, settings.policy)
        waivers = waiver_file.load(settings.waivers, known) if settings.waivers else ()
    except (ConfigError, CatalogueError) as error:
        raise pytest.UsageError(str(error)) from None
    for area in known.areas:
        config.addinivalue_line("markers", f"{area_marker(area)}: tests of the {area} requirements")
    for level in ("must", "should", "ignored"):
        config.addinivalue_line("markers", f"{level}: tests of {level.upper()} requirements")
    config.addinivalue_line("markers", "slow: property-based tests (several requests each)")
    if settings.embedded:
        settings = _embedded_endpoint(config, settings)
    scrubber = Scrubber([settings.api_key] if settings.api_key else [])
    verdict = Verdict(known, waivers=waivers, fail_on_should=settings.fail_on_should)
    config.stash[CONFIG], config.stash[SCRUBBER], config.stash[VERDICT] = settings, scrubber, verdict
    config.stash[CATALOGUE] = known
    config.stash[PROBES] = []
    config.stash[CREDENTIAL] = _credential(settings, scrubber)
    config.pluginmanager.register(verdict, "infocheck-verdict")
    if not _is_worker(config):
        config.pluginmanager.register(reports.Reports(config, verdict, settings, scrubber,
                                                      described(settings, known)), "infocheck-reports")
    _scrub_terminal(config, scrubber)


def _credential(settings: Config, scrubber: Scrubber):
    """The credential source; tokens are only acquired when the first request needs one."""
    if settings.token_command:
        return CommandToken(settings.token_command, scrubber)
    if settings.azure_identity:
        return AzureIdentityToken(settings.scope, scrubber)
    return KeyCredential(settings.api_key) if settings.api_key else None


def _is_worker(config) -> bool:
    return hasattr(config, "workerinput")


def _embedded_endpoint(config, settings: Config) -> Config:
    """No endpoint given: the reference server, started once in the controlling process."""
    if _is_worker(config):
        url, key = config.workerinput[EMBEDDED]
    else:
        key = random_secrets.token_urlsafe(24)
        server = ReferenceServer(Settings(api_key=key)).start()
        config.add_cleanup(server.stop)
        url = server.url
    return replace(settings, endpoint=url, api_key=Secret(key), embedded_server=True,
                   deployments=settings.deployments or tuple(DEFAULT_MODELS),
                   model=settings.model or next(iter(DEFAULT_MODELS)))


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """pytest-xdist: hand the workers the controller's embedded server (same machine, no output)."""
    settings = node.config.stash.get(CONFIG, None)
    if settings is not None and settings.embedded_server:
        node.workerinput[EMBEDDED] = (settings.endpoint, settings.api_key.reveal())


def _scrub_terminal(config, scrubber: Scrubber) -> None:
    """Last line of defence: whatever reaches the terminal passes the scrubber."""
    if config.pluginmanager.get_plugin("terminalreporter") is None:
        return
    writer = config.get_terminal_writer()
    if not isinstance(writer._file, _ScrubbingFile):
        writer._file = _ScrubbingFile(writer._file, scrubber)


class _ScrubbingFile:
    def __init__(self, file, scrubber: Scrubber):
        self._file, self._scrubber = file, scrubber

    def write(self, text):
        return self._file.write(self._scrubber.text(text))

    def __getattr__(self, name):
        return getattr(self._file, name)


def area_marker(area: str) -> str:
    """`-m auth`, `-m http`, `-m response`; a team's area by its first word."""
    return SHORT_MARKERS.get(area) or re.sub(r"[^a-z0-9_]", "_", area.split()[0].lower())


def described(settings: Config, known: Catalogue) -> list[tuple[str, str]]:
    """The configuration as the header and the reports show it: the policy with what it changed."""
    return [(name, known.describe_policy() if name == "policy" else value)
            for name, value in settings.describe()]


def pytest_report_header(config):
    if CONFIG not in config.stash:
        return None
    rows = described(config.stash[CONFIG], config.stash[CATALOGUE])
    return [f"infocheck {__version__}"] + [f"  {name}: {value}" for name, value in rows]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Markers from the catalogue, so `-m auth`, `-m must`, `-m "not slow"` select groups. A
    test of requirements the policy ignores is not run at all (it would only cost requests);
    a test naming a requirement no catalogue declares is a usage error."""
    if CONFIG not in config.stash:
        return
    known, kept, ignored = config.stash[CATALOGUE], [], []
    for item in items:
        ids = _requirement_ids(item)
        unknown = [i for i in ids if i not in known]
        if unknown:
            problem = (f"{item.nodeid} names {', '.join(unknown)}, which no requirement catalogue "
                       "declares (add it to your --requirements file)")
            if not _is_worker(config):
                raise pytest.UsageError(problem)
            item.stash[MISUSED] = problem   # an xdist worker cannot stop the run: its report does
            continue
        for requirement_id in ids:
            item.add_marker(area_marker(known[requirement_id].area))
            item.add_marker(known[requirement_id].level.lower())
        if getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
            item.add_marker("slow")
        (ignored if ids and all(known[i].ignored for i in ids) else kept).append(item)
    if ignored:
        config.hook.pytest_deselected(items=ignored)
        items[:] = kept


def pytest_runtest_setup(item):
    if MISUSED in item.stash:
        pytest.fail(item.stash[MISUSED], pytrace=False)


# -- the preflight ---------------------------------------------------------------------------

def _new_probe(config) -> Probe:
    settings = config.stash[CONFIG]
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)
    probe = Probe(settings, settings.info_url(), config.stash[CREDENTIAL], config.stash[SCRUBBER],
                  max_requests=max(1, settings.max_requests // workers))
    config.stash[PROBES].append(probe)
    return probe


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session):
    """Before any test (and before xdist hands out tests): can the endpoint be tested at all?
    One positive GET decides; in a single process it is also the run's baseline."""
    config = session.config
    if _is_worker(config) or config.option.collectonly or CONFIG not in config.stash:
        return None
    controller = config.pluginmanager.has_plugin("dsession")
    if not session.items and not controller:
        return None
    settings, verdict = config.stash[CONFIG], config.stash[VERDICT]
    probe = _new_probe(config)
    try:
        config.stash[PREFLIGHT] = _preflight(probe, settings, verdict)
        if settings.discover_versions:
            verdict.discovered = _discover_versions(probe, settings)
    finally:
        verdict.traffic[str(os.getpid())] = _local_traffic(config)
        if controller:  # the workers have their own probes
            probe.close()
    if settings.concurrency > 1 and len(session.items) > 1 and shards.available(config):
        return _run_in_shards(session, settings, probe)
    return None


def _run_in_shards(session, settings: Config, preflight_probe: Probe) -> bool:
    """The tests in --concurrency shards, each a forked copy of this process with a probe of
    its own: the preflight's answer, and the baseline of every other api-version, are sent
    here first, once, for all of them. The probes share one RunState: the request cap and the
    breaker count for the run, and a 429 pauses them all."""
    config = session.config
    folder = tempfile.mkdtemp(prefix="infocheck-once-")
    shared = shards.SharedOnceCache(folder, {config.stash[PREFLIGHT].request: config.stash[PREFLIGHT]})
    versions = {getattr(item, "callspec", None) and item.callspec.params.get("api_version")
                for item in session.items}
    for version in settings.api_versions[1:]:
        if version in versions and preflight_probe.has_credential:
            try:
                InfoClient(preflight_probe, settings.for_version(version), shared, []).once()
            except NotTested:
                pass   # kept in the cache: the tests of that version read it and say so
    config.stash[SHARED] = shared
    config.stash[VERDICT].traffic[str(os.getpid())] = _local_traffic(config)
    count = min(settings.concurrency, len(session.items))

    def prepare(index: int) -> None:
        config.stash[PROBES] = [Probe(settings, settings.info_url(), config.stash[CREDENTIAL],
                                      config.stash[SCRUBBER], state=preflight_probe.state)]

    try:
        problems = shards.run(session, count, folder, prepare)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    problems = [config.stash[SCRUBBER].text(p) for p in problems]
    config.stash[VERDICT].internal.extend(problems)
    terminal = config.pluginmanager.get_plugin("terminalreporter")
    if terminal is not None:
        for problem in problems:
            terminal.write_line(f"infocheck: {printable(problem, 4000, lines=True)}", red=True)
    return True


def _preflight(probe: Probe, settings: Config, verdict: Verdict) -> Exchange:
    """The positive GET; stops the run (exit 2) if the endpoint cannot be tested at all."""
    url = printable(settings.info_url(), 300)
    try:
        preflight = probe.send(InfoClient(probe, settings, OnceCache(), []).positive_request())
    except UnusableCredential as reason:
        verdict.usage_error(str(reason))
    except NotTested as reason:
        verdict.untestable(str(reason))
    if preflight.error:
        verdict.untestable(f"{url}: {preflight.error}")
    if 300 <= preflight.status < 400:
        verdict.untestable(
            f"{url} answered {preflight.status_line()} to {preflight.shown_header('location')}; "
            "infocheck never follows redirects (the credential would go along), so give the final "
            "URL as --endpoint")
    if preflight.status in (401, 403) and probe.has_credential:
        verdict.untestable(
            f"the endpoint refused the credential: {url} answered {preflight.status_line()} to the "
            f"positive request. Check {_credential_knobs(settings)}. infocheck cannot tell a wrong, "
            "expired or rotated credential from a broken endpoint, so it checks nothing further")
    if preflight.status == 400 and settings.route is None and _names_missing_model(preflight):
        verdict.untestable(
            f"the endpoint needs a deployment or model: {url} answered {preflight.status_line()} "
            f"({checks.shown(checks.error_code(preflight))}) to a request that named none. Give one "
            "with --deployment NAME (INFOCHECK_DEPLOYMENTS) or --model NAME (INFOCHECK_MODEL)")
    return preflight


def _credential_knobs(settings: Config) -> str:
    if settings.token_command:
        return ("the token from INFOCHECK_TOKEN_COMMAND / --token-command (is it for this "
                "resource and not expired?)")
    if settings.azure_identity:
        return (f"the Azure Identity token (scope {settings.scope}; --token-scope) and the "
                "identity's role on the resource")
    return (f"INFOCHECK_API_KEY / --api-key, and --auth-header (the key went as "
            f"{'Authorization: Bearer' if settings.auth_header == 'bearer' else 'api-key'})")


MISSING_MODEL = re.compile(r"no[ _]model|model[ _]name|(specify|provide|requires?)\b.*\bmodel|"
                           r"model\b.*\b(required|missing|not specified)", re.IGNORECASE)


def _names_missing_model(exchange: Exchange) -> bool:
    """A 400 that says a model or deployment must be named, as unified endpoints answer."""
    return bool(MISSING_MODEL.search(f"{checks.error_code(exchange)} {exchange.excerpt(400)}"))


def _discover_versions(probe: Probe, settings: Config) -> dict[str, str]:
    """Which known api-versions the endpoint accepts: one positive GET each."""
    found = {}
    for version in known_versions():
        client = InfoClient(probe, settings.for_version(version), OnceCache(), [])
        try:
            exchange = probe.send(client.positive_request())
        except NotTested as reason:
            found[version] = f"not asked ({reason})"
            continue
        accepted = exchange.status == 200 and exchange.json_or_none() is not None
        found[version] = ("accepted" if accepted else "refused") + f": {exchange.status_line()}"
    return found


def _local_traffic(config) -> Traffic:
    """What this process's probes have sent so far."""
    probes = config.stash.get(PROBES, [])
    return Traffic(sum(p.sent for p in probes), sum(p.throttled for p in probes),
                   sum(p.waited for p in probes))


# -- fixtures --------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def infocheck_config(pytestconfig) -> Config:
    return pytestconfig.stash[CONFIG]


def pytest_generate_tests(metafunc):
    """Several api-versions: every test that talks to the endpoint runs once per version. A
    test that takes `deployment` runs once per configured deployment (or once with None)."""
    if CONFIG not in metafunc.config.stash:
        return
    settings = metafunc.config.stash[CONFIG]
    if len(settings.api_versions) > 1 and "api_version" in metafunc.fixturenames:
        metafunc.parametrize("api_version", settings.api_versions, ids=list(settings.api_versions))
    if "deployment" in metafunc.fixturenames:
        names = list(settings.deployments) or [None]
        metafunc.parametrize("deployment", names, ids=[n or "none" for n in names])


@pytest.fixture
def api_version(infocheck_config) -> str:
    """The api-version a test checks (a parameter when the run checks several)."""
    return infocheck_config.api_version


@pytest.fixture(scope="session")
def _session_probe(pytestconfig):
    probe = pytestconfig.stash[PROBES][0] if PREFLIGHT in pytestconfig.stash else _new_probe(pytestconfig)
    yield probe
    probe.close()


@pytest.fixture(scope="session")
def _shared_exchanges(pytestconfig, _session_probe) -> OnceCache:
    """Exchanges several tests read: sent once a run. The preflight is the baseline."""
    if SHARED in pytestconfig.stash:
        return pytestconfig.stash[SHARED]
    preflight = pytestconfig.stash.get(PREFLIGHT, None)
    return OnceCache({preflight.request: preflight} if preflight is not None else {})


@pytest.fixture
def info(request, pytestconfig, api_version, _session_probe, _shared_exchanges) -> InfoClient:
    """The client a test sends its requests through; its exchanges go into the report."""
    recorded = request.node.stash.setdefault(EXCHANGES, [])
    settings = pytestconfig.stash[CONFIG].for_version(api_version)
    return InfoClient(_session_probe, settings, _shared_exchanges, recorded)


@pytest.fixture
def baseline(info) -> Exchange:
    """The positive exchange (valid key, configured api-version), sent once a run."""
    if not info.probe.has_credential:
        raise NotTested(NOT_TESTED + "no credential given (INFOCHECK_API_KEY, INFOCHECK_TOKEN_COMMAND "
                        "or --azure-identity), so the positive path cannot be checked")
    exchange = info.once()
    if exchange.status in (401, 403):  # the preflight says so for the first api-version
        raise NotTested(f"{NOT_TESTED}the endpoint refused the credential under api-version "
                        f"{info.api_version} ({exchange.status_line()}); check "
                        f"{_credential_knobs(info.config)}")
    return exchange


@pytest.fixture
def working_baseline(baseline) -> Exchange:
    """A refusal only means something if the positive request succeeds: require it."""
    if baseline.status != 200:
        raise NotTested(NOT_TESTED + f"the positive request got {baseline.status_line()} (see "
                        "SHAPE-200), so a refusal here would prove nothing")
    return baseline


# -- reports ---------------------------------------------------------------------------------

def _in_suites(item) -> bool:
    """Is this one of infocheck's own tests (rather than a team's)? Asked at every report."""
    if IN_SUITES not in item.stash:
        item.stash[IN_SUITES] = Path(item.path).resolve().is_relative_to(_suites_folder())
    return item.stash[IN_SUITES]


@lru_cache(maxsize=None)
def _suites_folder() -> Path:
    return folder("suites").resolve()


def _requirement_ids(item) -> tuple[str, ...]:
    ids: list[str] = []
    for mark in item.iter_markers("requirement"):
        ids += list(mark.args)
    return tuple(ids)


def _check_failures(error) -> list[CheckFailure] | None:
    """The CheckFailures behind a test's exception, or None if something else broke."""
    if isinstance(error, CheckFailure):
        return [error]
    if isinstance(error, BaseExceptionGroup):
        leaves, stack = [], [error]
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
    # Before pytest's unittest support turns a NotTested (a SkipTest) into a plain skip.
    raised = call.excinfo.value if call.excinfo is not None else None
    report = yield
    config = item.config
    if CONFIG not in config.stash:
        return report
    scrubber = config.stash[SCRUBBER]
    ids = _requirement_ids(item)
    report.requirements = ids
    report.infocheck_team = not _in_suites(item)   # a team's own test: its errors are not ours
    if MISUSED in item.stash:
        report.infocheck_usage = item.stash[MISUSED]
    callspec = getattr(item, "callspec", None)
    report.api_version = (callspec.params.get("api_version") if callspec else None) \
        or config.stash[CONFIG].api_version
    report.user_properties.extend(("requirement", r) for r in ids)
    known = config.stash[CATALOGUE]
    report.user_properties.extend(("level", level) for level in
                                  dict.fromkeys(known[r].level for r in ids if r in known))
    report.infocheck_outcome, report.infocheck_message, report.infocheck_summary = None, "", ""
    if report.when == "call" and call.excinfo is not None and report.failed:
        _judge_failure(report, call.excinfo.value, ids, config)
    if report.infocheck_outcome is None:
        _plain_outcome(report, raised)
    _scrub_report(report, scrubber)
    exchanges = item.stash.get(EXCHANGES, [])
    if report.when == "call" and exchanges:
        report.infocheck_transcript = printable(scrubber.text("\n\n".join(
            ex.transcript() for ex in exchanges[:MAX_TRANSCRIPTS])), REPORT_LIMIT * 4, lines=True)
    report.infocheck_traffic = (str(os.getpid()), *astuple(_local_traffic(config)))
    return report


def _judge_failure(report, error, ids, config) -> None:
    """A failure reads as the requirement it broke; SHOULD findings and waived failures do
    not fail the run. In infocheck's suites anything that is not a CheckFailure is infocheck's
    own error; in a team's test, a plain assert fails the requirements the test declares."""
    failures, ours = _check_failures(error), not report.infocheck_team
    known = config.stash[CATALOGUE]
    if failures is None:
        if ours or not ids:
            report.infocheck_internal = ours
            return
        failed, text = ids, report.longreprtext
    else:
        failed = tuple(dict.fromkeys(f.requirement_id for f in failures))
        text = "\n\n".join(f.explain(known) for f in failures)
        notes = getattr(error, "__notes__", None) or []
        if notes:  # Hypothesis puts the falsifying example here: escaped and capped like the rest
            text += "\n\n" + "\n".join(printable(str(n), NOTE_LIMIT, lines=True) for n in notes[:MAX_NOTES])
    report.failed_requirements, report.longrepr = failed, text
    got = failures[0].got if failures else _last_line(text)
    report.infocheck_outcome, report.infocheck_message, report.infocheck_summary = "failed", text, got
    stray = [i for i in failed if i not in ids + UNIVERSAL]
    if stray:
        if ours:
            report.infocheck_internal = True
            report.longrepr += f"\n(infocheck bug: the test does not declare {', '.join(stray)})"
        else:
            report.infocheck_usage = (
                f"{report.nodeid} failed {', '.join(stray)}, which the test does not declare with "
                "@pytest.mark.requirement" + ("" if all(s in known for s in stray)
                                               else ", and no requirement catalogue declares"))
            report.longrepr += f"\n(usage error: {report.infocheck_usage})"
        return
    settled = settle(TestOutcome(report.nodeid, ids, "failed", failed, text), config.stash[VERDICT].policy)
    report.infocheck_outcome, report.longrepr = settled.outcome, settled.message
    report.infocheck_message = settled.message
    if settled.outcome == "waived":
        report.outcome, report.wasxfail = "skipped", f"{WAIVED}{settled.summary}\n{text}"
        report.infocheck_summary = settled.summary
    elif settled.outcome == "finding":
        report.outcome, report.wasxfail = "skipped", FINDING + text


def _plain_outcome(report, raised: BaseException | None) -> None:
    """What pytest's own outcome means for the verdict, decided here once and carried on the
    report as data: a check that could not run (NotTested, wherever it was raised) is 'not
    tested', any other skip 'skipped', a failure outside a check 'failed' in the call and
    'error' in setup or teardown; a passed setup or teardown is no outcome of its own."""
    if report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr or "")
        if isinstance(raised, NotTested):
            reason = str(raised).removeprefix(NOT_TESTED)
            report.infocheck_outcome = "not tested"
        else:
            reason = reason.removeprefix("Skipped: ")
            report.infocheck_outcome = "skipped"
        report.infocheck_message = report.infocheck_summary = reason
    elif report.failed:
        report.infocheck_outcome = "failed" if report.when == "call" else "error"
        report.infocheck_message = report.longreprtext
        report.infocheck_summary = _last_line(report.longreprtext)
    elif report.when == "call":
        report.infocheck_outcome = "passed"


def _last_line(text: str) -> str:
    """A failure outside a check, in one line: its last (where Python names the exception)."""
    return (text.strip().splitlines() or [""])[-1].strip()


def _scrub_report(report, scrubber: Scrubber) -> None:
    """Every text a report carries to the terminal, JUnit, HTML and JSON: secrets masked,
    control characters escaped (newlines kept: the messages' own structure), length capped."""
    def clean(text: str) -> str:
        return printable(scrubber.text(text), REPORT_LIMIT, lines=True)

    if isinstance(report.longrepr, tuple):
        path, line, reason = report.longrepr
        report.longrepr = (path, line, clean(reason))
    elif report.longrepr is not None:
        report.longrepr = clean(str(report.longrepr))
    if getattr(report, "wasxfail", None):
        report.wasxfail = clean(report.wasxfail)
    report.infocheck_message = clean(report.infocheck_message)
    report.infocheck_summary = printable(scrubber.text(report.infocheck_summary), 1000)
    report.sections = [(title, clean(content)) for title, content in report.sections]


def pytest_report_teststatus(report, config):
    if CONFIG not in config.stash:
        return None
    outcome = getattr(report, "infocheck_outcome", None)
    if outcome == "finding":
        return "finding", "f", "FINDING"
    if outcome == "waived":
        return "waived", "w", "WAIVED"
    if outcome == "not tested":
        return "not tested", "n", "NOT TESTED"
    return None
