"""The one loader for the files a user hands infocheck: whatever a file holds, the loader returns
plain data or one FileError line naming the file and the place, quickly, with what the file said
escaped; never another exception (exit 3), never a hang on a device or a pipe. Fast and
in-process, so mutation testing can run them for every mutant of configuration/files.py."""
import json
import os
import time

import pytest
from hypothesis import given, settings, strategies as st

from infocheck.configuration import files
from infocheck.configuration.files import FileError

ESCAPES = ("\x1b", "\x9b", "\u202e", "\r", "\x07")


def write(tmp_path, name, content) -> str:
    path = tmp_path / name
    (path.write_bytes if isinstance(content, bytes) else path.write_text)(content)
    return str(path)


def refused(path, **kwargs) -> str:
    with pytest.raises(FileError) as raised:
        files.load(path, "waiver file", **kwargs)
    message = str(raised.value)
    assert "\n" not in message and not any(c in message for c in ESCAPES), message
    assert message.startswith(str(path)), message
    return message


# -- size, kind, time ------------------------------------------------------------------------

class CountingOs:
    """The os module as files.py sees it, counting the bytes os.read hands back."""

    def __init__(self):
        self.read_bytes = 0

    def read(self, fd, n):
        chunk = os.read(fd, n)
        self.read_bytes += len(chunk)
        return chunk

    def __getattr__(self, name):
        return getattr(os, name)


def test_a_file_over_the_limit_is_refused_before_it_is_parsed(tmp_path, monkeypatch):
    big = tmp_path / "big.yaml"
    with open(big, "wb") as file:       # 50 MB of YAML that would take minutes to parse
        file.write(b"- requirement: HTTP-DATE\n  reason: x\n  expires: 2999-01-01\n" * 900_000)
    counting = CountingOs()
    monkeypatch.setattr(files, "os", counting)
    monkeypatch.setattr(files, "_load_yaml", lambda *a: pytest.fail("the file over the limit was parsed"))
    assert "the waiver file is over 1 MiB" in refused(str(big))
    # It is not read past the limit: what is read is counted, not timed.
    assert counting.read_bytes == files.FILE_LIMIT + 1, counting.read_bytes
    assert files.load(write(tmp_path, "ok.json", "[]"), limit=2) == []
    assert "is over" in refused(write(tmp_path, "three.json", "[ ]"), limit=2)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_a_device_a_pipe_or_a_folder_is_not_a_file(tmp_path):
    assert refused("/dev/zero").endswith("the waiver file is not a regular file")
    assert refused(str(tmp_path)).endswith("the waiver file is not a regular file")
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "fifo")      # nobody writes to it: reading it would wait for ever
        assert refused(str(tmp_path / "fifo")).endswith("the waiver file is not a regular file")


def test_a_file_of_exactly_the_limit_is_read_and_one_byte_more_is_not(tmp_path):
    exact = write(tmp_path, "exact.json", '"' + "x" * (files.FILE_LIMIT - 2) + '"')
    assert files.load(exact) == "x" * (files.FILE_LIMIT - 2)
    over = write(tmp_path, "over.json", '"' + "x" * (files.FILE_LIMIT - 1) + '"')
    assert refused(over).endswith(": the waiver file is over 1 MiB; infocheck reads at most that")
    assert files.FILE_LIMIT == 2**20     # the limit docs/configuration.md states


@pytest.mark.parametrize("limit, said", [(1024, "1 KiB"), (3 * 1024, "3 KiB"), (2**20 - 1, "1023 KiB"),
                                         (2**20, "1 MiB"), (3 * 2**20, "3 MiB")])
def test_the_limit_is_said_in_kib_or_mib(tmp_path, limit, said):
    path = write(tmp_path, "big.json", b" " * (limit + 1))
    assert refused(path, limit=limit).endswith(f"is over {said}; infocheck reads at most that")


def test_reading_stops_one_byte_past_the_limit_in_a_few_reads(tmp_path, monkeypatch):
    path = write(tmp_path, "huge.json", b" " * (5 * 2**20))
    asked, real_read = [], os.read
    monkeypatch.setattr(files.os, "read", lambda fd, n: asked.append(n) or real_read(fd, n))
    refused(path, limit=3 * 2**20)
    assert asked == [2**20, 2**20, 2**20, 1]    # 1 MiB at a time, then the byte that is one too many


def test_where_os_has_no_nonblocking_open_a_file_is_read_all_the_same(tmp_path, monkeypatch):
    monkeypatch.delattr(files.os, "O_NONBLOCK", raising=False)    # Windows has none
    assert files.load(write(tmp_path, "f.json", "[1]")) == [1]


