"""What a run collects: the chosen contract's suites (never another contract's), a team's tests
beside them, each test marked from the catalogue (`-m auth`, `-m must`, `-m "not slow"`), the
tests of requirements the policy ignores left out, and a test naming a requirement no
catalogue declares refused."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

from infocheck import bundle, contracts

MISUSED = pytest.StashKey[str]()
IN_SUITES = pytest.StashKey[bool]()
DECLARED = pytest.StashKey[set]()     # every requirement a collected test declares


def requirement_ids(item) -> tuple[str, ...]:
    ids: list[str] = []
    for mark in item.iter_markers("requirement"):
        ids += list(mark.args)
    return tuple(ids)


@lru_cache(maxsize=64)
def resolved(folder: Path) -> Path:
    """A folder of infocheck's data, its links resolved (asked at every path collected and every
    report: resolved once)."""
    return folder.resolve()


def is_other_contracts_suites(path: Path, contract) -> bool:
    """A folder of suites/ that belongs to a contract this run does not check."""
    suites = resolved(bundle.folder("suites"))
    try:
        relative = Path(path).resolve().relative_to(suites)
    except ValueError:
        return False
    top = relative.parts[0] if relative.parts else ""
    return top in contracts.names() and top != contract.name


def in_suites(item, contract) -> bool:
    """Is this one of infocheck's own tests (rather than a team's)? Asked at every report."""
    if IN_SUITES not in item.stash:
        item.stash[IN_SUITES] = Path(item.path).resolve().is_relative_to(resolved(contract.data("suites")))
    return item.stash[IN_SUITES]


def register_markers(config, catalogue) -> None:
    config.addinivalue_line("markers", "requirement(*ids): the requirements (fixtures/CONTRACT/"
                            "requirements.json, or a team's catalogue) a test checks")
    for area in catalogue.areas:
        config.addinivalue_line("markers", f"{catalogue.marker(area)}: tests of the {area} requirements")
    for level in ("must", "should", "ignored"):
        config.addinivalue_line("markers", f"{level}: tests of {level.upper()} requirements")
    config.addinivalue_line("markers", "slow: property-based tests (several requests each)")


def mark(config, items, catalogue, worker: bool) -> None:
    """Markers from the catalogue; a test of requirements the policy ignores is not run at all
    (it would only cost requests); a test naming a requirement no catalogue declares is a
    usage error (an xdist worker cannot stop the run: the test's report says so)."""
    kept, ignored = [], []
    declared = {i for item in items for i in requirement_ids(item)}
    for item in items:
        ids = requirement_ids(item)
        unknown = [i for i in ids if i not in catalogue]
        if unknown:
            problem = (f"{item.nodeid} names {', '.join(unknown)}, which no requirement catalogue "
                       "declares (add it to your --requirements file)")
            if not worker:
                raise pytest.UsageError(problem)
            item.stash[MISUSED] = problem
            kept.append(item)   # run, to fail with the problem
            continue
        for requirement_id in ids:
            item.add_marker(catalogue.marker(catalogue[requirement_id].area))
            item.add_marker(catalogue[requirement_id].level.lower())
        if getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
            item.add_marker("slow")
        (ignored if ids and all(catalogue[i].ignored for i in ids) else kept).append(item)
    config.stash[DECLARED] = declared    # only once every test names catalogued requirements
    if ignored:
        config.hook.pytest_deselected(items=ignored)
        items[:] = kept


def unchecked(config, items, catalogue) -> tuple[list[str], list[str]]:
    """After -m and -k have had their say: the MUST requirements no collected test declares
    (a team's test folder forgotten: the gate must not pass by accident), and those only
    deselected tests declare (left out on purpose)."""
    if DECLARED not in config.stash:
        return [], []    # the collection was refused already, for a reason of its own
    declared = config.stash[DECLARED]
    kept = {i for item in items for i in requirement_ids(item)}
    musts = [r.id for r in catalogue.values() if r.level == "MUST"]
    return [i for i in musts if i not in declared], [i for i in musts if i in declared and i not in kept]


def unchecked_problem(missing: list[str], catalogue) -> str:
    named = ", ".join(f"{i} (catalogue {catalogue[i].catalogue})" for i in missing[:8])
    more = f" and {len(missing) - 8} more" if len(missing) > 8 else ""
    return (f"MUST requirement(s) {named}{more} are checked by no collected test: give the folder "
            "of the tests that check them (infocheck TESTS_FOLDER --requirements FILE), set them "
            "aside with a policy (IGNORED), or leave them out on purpose with -m or -k")
