"""What a faulty server declares: the requirements the suite must report against it, exactly,
no more and no less. Each contract's faults module keeps a registry of its own."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Fault:
    handler: type
    failed: set              # MUST requirements that must fail
    findings: set = field(default_factory=set)  # SHOULD requirements that must be findings
    args: tuple = ()         # suite options the fault needs to show


def registry(default_args: tuple = ()):
    """A contract's FAULTS and the decorator that fills it."""
    faults: dict[str, Fault] = {}

    def fault(failed=(), findings=(), args=default_args):
        def register(handler):
            faults[handler.__name__] = Fault(handler, set(failed), set(findings), tuple(args))
            return handler
        return register
    return faults, fault
