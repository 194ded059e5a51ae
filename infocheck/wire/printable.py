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
_NAMED = {"\x1b": "\\e"}   # the rest as Python writes them: \t \n \r \x01 \u200b \U000e0041


def _escape(match: re.Match) -> str:
    char = match[0]
    return _NAMED.get(char) or char.encode("unicode_escape").decode("ascii")


def printable(text: str, limit: int | None = None, lines: bool = False) -> str:
    """`text` with every control and invisible character escaped (newlines too, unless
    `lines`), cut to about `limit` characters with a note of the full length."""
    pattern = _LINES if lines else _ONE_LINE
    if limit is None or len(text) <= limit:
        return pattern.sub(_escape, text)
    return pattern.sub(_escape, text[:limit]) + f"… ({len(text)} characters)"
