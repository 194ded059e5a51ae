"""The watcher's Prometheus metrics (issue 28), from a real watcher on loopback whose fleet is a
conformant endpoint, a faulty one, a retiring one (Sunset) that answers with another key, and
one that echoes the key it is sent (and so fails AUTH-NO-ECHO): each target's conformance and exit code, each failed
requirement, the Sunset date, the cycles' counts and times, read with the client library's own
parser. No form of either key in the metrics or anything the watcher writes; each target's
endpoint saw only its own key (a fleet's isolation, unchanged under the watcher). The real
parts: `promtool check metrics` on the exposition, and a real Prometheus (Debian's) that scrapes
the watcher, answers a target's conformance through its query API and fires the shipped 30-day
Sunset alert. Without Prometheus these skip, saying so; INFOCHECK_REQUIRE_PROMETHEUS=1 (set by
.ci/run) makes that skip a failure."""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.parse
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from faults import NoProviderName
from harness import KEY, ROOT
from infocheck.contracts.info.server import InfoHandler, ReferenceServer, Settings
from infocheck.wire.secret import Scrubber, Secret
from watching import cycles_done, fleet_file, scrape, start, state, wait_for

OTHER_KEY = "watch-Other/KEY+\"mn\\<o>&p=q%r-24680'"
SUNSET = int(dt.datetime(2026, 8, 26, tzinfo=dt.timezone.utc).timestamp())
REQUIRE = os.environ.get("INFOCHECK_REQUIRE_PROMETHEUS") == "1"


def recording(base):
    """The handler `base`, keeping every credential it is offered (what the endpoint saw)."""
    class Recording(base):
        seen: list = []

        def authenticate(self):
            for name in ("Authorization", "api-key"):
                if self.headers.get(name) is not None:
                    type(self).seen.append(self.headers.get(name))
            return super().authenticate()
    Recording.seen = []
    return Recording


class Retiring(InfoHandler):
    def send_common_headers(self):
        super().send_common_headers()
        self.send_header("Sunset", "Wed, 26 Aug 2026 00:00:00 GMT")


class EchoesItsKey(InfoHandler):
    """Sends back whatever credential it was offered, in a header of every answer."""

    def send_common_headers(self):
        super().send_common_headers()
        self.send_header("X-Your-Credential", self.headers.get("Authorization") or "")


