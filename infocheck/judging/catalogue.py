"""The requirement catalogue as objects: infocheck's own (fixtures/requirements.json), merged
with a team's catalogues, under a team's policy. Every problem in a file is a `ConfigError`
naming the file and the entry (exit 4)."""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from infocheck.bundle import folder

CATALOGUE = folder("fixtures") / "requirements.json"
LEVELS = ("MUST", "SHOULD")
IGNORED = "IGNORED"       # a policy level: the requirement's tests are not run
AREAS = ("response shape", "api-version", "authentication", "HTTP robustness", "deployments")
# Checked on every exchange, so any test may report them.
UNIVERSAL = ("HTTP-NO-5XX", "AUTH-NO-ECHO")
# What every other check stands on: a policy may not change these.
FIXED = UNIVERSAL + ("SHAPE-200",)
FIELDS = ("id", "level", "area", "statement", "source")
NAMESPACE = re.compile(r"[A-Z][A-Z0-9]{1,15}")
TEAM_ID = re.compile(r"[A-Z0-9]+(-[A-Z0-9]+)+")
POLICY_KNOB = "INFOCHECK_POLICY / --policy"
TEAM_KNOB = "INFOCHECK_REQUIREMENTS / --requirements"


class CatalogueError(ValueError):
    """A catalogue or policy file is wrong; the message names the file and the entry."""


@dataclass(frozen=True)
class Requirement:
    id: str
    level: str            # the level this run judges by: MUST, SHOULD, or IGNORED (by policy)
    area: str
    statement: str
    source: str
    catalogue: str = "infocheck"   # the catalogue that declares it (a team's namespace)
    declared_level: str = ""       # the level its catalogue gives, when a policy changed it

    @property
    def ignored(self) -> bool:
        return self.level == IGNORED


class Catalogue(Mapping):
    """Requirement ID → `Requirement`, in catalogue order (infocheck's first), with the policy
    applied. `policy` records what the policy changed: ID → (declared level, level)."""

    def __init__(self, requirements: dict[str, Requirement], policy_file: str | None = None):
        self._requirements, self.policy_file = requirements, policy_file

    def __getitem__(self, requirement_id: str) -> Requirement:
        return self._requirements[requirement_id]

    def __iter__(self):
        return iter(self._requirements)

    def __len__(self) -> int:
        return len(self._requirements)

    @property
    def areas(self) -> tuple[str, ...]:
        """infocheck's areas, then the teams' in the order they first appear."""
        return tuple(dict.fromkeys(AREAS + tuple(r.area for r in self.values())))

    @property
    def policy(self) -> dict[str, tuple[str, str]]:
        return {r.id: (r.declared_level, r.level) for r in self.values() if r.declared_level}

    def describe_policy(self) -> str:
        if not self.policy_file:
            return "none"
        changes = ", ".join(f"{i} {was} → {now}" for i, (was, now) in self.policy.items())
        return f"{self.policy_file} ({changes or 'no change'})"


def _read(path: str, knob: str):
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise CatalogueError(f"{knob}: cannot read {path!r} ({exc.strerror})") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise CatalogueError(f"{knob}: {path} is not valid JSON ({exc})") from None


def _entry(entry, where: str, levels=LEVELS) -> Requirement:
    if not isinstance(entry, dict):
        raise CatalogueError(f"{where}: each requirement is an object with {', '.join(FIELDS)}")
    missing, unknown = set(FIELDS) - set(entry), set(entry) - set(FIELDS)
    if missing or unknown:
        raise CatalogueError(f"{where}: " + "; ".join(
            f"{what} field(s) {', '.join(sorted(names))}" for what, names
            in (("missing", missing), ("unknown", unknown)) if names))
    if not all(isinstance(entry[name], str) and entry[name].strip() for name in FIELDS):
        raise CatalogueError(f"{where}: {', '.join(FIELDS)} must be non-empty text")
    if entry["level"] not in levels:
        raise CatalogueError(f"{where}: level {entry['level']!r} is not one of {', '.join(levels)}")
    return Requirement(**{name: entry[name].strip() for name in FIELDS})


