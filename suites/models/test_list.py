"""The list: GET {base}/models answers the Models the endpoint serves, as the OpenAI v1 API
defines them."""
import pytest

from infocheck.contracts.models import checks
from infocheck.wire.probe import NotTested

requirement = pytest.mark.requirement


@requirement("MODELS-LIST-200")
def test_the_list_answers_200_with_valid_credentials(listing):
    checks.list_200(listing)


@requirement("MODELS-LIST-JSON")
def test_the_list_has_a_json_media_type(working_listing):
    checks.list_json(working_listing)


@requirement("MODELS-LIST-SHAPE")
def test_the_list_is_a_list_of_models(working_listing):
    checks.list_shape(working_listing)


@requirement("MODELS-UNIQUE-IDS")
def test_each_id_is_listed_once(listed, working_listing):
    checks.unique_ids(listed, working_listing)


def timed(listed) -> list[dict]:
    """The listed Models whose created can be judged (an integer); none: not tested."""
    found = checks.timed(listed)
    if not found:
        raise NotTested("no listed model carries created as an integer (see MODELS-LIST-SHAPE), "
                        "so there is no time to judge")
    return found


@requirement("MODELS-CREATED-REAL")
def test_created_is_a_real_time(listed, working_listing):
    checks.created_real(timed(listed), working_listing)


@requirement("MODELS-CREATED-STABLE")
def test_created_is_the_same_in_two_listings(models, listed, working_listing):
    first = timed(listed)
    again = models.get()
    checks.list_200(again)
    checks.created_stable(first, checks.carried(again), working_listing, again)
