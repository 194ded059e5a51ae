"""What the completeness self-tests know of each registered contract: its catalogue, the
requirements its suites' tests declare (read from the source), and its faulty servers, found by
name (the module faults_NAME in tests/, with FAULTS and optionally ARGS)."""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

from harness import KEY
from infocheck import contracts
from infocheck.server.base import ReferenceServer


def suite_tests(name: str) -> list[tuple[str, list[str]]]:
    """(file::test, requirement ids) of every test function in suites/NAME/, from the source."""
    found = []
    for path in sorted(contracts.get(name).data("suites").rglob("test_*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_"):
                ids = [arg.value for d in node.decorator_list if isinstance(d, ast.Call)
                       and getattr(d.func, "id", getattr(d.func, "attr", "")) == "requirement"
                       for arg in d.args if isinstance(arg, ast.Constant)]
                found.append((f"{path.name}::{node.name}", ids))
    return found


def faults_module(name: str):
    """The contract's faults module, or None when it has none."""
    try:
        return importlib.import_module(f"faults_{name}")
    except ModuleNotFoundError as missing:
        if missing.name != f"faults_{name}":
            raise
        return None


def faults(name: str) -> dict:
    module = faults_module(name)
    return dict(getattr(module, "FAULTS", {}) or {}) if module else {}


def run_args(name: str) -> tuple[str, ...]:
    return tuple(getattr(faults_module(name), "ARGS", ()))


def every_fault() -> list[tuple[str, str]]:
    return [(name, fault) for name in contracts.names() for fault in sorted(faults(name))]


def serve_fault(name: str, handler) -> ReferenceServer:
    """The contract's reference server (its settings: key, base path, what it serves) with a
    faulty handler, started on loopback."""
    model = contracts.get(name).reference_server(KEY)
    model.httpd.server_close()   # only its settings are wanted
    return ReferenceServer(model.settings, handler).start()
