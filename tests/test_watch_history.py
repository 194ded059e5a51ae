"""`infocheck watch --history URL` (issue 28): every cycle of the watcher is recorded in the
history store, and `infocheck history` and `can-i-deploy` read the cycles back, as data."""
from __future__ import annotations

import json

from harness import KEY, serve
from infocheck.cli import main as infocheck
from watching import fleet_file, start


def test_every_cycle_of_the_watcher_is_recorded_in_the_history_store(tmp_path, capsys):
    store = f"sqlite:///{(tmp_path / 'history.db').as_posix()}"
    with serve() as good:
        fleet = fleet_file(tmp_path, [{"name": "eastus2", "endpoint": good.url, "api_key_env": "KEY_ONE"}])
        watcher = start(tmp_path, fleet, "--every", "1s", "--fleet-target-timeout", "300", "--cycles", "2",
                        "--history", store,
                        env={"KEY_ONE": KEY})
        try:
            out, err = watcher.communicate(timeout=600)
        finally:
            if watcher.poll() is None:
                watcher.kill()
    assert watcher.returncode == 0, out + err
    assert infocheck(["history", "--history", store, "--json", str(tmp_path / "h.json")]) == 0
    doc = json.loads((tmp_path / "h.json").read_text(encoding="utf-8"))
    (target,) = doc["targets"]
    assert target["target"] == "eastus2"
    assert target["runs"] == 2 and target["verdicts"] == {"CONFORMANT": 2}
    assert infocheck(["can-i-deploy", "eastus2", "--history", store, "--window", "1h",
                      "--min-runs", "2"]) == 0
    capsys.readouterr()
    assert KEY not in (tmp_path / "history.db").read_bytes().decode("latin-1")
