"""The `infocheck` command: the packaged conformance suites, run by pytest from any folder.

    infocheck [pytest and infocheck options]    check an endpoint (the embedded server if none)
    infocheck serve [--port 8000 ...]           the reference server
    infocheck --fleet FLEET.yaml                 check every target of a fleet file, side by side
    infocheck merge REPORT.json ... [--html F] [--json F]   combine fleet reports (no network)
    infocheck diff OLD.json NEW.json            what changed; exit 1 on a regression
    infocheck --version

Every pytest option passes through (-n 4, -m auth, -k ...) and the exit codes are pytest's and
infocheck's: 0 conformant, 1 a MUST failed, 2 could not test, 3 internal error, 4 usage error.
Reports go under ./reports/ unless --html, --junitxml or --infocheck-json say otherwise.
"""
from __future__ import annotations

import sys

from infocheck import __version__
from infocheck.bundle import command_ini, folder


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["serve"]:
        from infocheck.server.command import main as serve
        return serve(args[1:])
    if args[:1] in (["merge"], ["diff"]):
        from infocheck.fleet import merge as fleet_files
        return (fleet_files.merge_main if args[0] == "merge" else fleet_files.diff_main)(args[1:])
    if args[:1] in (["--version"], ["version"]):
        print(f"infocheck {__version__}")
        return 0
    import pytest

    suites = folder("suites")
    # An explicit configuration and rootdir: neither the current folder's pytest.ini nor one
    # above the installed package can change what the suites are or how they report.
    return int(pytest.main(["-c", str(command_ini()), "--rootdir", str(suites.parent),
                            *args, str(suites)]))
