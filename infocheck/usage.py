"""How a usage error reads in every command: `ERROR: <command>: <what>` on one line and exit 4
(argparse's own is a usage block and exit 2, pytest's a usage block and a blank line), naming
the option or subcommand that was meant when one is mistyped (`--flavor` → `--flavour`,
`--timeout` → `--request-timeout`, `merg` → `merge`). `line` is the one place a usage error is
worded; `help_text` is `infocheck --help`, made from the knob table."""
from __future__ import annotations

import argparse
import difflib
import re
import sys
import textwrap

from infocheck.judging.exit_codes import ExitCode
from infocheck.wire.printable import printable

EXIT_USAGE = ExitCode.USAGE
OPTION = re.compile(r"--[a-z][a-z0-9-]*")
HELP = "infocheck --help"


def line(what: str) -> str:
    """Every usage error of every command, as it is shown: `ERROR: ` and one line."""
    return f"ERROR: {printable(what, 600)}"


def refuse(what: str) -> int:
    """The usage error said on stderr, in one line; the exit code to end with."""
    print(line(what), file=sys.stderr, flush=True)
    return EXIT_USAGE


def guarded(command: str, work, usage_errors: tuple, masked=lambda text: text) -> int:
    """A command's work, its end said in one line: one of `usage_errors` is exit 4; anything
    else that breaks is infocheck's own, exit 3 (never 1, which would read as a verdict on the
    endpoints). `masked` takes out of what is said the secrets the command knows."""
    try:
        return work()
    except usage_errors as error:
        print(f"ERROR: infocheck {command}: {printable(masked(str(error)), 2000)}", file=sys.stderr)
        return ExitCode.USAGE
    except Exception as error:   # noqa: BLE001 - whatever broke is infocheck's, said in one line
        print(f"INTERNAL ERROR: infocheck {command}: {type(error).__name__}: "
              f"{printable(masked(str(error)), 500)}", file=sys.stderr)
        return ExitCode.INTERNAL


class Refused(Exception):
    """A usage error found while pytest reads the command line: no run starts."""

    def __init__(self, what: str):
        super().__init__(what)
        self.what = what


def meant(args: list[str], options: list[str],
          known: frozenset[str] = frozenset()) -> tuple[str, str] | None:
    """The first `--name` in args that is neither one of options nor known but is near one of
    options, and that one (before a `--`, after which nothing is an option)."""
    for arg in args:
        if arg == "--":
            return None
        name = arg.split("=", 1)[0]
        if OPTION.fullmatch(name) and name not in options and name not in known:
            close = difflib.get_close_matches(name, options, n=1, cutoff=0.75)
            if close:
                return name, close[0]
    return None


def nearest(name: str, ours: list[str], others: list[str] = ()) -> str | None:
    """The real option nearest to `name`, infocheck's before pytest's: the same in other case or
    with `_` for `-` (`--api_key`), a near spelling (`--endpiont`), then one that has it as its
    last or first words (`--timeout` → `--request-timeout`, `--key` → `--api-key`)."""
    spelled = name.lower().replace("_", "-")
    for options in (ours, others):
        if spelled in options:
            return spelled
    stem = spelled.lstrip("-")
    for options in (ours, others):
        close = difflib.get_close_matches(spelled, options, n=1, cutoff=0.75)
        if close:
            return close[0]
        words = [o for o in options if len(stem) >= 3 and (o.lstrip("-").endswith("-" + stem)
                 or o.lstrip("-").startswith(stem + "-") or f"-{stem}-" in o)]
        if words:
            return min(words, key=len)
    return None


def unknown_option(name: str, ours: list[str], others: list[str] = ()) -> str:
    near = nearest(name, ours, others)
    return (f"infocheck: unknown option {printable(name, 80)}; " +
            (f"did you mean {near}? ({HELP})" if near else
             f"{HELP} lists infocheck's options, infocheck --help-pytest pytest's"))


def _near_subcommand(word: str, subcommands: list[str]) -> str | None:
    close = difflib.get_close_matches(word.lower(), subcommands, n=1, cutoff=0.6)
    return close[0] if close else None


