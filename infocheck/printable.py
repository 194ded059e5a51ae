"""Text from the endpoint made safe to show: control and invisible characters escaped, length
capped. Applied wherever server bytes become output (terminal, reports, reproductions), so a
reason phrase cannot move the cursor, rewrite a line, or paint a fake verdict."""
from __future__ import annotations

import re

# C0 and C1 controls, DEL, and the invisible format characters that reorder or hide text
# (bidi overrides and isolates, zero-width characters, line and paragraph separators, tags),
# plus lone surrogates, which no output encoding can carry.
_INVISIBLE = ("\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e"
              "\u2060-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff\U000e0000-\U000e007f")
_ONE_LINE = re.compile(f"[\t\n{_INVISIBLE}]")
_LINES = re.compile(f"[{_INVISIBLE}]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r", "\x1b": "\\e"}


def _escape(match: re.Match) -> str:
    char = match[0]
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def printable(text: str, limit: int | None = None, lines: bool = False) -> str:
    """`text` with every control and invisible character escaped (newlines too, unless
    `lines`), cut to about `limit` characters with a note of the full length."""
    total = len(text)
    if limit is not None and total > limit:
        text = text[:limit]
    text = (_LINES if lines else _ONE_LINE).sub(_escape, text)
    if limit is not None and total > limit:
        text += f"… ({total} characters)"
    return text
