"""The requirement catalogue as objects: a contract's own (fixtures/NAME/requirements.json), merged
with a team's catalogues, a team's policy file's levels applied (`load`, `apply_policy`; the
`Policy` a result is settled under is judging/policy.py's). Every problem in a file is a
`CatalogueError` naming the file and the entry (exit 4).

A contract's catalogue declares, besides its requirements, what the judge and the plugin need to
know of it without knowing its names: its areas (and their short markers), the requirements
every exchange is checked against (`universal`), those a policy may not change (`fixed`), and
the requirement of the positive request, without whose pass nothing else means anything
(`positive`)."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache

from infocheck.configuration import files
from infocheck.configuration.knobs import ConfigError

LEVELS = ("MUST", "SHOULD")
IGNORED = "IGNORED"       # a policy level: the requirement's tests are not run
FIELDS = ("id", "level", "area", "statement", "source")
NAMESPACE = re.compile(r"[A-Z][A-Z0-9]{1,15}")
TEAM_ID = re.compile(r"[A-Z0-9]+(-[A-Z0-9]+)+")
TEAM_KNOB = "INFOCHECK_REQUIREMENTS / --requirements"
POLICY_KNOB = "INFOCHECK_POLICY / --policy"
SHIPPED_KEYS = ("$comment", "contract", "areas", "markers", "universal", "fixed", "positive",
                "echo", "requirements")


class CatalogueError(ConfigError):
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


@dataclass(frozen=True)
class Shape:
    """What a contract's catalogue says of itself besides its requirements."""
    contract: str = ""
    areas: tuple[str, ...] = ()
    markers: tuple[tuple[str, str], ...] = ()   # area -> its short marker (-m auth)
    universal: tuple[str, ...] = ()
    fixed: tuple[str, ...] = ()
    positive: str = ""
    echo: str = ""             # the requirement an answer carrying a credential fails


class Catalogue(Mapping):
    """Requirement ID → `Requirement`, in catalogue order (the contract's first), with the
    policy applied. `policy` records what the policy changed: ID → (declared level, level)."""

    def __init__(self, requirements: dict[str, Requirement], policy_file: str | None = None,
                 shape: Shape = Shape()):
        self._requirements, self.policy_file, self.shape = requirements, policy_file, shape

    def __getitem__(self, requirement_id: str) -> Requirement:
        return self._requirements[requirement_id]

    def __iter__(self):
        return iter(self._requirements)

    def __len__(self) -> int:
        return len(self._requirements)

    @property
    def areas(self) -> tuple[str, ...]:
        """The contract's areas, then the teams' in the order they first appear."""
        return tuple(dict.fromkeys(self.shape.areas + tuple(r.area for r in self.values())))

    @property
    def universal(self) -> tuple[str, ...]:
        return self.shape.universal

    @property
    def fixed(self) -> tuple[str, ...]:
        return self.shape.fixed

    @property
    def positive(self) -> str:
        return self.shape.positive

    @property
    def echo(self) -> str:
        return self.shape.echo

    def marker(self, area: str) -> str:
        """`-m auth`, `-m http`, `-m response`; a team's area by its first word."""
        return dict(self.shape.markers).get(area) or re.sub(r"[^a-z0-9_]", "_", area.split()[0].lower())

    @property
    def policy(self) -> dict[str, tuple[str, str]]:
        return {r.id: (r.declared_level, r.level) for r in self.values() if r.declared_level}

    def describe_policy(self) -> str:
        if not self.policy_file:
            return "none"
        changes = ", ".join(f"{i} {was} → {now}" for i, (was, now) in self.policy.items())
        return f"{self.policy_file} ({changes or 'no change'})"


def read(path: str, knob: str, what: str):
    """A catalogue or policy file's data (JSON, or YAML), or the CatalogueError that says why not."""
    try:
        return files.load(path, what)
    except files.FileError as error:
        raise CatalogueError(f"{knob}: {error}") from None


def entry(value, where: str, levels=LEVELS) -> Requirement:
    if not isinstance(value, dict):
        raise CatalogueError(f"{where}: each requirement is an object with {', '.join(FIELDS)}")
    missing, unknown = set(FIELDS) - set(value), set(value) - set(FIELDS)
    if missing or unknown:
        raise CatalogueError(f"{where}: " + "; ".join(
            f"{what} field(s) {', '.join(sorted(map(files.shown_name, names)))}" for what, names
            in (("missing", missing), ("unknown", unknown)) if names))
    if not all(isinstance(value[name], str) and value[name].strip() for name in FIELDS):
        raise CatalogueError(f"{where}: {', '.join(FIELDS)} must be non-empty text")
    if value["level"] not in levels:
        raise CatalogueError(f"{where}: level {files.quoted(value['level'])} is not one of {', '.join(levels)}")
    return Requirement(**{name: value[name].strip() for name in FIELDS})


def builtin(contract=None) -> Catalogue:
    """A contract's own catalogue, as it ships (the default contract's when none is named)."""
    if contract is None:
        from infocheck import contracts
        contract = contracts.get(contracts.DEFAULT)
    return _shipped(contract)


