"""docs/configuration.md names every INFOCHECK_* variable infocheck reads besides the knobs'
(found trying to break issue 24: it listed six of the eight environment.py declares, and said a
name in other letter case is refused, which Windows, whose names have no case, cannot do)."""
from pathlib import Path

from infocheck.configuration import environment

DOC = (Path(__file__).resolve().parents[1] / "docs" / "configuration.md").read_text(encoding="utf-8")


def test_every_declared_variable_is_named_in_the_configuration_docs():
    assert [name for name in environment.INTERNAL if f"`{name}`" not in DOC] == []


def test_the_docs_say_where_letter_case_is_refused():
    assert "other letter case (`infocheck_endpoint`) where variable names have case" in DOC
    assert "On Windows they have none" in DOC
