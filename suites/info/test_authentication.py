"""Authentication: the key opens /info; nothing else does, and nothing echoes it."""
import pytest

from infocheck.contracts.info import checks
from infocheck.wire.exchange import Credential
from infocheck.wire.secret import NEAR_MISSES

requirement = pytest.mark.requirement

MALFORMED = {
    "no scheme": (("Authorization", Credential("")),),
    "another scheme": (("Authorization", Credential("Basic ")),),
    "empty token": (("Authorization", "Bearer "),),
    "scheme alone": (("Authorization", "Bearer"),),
}


def no_credential(info):
    return info.once(auth=())


@requirement("AUTH-MISSING")
def test_request_without_credentials_is_refused(info):
    checks.refused(no_credential(info), "AUTH-MISSING")


@requirement("AUTH-WRONG-KEY")
def test_wrong_key_is_refused(info, working_baseline):
    checks.refused(info.once(auth=info.wrong_credentials()), "AUTH-WRONG-KEY")


@requirement("AUTH-NEAR-MISS")
@pytest.mark.parametrize("variant", NEAR_MISSES, ids=repr)
def test_near_miss_key_is_refused(info, working_baseline, variant):
    checks.refused(info.get(auth=info.near_miss_credentials(variant)), "AUTH-NEAR-MISS")


@requirement("AUTH-MALFORMED")
@pytest.mark.parametrize("name", MALFORMED)
def test_malformed_authorization_is_refused(info, name):
    checks.refused(info.get(auth=MALFORMED[name]), "AUTH-MALFORMED")


@requirement("AUTH-NO-ECHO")
def test_refusals_do_not_echo_the_credential(info, working_baseline):
    for exchange in (working_baseline, info.get(auth=info.credentials(NEAR_MISSES[0]))):
        checks.no_echo(exchange)


@requirement("AUTH-401")
def test_missing_credentials_get_401(info):
    checks.status_is(no_credential(info), 401, "AUTH-401")


@requirement("AUTH-CHALLENGE")
def test_401_carries_a_challenge(info):
    checks.challenge(no_credential(info))


def key_only(info):
    if info.probe.uses_token:
        pytest.skip("the credential is a token, which only goes in Authorization: Bearer")


@requirement("AUTH-API-KEY-HEADER")
def test_key_is_accepted_in_the_other_header(info, working_baseline):
    key_only(info)
    other = "api-key" if info.config.auth_header == "bearer" else "bearer"
    checks.status_200(info.get(auth=info.credentials(form=other)), "AUTH-API-KEY-HEADER")


@requirement("AUTH-BOTH-HEADERS")
def test_key_in_both_headers_at_once_is_accepted(info, working_baseline):
    key_only(info)
    both = info.credentials(form="bearer") + info.credentials(form="api-key")
    checks.status_200(info.get(auth=both), "AUTH-BOTH-HEADERS")


@requirement("AUTH-SCHEME-CASE")
def test_bearer_scheme_is_case_insensitive(info, working_baseline):
    lower = (("Authorization", Credential("bearer ")),)
    checks.status_200(info.get(auth=lower), "AUTH-SCHEME-CASE")
