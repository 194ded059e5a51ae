"""ACME's own requirements, checked in the same run as infocheck's suites.

The fixtures (`info`, `baseline`) and `infocheck.contracts.info.checks` are infocheck's public surface. Requests
made with `info.once(...)` are shared with infocheck's own tests, so these checks cost the
endpoint no extra request."""
import pytest

from infocheck import checks

requirement = pytest.mark.requirement
CONTRACTED = ("Microsoft", "Cohere", "Mistral", "Meta")


@requirement("ACME-REQUEST-ID")
def test_every_answer_carries_x_ms_request_id(info, baseline):
    refusal = info.once(auth=())          # the request infocheck's AUTH-MISSING sends
    for exchange in (baseline, refusal):
        if not exchange.header("x-ms-request-id"):
            checks.fail("ACME-REQUEST-ID", "an x-ms-request-id header",
                        f"{exchange.status_line()} without one", exchange)


@requirement("ACME-PROVIDER")
def test_provider_is_contracted(working_baseline):
    provider = (checks.model_info_fields(working_baseline) or {}).get("model_provider_name")
    if provider not in CONTRACTED:
        checks.fail("ACME-PROVIDER", "one of " + ", ".join(CONTRACTED), checks.shown(provider),
                    working_baseline)