def test_a_read_that_fails_says_why(tmp_path, monkeypatch):
    def broken(fd, n):
        raise OSError(5, "Input/output error")
    monkeypatch.setattr(files.os, "read", broken)
    assert refused(write(tmp_path, "f.json", "[]")).endswith(": cannot read the waiver file (Input/output error)")


def test_a_missing_file_says_so(tmp_path):
    assert refused(str(tmp_path / "none.yaml")) == (
        f"{tmp_path / 'none.yaml'}: cannot read the waiver file (No such file or directory)")


# -- structure -------------------------------------------------------------------------------

@pytest.mark.parametrize("name, content, says", [
    ("deep.json", "[" * 10_000 + "]" * 10_000, "nested more than 32 levels deep"),
    ("deep.yaml", "[" * 10_000 + "]" * 10_000, "nested more than 32 levels deep"),
    ("deep-block.yaml", "".join("  " * i + "- \n" for i in range(300)) + "  " * 300 + "x\n",
     "nested more than 32 levels deep"),
    ("laughs.yaml", "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
     "c: [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n", "YAML aliases (*name) are not allowed"),
    ("twice.yaml", "targets: []\ntargets: [1]\n", "the key 'targets' is given twice"),
    ("twice.json", '{"name": "a", "name": "b"}', "the key 'name' is given twice"),
    ("bad.json", '{"a": NaN}', "is not valid JSON"),
    ("bad.yaml", "a: [", "is not valid YAML"),
    ("latin.yaml", b"a: \xff\n", "is not valid YAML (not UTF-8"),
    ("tag.yaml", "a: !!python/object:os.system x\n", "is not valid YAML"),
    ("listkey.yaml", "? [a, b]\n: 1\n", "a key must be a plain value"),
])
def test_what_a_file_cannot_do(tmp_path, name, content, says):
    started = time.monotonic()
    assert says in refused(write(tmp_path, name, content))
    # Milliseconds; a bound against a hang only, generous for a loaded machine.
    took = time.monotonic() - started
    assert took < 60, f"{took:.1f} s"


def test_a_yaml_error_names_its_line(tmp_path):
    assert ", line 3: the key 'b' is given twice" in refused(write(tmp_path, "w.yaml", "a: 1\nb: 2\nb: 3\n"))
    assert ", line 2: the key 'a' is given twice" in refused(write(tmp_path, "v.yaml", "a: 1\na: 2\n"))
    assert refused(write(tmp_path, "c.yaml", "a: \x07\n")).endswith(
        ": the waiver file is not valid YAML (unacceptable character #x0007: special characters "
        "are not allowed)")


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_nesting_is_allowed_to_exactly_the_limit(tmp_path, suffix):
    # the outermost list and 31 inside it: 32 levels, then one more
    assert files.load(write(tmp_path, f"ok{suffix}", "[" * 32 + "]" * 32)) == \
        __import__("functools").reduce(lambda inner, _: [inner], range(31), [])
    assert "nested more than 32 levels deep" in refused(write(tmp_path, f"deep{suffix}", "[" * 33 + "]" * 33))


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_siblings_before_a_deep_value_lend_it_no_depth(tmp_path, suffix):
    deep = "[1, 2, 3, 4, 5, 6, " + "[" * 32 + "]" * 32 + "]"      # 33 levels after six scalars
    assert "nested more than 32 levels deep" in refused(write(tmp_path, f"f{suffix}", deep))


def test_depth_is_of_nesting_not_of_how_many_siblings(tmp_path):
    wide = {f"k{i}": [[i]] for i in range(100)}
    assert files.load(write(tmp_path, "wide.yaml", json.dumps(wide))) == wide
    assert files.load(write(tmp_path, "wide.json", json.dumps(wide))) == wide


def test_objects_with_different_keys_load(tmp_path):
    assert files.load(write(tmp_path, "f.json", '{"a": 1, "b": {"a": 2}}')) == {"a": 1, "b": {"a": 2}}
    assert files.load(write(tmp_path, "f.yaml", "a: 1\nb: {a: 2}\n")) == {"a": 1, "b": {"a": 2}}


def test_a_date_stays_the_text_the_user_wrote(tmp_path):
    data = files.load(write(tmp_path, "f.yaml", "api_version: [2025-05-01]\nexpires: 2027-03-31\n"
                                                "when: 2027-03-31T10:00:00Z\n"))
    assert data == {"api_version": ["2025-05-01"], "expires": "2027-03-31", "when": "2027-03-31T10:00:00Z"}
    assert files.load(write(tmp_path, "n.yaml", "a: 1\nb: 1.5\nc: true\nd: null\ne: 0x10\nf: =\n")) == \
        {"a": 1, "b": 1.5, "c": True, "d": None, "e": 16, "f": "="}


