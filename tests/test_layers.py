"""The layers hold (issue 25): infocheck's import graph has no cycle between files, and every
import between layers goes down the one declared order (docs/how-it-is-built.md draws it).

Every module of infocheck/ is parsed with `ast`; every import counts, at the top of a module or
inside a function, except those in an `if TYPE_CHECKING:` block (never run). Relative imports are
resolved. A failure names the importing file, its line and the module it imports. A module found
by name at run time (`importlib.import_module`: the contract registry's packages, the plugin's
fixture modules) is not an import edge: the registry is a table of names, looked up from below.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "infocheck"

# The layers, lowest first: a module may import its own layer and those before it, never one after.
# A unit ending in ".*" is that package and everything under it; any other is exactly one module.
# The most specific unit a module matches decides its layer.
LAYERS = (
    ("the package root", ("infocheck", "infocheck.bundle", "infocheck.troubleshooting", "infocheck.signals")),  # __version__, the data, the help's links
    ("the contract registry", ("infocheck.contracts",)),           # names -> packages, imported by name
    ("wire", ("infocheck.wire.*",)),
    ("configuration", ("infocheck.configuration.*",)),
    ("judging", ("infocheck.judging.*",)),
    ("server", ("infocheck.server.*",)),                           # the reference server's base
    ("contracts", ("infocheck.contracts.*",)),
    ("reports", ("infocheck.reports.*",)),
    ("fleet", ("infocheck.fleet.*",)),
    ("history", ("infocheck.history.*",)),                         # the history store: results over time
    ("plugin", ("infocheck.plugin.*",)),
    ("usage", ("infocheck.usage",)),                               # every command's usage error
    ("commands", ("infocheck.cli", "infocheck.__main__", "infocheck.serve", "infocheck.merge_diff",
                  "infocheck.watch.*",                             # watch/: infocheck watch
                  "infocheck.history.commands")),
)


def modules(package: Path = PACKAGE) -> dict[str, tuple[Path, bool, str]]:
    """Every module of the package: dotted name -> (its file, whether it is a package, its path
    as shown)."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if is_package else parts)] = (
            path, is_package, path.relative_to(package.parent).as_posix())
    return found


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(node: ast.AST):
    """Every Import and ImportFrom under node, an `if TYPE_CHECKING:` block's body left out."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _type_checking(child):
            for other in child.orelse:
                yield from _imports_in(other)
            continue
        yield from _imports_in(child)


def _imports_in(node: ast.AST):
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        yield node
    yield from _imports(node)


def edges(found: dict[str, tuple[Path, bool, str]], root: str = "infocheck") -> list[tuple[str, str, int]]:
    """(importer, imported module, line) for every import of one of found's modules."""
    def module_of(name: str) -> str | None:
        while name and name not in found:
            name = name.rpartition(".")[0]
        return name or None

    result = []
    for name, (path, is_package, _) in found.items():
        package = name if is_package else name.rpartition(".")[0]
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    source = ".".join(base + ([node.module] if node.module else []))
                else:
                    source = node.module or ""
                # `from a import b` imports the module a.b when there is one, else a name of a.
                targets = [f"{source}.{alias.name}" if f"{source}.{alias.name}" in found else source
                           for alias in node.names]
            for target in targets:
                if target.split(".")[0] == root and (imported := module_of(target)) and imported != name:
                    result.append((name, imported, node.lineno))
    return result


def layer_of(module: str, layers=LAYERS) -> int:
    best, rank = None, None
    for index, (_, units) in enumerate(layers):
        for unit in units:
            exact = unit[:-2] if unit.endswith(".*") else unit
            if module == exact or (unit.endswith(".*") and module.startswith(exact + ".")):
                specificity = len(exact) + (1 if not unit.endswith(".*") else 0)
                if best is None or specificity > best:
                    best, rank = specificity, index
    if rank is None:
        raise AssertionError(f"{module} is in no declared layer: add it to LAYERS in tests/test_layers.py")
    return rank


def where(found, module: str, line: int) -> str:
    return f"{found[module][2]}:{line}"


def upward(found, all_edges, layers=LAYERS) -> list[str]:
    """Each import that goes up the declared order, named by file, line and module."""
    return [f"{where(found, importer, line)} imports {imported}: {layers[layer_of(importer, layers)][0]} "
            f"may not import {layers[layer_of(imported, layers)][0]}, a layer above it"
            for importer, imported, line in all_edges
            if layer_of(imported, layers) > layer_of(importer, layers)]


def cycles(found, all_edges) -> list[str]:
    """Each cycle between files, as the chain of imports that makes it (Tarjan's components)."""
    graph: dict[str, dict[str, int]] = {name: {} for name in found}
    for importer, imported, line in all_edges:
        graph[importer].setdefault(imported, line)
    index, low, stack, on_stack, components = {}, {}, [], set(), []

    def visit(start):
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(component)

    for name in sorted(graph):
        if name not in index:
            visit(name)
    described = []
    for component in components:
        links = [f"{where(found, a, graph[a][b])} imports {b}"
                 for a in sorted(component) for b in sorted(graph[a]) if b in component]
        described.append("a cycle of " + ", ".join(sorted(component)) + ": " + "; ".join(links))
    return described


