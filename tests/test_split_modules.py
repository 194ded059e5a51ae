"""Modules that did several jobs are the pieces their banners named (issue 25): each piece is
defined in its own module, the names the self-tests and suites import from the old places are
the same objects, the generic fork runner knows nothing of infocheck, no module of fleet/ parses
a command line, and the mutation targets name files that exist."""
from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "infocheck"

HOMES = [
    ("infocheck.wire.not_tested", ("NotTested", "UnusableCredential", "OffBase"), "infocheck.wire.probe"),
    ("infocheck.wire.run_state", ("RunState",), "infocheck.wire.probe"),
    ("infocheck.wire.retry_after", ("retry_after_seconds",), "infocheck.wire.probe"),
    ("infocheck.wire.transport_errors", ("describe_transport_error",), "infocheck.wire.probe"),
    ("infocheck.fleet.reading", ("Report", "load", "read"), "infocheck.fleet.merge"),
    ("infocheck.fleet.diffing", ("diff", "same_endpoint"), None),
    ("infocheck.fleet.merge", ("Merge", "merged", "coverage"), None),
    ("infocheck.merge_diff", ("merge_main", "diff_main"), None),
    ("infocheck.plugin.fork_runner", ("Queue", "_Following", "_InOrder", "unavailable"),
     "infocheck.plugin.shards"),
    ("infocheck.plugin.shards", ("SharedOnceCache", "run_sharded"), None),
    ("infocheck.fleet.isolation", ("child_environment", "scrub_file", "scrub_data", "absolute_path"), None),
    ("infocheck.fleet.run", ("FleetRun", "child_arguments"), None),
]


@pytest.mark.parametrize("home, names, old", HOMES, ids=[h[0] for h in HOMES])
def test_each_piece_is_defined_in_its_own_module_and_the_old_name_is_the_same(home, names, old):
    import importlib
    module = importlib.import_module(home)
    for name in names:
        found = getattr(module, name)
        if callable(found):
            assert found.__module__ == home, (name, found.__module__)
        if old is not None:
            assert getattr(importlib.import_module(old), name) is found, (old, name)


def imports_of(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_the_fork_runner_imports_nothing_of_infocheck():
    assert not [m for m in imports_of(PACKAGE / "plugin" / "fork_runner.py") if m.split(".")[0] == "infocheck"]
    text = (PACKAGE / "plugin" / "fork_runner.py").read_text(encoding="utf-8")
    assert "infocheck_traffic" not in text   # a report's own tuples are its caller's


def test_no_module_of_fleet_parses_a_command_line():
    for path in sorted((PACKAGE / "fleet").glob("*.py")):
        assert not imports_of(path) & {"argparse", "infocheck.usage"}, path.name


def test_the_probe_module_is_the_probe():
    classes = {n.name for n in ast.parse((PACKAGE / "wire" / "probe.py").read_text(encoding="utf-8")).body
               if isinstance(n, ast.ClassDef)}
    assert classes == {"Probe", "_TransportError"}


def test_the_mutation_targets_are_files_and_hold_the_shared_checks():
    targets = json.loads((ROOT / "tests" / "mutation" / "targets.json").read_text(encoding="utf-8"))
    modules = [name for name in targets if not name.startswith("$")]
    assert [m for m in modules if not (ROOT / m).is_file()] == []
    assert {"infocheck/contracts/checking.py", "infocheck/wire/run_state.py",
            "infocheck/wire/retry_after.py", "infocheck/wire/transport_errors.py"} <= set(modules)
    for module in modules:
        tests = [a for a in targets[module] if a.endswith(".py")]
        assert tests and all((ROOT / "tests" / t).is_file() for t in tests), module
