"""The contracts infocheck checks, registered here and nowhere else.

A contract is a unit: its data in `schemas/NAME/`, `suites/NAME/` and `fixtures/NAME/`, its code
in the package `infocheck.contracts.NAME`, whose `CONTRACT` is a `Contract` (contracts/base.py).
Adding one is its folders and one line below. The rest of infocheck reaches a contract only
through this registry and the `Contract` interface; it knows none of a contract's member names.
"""
from __future__ import annotations

from importlib import import_module

# name -> the package whose CONTRACT it is. The first is the default.
REGISTERED = {
    "info": "infocheck.contracts.info",
    "models": "infocheck.contracts.models",
}
DEFAULT = next(iter(REGISTERED))


class UnknownContract(ValueError):
    """A contract name that is not registered."""


def names() -> tuple[str, ...]:
    return tuple(REGISTERED)


def get(name: str):
    """The registered `Contract` called `name` (its package is imported on first use)."""
    if name not in REGISTERED:
        raise UnknownContract(f"{name!r} is not a contract infocheck knows; it knows "
                              + ", ".join(REGISTERED))
    return import_module(REGISTERED[name]).CONTRACT


def every():
    """Every registered contract, in registration order."""
    return [get(name) for name in REGISTERED]
