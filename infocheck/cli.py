"""The `infocheck` command: the packaged conformance suites, run by pytest from any folder, and
its subcommands. Every usage error, here and in the subcommands, reads `ERROR: ...` (pytest's
own spelling) on one line and exits 4."""
from __future__ import annotations

import sys

from infocheck import __version__
from infocheck.bundle import command_ini, folder
# The enumeration alone (judging/exit_codes.py imports nothing of infocheck's), not the judge:
# --help and a mistyped option start faster.
from infocheck.judging.exit_codes import ExitCode

EXIT_USAGE = ExitCode.USAGE
USAGE = """\
usage: infocheck [options] [TESTS_FOLDER ...]
       infocheck serve [--contract NAME] [--flavour NAME] [--port N]
       infocheck merge REPORT.json ... [--html FILE] [--json FILE]
       infocheck diff OLD.json NEW.json [--json FILE]
       infocheck history [TARGET] [--since 30d] [--json FILE] [--html FILE]
       infocheck badge TARGET --out FILE.svg
       infocheck can-i-deploy TARGET [--window 24h] [--min-runs N]
       infocheck --version

infocheck checks a model-serving endpoint against a contract and exits with its verdict:
  --contract info     the Azure AI Model Inference Get Info API: GET {endpoint}/info
                      (retired 26 August 2026 by Microsoft; its successor is the next one)
  --contract models   the OpenAI v1 models API: GET {base}/models and /models/{id}, where the
                      base ends in /openai/v1 (Azure) or /v1 (vLLM, llama.cpp, Ollama, TGI, LiteLLM)

  --endpoint URL      the endpoint (INFOCHECK_ENDPOINT); none: the embedded reference server
                      is checked instead, and the run ends COULD NOT TEST (exit 2)
  --embedded          check the embedded reference server on purpose (INFOCHECK_EMBEDDED=1)
  INFOCHECK_API_KEY   the key (an environment variable: command lines show in process lists)
  --model NAME        the model or deployment the gate is about
  --fleet FILE        every target of a fleet file, side by side, into one report
  --report-dir DIR    where the reports go (INFOCHECK_REPORT_DIR; default reports/):
                      infocheck.html, infocheck.json, junit.xml (and a fleet's targets/)

exit codes: 0 conformant, 1 a MUST requirement failed, 2 could not test (it says why),
            3 infocheck itself broke, 4 a usage error

subcommands:
  serve   a contract's reference server, or a real server's flavour, for clients to test against
  merge   combine the reports of fleet runs (CI matrix jobs) into one fleet report
  diff    what changed between two runs; exit 1 on a regression
  history       per target: its runs, each requirement's last change, what flaps (--history URL)
  badge         an SVG badge of a target's last verdict and its age
  can-i-deploy  exit 0 only when every run of a target in the window was conformant

Every knob is an option and an INFOCHECK_* variable: the infocheck options below, and
docs/configuration.md. pytest's own options follow them (-m, -k, -n, ...).
"""
# pytest's options people use with infocheck, for the suggestion of a mistyped one.
PYTEST_OPTIONS = ("--help", "--version", "--collect-only", "--html", "--junitxml", "--junit-xml",
                  "--self-contained-html", "--hypothesis-profile", "--maxfail", "--exitfirst",
                  "--verbose", "--quiet", "--capture", "--tb", "--numprocesses", "--dist")


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["serve"]:
        from infocheck.serve import main as serve
        return serve(args[1:])
    if args[:1] in (["merge"], ["diff"]):
        from infocheck import merge_diff
        return (merge_diff.merge_main if args[0] == "merge" else merge_diff.diff_main)(args[1:])
    if args[:1] in (["history"], ["badge"], ["can-i-deploy"]):
        from infocheck.history import commands
        return commands.main(args[0], args[1:])
    if args[:1] in (["--version"], ["version"]):
        print(f"infocheck {__version__}")
        return ExitCode.CONFORMANT
    if "-h" in args or "--help" in args:
        print(USAGE)
    else:
        mistyped = suggestion(args)
        if mistyped:
            print(f"ERROR: {mistyped}", file=sys.stderr)
            return EXIT_USAGE
    import pytest

    suites = folder("suites")
    # An explicit configuration and rootdir: neither the current folder's pytest.ini nor one
    # above the installed package can change what the suites are or how they report.
    return int(pytest.main(["-c", str(command_ini()), "--rootdir", str(suites.parent),
                            *args, str(suites)]))


def suggestion(args: list[str]) -> str:
    """An option that is not one, but near one of infocheck's: which was meant, in one line
    (pytest's own message would be a usage block with its ini file's path)."""
    from infocheck import usage
    from infocheck.configuration.knobs import KNOBS

    ours = [k.option for k in KNOBS] + ["--infocheck-json", "--report-dir"]
    near = usage.meant(args, ours, known=frozenset(PYTEST_OPTIONS))
    if near:
        return f"infocheck: unknown option {near[0]}; did you mean {near[1]}? (infocheck --help lists them)"
    return ""
