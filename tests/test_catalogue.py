"""The requirement catalogue is the single source: every requirement has a test in suites/
and a faulty server that breaks it; every test names only catalogued requirements."""
import ast
from pathlib import Path

from faults import FAULTS
from infocheck.judging.catalogue import builtin

SUITES = Path(__file__).resolve().parent.parent / "suites" / "info"


def suite_tests():
    """(test name, requirement ids) for every test function in suites/, read from the source."""
    found = []
    for path in sorted(SUITES.glob("test_*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                ids = [arg.value for d in node.decorator_list if isinstance(d, ast.Call)
                       and getattr(d.func, "id", getattr(d.func, "attr", "")) == "requirement"
                       for arg in d.args]
                found.append((f"{path.name}::{node.name}", ids))
    return found


def test_every_test_names_a_catalogued_requirement():
    for name, ids in suite_tests():
        assert ids, f"{name} names no requirement"
        unknown = set(ids) - set(builtin())
        assert not unknown, f"{name} names {unknown}, which are not in the catalogue"


def test_every_requirement_has_a_test():
    tested = {i for _, ids in suite_tests() for i in ids}
    assert set(builtin()) - tested == set()


def test_every_requirement_is_caught_by_a_faulty_server():
    caught = set()
    for fault in FAULTS.values():
        caught |= fault.failed | fault.findings
    assert set(builtin()) - caught == set()


def test_fault_levels_match_the_catalogue():
    for name, fault in FAULTS.items():
        assert all(builtin()[r].level == "MUST" for r in fault.failed), name
        assert all(builtin()[r].level == "SHOULD" for r in fault.findings), name


def test_universal_requirements_are_catalogued_musts():
    assert builtin().universal and all(builtin()[r].level == "MUST" for r in builtin().universal)
