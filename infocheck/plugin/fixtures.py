"""The fixtures every contract's tests share: the run's settings, the api-version a test checks
(a parameter when the run checks several), the session's probe and the exchanges sent once a
run. Registered as a plugin only when infocheck is asked for; a contract's own fixtures (its
client, its baseline) are in its package."""
from __future__ import annotations

import pytest

from infocheck.contracts.client import OnceCache
from infocheck.contracts.context import context_of

EXCHANGES = pytest.StashKey[list]()   # a test's exchanges, for its report


def pytest_generate_tests(metafunc):
    """Several api-versions: every test that talks to the endpoint runs once per version."""
    context = context_of(metafunc.config)
    if context is None:
        return
    versions = context.settings.api_versions
    if len(versions) > 1 and "api_version" in metafunc.fixturenames:
        metafunc.parametrize("api_version", versions, ids=list(versions))


@pytest.fixture(scope="session")
def infocheck_config(pytestconfig):
    """The run's validated Config (the credential masked)."""
    return context_of(pytestconfig).settings


@pytest.fixture
def api_version(infocheck_config) -> str:
    """The api-version a test checks (a parameter when the run checks several)."""
    return infocheck_config.api_version


@pytest.fixture(scope="session")
def infocheck_probe(pytestconfig):
    """This process's probe: the preflight's, where the preflight ran here."""
    context = context_of(pytestconfig)
    probe = context.probes[0] if context.preflight is not None and context.probes else context.new_probe()
    yield probe
    probe.close()


@pytest.fixture(scope="session")
def infocheck_shared(pytestconfig, infocheck_probe) -> OnceCache:
    """Exchanges several tests read: sent once a run. The preflight is the baseline."""
    context = context_of(pytestconfig)
    if context.shared is not None:
        return context.shared
    preflight = context.preflight
    return OnceCache({preflight.request: preflight} if preflight is not None else {})


@pytest.fixture
def infocheck_recorded(request) -> list:
    """Where a test's client records its exchanges, for the test's report."""
    return request.node.stash.setdefault(EXCHANGES, [])
