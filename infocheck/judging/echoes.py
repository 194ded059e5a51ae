"""A fleet target judged again when another target's credential was found in what its endpoint
answered: the fleet's parent knows every target's secrets, a target's own run knows only its
own, so only the parent can see the echo, and this is how it counts. A pure function over the
target's entry (the fleet document's, judging/report_model.py: TargetReport as a plain dict)."""
from __future__ import annotations

from infocheck.judging.exit_codes import ExitCode

ECHO_MESSAGE = ("the endpoint's answers carried a credential of another target of this fleet "
                "(masked or withheld in these reports); an endpoint never sends a credential")


def echoed_elsewhere(entry: dict, echo_of) -> dict:
    """The target fails its contract's no-echo requirement: its answers carried a credential
    its own run did not send. `echo_of(contract name or None)`: that requirement's ID (the
    contract's catalogue.echo). A run that failed a MUST or was misused stays what it was;
    any other becomes NOT CONFORMANT."""
    result = entry.get("result")
    if result is None:
        return entry
    echo = echo_of(result.get("contract"))
    for requirement in result.get("requirements", []):
        if requirement["id"] == echo:
            requirement["verdict"] = "failed"
            requirement["messages"] = [f"[MUST {echo}] {ECHO_MESSAGE}"] + requirement["messages"]
    if result["exit_code"] not in (ExitCode.NOT_CONFORMANT, ExitCode.USAGE):
        result.update(exit_code=ExitCode.NOT_CONFORMANT, verdict=ExitCode.NOT_CONFORMANT.verdict,
                      explanation="a MUST requirement failed")
    return dict(entry, exit_code=result["exit_code"], verdict=result["verdict"])
