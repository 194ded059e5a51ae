"""Mutation testing of the modules that decide verdicts: `python3 run.py mutate [MODULE ...]`.

Each module listed in targets.json is mutated by Cosmic Ray, one mutation at a time, in a copy
of the repository (the working tree is never touched), and the self-tests that pin it run
against each mutant. A mutant they do not notice is a survivor: kill it with a test, or list
it in equivalent.json with the reason it cannot change behaviour. Exit 0 when every survivor is
listed, 1 when some are not (they are printed), 3 when the tests fail unmutated.
"""
from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
TARGETS = json.loads((HERE / "targets.json").read_text())
EQUIVALENT = json.loads((HERE / "equivalent.json").read_text())
ANYWHERE = shutil.ignore_patterns(".git", ".venv*", "*.egg-info", "__pycache__", ".hypothesis")


def ignored(folder: str, names: list[str]) -> set[str]:
    """What the copy leaves out: build/ and reports/ only at the top (infocheck/reports/ is the
    reporters' package)."""
    top = {"build", "reports"} if Path(folder) == ROOT else set()
    return set(ANYWHERE(folder, names)) | (top & set(names))


def key(module: str, operator: str, line: str, target: str) -> tuple[str, str, str, str]:
    """A mutant as a person finds it again after edits elsewhere: the module, the operator,
    the source line, and the text the operator replaced."""
    return module, operator, line.strip(), target


def annotation_spans(source: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Where the module's annotations are, if it never evaluates them (PEP 563): a mutant there
    cannot change behaviour, so it needs no test and no entry of its own."""
    tree = ast.parse(source)
    postponed = any(isinstance(n, ast.ImportFrom) and n.module == "__future__"
                    and any(a.name == "annotations" for a in n.names) for n in tree.body)
    if not postponed:
        return []
    spans = []
    for node in ast.walk(tree):
        found = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found.append(node.returns)
            arguments = node.args
            found += [a.annotation for a in (*arguments.posonlyargs, *arguments.args,
                                             *arguments.kwonlyargs, arguments.vararg, arguments.kwarg) if a]
        elif isinstance(node, ast.AnnAssign):
            found.append(node.annotation)
        spans += [((n.lineno, n.col_offset), (n.end_lineno, n.end_col_offset)) for n in found if n]
    return spans


def environment(copy: Path, environ=None) -> dict:
    """The environment cosmic-ray and each mutant's tests run in: the copy first on PYTHONPATH.
    A self-test's own process imports the copy from the folder it starts in, but a process it
    starts with `python -P` (a fleet's target run, the fork server) does not put that folder on
    sys.path, and would import the editable install (the unmutated working tree) instead: its
    suite files then lie outside that package's contracts, and the run ends exit 4."""
    environ = dict(os.environ if environ is None else environ)
    environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(copy), environ.get("PYTHONPATH")]))
    return environ


# Run by the tool's own Python after `cosmic-ray init`: each mutant in an annotation the module
# never evaluates is recorded as skipped, so that no test runs for it (a module whose annotations
# are typed with `X | None` has eleven such mutants for each; every one would survive and run the
# module's whole target). ARGV: the session, the spans as JSON.
SKIP_ANNOTATIONS = """
import json, sys
from cosmic_ray.work_db import WorkDB, use_db
from cosmic_ray.work_item import WorkerOutcome, WorkResult
spans = [(tuple(start), tuple(end)) for start, end in json.loads(sys.argv[2])]
with use_db(sys.argv[1], WorkDB.Mode.open) as db:
    jobs = [item.job_id for item in db.pending_work_items
            if any(start <= tuple(item.mutations[0].start_pos) < end for start, end in spans)]
    if jobs:
        db.set_multiple_results(jobs, WorkResult(output="in an annotation never evaluated",
                                                 worker_outcome=WorkerOutcome.SKIPPED))
"""


def in_annotations(job: dict, annotations) -> bool:
    return any(start <= tuple(job["mutations"][0]["start_pos"]) < end for start, end in annotations)


def survivors_known() -> set:
    return {key(e["module"], e["operator"], e["line"], e["target"]) for e in EQUIVALENT}


