"""A contract is its folders, its rows in the docs and one registry line (issue 25), tried as the
next engineer would: a throwaway third contract (`GET {base}/health` answering {"status": "ok"},
seven requirements, its reference server, its faulty servers) is added to a copy of the
repository by writing only its files; in that copy, the completeness self-tests find it and run
its suite against its reference server and each of its faults, and a wheel built from it carries
it and checks it installed. Slow (a copy, a wheel, a virtual environment): one of each."""
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest

from harness import checkout, clean_env, linked_venv

NAME = "health"
# Every file the contract adds, by where it goes. Nothing else in the copy is written, but for the
# registry's one line and the docs' rows (REGISTRY, DOC_ROWS below).
FILES = {
    f"infocheck/contracts/{NAME}/__init__.py": '''
"""A throwaway contract: GET {base}/health answers {"status": "ok"}."""
from infocheck.contracts.health.contract import CONTRACT

__all__ = ["CONTRACT"]
''',
    f"infocheck/contracts/{NAME}/contract.py": '''
from __future__ import annotations

from urllib.parse import urlsplit

from infocheck.configuration.knobs import ConfigError
from infocheck.contracts.base import Contract


class HealthContract(Contract):
    name = "health"
    title = "a health route (GET /health)"
    fixtures_plugin = "infocheck.contracts.health.fixtures"
    flavours = {"reference": "the contract at its best"}

    def parse_api_versions(self, raw, label):
        if raw.strip().lower() in ("", "none", "all-known"):
            return ("",)
        raise ConfigError(f"{label}: the health contract sends no api-version")

    def token_scope(self, api_version):
        return "https://health.example/.default"

    def target_url(self, endpoint):
        parts = urlsplit(endpoint)
        return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"

    def client(self, probe, config, shared, recorded):
        from infocheck.contracts.health.client import HealthClient
        return HealthClient(probe, config, shared, recorded)

    def candidate_versions(self):
        return ("",)

    def reference_server(self, key, flavour="reference", tokens=(), base_path=None,
                         host="127.0.0.1", port=0, verbose=False):
        from infocheck.contracts.health.server import HealthHandler, ReferenceServer, ServerSettings
        settings = ServerSettings(api_key=key, base_path=(base_path or "").rstrip("/"),
                                  tokens=tuple(tokens))
        return ReferenceServer(settings, HealthHandler, host=host, port=port, verbose=verbose)

    def server_banner(self, server, flavour):
        return [f"infocheck reference server: {server.url}/health",
                f"contract {self.name} ({self.title}), flavour {flavour}: {self.flavours[flavour]}"]


CONTRACT = HealthContract()
''',
    f"infocheck/contracts/{NAME}/client.py": '''
from infocheck.contracts.client import DEFAULT, JSON_ACCEPT, ContractClient
from infocheck.wire.exchange import Request


class HealthClient(ContractClient):
    def request(self, *, method="GET", auth=DEFAULT, headers=()):
        sent = [JSON_ACCEPT, *(self.credentials() if auth is DEFAULT else auth), *headers]
        return Request(method=method, query=None, headers=tuple(sent), path="/health")
''',
    f"infocheck/contracts/{NAME}/checks.py": '''
from infocheck.bundle import schema_errors, validator
from infocheck.contracts import checking
from infocheck.contracts.checking import fail, parsed_json, shown, summary


def universal(ex):
    checking.no_echo(ex, "HEALTH-NO-ECHO")
    checking.answered(ex, "HEALTH-NO-5XX")


def status_200(ex):
    if ex.status != 200:
        fail("HEALTH-200", "200 OK", summary(ex), ex)


def json_media(ex):
    checking.json_media_type(ex, "HEALTH-JSON")


def status_ok(ex):
    body = parsed_json(ex, "HEALTH-STATUS-OK")
    problems = schema_errors(validator("health/status"), body)
    if problems:
        fail("HEALTH-STATUS-OK", '{"status": "ok"}', f"{shown(body, 120)}: {problems[0]}", ex)


def refused(ex, requirement):
    checking.answered(ex, "HEALTH-NO-5XX")
    if ex.status not in (401, 403):
        fail(requirement, "401 or 403", summary(ex), ex)


def no_store(ex):
    if "no-store" not in (ex.header("cache-control") or "").lower():
        fail("HEALTH-NO-STORE", "Cache-Control: no-store", ex.shown_header("cache-control"), ex)
''',
    f"infocheck/contracts/{NAME}/fixtures.py": '''
import pytest

from infocheck.contracts.health.client import HealthClient
from infocheck.contracts.positive import positive_exchange, succeeded


@pytest.fixture
def health(infocheck_config, api_version, infocheck_probe, infocheck_shared, infocheck_recorded):
    return HealthClient(infocheck_probe, infocheck_config.for_version(api_version),
                        infocheck_shared, infocheck_recorded)


@pytest.fixture
def status(health):
    return positive_exchange(health)


@pytest.fixture
def working_status(status):
    return succeeded(status, "GET /health", "HEALTH-200")
''',
    f"infocheck/contracts/{NAME}/server.py": '''
from infocheck.server.base import JSONHandler, ReferenceServer, Refusal, ServerSettings

__all__ = ["HealthHandler", "ReferenceServer", "ServerSettings"]


class HealthHandler(JSONHandler):
    def serve(self, head):
        self.discard_body()
        try:
            if self.route() is None:
                raise Refusal(404, "NotFound", "No such route.")
            self.authenticate()
            return self.send_json(200, self.status(), self.extra_headers(), head)
        except Refusal as refusal:
            return self.send_refusal(refusal, head)

    def route(self):
        return "health" if self.path.split("?")[0] == self.settings.base_path + "/health" else None

    def status(self):
        return {"status": "ok"}

    def extra_headers(self):
        return {"Cache-Control": "no-store"}

    def send_refusal(self, refusal, head=False):
        self.send_json(refusal.status, {"error": {"code": refusal.code, "message": refusal.message}},
                       refusal.headers, head)
''',
    f"suites/{NAME}/__init__.py": '''
"""The health contract's suites (a package, as every contract's: see suites/__init__.py)."""
''',
    # Named like a self-test file on purpose: the self-test that runs it has that module imported.
    f"suites/{NAME}/test_faults.py": '''
"""The health route: 200, JSON, {"status": "ok"}, not cached; refused without a credential; no
answer echoes it or is a server error."""
import pytest

from infocheck.contracts.health import checks

requirement = pytest.mark.requirement


@requirement("HEALTH-200")
def test_the_route_answers_200(status):
    checks.status_200(status)


@requirement("HEALTH-JSON")
def test_the_answer_is_json(working_status):
    checks.json_media(working_status)


@requirement("HEALTH-STATUS-OK")
def test_the_status_is_ok(working_status):
    checks.status_ok(working_status)


@requirement("HEALTH-NO-STORE")
def test_the_answer_is_not_stored(working_status):
    checks.no_store(working_status)


@requirement("HEALTH-AUTH-MISSING")
def test_without_a_credential_it_is_refused(health, working_status):
    checks.refused(health.once(auth=()), "HEALTH-AUTH-MISSING")


@requirement("HEALTH-NO-ECHO", "HEALTH-NO-5XX")
def test_no_answer_echoes_the_credential_or_fails(health, working_status):
    for exchange in (working_status, health.once(auth=())):
        checks.universal(exchange)
''',
    f"schemas/{NAME}/status.json": json.dumps({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://infocheck.example/schemas/health/status.json",
        "type": "object", "required": ["status"], "properties": {"status": {"const": "ok"}}}),
    f"fixtures/{NAME}/requirements.json": json.dumps({
        "$comment": "A throwaway contract's catalogue (tests/test_third_contract.py).",
        "contract": NAME,
        "areas": ["health", "authentication"],
        "markers": {"health": "health", "authentication": "auth"},
        "universal": ["HEALTH-NO-5XX", "HEALTH-NO-ECHO"],
        "fixed": ["HEALTH-NO-5XX", "HEALTH-NO-ECHO", "HEALTH-200"],
        "positive": "HEALTH-200",
        "echo": "HEALTH-NO-ECHO",
        "requirements": [
            {"id": "HEALTH-200", "level": "MUST", "area": "health",
             "statement": "GET {base}/health with valid credentials MUST answer 200 OK.", "source": "this test"},
            {"id": "HEALTH-JSON", "level": "MUST", "area": "health",
             "statement": "The answer MUST carry a JSON media type.", "source": "this test"},
            {"id": "HEALTH-STATUS-OK", "level": "MUST", "area": "health",
             "statement": "The answer MUST be {\"status\": \"ok\"}.", "source": "this test"},
            {"id": "HEALTH-NO-STORE", "level": "SHOULD", "area": "health",
             "statement": "The answer SHOULD say Cache-Control: no-store.", "source": "this test"},
            {"id": "HEALTH-AUTH-MISSING", "level": "MUST", "area": "authentication",
             "statement": "A request without credentials MUST be refused (401 or 403).", "source": "this test"},
            {"id": "HEALTH-NO-ECHO", "level": "MUST", "area": "authentication",
             "statement": "No answer MUST carry the credential.", "source": "this test"},
            {"id": "HEALTH-NO-5XX", "level": "MUST", "area": "health",
             "statement": "No answer MUST be a server error.", "source": "this test"},
        ]}, indent=1),
    # Its faulty servers, where the completeness self-tests look for a contract's.
    f"tests/faults_{NAME}.py": '''
import credential_faults as credential
from fault_registry import registry
from infocheck.contracts.health.server import HealthHandler, Refusal

FAULTS, fault = registry()


@fault(failed={"HEALTH-200"})
class Answers202(HealthHandler):
    def send_json(self, status, document, headers, head):
        super().send_json(202 if status == 200 else status, document, headers, head)


@fault(failed={"HEALTH-JSON"})
class PlainText(HealthHandler):
    def content_type(self):
        return "text/plain"


@fault(failed={"HEALTH-STATUS-OK"})
class StatusDown(HealthHandler):
    def status(self):
        return {"status": "down"}


@fault(findings={"HEALTH-NO-STORE"})
class Cacheable(HealthHandler):
    def extra_headers(self):
        return {}


@fault(failed={"HEALTH-AUTH-MISSING"})
class LetsAnyoneIn(credential.LetsNoCredentialThrough, HealthHandler):
    pass


@fault(failed={"HEALTH-NO-ECHO"})
class EchoesTheKey(HealthHandler):
    def extra_headers(self):
        return {"Cache-Control": "no-store", "x-debug-auth": self.headers.get("Authorization", "")}


@fault(failed={"HEALTH-NO-5XX"})
class CrashesWithoutACredential(HealthHandler):
    def authenticate(self):
        if not self.headers.get("Authorization") and not self.headers.get("api-key"):
            raise Refusal(500, "InternalServerError", "KeyError: authorization")
        super().authenticate()
''',
}
REGISTRY = ('    "models": "infocheck.contracts.models",\n',
            '    "models": "infocheck.contracts.models",\n    "health": "infocheck.contracts.health",\n')
