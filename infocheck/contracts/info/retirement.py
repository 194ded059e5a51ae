"""What a retiring Get Info endpoint says of itself: a Sunset header (RFC 8594: the HTTP-date
it stops answering) and a Deprecation header (RFC 9745: `@` and the Unix second it was
deprecated; earlier drafts sent an HTTP-date or `true`). Shown in the header, the banner and
infocheck.json, with the date read and the successor named; a value infocheck cannot read is
shown escaped, as sent."""
from __future__ import annotations

import datetime as dt
import email.utils
import re

from infocheck.wire.printable import printable

STRUCTURED_DATE = re.compile(r"@(-?[0-9]{1,12})")


def when(raw: str) -> str | None:
    """The date a Sunset or Deprecation value names, as YYYY-MM-DD (UTC), or None."""
    moment = instant(raw)
    return None if moment is None else moment.date().isoformat()


def instant(raw: str) -> dt.datetime | None:
    """The moment a Sunset or Deprecation value names (UTC), or None."""
    value = raw.strip()
    found = STRUCTURED_DATE.fullmatch(value)
    try:
        if found:
            moment = dt.datetime.fromtimestamp(int(found[1]), dt.timezone.utc)
        else:
            moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, OverflowError, OSError, IndexError):
        return None
    if moment is None:
        return None
    if moment.tzinfo is None:   # an HTTP-date is GMT (RFC 9110), even one that says -0000
        moment = moment.replace(tzinfo=dt.timezone.utc)
    try:
        return moment.astimezone(dt.timezone.utc)
    except (OverflowError, ValueError, OSError):
        return None


def moments(exchange) -> dict:
    """{"sunset": Unix seconds, "deprecation": Unix seconds}: the dates the headers name, as
    data, those sent and readable only (the report's `retirement`, a watcher's metrics)."""
    found = {}
    for key in ("sunset", "deprecation"):
        raw = exchange.header(key)
        moment = instant(raw) if raw is not None else None
        if moment is not None:
            found[key] = int(moment.timestamp())
    return found


def notices(exchange, successor: str) -> list[str]:
    found = []
    sunset = exchange.header("sunset")
    if sunset is not None:
        date = when(sunset)
        said = f"on {date}" if date else f"(Sunset: {printable(sunset, 80)})"
        found.append(f"the endpoint says it stops serving the Get Info API {said} (Sunset header, "
                     f"RFC 8594); {successor}")
    deprecation = exchange.header("deprecation")
    if deprecation is not None:
        date = when(deprecation)
        said = (f"since {date}" if date else "" if deprecation.strip().lower() == "true"
                else f"(Deprecation: {printable(deprecation, 80)})")
        found.append(f"the endpoint says the Get Info API is deprecated{' ' + said if said else ''} "
                     f"(Deprecation header, RFC 9745); {successor}")
    return found
