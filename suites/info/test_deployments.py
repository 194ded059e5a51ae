"""Deployments: each one named through azureml-model-deployment answers its ModelInfo; an
unknown name is refused. Only run when deployments are configured: the reference says the
header is for endpoints that have several (an unknown name is still sent once, and must not
cause a 5xx). Likewise the model query parameter of 2025-04-01 and later, when a model is
configured. The positive request itself names the first deployment (or the model), so
endpoints that need one, like Azure AI Foundry's unified endpoint, are checkable."""
import pytest

from infocheck.contracts.info import checks
from infocheck.contracts.info import profiles as schemas
from infocheck.contracts.info.client import Route

requirement = pytest.mark.requirement
UNKNOWN = "infocheck-no-such-deployment"


@requirement("DEPLOYMENT-KNOWN")
def test_each_deployment_answers_its_model_info(info, working_baseline, deployment):
    if deployment is None:
        pytest.skip("no deployments configured (--deployment / INFOCHECK_DEPLOYMENT)")
    route = Route("deployment", deployment)
    # The first deployment is the positive request's own route: its answer is the baseline.
    exchange = working_baseline if route == info.route else info.get(route=route)
    checks.status_200(exchange, "DEPLOYMENT-KNOWN")
    checks.model_info(exchange, info.api_version, "DEPLOYMENT-KNOWN")


def unknown_deployment(info):
    return info.once(route=Route("deployment", UNKNOWN))


@requirement("HTTP-NO-5XX")
def test_unknown_deployment_header_is_never_a_server_error(info, working_baseline):
    """Sent even when no deployments are configured: an endpoint may ignore the header, but
    must not fail on it."""
    checks.universal(unknown_deployment(info))


@requirement("DEPLOYMENT-UNKNOWN")
def test_unknown_deployment_is_refused(info, working_baseline):
    if not info.deployments:
        pytest.skip("no deployments configured (--deployment / INFOCHECK_DEPLOYMENT): a "
                    "single-deployment endpoint may ignore the header")
    checks.client_error(unknown_deployment(info), "DEPLOYMENT-UNKNOWN")


def model_parameter(info):
    if "model" not in schemas.profile(info.api_version)["inputs"]:
        pytest.skip(f"api-version {info.api_version} has no model query parameter")
    if not info.config.model:
        pytest.skip("no model configured (--model / INFOCHECK_MODEL)")
    return info.config.model


@requirement("MODEL-KNOWN")
def test_configured_model_answers_its_model_info(info, working_baseline):
    route = Route("model", model_parameter(info))
    exchange = working_baseline if route == info.route else info.get(route=route)
    checks.status_200(exchange, "MODEL-KNOWN")
    checks.model_info(exchange, info.api_version, "MODEL-KNOWN")


@requirement("MODEL-UNKNOWN")
def test_unknown_model_is_refused(info, working_baseline):
    model_parameter(info)
    checks.client_error(info.get(route=Route("model", UNKNOWN)), "MODEL-UNKNOWN")