# -- the package -----------------------------------------------------------------------------------

FOUND = modules()
EDGES = edges(FOUND)


def test_no_import_goes_up_the_layers():
    problems = upward(FOUND, EDGES)
    assert not problems, "imports against the layers' order:\n" + "\n".join(problems)


def test_no_two_files_import_each_other_however_far_round():
    problems = cycles(FOUND, EDGES)
    assert not problems, "\n".join(problems)


def test_every_module_is_in_a_layer():
    for name in FOUND:
        layer_of(name)


def test_the_folder_graph_is_what_the_docs_draw():
    """docs/how-it-is-built.md lists the layers in this order, lowest first."""
    text = (PACKAGE.parent / "docs" / "how-it-is-built.md").read_text(encoding="utf-8")
    assert "\n## The layers\n" in text, "docs/how-it-is-built.md has no section '## The layers'"
    drawn = text.split("\n## The layers\n", 1)[1].split("\n## ", 1)[0]
    places = [drawn.find(f"**{name}**") for name, _ in LAYERS]
    assert -1 not in places, [name for (name, _), place in zip(LAYERS, places) if place == -1]
    assert places == sorted(places), "the docs draw the layers in another order than LAYERS"


def test_the_engine_sees_the_package():
    """The graph is not empty by mistake: the plugin imports judging, the probe the wire."""
    assert len(FOUND) > 60
    assert ("infocheck.plugin.outcomes", "infocheck.judging.judge") in {(a, b) for a, b, _ in EDGES}
    assert ("infocheck.wire.probe", "infocheck.wire.base_path") in {(a, b) for a, b, _ in EDGES}


# -- the engine, on small trees --------------------------------------------------------------------

def tree(tmp_path, files: dict[str, str]) -> dict[str, tuple[Path, bool, str]]:
    for name, text in files.items():
        path = tmp_path / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return modules(tmp_path / "pkg")


SMALL = (("low", ("pkg", "pkg.low.*")), ("high", ("pkg.high.*",)))


def test_a_lazy_import_inside_a_function_counts_and_is_named(tmp_path):
    found = tree(tmp_path, {"__init__.py": "", "low/__init__.py": "", "high/__init__.py": "",
                            "high/a.py": "X = 1\n",
                            "low/b.py": "import os\n\n\ndef f():\n    from pkg.high import a\n    return a\n"})
    problems = upward(found, edges(found, "pkg"), SMALL)
    assert problems == ["pkg/low/b.py:5 imports pkg.high.a: low may not import high, a layer above it"]


def test_a_type_checking_block_does_not_count_but_its_else_does(tmp_path):
    found = tree(tmp_path, {"__init__.py": "", "low/__init__.py": "", "high/__init__.py": "",
                            "high/a.py": "X = 1\n",
                            "low/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                        "    from pkg.high.a import X\n",
                            "low/c.py": "import typing\nif typing.TYPE_CHECKING:\n    pass\nelse:\n"
                                        "    import pkg.high.a\n"})
    assert [p.split(" ")[0] for p in upward(found, edges(found, "pkg"), SMALL)] == ["pkg/low/c.py:5"]


def test_relative_imports_are_resolved(tmp_path):
    found = tree(tmp_path, {"__init__.py": "", "low/__init__.py": "from ..high import a\n",
                            "high/__init__.py": "", "high/a.py": "from . import b\n", "high/b.py": "",
                            "low/c.py": "from .. import high\n"})
    assert sorted(edges(found, "pkg")) == [("pkg.high.a", "pkg.high.b", 1), ("pkg.low", "pkg.high.a", 1),
                                           ("pkg.low.c", "pkg.high", 1)]


def test_a_cycle_between_files_is_named_with_both_lines(tmp_path):
    found = tree(tmp_path, {"__init__.py": "", "low/__init__.py": "", "high/__init__.py": "",
                            "low/a.py": "from pkg.low.b import Y\nX = 1\n",
                            "low/b.py": "Y = 2\n\n\ndef f():\n    from pkg.low import a\n"})
    assert cycles(found, edges(found, "pkg")) == [
        "a cycle of pkg.low.a, pkg.low.b: pkg/low/a.py:1 imports pkg.low.b; pkg/low/b.py:5 imports pkg.low.a"]


def test_a_module_in_no_layer_is_named(tmp_path):
    with pytest.raises(AssertionError, match="pkg.other is in no declared layer"):
        layer_of("pkg.other", SMALL)


def test_the_registry_is_a_table_of_names():
    """The registry sits below configuration because it imports no contract (nor anything else of
    infocheck): a contract's package is found by its name when asked for."""
    assert [(a, b) for a, b, _ in EDGES if a == "infocheck.contracts"] == []
    assert layer_of("infocheck.contracts") < layer_of("infocheck.configuration.config") \
        < layer_of("infocheck.contracts.info.contract")
