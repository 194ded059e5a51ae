"""The Get Info API's fixtures, for infocheck's suites and a team's own tests (the public surface
names them in `infocheck.FIXTURES`): the client a test sends through, the positive exchange,
and each configured deployment in turn."""
from __future__ import annotations

import pytest

from infocheck.contracts.info.client import InfoClient
from infocheck.contracts.positive import positive_exchange, succeeded
from infocheck.contracts.context import context_of
from infocheck.wire.exchange import Exchange


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
    return positive_exchange(info, f" under api-version {info.api_version}")


@pytest.fixture
def working_baseline(baseline) -> Exchange:
    """A refusal only means something if the positive request succeeds: require it."""
    return succeeded(baseline, "the positive request", "SHAPE-200")
