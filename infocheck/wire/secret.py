"""The credential, and the scrubbing that keeps it (and every near-miss of it) out of output.

A `Secret` never shows its value in repr/str, so pytest's fixture and local-variable dumps
print `***`. `Scrubber` replaces every form of every secret in text the run writes.
"""
from __future__ import annotations

import base64
import html
import json
import re
from urllib.parse import quote, quote_plus, unquote_plus

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


MIN_LENGTH = 16   # shorter credentials cannot be masked without masking ordinary words
SENDABLE = re.compile(r"[\x21-\x7e]+")  # visible ASCII: every near-miss stays a valid header value
WITHHELD = f"{MASK} (withheld: this text carries the credential in an encoded form)"


def credential_problem(value: str) -> str | None:
    """Why a key or token cannot be used safely, or None. One line, without the value."""
    if not SENDABLE.fullmatch(value):
        return ("it must be visible ASCII characters only (no spaces, control or non-ASCII "
                "characters), as HTTP header values and keys are")
    if len(value) < MIN_LENGTH:
        return (f"it has {len(value)} characters; infocheck needs at least {MIN_LENGTH} to mask it "
                "in every output without masking ordinary words (real keys have 32 or more)")
    return None


def _variants(value: str) -> set[str]:
    return {value} | {v.apply(value) for v in NEAR_MISSES}


def secret_forms(value: str) -> set[str]:
    """Every way a credential could show up in text, matched without regard to case: as sent,
    mutated, JSON-, URL- or HTML-escaped, or hex-encoded."""
    forms = set()
    for form in _variants(value):
        forms |= {form, json.dumps(form)[1:-1], quote(form, safe=""), quote_plus(form),
                  html.escape(form), form.encode("utf-8").hex()}
    return forms


