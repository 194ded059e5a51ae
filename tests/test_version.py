"""One version (issue 27): infocheck/__init__.py's __version__ is the package's only version;
the package metadata reads it, every doc and recipe pins that version's tag and no other (docs
once pinned v1.2.0, which did not exist), and CHANGELOG.md's newest release is it."""
from __future__ import annotations

import re
import tomllib

from harness import ROOT
from infocheck import __version__

PINNED = re.compile(r"infocheck(?:@|/)v?(\d+(?:\.\d+)*)\b")


def texts():
    names = ["README.md", "action.yml", "CHANGELOG.md", *(p.relative_to(ROOT).as_posix() for p in
             [*(ROOT / "docs").rglob("*.md"), *(ROOT / ".github").rglob("*.yml")])]
    return {name: (ROOT / name).read_text(encoding="utf-8") for name in names}


def test_the_package_metadata_reads_the_one_version():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"] and project["project"]["dynamic"] == ["version"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "infocheck.__version__"}
    assert "version" not in (ROOT / "setup.py").read_text().split('if __name__ == "__main__":')[1]
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)


def test_every_pin_of_infocheck_is_the_current_version():
    pins = {(name, found) for name, text in texts().items() for found in PINNED.findall(text)}
    assert pins, "no doc pins infocheck"
    assert {found for _, found in pins} == {__version__}, sorted(p for p in pins if p[1] != __version__)
    assert any(name == "docs/ci.md" for name, _ in pins)


def test_the_changelog_s_newest_release_is_the_version_and_unreleased_is_above_it():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    sections = re.findall(r"^## \[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?$", text, re.M)
    assert sections[0] == ("Unreleased", "")
    assert sections[1][0] == __version__ and sections[1][1]
    for name, _ in sections:
        assert re.search(rf"^\[{re.escape(name)}\]: https://", text, re.M), name
    assert "keepachangelog.com" in text
