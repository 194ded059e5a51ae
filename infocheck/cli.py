"""The `infocheck` command: the packaged conformance suites, run by pytest from any folder, and
its subcommands. Every usage error, here and in the subcommands, reads `ERROR: ...` (pytest's
own spelling) on one line and exits 4 (usage.py words it, in one place)."""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from importlib import import_module

from infocheck import __version__
from infocheck.bundle import command_ini, folder
# The enumeration alone (judging/exit_codes.py imports nothing of infocheck's), not the judge:
# --help and a mistyped option start faster.
from infocheck.judging.exit_codes import ExitCode

EXIT_USAGE = ExitCode.USAGE


@dataclass(frozen=True)
class Subcommand:
    """One subcommand of `infocheck`: its name, its usage line (after `infocheck `), what it does
    in a few words for --help, and its `main(argv) -> exit code` as "module:function", imported
    only when it is run."""

    name: str
    usage: str
    summary: str
    main: str

    def run(self, argv: list[str]) -> int:
        module, function = self.main.split(":")
        return getattr(import_module(module), function)(argv)


# Every subcommand, in the order --help lists them. A new one is one line here (and its module);
# --help, `infocheck help NAME`, and the nearest-name suggestion of a mistyped one follow it.
SUBCOMMANDS = (
    Subcommand("serve", "serve [--contract NAME] [--flavour NAME] [--port N]",
               "a contract's reference server, or a real server's flavour, for clients to test against",
               "infocheck.serve:main"),
    Subcommand("merge", "merge REPORT.json ... [--html FILE] [--json FILE]",
               "combine the reports of fleet runs (CI matrix jobs) into one fleet report",
               "infocheck.merge_diff:merge_main"),
    Subcommand("diff", "diff OLD.json NEW.json [--json FILE]",
               "what changed between two runs; exit 1 on a regression",
               "infocheck.merge_diff:diff_main"),
    Subcommand("watch", "watch --fleet FILE [--every 5m] [--metrics-port 9464] [options]",
               "a fleet checked on a schedule, with Prometheus metrics (docs/watching.md)",
               "infocheck.watch.command:main"),
    Subcommand("history", "history [TARGET] [--since 30d] [--json FILE] [--html FILE]",
               "per target: its runs, each requirement's last change, what flaps (--history URL)",
               "infocheck.history.commands:history_command"),
    Subcommand("badge", "badge TARGET --out FILE.svg",
               "an SVG badge of a target's last verdict and its age",
               "infocheck.history.commands:badge_command"),
    Subcommand("can-i-deploy", "can-i-deploy TARGET [--window 24h] [--min-runs N]",
               "exit 0 only when every run of a target in the window was conformant",
               "infocheck.history.commands:can_i_deploy_command"),
    Subcommand("help", "help [SUBCOMMAND]", "this help, or a subcommand's (infocheck help merge)",
               "infocheck.cli:help_main"),
    Subcommand("version", "version", "infocheck's version (also --version)", "infocheck.cli:version_main"),
)
SUBCOMMAND = {command.name: command for command in SUBCOMMANDS}
HELP_OPTIONS = ("-h", "--help")
HELP_PYTEST = "--help-pytest"


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        try:
            code = _dispatch(args)
        finally:
            sys.stdout.flush()    # here, not at exit: a closed pipe is caught below (argparse's
                                  # --help ends in SystemExit, which passes through)
        return code
    except BrokenPipeError:
        if not _asks_for_help(args):
            raise
        # The reader closed the pipe (infocheck --help | head): no traceback, and nothing more
        # is written; Python's own flush at exit would fail again, so stdout leads nowhere now.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return ExitCode.CONFORMANT


def _asks_for_help(args: list[str]) -> bool:
    before = args[:args.index("--")] if "--" in args else args
    return (bool(set(before) & {*HELP_OPTIONS, HELP_PYTEST}) or args[:1] == ["help"]
            or args[:1] in (["--version"], ["version"]))


def _dispatch(args: list[str]) -> int:
    if args[:1] == ["--version"]:
        return version_main(args[1:])
    if args and args[0] in SUBCOMMAND:
        return SUBCOMMAND[args[0]].run(args[1:])
    if args and not args[0].startswith("-") and not os.path.exists(args[0].split("::", 1)[0]):
        # A first word that is neither a subcommand nor a file or folder: a mistyped subcommand
        # (merg), said before pytest starts (it would take it as a test path, and run).
        from infocheck import usage
        return usage.refuse(usage.not_a_path(args[0], [c.name for c in SUBCOMMANDS]))
    before = args[:args.index("--")] if "--" in args else args
    if HELP_PYTEST in before:
        return _pytest([arg for arg in args if arg != HELP_PYTEST] + ["--help"])
    if set(before) & set(HELP_OPTIONS):
        return help_main([])
    return _pytest(args, plugins=[_usage_gate()])


def help_main(argv: list[str]) -> int:
    """infocheck --help, or `infocheck help SUBCOMMAND`: the subcommand's own --help."""
    from infocheck import usage
    if argv and argv[0] in SUBCOMMAND and argv[0] != "help":
        return SUBCOMMAND[argv[0]].run(["--help"])
    if argv:
        return usage.refuse(usage.unknown_subcommand(argv[0], [c.name for c in SUBCOMMANDS],
                                                      "help"))
    sys.stdout.write(usage.help_text(SUBCOMMANDS))
    return ExitCode.CONFORMANT


def version_main(argv: list[str]) -> int:
    print(f"infocheck {__version__}")
    return ExitCode.CONFORMANT


def _usage_gate():
    from infocheck import usage
    return usage.usage_gate([c.name for c in SUBCOMMANDS])


def _pytest(args: list[str], plugins=()) -> int:
    import pytest

    from infocheck import usage

    suites = folder("suites")
    # An explicit configuration and rootdir: neither the current folder's pytest.ini nor one
    # above the installed package can change what the suites are or how they report.
    try:
        return int(pytest.main(["-c", str(command_ini()), "--rootdir", str(suites.parent),
                                *args, str(suites)], plugins=list(plugins)))
    except usage.Refused as refused:
        return usage.refuse(refused.what)
