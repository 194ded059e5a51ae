"""Where the credential comes from: a key, a token printed by a command (`az account
get-access-token ...`), or Azure Identity. Tokens are refreshed before they expire, and each
one joins the scrubber the moment it is acquired."""
from __future__ import annotations

import base64
import json
import shlex
import subprocess
import time

from .secret import Scrubber, Secret

REFRESH_MARGIN = 120.0          # seconds before expiry a token is renewed
OPAQUE_TOKEN_LIFETIME = 2700.0  # a token whose expiry cannot be read is renewed after 45 minutes
COMMAND_TIMEOUT = 60.0


class CredentialError(Exception):
    """No credential could be had; the message is one line, secret-free."""


class KeyCredential:
    kind, env_var = "key", "INFOCHECK_API_KEY"

    def __init__(self, key: Secret):
        self._key = key

    def current(self) -> Secret:
        return self._key


class TokenCredential:
    """A bearer token from somewhere, renewed when it is about to expire."""

    kind, env_var = "token", "INFOCHECK_TOKEN"

    def __init__(self, scrubber: Scrubber, clock=time.time):
        self._scrubber, self._clock = scrubber, clock
        self._token: Secret | None = None
        self._expires = 0.0

    def current(self) -> Secret:
        if self._token is None or self._clock() > self._expires - REFRESH_MARGIN:
            value, expires = self.acquire()
            value = value.strip()
            if not value:
                raise CredentialError(f"{self.describe()} gave an empty token")
            self._token = Secret(value)
            self._scrubber.add(self._token)
            self._expires = expires or jwt_expiry(value) or self._clock() + OPAQUE_TOKEN_LIFETIME
        return self._token

    def acquire(self) -> tuple[str, float | None]:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


class CommandToken(TokenCredential):
    def __init__(self, command: str, scrubber: Scrubber, clock=time.time, run=subprocess.run):
        super().__init__(scrubber, clock)
        self._command, self._run = command, run

    def describe(self) -> str:
        # Only the program's name: the rest of a command line may carry secrets of its own.
        words = shlex.split(self._command)
        return f"the token command `{words[0] if words else ''} …`"

    def acquire(self):
        try:
            result = self._run(shlex.split(self._command), capture_output=True, text=True,
                               timeout=COMMAND_TIMEOUT)
        except FileNotFoundError:
            raise CredentialError(f"{self.describe()} was not found") from None
        except subprocess.TimeoutExpired:
            raise CredentialError(f"{self.describe()} did not finish within {COMMAND_TIMEOUT:g} s") from None
        except ValueError as exc:
            raise CredentialError(f"INFOCHECK_TOKEN_COMMAND: cannot parse the command ({exc})") from None
        if result.returncode != 0:
            detail = self._scrubber.text((result.stderr.strip().splitlines() or [""])[-1])[:200]
            raise CredentialError(f"{self.describe()} failed (exit {result.returncode}): {detail}")
        return result.stdout, None


class AzureIdentityToken(TokenCredential):
    """A token from azure-identity's DefaultAzureCredential (or any object with get_token)."""

    def __init__(self, scope: str, scrubber: Scrubber, credential=None, clock=time.time):
        super().__init__(scrubber, clock)
        self.scope, self._credential = scope, credential

    def describe(self) -> str:
        return f"Azure Identity (scope {self.scope})"

    def acquire(self):
        if self._credential is None:
            try:
                from azure.identity import DefaultAzureCredential
            except ImportError:
                raise CredentialError("--azure-identity needs the azure-identity package: "
                                      ".venv/bin/python -m pip install azure-identity") from None
            self._credential = DefaultAzureCredential()
        try:
            token = self._credential.get_token(self.scope)
        except Exception as exc:  # azure-identity raises many kinds; say which, one line
            message = self._scrubber.text(str(exc).strip().splitlines()[0] if str(exc).strip() else "")
            raise CredentialError(f"{self.describe()}: {type(exc).__name__}: {message[:200]}") from None
        return token.token, float(token.expires_on)


def jwt_expiry(token: str) -> float | None:
    """The exp claim of a JWT, if the token is one."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        return float(payload["exp"])
    except (ValueError, KeyError, TypeError):
        return None
