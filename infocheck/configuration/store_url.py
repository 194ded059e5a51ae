"""The history store's URL (--history, INFOCHECK_HISTORY) and the lengths of time the history's
options take (--history-keep 90d, --since 30d, --window 24h): validated here, once, without
importing SQLAlchemy (a run without a store never loads it).

A store URL is `sqlite:///PATH` (a file; `sqlite:////abs/path` for an absolute one) or
`postgresql://USER:PASSWORD@HOST:PORT/DATABASE` (`postgresql+psycopg://` too). Its password is
a `Secret`: the URL is shown everywhere with it masked (`shown`, `str`, `repr`), and the run's
scrubber masks it in every output and in the store itself."""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from infocheck.configuration.errors import ConfigError
from infocheck.wire.secret import MASK, Secret

URL_LIMIT = 2000
SCHEMES = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg", "postgres": "postgresql+psycopg",
           "postgresql+psycopg": "postgresql+psycopg"}
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
LONGEST = 100 * 366 * 86400        # no length of time the history takes is a century long
FOREVER = ("forever", "never", "all")


def _shown(value) -> str:
    from infocheck.wire.printable import printable
    return printable(repr(value), 120)


@dataclass(frozen=True)
class StoreURL:
    """A validated store URL: the driver's URL (its password a Secret, never in `shown`)."""

    scheme: str                 # sqlite or postgresql+psycopg
    rest: str                   # everything after "scheme://", the password left out
    password: Secret | None = None
    user: str = ""              # percent-encoded, as given
    where: str = ""             # sqlite: the file; postgresql: host:port/database

    @property
    def kind(self) -> str:
        return "sqlite" if self.scheme == "sqlite" else "postgresql"

    @property
    def shown(self) -> str:
        """The URL as every output shows it: the password masked."""
        if self.kind == "sqlite":
            return f"sqlite:///{self.where}"
        credentials = f"{self.user}:{MASK}@" if self.password else (f"{self.user}@" if self.user else "")
        return f"postgresql://{credentials}{self.rest}"

    def driver_url(self) -> str:
        """The URL SQLAlchemy is given (the password in it: for the driver alone)."""
        if self.kind == "sqlite":
            return f"sqlite:///{self.where}"
        secret = ":" + quote(self.password.reveal(), safe="") if self.password else ""
        credentials = f"{self.user}{secret}@" if (self.user or secret) else ""
        return f"{self.scheme}://{credentials}{self.rest}"

    def secrets(self) -> list[Secret]:
        return [self.password] if self.password else []

    def __str__(self) -> str:
        return self.shown

    def __repr__(self) -> str:
        return f"StoreURL({self.shown!r})"


def parse_store_url(value, label: str) -> StoreURL:
    text = str(value).strip()
    if not text:
        raise ConfigError(f"{label}: the history store's URL is empty; give sqlite:///PATH or "
                          "postgresql://USER@HOST/DATABASE")
    if len(text) > URL_LIMIT or any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        raise ConfigError(f"{label}: the history store's URL is longer than {URL_LIMIT} characters "
                          "or has control characters")
    scheme, sep, rest = text.partition("://")
    if not sep or scheme.lower() not in SCHEMES:
        head = scheme if sep else text[:20]
        raise ConfigError(f"{label}: {_shown(head.split('@')[-1])} is not a history store infocheck "
                          "knows; give sqlite:///PATH (a file) or postgresql://USER@HOST/DATABASE")
    driver = SCHEMES[scheme.lower()]
    if driver == "sqlite":
        if not rest.startswith("/") or not rest[1:].strip() or "?" in rest:
            raise ConfigError(f"{label}: a SQLite store is sqlite:///PATH (three slashes, then the "
                              "file; four for an absolute path), with no ?options; an in-memory "
                              "store would keep nothing")
        return StoreURL("sqlite", "", where=rest[1:])
    parts = urlsplit("//" + rest)
    if not parts.hostname or parts.fragment:
        raise ConfigError(f"{label}: a PostgreSQL store is postgresql://USER:PASSWORD@HOST:PORT/"
                          "DATABASE; this one names no host")
    try:
        parts.port
    except ValueError:
        raise ConfigError(f"{label}: the PostgreSQL store's port is not a number from 1 to 65535") from None
    for key, _ in parse_qsl(parts.query, keep_blank_values=True):
        if key.lower() in ("password", "passfile", "sslpassword"):
            raise ConfigError(f"{label}: give the store's password in the URL's user:password@ "
                              f"part (masked in every output), not as ?{key}=")
    netloc = parts.netloc
    userinfo, _, hostport = netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    secret = Secret(unquote(password)) if password else None
    after = hostport + (parts.path or "") + (f"?{parts.query}" if parts.query else "")
    return StoreURL(driver, after, secret, user, hostport + (parts.path or ""))


def parse_duration(value, label: str, *, forever: bool = False) -> float | None:
    """A length of time: a whole number and a unit, s, m, h, d or w (90d, 24h, 30m); with
    `forever`, also forever (None: no limit)."""
    text = str(value).strip().lower()
    if forever and text in FOREVER:
        return None
    match = re.fullmatch(r"([0-9]{1,9})\s*([smhdw])", text)
    if not match or int(match[1]) == 0:
        more = " or forever" if forever else ""
        raise ConfigError(f"{label}: {_shown(value)} is not a length of time: a whole number and a "
                          f"unit, s, m, h, d or w (e.g. 90d, 24h, 30m){more}")
    seconds = int(match[1]) * UNITS[match[2]]
    if seconds > LONGEST:
        raise ConfigError(f"{label}: {_shown(value)} is longer than a century")
    return float(seconds)


def parse_keep(value, label: str) -> float | None:
    return parse_duration(value, label, forever=True)


def words(seconds: float | None) -> str:
    """A length of time as it was given (90d), or forever."""
    if seconds is None:
        return "forever"
    for unit, size in sorted(UNITS.items(), key=lambda item: -item[1]):
        if seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"
