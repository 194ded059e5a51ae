"""Server data never becomes configuration, and a fleet always scrubs and reports (issue 24).

What one target's /info answers (its model_name) reaches a models target's run through a file
in that run's own folder, as data judged by MODELS-SAME-AS-INFO: a NUL, an ESC, a lone
surrogate, a non-Latin-1 or an over-long name is a finding or NOT TESTED, never a crash of the
fleet (exit 3) or a usage error (exit 4). Whatever part of a fleet breaks, every file of every
target is masked with every secret and the fleet report is written. A fleet target's curl line
reads the variable its key is really in."""
import dataclasses
import json
import types

import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st

import harness
from harness import KEY, run_suite
from infocheck.contracts.info.server import InfoHandler, ReferenceServer, Settings
from infocheck.contracts.models import checks
from infocheck.contracts.models.server import ModelsHandler, ModelsSettings
from infocheck.contracts.checking import CheckFailure
from infocheck.fleet import channel
from infocheck.wire.printable import printable
from infocheck.wire.secret import Scrubber, Secret

V1_KEY = "v1-surface-KEY/+\"a\\<b>&c=d%e-24680'"
NOSY_KEY = "nosy-neighbour-KEY/+\"f\\<g>&h=i%j-11235'"
FORMS = ("\x00", "\x1b[2J\x1b[31m", "\x85", "\ud800", "模型", "\u202e")


class NamesAnything(InfoHandler):
    """An /info whose model_name is whatever the test says, carrying whatever else it says (the
    v1 target's key, which this target's own run does not know)."""
    model_name = "phi3-mini"
    carried: dict = {}

    def send_model_info(self, model, head):
        # What it carries first, so a transcript cut after a long name still shows it.
        self.send_json(200, dict(type(self).carried, **dict(model, model_name=type(self).model_name)), {}, head)


class EchoesTheInfoKey(InfoHandler):
    """A neighbour that answers with the info target's key, which its own run does not know."""

    def send_model_info(self, model, head):
        self.send_json(200, dict(model, debug=KEY), {}, head)


def models_serving(*ids):
    settings = ModelsSettings(api_key=V1_KEY, base_path="/openai/v1",
                              models=[{"id": i, "object": "model", "created": 1700000000 + n,
                                       "owned_by": "system"} for n, i in enumerate(ids)])
    return ReferenceServer(settings, ModelsHandler).start()


@pytest.fixture(scope="module")
def servers():
    info = ReferenceServer(Settings(api_key=KEY), NamesAnything).start()
    nosy = ReferenceServer(Settings(api_key=NOSY_KEY), EchoesTheInfoKey).start()
    v1 = models_serving("phi3-mini", "gpt-4o-mini")
    yield types.SimpleNamespace(info=info, nosy=nosy, v1=v1)
    for server in (info, nosy, v1):
        server.stop()


def fleet_of(tmp, servers, nosy=True):
    targets = [{"name": "info-east", "endpoint": servers.info.url, "api_key_env": "INFO_KEY"},
               {"name": "v1", "contract": "models", "endpoint": servers.v1.url,
                "api_key_env": "V1_KEY", "same_as": "info-east"}]
    if nosy:
        targets.append({"name": "nosy", "endpoint": servers.nosy.url, "api_key_env": "NOSY_KEY"})
    path = tmp / "fleet.yaml"
    path.write_text(json.dumps({"targets": targets}))
    return str(path)


ENV = {"INFO_KEY": KEY, "V1_KEY": V1_KEY, "NOSY_KEY": NOSY_KEY}


def every_file(run, reports) -> dict:
    texts = {"stdout": run.stdout, "stderr": run.stderr}
    texts.update({str(p.relative_to(reports)): p.read_text(errors="replace")
                  for p in reports.rglob("*") if p.is_file()})
    return texts


def leaking(run, reports) -> list[str]:
    finder = Scrubber([Secret(KEY), Secret(V1_KEY), Secret(NOSY_KEY)])
    return [name for name, text in every_file(run, reports).items() if finder.contains_secret(text)]


def requirement(run, target, rid):
    entry = next(t for t in run.report["targets"] if t["name"] == target)
    return next(r for r in entry["result"]["requirements"] if r["id"] == rid)


