"""Identity: the model the gate is about is served here; and where /info of the same deployment
names its model (a fleet target's same_as, or --info-model-name), the v1 route serves that one
too."""
import pytest

from infocheck.contracts.info.contract import IDENTITY_NAME_LIMIT as NAME_LIMIT
from infocheck.contracts.models import checks
from infocheck.wire.probe import NotTested

requirement = pytest.mark.requirement
WHY = "the model_name /info names"


def check_served(models, listed, working_listing, name, requirement, why):
    """`name` is listed, or retrieved as the reference SDK asks for it (only when the list lacks
    it, and the name is one a route is asked for)."""
    asked = not any(m["id"] == name for m in listed) and not checks.unaskable(name)
    retrieved = models.once(model=name) if asked else None
    checks.served(name, listed, retrieved, requirement, working_listing, why)


@requirement("MODELS-MODEL-SERVED")
def test_the_model_of_the_gate_is_served(models, listed, working_listing, infocheck_config):
    name = infocheck_config.model
    if not name:
        pytest.skip("no model named (--model / INFOCHECK_MODEL)")
    check_served(models, listed, working_listing, name, "MODELS-MODEL-SERVED", "--model")


@requirement("MODELS-SAME-AS-INFO")
def test_the_model_info_names_is_served(models, listed, working_listing, infocheck_config):
    linked = infocheck_config.same_as   # what the fleet's same_as info target answered: data
    identity = linked.identity if linked is not None else {}
    where = f"same_as {linked.target}" if linked is not None else ""
    if linked is not None and linked.carried_secret:
        raise NotTested(f"the model_name /info of {where} answered carried a credential of this "
                        "fleet (masked in the reports), so it is not sent here")
    name, length = identity.get("model_name"), identity.get("model_name_length", "")
    too_long = int(length) if length.isascii() and length.isdigit() and len(length) <= 12 else 0
    if not name and too_long <= NAME_LIMIT:
        name = infocheck_config.info_model_name   # the operator's option (a validated one)
    if name:
        check_served(models, listed, working_listing, name, "MODELS-SAME-AS-INFO", WHY)
    elif too_long > NAME_LIMIT:
        if not checks.served_long(too_long, NAME_LIMIT, listed, "MODELS-SAME-AS-INFO",
                                  working_listing, WHY):
            raise NotTested(f"the model_name /info of {where} answered is {too_long} characters "
                            f"long, more than the {NAME_LIMIT} a run hands on, and an id here is "
                            "as long: the two cannot be compared")
    elif linked is not None:
        pytest.skip(f"{where} named no model_name to compare with"
                    + (f" ({linked.note})" if linked.note else ""))
    else:
        pytest.skip("no /info model_name to compare with (a fleet target's same_as gives one)")
