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
    naming the member ('' if nothing)."""
    from infocheck.configuration.knobs import Knob
    from infocheck.contracts.base import Contract

    if not isinstance(contract, Contract):
        return ("its package has no CONTRACT that is a contracts.base.Contract "
                f"(found {type(contract).__name__})")
    kind = type(contract)
    missing = sorted(member for member in dir(kind)
                     if getattr(getattr(kind, member, None), "__isabstractmethod__", False))
    if missing:
        return (f"{kind.__name__} does not define {', '.join(m + '()' for m in missing)}, which "
                "contracts.base.Contract declares")
    for member, expected in Contract.DECLARED.items():
        value = getattr(contract, member, None)
        if value is None:
            return f"{kind.__name__} does not declare {member}, which contracts.base.Contract declares"
        if not isinstance(value, expected) or (expected is str and not value):
            return (f"{kind.__name__}.{member} is {type(value).__name__} {value!r:.60}, not "
                    f"{'a non-empty ' if expected is str else 'a '}{expected.__name__}")
    if contract.name != name:
        return f"{kind.__name__}.name is {contract.name!r}, not the name it is registered as"
    if "reference" not in contract.flavours or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in contract.flavours.items()):
        return (f"{kind.__name__}.flavours must map names to descriptions, 'reference' (the "
                "contract at its best) among them")
    knobs = getattr(contract, "knobs", ())
    if not isinstance(knobs, tuple) or not all(isinstance(k, Knob) for k in knobs):
        return f"{kind.__name__}.knobs must be a tuple of configuration.knobs.Knob"
    links = getattr(contract, "links", {})
    if not isinstance(links, dict) or not all(isinstance(k, str) and isinstance(v, tuple)
                                              for k, v in links.items()):
        return f"{kind.__name__}.links must map a contract's name to the identity keys it hands over"
    return ""
