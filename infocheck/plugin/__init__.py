"""The pytest plugin: hook wiring only. Each hook hands over to the module that does its job.

Flow: options (plugin/options.py) → one validated `Config` → a `RunContext` (contracts/context.py)
→ the chosen contract's suites collected and marked (plugin/collection.py) → the preflight
(plugin/preflight.py) → the tests, in --concurrency shards where they can be (plugin/shards.py),
each sending through a `Probe` the contract's client builds requests for (fixtures) → each
phase's `TestOutcome` decided once (plugin/outcomes.py) → the collector (plugin/collector.py)
judges them → reporters (infocheck/reports/) read its results.

Installed, it is inert unless asked for (an ini file's `infocheck = true`, the `infocheck`
command, or an infocheck option given): in another project it changes nothing.
"""
from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from infocheck.plugin import collection, options, outcomes
from infocheck.troubleshooting import linked
from infocheck.contracts.context import CONTEXT, RunContext, context_of, is_worker

EXCHANGES_SHOWN = 30              # exchanges shown for one test


def pytest_addoption(parser):
    options.add_options(parser)


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config):
    """The reports' folder, before pytest-html and JUnit read their options; and --fleet FILE:
    then the run is the fleet's, each target checked by a single run of its own."""
    if not options.asked_for(config) or config.option.help:
        return None     # pytest's help (infocheck --help-pytest) writes no report, nor its folder
    _say_new_names(config)
    from infocheck.plugin import report_paths
    paths = report_paths.resolve(config)
    refused = refused_contract(config)
    if refused:
        return refused
    if not (config.getoption("infocheck_fleet") or os.environ.get("INFOCHECK_FLEET", "").strip()):
        return _listing(config)
    from infocheck.configuration.config import build_config
    from infocheck.configuration.knobs import ConfigError
    from infocheck.fleet.file import FleetError
    from infocheck.fleet.run import FleetRun

    from infocheck.contracts import ContractError

    try:
        settings = build_config(options.given_options(config), dict(os.environ))
        fleet_run = FleetRun(settings, config.invocation_params.args, Path(config.invocation_params.dir),
                             paths, lambda line: print(line, flush=True))
        code = fleet_run.run()
        if settings.history:
            from infocheck.plugin.history_hook import record_fleet
            record_fleet(settings, paths, fleet_run, lambda line: print(line, flush=True))
        return code
    except (ConfigError, FleetError) as error:
        raise pytest.UsageError(linked(error)) from None
    except ContractError as error:
        from infocheck.judging.judge import EXIT_INTERNAL
        pytest.exit(f"infocheck: {error}", returncode=EXIT_INTERNAL)


def _say_new_names(config) -> None:
    """A former option or variable still works, and says its new name once, on stderr (this hook
    runs once a run, in the process that started it: not in an xdist worker or a shard)."""
    from infocheck.configuration.knobs import renamed, renamed_options
    if is_worker(config):
        return
    for note in renamed_options(config.invocation_params.args) + renamed(os.environ)[1]:
        print(note, file=sys.stderr, flush=True)


def refused_contract(config) -> int | None:
    """The chosen contract, if the registry refuses it (it lacks a member of the Contract
    interface): one line, the JSON report, and exit 3, since infocheck itself is broken. A name
    that is no contract's is left to the configuration's usage error."""
    from infocheck import contracts

    name = (config.getoption("infocheck_contract") or os.environ.get("INFOCHECK_CONTRACT", "")
            or contracts.DEFAULT).strip().lower()
    if name not in contracts.names():
        return None
    try:
        contracts.get(name)
    except contracts.ContractError as error:
        from infocheck.judging.judge import EXIT_INTERNAL
        from infocheck.reports.json_report import write_stopped
        print(f"ERROR: infocheck: {error}", file=sys.stderr, flush=True)
        write_stopped(config, str(error), EXIT_INTERNAL)
        return EXIT_INTERNAL
    return None


def _listing(config):
    """--fixtures and --fixtures-per-test: pytest lists them in a session of its own and ends 0,
    whatever that session's exit status. Here it ends with the status the run's judge gave
    that session (no test ran: COULD NOT TEST, as its reports say), never 0."""
    from _pytest import fixtures
    if getattr(config.option, "showfixtures", False):
        return int(fixtures.showfixtures(config))
    if getattr(config.option, "show_fixtures_per_test", False):
        return int(fixtures.show_fixtures_per_test(config))
    return None


@pytest.hookimpl(specname="pytest_configure", tryfirst=True)
def pytest_configure_before_hypothesis(config):
    """Before Hypothesis's own pytest_configure loads --hypothesis-profile: infocheck's
    profiles, and Hypothesis's files out of the user's folder; only in a run of infocheck."""
    if options.asked_for(config):
        from infocheck.plugin import hypothesis_profiles
        hypothesis_profiles.activate(config, os.environ)


