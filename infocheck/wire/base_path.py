"""Where a request may go: the configured origin, and at or under the configured base path.

The `Probe` asks `Base.leaves` about the URL requests has *prepared* (after it and urllib3
have removed dot segments, re-quoted the path and IDNA-encoded the host), not about the string
it was built from: a listed model id is server data, and `{base}/models/../../../admin/keys`
is `GET /admin/keys` by the time it is sent.

The path is read as every server between here and the model might read it, and each reading
must lie at or under the base, segment by segment (`/tenantA/v1` admits `/tenantA/v1` and
`/tenantA/v1/models/x`, not `/tenantA/v10`):

- as sent, dot segments resolved (RFC 3986 §5.2.4);
- percent-decoded once (so `%2E%2E` is `..` and `%2F` a slash), with `\\` read as `/` and each
  segment's `;parameters` dropped (`..;` is `..` to Tomcat), dot segments then resolved;
- each of these with repeated slashes merged first (nginx's default), under which `//..`
  climbs one segment more.

Pure functions of strings: no HTTP here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from infocheck.wire.printable import printable

DEFAULT_PORTS = {"http": 80, "https": 443}
_SLASHES = re.compile(r"/{2,}")

# (how the reading is named in a refusal, percent-decoded, repeated slashes merged)
READINGS = (("as sent", False, False),
            ("as sent, repeated slashes merged", False, True),
            ("percent-decoded once", True, False),
            ("percent-decoded once, repeated slashes merged", True, True))


def remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4 for an absolute path: `.` and `..` segments resolved; `..` never climbs
    above the root; a dot segment at the end leaves the path ending in a slash."""
    segments = path.split("/")
    out: list[str] = []
    last = len(segments) - 1
    for index, segment in enumerate(segments):
        if segment in (".", ".."):
            if segment == ".." and len(out) > 1:   # out[0] is the root's empty segment
                out.pop()
            if index == last:
                out.append("")
            continue
        out.append(segment)
    return "/".join(out)


def has_dot_segments(path: str) -> bool:
    """Whether the path, as written, has a `.` or `..` segment (a client would resolve it)."""
    return any(segment in (".", "..") for segment in path.split("/"))


def reading(path: str, decoded: bool, merged: bool) -> str:
    """The path as one kind of server reads it, dot segments resolved."""
    if decoded:
        path = unquote(path, errors="replace").replace("\\", "/")
        path = "/".join(segment.split(";", 1)[0] for segment in path.split("/"))
    if merged:
        path = _SLASHES.sub("/", path)
    return remove_dot_segments(path)


def at_or_under(path: str, base: str) -> bool:
    """Segment by segment: `/a/b` is at or under `/a`, `/ab` is not."""
    stem = base.rstrip("/")
    return path == stem or path.startswith(stem + "/")


@dataclass(frozen=True)
class Base:
    """The origin (scheme, host, port: exactly) and the path a request may go to."""

    scheme: str
    host: str
    port: int
    path: str

    @classmethod
    def of(cls, url: str) -> "Base":
        """The base a URL (the prepared target URL) names."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        return cls(scheme, (parts.hostname or "").lower(), _port(parts, scheme), parts.path)

    def leaves(self, url: str) -> str | None:
        """Why the URL (as it will be sent) is not at this origin and at or under this path,
        or None when it is."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if "@" in parts.netloc:
            return "it carries user information, which would be sent as a credential"
        try:
            port = _port(parts, scheme)
        except ValueError:
            return "its port is not a number"
        if (scheme, (parts.hostname or "").lower(), port) != (self.scheme, self.host, self.port):
            where = f"{scheme}://{parts.hostname or ''}:{port}"
            return f"it goes to another origin ({printable(where, 200)})"
        for name, decoded, merged in READINGS:
            path = reading(parts.path, decoded, merged)
            if not at_or_under(path, reading(self.path, decoded, merged)):
                return f"its path, read {name}, is {printable(path, 300)}"
        return None


def _port(parts, scheme: str) -> int:
    return parts.port or DEFAULT_PORTS.get(scheme, 0)
