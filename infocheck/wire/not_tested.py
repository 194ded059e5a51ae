"""Why a check cannot run: `NotTested` (the request was not, or could not usefully be, answered)
and the two kinds of it the probe raises by name, `UnusableCredential` and `OffBase`."""
from __future__ import annotations

import unittest

from infocheck.troubleshooting import Reason
from infocheck.wire.printable import printable

# One wording, wherever a check finds there is no credential to send: one line under the verdict.
NO_CREDENTIAL = Reason("no credential given (INFOCHECK_API_KEY, INFOCHECK_TOKEN_COMMAND or "
                       "--azure-identity), so the positive path cannot be checked", "no-key-given")


class NotTested(unittest.SkipTest):
    """The request was not (or could not usefully be) answered, so its check cannot run; the
    message is the bare reason (the words NOT TESTED are added where it is printed). A
    unittest.SkipTest: pytest reports it as skipped and Hypothesis lets it through at once, so
    the code that raises it needs to know nothing of either."""


class UnusableCredential(NotTested):
    """The credential was had but cannot be used (too short, not sendable): a usage error."""


class OffBase(NotTested):
    """A request whose prepared URL is not at the configured origin and at or under the
    configured base path: it was not sent. `url` is that URL (secrets masked), `base` the
    target URL, `why` which part leaves it. A test that knows whose fault that is (a listed id
    is the server's) says so; any other is NOT TESTED with this reason."""

    def __init__(self, url: str, base: str, why: str):
        self.url, self.base, self.why = url, base, why
        super().__init__(f"not sent: {printable(url, 300)} is not under {printable(base, 300)} "
                         f"({why}); infocheck sends nothing outside the configured origin and "
                         "base path")

    def __reduce__(self):
        return type(self), (self.url, self.base, self.why)
