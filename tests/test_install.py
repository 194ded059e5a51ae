"""infocheck as users get it: a wheel built from this tree, installed into a new virtual
environment, runs from any folder as `infocheck`, and stays inert in an unrelated project.
The new environment takes its dependencies from this one (a path in a .pth file), so nothing
is downloaded; every server is on loopback."""
import json
import shutil
import subprocess
import sys
import urllib.request

import pytest

from faults import IgnoresTheScheme
from harness import HANG, KEY, ROOT, checkout, clean_env, linked_venv, serve
from infocheck import __version__
from infocheck.contracts.info.server import InfoHandler



def run(command, cwd=None, env=None, timeout=HANG) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in command], cwd=cwd, env=env or clean_env(),
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    """A new virtual environment with infocheck installed from a wheel."""
    tmp = tmp_path_factory.mktemp("install")
    # Built from a copy: setuptools' build/ folder in the working tree is never shared or left stale.
    built = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                 "-w", tmp / "wheels", checkout(tmp / "source")])
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next((tmp / "wheels").glob("infocheck-*.whl"))
    linked_venv(tmp / "venv")
    installed = run([sys.executable, "-m", "pip", "--python", tmp / "venv" / "bin" / "python",
                     "install", "--no-deps", "--no-index", "-q", wheel])
    assert installed.returncode == 0, installed.stderr[-2000:]
    return tmp / "venv" / "bin"


def test_infocheck_comes_from_the_wheel_with_its_data(venv):
    found = run([venv / "python", "-c", "import infocheck, infocheck.bundle as b; "
                 "print(infocheck.__file__); print(b.folder('schemas'))"])
    module, schemas = found.stdout.split()
    assert str(venv.parent) in module and str(venv.parent) in schemas, found.stdout
    for command in ([venv / "infocheck", "--version"], [venv / "python", "-m", "infocheck", "--version"]):
        assert run(command).stdout.strip() == f"infocheck {__version__}"


