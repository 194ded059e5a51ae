"""Hypothesis settings fit for HTTP: no deadline (latency is the network's, not the code's), no
example database (a gate run must not depend on a local cache), derandomized by default so a
gate run is reproducible, and no shrinking in a gate run: past its requests a shrinker only
burns time proposing examples it may not send, and the failing example is printed as found.
`--hypothesis-profile=thorough` explores more and shrinks, at more requests."""
from hypothesis import HealthCheck, Phase, settings

SHRINK_REQUESTS = 16  # past max_examples, the requests a test may spend shrinking a failure

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