# -- exact types, and escaped values ---------------------------------------------------------------

@pytest.mark.parametrize("value, kinds, ok", [
    (1, int, True), (True, int, False), (1, bool, False), (True, bool, True), ("1", int, False),
    (1.5, (int, float), True), (2, (int, float), True), (False, (int, float), False),
    ("x", (str, list), True), (["x"], (str, list), True), ({"a": 1}, (str, list), False),
    (None, str, False),
])
def test_types_are_exact(value, kinds, ok):
    if ok:
        assert files.expect(value, kinds, "f, k") == value
    else:
        with pytest.raises(FileError, match=r"^f, k: give .+, not "):
            files.expect(value, kinds, "f, k")


def test_a_number_is_named_a_number_and_a_boolean_a_boolean():
    with pytest.raises(FileError, match="^p: give a whole number, not a boolean True$"):
        files.expect(True, int, "p")
    with pytest.raises(FileError, match="^p: give a number, not text 'soon'$"):
        files.expect("soon", (int, float), "p")


@pytest.mark.parametrize("raw, ok", [("2027-03-31", True), (" 2027-03-31 ", True), ("2027-13-01", False),
                                     ("20270331", False), ("2027-W13-1", False), ("soon", False)])
def test_dates(raw, ok):
    if ok:
        assert str(files.date(raw, "p")) == "2027-03-31"
    else:
        with pytest.raises(FileError, match="is not a date, YYYY-MM-DD"):
            files.date(raw, "p")


def test_text_is_non_empty_unless_empty_is_allowed():
    assert files.text("x", "p") == "x"
    assert files.text("", "p", allow_empty=True) == ""
    for blank in ("", "  "):
        with pytest.raises(FileError, match="^p: give a non-empty text$"):
            files.text(blank, "p")


def test_keys_are_text_the_format_knows():
    files.keys_of({"a": 1, "b": 2}, ("a", "b"), "p")
    with pytest.raises(FileError, match="^p: 1: a key must be text$"):
        files.keys_of({1: 1}, ("a",), "p")
    with pytest.raises(FileError, match="^p: 'c': unknown key; allowed: a, b$"):
        files.keys_of({"a": 1, "c": 2}, ("a", "b"), "p")


def test_values_in_messages_are_capped():
    assert files.quoted("x" * 500) == "'" + "x" * 79 + "… (502 characters)"
    assert files.shown_name("y" * 100) == "y" * 80 + "… (100 characters)"
    assert files.where("p" * 400, "target 1", None, "", "key") == \
        "p" * 300 + "… (400 characters), target 1, key"


def test_a_parsers_reason_is_capped(tmp_path, monkeypatch):
    def verbose(data, **kwargs):
        raise ValueError("e" * 500)
    monkeypatch.setattr(files.strict_json, "loads", verbose)
    assert refused(write(tmp_path, "j.json", "[]")).endswith(
        "is not valid JSON (" + "e" * 200 + "… (500 characters))")


def test_what_a_file_said_is_escaped_and_capped_in_a_message():
    with pytest.raises(FileError) as raised:
        files.keys_of({"\x1b]0;pwned\x07\u202e" + "x" * 500: 1}, ("a",), "f, target 1")
    message = str(raised.value)
    assert "\\x1b]0;pwned\\x07\\u202e" in message and len(message) < 300
    assert not any(c in message for c in ESCAPES)
    assert files.shown_name("a\x1bb") == "a\\eb"


# -- whatever a file holds ---------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=30)


@settings(max_examples=150, deadline=None, database=None, derandomize=True)
@given(content=st.one_of(st.binary(max_size=300), st.text(max_size=300),
                         JSON_VALUES.map(json.dumps),
                         st.text(alphabet="[]{}:-&*!?|>'\"#%@ \n\tab1,", max_size=200)),
       suffix=st.sampled_from([".json", ".yaml", ".yml", ""]))
def test_any_file_is_data_or_one_clear_line(tmp_path_factory, content, suffix):
    path = tmp_path_factory.mktemp("any") / f"f{suffix}"
    (path.write_bytes if isinstance(content, bytes) else path.write_text)(content, **(
        {} if isinstance(content, bytes) else {"encoding": "utf-8", "errors": "surrogatepass"}))
    try:
        data = files.load(str(path))
    except FileError as error:
        message = str(error)
        assert "\n" not in message and not any(c in message for c in ESCAPES) and len(message) < 1200
        return
    stack = [data]
    while stack:     # plain data only: no date, no object a YAML tag could make
        item = stack.pop()
        assert type(item) in (dict, list, str, int, float, bool, type(None)), type(item)
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
