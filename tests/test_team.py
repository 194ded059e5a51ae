"""A team's own requirements: the worked example in docs/team-example runs with infocheck's
suites in one run, shows in every report, and follows the same exit rules; a policy changes
levels; every mistake in a catalogue, a policy or a team test is a usage error (exit 4)."""
import json
import xml.etree.ElementTree as ET

import pytest

from faults import FAULTS
from harness import ROOT, run_suite, serve
from infocheck.judging.catalogue import CatalogueError, builtin, load
from infocheck.contracts.info.server import InfoHandler

EXAMPLE = ROOT / "docs" / "team-example"
TEAM = ("suites", str(EXAMPLE), "--requirements", str(EXAMPLE / "acme-requirements.json"),
        "--policy", str(EXAMPLE / "acme-policy.json"))


def requirement(run, requirement_id) -> dict:
    return next(r for r in run.report["requirements"] if r["id"] == requirement_id)


def test_the_example_passes_against_the_reference_server_and_shows_in_every_report(tmp_path):
    run = run_suite(tmp_path, *TEAM)
    assert run.code == 0, run.stdout[-3000:]
    acme = requirement(run, "ACME-REQUEST-ID")
    assert (acme["catalogue"], acme["level"], acme["verdict"]) == ("ACME", "MUST", "passed")
    assert acme["tests"] == [t for t in acme["tests"] if "test_acme.py" in t] and acme["tests"]
    assert requirement(run, "ACME-PROVIDER")["verdict"] == "passed"
    # the policy: recorded, applied, and the ignored requirement's test not run at all
    assert run.report["policy"] == {"AUTH-401": {"catalogue_level": "SHOULD", "level": "MUST"},
                                    "AUTH-CHALLENGE": {"catalogue_level": "SHOULD", "level": "IGNORED"}}
    assert "AUTH-401 SHOULD → MUST" in run.report["configuration"]["policy"]
    challenge = requirement(run, "AUTH-CHALLENGE")
    assert (challenge["level"], challenge["verdict"], challenge["tests"]) == ("IGNORED", "ignored", [])
    assert "1 deselected" in run.stdout
    html = run.outputs["infocheck.html"]
    assert "<h3>ACME gateway</h3>" in html and "ACME-REQUEST-ID" in html
    assert "MUST (policy; catalogue: SHOULD)" in html
    cases = ET.fromstring(run.outputs["junit.xml"]).iter("testcase")
    properties = {(p.get("name"), p.get("value")) for case in cases
                  if case.get("name") == "test_every_answer_carries_x_ms_request_id"
                  for p in case.iter("property")}
    assert properties == {("requirement", "ACME-REQUEST-ID"), ("level", "MUST")}


def test_the_teams_checks_cost_the_endpoint_no_extra_request(tmp_path):
    alone, together = run_suite(tmp_path / "alone"), run_suite(tmp_path / "team", *TEAM)
    # one test fewer (AUTH-CHALLENGE's, ignored); the team's share infocheck's exchanges
    assert together.report["requests"]["sent"] <= alone.report["requests"]["sent"]


def test_a_team_must_that_fails_fails_the_run(tmp_path):
    with serve(FAULTS["NoRequestId"].handler) as server:
        run = run_suite(tmp_path, *TEAM, endpoint=server.url)
    assert run.code == 1
    assert run.must_failed == {"ACME-REQUEST-ID"} and "HTTP-REQUEST-ID" in run.findings
    assert "[MUST ACME-REQUEST-ID] Every answer" in run.stdout


def test_the_policy_makes_a_should_a_must(tmp_path):
    with serve(FAULTS["ForbiddenInsteadOf401"].handler) as server:
        plain = run_suite(tmp_path / "plain", endpoint=server.url)
        gated = run_suite(tmp_path / "gated", *TEAM, endpoint=server.url)
    assert (plain.code, plain.findings) == (0, {"AUTH-401"})
    assert (gated.code, gated.must_failed) == (1, {"AUTH-401"})
    assert "[MUST AUTH-401]" in gated.stdout


def test_the_policy_ignores_a_requirement(tmp_path):
    with serve(FAULTS["NoChallenge"].handler) as server:
        run = run_suite(tmp_path, *TEAM, endpoint=server.url)
    assert run.code == 0 and run.findings == set()


class UncontractedProvider(InfoHandler):
    def send_model_info(self, model, head):
        self.send_json(200, dict(model, model_provider_name="Initech"), {}, head)


def test_a_team_should_that_fails_is_a_finding(tmp_path):
    with serve(UncontractedProvider) as server:
        run = run_suite(tmp_path, *TEAM, endpoint=server.url)
    assert (run.code, run.findings, run.must_failed) == (0, {"ACME-PROVIDER"}, set())


TEAM_TEST = '''
import pytest
from infocheck.contracts.info import checks

@pytest.mark.requirement("ACME-REQUEST-ID")
def test_mine(baseline):
    {body}
'''


def team_run(tmp_path, body: str, *args):
    test = tmp_path / "team" / "test_mine.py"
    test.parent.mkdir()
    test.write_text(TEAM_TEST.format(body=body))
    # With the suites, as the infocheck command collects them: without a test of each MUST
    # requirement (ACME's other one among them), a gate could pass by accident.
    return run_suite(tmp_path, str(ROOT / "suites"), str(test), "--requirements",
                     str(EXAMPLE / "acme-requirements.json"), *args)


