"""Authentication: the key opens the list and each model; nothing else does, and nothing
echoes it."""
import pytest

from infocheck.contracts.models import checks
from infocheck.wire.secret import NEAR_MISSES

requirement = pytest.mark.requirement


def no_credential(models):
    return models.once(auth=())


@requirement("MODELS-AUTH-MISSING")
def test_the_list_without_credentials_is_refused(models):
    checks.refused(no_credential(models), "MODELS-AUTH-MISSING")


@requirement("MODELS-AUTH-WRONG-KEY")
def test_a_wrong_key_is_refused(models, working_listing):
    checks.refused(models.once(auth=models.wrong_credentials()), "MODELS-AUTH-WRONG-KEY")


@requirement("MODELS-AUTH-NEAR-MISS")
@pytest.mark.parametrize("variant", NEAR_MISSES, ids=repr)
def test_a_near_miss_key_is_refused(models, working_listing, variant):
    checks.refused(models.get(auth=models.near_miss_credentials(variant)), "MODELS-AUTH-NEAR-MISS")


@requirement("MODELS-NO-ECHO")
def test_answers_do_not_echo_the_credential(models, working_listing):
    for exchange in (working_listing, no_credential(models)):
        checks.universal(exchange)
