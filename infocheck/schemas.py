"""Loads the JSON Schemas in schemas/ (data, one folder per api-version) into validators."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
KNOWN_VERSIONS_NOTE = "infocheck knows the ModelInfo schema of: {}"


def known_versions() -> list[str]:
    return sorted(p.name for p in SCHEMA_DIR.iterdir() if (p / "model-info.json").is_file())


@lru_cache(maxsize=None)
def _registry() -> Registry:
    resources = []
    for path in sorted(SCHEMA_DIR.rglob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((contents["$id"], Resource.from_contents(contents)))
    return Registry().with_resources(resources)


def profile_version(api_version: str) -> str:
    """The api-version whose schema applies: its own, or the most recent known one."""
    versions = known_versions()
    return api_version if api_version in versions else versions[-1]


@lru_cache(maxsize=None)
def validator(name: str, api_version: str | None = None) -> Draft202012Validator:
    path = SCHEMA_DIR / (f"{profile_version(api_version)}/{name}.json" if api_version else f"{name}.json")
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, registry=_registry())


def model_info_validator(api_version: str) -> Draft202012Validator:
    return validator("model-info", api_version)


def model_types(api_version: str) -> list[str]:
    path = SCHEMA_DIR / profile_version(api_version) / "model-type.json"
    return list(json.loads(path.read_text(encoding="utf-8"))["enum"])


def errors(validator: Draft202012Validator, instance) -> list[str]:
    """Each schema violation as '<JSON path>: <message>', shallowest first."""
    found = sorted(validator.iter_errors(instance), key=lambda e: (len(e.path), e.json_path))
    return [f"{e.json_path}: {e.message}" for e in found]