DOC_ROWS = "\n## `health`: a health route (GET /health)\n\n| ID | level | requirement | source |\n|---|---|---|---|\n" + "".join(
    f"| `{r['id']}` | {r['level']} | {r['statement']} | {r['source']} |\n"
    for r in json.loads(FILES[f"fixtures/{NAME}/requirements.json"])["requirements"])
# The contract's own folders, and the only other files it touches.
OWN = (f"infocheck/contracts/{NAME}/", f"suites/{NAME}/", f"schemas/{NAME}/", f"fixtures/{NAME}/",
       f"tests/faults_{NAME}.py")
TOUCHED = ("infocheck/contracts/__init__.py", "docs/requirements.md")


def run(command, cwd, timeout=300, **env) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in command], cwd=cwd, env=clean_env(**env),
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    """A copy of the repository with the third contract added, and nothing else changed."""
    root = checkout(tmp_path_factory.mktemp("third") / "tree")
    for name, text in FILES.items():
        assert name.startswith(OWN), name
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text.lstrip("\n"), encoding="utf-8")
    registry = root / TOUCHED[0]
    assert REGISTRY[0] in registry.read_text()
    registry.write_text(registry.read_text().replace(*REGISTRY))
    with open(root / TOUCHED[1], "a", encoding="utf-8") as page:
        page.write(DOC_ROWS)
    return root


