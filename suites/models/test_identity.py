"""Identity: the model the gate is about is served here; and where /info of the same deployment
names its model (a fleet target's same_as), the v1 route serves that one too."""
import pytest

from infocheck.contracts.models import checks

requirement = pytest.mark.requirement


def check_served(models, listed, working_listing, name, requirement, why):
    """`name` is listed, or retrieved (asked for only when the list lacks it)."""
    retrieved = None if any(m["id"] == name for m in listed) else models.once(model=name, encode_slash=False)
    checks.served(name, listed, retrieved, requirement, working_listing, why)


@requirement("MODELS-MODEL-SERVED")
def test_the_model_of_the_gate_is_served(models, listed, working_listing, infocheck_config):
    name = infocheck_config.model
    if not name:
        pytest.skip("no model named (--model / INFOCHECK_MODEL)")
    check_served(models, listed, working_listing, name, "MODELS-MODEL-SERVED", "--model")


@requirement("MODELS-SAME-AS-INFO")
def test_the_model_info_names_is_served(models, listed, working_listing, infocheck_config):
    name = infocheck_config.info_model_name
    if not name:
        pytest.skip("no /info model_name to compare with (a fleet target's same_as gives one)")
    check_served(models, listed, working_listing, name, "MODELS-SAME-AS-INFO", "the model_name /info names")
