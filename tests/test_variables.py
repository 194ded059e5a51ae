"""An INFOCHECK_* variable that is no knob's is a usage error naming the knob's variable meant
(issue 24: INFOCHECK_ENDPIONT was ignored and the embedded server passed); the ones infocheck and
its tooling use themselves are declared once (infocheck/configuration/environment.py), and every
one the repository mentions is a knob's or declared there."""
import re
import subprocess

import pytest
from hypothesis import given, settings, strategies as st

from harness import KEY, ROOT
from infocheck.configuration import environment
from infocheck.configuration.config import ConfigError, build_config
from infocheck.configuration.knobs import KNOBS

KNOB_VARIABLES = {name for knob in KNOBS for name in (knob.env, *knob.old_envs)}   # former names too


@pytest.mark.parametrize("name, says", [
    ("INFOCHECK_ENDPIONT", "INFOCHECK_ENDPIONT: no such variable; did you mean INFOCHECK_ENDPOINT?"),
    ("infocheck_endpoint", "infocheck_endpoint: no such variable; did you mean INFOCHECK_ENDPOINT?"),
    ("INFOCHECK_APIKEY", "INFOCHECK_APIKEY: no such variable; did you mean INFOCHECK_API_KEY?"),
    ("INFOCHECK_EMBEDED", "INFOCHECK_EMBEDED: no such variable; did you mean INFOCHECK_EMBEDDED?"),
    ("INFOCHECK_QQQQQQQQQQ", "INFOCHECK_QQQQQQQQQQ: no such variable; infocheck's are listed by "
     "infocheck --help and in docs/configuration.md"),
    ("INFOCHECK_\x1b[2J", "INFOCHECK_\\e[2J: no such variable"),
])
def test_an_infocheck_variable_that_is_no_knob_is_a_usage_error_naming_the_one_meant(name, says):
    with pytest.raises(ConfigError, match="^" + re.escape(says)):
        build_config({}, {"INFOCHECK_ENDPOINT": "https://h.example", name: "x"})


def test_the_variables_infocheck_uses_itself_are_no_usage_error():
    settings = build_config({}, {"INFOCHECK_ENDPOINT": "https://h.example", "INFOCHECK_API_KEY": KEY,
                                 **{name: "1" for name in environment.INTERNAL}, "OTHER_THING": "x"})
    assert settings.endpoint == "https://h.example"


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=30))
def test_any_unknown_infocheck_name_is_one_line_and_never_another_exception(rest):
    name = "INFOCHECK_" + rest
    if name in KNOB_VARIABLES or name in environment.INTERNAL:
        return
    with pytest.raises(ConfigError) as raised:
        build_config({}, {name: "x"})
    message = str(raised.value)
    assert "\n" not in message and "no such variable" in message and len(message) < 300


def mentioned_variables() -> dict[str, str]:
    """Every INFOCHECK_ name the repository's code and scripts mention (the self-tests' own files
    mention misspellings on purpose), and a file it is in."""
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True)
    names = listed.stdout.split() if listed.returncode == 0 else []
    files = [ROOT / n for n in names if n.endswith((".py", ".yml", ".ini", ".toml", ".j2"))
             or n in (".ci/run",)]
    found = {}
    for path in files:
        if path.name.startswith("test_") or not path.is_file():
            continue
        for name in re.findall(r"\bINFOCHECK_[A-Z][A-Z0-9_]*[A-Z0-9]\b", path.read_text(errors="replace")):
            found.setdefault(name, str(path.relative_to(ROOT)))
    return found


def test_every_infocheck_variable_the_repository_uses_is_a_knob_s_or_declared_once():
    found = mentioned_variables()
    assert {"INFOCHECK_VENV", "INFOCHECK_FLEET_CHANNEL", "INFOCHECK_ARGS", "INFOCHECK_EMBEDDED"} <= set(found)
    placeholders = {"INFOCHECK_X"}   # a docstring's INFOCHECK_X / --x
    undeclared = {name: where for name, where in found.items()
                  if name not in KNOB_VARIABLES | set(environment.INTERNAL) | placeholders}
    assert not undeclared, f"declare these in infocheck/configuration/environment.py: {undeclared}"
