"""Hypothesis's files stay out of the user's folder (issue 27): an infocheck run leaves no
`.hypothesis/` in the folder it runs from (its caches go to infocheck's folder in the user's
cache home, or where HYPOTHESIS_STORAGE_DIRECTORY says); and the installed plugin, in an
unrelated project, registers no profile and moves nothing of Hypothesis's."""
import subprocess
import sys
from pathlib import Path

import pytest

from harness import clean_env


def hypothesis_home(*args):
    from infocheck.plugin.hypothesis_profiles import hypothesis_home as where
    return where(*args)


def run(args, cwd, env, timeout=300):
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def homes(tmp_path: Path) -> dict:
    """A cache home (and a home) of the test's own, wherever the platform looks for it."""
    (tmp_path / "home").mkdir()
    return {"XDG_CACHE_HOME": str(tmp_path / "cache"), "HOME": str(tmp_path / "home"),
            "USERPROFILE": str(tmp_path / "home"), "LOCALAPPDATA": str(tmp_path / "cache")}


def everything_under(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")}


def test_a_run_leaves_no_hypothesis_folder_where_it_ran(tmp_path):
    cwd = tmp_path / "work"
    cwd.mkdir()
    env = clean_env(**homes(tmp_path))
    result = run(["-m", "infocheck", "-q", "--embedded"], cwd, env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert everything_under(cwd) == {"reports", "reports/infocheck.html", "reports/infocheck.json",
                                     "reports/junit.xml"}
    # Hypothesis did keep its caches (so the claim was tested): in infocheck's folder of the cache home.
    cache = hypothesis_home(env)
    assert cache is not None and cache.is_relative_to(tmp_path) and any(cache.iterdir()), \
        everything_under(tmp_path)


def test_hypothesis_storage_directory_is_the_users_choice(tmp_path):
    cwd, chosen = tmp_path / "work", tmp_path / "chosen"
    cwd.mkdir()
    env = clean_env(HYPOTHESIS_STORAGE_DIRECTORY=str(chosen), **homes(tmp_path))
    result = run(["-m", "infocheck", "-q", "--embedded", "--report-dir", str(tmp_path / "out")], cwd, env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert everything_under(cwd) == set() and any(chosen.iterdir())
    assert not (tmp_path / "cache" / "infocheck").exists()


def test_the_thorough_profile_is_there_for_a_run(tmp_path):
    env = clean_env(**homes(tmp_path))
    result = run(["-m", "infocheck", "-q", "--embedded", "--hypothesis-profile=thorough",
                  "--report-dir", str(tmp_path / "out"), "-k", "api_version"], tmp_path, env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "not registered" not in result.stdout + result.stderr


UNRELATED = '''
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.configuration import storage_directory
from hypothesis.errors import InvalidArgument


@given(st.text())
def test_a_property(text):
    assert isinstance(text, str)


@pytest.mark.parametrize("name", ["gate", "thorough"])
def test_no_profile_of_infocheck(name):
    with pytest.raises(InvalidArgument):
        settings.get_profile(name)


def test_hypothesis_keeps_its_own_folder():
    assert storage_directory().path.resolve() == (__import__("pathlib").Path.cwd() / ".hypothesis").resolve()
'''


def test_an_unrelated_project_keeps_hypothesis_as_it_was(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "test_unrelated.py").write_text(UNRELATED)
    env = clean_env(**homes(tmp_path))
    result = run(["-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly"], project, env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "4 passed" in result.stdout
    assert not (tmp_path / "cache" / "infocheck").exists()


@pytest.mark.parametrize("environ, platform, os_name, expected", [
    ({"XDG_CACHE_HOME": "/x/cache"}, "linux", "posix", "/x/cache/infocheck/hypothesis"),
    ({"XDG_CACHE_HOME": "relative"}, "linux", "posix", str(Path.home() / ".cache/infocheck/hypothesis")),
    ({}, "linux", "posix", str(Path.home() / ".cache/infocheck/hypothesis")),
    ({}, "darwin", "posix", str(Path.home() / "Library/Caches/infocheck/hypothesis")),
    ({"LOCALAPPDATA": str(Path.home() / "AppData/Local")}, "win32", "nt",
     str(Path.home() / "AppData/Local/infocheck/hypothesis")),
    ({}, "win32", "nt", None),
])
def test_the_cache_home_of_each_platform(environ, platform, os_name, expected):
    found = hypothesis_home(environ, platform, os_name)
    assert (None if found is None else found.as_posix()) == (expected and Path(expected).as_posix())
