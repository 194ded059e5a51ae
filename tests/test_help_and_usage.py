"""Help and usage (issue 27): `infocheck --help` is infocheck's own options, grouped, from the
knob table, with examples, and pytest's behind --help-pytest; a closed pipe is quiet; every
unknown option, missing value and unknown subcommand is one ERROR: line, exit 4, naming the one
meant, with no run and no reports; one rule names each knob's variable, and the former names
still work, saying their new one once."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from hypothesis import given, settings, strategies as st

from harness import KEY, clean_env, run_suite
from infocheck import cli, usage
from infocheck.configuration.config import build_config
from infocheck.configuration.knobs import GROUPS, KNOBS, renamed, renamed_options, variable_for
from infocheck.fleet.isolation import CHILD_ENV_DROPPED

# The installed command, as a user runs it (the console script beside this interpreter).
COMMAND = Path(sys.executable).with_name("infocheck.exe" if os.name == "nt" else "infocheck")


def infocheck(*args, cwd, env=None, stdout=subprocess.PIPE):
    return subprocess.run([str(COMMAND), *args], cwd=cwd, stdout=stdout, stderr=subprocess.PIPE,
                          text=True, timeout=120, env=env or clean_env())


@pytest.fixture(scope="module")
def helped(tmp_path_factory):
    return infocheck("--help", cwd=tmp_path_factory.mktemp("help"))


# -- --help ------------------------------------------------------------------------------------

def test_help_names_every_knob_with_its_variable_under_its_group(helped):
    assert helped.returncode == 0 and helped.stderr == ""
    text = helped.stdout
    titles = [f"{title}:" for group, title in GROUPS.items() if any(k.group == group for k in KNOBS)]
    starts = [text.index(f"\n{title}\n") for title in titles]
    assert starts == sorted(starts), "the groups in GROUPS' order"
    for knob in KNOBS:
        entry = re.search(rf"^  {re.escape(knob.option)}\b.*\[{knob.env}\]$", text, re.M)
        assert entry, knob.option
        group = titles.index(f"{GROUPS[knob.group]}:")
        end = starts[group + 1] if group + 1 < len(starts) else len(text)
        assert starts[group] < entry.start() < end, f"{knob.option} under {GROUPS[knob.group]}"
    assert {knob.group for knob in KNOBS} <= set(GROUPS)


def test_the_core_s_knobs_are_grouped_and_the_contracts_own_are_theirs():
    from infocheck.configuration.knobs import CORE_KNOBS
    assert all(knob.group in GROUPS and knob.group != "contract" for knob in CORE_KNOBS)
    assert {knob.group for knob in KNOBS if knob not in CORE_KNOBS} == {"contract"}


def test_help_is_infocheck_s_own_with_examples_and_pytest_s_behind_its_own_flag(helped, tmp_path):
    text = helped.stdout
    assert text.startswith("usage: infocheck [options]")
    from infocheck import contracts
    for name in contracts.names():
        assert f"  --contract {name} " in text and contracts.get(name).title in text
    assert "\nexamples" in text and "infocheck --embedded" in text
    assert "INFOCHECK_API_KEY=... infocheck --endpoint https://" in text
    assert "infocheck merge reports-*/infocheck.json" in text
    for subcommand in cli.SUBCOMMANDS:
        assert f"\n  {subcommand.name} " in text and f"infocheck {subcommand.usage}" in text
    # pytest's own options are not in it, but their flag is named
    assert "--collect-only" not in text and "--junit-prefix" not in text and "--help-pytest" in text
    assert len(text.splitlines()) < 200
    pytests = infocheck("--help-pytest", cwd=tmp_path)
    assert pytests.returncode == 0
    assert "--collect-only" in pytests.stdout and "--junitxml" in pytests.stdout
    assert "--request-timeout" in pytests.stdout          # the plugin's group is there too
    assert not (tmp_path / "reports").exists()


def test_help_as_a_subcommand_is_the_same_help_and_a_subcommand_s(helped, tmp_path):
    said = infocheck("help", cwd=tmp_path)
    assert said.returncode == 0 and said.stdout == helped.stdout
    merge = infocheck("help", "merge", cwd=tmp_path)
    assert merge.returncode == 0 and merge.stdout.startswith("usage: infocheck merge")


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["help"], ["help", "diff"], ["serve", "--help"],
                                  ["merge", "--help"], ["diff", "--help"], ["--help-pytest"],
                                  ["--endpoint", "https://h.example", "--help"]])
def test_a_closed_pipe_ends_help_quietly(tmp_path, args):
    """`infocheck --help | head`: the reader is gone before anything is written, so every write
    fails; no traceback, no 'Exception ignored', exit 0."""
    read, write = os.pipe()
    os.close(read)
    try:
        result = infocheck(*args, cwd=tmp_path, stdout=write)
    finally:
        os.close(write)
    assert result.stderr == "" and result.returncode == 0


# -- usage errors: one line, exit 4, no run, no reports ----------------------------------------

@pytest.mark.parametrize("args, says", [
    (["--timeout", "5"], "ERROR: infocheck: unknown option --timeout; did you mean --request-timeout?"),
    (["--key", "k"], "ERROR: infocheck: unknown option --key; did you mean --api-key?"),
    (["--api_key", "k"], "ERROR: infocheck: unknown option --api_key; did you mean --api-key?"),
    (["--api-key"], "ERROR: infocheck: --api-key needs a value"),
    (["--endpoint", "https://h.example", "-k"], "ERROR: infocheck: -k needs a value"),
    (["--Endpoint", "https://h.example"], "did you mean --endpoint?"),
    (["--junitxm", "x.xml"], "ERROR: infocheck: unknown option --junitxm; did you mean --junitxml?"),
    (["--collect-onyl"], "did you mean --collect-only?"),
    (["--no-such-pytest-option"], "ERROR: infocheck: unknown option --no-such-pytest-option; "
                                  "infocheck --help lists infocheck's options, infocheck --help-pytest pytest's"),
    (["-Z"], "ERROR: infocheck: unknown option -Z"),
    (["merg"], "ERROR: infocheck: merg is neither a subcommand nor a file or folder here; did you mean merge?"),
    (["serv", "--port", "1"], "did you mean serve?"),
    (["helo"], "did you mean help?"),
    (["tests/team"], "ERROR: infocheck: tests/team: no such file or folder"),
    (["help", "merg"], "ERROR: infocheck help: merg is no subcommand; did you mean merge?"),
])
def test_every_command_line_mistake_is_one_line_exit_4_with_no_run_and_no_reports(tmp_path, args, says):
    result = infocheck(*args, cwd=tmp_path)
    assert result.returncode == 4, result.stdout[-1500:] + result.stderr[-1500:]
    assert result.stderr.count("\n") == 1 and result.stderr.endswith("\n"), repr(result.stderr)
    [line] = result.stderr.splitlines()
    assert line.startswith("ERROR: ") and says in line, line
    assert result.stdout == ""                       # no run: no header, no collection
    assert list(tmp_path.iterdir()) == []            # no reports/, nothing else either
    assert "usage: " not in line and "inifile" not in line


@pytest.mark.parametrize("args", [["sk-not-a-folder-1234567890abcdef"],
                                  ["--api_key", "sk-not-a-folder-1234567890abcdef"],
                                  ["--api-key", "sk-not-a-folder-1234567890abcdef", "--oops"]])
def test_a_word_that_may_be_a_key_is_not_repeated(tmp_path, args):
    result = infocheck(*args, cwd=tmp_path)
    assert result.returncode == 4 and result.stderr.count("\n") == 1, result.stderr
    assert "sk-not-a-folder" not in result.stderr + result.stdout
    assert not (tmp_path / "reports").exists()


def test_a_folder_that_exists_is_still_a_team_s_tests(tmp_path):
    """An existing path is taken as before (a team's own tests): the gate does not refuse it."""
    (tmp_path / "team").mkdir()
    result = infocheck("team", "--collect-only", "-q", cwd=tmp_path, env=clean_env(INFOCHECK_EMBEDDED="1"))
    assert "ERROR: infocheck:" not in result.stderr, result.stderr


def test_a_bad_value_is_exactly_one_line_without_pytest_s_blank_line(tmp_path):
    result = infocheck(cwd=tmp_path, env=clean_env(INFOCHECK_REQUEST_TIMEOUT="soon"))
    assert result.returncode == 4
    assert result.stderr == ("ERROR: INFOCHECK_REQUEST_TIMEOUT / --request-timeout: 'soon' is not a "
                             "number\n"), repr(result.stderr)


def test_the_usage_line_is_worded_in_one_place():
    assert usage.line("infocheck: x\ny") == "ERROR: infocheck: x\\ny"


def test_the_nearest_option_prefers_infocheck_s_and_names_none_that_is_far():
    ours, others = ["--request-timeout", "--api-key", "--endpoint"], ["--junitxml", "--timeout-x"]
    assert usage.nearest("--timeout", ours, others) == "--request-timeout"
    assert usage.nearest("--API_KEY", ours, others) == "--api-key"
    assert usage.nearest("--junitxm", ours, others) == "--junitxml"
    assert usage.nearest("--qqqqqq", ours, others) is None


def test_the_subcommand_table_is_one_list_the_help_and_the_errors_follow(monkeypatch, capsys):
    extra = cli.Subcommand("history", "history [REPORT.json ...]", "a test's entry",
                           "infocheck.cli:version_main")
    monkeypatch.setattr(cli, "SUBCOMMANDS", cli.SUBCOMMANDS + (extra,))
    monkeypatch.setattr(cli, "SUBCOMMAND", {c.name: c for c in cli.SUBCOMMANDS})
    assert cli.main(["help"]) == 0
    assert "infocheck history [REPORT.json ...]" in capsys.readouterr().out
    assert cli.main(["history"]) == 0 and capsys.readouterr().out.startswith("infocheck ")
    assert cli.main(["help", "histroy"]) == 4
    assert "did you mean history?" in capsys.readouterr().err


# -- names: one rule, former names still work --------------------------------------------------

def test_every_knob_s_variable_is_its_option_by_one_rule():
    for knob in KNOBS:
        assert knob.env == "INFOCHECK_" + knob.option.removeprefix("--").upper().replace("-", "_"), knob.option
        assert variable_for(knob.option) == knob.env
    options = {knob.option for knob in KNOBS}
    variables = {knob.env for knob in KNOBS}
    for knob in KNOBS:
        assert not set(knob.old_options) & options and not set(knob.old_envs) & variables
    assert any(k.option == "--report-json" and k.env == "INFOCHECK_REPORT_JSON" for k in KNOBS)


def test_a_contract_knob_that_breaks_the_rule_is_refused(monkeypatch):
    from infocheck import contracts
    from infocheck.configuration import knobs
    from infocheck.contracts.info.contract import InfoContract
    odd = knobs.Knob("oddity", "--oddity", "INFOCHECK_ODD", "a knob named off the rule")
    monkeypatch.setattr(InfoContract, "knobs", InfoContract.knobs + (odd,))
    with pytest.raises(contracts.ContractError, match="INFOCHECK_ODDITY"):
        knobs._table()


@pytest.mark.parametrize("old, new, field, value", [
    ("INFOCHECK_TIMEOUT", "INFOCHECK_REQUEST_TIMEOUT", "timeout", 7.0),
    ("INFOCHECK_DEPLOYMENTS", "INFOCHECK_DEPLOYMENT", "deployments", ("a", "b")),
])
def test_a_former_variable_is_read_as_its_new_one_and_loses_to_it(old, new, field, value):
    raw = "7" if field == "timeout" else "a,b"
    assert getattr(build_config({}, {old: raw}), field) == value
    assert renamed({old: raw})[1] == [f"infocheck: {old} is now {new} (the old name still works)"]
    both = {old: raw, new: "3" if field == "timeout" else "c"}
    assert getattr(build_config({}, both), field) == (3.0 if field == "timeout" else ("c",))
    assert "is ignored" in renamed(both)[1][0]
    assert old in CHILD_ENV_DROPPED and new in CHILD_ENV_DROPPED   # a fleet's target gets neither


def test_a_former_option_is_named_once_before_a_double_dash_only():
    said = renamed_options(["--infocheck-json=a.json", "--infocheck-json", "b", "--", "--infocheck-json"])
    assert said == ["infocheck: --infocheck-json is now --report-json (the old name still works)"]


def test_a_run_given_former_names_works_and_says_each_new_one_once(tmp_path):
    out = tmp_path / "elsewhere" / "x.json"
    run = run_suite(tmp_path, "-m", "auth", f"--infocheck-json={out}", html=False,
                    env={"INFOCHECK_TIMEOUT": "7"}, fresh=True)
    assert run.code == 0, run.stdout[-2000:] + run.stderr[-2000:]
    notes = [line for line in run.stderr.splitlines() if " is now " in line]
    assert sorted(notes) == ["infocheck: --infocheck-json is now --report-json (the old name still works)",
                             "infocheck: INFOCHECK_TIMEOUT is now INFOCHECK_REQUEST_TIMEOUT (the old "
                             "name still works)"], run.stderr
    report = json.loads(out.read_text())     # the later --infocheck-json wins over the harness's
    assert report["configuration"]["request timeout"] == "7 s" and KEY not in run.stderr


# -- whatever is typed: one line, never a traceback --------------------------------------------

WORDS = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=60)


