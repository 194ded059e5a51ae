"""The contracts infocheck checks, registered here and nowhere else.

A contract is a unit: its data in `schemas/NAME/`, `suites/NAME/` and `fixtures/NAME/`, its code
in the package `infocheck.contracts.NAME`, whose `CONTRACT` is a `Contract` (contracts/base.py).
Adding one is its folders and one line below. The rest of infocheck reaches a contract only
through this registry and the `Contract` interface; it knows none of a contract's member names.
A contract that lacks a member of the interface is refused when it is first asked for, in one
line naming the member (`ContractError`).
"""
from __future__ import annotations

from importlib import import_module

# name -> the package whose CONTRACT it is. The first is the default.
REGISTERED = {
    "info": "infocheck.contracts.info",
    "models": "infocheck.contracts.models",
}
DEFAULT = next(iter(REGISTERED))   # the default contract, named here and nowhere else


class UnknownContract(ValueError):
    """A contract name that is not registered."""


class ContractError(RuntimeError):
    """A registered contract that does not keep the `Contract` interface: infocheck itself is
    broken (exit 3). The message is one line naming the contract and what it lacks."""


_checked: dict[str, object] = {}


def names() -> tuple[str, ...]:
    return tuple(REGISTERED)


def get(name: str):
    """The registered `Contract` called `name` (its package is imported, and the contract
    checked, on first use)."""
    if name not in REGISTERED:
        raise UnknownContract(f"{name!r} is not a contract infocheck knows; it knows "
                              + ", ".join(REGISTERED))
    if name not in _checked:
        contract = getattr(import_module(REGISTERED[name]), "CONTRACT", None)
        problem = interface_problem(name, contract)
        if problem:
            raise ContractError(f"contract {name!r} ({REGISTERED[name]}): {problem}")
        _checked[name] = contract
    return _checked[name]


def every():
    """Every registered contract, in registration order."""
    return [get(name) for name in REGISTERED]


def interface_problem(name: str, contract) -> str:
    """What keeps `contract` from being the contract registered as `name`, in a few words
    naming the member ('' if nothing). The check is the interface's own
    (contracts/base.py: Contract.interface_problem): the registry imports nothing of infocheck,
    which is what lets it sit below configuration (tests/test_layers.py)."""
    check = getattr(contract, "interface_problem", None)
    if not callable(check):
        return ("its package has no CONTRACT that is a contracts.base.Contract "
                f"(found {type(contract).__name__})")
    return check(name)
