"""api-version: required, of the form YYYY-MM-DD[-preview], and only versions the service knows."""
import pytest
from hypothesis import given

from infocheck.contracts.info import checks
from infocheck.contracts.info import strategies
from infocheck.plugin.hypothesis_profiles import request_budget

requirement = pytest.mark.requirement

MALFORMED = ["", "latest", "2024-04-01-beta", "2024-4-1", "24-04-01-preview", "2024-02-30",
             "2024-04-01-preview-preview"]
UNSUPPORTED = ["1999-01-01", "2099-12-31-preview"]


@requirement("API-VERSION-REQUIRED")
def test_missing_api_version_is_a_client_error(info, working_baseline):
    checks.client_error(info.once(api_version=None), "API-VERSION-REQUIRED")


@requirement("API-VERSION-MISSING-CODE")
def test_missing_api_version_says_so(info, working_baseline):
    checks.error_code_is(info.once(api_version=None), 400,
                         "MissingApiVersionParameter", "API-VERSION-MISSING-CODE")


@requirement("API-VERSION-FORMAT")
@pytest.mark.parametrize("version", MALFORMED, ids=repr)
def test_malformed_api_version_is_a_client_error(info, working_baseline, version):
    checks.client_error(info.get(api_version=version), "API-VERSION-FORMAT")


@requirement("API-VERSION-FORMAT")
@given(version=strategies.malformed_api_versions())
def test_generated_malformed_api_versions_are_client_errors(info, working_baseline, version):
    exchange = info.explore(info.request(api_version=version), request_budget())
    checks.client_error(exchange, "API-VERSION-FORMAT")


@requirement("API-VERSION-UNSUPPORTED")
@pytest.mark.parametrize("version", UNSUPPORTED)
def test_unsupported_api_version_is_a_client_error(info, working_baseline, version):
    checks.client_error(info.once(api_version=version),
                        "API-VERSION-UNSUPPORTED")


@requirement("API-VERSION-UNSUPPORTED-CODE")
def test_unsupported_api_version_says_so(info, working_baseline):
    checks.error_code_is(info.once(api_version=UNSUPPORTED[0]),
                         400, "UnsupportedApiVersionValue", "API-VERSION-UNSUPPORTED-CODE")