@settings(max_examples=300, deadline=None)
@given(WORDS)
def test_any_first_word_that_is_no_subcommand_nor_path_is_one_line_exit_4(tmp_path_factory, word):
    if word.startswith("-") or word in cli.SUBCOMMAND or os.path.exists(word.split("::", 1)[0]):
        return
    import contextlib
    import io
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()) as out:
        assert cli.main([word, "--endpoint", "https://h.example"]) == 4
    said = err.getvalue()
    assert said.count("\n") == 1 and said.startswith("ERROR: infocheck: ") and out.getvalue() == ""
    assert len(said) < 800


@settings(max_examples=300, deadline=None)
@given(WORDS, st.lists(st.sampled_from([k.option for k in KNOBS] + ["--junitxml", "-k"]), max_size=5))
def test_what_a_usage_error_says_is_one_bounded_line(word, options):
    for what in (usage.not_a_path(word, [c.name for c in cli.SUBCOMMANDS]),
                 usage.unknown_subcommand(word, [c.name for c in cli.SUBCOMMANDS], "help"),
                 usage.unknown_option("--" + word, options, ["--collect-only"])):
        shown = usage.line(what)
        assert "\n" not in shown and "\r" not in shown and len(shown) < 900
    near = usage.nearest("--" + word, options)
    assert near is None or near in options
