"""The alert rules docs/watching.md gives (docs/alerts.yml) work (issue 28): `promtool check
rules` finds them valid, and `promtool test rules` (tests/alerts_test.yml) fires each, the Sunset
alert 30 days before the date and not before; the same unit test fails on rules whose Sunset
threshold is not 30 days, so it does test that. The watching doc ships this file's rules. Skip,
saying so, without promtool; INFOCHECK_REQUIRE_PROMETHEUS=1 (.ci/run) makes that a failure."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from harness import ROOT

RULES = ROOT / "docs" / "alerts.yml"
UNIT = ROOT / "tests" / "alerts_test.yml"


def promtool() -> str:
    found = shutil.which("promtool") or ("/usr/bin/promtool" if Path("/usr/bin/promtool").is_file() else None)
    if found is None:
        if os.environ.get("INFOCHECK_REQUIRE_PROMETHEUS") == "1":
            pytest.fail("promtool is not installed, and INFOCHECK_REQUIRE_PROMETHEUS=1 needs it")
        pytest.skip("promtool is not installed (Debian's prometheus package); .ci/run installs it")
    return found


def run(*args, cwd=None):
    return subprocess.run([promtool(), *args], capture_output=True, text=True, timeout=120, cwd=cwd)


def test_the_shipped_rules_are_valid():
    checked = run("check", "rules", str(RULES))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS: 5 rules found" in checked.stdout


def test_the_unit_test_fires_every_alert_and_the_sunset_one_30_days_before():
    tested = run("test", "rules", UNIT.name, cwd=UNIT.parent)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    text = UNIT.read_text()
    for alert in ("InfocheckSunsetWithin30Days", "InfocheckTargetNotConformant",
                  "InfocheckMustRequirementFailed", "InfocheckWatcherBroken", "InfocheckWatcherStale"):
        assert f"alertname: {alert}" in text and f"alert: {alert}" in RULES.read_text()


def test_the_unit_test_fails_on_a_sunset_threshold_other_than_30_days(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "tests").mkdir()
    rules = RULES.read_text()
    assert rules.count("< 30 * 24 * 3600") == 1
    (tmp_path / "docs" / "alerts.yml").write_text(rules.replace("< 30 * 24 * 3600", "< 20 * 24 * 3600"))
    shutil.copy(UNIT, tmp_path / "tests" / UNIT.name)
    tested = run("test", "rules", UNIT.name, cwd=tmp_path / "tests")
    assert tested.returncode != 0 and "InfocheckSunsetWithin30Days" in tested.stdout + tested.stderr


def test_the_watching_doc_gives_these_rules():
    doc = (ROOT / "docs" / "watching.md").read_text()
    assert "[alerts.yml](alerts.yml)" in doc
    for line in ("expr: infocheck_target_sunset_timestamp_seconds - time() < 30 * 24 * 3600",):
        assert line in RULES.read_text() and line in doc
