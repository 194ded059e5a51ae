"""A run's set-up, in pytest_configure: the validated Config, the contract's catalogue with a
team's and the policy, the waivers, the embedded reference server when no endpoint is given,
the credential source, and the plugins that collect and report, registered only now (an
installed infocheck that was not asked for registers nothing)."""
from __future__ import annotations

import secrets as random_secrets
from dataclasses import replace
from importlib import import_module

from infocheck.configuration.config import build_config
from infocheck.configuration.credentials import AzureIdentityToken, CommandToken, KeyCredential
from infocheck.fleet.channel import CREDENTIAL_SOURCE, handed_over, key_variable, reporter
from infocheck.judging import catalogue as catalogues
from infocheck.judging import waivers as waiver_file
from infocheck.judging.policy import Policy
from infocheck.plugin.collector import Results
from infocheck.contracts.context import RunContext, is_worker
from infocheck.wire.secret import Scrubber, Secret

EMBEDDED = "infocheck_embedded"   # workerinput key: the controller's embedded server


def context(config, given: dict, environ: dict) -> RunContext:
    settings = build_config(given, environ)
    contract = settings.contract
    catalogue = catalogues.load(settings.requirements, settings.policy, contract)
    waivers = waiver_file.load(settings.waivers, catalogue) if settings.waivers else ()
    if settings.embedded:
        settings = embedded(config, settings)
    settings = replace(settings, concurrency_note=concurrency_note(config, settings),
                       credential_source=environ.get(CREDENTIAL_SOURCE, "")[:500],
                       key_variable=key_variable(environ), same_as=handed_over(environ))
    scrubber = Scrubber(([settings.api_key] if settings.api_key else [])
                        + (settings.history.secrets() if settings.history else []), on_add=reporter())
    policy = Policy(catalogue, tuple(waivers), settings.fail_on_should)
    rows = [(name, catalogue.describe_policy() if name == "policy" else value)
            for name, value in settings.describe()]
    return RunContext(settings, contract, catalogue, policy, scrubber, credential(settings, scrubber),
                      Results(policy, embedded_server=settings.embedded_server,
                              stand_in=settings.stand_in), configuration=rows)


def concurrency_note(config, settings) -> str:
    """Why --concurrency cannot run the tests in shards here, said once in the header."""
    from infocheck.plugin.fork_runner import unavailable
    if settings.concurrency <= 1 or is_worker(config) or config.pluginmanager.has_plugin("dsession"):
        return ""
    return unavailable(config)


def credential(settings, scrubber: Scrubber):
    """The credential source; tokens are only acquired when the first request needs one."""
    if settings.token_command:
        return CommandToken(settings.token_command, scrubber)
    if settings.azure_identity:
        return AzureIdentityToken(settings.scope, scrubber)
    return KeyCredential(settings.api_key) if settings.api_key else None


def embedded(config, settings):
    """No endpoint given: the contract's reference server, started once in the controlling
    process (the workers of pytest-xdist are handed its address)."""
    if is_worker(config):
        url, key = config.workerinput[EMBEDDED]
        defaults = settings.contract.embedded_defaults()
    else:
        key = random_secrets.token_urlsafe(24)
        server, defaults = settings.contract.embedded_server(key)
        config.add_cleanup(server.stop)
        url = server.url
    # What the server serves, where the user named nothing of it (info: its deployments and model).
    unnamed = {name: value for name, value in defaults.items() if not getattr(settings, name)}
    return settings.with_values(endpoint=url, api_key=Secret(key), embedded_server=True, **unnamed)


def register(config, run: RunContext) -> None:
    """The plugins of a run: fixtures (every contract's and this one's), the collector, and
    where reports are written (never in an xdist worker) the reporters."""
    from infocheck.plugin.html_hooks import HtmlReport
    from infocheck.reports.json_report import JsonReport
    from infocheck.reports.terminal import TerminalSummary, scrub_terminal

    manager = config.pluginmanager
    manager.register(import_module("infocheck.plugin.fixtures"), "infocheck-fixtures")
    manager.register(import_module(run.contract.fixtures_plugin), f"infocheck-{run.contract.name}-fixtures")
    manager.register(run.results, "infocheck-results")
    if not is_worker(config):
        manager.register(HtmlReport(run.results, run.settings, run.scrubber, run.configuration),
                         "infocheck-html")
        json_report = JsonReport(config, run.results, run.settings, run.scrubber, run.configuration)
        manager.register(json_report, "infocheck-json")
        from infocheck.plugin.report_paths import written
        manager.register(TerminalSummary(run.results, lambda: written(config)), "infocheck-terminal")
        if run.settings.history:
            from infocheck.plugin.history_hook import HistoryRecorder
            manager.register(HistoryRecorder(config, run), "infocheck-history")
    scrub_terminal(config, run.scrubber)