def test_its_self_tests_find_it_and_catch_each_of_its_faults_exactly(tree):
    # The completeness checks, its reference server, each fault, and the docs row: all found
    # through the registry; its suite file is named like the self-test that runs it.
    junit = tree / "self-tests.xml"
    result = run([sys.executable, "-m", "pytest", "-c", "tests/pytest.ini", "-p", "no:randomly",
                  "-n", "0", "-q", f"--junitxml={junit}", "tests/test_catalogue.py",
                  "tests/test_faults.py", "tests/test_units.py", "tests/test_contract_unit.py",
                  "-k", f"{NAME} or requirements_page or keep_the_interface"], tree,
                 PYTHONPATH=str(tree))
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    cases = ElementTree.parse(junit).getroot().iter("testcase")
    passed = {case.get("name") for case in cases if not len(case)}   # no failure, error or skip
    faults = re.findall(r"^class (\w+)\(", FILES[f"tests/faults_{NAME}.py"], re.MULTILINE)
    assert len(faults) == 7
    assert {f"test_suite_reports_exactly_the_fault[{NAME}-{fault}]" for fault in faults} <= passed
    assert {f"{test}[{NAME}]" for test in (
        "test_every_test_names_a_catalogued_requirement", "test_every_requirement_has_a_test",
        "test_its_suites_are_a_package_of_their_own",
        "test_every_requirement_is_caught_by_a_faulty_server", "test_fault_levels_match_the_catalogue",
        "test_universal_requirements_are_catalogued_musts",
        "test_the_reference_server_passes_with_no_finding")} <= passed
    assert {"test_the_requirements_page_lists_every_requirement_at_its_level",
            "test_the_registered_contracts_keep_the_interface"} <= passed


