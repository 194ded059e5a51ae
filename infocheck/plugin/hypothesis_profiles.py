"""Hypothesis settings fit for HTTP: no deadline (latency is the network's, not the code's), no
example database (a gate run must not depend on a local cache), derandomized by default so a
gate run is reproducible, and no shrinking in a gate run: past its requests a shrinker only
burns time proposing examples it may not send, and the failing example is printed as found.
`--hypothesis-profile=thorough` explores more and shrinks, at more requests.

Hypothesis keeps its files (a cache of the Unicode tables, another of the constants of the
modules it runs, and, under a profile that has one, an example database) in `.hypothesis/` of
the folder it runs from. An infocheck run leaves nothing in the user's folder but its reports:
those files go to infocheck's folder in the user's cache home (`hypothesis_home`), unless
HYPOTHESIS_STORAGE_DIRECTORY names another. All of this happens only in a run of infocheck
(`activate`, from the plugin's pytest_configure once it is asked for): installed beside an
unrelated project, the plugin registers no profile and moves no folder.

Hypothesis also draws, now and then, constants it finds in the source of the "local" modules
imported (those of neither the standard library nor site-packages). infocheck's own modules
are local in a clone and not when installed, and a fleet's fork server imports more of them
than one run does: the requests a run sends would depend on where infocheck lives. In a run of
infocheck, Hypothesis draws no local constant (`without_local_constants`), so they do not."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, Phase, settings

from infocheck.configuration.cache_home import hypothesis_home

SHRINK_REQUESTS = 16  # past max_examples, the requests a test may spend shrinking a failure

def activate(config, environ) -> None:
    """A run of infocheck, before Hypothesis's own pytest_configure reads --hypothesis-profile:
    the profiles registered, and Hypothesis's files kept out of the folder the run is in."""
    register()
    without_local_constants(config)
    if environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        return    # the user's own choice
    from hypothesis import configuration
    home = hypothesis_home(environ)
    if home is None:   # no cache home: a folder of the run's own, removed at its end
        home = Path(tempfile.mkdtemp(prefix="infocheck-hypothesis-"))
        config.add_cleanup(lambda: shutil.rmtree(home, ignore_errors=True))
    configuration.set_hypothesis_home_dir(home)
    config.add_cleanup(lambda: configuration.set_hypothesis_home_dir(None))


def without_local_constants(config) -> None:
    """Hypothesis's constants of local modules (an internal of Hypothesis 6.131 and later, so
    looked up, not assumed) empty until the run ends: a run's examples are the same from a
    clone, a wheel or a fleet's fork server. Where it is not there, Hypothesis has none."""
    try:
        from hypothesis.internal.conjecture import providers
        found, empty, pools = providers._get_local_constants, providers.Constants(), providers.CONSTANTS_CACHE.cache
    except (ImportError, AttributeError, TypeError):
        return
    providers._get_local_constants = lambda: empty
    pools.clear()   # those drawn before, from the local modules' constants

    def restore():
        providers._get_local_constants = found
        pools.clear()
    config.add_cleanup(restore)


def register() -> None:
    """Register the profiles by name (so --hypothesis-profile=thorough can find them); which
    one is in force is not changed here. Never on import: importing infocheck changes no
    global state."""
    settings.register_profile(
        "gate", deadline=None, database=None, derandomize=True, max_examples=8, print_blob=False,
        phases=(Phase.explicit, Phase.reuse, Phase.generate),
        # The per-test fixtures are request recorders, safe to share across examples.
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                               HealthCheck.filter_too_much])
    settings.register_profile("thorough", parent=settings.get_profile("gate"), derandomize=False,
                              max_examples=60, phases=tuple(Phase))


def in_pairs() -> settings:
    """For a property test whose every example sends a pair of requests (the query-order test
    compares two orders): half the profile's examples, so that it costs the endpoint what any
    other property test costs (8 requests in a gate run) and holds no shard twice as long.
    Called as the test module is imported, after the profile is loaded."""
    return settings(max_examples=max(1, settings.default.max_examples // 2))


def request_budget() -> int:
    """Distinct requests one property test may send: two an example (the query-order test
    compares a pair), and a shrinking allowance where the profile shrinks."""
    shrinking = Phase.shrink in settings.default.phases
    return 2 * settings.default.max_examples + (SHRINK_REQUESTS if shrinking else 0)
