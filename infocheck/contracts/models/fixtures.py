"""The v1 models API's fixtures, for its suites and a team's own tests: the client a test sends
through, the positive exchange (the list), the Models it names, and the ids worth retrieving."""
from __future__ import annotations

import pytest

from infocheck.contracts.models import checks
from infocheck.contracts.models.client import ModelsClient
from infocheck.contracts.positive import positive_exchange, succeeded
from infocheck.wire.exchange import Exchange
from infocheck.wire.not_tested import NotTested

RETRIEVED = 3    # listed ids retrieved, within the request budget (and --model's, always)


@pytest.fixture
def models(infocheck_config, api_version, infocheck_probe, infocheck_shared, infocheck_recorded) -> ModelsClient:
    """The client a test sends its requests through; its exchanges go into the report."""
    return ModelsClient(infocheck_probe, infocheck_config.for_version(api_version), infocheck_shared,
                        infocheck_recorded)


@pytest.fixture
def listing(models) -> Exchange:
    """GET {base}/models with the credential: the positive exchange, sent once a run."""
    return positive_exchange(models)


@pytest.fixture
def working_listing(listing) -> Exchange:
    """A refusal only means something if the positive request succeeds: require it."""
    return succeeded(listing, "the list", "MODELS-LIST-200")


@pytest.fixture
def listed(working_listing) -> list[dict]:
    """The Models the list names: every entry with a string id, even in a list that fails its
    shape (MODELS-LIST-SHAPE says how), so that what can be asked of those ids is asked; a list
    that names no id leaves nothing to retrieve."""
    found = checks.carried(working_listing)
    if not found:
        raise NotTested("the list names no model id (see MODELS-LIST-SHAPE), so there is "
                        "nothing to retrieve")
    return found


@pytest.fixture
def retrieved_ids(listed) -> list[str]:
    """The listed ids a run retrieves: a few, the first of each owner first, and one with a
    slash among them when the list has one."""
    return worth_retrieving(listed)


def worth_retrieving(listed: list[dict], count: int = RETRIEVED) -> list[str]:
    """`count` listed ids: the first id of each owner (an id listed twice counts for every owner
    it is listed under), then the rest in the list's order; if none of those has a slash and
    another listed id does, the first such id takes the last place (the slash is what clients
    most often disagree on). One pass each way: a list of a million bytes names some 20,000
    models, and the endpoint chooses how many owners."""
    owners_of: dict[str, set] = {}
    for model in listed:
        owners_of.setdefault(model["id"], set()).add(checks.owner(model))
    first_of_owner, owners = {}, set()   # a dict keeps the order and answers `in` at once
    for model in listed:
        if model["id"] not in first_of_owner and checks.owner(model) not in owners:
            first_of_owner[model["id"]] = None
            owners |= owners_of[model["id"]]
    rest = [m["id"] for m in listed if m["id"] not in first_of_owner]
    chosen = (list(first_of_owner) + rest)[:count]
    if chosen and not any("/" in i for i in chosen):
        slashed = next((m["id"] for m in listed if "/" in m["id"]), None)
        if slashed is not None:
            chosen[-1] = slashed
    return chosen
