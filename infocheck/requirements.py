"""The requirement catalogue (fixtures/requirements.json) as objects."""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from .bundle import folder

CATALOGUE = folder("fixtures") / "requirements.json"
LEVELS = ("MUST", "SHOULD")
AREAS = ("response shape", "api-version", "authentication", "HTTP robustness", "deployments")
# Checked on every exchange, so any test may report them.
UNIVERSAL = ("HTTP-NO-5XX", "AUTH-NO-ECHO")


@dataclass(frozen=True)
class Requirement:
    id: str
    level: str
    area: str
    statement: str
    source: str


@lru_cache(maxsize=None)
def catalogue() -> dict[str, Requirement]:
    entries = json.loads(CATALOGUE.read_text(encoding="utf-8"))["requirements"]
    found: dict[str, Requirement] = {}
    for entry in entries:
        requirement = Requirement(**entry)
        if requirement.id in found:
            raise ValueError(f"{CATALOGUE.name}: {requirement.id} is listed twice")
        if requirement.level not in LEVELS or requirement.area not in AREAS:
            raise ValueError(f"{CATALOGUE.name}: {requirement.id} has an unknown level or area")
        found[requirement.id] = requirement
    return found


def get(requirement_id: str) -> Requirement:
    try:
        return catalogue()[requirement_id]
    except KeyError:
        raise KeyError(f"{requirement_id} is not in {CATALOGUE.name}") from None