def mutate(module: str, cosmic_ray: str, python: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="infocheck-mutation-") as scratch:
        copy = Path(scratch) / "tree"
        shutil.copytree(ROOT, copy, ignore=ignored)
        tests = " ".join(json.dumps(a) if " " in a else f"tests/{a}" if a.endswith(".py") else a
                         for a in TARGETS[module])
        # With the self-tests' configuration; in-process and stopping at the first failure.
        command = (f"{python} -m pytest -c tests/pytest.ini --rootdir tests -q -x -n 0 "
                   f"-p no:randomly -p no:cacheprovider {tests}")
        config = copy / "mutation.toml"
        config.write_text(
            "[cosmic-ray]\n"
            f"module-path = {json.dumps(str(copy / module))}\n"
            "timeout = 120.0\nexcluded-modules = []\n"
            f"test-command = {json.dumps(command)}\n"
            '[cosmic-ray.distributor]\nname = "local"\n')
        session = copy / "mutation.sqlite"
        env = environment(copy)
        text = (copy / module).read_text()
        source, annotations = text.splitlines(), annotation_spans(text)
        tool = str(Path(cosmic_ray).with_name("python.exe" if os.name == "nt" else "python"))
        for step in (["init", str(config), str(session)],
                     ["-c", SKIP_ANNOTATIONS, str(session), json.dumps(annotations)],
                     ["baseline", str(config)], ["exec", str(config), str(session)]):
            program = tool if step[0] == "-c" else cosmic_ray
            done = subprocess.run([program, *step], cwd=copy, capture_output=True, text=True, env=env)
            if done.returncode != 0:
                print(f"mutate: {module}: cosmic-ray {step[0]} failed "
                      f"(do its tests pass unmutated?)\n{done.stdout[-2000:]}{done.stderr[-2000:]}",
                      file=sys.stderr)
                sys.exit(3)
        dump = subprocess.run([cosmic_ray, "dump", str(session)], capture_output=True, text=True,
                              check=True).stdout
        results = {"killed": 0, "survived": [], "other": 0, "annotations": 0}
        for line in dump.splitlines():
            job, result = json.loads(line)
            outcome = (result or {}).get("test_outcome")
            if outcome == "killed":
                results["killed"] += 1
            elif (outcome == "survived" or (result or {}).get("worker_outcome") == "skipped") \
                    and in_annotations(job, annotations):   # skipped: never run (SKIP_ANNOTATIONS)
                results["annotations"] += 1
            elif outcome == "survived":
                mutation = job["mutations"][0]
                (row, start), (end_row, end) = mutation["start_pos"], mutation["end_pos"]
                target = source[row - 1][start:end] if end_row == row else source[row - 1][start:]
                results["survived"].append(
                    key(module, mutation["operator_name"], source[row - 1], target) + (row,))
            else:
                results["other"] += 1   # incompetent (the mutant cannot even be imported), timeouts
        if results["other"] and not results["killed"] and not results["survived"]:
            print(f"mutate: {module}: no mutant could be tested:\n{dump[:3000]}", file=sys.stderr)
            sys.exit(3)
        return results


def main(argv: list[str]) -> int:
    cosmic_ray, python = argv[0], argv[1]
    modules = argv[2:] or list(m for m in TARGETS if not m.startswith("$"))
    unknown = [m for m in modules if m not in TARGETS]
    if unknown:
        print(f"mutate: no tests are named for {', '.join(unknown)} in tests/mutation/targets.json",
              file=sys.stderr)
        return 4
    known, unexplained, total_killed, total = survivors_known(), [], 0, 0
    for module in modules:
        started = time.monotonic()
        results = mutate(module, cosmic_ray, python)
        survived = results["survived"]
        count = results["killed"] + len(survived) + results["annotations"]
        listed = [s for s in survived if s[:4] in known]
        fresh = [s for s in survived if s[:4] not in known]
        unexplained += fresh
        total_killed += results["killed"] + results["annotations"] + len(listed)
        total += count
        incompetent = f", {results['other']} incompetent or timed out" if results["other"] else ""
        print(f"{module}: {results['killed']}/{count} mutants killed, {results['annotations']} in "
              f"annotations never evaluated, {len(listed)} listed as equivalent, "
              f"{len(survived) - len(listed)} unexplained{incompetent} "
              f"({time.monotonic() - started:.0f} s)", flush=True)
        for _, operator, line, target, row in fresh:
            print(f"  survived: {module}:{row} {operator} on {target!r}: {line}", flush=True)
    if unexplained:   # ready to paste into equivalent.json, once a reason is written
        print(json.dumps([{"module": m, "operator": o, "line": line, "target": t, "reason": "?"}
                          for m, o, line, t, _ in unexplained], indent=1, ensure_ascii=False))
    if total:
        print(f"score: {total_killed}/{total} killed or shown equivalent "
              f"({100 * total_killed / total:.1f} %)")
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
