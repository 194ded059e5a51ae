"""A contract is a unit (issue 25): the wheel carries every package and data file the tree has,
found rather than listed; a suite's file is imported by its path, so one named like a team's test
file, a self-test's, or another contract's never collides; the registry refuses a contract that
lacks a member of the `Contract` interface, in one line naming it."""
import subprocess
import sys
import types

import pytest

from harness import ROOT, run_suite


def tracked(*folders: str) -> list[str]:
    listed = subprocess.run(["git", "ls-files", "-z", "--", *folders], cwd=ROOT, capture_output=True)
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    return sorted(filter(None, listed.stdout.decode().split("\0")))


def layout(root=ROOT):
    sys.path.insert(0, str(ROOT))
    try:
        import setup
    finally:
        sys.path.remove(str(ROOT))
    return setup.layout(root)


def wheel_paths(root=ROOT) -> set[str]:
    """Where each file of the tree goes in the wheel, as setup.py's layout says."""
    packages, package_dir, package_data = layout(root)
    found = set()
    for package in packages:
        folder = package.replace(".", "/")
        found |= {f"{folder}/{name}" for name in package_data.get(package, [])}
        code = root / folder
        if code.is_dir():
            found |= {f"{folder}/{p.name}" for p in code.glob("*.py")}
    return found


def shipped_as(name: str) -> str:
    top = name.split("/", 1)[0]
    return f"infocheck/bundled/{name}" if top in ("suites", "schemas", "fixtures") else name


def test_the_wheel_layout_carries_every_file_of_the_package_and_the_data_folders():
    files = tracked("infocheck", "suites", "schemas", "fixtures")
    assert any(f.startswith("infocheck/contracts/models/") for f in files)
    missing = [f for f in files if shipped_as(f) not in wheel_paths()]
    assert missing == []


def test_a_new_contract_s_folders_are_found_without_naming_them(tmp_path):
    for name in ("infocheck/__init__.py", "infocheck/contracts/__init__.py",
                 "infocheck/contracts/health/__init__.py", "infocheck/contracts/health/contract.py",
                 "suites/health/test_status.py", "schemas/health/status.json",
                 "fixtures/health/requirements.json", "infocheck/reports/templates/x.html.j2",
                 "infocheck/reports/__init__.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("{}\n" if name.endswith(".json") else "\n")
    packages, _, data = layout(tmp_path)
    assert {"infocheck.contracts.health", "infocheck.bundled.suites.health"} <= set(packages)
    assert data["infocheck.bundled.suites.health"] == ["test_status.py"]
    assert data["infocheck.bundled.fixtures.health"] == ["requirements.json"]
    assert data["infocheck.reports"] == ["templates/x.html.j2"]


def test_a_team_s_test_file_named_like_a_suite_s_runs_beside_it(tmp_path):
    team = tmp_path / "team"
    team.mkdir()
    (team / "test_list.py").write_text("def test_the_team_s_own(models):\n    assert models\n")
    run = run_suite(tmp_path, "--contract", "models", str(ROOT / "suites"), str(team), html=False)
    assert run.code == 0, run.stdout[-3000:] + run.stderr[-2000:]
    ran = {r["test"] for r in run.report["results"]}
    assert any(t.endswith("test_list.py::test_the_team_s_own") for t in ran), ran
    assert any(t.startswith("suites/models/test_list.py::") for t in ran), ran


def test_a_suite_file_named_like_a_module_already_imported_is_collected(tmp_path, monkeypatch):
    # The forked suite inherits this process's modules: a self-test file named like a suite's
    # (tests/test_list.py beside suites/models/test_list.py) once made it "import file mismatch".
    stranger = types.ModuleType("test_list")
    stranger.__file__ = str(tmp_path / "test_list.py")
    monkeypatch.setitem(sys.modules, "test_list", stranger)
    run = run_suite(tmp_path, "--contract", "models", html=False)
    assert run.code == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert any(t.startswith("suites/models/test_list.py::") for t in
               (r["test"] for r in run.report["results"]))