@lru_cache(maxsize=None)
def builtin() -> Catalogue:
    """infocheck's own catalogue, as it ships."""
    entries = json.loads(CATALOGUE.read_text(encoding="utf-8"))["requirements"]
    found: dict[str, Requirement] = {}
    for entry in entries:
        requirement = _entry(entry, f"{CATALOGUE.name}: {entry.get('id')}")
        if requirement.id in found:
            raise CatalogueError(f"{CATALOGUE.name}: {requirement.id} is listed twice")
        if requirement.area not in AREAS:
            raise CatalogueError(f"{CATALOGUE.name}: {requirement.id} has an unknown area")
        found[requirement.id] = requirement
    return Catalogue(found)


def _prefixes(requirements) -> set[str]:
    return {requirement_id.split("-")[0] for requirement_id in requirements}


def _team(path: str, found: dict[str, Requirement], namespaces: dict[str, str]) -> None:
    """Add one team catalogue's requirements to `found`, refusing any clash."""
    document = _read(path, TEAM_KNOB)
    if not isinstance(document, dict) or set(document) - {"$comment", "namespace", "requirements"}:
        raise CatalogueError(f"{TEAM_KNOB}: {path} must be an object with namespace and "
                             "requirements (and an optional $comment)")
    namespace = document.get("namespace")
    if not isinstance(namespace, str) or not NAMESPACE.fullmatch(namespace):
        raise CatalogueError(f"{TEAM_KNOB}: {path}: namespace must be 2 to 16 capital letters "
                             "or digits, starting with a letter (e.g. ACME)")
    if namespace in _prefixes(builtin()):
        raise CatalogueError(f"{TEAM_KNOB}: {path}: namespace {namespace} is infocheck's own")
    if namespace in namespaces:
        raise CatalogueError(f"{TEAM_KNOB}: {path}: namespace {namespace} is also used by "
                             f"{namespaces[namespace]}")
    namespaces[namespace] = path
    entries = document.get("requirements")
    if not isinstance(entries, list) or not entries:
        raise CatalogueError(f"{TEAM_KNOB}: {path}: requirements must be a non-empty list")
    for number, entry in enumerate(entries, 1):
        requirement = _entry(entry, f"{TEAM_KNOB}: {path}, requirement {number}")
        if not TEAM_ID.fullmatch(requirement.id) or not requirement.id.startswith(namespace + "-"):
            raise CatalogueError(f"{TEAM_KNOB}: {path}, requirement {number}: the ID "
                                 f"{requirement.id!r} must be {namespace}-NAME in capitals, "
                                 "digits and dashes")
        if requirement.id in found:
            raise CatalogueError(f"{TEAM_KNOB}: {path}: {requirement.id} is declared twice")
        found[requirement.id] = replace(requirement, catalogue=namespace)


def _apply_policy(path: str, found: dict[str, Requirement]) -> None:
    document = _read(path, POLICY_KNOB)
    if not isinstance(document, dict) or set(document) - {"$comment", "levels"} \
            or not isinstance(document.get("levels"), dict):
        raise CatalogueError(f"{POLICY_KNOB}: {path} must be an object with levels: "
                             '{"REQUIREMENT-ID": "MUST" | "SHOULD" | "IGNORED"}')
    for requirement_id, level in document["levels"].items():
        if requirement_id not in found:
            raise CatalogueError(f"{POLICY_KNOB}: {path}: {requirement_id!r} is not a requirement ID")
        if level not in LEVELS + (IGNORED,):
            raise CatalogueError(f"{POLICY_KNOB}: {path}: {requirement_id}: level {level!r} is "
                                 f"not one of {', '.join(LEVELS + (IGNORED,))}")
        if requirement_id in FIXED and level != found[requirement_id].level:
            raise CatalogueError(f"{POLICY_KNOB}: {path}: {requirement_id} cannot be changed; "
                                 "every other check stands on it")
        declared = found[requirement_id]
        if level != declared.level:
            found[requirement_id] = replace(declared, level=level, declared_level=declared.level)


def load(team_files: tuple[str, ...] = (), policy_file: str | None = None) -> Catalogue:
    """The run's catalogue: infocheck's, then each team file's, then the policy applied."""
    if not team_files and not policy_file:
        return builtin()
    found = dict(builtin())
    namespaces: dict[str, str] = {}
    for path in team_files:
        _team(path, found, namespaces)
    if policy_file:
        _apply_policy(policy_file, found)
    return Catalogue(found, policy_file)
