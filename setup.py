"""What the wheel carries, found in the tree rather than listed by name (pyproject.toml holds the
rest): every folder of infocheck/ that holds Python is a package, with every other file in it
(command.ini, the reports' templates) as its data; the design card's folders at the top,
`suites/`, `schemas/` and `fixtures/`, go under infocheck/bundled/ with every file in them, so a
new contract's `infocheck/contracts/NAME/`, `suites/NAME/`, `schemas/NAME/` and `fixtures/NAME/`
ship without a line here. tests/test_contract_unit.py checks a wheel carries every file of them.
"""
from __future__ import annotations

import os
from pathlib import Path

from setuptools import setup

HERE = Path(__file__).resolve().parent
BUNDLED = ("suites", "schemas", "fixtures")   # infocheck/bundle.py KINDS


def _skipped(path: Path) -> bool:
    return "__pycache__" in path.parts or path.suffix in (".pyc", ".pyo")


def layout(root: Path = HERE) -> tuple[list[str], dict[str, str], dict[str, list[str]]]:
    """(packages, package_dir, package_data) of the tree at `root`. In infocheck/ a folder that
    holds Python is a package; under suites/, schemas/ and fixtures/ every folder whose name
    can be one is. Each file that is not infocheck's Python is data of the package nearest
    above it (reports/templates/*.j2 the reporters', schemas/info/2025-04-01/*.json the info
    schemas')."""
    package_dir = {"infocheck": "infocheck"}
    places = {}   # package -> its folder

    def name_of(folder: Path) -> str:
        relative = folder.relative_to(root).parts
        if relative[0] in BUNDLED:
            relative = ("infocheck", "bundled", *relative)
        return ".".join(relative)

    def folders(top: Path):
        return sorted({top, *(p for p in top.rglob("*") if p.is_dir() and not _skipped(p))})

    for folder in folders(root / "infocheck"):
        if any(folder.glob("*.py")) and all(part.isidentifier() for part in folder.relative_to(root).parts):
            places[name_of(folder)] = folder
    for kind in BUNDLED:
        package_dir[f"infocheck.bundled.{kind}"] = kind
        for folder in folders(root / kind):
            if all(part.isidentifier() for part in folder.relative_to(root).parts):
                places[name_of(folder)] = folder
    package_data: dict[str, list[str]] = {}
    for top in ("infocheck", *BUNDLED):
        for path in sorted(p for p in (root / top).rglob("*") if p.is_file() and not _skipped(p)):
            owner = path.parent
            if top == "infocheck" and path.suffix == ".py" and name_of(owner) in places:
                continue   # a module
            while name_of(owner) not in places:
                owner = owner.parent
            package_data.setdefault(name_of(owner), []).append(path.relative_to(owner).as_posix())
    return sorted(places), package_dir, package_data


if __name__ == "__main__":   # as setuptools runs it; a self-test imports layout() alone
    _packages, _dirs, _data = layout()
    setup(packages=_packages, package_dir=_dirs, package_data=_data)
