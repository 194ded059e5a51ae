"""The one loader for the files a user hands infocheck (a fleet, waivers, a policy, requirement
catalogues, reports to merge), with one set of limits and one error style.

A file is data we do not trust, like an endpoint's answer: it is read only if it is a regular
file, at most `limit` bytes of it (a bigger one is refused before parsing); nesting is bounded;
YAML aliases are refused rather than expanded (a billion laughs costs nothing); a mapping that
names a key twice is refused (the second would silently win); and a YAML date where a string
is meant stays the string the user wrote (`api_version: [2025-05-01]`). Every problem is one
`FileError` line naming the file and the place, with what the file said escaped.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import stat
import tempfile
from pathlib import Path

from infocheck.configuration.knobs import ConfigError
from infocheck.wire import strict_json
from infocheck.wire.printable import printable

FILE_LIMIT = 1024 * 1024      # bytes of a fleet, waiver, policy or catalogue file
MAX_DEPTH = 32                # nesting of such a file: none needs more than five levels
SHOWN = 80                    # characters of a value quoted in a message
REASON = 200                  # characters of a parser's reason quoted in a message
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class FileError(ConfigError):
    """A file cannot be used; the message names the file and the place (exit 4)."""


def quoted(value, limit: int = SHOWN) -> str:
    """A value from a file, quoted for a message: repr, escaped, capped."""
    return printable(repr(value), limit)


def shown_name(value) -> str:
    """A key from a file as a message names it: escaped and capped, without quotes."""
    return printable(str(value), SHOWN)


def where(path, *place) -> str:
    """`file, target 2 (name), api_version`: the file, then the place in it."""
    return ", ".join([printable(str(path), 300)] + [str(p) for p in place if p not in (None, "")])


def unwritable(path: Path) -> str:
    """Why an output file cannot be written at `path` ('' when it can), asked before any work:
    a bad output is a usage error then, not a traceback after the work."""
    folder = path.resolve().parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if path.is_dir():
            return f"{where(path)}: is a folder; give a file to write"
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        return f"{where(path)}: cannot write there ({exc.strerror or exc})"
    return ""


def read_bytes(path, limit: int = FILE_LIMIT, what: str = "file") -> bytes:
    """At most `limit` bytes of a regular file; a device, a pipe or a folder is refused, so
    `--fleet /dev/zero` or a FIFO cannot hold the run."""
    shown = where(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise FileError(f"{shown}: cannot read the {what} ({exc.strerror or exc})") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise FileError(f"{shown}: the {what} is not a regular file")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise FileError(f"{shown}: cannot read the {what} ({exc.strerror or exc})") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:
        raise FileError(f"{shown}: the {what} is over {_size(limit)}; infocheck reads at most that")
    return data


def _size(limit: int) -> str:
    return f"{limit // 2**20} MiB" if limit >= 2**20 else f"{limit // 1024} KiB"


def load(path, what: str = "file", limit: int = FILE_LIMIT, depth: int = MAX_DEPTH):
    """A JSON (by its .json suffix) or YAML file's data: dicts, lists, strings, integers,
    floats, booleans and None only."""
    data = read_bytes(path, limit, what)
    shown = where(path)
    if str(path).lower().endswith(".json"):
        return load_json(data, shown, what, depth)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileError(f"{shown}: the {what} is not valid YAML (not UTF-8: byte {exc.start})") from None
    return _load_yaml(text, shown, what, depth)


def load_json(data: bytes, shown: str, what: str = "file", depth: int = MAX_DEPTH):
    """Strict JSON (RFC 8259) with duplicate member names refused and nesting bounded."""
    def pairs(items):
        found = {}
        for key, value in items:
            if key in found:
                raise _Duplicate(key)
            found[key] = value
        return found

    if strict_json.depth(data) > depth:
        raise FileError(f"{shown}: the {what} is nested more than {depth} levels deep")
    try:
        return strict_json.loads(data, object_pairs_hook=pairs)
    except _Duplicate as duplicate:
        raise FileError(f"{shown}: the key {quoted(duplicate.key)} is given twice in one "
                        "object (the second would silently win)") from None
    except ValueError as exc:
        raise FileError(f"{shown}: the {what} is not valid JSON ({printable(str(exc), REASON)})") from None


class _Duplicate(Exception):   # not a ValueError: strict_json turns those into "not JSON"
    def __init__(self, key):
        super().__init__(key)
        self.key = key


def _load_yaml(text: str, shown: str, what: str, depth: int):
    try:
        import yaml
    except ImportError:  # pragma: no cover - PyYAML is a dependency
        raise FileError(f"{shown}: reading YAML needs PyYAML; give the {what} as .json") from None
    loader = None
    try:
        loader = _loader(yaml)(text)     # its reader refuses control characters at once
        loader.max_depth = depth
        return loader.get_single_data()
    except _FileProblem as problem:
        raise FileError(f"{shown}{_line(problem.mark)}: {problem}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise FileError(f"{shown}{_line(mark)}: the {what} is not valid YAML "
                        f"({printable(str(reason), REASON)})") from None
    finally:
        if loader is not None:
            loader.dispose()


def _line(mark) -> str:
    return f", line {mark.line + 1}" if mark is not None else ""


class _FileProblem(Exception):
    def __init__(self, message: str, mark=None):
        super().__init__(message)
        self.mark = mark


_LOADERS: dict = {}
AS_WRITTEN = frozenset({"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:value"})


def _loader(yaml):
    """PyYAML's safe loader without the dangerous parts (built once, on first use: importing
    this module loads no YAML)."""
    if "loader" in _LOADERS:
        return _LOADERS["loader"]

    class Loader(yaml.SafeLoader):
        max_depth = MAX_DEPTH
        _depth = 0

        def compose_node(self, parent, index):
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                raise _FileProblem("YAML aliases (*name) are not allowed; write the value out",
                                   event.start_mark)
            self._depth += 1
            try:
                if self._depth > self.max_depth:
                    raise _FileProblem(f"nested more than {self.max_depth} levels deep",
                                       self.peek_event().start_mark)
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1

        def construct_mapping(self, node, deep=False):
            seen = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                try:
                    duplicate = key in seen
                except TypeError:     # a list or a mapping as a key
                    raise _FileProblem("a key must be a plain value", key_node.start_mark) from None
                if duplicate:
                    raise _FileProblem(f"the key {quoted(key)} is given twice in one mapping (the "
                                       "second would silently win)", key_node.start_mark)
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

    # A date stays the text the user wrote: YAML 1.1 would turn 2025-05-01 into a date object
    # where an api-version, a name or a waiver's expiry is meant as written; and a lone `=` is
    # the text "=", not YAML 1.1's "value" tag, which the safe loader cannot build.
    Loader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag not in AS_WRITTEN]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    _LOADERS["loader"] = Loader
    return Loader


# -- exact types --------------------------------------------------------------------------

KINDS = {str: "text", int: "a whole number", float: "a number", bool: "true or false",
         list: "a list", dict: "a mapping"}


def expect(value, kinds, place: str):
    """`value` if it is exactly one of `kinds` (True is not a number here, nor 1 a boolean)."""
    kinds = kinds if isinstance(kinds, tuple) else (kinds,)
    if type(value) in kinds or (float in kinds and type(value) is int):
        return value
    wanted = "a number" if float in kinds and int in kinds else \
        " or ".join(KINDS.get(k, k.__name__) for k in kinds)
    raise FileError(f"{place}: give {wanted}, not {_kind(value)} {quoted(value)}")


def _kind(value) -> str:
    return {bool: "a boolean", int: "a number", float: "a number", str: "text", list: "a list",
            dict: "a mapping", type(None): "nothing"}.get(type(value), type(value).__name__)


def text(value, place: str, allow_empty: bool = False) -> str:
    found = expect(value, str, place)
    if not allow_empty and not found.strip():
        raise FileError(f"{place}: give a non-empty text")
    return found


def date(value, place: str) -> dt.date:
    """A calendar date written YYYY-MM-DD."""
    raw = expect(value, str, place).strip()
    try:
        if not DATE.fullmatch(raw):   # fromisoformat also takes 20250501 and week dates
            raise ValueError(raw)
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise FileError(f"{place}: {quoted(raw)} is not a date, YYYY-MM-DD") from None


def keys_of(mapping: dict, allowed, place: str) -> None:
    """Refuse a key the format does not have, naming it (escaped) and what is allowed."""
    for key in mapping:
        if not isinstance(key, str):
            raise FileError(f"{place}: {quoted(key)}: a key must be text")
        if key not in allowed:
            raise FileError(f"{place}: {quoted(key)}: unknown key; allowed: {', '.join(allowed)}")