@lru_cache(maxsize=None)
def _shipped(contract) -> Catalogue:
    path = contract.data("fixtures") / "requirements.json"
    document = read(str(path), path.name, "requirement catalogue")
    name = path.name
    if not isinstance(document, dict) or set(document) - set(SHIPPED_KEYS):
        raise CatalogueError(f"{name}: an object with " + ", ".join(SHIPPED_KEYS[1:]))
    shape = Shape(document.get("contract", contract.name), tuple(document.get("areas", ())),
                  tuple(dict(document.get("markers", {})).items()),
                  tuple(document.get("universal", ())), tuple(document.get("fixed", ())),
                  document.get("positive", ""), document.get("echo", ""))
    found: dict[str, Requirement] = {}
    for value in document.get("requirements", []):
        requirement = entry(value, f"{name}: {value.get('id') if isinstance(value, dict) else value}")
        if requirement.id in found:
            raise CatalogueError(f"{name}: {requirement.id} is listed twice")
        if requirement.area not in shape.areas:
            raise CatalogueError(f"{name}: {requirement.id} has an unknown area")
        found[requirement.id] = requirement
    for listed in shape.universal + shape.fixed + tuple(filter(None, (shape.positive, shape.echo))):
        if listed not in found:
            raise CatalogueError(f"{name}: {listed} is named as universal, fixed, positive or echo "
                                 "but not declared")
    return Catalogue(found, shape=shape)


def shipped_namespaces() -> set[str]:
    """Every ID prefix a contract's catalogue uses: no team may take one."""
    from infocheck import contracts
    return {requirement_id.split("-")[0] for c in contracts.every() for requirement_id in c.catalogue}


def _team(path: str, found: dict[str, Requirement], namespaces: dict[str, str]) -> None:
    """Add one team catalogue's requirements to `found`, refusing any clash."""
    document = read(path, TEAM_KNOB, "requirement catalogue")
    shown = files.where(path)
    if not isinstance(document, dict) or set(document) - {"$comment", "namespace", "requirements"}:
        raise CatalogueError(f"{TEAM_KNOB}: {shown} must be an object with namespace and "
                             "requirements (and an optional $comment)")
    namespace = document.get("namespace")
    if not isinstance(namespace, str) or not NAMESPACE.fullmatch(namespace):
        raise CatalogueError(f"{TEAM_KNOB}: {shown}: namespace must be 2 to 16 capital letters "
                             "or digits, starting with a letter (e.g. ACME)")
    if namespace in shipped_namespaces():
        raise CatalogueError(f"{TEAM_KNOB}: {shown}: namespace {namespace} is infocheck's own")
    if namespace in namespaces:
        raise CatalogueError(f"{TEAM_KNOB}: {shown}: namespace {namespace} is also used by "
                             f"{namespaces[namespace]}")
    namespaces[namespace] = shown
    entries = document.get("requirements")
    if not isinstance(entries, list) or not entries:
        raise CatalogueError(f"{TEAM_KNOB}: {shown}: requirements must be a non-empty list")
    for number, value in enumerate(entries, 1):
        requirement = entry(value, f"{TEAM_KNOB}: {shown}, requirement {number}")
        if not TEAM_ID.fullmatch(requirement.id) or not requirement.id.startswith(namespace + "-"):
            raise CatalogueError(f"{TEAM_KNOB}: {shown}, requirement {number}: the ID "
                                 f"{files.quoted(requirement.id)} must be {namespace}-NAME in "
                                 "capitals, digits and dashes")
        if requirement.id in found:
            raise CatalogueError(f"{TEAM_KNOB}: {shown}: {requirement.id} is declared twice")
        found[requirement.id] = replace(requirement, catalogue=namespace)


def load(team_files: tuple[str, ...] = (), policy_file: str | None = None, contract=None) -> Catalogue:
    """The run's catalogue: the contract's, then each team file's, then the policy applied."""
    own = builtin(contract)
    if not team_files and not policy_file:
        return own
    found = dict(own)
    namespaces: dict[str, str] = {}
    for path in team_files:
        _team(path, found, namespaces)
    if policy_file:
        apply_policy(policy_file, found, own.fixed)
    return Catalogue(found, policy_file, own.shape)


def apply_policy(path: str, found: dict[str, Requirement], fixed: tuple[str, ...]) -> None:
    """Change the levels in `found` as the policy file says; what every other check stands on
    (`fixed`) cannot be changed."""
    document = read(path, POLICY_KNOB, "policy")
    shown = files.where(path)
    if not isinstance(document, dict) or set(document) - {"$comment", "levels"} \
            or not isinstance(document.get("levels"), dict):
        raise CatalogueError(f"{POLICY_KNOB}: {shown} must be an object with levels: "
                             '{"REQUIREMENT-ID": "MUST" | "SHOULD" | "IGNORED"}')
    for requirement_id, level in document["levels"].items():
        if requirement_id not in found:
            raise CatalogueError(f"{POLICY_KNOB}: {shown}: {files.quoted(requirement_id)} is not a "
                                 "requirement ID")
        if level not in LEVELS + (IGNORED,):
            raise CatalogueError(f"{POLICY_KNOB}: {shown}: {requirement_id}: level "
                                 f"{files.quoted(level)} is not one of {', '.join(LEVELS + (IGNORED,))}")
        if requirement_id in fixed and level != found[requirement_id].level:
            raise CatalogueError(f"{POLICY_KNOB}: {shown}: {requirement_id} cannot be changed; "
                                 "every other check stands on it")
        declared = found[requirement_id]
        if level != declared.level:
            found[requirement_id] = replace(declared, level=level, declared_level=declared.level)
