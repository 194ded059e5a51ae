"""What the suite asked (`Request`) and what came back (`Exchange`), already scrubbed of secrets."""
from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from urllib.parse import urlencode, quote, urlsplit

from infocheck.wire import strict_json
from infocheck.wire.base_path import has_dot_segments
from infocheck.wire.printable import printable
from infocheck.wire.secret import EXACT, MASK, KeyVariant

HEADER_VALUE_SHOWN = 300   # characters of one header value in a transcript
HEADERS_SHOWN = 60         # headers of one answer in a transcript


class CredentialError(Exception):
    """No credential could be had; the message is one line, secret-free. `usage` marks a
    credential that was had but cannot be used (a usage error, not an endpoint's fault)."""

    def __init__(self, message: str, usage: bool = False):
        super().__init__(message)
        self.usage = usage


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
    """One request to the contract's URL, with `path` (already percent-encoded) appended to it.
    `query=None` sends no query string at all."""

    method: str = "GET"
    query: tuple[tuple[str, str], ...] | None = ()
    headers: tuple[tuple[str, "str | Credential"], ...] = ()
    path: str = ""

    def url(self, target_url: str) -> str:
        if not self.query:
            return target_url + self.path
        return target_url + self.path + "?" + urlencode(self.query, quote_via=quote)

    def displayed_headers(self) -> list[tuple[str, str]]:
        return [(n, v.display() if isinstance(v, Credential) else v) for n, v in self.headers]

    def curl(self, target_url: str, timeout: float, secret_var: str = "INFOCHECK_API_KEY",
             sent_url: str | None = None) -> str:
        """The command that sends this request again: to `sent_url` (the URL the probe sent,
        as requests prepared it) when given, else to the URL built on `target_url`."""
        url = self.url(target_url) if sent_url is None else sent_url
        parts = ["curl", "-sS", "-i", "--max-time", f"{timeout:g}"]
        if has_dot_segments(urlsplit(url).path):
            parts.append("--path-as-is")   # curl resolves them unless told to send them as sent
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
        words.append(shlex.quote(url))
        return " ".join(words)


@dataclass(repr=False)
class Exchange:
    """One request and its answer (or the transport error instead), secrets already masked.

    What the endpoint sent is kept as sent (for the checks); every method that turns it into
    text for output escapes it and caps its length."""

    request: Request
    url: str
    curl: str
    status: int | None = None
    reason: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    body_over_limit: bool = False
    body_note: str = ""
    elapsed: float = 0.0
    error: str | None = None
    echoed_secret: bool = False
    throttled: int = 0
    # (body, document, why not JSON): a dozen checks read one exchange; its body is parsed once.
    _parsed: tuple | None = field(default=None, init=False, repr=False, compare=False)

    def __repr__(self) -> str:
        return f"<Exchange {self.request.method} {printable(self.url, 200)} -> {self.status_line()}>"

    def _repr_pretty_(self, printer, cycle) -> None:
        """Hypothesis prints dataclasses field by field, body included; this keeps it short."""
        printer.text(repr(self))

    def header(self, name: str) -> str | None:
        name = name.lower()
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None

    def header_all(self, name: str) -> list[str]:
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]

    def shown_header(self, name: str, limit: int = 120) -> str:
        """A header's value for a message: repr-quoted, escaped and capped, or None."""
        value = self.header(name)
        return "None" if value is None else "'" + printable(value, limit) + "'"

    @property
    def media_type(self) -> str:
        return (self.header("content-type") or "").split(";")[0].strip().lower()

    def json(self, object_pairs_hook=None):
        """The parsed body, or raise ValueError (strict_json.NotJSON) saying why it is not JSON."""
        if object_pairs_hook is not None:
            return self._parse(object_pairs_hook)
        if self._parsed is None or self._parsed[0] is not self.body:
            try:
                self._parsed = (self.body, self._parse(None), None)
            except strict_json.NotJSON as problem:
                self._parsed = (self.body, None, str(problem))
        _, document, problem = self._parsed
        if problem is not None:
            raise strict_json.NotJSON(problem)
        return document

    def _parse(self, object_pairs_hook):
        if self.body_over_limit:
            raise strict_json.NotJSON("the body is over the size limit, so it was not read whole")
        if self.body_note:
            raise strict_json.NotJSON(self.body_note)
        return strict_json.loads(self.body, object_pairs_hook)

    def json_or_none(self):
        try:
            return self.json()
        except ValueError:
            return None

    def status_line(self) -> str:
        if self.error:
            return f"no answer ({printable(self.error, 300)})"
        return f"{self.status} {printable(self.reason, 120)}".strip()

    def excerpt(self, limit: int = 300, lines: bool = False) -> str:
        """The start of the body as text, escaped (on one line unless `lines`) and capped."""
        if self.body_over_limit:
            return f"(body over the size limit; first bytes: {printable(repr(self.body[:80]))})"
        if not self.body:
            return "(empty body)"
        text = self.body[:limit * 4].decode("utf-8", errors="replace")
        shown = printable(text[:limit], lines=lines)
        return shown if len(self.body) <= limit else shown + f"... ({len(self.body)} bytes)"

    def transcript(self, body_limit: int = 2000) -> str:
        lines = [f"> {self.request.method} {printable(self.url, 2000)}"]
        lines += [f"> {n}: {v}" for n, v in self.request.displayed_headers()]
        if self.error:
            lines.append(f"< (no answer: {printable(self.error, 300)})")
        else:
            lines.append(f"< {self.status} {printable(self.reason, 120)}  [{self.elapsed * 1000:.0f} ms]")
            lines += [f"< {printable(n, 100)}: {printable(v, HEADER_VALUE_SHOWN)}"
                      for n, v in self.headers[:HEADERS_SHOWN]]
            if len(self.headers) > HEADERS_SHOWN:
                lines.append(f"< ({len(self.headers) - HEADERS_SHOWN} more headers not shown)")
            if self.body:
                lines += ["<", self.excerpt(body_limit, lines=True)]
        return "\n".join(lines)