@pytest.fixture(scope="module")
def watched(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("watch")
    handlers = {"good": recording(InfoHandler), "faulty": recording(NoProviderName),
                "retiring": recording(Retiring), "echoes": recording(EchoesItsKey)}
    keys = {"good": KEY, "faulty": KEY, "retiring": OTHER_KEY, "echoes": KEY}
    servers = {name: ReferenceServer(Settings(api_key=keys[name]), handler).start()
               for name, handler in handlers.items()}
    try:
        fleet = fleet_file(tmp, [{"name": name, "endpoint": servers[name].url,
                                  "api_key_env": "KEY_OTHER" if keys[name] == OTHER_KEY else "KEY_ONE"}
                                 for name in handlers])
        watcher = start(tmp, fleet, "--every", "1h", "--fleet-target-timeout", "300",
                        env={"KEY_ONE": KEY, "KEY_OTHER": OTHER_KEY})
        try:
            found = cycles_done(tmp, 1, watcher)
            yield {"tmp": tmp, "state": found, "text": scrape(found["metrics"]), "handlers": handlers,
                   "watcher": watcher}
            # SIGTERM between cycles: the watcher ends with the last cycle's exit code (1 here).
            code, out, err = _stop(watcher)
            assert code == 1, out + err
            assert "ended after cycle 1, exit 1" in out and err == ""
            assert not any(Scrubber([Secret(k)]).contains_secret(out) for k in (KEY, OTHER_KEY))
        finally:
            if watcher.poll() is None:
                watcher.kill()
    finally:
        for server in servers.values():
            server.stop()


def _stop(watcher):
    watcher.send_signal(signal.SIGTERM)
    out, err = watcher.communicate(timeout=150)
    return watcher.returncode, out, err


def samples(text: str) -> dict:
    """{(metric name, frozen labels): value} by the client library's own parser."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(found, name, **labels):
    return found.get((name, frozenset(labels.items())))


def test_each_targets_conformance_and_exit_code(watched):
    found = samples(watched["text"])
    for target, conformant, code in (("good", 1, 0), ("faulty", 0, 1), ("retiring", 1, 0), ("echoes", 0, 1)):
        assert value(found, "infocheck_target_conformant", target=target, contract="info") == conformant, target
        assert value(found, "infocheck_target_exit_code", target=target, contract="info") == code, target
        assert value(found, "infocheck_target_duration_seconds", target=target, contract="info") > 0


def test_each_failed_requirement_with_its_level(watched):
    found = samples(watched["text"])
    failed = {(dict(labels)["target"], dict(labels)["requirement"], dict(labels)["level"])
              for (name, labels), v in found.items() if name == "infocheck_requirement_failed" and v == 1}
    # The echo of its key is the echoing endpoint's failure, judged as in any run.
    assert failed == {("faulty", "SHAPE-MODELINFO", "MUST"), ("echoes", "AUTH-NO-ECHO", "MUST")}


def test_the_sunset_date_and_the_cycles(watched):
    found = samples(watched["text"])
    assert value(found, "infocheck_target_sunset_timestamp_seconds", target="retiring", contract="info") == SUNSET
    assert [k for k in found if k[0] == "infocheck_target_sunset_timestamp_seconds"] == [
        ("infocheck_target_sunset_timestamp_seconds", frozenset({("target", "retiring"), ("contract", "info")}))]
    assert value(found, "infocheck_cycles_total") == 1
    assert value(found, "infocheck_cycles_late_total") == 0
    assert value(found, "infocheck_run_exit_code") == 1
    assert value(found, "infocheck_run_stopped") == 0
    meta = json.loads((Path(watched["state"]["last_cycle"]["folder"]) / "cycle.json").read_text())
    assert value(found, "infocheck_run_duration_seconds") == pytest.approx(meta["seconds"], abs=0.01)
    assert value(found, "infocheck_last_run_timestamp_seconds") > SUNSET   # an ended cycle's Unix time


def test_the_metrics_are_served_on_loopback_by_default(watched):
    assert urllib.parse.urlsplit(watched["state"]["metrics"]).hostname == "127.0.0.1"


def test_no_key_in_any_form_in_the_metrics_or_what_the_watcher_writes(watched):
    written = [watched["text"]] + [p.read_text(encoding="utf-8", errors="replace")
                                   for p in (watched["tmp"] / "watch").rglob("*")
                                   if p.is_file() and p.suffix in (".json", ".txt", ".xml")]
    for key in (KEY, OTHER_KEY):
        finder = Scrubber([Secret(key)])
        assert not [text[:200] for text in written if finder.contains_secret(text)]


def test_each_target_saw_only_its_own_key(watched):
    handlers = watched["handlers"]
    assert all(handlers[name].seen for name in handlers)
    for name, handler in handlers.items():
        other = OTHER_KEY if name != "retiring" else KEY
        assert not Scrubber([Secret(other)]).contains_secret("\n".join(handler.seen)), name


# -- the real parts ------------------------------------------------------------------------------

def tool(name: str) -> str:
    found = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").is_file() else None)
    if found is None:
        if REQUIRE:
            pytest.fail(f"{name} is not installed, and INFOCHECK_REQUIRE_PROMETHEUS=1 needs it "
                        "(Debian's prometheus package)")
        pytest.skip(f"{name} is not installed (Debian's prometheus package); .ci/run installs it")
    return found


def test_promtool_finds_nothing_wrong_with_the_exposition(watched):
    checked = subprocess.run([tool("promtool"), "check", "metrics"], input=watched["text"],
                             capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0 and not (checked.stdout + checked.stderr).strip(), checked.stdout + checked.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_real_prometheus_scrapes_the_watcher_and_answers_a_targets_conformance(watched, tmp_path):
    prometheus = tool("prometheus")
    target = urllib.parse.urlsplit(watched["state"]["metrics"]).netloc
    rules = ROOT / "docs" / "alerts.yml"
    config = tmp_path / "prometheus.yml"
    config.write_text(json.dumps({   # JSON is YAML too
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(rules)],
        "scrape_configs": [{"job_name": "infocheck", "static_configs": [{"targets": [target]}]}]}))
    port = free_port()
    server = subprocess.Popen([prometheus, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'data'}",
                               f"--web.listen-address=127.0.0.1:{port}"],
                              stdout=subprocess.DEVNULL, stderr=open(tmp_path / "prometheus.log", "wb"))
    try:
        def query(expression):
            url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": expression})
            try:
                answer = json.loads(scrape(url))
            except OSError:
                return None
            return answer["data"]["result"] if answer.get("status") == "success" else None

        good = wait_for(lambda: query('infocheck_target_conformant{target="good"}'), "Prometheus' answer", limit=1200)
        assert [r["value"][1] for r in good] == ["1"] and good[0]["metric"]["job"] == "infocheck"
        faulty = query('infocheck_target_conformant{target="faulty"}')
        assert [r["value"][1] for r in faulty] == ["0"]
        # The shipped rule: 2026-08-26 is less than 30 days off (or past), so it fires.
        firing = wait_for(lambda: query('ALERTS{alertname="InfocheckSunsetWithin30Days",alertstate="firing"}'),
                          "the Sunset alert firing", limit=1200)
        assert [r["metric"]["target"] for r in firing] == ["retiring"]
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
