"""The endpoint's URL: validated once, and the origin every request must stay on (the probe
never sends the credential anywhere else)."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from infocheck.configuration.errors import ConfigError
from infocheck.wire.printable import printable

USERINFO = re.compile(r"^[^/?#]*//[^/?#]*@")  # user:password@ in the authority, however malformed


def origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.scheme, (parts.hostname or "").lower(), port


def joined(endpoint: str, path: str) -> str:
    """The base URL with `path` appended to its path (`https://h/models/` + `/info`)."""
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}{path}"


def base_of(endpoint: str) -> str:
    """The URL without query, fragment or trailing slash (what --endpoint should be given)."""
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def validate_endpoint(value: str, label: str, check_base=None) -> str:
    """`value` if it is a base URL infocheck may use, else ConfigError. `check_base(url, label)`,
    a contract's refusal of its plainly wrong bases, runs once the URL is known to be a safe
    http(s) URL and before the query is refused, so that one line names the base to give
    (`https://h/info?api-version=...` is told `https://h`, not to drop the query first)."""
    # First, and without quoting the value: a password must not reach any output.
    if USERINFO.match(value):
        raise ConfigError(f"{label}: the URL carries user:password@ (not "
                          "shown here); give the base URL without it and the credential with "
                          "INFOCHECK_API_KEY")
    shown = printable(repr(value), 300)
    try:
        parts = urlsplit(value)
        parts.port  # raises ValueError on a bad port
    except ValueError as exc:
        raise ConfigError(f"{label}: {shown} is not a URL ({printable(str(exc), 200)})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{label}: {shown} is not an http(s) URL "
                          "with a host, e.g. https://my-model.eastus2.models.ai.azure.com")
    if any(c.isspace() for c in value) or not value.isprintable():
        raise ConfigError(f"{label}: {shown} contains white space or "
                          "control characters")
    if check_base is not None:
        check_base(value, label)
    if parts.query or parts.fragment:
        raise ConfigError(f"{label}: give the base URL without query or "
                          "fragment; infocheck adds its route and query itself")
    return value
