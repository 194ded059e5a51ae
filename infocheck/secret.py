"""The credential, and the scrubbing that keeps it (and every near-miss of it) out of output.

A `Secret` never shows its value in repr/str, so pytest's fixture and local-variable dumps
print `***`. `Scrubber` replaces every form of every secret in text the run writes.
"""
from __future__ import annotations

import json
import re
from urllib.parse import quote, quote_plus

MASK = "***"


class Secret:
    """A credential value that only `reveal()` shows."""

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({MASK})"

    __str__ = __repr__

    def __eq__(self, other):
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self):
        return hash(self._value)


class KeyVariant:
    """A deliberate mutation of the key for near-miss tests, named and shell-expressible.

    `shell` renders the same mutation from `$VAR` so reproduction commands never carry it.
    """

    def __init__(self, name: str, label: str, apply, shell):
        self.name, self.label, self._apply, self._shell = name, label, apply, shell

    def apply(self, key: str) -> str:
        return self._apply(key)

    def shell(self, var: str) -> str:
        return self._shell(var)

    def __repr__(self) -> str:
        return self.name


def _change_last(key: str) -> str:
    return key[:-1] + ("y" if key.endswith("x") else "x")


EXACT = KeyVariant("exact", "the key", lambda k: k, lambda v: f'"${v}"')
NEAR_MISSES = (
    KeyVariant("truncated", "the key without its last character",
               lambda k: k[:-1], lambda v: f'"${{{v}%?}}"'),
    KeyVariant("extended", "the key with one character appended",
               lambda k: k + "x", lambda v: f'"${{{v}}}x"'),
    KeyVariant("one-changed", "the key with its last character changed",
               _change_last,
               lambda v: f'"${{{v}%?}}$([ "${{{v}: -1}}" = x ] && echo y || echo x)"'),
    KeyVariant("case-swapped", "the key with the case of its letters swapped",
               lambda k: k.swapcase(),
               lambda v: f'"$(printf %s "${v}" | tr a-zA-Z A-Za-z)"'),
)


def secret_forms(value: str) -> set[str]:
    """Every way a credential could show up in text: as sent, mutated, or re-encoded."""
    forms = {value}
    forms.update(v.apply(value) for v in NEAR_MISSES)
    for form in list(forms):
        forms.add(json.dumps(form)[1:-1])
        forms.add(quote(form, safe=""))
        forms.add(quote_plus(form))
    # A very short secret would mask innocent text everywhere; keys are long, so require 4.
    return {f for f in forms if len(f) >= 4}


class Scrubber:
    """Replaces every known secret form with `***` in text or bytes."""

    def __init__(self, secrets: list[Secret] | None = None):
        self._forms: set[str] = set()
        self._pattern = None
        for secret in secrets or []:
            self.add(secret)

    def add(self, secret: Secret) -> None:
        self._forms |= secret_forms(secret.reveal())
        # Longest first, so the key is masked whole rather than leaving a suffix of it.
        ordered = sorted(self._forms, key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(f) for f in ordered)) if ordered else None

    def contains_secret(self, text: str) -> bool:
        return bool(self._pattern and self._pattern.search(text))

    def text(self, text: str) -> str:
        if not self._pattern or not text:
            return text
        return self._pattern.sub(MASK, text)

    def bytes(self, data: bytes) -> bytes:
        if not self._pattern or not data:
            return data
        return self.text(data.decode("latin-1")).encode("latin-1")
