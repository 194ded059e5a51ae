"""The wait a throttled answer (429, 503) asks for, from whichever header says it."""
from __future__ import annotations

import email.utils
import math
import time

from infocheck.wire.exchange import Exchange


def retry_after_seconds(exchange: Exchange, now: float | None = None) -> float | None:
    """The wait a throttled answer asks for, from any of the headers Azure services send.
    Whatever the server wrote, the answer is a finite number of seconds or None."""
    for name, scale in (("retry-after-ms", 0.001), ("x-ms-retry-after-ms", 0.001)):
        wait = _finite(exchange.header(name))
        if wait is not None:
            return max(0.0, wait * scale)
    raw = exchange.header("retry-after")
    if not raw:
        return None
    wait = _finite(raw)
    if wait is not None:
        return max(0.0, wait)
    try:
        when = email.utils.parsedate_to_datetime(raw).timestamp()
    except (TypeError, ValueError, OverflowError, OSError, IndexError):
        return None
    return max(0.0, when - (now if now is not None else time.time()))


def _finite(raw: str | None) -> float | None:
    if not raw or len(raw) > 32:
        return None
    try:
        number = float(raw)
    except ValueError:
        return None
    return number if math.isfinite(number) else None
