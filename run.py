#!/usr/bin/env python3
"""Bootstrap and run infocheck. Needs only Python 3.11+ and access to the package index.

    python3 run.py suite [pytest options]      the conformance suite (--embedded if no endpoint)
    python3 run.py self-test [pytest options]  the project's own tests
    python3 run.py lock                        re-pin requirements.lock from requirements.in
    python3 run.py mutate [MODULE ...]         mutation testing (slow; see README)

Creates .venv/ at the repository root when missing, installs requirements.lock into it and
infocheck itself in editable mode (again whenever the lock file or pyproject.toml changes), then
hands over to pytest in that environment.
"""
import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
# INFOCHECK_VENV: another environment for another Python (CI checks command 1 under each).
VENV = ROOT / os.environ.get("INFOCHECK_VENV", ".venv")
LOCK = ROOT / "requirements.lock"
PROJECT = ROOT / "pyproject.toml"
STAMP = VENV / ".infocheck-lock.sha256"
EXIT_INTERNAL, EXIT_USAGE = 3, 4
USAGE = ("usage: python3 run.py suite|self-test [pytest options] | python3 run.py lock | "
         "python3 run.py mutate [MODULE ...]")
MUTATION_VENV = ROOT / ".venv-mutation"
MUTATION_LOCK = ROOT / "tests" / "mutation" / "requirements.lock"


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def die(message: str, code: int = EXIT_INTERNAL):
    print(f"infocheck: {message}", file=sys.stderr)
    sys.exit(code)


def pip(python: Path, *args: str) -> None:
    result = subprocess.run([str(python), "-m", "pip", "--disable-pip-version-check", "-q", *args],
                            capture_output=True, text=True)
    if result.returncode != 0:
        detail = (result.stderr.strip().splitlines() or ["no output"])[-1]
        die(f"could not install dependencies ({detail}); is the package index reachable?")


def ensure_venv() -> Path:
    python = venv_python(VENV)
    digest = hashlib.sha256(LOCK.read_bytes() + PROJECT.read_bytes()).hexdigest()
    if python.exists() and STAMP.exists() and STAMP.read_text().strip() == digest:
        return python
    if not python.exists():
        print("infocheck: creating .venv/ ...", file=sys.stderr)
        result = subprocess.run([sys.executable, "-m", "venv", str(VENV)], capture_output=True, text=True)
        if result.returncode != 0:
            die("could not create .venv/ (on Debian/Ubuntu: apt-get install python3-venv): "
                + (result.stderr.strip().splitlines() or ["?"])[-1])
    print("infocheck: installing pinned dependencies from requirements.lock ...", file=sys.stderr)
    pip(python, "install", "-r", str(LOCK))
    # The project itself, editable: the infocheck command and its pytest11 entry point.
    pip(python, "install", "--no-deps", "--no-build-isolation", "-e", str(ROOT))
    STAMP.write_text(digest + "\n")
    return python


def mutate(python: Path, modules: list[str]) -> int:
    """Mutation testing (slow; not part of CI): Cosmic Ray in an environment of its own."""
    tool = venv_python(MUTATION_VENV)
    stamp = MUTATION_VENV / ".infocheck-lock.sha256"
    digest = hashlib.sha256(MUTATION_LOCK.read_bytes()).hexdigest()
    if not (tool.exists() and stamp.exists() and stamp.read_text().strip() == digest):
        print("infocheck: installing the mutation-testing tool into .venv-mutation/ ...", file=sys.stderr)
        result = subprocess.run([sys.executable, "-m", "venv", str(MUTATION_VENV)], capture_output=True, text=True)
        if result.returncode != 0:
            die("could not create .venv-mutation/: " + (result.stderr.strip().splitlines() or ["?"])[-1])
        pip(tool, "install", "-r", str(MUTATION_LOCK))
        stamp.write_text(digest + "\n")
    cosmic_ray = tool.parent / ("cosmic-ray.exe" if os.name == "nt" else "cosmic-ray")
    return subprocess.call([str(python), str(ROOT / "tests" / "mutation" / "mutate.py"),
                            str(cosmic_ray), str(python), *modules])


def lock() -> int:
    with tempfile.TemporaryDirectory() as scratch:
        subprocess.run([sys.executable, "-m", "venv", scratch], check=True)
        python = venv_python(Path(scratch))
        pip(python, "install", "-r", str(ROOT / "requirements.in"))
        frozen = subprocess.run([str(python), "-m", "pip", "freeze", "--all", "--exclude", "pip",
                                 "--exclude", "wheel"],
                                capture_output=True, text=True, check=True).stdout
    LOCK.write_text("# Produced by: python3 run.py lock (from requirements.in). Do not edit by hand.\n"
                    + frozen)
    print(f"wrote {LOCK.name}")
    return 0


SUBCOMMANDS = ("serve", "merge", "diff", "watch", "history", "badge", "can-i-deploy", "help", "version", "--version")
NAMED = {"--endpoint": "INFOCHECK_ENDPOINT", "--embedded": "INFOCHECK_EMBEDDED",
         "--fleet": "INFOCHECK_FLEET"}


def embedded_default(args: list[str], environ) -> list[str]:
    """Command 1 checks the embedded reference server when no endpoint is named: the command
    asks for it explicitly (--embedded), since `infocheck` without an endpoint cannot pass. Not
    when an endpoint, a fleet or --embedded is named as an option or a variable (set, even
    empty: an undefined CI variable is the command's usage error), nor for a subcommand."""
    if args[:1] and args[0] in SUBCOMMANDS:
        return []
    options = args[:args.index("--")] if "--" in args else args
    words = {arg.split("=", 1)[0] for arg in options}
    if any(option in words or variable in environ for option, variable in NAMED.items()):
        return []
    return ["--embedded"]


def main(argv: list[str]) -> int:
    if sys.version_info < (3, 11):
        die(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}", EXIT_USAGE)
    if not argv or argv[0] not in ("suite", "self-test", "lock", "mutate"):
        die(USAGE, EXIT_USAGE)
    if argv[0] == "lock":
        return lock()
    python = ensure_venv()
    if argv[0] == "mutate":
        return mutate(python, argv[1:])
    if argv[0] == "suite":
        # The infocheck command: it gives pytest its configuration and rootdir explicitly, so
        # no option's spelling (--policy /elsewhere/p.json) can change what is collected.
        command = [str(python), "-m", "infocheck", *embedded_default(argv[1:], os.environ), *argv[1:]]
    else:
        # From tests/, so pytest finds the self-tests' pytest.ini (the conformance plugin is
        # installed there but inert: nothing asks for it).
        command = [str(python), "-m", "pytest", *argv[1:]]
        os.chdir(ROOT / "tests")
    if os.name == "nt":
        return subprocess.call(command)
    os.execv(command[0], command)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