@pytest.hookimpl(trylast=True)  # after the terminal reporter exists: its output is scrubbed too
def pytest_configure(config):
    if not options.asked_for(config):
        return
    from hypothesis import settings as hypothesis_settings

    from infocheck.configuration.knobs import ConfigError
    from infocheck.plugin import setup

    if not config.getoption("--hypothesis-profile", None):
        hypothesis_settings.load_profile("gate")
    from infocheck.contracts import ContractError

    try:
        context = setup.context(config, options.given_options(config), dict(os.environ))
    except ConfigError as error:
        from infocheck.judging.judge import EXIT_USAGE
        from infocheck.reports.json_report import write_stopped
        if not is_worker(config):
            write_stopped(config, linked(error), EXIT_USAGE)
        raise pytest.UsageError(linked(error)) from None
    except ContractError as error:   # refused in pytest_cmdline_main already, but for a worker
        pytest.exit(f"infocheck: {error}", returncode=3)
    config.stash[CONTEXT] = context
    collection.register_markers(config, context.catalogue)
    setup.register(config, context)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """pytest-xdist: hand the workers the controller's embedded server (same machine, no output)."""
    context = context_of(node.config)
    if context is not None and context.settings.embedded_server:
        from infocheck.plugin.setup import EMBEDDED
        node.workerinput[EMBEDDED] = (context.settings.endpoint, context.settings.api_key.reveal())


def pytest_report_header(config):
    context = context_of(config)
    if context is None:
        return None
    from infocheck.reports.terminal import header
    return header(context.configuration)


def pytest_ignore_collect(collection_path, config):
    """Only the chosen contract's suites are collected (suites/ holds every contract's)."""
    context = context_of(config)
    if context is not None and collection.is_other_contracts_suites(collection_path, context.contract):
        return True
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    context = context_of(config)
    if context is not None:
        collection.mark(config, items, context.catalogue, is_worker(config))


def pytest_collection_finish(session):
    """After -m and -k: a MUST requirement no collected test declares stops the run (exit 4)
    before any request; those left out on purpose are said once."""
    config = session.config
    context = context_of(config)
    if context is None or config.option.collectonly:
        return
    missing, left_out = collection.unchecked(config, session.items, context.catalogue)
    if missing:
        problem = collection.unchecked_problem(missing, context.catalogue)
        if not is_worker(config):
            from infocheck.judging.judge import EXIT_USAGE
            from infocheck.reports.json_report import write_stopped
            write_stopped(config, problem, EXIT_USAGE)
            raise pytest.UsageError(problem)
        if session.items:
            session.items[0].stash[collection.MISUSED] = problem
    if left_out:
        context.results.left_out = left_out
        terminal = config.pluginmanager.get_plugin("terminalreporter")
        if terminal is not None and not is_worker(config):
            terminal.write_line(f"infocheck: left out on purpose (-m/-k): {len(left_out)} MUST "
                                f"requirement(s): {', '.join(left_out)}")


def pytest_runtest_setup(item):
    if collection.MISUSED in item.stash:
        pytest.fail(item.stash[collection.MISUSED], pytrace=False)


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session):
    """Before any test (and before xdist hands out tests): the preflight; then the tests, in
    shards where --concurrency asks for them and they can be."""
    config = session.config
    context = context_of(config)
    if context is None or is_worker(config) or config.option.collectonly:
        return None
    controller = config.pluginmanager.has_plugin("dsession")
    if not session.items and not controller:
        return None
    from infocheck.plugin import fork_runner, preflight, shards

    probe = context.new_probe()
    try:
        context.preflight = preflight.preflight(probe, context.settings)
        context.results.identity = context.contract.identity(context.preflight)
        context.results.notices.extend(context.contract.notices(context.preflight, context.settings))
        context.results.retirement.update(context.contract.retirement(context.preflight))
        terminal = config.pluginmanager.get_plugin("terminalreporter")
        for notice in context.results.notices if terminal is not None else ():
            terminal.write_line(f"infocheck: NOTE: {notice}", yellow=True, bold=True)
        if context.settings.discover_versions:
            context.results.discovered = context.contract.discover_versions(probe, context.settings)
    except preflight.Stop as stop:
        context.results.count(str(os.getpid()), context.traffic())
        pytest.exit(stop.heading + context.results.stop(stop.reason), returncode=stop.code)
    finally:
        context.results.count(str(os.getpid()), context.traffic())
        if controller:  # the workers have their own probes
            probe.close()
    if context.settings.concurrency > 1 and len(session.items) > 1 and not fork_runner.unavailable(config):
        return shards.run_sharded(session, context, probe)
    return None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    # Before pytest's unittest support turns a NotTested (a SkipTest) into a plain skip.
    raised = call.excinfo.value if call.excinfo is not None else None
    report = yield
    context = context_of(item.config)
    if context is None:
        return report
    from infocheck.plugin.fixtures import EXCHANGES
    from infocheck.wire.printable import printable

    ids = collection.requirement_ids(item)
    callspec = getattr(item, "callspec", None)
    facts = outcomes.TestFacts(
        item.nodeid, ids, (callspec.params.get("api_version") if callspec else None)
        or context.settings.api_version, team=not collection.in_suites(item, context.contract),
        usage=item.stash.get(collection.MISUSED, ""))
    outcome = outcomes.classify(report, raised, facts, context.policy, context.scrubber)
    exchanges = item.stash.get(EXCHANGES, [])
    if report.when == "call" and exchanges:
        transcript = "\n\n".join(ex.transcript() for ex in exchanges[:EXCHANGES_SHOWN])
        outcome = replace(outcome, transcript=printable(context.scrubber.text(transcript),
                                                        outcomes.REPORT_LIMIT * 4, lines=True))
    outcome = outcomes.with_traffic(outcome, str(os.getpid()), context.traffic())
    report.user_properties.extend(("requirement", r) for r in ids)
    report.user_properties.extend(("level", level) for level in dict.fromkeys(l for l in outcome.levels if l))
    outcomes.dress(report, outcome, context.scrubber)
    return report


def pytest_report_teststatus(report, config):
    if context_of(config) is None:
        return None
    return outcomes.status_words(report)
