"""A contract is a unit (issue 25): the wheel carries every package and data file the tree has,
found rather than listed; a suite's file is imported under its package's name
(suites.NAME.test_x), so one named like a team's test file, a self-test's, or another contract's
never collides; the registry refuses a contract that
lacks a member of the `Contract` interface, in one line naming it."""
import subprocess
import sys
import types

import pytest

from harness import ROOT, run_suite


def tracked(*folders: str) -> list[str]:
    listed = subprocess.run(["git", "ls-files", "-z", "--", *folders], cwd=ROOT, capture_output=True)
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    return sorted(filter(None, listed.stdout.decode().split("\0")))


def layout(root=ROOT):
    sys.path.insert(0, str(ROOT))
    try:
        import setup
    finally:
        sys.path.remove(str(ROOT))
    return setup.layout(root)


def wheel_paths(root=ROOT) -> set[str]:
    """Where each file of the tree goes in the wheel, as setup.py's layout says."""
    packages, package_dir, package_data = layout(root)
    found = set()
    for package in packages:
        folder = package.replace(".", "/")
        found |= {f"{folder}/{name}" for name in package_data.get(package, [])}
        code = root / folder
        if code.is_dir():
            found |= {f"{folder}/{p.name}" for p in code.glob("*.py")}
    return found


def shipped_as(name: str) -> str:
    top = name.split("/", 1)[0]
    return f"infocheck/bundled/{name}" if top in ("suites", "schemas", "fixtures") else name


def test_the_wheel_layout_carries_every_file_of_the_package_and_the_data_folders():
    files = tracked("infocheck", "suites", "schemas", "fixtures")
    assert any(f.startswith("infocheck/contracts/models/") for f in files)
    missing = [f for f in files if shipped_as(f) not in wheel_paths()]
    assert missing == []


