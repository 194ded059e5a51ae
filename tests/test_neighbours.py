"""A fleet target knows only its own secret, and a hostile neighbour cannot put another target's
key or token into any report: one fleet run over a conformant endpoint, one whose credential is
a token from a command, and a neighbour that knows both and echoes them, in plain, base64, hex,
upper case and fully percent-encoded. Every file under the report folder is read for every form
of every secret; what had to be withheld is that target's text alone, and the neighbour fails
AUTH-NO-ECHO for what it sent."""
import base64
import json
import shlex
import sys

import pytest

from harness import KEY, run_suite
from infocheck.contracts.info.server import InfoHandler, ReferenceServer, Settings
from infocheck.wire.secret import WITHHELD, Scrubber, Secret

NEIGHBOUR_KEY = 'neighbour-OWN/KEY+"ab\\<c>&d=e%f-13579\''
TOKEN = "tok-" + "Zq7" * 12 + "-fleet-token"
# The token command fails if it can read another target's secret variable: its environment
# must hold its own target's settings only.
TOKEN_COMMAND = (f"{sys.executable} -c \"import os, sys; "
                 "sys.exit(3) if {'ALPHA_KEY', 'BRAVO_KEY'} & set(os.environ) else print(os.environ['FLEET_TOKEN'])\"")


def encodings(secret: str) -> list[str]:
    raw = secret.encode()
    return [secret, base64.b64encode(raw).decode(), raw.hex(), secret.upper()]


class EchoesItsNeighbours(InfoHandler):
    """Answers well, and carries the other targets' key and token in every encoding there is."""

    def send_model_info(self, model, head):
        carried = {f"debug_{i}": form for i, form in enumerate(encodings(KEY) + encodings(TOKEN))}
        self.send_json(200, dict(model, **carried), {"x-trace": base64.b64encode(KEY.encode()).decode()}, head)

    def send_refusal(self, refusal, head=False):
        # A flat body (an ERROR-BODY finding, which quotes it) that starts with the neighbour's
        # key percent-encoded to the last byte: a form that cannot be masked in place.
        every_byte = "".join(f"%{b:02X}" for b in KEY.encode())
        self.send_json(refusal.status, {"message": every_byte, "statusCode": refusal.status},
                       refusal.headers, head)


@pytest.fixture(scope="module")
def fleet_of_neighbours(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("neighbours")
    servers = [ReferenceServer(Settings(api_key=KEY), InfoHandler).start(),
               ReferenceServer(Settings(api_key="x" * 32, tokens=(TOKEN,)), InfoHandler).start(),
               ReferenceServer(Settings(api_key=NEIGHBOUR_KEY), EchoesItsNeighbours).start()]
    try:
        targets = [{"name": "alpha", "endpoint": servers[0].url, "api_key_env": "ALPHA_KEY"},
                   {"name": "tokened", "endpoint": servers[1].url, "token_command": TOKEN_COMMAND},
                   {"name": "bravo", "endpoint": servers[2].url, "api_key_env": "BRAVO_KEY"}]
        path = tmp / "fleet.yaml"
        path.write_text(json.dumps({"targets": targets}))
        # The operator allows the token command (a fleet file runs no command of its own).
        run = run_suite(tmp, "--fleet", str(path), "--fleet-allow-token-command",
                        f"{shlex.quote(sys.executable)} -c *", key=None,
                        env={"ALPHA_KEY": KEY, "BRAVO_KEY": NEIGHBOUR_KEY, "FLEET_TOKEN": TOKEN})
    finally:
        for server in servers:
            server.stop()
    return run, tmp / "reports"


def every_file(run, reports) -> dict:
    texts = {"stdout": run.stdout, "stderr": run.stderr}
    texts.update({str(p.relative_to(reports)): p.read_text(errors="replace")
                  for p in reports.rglob("*") if p.is_file()})
    return texts


def test_no_secret_of_the_fleet_is_in_any_file_of_any_target(fleet_of_neighbours):
    run, reports = fleet_of_neighbours
    finder = Scrubber([Secret(KEY), Secret(NEIGHBOUR_KEY), Secret(TOKEN)])
    texts = every_file(run, reports)
    assert len(texts) > 12 and "targets/bravo/infocheck.html" in texts
    assert [name for name, text in texts.items() if finder.contains_secret(text)] == []


def test_each_target_ran_with_its_own_secret_only(fleet_of_neighbours):
    run, _ = fleet_of_neighbours
    verdicts = {t["name"]: t["verdict"] for t in run.report["targets"]}
    # The token command would have failed (COULD NOT TEST) had it seen ALPHA_KEY or BRAVO_KEY.
    assert verdicts == {"alpha": "CONFORMANT", "tokened": "CONFORMANT", "bravo": "NOT CONFORMANT"}, \
        run.stdout[-3000:]


def test_the_neighbour_fails_no_echo_and_only_its_own_text_is_withheld(fleet_of_neighbours):
    run, _ = fleet_of_neighbours
    bravo = next(t for t in run.report["targets"] if t["name"] == "bravo")
    echo = next(r for r in bravo["result"]["requirements"] if r["id"] == "AUTH-NO-ECHO")
    assert echo["verdict"] == "failed" and "credential of another target" in echo["messages"][0]
    assert bravo["exit_code"] == 1 and run.code == 1
    withheld = json.dumps(bravo)
    assert WITHHELD in withheld                       # the percent-encoded key could not be masked
    others = json.dumps([t for t in run.report["targets"] if t["name"] != "bravo"])
    assert WITHHELD not in others and '"verdict": "passed"' in others   # the rest is whole
    assert len(run.outputs["infocheck.json"]) > 50_000 and "alpha" in run.outputs["infocheck.html"]
