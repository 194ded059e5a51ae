"""Hypothesis settings fit for HTTP: no deadline (latency is the network's, not the code's), no
example database (a gate run must not depend on a local cache), derandomized by default so a
gate run is reproducible. `--hypothesis-profile=thorough` explores more, at more requests."""
from hypothesis import HealthCheck, settings

SHRINK_REQUESTS = 16  # past max_examples, the requests a test may spend shrinking a failure

settings.register_profile(
    "gate", deadline=None, database=None, derandomize=True, max_examples=8, print_blob=False,
    # The per-test fixtures are request recorders, safe to share across examples.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.filter_too_much])
settings.register_profile("thorough", parent=settings.get_profile("gate"), derandomize=False,
                          max_examples=60)
settings.load_profile("gate")


def request_budget() -> int:
    return settings.default.max_examples + SHRINK_REQUESTS