def test_the_command_in_an_empty_folder_checks_the_embedded_server(venv, tmp_path):
    result = run([venv / "infocheck", "-q", "--embedded"], cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert {p.name for p in (tmp_path / "reports").iterdir()} >= {"infocheck.html", "junit.xml",
                                                                   "infocheck.json"}
    report = json.loads((tmp_path / "reports" / "infocheck.json").read_text())
    assert (report["verdict"], report["embedded_server"]) == ("CONFORMANT", True)


def test_the_bare_command_checks_the_embedded_server_but_cannot_pass(venv, tmp_path):
    result = run([venv / "infocheck", "-q"], cwd=tmp_path)
    assert result.returncode == 2, result.stdout[-3000:] + result.stderr[-2000:]
    report = json.loads((tmp_path / "reports" / "infocheck.json").read_text())
    assert (report["verdict"], report["embedded_server"]) == ("COULD NOT TEST", True)
    assert report["requests"]["sent"] > 0   # it was checked all the same


def test_the_command_against_a_faulty_endpoint_exits_1_with_pytest_options_passed(venv, tmp_path):
    waivers = tmp_path / "elsewhere" / "w.json"
    waivers.parent.mkdir()
    waivers.write_text("[]")
    with serve(IgnoresTheScheme) as server:  # path options work spaced, from any folder
        result = run([venv / "infocheck", "--endpoint", server.url, "--waivers", waivers, "-m", "auth"],
                     cwd=tmp_path, env=clean_env(INFOCHECK_API_KEY=KEY))
    assert result.returncode == 1, result.stdout[-3000:]
    assert "AUTH-MALFORMED" in result.stdout and "test_response_shape" not in result.stdout


def test_an_unrelated_project_runs_exactly_as_before(venv, tmp_path):
    hits = []

    class Recording(InfoHandler):
        def serve(self, head):
            hits.append(self.path)
            super().serve(head)

    (tmp_path / "test_thing.py").write_text("def test_ok():\n    assert 1\n\n"
                                            "def test_fails():\n    assert 1 == 2\n")
    with serve(Recording) as server:  # even with infocheck's variables set in the environment
        result = run([venv / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=tmp_path,
                     env=clean_env(INFOCHECK_ENDPOINT=server.url, INFOCHECK_API_KEY=KEY))
    assert result.returncode == 1, result.stdout[-2000:]
    assert "1 failed, 1 passed" in result.stdout
    assert "infocheck" not in (result.stdout + result.stderr).lower()
    assert not (tmp_path / "reports").exists() and hits == []


def test_importing_infocheck_changes_no_global_state(venv):
    code = ("from hypothesis import settings; before = settings.get_current_profile_name(); "
            "import infocheck.plugin, infocheck.cli; "
            "print(before, settings.get_current_profile_name())")
    before, after = run([venv / "python", "-c", code]).stdout.split()
    assert before == after  # "default", or "ci" where CI is set


def test_the_reference_server_command(venv):
    server = subprocess.Popen([str(venv / "infocheck"), "serve", "--port", "0", "--quiet"],
                              stdout=subprocess.PIPE, text=True, env=clean_env(INFOCHECK_API_KEY=KEY))
    try:
        url = server.stdout.readline().split(": ", 1)[1].strip()
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {KEY}"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 200 and json.loads(answer.read())["model_name"]
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_a_teams_own_tests_run_with_the_installed_suites(venv, tmp_path):
    """The worked example, copied out of the repository: the installed plugin's fixtures and
    the public surface are all it needs; it runs in parallel, from its own folder."""
    team = tmp_path / "acme"
    shutil.copytree(ROOT / "docs" / "team-example", team)
    result = run([venv / "infocheck", "-q", "--embedded", "-n", "2", "acme", "--requirements",
                  "acme/acme-requirements.json", "--policy", "acme/acme-policy.json"], cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    report = json.loads((tmp_path / "reports" / "infocheck.json").read_text())
    verdicts = {r["id"]: (r["catalogue"], r["verdict"]) for r in report["requirements"]}
    assert verdicts["ACME-REQUEST-ID"] == ("ACME", "passed")
    assert verdicts["AUTH-CHALLENGE"] == ("infocheck", "ignored")


def test_the_public_surface_resolves(venv, tmp_path):
    names = run([venv / "python", "-c", "import infocheck; print([n for n in infocheck.__all__ "
                 "if getattr(infocheck, n, None) is None])"])
    assert names.stdout.strip() == "[]", names.stderr
    from infocheck import FIXTURES
    (tmp_path / "test_surface.py").write_text(
        f"def test_every_promised_fixture({', '.join(FIXTURES)}):\n"
        "    assert info.api_version == api_version == infocheck_config.api_version\n"
        "    assert baseline is working_baseline and deployment in infocheck_config.deployments\n")
    result = run([venv / "infocheck", "-q", "--embedded", "-k", "promised", tmp_path], cwd=tmp_path)
    assert result.returncode == 0 and "2 passed" in result.stdout, result.stdout[-3000:]  # a deployment each


# As on Windows: no fcntl to import, no os.fork to call. Set before anything is imported.
WITHOUT_POSIX = "import os, sys; sys.modules['fcntl'] = None; del os.fork\n"


def test_without_fork_and_fcntl_an_unrelated_project_is_untouched_and_infocheck_passes(venv, tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "test_thing.py").write_text("def test_ok():\n    assert 1\n")
    unrelated = run([venv / "python", "-c", WITHOUT_POSIX + "import pytest; sys.exit(pytest.main(['-q', "
                     "'-p', 'no:cacheprovider']))"], cwd=project)
    assert unrelated.returncode == 0, unrelated.stdout[-2000:] + unrelated.stderr[-2000:]
    assert "1 passed" in unrelated.stdout and "infocheck" not in (unrelated.stdout + unrelated.stderr).lower()
    default = clean_env()
    del default["INFOCHECK_CONCURRENCY"]   # the default, 5: it cannot shard here, and says so
    checked = run([venv / "python", "-c", WITHOUT_POSIX + "from infocheck.cli import main; "
                   "sys.exit(main(['-q', '--embedded']))"], cwd=tmp_path, env=default)
    assert checked.returncode == 0, checked.stdout[-3000:] + checked.stderr[-2000:]
    report = json.loads((tmp_path / "reports" / "infocheck.json").read_text())
    assert report["verdict"] == "CONFORMANT"
    assert report["configuration"]["concurrency"] == (
        "5 (this platform has no os.fork, so the tests run one after another)")
    assert "Traceback" not in checked.stdout + checked.stderr
