"""Retrieve: GET {base}/models/{id} answers the Model asked for, for what the list names, and
404 for what it does not. A few listed ids are retrieved (the first of each owner first), each
request sent once however many tests read it, with the id in the path as the OpenAI SDKs put it
(a slash as it is); the percent-encoded slash is a SHOULD of its own. A listed id whose
request would leave the base path is not sent: MODELS-RETRIEVE-200 fails for it."""
import pytest

from infocheck.contracts.models import checks
from infocheck.contracts.models.fixtures import RETRIEVED
from infocheck.wire.probe import OffBase

requirement = pytest.mark.requirement
UNKNOWN = "infocheck-no-such-model"


def listed_id(retrieved_ids, number: int) -> str:
    if number >= len(retrieved_ids):
        pytest.skip(f"the list names {len(retrieved_ids)} model(s), not {number + 1}")
    return retrieved_ids[number]


@requirement("MODELS-RETRIEVE-200", "MODELS-RETRIEVE-ID")
@pytest.mark.parametrize("number", range(RETRIEVED), ids=[f"listed-{n + 1}" for n in range(RETRIEVED)])
def test_a_listed_model_is_retrieved(models, retrieved_ids, number):
    asked = listed_id(retrieved_ids, number)
    try:
        exchange = models.once(model=asked, encode_slash=False)
    except OffBase as refusal:
        checks.retrieve_sendable(asked, refusal)
    checks.retrieve_id(checks.retrieve_200(exchange, asked), asked, exchange)


@requirement("MODELS-RETRIEVE-MATCHES", "MODELS-CREATED-STABLE")
@pytest.mark.parametrize("number", range(RETRIEVED), ids=[f"listed-{n + 1}" for n in range(RETRIEVED)])
def test_a_retrieved_model_is_the_listed_one(models, listed, retrieved_ids, working_listing, number):
    asked = listed_id(retrieved_ids, number)
    try:
        exchange = models.once(model=asked, encode_slash=False)
    except OffBase:
        pytest.skip("it was not retrieved (its request would leave the base path); "
                    "MODELS-RETRIEVE-200 says so")
    retrieved = exchange.json_or_none()
    if exchange.status != 200 or not isinstance(retrieved, dict) or retrieved.get("id") != asked:
        pytest.skip("it was not retrieved as itself; MODELS-RETRIEVE-200 and -ID say so")
    retrieved = checks.retrieve_200(exchange, asked)
    checks.retrieve_matches(next(m for m in listed if m["id"] == asked), retrieved, working_listing, exchange)


@requirement("MODELS-UNKNOWN-404")
def test_an_unknown_model_is_404(models, working_listing):
    checks.unknown_404(models.once(model=UNKNOWN))


@requirement("MODELS-SLASH-ID")
def test_an_id_with_a_slash_is_retrieved_percent_encoded(models, listed):
    slashed = next((m["id"] for m in listed if "/" in m["id"]), None)
    if slashed is None:
        pytest.skip("the list names no id with a slash")
    raw = models.once(model=slashed, encode_slash=False).json_or_none()
    if not isinstance(raw, dict) or raw.get("id") != slashed:
        pytest.skip("it is not retrieved as itself even with its slash as is; MODELS-RETRIEVE-200 "
                    "and -ID say so")
    checks.slash_id(models.once(model=slashed), slashed)
