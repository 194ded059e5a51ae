"""The mutation copy is what every process of a mutant's tests imports: a process a self-test
starts with `python -P` (a fleet's target run, the fork server) imports infocheck from the copy
cosmic-ray mutates, not from the editable install of the working tree (where a fleet's targets
found the copy's suite files outside their package's contracts and ended exit 4)."""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _mutate():
    spec = importlib.util.spec_from_file_location("mutate_tool", ROOT / "tests" / "mutation" / "mutate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_child_started_with_dash_p_imports_the_copys_package(tmp_path):
    copy = tmp_path / "tree"
    (copy / "infocheck").mkdir(parents=True)
    (copy / "infocheck" / "__init__.py").write_text("WHERE = 'the mutation copy'\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    plain = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}   # SYSTEMROOT etc. on Windows
    env = _mutate().environment(copy, dict(plain, PYTHONPATH=str(elsewhere)))
    assert env["PYTHONPATH"].split(os.pathsep) == [str(copy), str(elsewhere)]   # what was there stays, after
    child = subprocess.run([sys.executable, "-P", "-c", "import infocheck; print(infocheck.WHERE)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert (child.returncode, child.stdout.strip()) == (0, "the mutation copy"), child.stderr[-800:]
    # without the copy on the path the same child imports another infocheck (the editable install)
    bare = subprocess.run([sys.executable, "-P", "-c", "import infocheck; print(getattr(infocheck, 'WHERE', ''))"],
                          cwd=copy, env=plain, capture_output=True, text=True,
                          timeout=60)
    assert bare.stdout.strip() != "the mutation copy"


def test_the_environment_without_a_pythonpath_is_the_copy_alone(tmp_path):
    env = _mutate().environment(tmp_path, {"HOME": "/home/ci"})
    assert env == {"HOME": "/home/ci", "PYTHONPATH": str(tmp_path)}


def test_a_mutant_in_an_annotation_never_evaluated_is_known_before_it_is_run():
    """mutate.py records such mutants as skipped (no test runs for them) and counts them as
    annotations: a mutant of `int | None` in a module under PEP 563, not one in its body."""
    mutate = _mutate()
    source = ("from __future__ import annotations\n"
              "def f(x: int | None) -> str | None:\n"
              "    return x | 1\n")
    spans = mutate.annotation_spans(source)
    job = lambda row, column: {"mutations": [{"start_pos": [row, column]}]}   # as cosmic-ray dumps it
    assert mutate.in_annotations(job(2, 13), spans) and mutate.in_annotations(job(2, 29), spans)
    assert not mutate.in_annotations(job(3, 13), spans)                        # x | 1 runs
    assert mutate.annotation_spans(source.split("\n", 1)[1]) == []           # evaluated: none skipped
