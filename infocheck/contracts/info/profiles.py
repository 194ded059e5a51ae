"""The api-version profiles in schemas/ (data, one folder per version): each folder holds the
ModelInfo and ModelType JSON Schemas of that version and a profile.json saying whether ModelType
is closed or extensible, which inputs the version has, and its default auth header."""
from __future__ import annotations

import json
from functools import lru_cache

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from infocheck.bundle import folder

SCHEMA_DIR = folder("schemas")
SPELLINGS = folder("fixtures") / "model-type-spellings.json"


def known_versions() -> list[str]:
    """Known api-versions, oldest first (the date orders them; '-preview' sorts after GA)."""
    return sorted(p.name for p in SCHEMA_DIR.iterdir() if (p / "profile.json").is_file())


@lru_cache(maxsize=None)
def _registry() -> Registry:
    resources = []
    for path in sorted(SCHEMA_DIR.rglob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        if "$id" in contents:  # schemas, not profiles
            resources.append((contents["$id"], Resource.from_contents(contents)))
    return Registry().with_resources(resources)


def profile_version(api_version: str) -> str:
    """The api-version whose profile applies: its own, or the most recent known one."""
    versions = known_versions()
    return api_version if api_version in versions else versions[-1]


@lru_cache(maxsize=None)
def profile(api_version: str) -> dict:
    return json.loads((SCHEMA_DIR / profile_version(api_version) / "profile.json").read_text("utf-8"))


@lru_cache(maxsize=None)
def validator(name: str, api_version: str | None = None) -> Draft202012Validator:
    path = SCHEMA_DIR / (f"{profile_version(api_version)}/{name}.json" if api_version else f"{name}.json")
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, registry=_registry())


def model_info_validator(api_version: str) -> Draft202012Validator:
    return validator("model-info", api_version)


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
    return f"`{value}` is {known['note']}; api-version {profile_version(api_version)} documents `{target}`"


def errors(validator: Draft202012Validator, instance) -> list[str]:
    """Each schema violation as '<JSON path>: <message>', shallowest first."""
    found = sorted(validator.iter_errors(instance), key=lambda e: (len(e.path), e.json_path))
    return [f"{e.json_path}: {e.message}" for e in found]