def test_its_suite_runs_in_the_copy_against_its_reference_server(tree):
    result = run([sys.executable, "-m", "pytest", "-p", "no:randomly", "-q", "--contract", NAME,
                  "--embedded"], tree, PYTHONPATH=str(tree))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    report = json.loads((tree / "reports" / "infocheck.json").read_text())
    assert report["contract"] == NAME and report["verdict"] == "CONFORMANT"
    assert {r["test"].split("::")[0] for r in report["results"]} == {f"suites/{NAME}/test_faults.py"}


def test_the_wheel_carries_it_and_checks_it_installed(tree, tmp_path):
    built = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                 "-w", tmp_path / "wheels", tree], tmp_path)
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next((tmp_path / "wheels").glob("infocheck-*.whl"))
    carried = set(zipfile.ZipFile(wheel).namelist())
    for name in FILES:
        if not name.startswith("tests/"):
            top = name.split("/", 1)[0]
            assert (f"infocheck/bundled/{name}" if top != "infocheck" else name) in carried, name
    bin_folder = linked_venv(tmp_path / "venv")
    installed = run([sys.executable, "-m", "pip", "--python", bin_folder / "python", "install",
                     "--no-deps", "--no-index", "-q", wheel], tmp_path)
    assert installed.returncode == 0, installed.stderr[-2000:]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    checked = run([bin_folder / "infocheck", "-q", "--contract", NAME, "--embedded"], elsewhere)
    assert checked.returncode == 0, checked.stdout[-3000:] + checked.stderr[-2000:]
    report = json.loads((elsewhere / "reports" / "infocheck.json").read_text())
    assert (report["contract"], report["verdict"]) == (NAME, "CONFORMANT")
    assert {r["id"] for r in report["requirements"]} == {
        r["id"] for r in json.loads(FILES[f"fixtures/{NAME}/requirements.json"])["requirements"]}
    served = run([bin_folder / "infocheck", "serve", "--contract", NAME, "--flavour", "nope"], elsewhere)
    assert served.returncode == 4 and "choose from reference" in served.stderr, served.stderr


def test_how_it_is_built_names_every_file_a_contract_or_a_requirement_touches():
    from harness import ROOT
    page = (ROOT / "docs" / "how-it-is-built.md").read_text(encoding="utf-8")
    changing = page[page.index("## Changing it"):]
    contract = changing[changing.index("- **A contract**"):changing.index("- **A knob**")]
    requirement = changing[changing.index("- **A requirement of a contract**"):changing.index("- **A contract**")]
    for path in OWN + TOUCHED:
        generic = path.replace(NAME, "NAME").rstrip("/")
        named = generic.replace("docs/", "").replace("infocheck/contracts/__init__.py", "__init__.py")
        assert f"`{generic}" in contract or f"({named})" in contract or named in contract, path
    for step in ("fixtures/NAME/requirements.json", "requirements.md", "suites/NAME/",
                 "tests/faults_NAME.py", "@pytest.mark.requirement"):
        assert step in requirement, step
