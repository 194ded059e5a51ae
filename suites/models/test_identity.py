"""Identity: the model the gate is about is served here; and where /info of the same deployment
names its model (a fleet target's same_as), the v1 route serves that one too."""
import pytest

from infocheck.contracts.models import checks

requirement = pytest.mark.requirement


def retrieved_if_unlisted(models, listed, name):
    return None if any(m["id"] == name for m in listed) else models.once(model=name, encode_slash=False)


@requirement("MODELS-MODEL-SERVED")
def test_the_model_of_the_gate_is_served(models, listed, working_listing, infocheck_config):
    name = infocheck_config.model
    if not name:
        pytest.skip("no model named (--model / INFOCHECK_MODEL)")
    checks.served(name, listed, retrieved_if_unlisted(models, listed, name), "MODELS-MODEL-SERVED",
                  working_listing, "--model")


@requirement("MODELS-SAME-AS-INFO")
def test_the_model_info_names_is_served(models, listed, working_listing, infocheck_config):
    name = infocheck_config.info_model_name
    if not name:
        pytest.skip("no /info model_name to compare with (a fleet target's same_as gives one)")
    checks.served(name, listed, retrieved_if_unlisted(models, listed, name), "MODELS-SAME-AS-INFO",
                  working_listing, "the model_name /info names")
