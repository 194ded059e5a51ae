"""Authentication: the key opens the list and each model; nothing else does, on either route,
and nothing echoes it. The retrieve route's refusals are asked of a listed id the key retrieves
(a refusal only means something where the key opens the route), a few requests in all."""
import pytest

from infocheck.contracts.models import checks
from infocheck.wire.exchange import Credential
from infocheck.wire.probe import NotTested
from infocheck.wire.secret import NEAR_MISSES

requirement = pytest.mark.requirement

# The key under a scheme that is not Bearer's (RFC 6750 §2.1), never a case variant of it:
# "bearer" is Bearer (RFC 9110 §11.1), which MODELS-AUTH-MALFORMED must not send.
MALFORMED = {
    "another scheme": (("Authorization", Credential("Basic ")),),
    "no scheme": (("Authorization", Credential("")),),
}


def no_credential(models):
    return models.once(auth=())


def retrievable(models, retrieved_ids) -> str:
    """The first listed id the key retrieves (its exchange is the retrieve test's, sent once a
    run); skipped when none is, since a refusal there proves nothing (MODELS-RETRIEVE-200 says
    why), and the list's refusal is tested on its own."""
    for asked in retrieved_ids:
        try:
            if checks.retrieved_as(models.once(model=asked), asked):
                return asked
        except NotTested:
            continue
    pytest.skip("no listed id is retrieved with the key (MODELS-RETRIEVE-200 says why), so a "
                "refusal on GET /models/{id} would prove nothing; the list's is tested")


def hint(models, what: str) -> str | None:
    """What a retrieve answered without a good key means: the list refused the same lack (the
    no-credential list, sent once a run), so the route skips the check; else None (the
    endpoint checks no credential at all, which the list's refusal says)."""
    listed = no_credential(models)
    return checks.retrieve_not_guarded(what) if listed.status in (401, 403) else None


@requirement("MODELS-AUTH-MISSING")
def test_the_list_without_credentials_is_refused(models):
    checks.refused(no_credential(models), "MODELS-AUTH-MISSING")


@requirement("MODELS-AUTH-MISSING")
def test_a_model_without_credentials_is_refused(models, retrieved_ids):
    asked = retrievable(models, retrieved_ids)
    checks.refused(models.once(model=asked, auth=()), "MODELS-AUTH-MISSING",
                   hint(models, "a request without credentials"))


@requirement("MODELS-AUTH-WRONG-KEY")
def test_a_wrong_key_is_refused(models, working_listing):
    checks.refused(models.once(auth=models.wrong_credentials()), "MODELS-AUTH-WRONG-KEY")


@requirement("MODELS-AUTH-WRONG-KEY")
def test_a_wrong_key_is_refused_a_model(models, retrieved_ids):
    asked = retrievable(models, retrieved_ids)
    checks.refused(models.once(model=asked, auth=models.wrong_credentials()), "MODELS-AUTH-WRONG-KEY",
                   hint(models, "a wrong key"))


@requirement("MODELS-AUTH-NEAR-MISS")
@pytest.mark.parametrize("variant", NEAR_MISSES, ids=repr)
def test_a_near_miss_key_is_refused(models, working_listing, variant):
    checks.refused(models.get(auth=models.near_miss_credentials(variant)), "MODELS-AUTH-NEAR-MISS")


@requirement("MODELS-AUTH-NEAR-MISS")
@pytest.mark.parametrize("variant", NEAR_MISSES, ids=repr)
def test_a_near_miss_key_is_refused_a_model(models, retrieved_ids, variant):
    asked = retrievable(models, retrieved_ids)
    checks.refused(models.get(model=asked, auth=models.near_miss_credentials(variant)),
                   "MODELS-AUTH-NEAR-MISS", hint(models, f"{variant.label}"))


@requirement("MODELS-AUTH-MALFORMED")
@pytest.mark.parametrize("name", MALFORMED)
def test_the_key_outside_the_bearer_scheme_is_refused(models, working_listing, name):
    if no_credential(models).status == 200:
        pytest.skip("the endpoint answers the list without any credential (MODELS-AUTH-MISSING "
                    "says so), so how it reads one proves nothing")
    form = "Authorization: Basic <key>" if name == "another scheme" else "Authorization: <key>"
    checks.refused_malformed(models.get(auth=MALFORMED[name]), form)


@requirement("MODELS-NO-ECHO")
def test_answers_do_not_echo_the_credential(models, working_listing):
    # Only the echo: each exchange's status is judged by the test that sent it (the list's, a
    # refusal's), so a 5xx there leaves what came back still checked for the credential.
    for exchange in (working_listing, no_credential(models)):
        checks.no_echo(exchange)
