"""Where infocheck's suites, schemas and fixtures are. An installed wheel carries them as
package data (infocheck/bundled/); a clone, or an editable install of one, has them at the top
of the repository, as the design card lays them out."""
from __future__ import annotations

from importlib import resources
from pathlib import Path


def folder(name: str) -> Path:
    """`suites`, `schemas` or `fixtures`."""
    packaged = resources.files("infocheck").joinpath("bundled", name)
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / name


def command_ini() -> Path:
    """The pytest defaults of the `infocheck` command."""
    return Path(str(resources.files("infocheck").joinpath("command.ini")))
