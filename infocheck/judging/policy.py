"""What a run judges by besides its results: a team's policy file (levels changed for this gate:
MUST, SHOULD or IGNORED), applied to the catalogue once, and the `Policy` every result is
settled under (the catalogue's levels, the waivers, whether SHOULDs fail, the day)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from infocheck.configuration import files
from infocheck.judging.catalogue import IGNORED, LEVELS, Catalogue, CatalogueError, Requirement, read

POLICY_KNOB = "INFOCHECK_POLICY / --policy"


@dataclass(frozen=True)
class Policy:
    """What a run judges by besides the results: each requirement's level (a policy file's
    already applied to the catalogue), whether a SHOULD failure fails, the waivers, the day."""
    catalogue: Catalogue
    waivers: tuple = ()
    fail_on_should: bool = False
    today: dt.date = field(default_factory=dt.date.today)

    def expired(self) -> list:
        return [w for w in self.waivers if w.expired(self.today)]


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
