"""JSON as RFC 8259 defines it, read safely from an untrusted body.

Python's json module accepts NaN and Infinity, lone surrogates in strings, and recurses once
per nesting level (2,000 levels raise RecursionError); its int() refuses numbers of more than
4,300 digits although they are JSON. Here: nesting is bounded before parsing, the constants and
lone surrogates are refused, and any number of digits is read.
"""
from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from itertools import accumulate

MAX_DEPTH = 64
# A string, or an unterminated one running to the end: never retried from a later quote.
_SKIP_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*+(?:"|\Z)', re.DOTALL)
_SURROGATE = re.compile("[\ud800-\udfff]")
_STEP = [0] * 256
_STEP[ord("[")] = _STEP[ord("{")] = 1
_STEP[ord("]")] = _STEP[ord("}")] = -1


class NotJSON(ValueError):
    """The body is not JSON; the message says why, in one line."""


def _refuse_constant(name: str):
    raise NotJSON(f"{name} is not a JSON value (RFC 8259 has no NaN or Infinity)")


def _number(text: str):
    return int(text) if len(text) <= 4000 else Decimal(text)


def _float(text: str):
    number = float(text)
    # 1e999 is a JSON number, not an infinity: read it exactly, as a long integer is.
    return Decimal(text) if math.isinf(number) else number


def depth(data: bytes) -> int:
    """The deepest nesting of arrays and objects, strings skipped: the highest running sum of
    +1 per opening and -1 per closing bracket (0 for any other byte), summed in C."""
    return max(accumulate(map(_STEP.__getitem__, _SKIP_STRINGS.sub(b"", data))), default=0)


def loads(data: bytes, object_pairs_hook=None):
    """Parse a body (UTF-8, a leading byte-order mark tolerated: SHAPE-NO-BOM reports it)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NotJSON(f"not UTF-8 (byte {exc.start})") from None
    nested = depth(data)
    if nested > MAX_DEPTH:
        raise NotJSON(f"nested {nested} levels deep; infocheck reads at most {MAX_DEPTH}")
    try:
        document = json.loads(text, parse_constant=_refuse_constant, parse_int=_number,
                              parse_float=_float, object_pairs_hook=object_pairs_hook)
    except NotJSON:
        raise
    except (ValueError, RecursionError) as exc:
        raise NotJSON((str(exc) or type(exc).__name__).partition("\n")[0]) from None
    _refuse_lone_surrogates(document)
    return document


def _refuse_lone_surrogates(document) -> None:
    """Every string, member names included, walked without recursion."""
    stack = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                raise NotJSON("a string holds a lone surrogate (\\uD800-\\uDFFF unpaired), which "
                              "is not Unicode text")
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