def unknown_subcommand(word: str, subcommands: list[str], where: str) -> str:
    """`word` is no subcommand of `infocheck where`. It is shown only when it is near one (a
    mistyped `merg`): a word that is not may be a key pasted in the wrong place."""
    close = _near_subcommand(word, subcommands)
    if close:
        return f"infocheck {where}: {printable(word, 80)} is no subcommand; did you mean {close}? ({HELP})"
    return (f"infocheck {where}: no such subcommand (not shown, in case it is a secret); they are "
            f"{', '.join(subcommands)} ({HELP})")


def _looks_like_a_path(word: str) -> bool:
    return any(c in word for c in "/\\:") or word.endswith(".py") or word.startswith(".")


def not_a_path(word: str, subcommands: list[str]) -> str:
    """An argument that is neither an option's value, a subcommand, nor a file or folder that
    exists: a mistyped subcommand, or a folder of tests that is not there."""
    close = _near_subcommand(word, subcommands)
    if close and not _looks_like_a_path(word):
        return (f"infocheck: {printable(word, 80)} is neither a subcommand nor a file or folder "
                f"here; did you mean {close}? ({HELP})")
    if _looks_like_a_path(word):
        return (f"infocheck: {printable(word, 200)}: no such file or folder (an argument that is "
                f"not a subcommand is a folder of a team's own tests) ({HELP})")
    return (f"infocheck: an argument is neither a subcommand ({', '.join(subcommands)}) nor a file "
            f"or folder here (not shown, in case it is a secret) ({HELP})")


def usage_gate(subcommands: list[str]):
    """A plugin the infocheck command hands pytest: an unknown option, a missing value, or an
    argument that is neither a subcommand nor a file or folder is one line before any run
    starts (no session, no reports); a usage error of the run itself (a bad variable) is one
    line too, not pytest's `ERROR: ...` and a blank line."""
    import pytest

    class UsageGate:
        @pytest.hookimpl(wrapper=True)
        def pytest_cmdline_parse(self, pluginmanager, args):
            try:
                config = yield
            except pytest.UsageError as error:
                raise Refused(_parse_error(pluginmanager.get_plugin("pytestconfig"), args, error)) from None
            given = list(config.option.file_or_dir or [])
            if not given or given[-1] != args[-1]:
                # The suites' folder, the command's last argument, was taken as the value of
                # the option before it: that option was given without its value.
                config._ensure_unconfigure()
                raise Refused(f"infocheck: {printable(args[-2], 80)} needs a value ({HELP})")
            if not getattr(config.option, "pyargs", False):
                here = config.invocation_params.dir
                for word in given[:-1]:   # the last is the suites
                    if not (here / word.split("::", 1)[0]).exists():
                        config._ensure_unconfigure()
                        raise Refused(not_a_path(word, subcommands))
            return config

        @pytest.hookimpl(wrapper=True)
        def pytest_cmdline_main(self, config):
            try:
                return (yield)
            except pytest.UsageError as error:
                return refuse("; ".join(l.strip() for a in error.args for l in str(a).splitlines()
                                        if l.strip()))

    return UsageGate()


def _parse_error(config, args: list[str], error) -> str:
    """pytest's usage block for a command line it cannot read, as one line: the first unknown
    option and the one meant, else argparse's own complaint (a missing value)."""
    from infocheck.configuration.knobs import KNOBS

    parser = getattr(getattr(config, "_parser", None), "optparser", None)
    known = dict(getattr(parser, "_option_string_actions", {}))
    ours = [knob.option for knob in KNOBS]
    others = sorted(o for o in known if o.startswith("--") and o not in ours)
    value_next = False
    for arg in args:
        if arg == "--":
            break
        if value_next:          # an option's value, whatever it looks like (a key may start with -)
            value_next = False
            continue
        name = arg.split("=", 1)[0] if arg.startswith("--") else arg[:2]
        if not re.fullmatch(r"--?[A-Za-z].*", name):
            continue
        if name not in known:
            return unknown_option(name, ours, others)
        takes = known[name].nargs
        value_next = takes in (None, 1) and (arg == name)
    said = [l for a in error.args for l in str(a).splitlines() if ": error: " in l]
    what = said[0].split(": error: ", 1)[1] if said else str(error).strip().splitlines()[-1]
    return f"infocheck: {what} ({HELP})"