def test_a_new_contract_s_folders_are_found_without_naming_them(tmp_path):
    for name in ("infocheck/__init__.py", "infocheck/contracts/__init__.py",
                 "infocheck/contracts/health/__init__.py", "infocheck/contracts/health/contract.py",
                 "suites/health/test_status.py", "schemas/health/status.json",
                 "fixtures/health/requirements.json", "infocheck/reports/templates/x.html.j2",
                 "infocheck/reports/__init__.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("{}\n" if name.endswith(".json") else "\n")
    packages, _, data = layout(tmp_path)
    assert {"infocheck.contracts.health", "infocheck.bundled.suites.health"} <= set(packages)
    assert data["infocheck.bundled.suites.health"] == ["test_status.py"]
    assert data["infocheck.bundled.fixtures.health"] == ["requirements.json"]
    assert data["infocheck.reports"] == ["templates/x.html.j2"]


def test_a_team_s_test_file_named_like_a_suite_s_runs_beside_it(tmp_path):
    team = tmp_path / "team"
    team.mkdir()
    # A helper beside the team's tests imports, as pytest's default import mode has it.
    (team / "team_helpers.py").write_text("NAME = 'helper'\n")
    (team / "conftest.py").write_text("import pytest\nfrom team_helpers import NAME\n\n\n"
                                      "@pytest.fixture\ndef helper():\n    return NAME\n")
    (team / "test_list.py").write_text("from team_helpers import NAME\n\n\n"
                                       "def test_the_team_s_own(models, helper):\n    assert models and NAME == helper\n")
    run = run_suite(tmp_path, "--contract", "models", str(ROOT / "suites"), str(team), html=False)
    assert run.code == 0, run.stdout[-3000:] + run.stderr[-2000:]
    ran = {r["test"] for r in run.report["results"]}
    assert any(t.endswith("test_list.py::test_the_team_s_own") for t in ran), ran
    assert any(t.startswith("suites/models/test_list.py::") for t in ran), ran


def test_a_suite_file_named_like_a_module_already_imported_is_collected(tmp_path, monkeypatch):
    # The forked suite inherits this process's modules: a self-test file named like a suite's
    # (tests/test_list.py beside suites/models/test_list.py) once made it "import file mismatch".
    stranger = types.ModuleType("test_list")
    stranger.__file__ = str(tmp_path / "test_list.py")
    monkeypatch.setitem(sys.modules, "test_list", stranger)
    run = run_suite(tmp_path, "--contract", "models", html=False)
    assert run.code == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert any(t.startswith("suites/models/test_list.py::") for t in
               (r["test"] for r in run.report["results"]))


# -- the Contract interface, checked at registration ----------------------------------------------

from infocheck import contracts   # noqa: E402
from infocheck.contracts.base import Contract   # noqa: E402


def register(monkeypatch, name: str, contract) -> None:
    """`contract` registered as `name`, for this test alone (a module of its own)."""
    module = types.ModuleType(f"selftest_contract_{name}")
    module.CONTRACT = contract
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setitem(contracts.REGISTERED, name, module.__name__)
    monkeypatch.setattr(contracts, "_checked", {})


class Complete(Contract):
    """Every member the interface asks for (none of them is used here)."""
    name = "partial"
    title = "a contract for the registry's self-test"
    fixtures_plugin = "infocheck.contracts.info.fixtures"
    flavours = {"reference": "the contract at its best"}

    def parse_api_versions(self, raw, label):
        return ("",)

    def token_scope(self, api_version):
        return "https://example.invalid/.default"

    def target_url(self, endpoint):
        return endpoint

    def client(self, probe, config, shared, recorded):
        return None

    def reference_server(self, key, flavour="reference", tokens=(), base_path=None,
                         host="127.0.0.1", port=0, verbose=False):
        return None

    def server_banner(self, server, flavour):
        return []


def without(member: str) -> type:
    """Complete, less `member`: a method left as the interface declares it (abstract), or an
    attribute not declared at all."""
    if member in Contract.DECLARED:
        body = {k: v for k, v in vars(Complete).items() if k not in (member, "__dict__", "__weakref__")}
        return type("Lacking", (Contract,), body)
    return type("Lacking", (Complete,), {member: getattr(Contract, member)})


@pytest.mark.parametrize("member, says", [
    ("server_banner", "Lacking does not define server_banner(), which contracts.base.Contract declares"),
    ("reference_server", "Lacking does not define reference_server(), which contracts.base.Contract declares"),
    ("client", "Lacking does not define client(), which contracts.base.Contract declares"),
    ("flavours", "Lacking does not declare flavours, which contracts.base.Contract declares"),
    ("fixtures_plugin", "Lacking does not declare fixtures_plugin, which contracts.base.Contract declares"),
])
def test_a_contract_lacking_a_member_is_refused_in_one_line_naming_it(monkeypatch, member, says):
    register(monkeypatch, "partial", without(member)())
    with pytest.raises(contracts.ContractError) as refused:
        contracts.get("partial")
    message = str(refused.value)
    assert message == f"contract 'partial' (selftest_contract_partial): {says}"
    assert "\n" not in message


@pytest.mark.parametrize("contract, says", [
    (object(), "its package has no CONTRACT that is a contracts.base.Contract (found object)"),
    (type("Renamed", (Complete,), {"name": "other"})(), "Renamed.name is 'other', not the name it is registered as"),
    (type("NoReference", (Complete,), {"flavours": {"fast": "quick"}})(), "NoReference.flavours must map"),
    (type("Untitled", (Complete,), {"title": ""})(), "Untitled.title is str '', not a non-empty str"),
    (type("BadKnobs", (Complete,), {"knobs": ["--x"]})(), "BadKnobs.knobs must be a tuple of configuration.knobs.Knob"),
    (type("BadLinks", (Complete,), {"links": {"info": "model_name"}})(), "BadLinks.links must map"),
])
def test_a_contract_of_the_wrong_shape_is_refused_naming_what(monkeypatch, contract, says):
    register(monkeypatch, "partial", contract)
    with pytest.raises(contracts.ContractError, match=None) as refused:
        contracts.get("partial")
    assert says in str(refused.value) and "\n" not in str(refused.value)


def test_the_registered_contracts_keep_the_interface():
    for name in contracts.names():
        assert contracts.interface_problem(name, contracts.get(name)) == ""
    assert contracts.DEFAULT == contracts.names()[0]


def test_a_run_of_a_refused_contract_is_infocheck_s_own_error_in_one_line(tmp_path, monkeypatch):
    register(monkeypatch, "partial", without("server_banner")())   # the forked run inherits it
    run = run_suite(tmp_path, "--contract", "partial", html=False)
    assert run.code == 3, run.stdout[-2000:] + run.stderr[-2000:]
    said = [line for line in (run.stdout + run.stderr).splitlines() if "server_banner" in line]
    assert len(said) == 1 and "does not define server_banner()" in said[0], said
    assert "Traceback" not in run.stdout + run.stderr
    assert run.report["exit_code"] == 3


def test_infocheck_serve_refuses_a_contract_lacking_a_member(monkeypatch, capsys):
    from infocheck import serve as command
    register(monkeypatch, "partial", without("server_banner")())
    assert command.main(["--contract", "partial"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("ERROR: infocheck serve: contract 'partial'") and err.count("\n") == 1


# -- fleet links: which contract a same_as may name is the contract's to declare ---------------------

def fleet_of(tmp_path, *targets):
    import json
    path = tmp_path / "fleet.json"
    path.write_text(json.dumps({"targets": list(targets)}))
    return str(path)


INFO = {"name": "i", "endpoint": "https://h.example"}
MODELS = {"name": "m", "contract": "models", "endpoint": "https://h.example/v1"}


def test_a_same_as_follows_the_links_the_contract_declares(tmp_path, monkeypatch):
    from infocheck.fleet import file as fleet
    models, info = type(contracts.get("models")), type(contracts.get("info"))
    assert models.links == {"info": ("model_name", "model_name_length")}
    assert [t.same_as for t in fleet.read(fleet_of(tmp_path, INFO, dict(MODELS, same_as="i")), {})] == [None, "i"]
    monkeypatch.setattr(info, "links", {"models": ("id",)})    # info declares a link of its own
    read = fleet.read(fleet_of(tmp_path, dict(INFO, same_as="m"), MODELS), {})
    assert [t.same_as for t in read] == ["m", None]
    monkeypatch.setattr(models, "links", {})                    # and models none
    with pytest.raises(fleet.FleetError) as refused:
        fleet.read(fleet_of(tmp_path, INFO, dict(MODELS, same_as="i")), {})
    assert "same_as: it links a target of contract info to the models target of the same " \
           "deployment (this one is models, i is info)" in str(refused.value)


def test_only_the_identity_keys_a_link_declares_are_handed_over(tmp_path, monkeypatch):
    from infocheck.fleet import file as fleet
    from infocheck.fleet.run import FleetRun
    targets = fleet.read(fleet_of(tmp_path, INFO, dict(MODELS, same_as="i")), {})
    run = FleetRun.__new__(FleetRun)   # only what linked() reads
    import threading
    run.lock, run.secrets, run.write = threading.Lock(), [], lambda line: None
    run.done = {"i": threading.Event(), "m": threading.Event()}
    run.done["i"].set()
    run.identities = {"i": ({"model_name": "gpt-4o", "served_by": "x", "model_name_length": "3"}, "")}
    assert run.linked(targets[1]).identity == {"model_name": "gpt-4o", "model_name_length": "3"}
    monkeypatch.setattr(type(contracts.get("models")), "links", {"info": ("served_by",)})
    assert run.linked(targets[1]).identity == {"served_by": "x"}


def test_a_contract_without_faulty_servers_fails_the_completeness_check(monkeypatch):
    import completeness
    import test_catalogue
    register(monkeypatch, "partial", Complete())
    assert completeness.faults("partial") == {} and "partial" not in {c for c, _ in completeness.every_fault()}
    with pytest.raises(AssertionError, match="contract partial has no faulty servers: give "
                                             "tests/faults_partial.py its FAULTS"):
        test_catalogue.test_every_requirement_is_caught_by_a_faulty_server("partial")
    assert set(completeness.faults("info")) and set(completeness.faults("models"))


# -- knobs: the core's plus each registered contract's ----------------------------------------------

from infocheck.configuration import knobs as knob_table   # noqa: E402


def fresh_tables(monkeypatch) -> None:
    """The knob tables built again from the registry as this test leaves it."""
    for table in (knob_table.KNOBS, knob_table.KNOB_BY_FIELD, knob_table.FLEET_KEYS,
                  knob_table.FLEET_TARGET_FIELDS):
        monkeypatch.setattr(table, "_value", None)


THING = knob_table.Knob("partial_thing", "--partial-thing", "INFOCHECK_PARTIAL_THING",
                        "a knob of the partial contract's own.", fleet_key="partial_thing",
                        rows=(("thing", lambda c: c.partial_thing or "none"),))


def test_the_contract_options_are_the_contracts_own_not_the_core_s():
    core = {knob.field for knob in knob_table.CORE_KNOBS}
    assert not core & {"deployments", "model", "info_model_name"}
    assert [k.field for k in contracts.get("info").knobs] == ["deployments", "model"]
    assert [k.field for k in contracts.get("models").knobs] == ["model", "info_model_name"]
    fields = [k.field for k in knob_table.KNOBS]
    after = fields.index(knob_table.CONTRACT_KNOBS_AFTER)
    assert fields[after + 1:after + 4] == ["deployments", "model", "info_model_name"]   # one model


def test_a_contract_s_knob_is_an_option_a_variable_and_a_row_of_its_runs_only(monkeypatch):
    from infocheck.configuration.config import ConfigError, build_config
    register(monkeypatch, "partial", type("WithAKnob", (Complete,), {"knobs": (THING,)})())
    fresh_tables(monkeypatch)
    assert "--partial-thing" in [k.option for k in knob_table.KNOBS]
    assert knob_table.FLEET_KEYS["partial_thing"] == "partial_thing"
    settings = build_config({}, {"INFOCHECK_CONTRACT": "partial", "INFOCHECK_PARTIAL_THING": "x",
                                 "INFOCHECK_ENDPOINT": "https://h.example"})
    assert settings.partial_thing == "x" and ("thing", "x") in settings.describe()
    assert "thing" not in dict(build_config({}, {}).describe())
    with pytest.raises(ConfigError) as refused:
        build_config({"infocheck_partial_thing": "x"}, {})
    assert str(refused.value) == ("INFOCHECK_PARTIAL_THING / --partial-thing: the info contract has "
                                  "no such knob; it is for --contract partial")


def test_a_contract_s_knob_that_is_a_core_one_is_refused(monkeypatch):
    clash = knob_table.Knob("partial_timeout", "--request-timeout", "INFOCHECK_PARTIAL_TIMEOUT", "x")
    register(monkeypatch, "partial", type("Clashing", (Complete,), {"knobs": (clash,)})())
    fresh_tables(monkeypatch)
    with pytest.raises(contracts.ContractError, match="its knob --request-timeout .* is another knob's"):
        list(knob_table.KNOBS)