def curls(value):
    """Every reproduction in a result document."""
    if isinstance(value, dict):
        return [c for k, v in value.items() for c in ([v] if k == "curl" and isinstance(v, str) else curls(v))]
    if isinstance(value, list):
        return [c for v in value for c in curls(v)]
    return []


# -- one fleet whose /info names a model with a NUL and an ESC, beside a nosy neighbour ------------

@pytest.fixture(scope="module")
def nul_fleet(servers, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("nul")
    NamesAnything.model_name = "phi3\x00mini\x1b[2J"
    try:
        run = run_suite(tmp, "--fleet", fleet_of(tmp, servers), key=None, env=ENV)
    finally:
        NamesAnything.model_name = "phi3-mini"
    return run, tmp / "reports"


def test_a_nul_in_the_model_name_is_a_finding_and_the_fleet_is_judged(nul_fleet):
    run, reports = nul_fleet
    assert run.report["report"] == "fleet", run.stdout[-3000:]
    verdicts = {t["name"]: t["exit_code"] for t in run.report["targets"]}
    assert verdicts == {"info-east": 0, "v1": 0, "nosy": 1} and run.code == 1   # nosy echoed a key
    same = requirement(run, "v1", "MODELS-SAME-AS-INFO")
    assert same["verdict"] == "finding"
    assert "not asked for by id: it has a control character (U+0000)" in same["messages"][0]
    assert "\\x00" in same["messages"][0] and "\x00" not in json.dumps(same, ensure_ascii=False)


def test_no_key_of_the_fleet_is_in_any_file_and_no_server_control_reaches_one(nul_fleet):
    run, reports = nul_fleet
    texts = every_file(run, reports)
    assert "targets/nosy/infocheck.html" in texts and "targets/v1/infocheck.json" in texts
    assert leaking(run, reports) == []
    assert [n for n, t in texts.items() if "\x1b[2J" in t or "\x00" in t] == []
    assert "same-as.json" not in " ".join(texts)   # the hand-over is gone once the run ended


def test_a_fleet_targets_curl_reads_the_variable_its_key_is_in(nul_fleet):
    run, reports = nul_fleet
    v1 = next(t for t in run.report["targets"] if t["name"] == "v1")
    lines = [line for r in v1["result"]["requirements"] for m in r["messages"]
             for line in m.splitlines() if "reproduce: curl" in line]
    assert lines and all('"$V1_KEY"' in line for line in lines), lines
    page = (reports / "targets" / "v1" / "infocheck.html").read_text()
    assert "$V1_KEY" in page and "INFOCHECK_API_KEY" not in page


def test_a_single_run_and_a_token_keep_their_variables(servers):
    from harness import probe_for
    from infocheck.configuration.credentials import TokenCredential
    from infocheck.wire.exchange import Credential, Request

    request = Request(query=(("api-version", "2024-04-01-preview"),),
                      headers=(("Authorization", Credential("Bearer ")),))
    single = probe_for(servers.info.url)
    assert '"$INFOCHECK_API_KEY"' in single.send(request).curl
    fleet = probe_for(servers.info.url)
    fleet.config = dataclasses.replace(fleet.config, key_variable="EASTUS2_KEY")
    assert '"$EASTUS2_KEY"' in fleet.send(request).curl

    class Token(TokenCredential):
        def acquire(self):
            return KEY, None

        def describe(self):
            return "a token"
    tokened = probe_for(servers.info.url)
    tokened.config = dataclasses.replace(tokened.config, key_variable="EASTUS2_KEY")
    tokened._credential = Token(tokened._scrub)
    assert '"$INFOCHECK_TOKEN"' in tokened.send(request).curl   # a token is in no variable of the fleet's
    for probe in (single, fleet, tokened):
        probe.close()


class RecordsPaths(ModelsHandler):
    """The v1 surface, noting every path it was asked for."""
    paths: list = []

    def do_GET(self):
        type(self).paths.append(self.path)
        super().do_GET()


@pytest.mark.parametrize("name, verdict, says", [
    (NOSY_KEY, "not tested", "carried a credential of this fleet (masked in the reports), so it is not sent here"),
    ("m" * 5000, "finding", "none of the 2 listed is longer than 200 characters; not asked for by id"),
])
def test_a_name_that_carries_a_key_is_never_sent_and_a_huge_one_is_judged_on_the_list(
        servers, tmp_path, name, verdict, says):
    settings = ModelsSettings(api_key=V1_KEY, base_path="/openai/v1",
                              models=[{"id": i, "object": "model", "created": 1700000000,
                                       "owned_by": "system"} for i in ("phi3-mini", "gpt-4o-mini")])
    RecordsPaths.paths = []
    v1 = ReferenceServer(settings, RecordsPaths).start()
    NamesAnything.model_name = name
    try:
        fleet = fleet_of(tmp_path, types.SimpleNamespace(info=servers.info, nosy=servers.nosy, v1=v1))
        run = run_suite(tmp_path, "--fleet", fleet, "-k", "identity or response_shape", key=None,
                        env=ENV, html=False)
    finally:
        NamesAnything.model_name = "phi3-mini"
        v1.stop()
    assert run.code not in (3, 4), run.stdout[-3000:]
    same = requirement(run, "v1", "MODELS-SAME-AS-INFO")
    assert same["verdict"] == verdict and says in same["messages"][0], same
    assert RecordsPaths.paths and all("/models/" not in path for path in RecordsPaths.paths)
    assert leaking(run, tmp_path / "reports") == []


# -- whatever the name, the fleet is judged ------------------------------------------------------

names = st.text(min_size=1, max_size=40) | st.builds(lambda a, b: a + b, st.sampled_from(FORMS),
                                                    st.text(max_size=10))


@settings(max_examples=2, deadline=None, database=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@example("phi3\x00mini")
@example("模型-phi3")
@example("phi\ud800")
@example("m" * 5000)
@given(name=names)
def test_whatever_info_names_the_fleet_never_ends_3_or_4(servers, tmp_path_factory, name):
    tmp = tmp_path_factory.mktemp("named")
    NamesAnything.model_name, NamesAnything.carried = name, {"debug": V1_KEY}
    try:
        run = run_suite(tmp, "--fleet", fleet_of(tmp, servers, nosy=False), "-k", "identity or deployments",
                        key=None, env=ENV, html=False)
    finally:
        NamesAnything.model_name, NamesAnything.carried = "phi3-mini", {}
    assert run.code == 1, run.stdout[-3000:]   # info-east carried the v1 key: never 3 or 4
    assert run.report["report"] == "fleet"
    assert requirement(run, "info-east", "AUTH-NO-ECHO")["verdict"] == "failed"
    verdict = requirement(run, "v1", "MODELS-SAME-AS-INFO")["verdict"]
    assert verdict in ("passed", "finding", "not tested", "skipped"), verdict
    if name in ("phi3-mini", "gpt-4o-mini"):
        assert verdict == "passed"
    assert leaking(run, tmp / "reports") == []


# -- the hand-over and the check, on any text ---------------------------------------------------

@settings(max_examples=200, deadline=None, database=None, derandomize=True)
@given(name=st.text(max_size=300), target=st.text(max_size=80))
def test_the_hand_over_carries_any_text_exactly(tmp_path_factory, name, target):
    from infocheck.fleet.channel import Linked, hand_over, handed_over
    path = tmp_path_factory.mktemp("handed") / "same-as.json"
    hand_over(path, Linked(target, {"model_name": name}, False, "note\x00"))
    read = handed_over({channel.SAME_AS: str(path)})
    assert read.identity == {"model_name": name} and read.target == printable(target[:64])
    assert read.note == "note\\x00" and path.read_bytes().isascii()   # what is shown, escaped


def test_a_hand_over_that_is_not_the_parents_is_compared_with_nothing(tmp_path):
    from infocheck.fleet.channel import Linked, handed_over
    path = tmp_path / "same-as.json"
    assert handed_over({}) is None
    for written in (b"", b"[1]", b'{"target": 3}', b"\xff\xfe", b" " * (channel.SAME_AS_LIMIT + 1)):
        path.write_bytes(written)
        read = handed_over({channel.SAME_AS: str(path)})
        assert read.identity == {} and "could not be read" in read.note
    path.write_text(json.dumps({"target": "t", "identity": {"model_name": 5, "x": "y"}, "carried_secret": 1}))
    assert handed_over({channel.SAME_AS: str(path)}) == Linked("t", {"x": "y"}, False, "")


@settings(max_examples=300, deadline=None, database=None, derandomize=True)
@given(name=st.text(min_size=1, max_size=300))
def test_served_judges_any_name_and_never_asks_for_one_no_route_is_asked_for(name):
    from test_models_checks import listing
    listed = [{"id": "phi3-mini"}]
    try:
        checks.served(name, listed, None, "MODELS-SAME-AS-INFO", listing(), "the model_name /info names")
    except CheckFailure as failure:
        assert failure.requirement_id == "MODELS-SAME-AS-INFO"
        assert ("not asked for by id" in str(failure)) == bool(checks.unaskable(name))
    else:
        assert name == "phi3-mini"
    assert (checks.unaskable(name) == "") == all(
        0x20 <= ord(c) < 0x7F or 0x9F < ord(c) and not 0xD800 <= ord(c) <= 0xDFFF for c in name)


def test_an_over_long_name_is_judged_on_the_list_or_not_compared():
    from test_models_checks import listing
    with pytest.raises(CheckFailure, match="none of the 1 listed is longer than 200 characters"):
        checks.served_long(5000, 200, [{"id": "phi3-mini"}], "MODELS-SAME-AS-INFO", listing(), "w")
    assert checks.served_long(5000, 200, [{"id": "m" * 201}], "MODELS-SAME-AS-INFO", listing(), "w") is False


# -- whatever part of the fleet breaks, it scrubs and reports ---------------------------------------

@pytest.mark.skipif(harness.SUBPROCESS, reason="the fault is patched into the forked fleet run")
def test_a_target_that_breaks_is_its_own_internal_error_and_every_file_is_still_scrubbed(
        servers, tmp_path, monkeypatch):
    import subprocess

    from infocheck.fleet import forking, model, run as fleet_run

    # The process of its own each target runs in where there is no fork (Windows); a forked
    # target's ends are tests/test_fleet_fork.py's.
    monkeypatch.setattr(forking, "unavailable", lambda: "this platform has no os.fork")

    def popen(command, *args, **kwargs):   # a value the environment cannot carry, as a NUL was
        if any("targets/info-east/" in str(a) for a in command):
            raise ValueError("embedded null byte")
        return subprocess.Popen(command, *args, **kwargs)

    real_summarize = model.summarize

    def summarize(entry, metas=None):     # one target's post-processing breaks
        if entry["name"] == "v1" and entry["result"] is not None:
            raise KeyError("verdicts")
        return real_summarize(entry, metas)

    monkeypatch.setattr(fleet_run, "subprocess", types.SimpleNamespace(
        Popen=popen, DEVNULL=subprocess.DEVNULL, STDOUT=subprocess.STDOUT))
    monkeypatch.setattr(model, "summarize", summarize)
    run = run_suite(tmp_path, "--fleet", fleet_of(tmp_path, servers), key=None, env=ENV)
    assert run.report is not None and run.report["report"] == "fleet", (run.code, run.stdout[-3000:], run.stderr[-3000:])
    by_name = {t["name"]: t for t in run.report["targets"]}
    assert by_name["info-east"]["exit_code"] == 3 and "ValueError" in by_name["info-east"]["problem"]
    assert by_name["v1"]["exit_code"] == 3 and "KeyError" in by_name["v1"]["problem"]
    assert by_name["nosy"]["exit_code"] == 1 and run.code == 1   # 1 before 3, as documented
    assert leaking(run, tmp_path / "reports") == []
    assert "nosy" in run.outputs["infocheck.html"] and "junit.xml" in run.outputs


@pytest.mark.skipif(harness.SUBPROCESS, reason="the fault is patched into the forked fleet run")
def test_a_broken_target_beside_conformant_ones_ends_the_fleet_3_with_its_report(
        servers, tmp_path, monkeypatch):
    from infocheck.fleet import run as fleet_run

    def scrubbed(self, entry, target, scrubber):
        raise OSError("disk full")

    monkeypatch.setattr(fleet_run.FleetRun, "scrubbed", scrubbed)
    run = run_suite(tmp_path, "--fleet", fleet_of(tmp_path, servers, nosy=False), "-k", "response_shape",
                    key=None, env=ENV, html=False)
    assert run.code == 3 and run.report["exit_code"] == 3, run.stdout[-3000:]
    assert {t["name"]: t["exit_code"] for t in run.report["targets"]} == {"info-east": 3, "v1": 3}
    assert leaking(run, tmp_path / "reports") == []
