"""HTTP robustness: no 5xx whatever headers and query carry, unknown query parameters change
nothing, and errors speak the OpenAI error body."""
from dataclasses import replace

import pytest
from hypothesis import given

from infocheck.contracts import strategies
from infocheck.contracts.models import checks
from infocheck.plugin.hypothesis_profiles import request_budget

requirement = pytest.mark.requirement


@requirement("MODELS-NO-5XX")
@given(headers=strategies.incidental_headers())
def test_incidental_headers_never_cause_a_server_error(models, working_listing, headers):
    positive = models.request()
    kept = tuple((n, v) for n, v in positive.headers if n.lower() not in {h.lower() for h in headers})
    exchange = models.explore(replace(positive, headers=kept + tuple(headers.items())), request_budget())
    checks.universal(exchange)


@requirement("MODELS-UNKNOWN-QUERY", "MODELS-NO-5XX")
@given(extra=strategies.extra_query(reserved=("api-version",)))
def test_unknown_query_parameters_change_nothing(models, working_listing, extra):
    exchange = models.explore(models.request(query=extra), request_budget())
    checks.same_list(working_listing, exchange, "MODELS-UNKNOWN-QUERY", "the plain list")


@requirement("MODELS-ERROR-SHAPE")
@pytest.mark.parametrize("case", ["no-credential", "unknown-model"])
def test_errors_carry_the_openai_error_body(models, working_listing, case):
    exchange = models.once(auth=()) if case == "no-credential" else models.once(model="infocheck-no-such-model")
    checks.universal(exchange)
    if not 400 <= exchange.status < 500:
        pytest.skip(f"the {case} request was not refused ({exchange.status_line()}); its own "
                    "requirement reports that")
    checks.error_shape(exchange)