def test_a_plain_assert_in_a_team_test_fails_the_requirements_it_declares(tmp_path):
    run = team_run(tmp_path, "assert baseline.status == 299, 'our gateway answers 299'")
    assert (run.code, run.must_failed) == (1, {"ACME-REQUEST-ID"})
    assert "INTERNAL" not in run.stdout


@pytest.mark.parametrize("body, says", [
    ("checks.fail('ACME-TYPO', 'x', 'y', baseline)",
     "failed ACME-TYPO, which the test does not declare with @pytest.mark.requirement, and no "
     "requirement catalogue declares"),
    ("checks.fail('ACME-PROVIDER', 'x', 'y', baseline)",
     "failed ACME-PROVIDER, which the test does not declare"),
])
def test_a_team_test_failing_an_undeclared_requirement_is_a_usage_error(tmp_path, body, says):
    run = team_run(tmp_path, body)
    assert run.code == 4 and run.report["verdict"] == "USAGE ERROR"
    assert says in run.report["explanation"]


def test_a_team_test_naming_an_unknown_requirement_is_a_usage_error(tmp_path):
    test = tmp_path / "test_unknown.py"
    test.write_text("import pytest\n\n@pytest.mark.requirement('ACME-NOPE')\ndef test_x(info):\n    pass\n")
    run = run_suite(tmp_path, str(test), "--requirements", str(EXAMPLE / "acme-requirements.json"))
    assert run.code == 4
    assert "names ACME-NOPE, which no requirement catalogue declares" in run.stderr + run.stdout


class Counted(InfoHandler):
    seen: list = []

    def parse_request(self):
        Counted.seen.append(self.raw_requestline)
        return super().parse_request()


def test_a_bad_catalogue_is_a_usage_error_before_any_request(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"namespace": "AUTH", "requirements": []}))
    with serve(Counted) as server:
        run = run_suite(tmp_path, "--requirements", str(bad), endpoint=server.url)
    assert Counted.seen == []
    assert run.code == 4 and "namespace AUTH is infocheck's own" in run.stderr


def catalogue_file(tmp_path, name="team.json", namespace="ACME", **entry):
    requirement = {"id": f"{namespace}-ONE", "level": "MUST", "area": "ours",
                   "statement": "It MUST.", "source": "our book", **entry}
    path = tmp_path / name
    path.write_text(json.dumps({"namespace": namespace, "requirements": [requirement]}))
    return str(path)


def policy_file(tmp_path, levels):
    path = tmp_path / "policy.json"
    path.write_text(json.dumps({"levels": levels}))
    return str(path)


@pytest.mark.parametrize("entry, says", [
    ({"id": "ACME-ONE", "level": "MAY"}, "level 'MAY' is not one of MUST, SHOULD"),
    ({"id": "OTHER-ONE"}, "must be ACME-NAME"),
    ({"id": "ACME-one"}, "must be ACME-NAME"),
    ({"statement": ""}, "must be non-empty text"),
    ({"owner": "me"}, "unknown field(s) owner"),
])
def test_a_bad_team_requirement_is_named(tmp_path, entry, says):
    with pytest.raises(CatalogueError, match="requirement 1") as error:
        load((catalogue_file(tmp_path, **entry),))
    assert says in str(error.value)


def test_a_clash_between_catalogues_is_refused(tmp_path):
    first = catalogue_file(tmp_path, "a.json")
    second = catalogue_file(tmp_path, "b.json")
    with pytest.raises(CatalogueError, match="namespace ACME is also used by .*a.json"):
        load((first, second))
    with pytest.raises(CatalogueError, match="namespace SHAPE is infocheck's own"):
        load((catalogue_file(tmp_path, namespace="SHAPE"),))


@pytest.mark.parametrize("levels, says", [
    ({"AUTH-NOPE": "MUST"}, "'AUTH-NOPE' is not a requirement ID"),
    ({"AUTH-401": "MAY"}, "level 'MAY' is not one of MUST, SHOULD, IGNORED"),
    ({"SHAPE-200": "SHOULD"}, "SHAPE-200 cannot be changed"),
    ({"HTTP-NO-5XX": "IGNORED"}, "HTTP-NO-5XX cannot be changed"),
])
def test_a_bad_policy_is_named(tmp_path, levels, says):
    with pytest.raises(CatalogueError, match="--policy") as error:
        load((), policy_file(tmp_path, levels))
    assert says in str(error.value)


def test_a_policy_may_change_a_teams_requirement_and_records_what_it_changed(tmp_path):
    known = load((catalogue_file(tmp_path),), policy_file(tmp_path, {"ACME-ONE": "SHOULD",
                                                                      "AUTH-401": "SHOULD"}))
    assert known["ACME-ONE"].level == "SHOULD" and known["ACME-ONE"].catalogue == "ACME"
    assert known.policy == {"ACME-ONE": ("MUST", "SHOULD")}   # AUTH-401 was already SHOULD
    assert known.areas == builtin().areas + ("ours",)
    assert load() is builtin()


def test_the_terminal_is_scrubbed_even_of_what_pytest_itself_prints(tmp_path):
    """A warning's text reaches only the terminal (never a report): masked there too."""
    test = tmp_path / "team" / "test_warns.py"
    test.parent.mkdir()
    test.write_text("import warnings\n\ndef test_warns(infocheck_config):\n"
                    "    warnings.warn('the key is ' + infocheck_config.api_key.reveal())\n")
    run = run_suite(tmp_path, str(ROOT / "suites"), str(test.parent), "-W", "always")
    assert run.code == 0 and "the key is ***" in run.stdout, run.stdout[-2000:]
    assert run.leaks() == []
