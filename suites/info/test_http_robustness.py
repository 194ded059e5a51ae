"""HTTP robustness: no 5xx for any input, header names and query order do not matter, the
answer is stable, other methods are refused politely, errors speak the Azure error shape."""
from dataclasses import replace

import pytest
from hypothesis import given, strategies as st

from infocheck.contracts.info import checks
from infocheck.contracts.info import strategies
from infocheck.plugin.hypothesis_profiles import in_pairs, request_budget

requirement = pytest.mark.requirement


@requirement("HTTP-REPEATABLE")
def test_repeated_requests_return_the_same_model_info(info, working_baseline):
    for _ in range(2):
        checks.same_outcome(working_baseline, info.get(), "HTTP-REPEATABLE", "the first request")


@requirement("HTTP-HEADER-CASE")
@given(data=st.data())
def test_header_names_are_case_insensitive(info, working_baseline, data):
    # The routing header, when there is one, is re-cased too.
    positive = info.request()
    recased = tuple((data.draw(strategies.recased(name), label=name), value)
                    for name, value in positive.headers)
    exchange = info.explore(replace(positive, headers=recased), request_budget())
    checks.same_outcome(working_baseline, exchange, "HTTP-HEADER-CASE",
                        "the request with canonical header names")


@requirement("HTTP-QUERY-ORDER")
@in_pairs()
@given(extra=strategies.extra_query(), position=st.integers(min_value=1, max_value=3))
def test_query_parameter_order_does_not_matter(info, working_baseline, extra, position):
    positive = info.request(query=extra)
    first = info.explore(positive, request_budget())
    version, *rest = positive.query          # api-version first, then the route's and the extra
    reordered = list(reversed(rest))
    reordered.insert(min(position, len(reordered)), version)
    second = info.explore(replace(positive, query=tuple(reordered)), request_budget())
    checks.same_outcome(first, second, "HTTP-QUERY-ORDER", "the same parameters in another order")


@requirement("HTTP-UNKNOWN-HEADERS", "HTTP-NO-5XX")
@given(headers=strategies.incidental_headers())
def test_incidental_headers_do_not_change_the_outcome(info, working_baseline, headers):
    positive = info.request()
    kept = tuple((n, v) for n, v in positive.headers if n.lower() not in {h.lower() for h in headers})
    exchange = info.explore(replace(positive, headers=kept + tuple(headers.items())), request_budget())
    checks.same_outcome(working_baseline, exchange, "HTTP-UNKNOWN-HEADERS", "the plain request")


@requirement("HTTP-405")
@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_other_methods_get_405_with_allow(info, working_baseline, method):
    checks.method_not_allowed(info.get(method=method))


@requirement("HTTP-HEAD")
def test_head_is_answered_like_get_without_a_body(info, working_baseline):
    checks.head_like_get(info.get(method="HEAD"), working_baseline)


@requirement("HTTP-REQUEST-ID")
def test_answers_carry_a_request_id(working_baseline):
    checks.request_id(working_baseline)


@requirement("HTTP-DATE")
def test_answers_carry_a_date(working_baseline):
    checks.date_header(working_baseline)


@requirement("ERROR-BODY")
@pytest.mark.parametrize("case", ["no-credential", "missing-api-version"])
def test_errors_carry_the_azure_error_body(info, working_baseline, case):
    checks.azure_error_body(refusal(info, case))


@requirement("ERROR-CODE-HEADER")
@pytest.mark.parametrize("case", ["no-credential", "missing-api-version"])
def test_error_code_header_matches_the_body(info, working_baseline, case):
    checks.error_code_header(refusal(info, case))


def refusal(info, case):
    """The shared refusal for `case`; its error shape is only judged if it was refused."""
    intent = {"no-credential": {"auth": ()}, "missing-api-version": {"api_version": None}}[case]
    exchange = info.once(**intent)
    checks.universal(exchange)
    if not 400 <= exchange.status < 500:
        pytest.skip(f"the {case} request was not refused ({exchange.status_line()}); "
                    "its own requirement reports that")
    return exchange
