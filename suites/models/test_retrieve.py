"""Retrieve: GET {base}/models/{id} answers the Model asked for, for what the list names, and
404 for what it does not. A few listed ids are retrieved (the first of each owner first, one
with a slash among them when the list has one), each request sent once however many tests read
it, with the id in the path as the reference SDK (openai-python 3.60.0) puts it: percent-encoded,
a slash as %2F. The slash as is, as older clients send it, is a SHOULD of its own. A listed id
whose request would leave the base path is not sent: MODELS-RETRIEVE-200 fails for it."""
import itertools

import pytest

from infocheck.contracts.models import checks
from infocheck.contracts.models.fixtures import RETRIEVED
from infocheck.wire.probe import NotTested, OffBase

requirement = pytest.mark.requirement
UNKNOWN = "infocheck-no-such-model"


def listed_id(retrieved_ids, number: int) -> str:
    if number >= len(retrieved_ids):
        pytest.skip(f"the list names {len(retrieved_ids)} model(s), not {number + 1}")
    return retrieved_ids[number]


SLASHED_TRIED = 10   # listed ids with a slash tried, however many climb out of the base path


def first_slashed(models, listed):
    """The first listed id with a slash (of the first SLASHED_TRIED) whose request with the
    slash as is stays under the base path, and that exchange (sent once a run); (None, None)
    if there is none."""
    for slashed in itertools.islice((m["id"] for m in listed if "/" in m["id"]), SLASHED_TRIED):
        try:
            return slashed, models.once(model=slashed, encode_slash=False)
        except OffBase:
            continue     # not sent (it costs no request); MODELS-RETRIEVE-200 says why
    return None, None


def sent_retrieves(models, retrieved_ids, but=None):
    """(id, Exchange) of each listed id the run retrieves (each sent once a run, by its own
    test anyway), but `but`; those not sent are left out."""
    found = []
    for other in retrieved_ids:
        if other != but:
            try:
                found.append((other, models.once(model=other)))
            except NotTested:
                continue
    return found


def pattern(models, listed, retrieved_ids, asked):
    """For a failed retrieve: what the run's other retrieves answered (each sent once a run,
    by its own test anyway), and `asked` with its slash as is where MODELS-SLASH-ID asks it."""
    def found():
        slashed, raw = first_slashed(models, listed)
        return sent_retrieves(models, retrieved_ids, but=asked), raw if slashed == asked else None
    return found


@requirement("MODELS-RETRIEVE-200", "MODELS-RETRIEVE-ID")
@pytest.mark.parametrize("number", range(RETRIEVED), ids=[f"listed-{n + 1}" for n in range(RETRIEVED)])
def test_a_listed_model_is_retrieved(models, listed, retrieved_ids, number):
    asked = listed_id(retrieved_ids, number)
    try:
        exchange = models.once(model=asked)
    except OffBase as refusal:
        checks.retrieve_sendable(asked, refusal)
    model = checks.retrieve_200(exchange, asked, pattern(models, listed, retrieved_ids, asked))
    checks.retrieve_id(model, asked, exchange)


@requirement("MODELS-RETRIEVE-MATCHES", "MODELS-CREATED-STABLE")
@pytest.mark.parametrize("number", range(RETRIEVED), ids=[f"listed-{n + 1}" for n in range(RETRIEVED)])
def test_a_retrieved_model_is_the_listed_one(models, listed, retrieved_ids, working_listing, number):
    asked = listed_id(retrieved_ids, number)
    try:
        exchange = models.once(model=asked)
    except OffBase:
        pytest.skip("it was not retrieved (its request would leave the base path); "
                    "MODELS-RETRIEVE-200 says so")
    if not checks.retrieved_as(exchange, asked):
        pytest.skip("it was not retrieved as itself; MODELS-RETRIEVE-200 and -ID say so")
    retrieved = checks.retrieve_200(exchange, asked)
    checks.retrieve_matches(next(m for m in listed if m["id"] == asked), retrieved, working_listing, exchange)


@requirement("MODELS-UNKNOWN-404")
def test_an_unknown_model_is_404(models, working_listing):
    checks.unknown_404(models.once(model=UNKNOWN))


@requirement("MODELS-SLASH-ID")
def test_an_id_with_a_slash_is_retrieved_with_the_slash_as_is(models, listed, retrieved_ids):
    slashed, raw = first_slashed(models, listed)
    if slashed is None:
        pytest.skip("the list names no id with a slash (whose request stays under the base path)")
    answered = dict(sent_retrieves(models, retrieved_ids))   # the MUST's requests, sent once a run
    encoded = answered.get(slashed)
    if not checks.retrieved_as(raw, slashed):
        if encoded is not None and encoded.status == 200 and not checks.retrieved_as(encoded, slashed):
            pytest.skip("as %2F it is answered with something else than its Model too "
                        "(MODELS-RETRIEVE-200 and -ID say so): the slash is not what fails")
        if not any(checks.retrieved_as(ex, i) for i, ex in answered.items()):
            pytest.skip("no listed id is retrieved in either form (MODELS-RETRIEVE-200 says why): "
                        "the slash is not what fails")
    checks.slash_id(raw, slashed, encoded)
