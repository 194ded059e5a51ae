"""Deployments: each one named through azureml-model-deployment answers its ModelInfo; an
unknown name is refused. Only run when deployments are configured: the reference says the
header is for endpoints that have several. Likewise the model query parameter of 2025-04-01
and later, when a model is configured."""
import pytest

from infocheck import checks, schemas

requirement = pytest.mark.requirement
UNKNOWN = "infocheck-no-such-deployment"


def pytest_generate_tests(metafunc):
    if "deployment" in metafunc.fixturenames:
        from infocheck.plugin import CONFIG
        names = metafunc.config.stash[CONFIG].deployments
        metafunc.parametrize("deployment", names or [None], ids=[n or "none" for n in names or [None]])


@requirement("DEPLOYMENT-KNOWN")
def test_each_deployment_answers_its_model_info(info, working_baseline, deployment):
    if deployment is None:
        pytest.skip("no deployments configured (--deployment / INFOCHECK_DEPLOYMENTS)")
    exchange = info.get(deployment=deployment)
    checks.status_200(exchange, "DEPLOYMENT-KNOWN")
    checks.model_info(exchange, info.api_version, "DEPLOYMENT-KNOWN")


@requirement("DEPLOYMENT-UNKNOWN")
def test_unknown_deployment_is_refused(info, working_baseline):
    if not info.deployments:
        pytest.skip("no deployments configured (--deployment / INFOCHECK_DEPLOYMENTS): a "
                    "single-deployment endpoint may ignore the header")
    checks.client_error(info.get(deployment=UNKNOWN), "DEPLOYMENT-UNKNOWN")


def model_parameter(info):
    if "model" not in schemas.profile(info.api_version)["inputs"]:
        pytest.skip(f"api-version {info.api_version} has no model query parameter")
    if not info.config.model:
        pytest.skip("no model configured (--model / INFOCHECK_MODEL)")
    return info.config.model


@requirement("MODEL-KNOWN")
def test_configured_model_answers_its_model_info(info, working_baseline):
    exchange = info.get(query=(("model", model_parameter(info)),))
    checks.status_200(exchange, "MODEL-KNOWN")
    checks.model_info(exchange, info.api_version, "MODEL-KNOWN")


@requirement("MODEL-UNKNOWN")
def test_unknown_model_is_refused(info, working_baseline):
    model_parameter(info)
    checks.client_error(info.get(query=(("model", UNKNOWN),)), "MODEL-UNKNOWN")
