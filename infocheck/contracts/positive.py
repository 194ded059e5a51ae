"""The positive exchange every contract's suites stand on, and the rule that a refusal proves
something only when it succeeded: one wording of why a test could not be run, for any contract."""
from __future__ import annotations

from infocheck.configuration.credentials import credential_knobs
from infocheck.contracts.client import ContractClient
from infocheck.wire.exchange import Exchange
from infocheck.wire.not_tested import NO_CREDENTIAL, NotTested


def positive_exchange(client: ContractClient, where: str = "") -> Exchange:
    """The request with the credential, sent once a run; `where` says under what it was refused."""
    if not client.probe.has_credential:
        raise NotTested(NO_CREDENTIAL)
    exchange = client.once()
    if exchange.status in (401, 403):  # the preflight says so for the first api-version
        raise NotTested(f"the endpoint refused the credential{where} ({exchange.status_line()}); "
                        f"check {credential_knobs(client.config)}")
    return exchange


def succeeded(exchange: Exchange, what: str, requirement: str) -> Exchange:
    """The positive exchange, when it answered 200; otherwise nothing a refusal shows counts."""
    if exchange.status != 200:
        raise NotTested(f"{what} got {exchange.status_line()} (see {requirement}), so a refusal "
                        "here would prove nothing")
    return exchange