def base64_forms(value: str) -> set[str]:
    """The base64 (standard and URL-safe) runs that encode each form of the credential wherever
    it sits in the encoded bytes (as in 'Basic ' + base64('user:' + key)): for each of the three
    alignments, the whole 3-byte groups inside it. Matched with case."""
    forms = set()
    for form in _variants(value):
        data = form.encode("utf-8")
        for shift in range(3):
            part = data[shift: shift + 3 * ((len(data) - shift) // 3)]
            encoded = base64.b64encode(part).decode("ascii")
            forms |= {encoded, encoded.translate(_URLSAFE)}
    return forms


_URLSAFE = str.maketrans("+/", "-_")
_JSON_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|[\"\\/bfnrt])")
_JSON_SIMPLE = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def _json_unescape(text: str) -> str:
    def one(match):
        code = match[1]
        if code[0] == "u":
            return chr(int(code[1:], 16))
        return _JSON_SIMPLE.get(code, code)
    decoded = _JSON_ESCAPE.sub(one, text)
    return decoded.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


# The character references a page infocheck writes is full of (Jinja2's and pytest-html's own
# escapes): html.unescape makes a Python call for each, thousands a report page.
_COMMON_REFERENCES = (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&#34;", '"'), ("&#39;", "'"),
                      ("&#x27;", "'"))   # &amp; too, undone last (_commonly_undone)
# an & that no common reference begins
_UNCOMMON = re.compile("&(?!(?:" + "|".join(re.escape(reference[1:-1]) for reference, _ in
                                            (*_COMMON_REFERENCES, ("&amp;", "&"))) + ");)")
UNCOMMON_LIMIT = 256   # past so many, html.unescape itself is as quick


def _commonly_undone(text: str) -> str:
    """A text each & of which begins a common reference: each replaced in turn, &amp; last. No
    reference overlaps another (each begins at its own &), and none is made by undoing one
    (only &amp; gives an &, and it goes last): each is undone once, as html.unescape does."""
    for reference, character in _COMMON_REFERENCES:
        text = text.replace(reference, character)
    return text.replace("&amp;", "&")


def html_unescape(text: str) -> str:
    """html.unescape(text), the same text, sooner. A reference html.unescape undoes begins at an
    & and holds no other & (neither a name nor a number has one): each other & and what follows
    it up to the next & is left to html.unescape, and the rest, common references only, is
    undone by replacing them."""
    if "&" not in text:
        return text
    starts = [found.start() for found in _UNCOMMON.finditer(text)]
    if len(starts) > UNCOMMON_LIMIT:
        return html.unescape(text)
    undone = [_commonly_undone(text[:starts[0] if starts else len(text)])]
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else len(text)
        following = text.find("&", start + 1, end)
        following = end if following == -1 else following
        undone.append(html.unescape(text[start:following]))
        undone.append(_commonly_undone(text[following:end]))
    return "".join(undone)


def decoded_views(text: str) -> list[str]:
    """The text, and the text with its percent, JSON and HTML escapes undone (two layers deep),
    so an echo hidden behind escapes is still seen."""
    views, frontier = [text], [text]
    for _ in range(2):
        found = []
        for view in frontier:
            for marker, decode in (("%", unquote_plus), ("\\", _json_unescape), ("&", html_unescape)):
                if marker in view:
                    decoded = decode(view)
                    if decoded not in views:
                        found.append(decoded)
        views += found
        frontier = found
    return views


TRIE_NESTING = 100   # branch points on one path of a trie, at most


def trie(words) -> str | None:
    """One regular expression matching any of `words`, built as a trie: each position of a text
    is tried once against the words' shared prefixes, not against every word in turn, so a
    text costs about the same to search for one secret as for the hundred of a fleet (sixty
    forms each). At a position it matches the longest word there (a branch is a next character,
    and an optional end is greedy). None where it nests too deeply to be compiled."""
    root: dict = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    if not root:
        return "(?!)"
    try:
        return _alternatives(root, 0)
    except RecursionError:
        return None


def finder(words) -> re.Pattern | None:
    """`trie(words)` compiled, or None."""
    pattern = trie(words)
    try:
        return None if pattern is None else re.compile(pattern)
    except (RecursionError, re.error, OverflowError):
        return None


def _alternatives(node: dict, depth: int) -> str:
    if depth > TRIE_NESTING:
        raise RecursionError("the trie nests too deeply")
    branches = []
    for char, child in node.items():
        if not char:
            continue
        run = [char]
        while len(child) == 1 and "" not in child:   # a run no other word leaves: one literal
            ((char, child),) = child.items()
            run.append(char)
        rest = "" if list(child) == [""] else _alternatives(child, depth + 1)
        branches.append(re.escape("".join(run)) + rest)
    if len(branches) == 1 and "" not in node:
        return branches[0]
    return "(?:" + "|".join(branches) + ")" + ("?" if "" in node else "")


class Scrubber:
    """Finds and masks every known secret form in text or bytes."""

    def __init__(self, secrets: list[Secret] | None = None, on_add=None):
        self._folded: set[str] = set()   # lower-cased, matched without regard to case
        self._exact: set[str] = set()    # base64 runs, matched with case
        self._compiled = None            # (finders, mask pattern), made when first needed
        self._on_add = on_add            # told of each secret added (a fleet's parent hears of tokens)
        for secret in secrets or []:
            self.add(secret)

    def add(self, secret: Secret) -> None:
        if self._on_add is not None:
            self._on_add(secret)
        value = secret.reveal()
        self._folded |= {f.lower() for f in secret_forms(value)}
        self._exact |= base64_forms(value)
        self._compiled = None   # a fleet's parent adds a hundred secrets before it masks a text

    def _patterns(self):
        """(the finder of the case-folded forms and that of the exact ones, the masking pattern,
        the length of the shortest form): tries where they compile, else word by word (finders
        None)."""
        compiled = self._compiled
        if compiled is None:
            folded, exact = trie(self._folded), trie(self._exact)
            mask = None
            if folded is not None and exact is not None:
                try:   # the base64 runs first, with case; then every other form, without
                    mask = re.compile(exact + "|(?i:" + folded + ")")
                    finders = (re.compile(folded), re.compile(exact))
                except (RecursionError, re.error, OverflowError):
                    mask = None
            if mask is None:   # longest first, so the key is masked whole, not leaving a suffix
                finders = (None, None)
                mask = re.compile("|".join(
                    [re.escape(f) for f in sorted(self._exact, key=len, reverse=True)] +
                    ["(?i:" + re.escape(f) + ")" for f in sorted(self._folded, key=len, reverse=True)]))
            # The fewest characters of a text that can hold a form: lower-casing lengthens only
            # U+0130 (to "i" and U+0307), so a folded form needs a character less per U+0307.
            shortest = min([len(f) - f.count("\u0307") for f in self._folded] +
                           [len(f) for f in self._exact], default=0)
            compiled = self._compiled = (finders, mask, shortest)
        return compiled

    def _in(self, text: str) -> bool:
        (folded, exact), _, _ = self._patterns()
        lowered = text.lower()
        if folded is None:   # too deep to be one expression: each form on its own
            return any(f in lowered for f in self._folded) or any(f in text for f in self._exact)
        return folded.search(lowered) is not None or exact.search(text) is not None

    def contains_secret(self, text: str) -> bool:
        """Whether any form of any secret is in the text, escapes undone. A text shorter than
        the shortest form holds none, nor does any of its views (undoing an escape shortens a
        text): most of a result's strings (IDs, verdicts) are looked at no further."""
        if len(text) < self._patterns()[2]:
            return False
        return any(self._in(view) for view in decoded_views(text))

    def text(self, text: str) -> str:
        if not self.contains_secret(text):
            return text
        masked = self._patterns()[1].sub(MASK, text)
        # Hidden behind escapes that cannot be masked in place: withhold the whole text.
        return WITHHELD if self.contains_secret(masked) else masked

    def bytes(self, data: bytes) -> bytes:
        return self.text(data.decode("latin-1")).encode("latin-1")
