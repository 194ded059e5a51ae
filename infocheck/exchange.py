"""What the suite asked (`Request`) and what came back (`Exchange`), already scrubbed of secrets."""
from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from urllib.parse import urlencode, quote

from .secret import EXACT, MASK, KeyVariant



@dataclass(frozen=True)
class Credential:
    """A header value built from the key at send time: `prefix` + (a variant of) the key."""

    prefix: str = ""
    variant: KeyVariant = EXACT

    def wire(self, key: str) -> str:
        return self.prefix + self.variant.apply(key)

    def display(self) -> str:
        note = "" if self.variant is EXACT else f" ({self.variant.label})"
        return f"{self.prefix}{MASK}{note}"

    def shell(self, var: str = "INFOCHECK_API_KEY") -> str:
        """The value as a shell word that derives it from $var, so the command carries no secret."""
        return shlex.quote(self.prefix) + self.variant.shell(var) if self.prefix else self.variant.shell(var)


@dataclass(frozen=True)
class Request:
    """One request to the /info URL. `query=None` sends no query string at all."""

    method: str = "GET"
    query: tuple[tuple[str, str], ...] | None = ()
    headers: tuple[tuple[str, "str | Credential"], ...] = ()

    def url(self, info_url: str) -> str:
        if not self.query:
            return info_url
        return info_url + "?" + urlencode(self.query, quote_via=quote)

    def displayed_headers(self) -> list[tuple[str, str]]:
        return [(n, v.display() if isinstance(v, Credential) else v) for n, v in self.headers]

    def curl(self, info_url: str, timeout: float, secret_var: str = "INFOCHECK_API_KEY") -> str:
        parts = ["curl", "-sS", "-i", "--max-time", f"{timeout:g}"]
        if self.method == "HEAD":
            parts.append("--head")
        elif self.method != "GET":
            parts += ["-X", self.method]
        words = [shlex.quote(p) for p in parts]
        for name, value in self.headers:
            if isinstance(value, Credential):
                words += ["-H", shlex.quote(f"{name}: ") + value.shell(secret_var)]
            else:
                # curl drops a header given as "Name:" with nothing after; "Name;" sends it empty.
                words += ["-H", shlex.quote(f"{name}: {value}" if value else f"{name};")]
        words.append(shlex.quote(self.url(info_url)))
        return " ".join(words)


@dataclass(repr=False)
class Exchange:
    """One request and its answer (or the transport error instead), safe to print."""

    request: Request
    url: str
    curl: str
    status: int | None = None
    reason: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    body_over_limit: bool = False
    elapsed: float = 0.0
    error: str | None = None
    echoed_secret: bool = False
    throttled: int = 0

    def __repr__(self) -> str:
        return f"<Exchange {self.request.method} {self.url} -> {self.status_line()}>"

    def header(self, name: str) -> str | None:
        name = name.lower()
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None

    def header_all(self, name: str) -> list[str]:
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]

    @property
    def media_type(self) -> str:
        return (self.header("content-type") or "").split(";")[0].strip().lower()

    def json(self):
        """The parsed body, or raise ValueError saying why it is not JSON."""
        if self.body_over_limit:
            raise ValueError("the body is over the size limit, so it was not read whole")
        text = self.body.decode("utf-8-sig")
        return json.loads(text)

    def json_or_none(self):
        try:
            return self.json()
        except (ValueError, UnicodeDecodeError):
            return None

    def status_line(self) -> str:
        if self.error:
            return f"no answer ({self.error})"
        return f"{self.status} {self.reason}".strip()

    def excerpt(self, limit: int = 300) -> str:
        if self.body_over_limit:
            return f"(body over the size limit; first bytes: {self.body[:80]!r})"
        if not self.body:
            return "(empty body)"
        text = self.body.decode("utf-8", errors="replace")
        return text if len(text) <= limit else text[:limit] + f"... ({len(self.body)} bytes)"

    def transcript(self, body_limit: int = 2000) -> str:
        lines = [f"> {self.request.method} {self.url}"]
        lines += [f"> {n}: {v}" for n, v in self.request.displayed_headers()]
        if self.error:
            lines.append(f"< (no answer: {self.error})")
        else:
            lines.append(f"< {self.status} {self.reason}  [{self.elapsed * 1000:.0f} ms]")
            lines += [f"< {n}: {v}" for n, v in self.headers]
            if self.body:
                lines += ["<", self.excerpt(body_limit)]
        return "\n".join(lines)
