"""The Get Info API's fixtures, for infocheck's suites and a team's own tests (the public surface
names them in `infocheck.FIXTURES`): the client a test sends through, the positive exchange,
and each configured deployment in turn."""
from __future__ import annotations

import pytest

from infocheck.contracts.info.client import InfoClient
from infocheck.plugin.context import context_of
from infocheck.plugin.preflight import credential_knobs
from infocheck.wire.exchange import Exchange
from infocheck.wire.probe import NotTested


def pytest_generate_tests(metafunc):
    """A test that takes `deployment` runs once per configured deployment (or once with None)."""
    context = context_of(metafunc.config)
    if context is None or "deployment" not in metafunc.fixturenames:
        return
    names = list(context.settings.deployments) or [None]
    metafunc.parametrize("deployment", names, ids=[n or "none" for n in names])


@pytest.fixture
def info(infocheck_config, api_version, infocheck_probe, infocheck_shared, infocheck_recorded) -> InfoClient:
    """The client a test sends its requests through; its exchanges go into the report."""
    return InfoClient(infocheck_probe, infocheck_config.for_version(api_version), infocheck_shared,
                      infocheck_recorded)


@pytest.fixture
def baseline(info) -> Exchange:
    """The positive exchange (valid key, configured api-version), sent once a run."""
    if not info.probe.has_credential:
        raise NotTested("no credential given (INFOCHECK_API_KEY, INFOCHECK_TOKEN_COMMAND "
                        "or --azure-identity), so the positive path cannot be checked")
    exchange = info.once()
    if exchange.status in (401, 403):  # the preflight says so for the first api-version
        raise NotTested(f"the endpoint refused the credential under api-version "
                        f"{info.api_version} ({exchange.status_line()}); check "
                        f"{credential_knobs(info.config)}")
    return exchange


@pytest.fixture
def working_baseline(baseline) -> Exchange:
    """A refusal only means something if the positive request succeeds: require it."""
    if baseline.status != 200:
        raise NotTested(f"the positive request got {baseline.status_line()} (see SHAPE-200), so a "
                        "refusal here would prove nothing")
    return baseline
