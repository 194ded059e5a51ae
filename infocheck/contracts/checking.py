"""What every contract's checks are made of: a check is a small function that takes `Exchange`s
and raises one `CheckFailure` naming the requirement, what was expected, what came back, and
how to reproduce it. Here are the failure itself, the helpers that quote what a server sent
(escaped and capped, so a server decides neither the lines nor the length of a message), and
the checks every exchange of every contract gets, each under the requirement ID its contract
gives it."""
from __future__ import annotations

from collections.abc import Mapping

from infocheck.wire.exchange import Exchange
from infocheck.wire.printable import printable

FIELD_LIMIT = 1000     # characters of 'expected' or 'got' in a failure
SHOWN_PROBLEMS = 5     # schema violations quoted in one failure
SHOWN_NAMES = 10       # member names quoted in one failure


def shown(value, limit: int = 120) -> str:
    """A value from the endpoint, quoted for a message: repr, escaped, capped."""
    return printable(repr(value), limit)


def first(items, count: int, render, separator: str = ", ") -> str:
    """The first `count` items rendered, and how many more there were: a server decides how
    many problems or member names there are, not the length of the message."""
    listed = [render(item) for item in items[:count]]
    if len(items) > count:
        listed.append(f"and {len(items) - count} more")
    return separator.join(listed)


def declared(requirement_id: str):
    """The requirement as the catalogue that ships it declares it, or None."""
    from infocheck import contracts

    for contract in contracts.every():
        if requirement_id in contract.catalogue:
            return contract.catalogue[requirement_id]
    return None


class CheckFailure(AssertionError):
    """A requirement was not met. `explain()` is the whole, secret-free explanation, with the
    requirement as the run's catalogue has it (a team's own, a policy's level)."""

    def __init__(self, requirement_id: str, expected: str, got: str,
                 exchanges: tuple[Exchange, ...] = ()):
        self.requirement_id = requirement_id
        self.expected, self.got, self.exchanges = expected, got, exchanges
        super().__init__(self.explain())

    def heading(self, known: Mapping | None = None) -> str:
        r = declared(self.requirement_id) if known is None else known.get(self.requirement_id)
        return f"[{r.level} {r.id}] {r.statement}" if r else f"[{self.requirement_id}]"

    def brief(self, known: Mapping | None = None) -> str:
        """The explanation without its reproductions: what a summary lists."""
        # Each field on one line, escaped and capped: a server cannot add or forge lines.
        return "\n".join([self.heading(known),
                          f"  expected: {printable(self.expected, FIELD_LIMIT)}",
                          f"  got:      {printable(self.got, FIELD_LIMIT)}"])

    def explain(self, known: Mapping | None = None) -> str:
        return "\n".join([self.brief(known)] + [f"  reproduce: {ex.curl}" for ex in self.exchanges])


def fail(requirement_id: str, expected: str, got: str, *exchanges: Exchange):
    raise CheckFailure(requirement_id, expected, got, exchanges)


def all_of(*checks) -> None:
    """Each check (a function of no argument) run on its own, none stopping the next: one
    failure is raised as itself, several as one ExceptionGroup of them, so a test records every
    requirement it broke (the plugin reads each CheckFailure of a group), not the first alone."""
    failures = []
    for check in checks:
        try:
            check()
        except CheckFailure as failure:
            failures.append(failure)
    if len(failures) == 1:
        raise failures[0]
    if failures:
        raise ExceptionGroup("several requirements failed", failures)


def summary(ex: Exchange) -> str:
    if ex.error:
        return ex.status_line()
    return f"{ex.status_line()}, body {ex.excerpt(200)}"


# -- universal: every exchange of every contract ------------------------------------------

def no_echo(ex: Exchange, requirement: str) -> None:
    if ex.echoed_secret:
        fail(requirement, "an answer that does not contain the credential sent",
             f"{ex.status_line()} whose headers or body contain the credential (shown as ***)", ex)


def answered(ex: Exchange, requirement: str) -> None:
    if ex.error:
        fail(requirement, "an HTTP answer within the timeout", ex.status_line(), ex)
    if ex.status >= 500:
        fail(requirement, "a status below 500 (client input is never a server error)",
             summary(ex), ex)


def json_media_type(ex: Exchange, requirement: str) -> None:
    media = ex.media_type
    if not (media == "application/json" or (media.startswith("application/") and media.endswith("+json"))):
        fail(requirement, "Content-Type application/json",
             f"Content-Type {ex.shown_header('content-type')}", ex)


def parsed_json(ex: Exchange, requirement: str):
    try:
        return ex.json()
    except ValueError as exc:
        fail(requirement, "a JSON body",
             f"{ex.status_line()}, body not JSON ({printable(str(exc), 200)}): {ex.excerpt(120)}", ex)


def same_answer(first_ex: Exchange, second: Exchange, requirement: str, what: str,
                content, noun: str, limit: int) -> None:
    """`second` answers as `first_ex` did (`what`): the same status and, on a 200, the same
    `content` (a function of an exchange), which a failure calls the same `noun`."""
    if first_ex.status != second.status:
        fail(requirement, f"the same status as {what} ({first_ex.status_line()})", summary(second),
             first_ex, second)
    if first_ex.status == 200 and content(first_ex) != content(second):
        fail(requirement, f"the same {noun} as {what}: {shown(content(first_ex), limit)}",
             shown(content(second), limit), first_ex, second)
