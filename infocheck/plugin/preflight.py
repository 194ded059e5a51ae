"""Before any test: can the endpoint be tested at all? One positive request decides (in a single
process it is also the run's baseline). What makes an endpoint untestable is said in one line
and stops the run with exit 2; a credential that turns out unusable is a usage error (exit 4).
The contract adds its own reasons (an endpoint that needs a model named, say)."""
from __future__ import annotations

from infocheck.configuration.credentials import credential_knobs
from infocheck.contracts.client import OnceCache
from infocheck.judging.judge import EXIT_UNTESTABLE, EXIT_USAGE
from infocheck.troubleshooting import Reason
from infocheck.wire.printable import printable
from infocheck.wire.not_tested import NotTested, UnusableCredential


class Stop(Exception):
    """The run stops before its tests: `code` is its exit code, the message its one line."""

    def __init__(self, code: int, reason: str):
        super().__init__(reason)
        self.code, self.reason = code, reason

    @property
    def heading(self) -> str:
        return "ERROR: " if self.code == EXIT_USAGE else "infocheck: endpoint could not be tested: "


def untestable(reason: str) -> Stop:
    return Stop(EXIT_UNTESTABLE, reason)


def preflight(probe, settings):
    """The positive request's exchange; raises Stop if the endpoint cannot be tested at all."""
    contract = settings.contract
    url = printable(settings.target_url(), 300)
    try:
        exchange = probe.send(contract.client(probe, settings, OnceCache(), []).positive_request())
    except UnusableCredential as reason:
        raise Stop(EXIT_USAGE, str(reason)) from None
    except NotTested as reason:
        raise untestable(str(reason)) from None
    if exchange.error:
        raise untestable(Reason(f"{url}: {exchange.error}", "no-answer"))
    if 300 <= exchange.status < 400:
        raise untestable(
            f"{url} answered {exchange.status_line()} to {exchange.shown_header('location')}; "
            "infocheck never follows redirects (the credential would go along), so give the final "
            "URL as --endpoint")
    if exchange.status in (401, 403) and probe.has_credential:
        raise untestable(Reason(
            f"the endpoint refused the credential: {url} answered {exchange.status_line()} to the "
            f"positive request. Check {credential_knobs(settings)}. infocheck cannot tell a wrong, "
            "expired or rotated credential from a broken endpoint, so it checks nothing further",
            "credential-refused"))
    problem = contract.untestable(exchange, settings)
    if problem:
        raise untestable(problem)
    return exchange
