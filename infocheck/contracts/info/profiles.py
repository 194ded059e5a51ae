"""The Get Info API's api-version profiles in schemas/info/ (data, one folder per version): each
folder holds the ModelInfo and ModelType JSON Schemas of that version and a profile.json saying
whether ModelType is closed or extensible, which inputs the version has, its default auth
header and its token scope."""
from __future__ import annotations

import json
from functools import lru_cache

from infocheck.bundle import folder, schema_errors, validator

SCHEMA_DIR = folder("schemas") / "info"
SPELLINGS = folder("fixtures") / "info" / "model-type-spellings.json"
errors = schema_errors


def known_versions() -> list[str]:
    """Known api-versions, oldest first (the date orders them; '-preview' sorts after GA)."""
    return sorted(p.name for p in SCHEMA_DIR.iterdir() if (p / "profile.json").is_file())


def profile_version(api_version: str) -> str:
    """The api-version whose profile applies: its own, or the most recent known one."""
    versions = known_versions()
    return api_version if api_version in versions else versions[-1]


@lru_cache(maxsize=None)
def profile(api_version: str) -> dict:
    return json.loads((SCHEMA_DIR / profile_version(api_version) / "profile.json").read_text("utf-8"))


def model_info_validator(api_version: str):
    return validator(f"info/{profile_version(api_version)}/model-info")


def error_validator():
    """The Azure error body of the Azure REST API Guidelines."""
    return validator("info/azure-error")


@lru_cache(maxsize=None)
def model_types(api_version: str) -> tuple[str, ...]:
    """The documented ModelType values: the enum of a closed set, the examples of an open one.
    Cached: the reference server asks on every request."""
    schema = json.loads((SCHEMA_DIR / profile_version(api_version) / "model-type.json").read_text("utf-8"))
    return tuple(schema.get("enum") or schema.get("examples") or ())


def model_type_closed(api_version: str) -> bool:
    return profile(api_version)["model_type"] == "closed"


@lru_cache(maxsize=None)
def _spellings() -> dict:
    return json.loads(SPELLINGS.read_text(encoding="utf-8"))["spellings"]


def spelling_note(value, api_version: str) -> str:
    """What a model_type value is, when it is a known spelling of a documented one."""
    known = _spellings().get(value) if isinstance(value, str) else None
    if not known:
        return ""
    documented = model_types(api_version)
    target = next((v for v in documented if _spellings().get(v, {}).get("canonical", v) == known["canonical"]), None)
    if target is None or target == value:
        return ""
    return (f"`{value}` is {known['note']}; api-version {profile_version(api_version)} documents "
            f"`{target}`" + client_note(value, target, known["canonical"]))


@lru_cache(maxsize=None)
def _clients() -> dict:
    found = json.loads(SPELLINGS.read_text(encoding="utf-8")).get("clients", {})
    return {name: members for name, members in found.items() if not name.startswith("$")}


def client_note(value: str, target: str, canonical: str) -> str:
    """Which comparison `value` breaks, where the documented spelling is `target`: a client
    written to the api-version's spelling, and an official client's enum, whose spelling may be
    another (azure-ai-inference's ModelType.CHAT_COMPLETION is chat_completion)."""
    notes = []
    for client, members in _clients().items():
        for member, spelled in members.items():
            if _spellings().get(spelled, {}).get("canonical", spelled) != canonical:
                continue
            if spelled == target:
                notes.append(f"{client}'s `model_type == {member}` (`{spelled}`) is False for it")
            elif spelled == value:
                notes.append(f"a client comparing with `{target}` gets False, while {client}'s "
                             f"`{member}` (`{spelled}`) matches it")
            else:
                notes.append(f"a client comparing with `{target}` gets False, and so does {client}'s "
                             f"`model_type == {member}` (`{spelled}`)")
    return "".join(f"; {note}" for note in notes)
