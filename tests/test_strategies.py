"""The generated variations are what their names promise, judged on what the strategies
produce (a constant strategy, or one that lost a kind of malformed version, fails here), and
the fixed lists the suites send are pinned by value, not by the lists under test."""
import re

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from infocheck.contracts.info import strategies
from infocheck.contracts import strategies as every_contract
from infocheck.configuration.knobs import ConfigError
from infocheck.contracts.info.contract import validate_api_version
from infocheck.wire.secret import NEAR_MISSES

DRAWS = 200


def samples(strategy, count: int = DRAWS) -> list:
    """`count` values the strategy generates, the same ones every run."""
    seen = []

    @settings(max_examples=count, derandomize=True, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck), deadline=None)
    @given(strategy)
    def collect(value):
        seen.append(value)

    collect()
    return seen


KINDS = {
    "short month": re.compile(r"\d{4}-\d-\d{2}"),
    "slashes": re.compile(r"\d{4}/\d{2}/\d{2}"),
    "no dashes": re.compile(r"\d{8}"),
    "another suffix": re.compile(r"\d{4}-\d{2}-\d{2}-(?!preview$).*"),
    "month 13": re.compile(r"\d{4}-13-\d{2}"),
    "30 February": re.compile(r"\d{4}-02-30"),
    "anything else": re.compile(r"(?!\d{4}[-/]?\d{1,2}[-/]?\d{2}).+", re.S),
}


def test_malformed_versions_cover_every_kind_and_are_never_valid():
    values = samples(strategies.malformed_api_versions())
    for value in values:
        with pytest.raises(ConfigError):
            validate_api_version(value)
    found = {kind for value in values for kind, shape in KINDS.items() if shape.fullmatch(value)}
    assert found == set(KINDS)
    assert len(set(values)) > DRAWS // 2


def test_recased_names_differ_only_in_case_and_vary():
    values = samples(strategies.recased("Authorization"), 100)
    assert all(v != "Authorization" and v.lower() == "authorization" for v in values)
    assert len(set(values)) > 30


def test_incidental_headers_are_unknown_x_headers_plus_each_optional_one():
    values = samples(strategies.incidental_headers())
    for headers in values:
        unknown = [n for n in headers if n.startswith("x-") and n != "x-ms-client-request-id"]
        assert unknown and not any(n.startswith(every_contract.MEANINGFUL) for n in unknown)
        assert headers.get("Accept", "application/json") in every_contract.JSON_ACCEPTS
    for optional in ("Accept", "x-ms-client-request-id", "traceparent"):
        assert any(optional in headers for headers in values), optional
    assert len({frozenset(h.items()) for h in values}) > DRAWS // 2


def test_extra_query_parameters_never_name_the_real_ones():
    values = samples(strategies.extra_query())
    assert all(names.isdisjoint({"api-version", "model"}) and len(names) == len(pairs)
               for pairs in values for names in [{n for n, _ in pairs}])
    assert max(len(pairs) for pairs in values) == 3 and len({tuple(p) for p in values}) > DRAWS // 2


KEY = "0123456789abcdefXYZ"


def test_the_near_miss_keys_are_these_four():
    """Fixed values: a variant dropped from, or changed in, the list under test fails here."""
    assert {v.name: v.apply(KEY) for v in NEAR_MISSES} == {
        "truncated": "0123456789abcdefXY",
        "extended": "0123456789abcdefXYZx",
        "one-changed": "0123456789abcdefXYx",
        "case-swapped": "0123456789ABCDEFxyz",
    }