EXAMPLES = """\
examples (the key in a variable: command lines show in process lists):
  infocheck --embedded                  # the reference server: what a passing run looks like
  INFOCHECK_API_KEY=... infocheck --endpoint https://my-model.eastus2.models.ai.azure.com
  INFOCHECK_API_KEY=... infocheck --contract models --model my-deployment \\
      --endpoint https://contoso.openai.azure.com/openai/v1
  infocheck --contract models --endpoint http://localhost:8000/v1     # vLLM, llama.cpp, Ollama
  infocheck --endpoint URL -m auth      # only some tests (pytest's -m and -k)
  EASTUS2_KEY=... infocheck --fleet fleet.yaml --fleet-env-prefix EASTUS2_
  infocheck merge reports-*/infocheck.json --html fleet.html --json fleet.json
  infocheck diff old/infocheck.json reports/infocheck.json
"""
EXIT_CODES = """\
exit codes: 0 conformant, 1 a MUST requirement failed, 2 could not test (it says why),
            3 infocheck itself broke, 4 a usage error
"""
WIDTH = 100


def help_text(subcommands) -> str:
    """infocheck --help: its usage, the contracts, every knob by group (from the knob table:
    option, variable, what it does), the subcommands, examples, exit codes, and where pytest's
    own options are."""
    from infocheck import contracts
    from infocheck.configuration.knobs import GROUPS, KNOBS, declaring

    out = ["usage: infocheck [options] [TESTS_FOLDER ...]"]
    out += [f"       infocheck {command.usage}" for command in subcommands]
    out += ["       infocheck --version", "",
            "infocheck checks a model-serving endpoint against a contract and exits with its verdict:"]
    for name in contracts.names():     # the registry's, so a new contract is listed as it joins
        try:
            title = contracts.get(name).title
        except contracts.ContractError as error:
            title = f"(refused: {error})"
        out.append(f"  --contract {name:<8} {title}" + (" (the default)" if name == contracts.DEFAULT else ""))
    out += ["  A models base ends in /openai/v1 (Azure) or /v1 (vLLM, llama.cpp, Ollama, TGI, LiteLLM);",
            "  Microsoft retired the info API on 26 August 2026; its successor is the models API.", "", EXIT_CODES,
            "The reports: infocheck.html, infocheck.json, junit.xml (and a fleet's targets/) in",
            "--report-dir (default reports/).", "", EXAMPLES]
    for group, title in GROUPS.items():
        knobs = [knob for knob in KNOBS if knob.group == group]
        if not knobs:
            continue
        out.append(f"{title}:")
        for knob in knobs:
            named = knob.option + (f" {knob.metavar}" if knob.metavar else "")
            if knob.form in ("list", "lines"):
                named += " (repeatable)"
            out.append(f"  {named}   [{knob.env}]")
            said = knob.help
            owners = declaring(knob.field) if group == "contract" else ()
            if owners and not said.startswith("("):
                said = f"({', '.join(owners)} contract{'s' if len(owners) > 1 else ''}) {said}"
            out += textwrap.wrap(said, WIDTH, initial_indent=" " * 6, subsequent_indent=" " * 6)
        out.append("")
    out.append("subcommands (infocheck help SUBCOMMAND: its options):")
    width = max(len(command.name) for command in subcommands) + 2
    out += [f"  {command.name:<{width}}{command.summary}" for command in subcommands]
    out += ["",
            "Every knob is an option and an INFOCHECK_* variable (docs/configuration.md): the",
            "variable is the option's name in capitals, each - an _ (--request-timeout is",
            "INFOCHECK_REQUEST_TIMEOUT); an option wins over its variable.",
            "pytest's own options work too (-k, -m, -x, -n N, --html FILE, --junitxml FILE, ...):",
            "infocheck --help-pytest lists them all.", ""]
    return "\n".join(out)


class OneLineParser(argparse.ArgumentParser):
    """An argument parser for `infocheck serve`, `merge` and `diff`."""

    def parse_args(self, args=None, namespace=None):
        found, extras = self.parse_known_args(args, namespace)
        if extras:
            options = [o for action in self._actions for o in action.option_strings if o.startswith("--")]
            near = meant(extras, options)
            self.error(f"unrecognized arguments: {' '.join(extras)}" +
                       (f"; did you mean {near[1]}?" if near else ""))
        return found

    def error(self, message):
        sys.exit(refuse(f"{self.prog}: {printable(message, 500)} ({self.prog} --help)"))
