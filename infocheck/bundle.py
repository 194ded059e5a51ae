"""The data infocheck carries: the design card's folders (`suites/`, `schemas/`, `fixtures/`, one
subfolder per contract beside the reports' own schemas), the JSON Schemas in them, and the pytest
defaults of the `infocheck` command.

An installed wheel carries the folders as package data (infocheck/bundled/); a clone, or an
editable install of one, has them at the top of the repository, as the design card lays them out.
"""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path

KINDS = ("suites", "schemas", "fixtures")


@lru_cache(maxsize=None)
def folder(kind: str) -> Path:
    """`suites`, `schemas` or `fixtures`: the top of that folder (a contract's data is in the
    subfolder named after it). Looked up once: a run asks for it with every test."""
    if kind not in KINDS:
        raise ValueError(f"no data folder {kind!r}")
    packaged = resources.files("infocheck").joinpath("bundled", kind)
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / kind


def command_ini() -> Path:
    """The pytest defaults of the `infocheck` command; the repository's pytest.ini is derived
    from it (see `repository_ini`)."""
    return Path(str(resources.files("infocheck").joinpath("command.ini")))


REPOSITORY_INI_HEAD = (
    "# Derived from infocheck/command.ini, the one source of infocheck's pytest defaults, plus the\n"
    "# testpaths a clone's `python -m pytest` collects from. Do not edit: change command.ini, then\n"
    "# write this file with infocheck.bundle.repository_ini() (a self-test checks they agree).\n")


def repository_ini() -> str:
    """What the repository's pytest.ini must say: the command's defaults, and where a clone's
    `python -m pytest` finds the suites (the plugin collects only the chosen contract's)."""
    body = command_ini().read_text(encoding="utf-8")
    return REPOSITORY_INI_HEAD + body.replace("[pytest]\n", "[pytest]\ntestpaths = suites\n", 1)


@lru_cache(maxsize=None)
def _schemas() -> dict:
    """Every schema infocheck carries (those with an `$id`, not the profiles beside them), by
    its name as `validator` takes it."""
    top, found = folder("schemas"), {}
    for path in sorted(top.rglob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(contents, dict) and "$id" in contents:
            found[path.relative_to(top).with_suffix("").as_posix()] = contents
    return found


def schema_names() -> tuple[str, ...]:
    return tuple(_schemas())


@lru_cache(maxsize=None)
def _registry():
    from referencing import Registry, Resource

    return Registry().with_resources(
        [(contents["$id"], Resource.from_contents(contents)) for contents in _schemas().values()])


@lru_cache(maxsize=None)
def validator(relative: str):
    """The Draft 2020-12 validator of schemas/<relative>.json; `$ref`s resolve across every
    schema infocheck carries."""
    from jsonschema import Draft202012Validator

    schema = json.loads((folder("schemas") / f"{relative}.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, registry=_registry())


def schema_errors(checker, instance) -> list[str]:
    """Each schema violation as '<JSON path>: <message>', shallowest first."""
    found = sorted(checker.iter_errors(instance), key=lambda e: (len(e.path), e.json_path))
    return [f"{e.json_path}: {e.message}" for e in found]
