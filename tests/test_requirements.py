"""The requirement catalogue on fixed files: infocheck's own, a team's merged in, a policy
applied, and every way a file can be wrong, with the message that names it. Fast and
in-process, so that mutation testing can run them for every mutant of requirements.py."""
import dataclasses
import json

import pytest

from infocheck.judging.catalogue import CatalogueError, Requirement, builtin, load

# What the info contract's catalogue says of itself (fixtures/info/requirements.json).
AREAS = ("response shape", "api-version", "authentication", "HTTP robustness", "deployments")
FIXED = ("HTTP-NO-5XX", "AUTH-NO-ECHO", "SHAPE-200")

ENTRY = {"id": "ACME-X", "level": "MUST", "area": "acme", "statement": "s", "source": "r"}


def write(tmp_path, name, document) -> str:
    path = tmp_path / name
    if isinstance(document, bytes):
        path.write_bytes(document)
    else:
        path.write_text(document if isinstance(document, str) else json.dumps(document))
    return str(path)


def team(tmp_path, *entries, namespace="ACME", name="acme.json") -> str:
    return write(tmp_path, name, {"namespace": namespace, "requirements": list(entries) or [ENTRY]})


def refused(*args) -> str:
    with pytest.raises(CatalogueError) as raised:
        load(*args)
    return str(raised.value)


def test_infocheck_s_own_catalogue():
    own = builtin()
    assert load() is own and load((), None) is own
    assert len(own) == len(list(own)) > 30 and "SHAPE-200" in own
    assert own["SHAPE-200"].level == "MUST" and own["SHAPE-200"].catalogue == "infocheck"
    assert own.areas == AREAS and own.policy == {} and own.describe_policy() == "none"
    assert (own.fixed, own.universal, own.positive) == (FIXED, FIXED[:2], "SHAPE-200")
    assert (own.marker("authentication"), own.marker("HTTP robustness"), own.marker("response shape")) == (
        "auth", "http", "response")
    assert {r.area for r in own.values()} == set(AREAS)
    assert not own["SHAPE-200"].ignored


def test_a_team_catalogue_is_merged_after_infocheck_s(tmp_path):
    second = dict(ENTRY, id="ACME-Y", level="SHOULD", area="acme gateway")
    merged = load((team(tmp_path, ENTRY, second),))
    assert list(merged)[-2:] == ["ACME-X", "ACME-Y"] and list(merged)[0] == list(builtin())[0]
    assert merged["ACME-X"] == Requirement("ACME-X", "MUST", "acme", "s", "r", catalogue="ACME")
    assert merged.areas == AREAS + ("acme", "acme gateway")
    padded = load((team(tmp_path, dict(ENTRY, statement="  s  "), name="padded.json"),))
    assert padded["ACME-X"].statement == "s"


@pytest.mark.parametrize("document, says", [
    ([], "must be an object with namespace and requirements"),
    ({"namespace": "ACME", "requirements": [ENTRY], "extra": 1}, "must be an object with namespace"),
    ({"namespace": "acme", "requirements": [ENTRY]}, "namespace must be 2 to 16 capital letters"),
    ({"namespace": "A", "requirements": [ENTRY]}, "namespace must be 2 to 16"),
    ({"namespace": "A" * 17, "requirements": [ENTRY]}, "namespace must be 2 to 16"),
    ({"namespace": 7, "requirements": [ENTRY]}, "namespace must be 2 to 16"),
    ({"namespace": "SHAPE", "requirements": [ENTRY]}, "namespace SHAPE is infocheck's own"),
    ({"namespace": "ACME", "requirements": []}, "requirements must be a non-empty list"),
    ({"namespace": "ACME", "requirements": {"a": 1}}, "requirements must be a non-empty list"),
    ({"namespace": "ACME", "requirements": ["x"]}, "requirement 1: each requirement is an object with id, level"),
    ({"namespace": "ACME", "requirements": [{**ENTRY, "why": 1}]}, "requirement 1: unknown field(s) why"),
    ({"namespace": "ACME", "requirements": [{k: v for k, v in ENTRY.items() if k not in ("area", "source")}]},
     "requirement 1: missing field(s) area, source"),
    ({"namespace": "ACME", "requirements": [{"id": "ACME-X", "level": "MUST", "area": "a", "statement": "s",
                                            "sourc": "r"}]}, "1: missing field(s) source; unknown field(s) sourc"),
    ({"namespace": "ACME", "requirements": [{**ENTRY, "statement": "  "}]}, "must be non-empty text"),
    ({"namespace": "ACME", "requirements": [{**ENTRY, "source": 3}]}, "must be non-empty text"),
    ({"namespace": "ACME", "requirements": [{**ENTRY, "level": "MAY"}]}, "level 'MAY' is not one of MUST, SHOULD"),
    ({"namespace": "ACME", "requirements": [{**ENTRY, "level": "IGNORED"}]}, "is not one of MUST, SHOULD"),
    ({"namespace": "ACME", "requirements": [{**ENTRY, "id": "OTHER-X"}]}, "the ID 'OTHER-X' must be ACME-NAME"),
    ({"namespace": "ACME", "requirements": [{**ENTRY, "id": "ACME-x"}]}, "the ID 'ACME-x' must be ACME-NAME"),
    ({"namespace": "ACME", "requirements": [{**ENTRY, "id": "ACMEX-Y"}]}, "the ID 'ACMEX-Y' must be ACME-NAME"),
    ({"namespace": "ACME", "requirements": [ENTRY, ENTRY]}, "ACME-X is declared twice"),
    ("{", "is not valid JSON"),
    (b"\xff{}", "is not valid JSON"),
])
def test_a_bad_team_catalogue_is_named(tmp_path, document, says):
    path = write(tmp_path, "acme.json", document)
    message = refused((path,))
    assert message.startswith(f"INFOCHECK_REQUIREMENTS / --requirements: {path}") and says in message
    if "field(s)" in says:   # the whole list of names, no more
        assert message.endswith(says)


def test_an_unreadable_catalogue_and_a_second_use_of_a_namespace(tmp_path):
    assert refused((str(tmp_path / "none.json"),)) == (
        f"INFOCHECK_REQUIREMENTS / --requirements: {str(tmp_path / 'none.json')}: cannot read the "
        "requirement catalogue (No such file or directory)")
    first = team(tmp_path)
    again = team(tmp_path, dict(ENTRY, id="ACME-Z"), name="again.json")
    assert refused((first, again)).endswith(f"namespace ACME is also used by {first}")


def policy(tmp_path, levels, name="policy.json") -> str:
    return write(tmp_path, name, {"levels": levels})


def test_a_policy_changes_levels_and_records_what_it_changed(tmp_path):
    path = policy(tmp_path, {"AUTH-401": "MUST", "HTTP-DATE": "IGNORED", "AUTH-MISSING": "MUST", "ACME-X": "SHOULD"})
    known = load((team(tmp_path),), path)
    assert known["AUTH-401"] == dataclasses.replace(builtin()["AUTH-401"], level="MUST", declared_level="SHOULD")
    assert known["HTTP-DATE"].ignored and not known["AUTH-401"].ignored
    assert known["AUTH-MISSING"].declared_level == ""      # already a MUST: nothing changed
    assert known.policy == {"AUTH-401": ("SHOULD", "MUST"), "HTTP-DATE": ("SHOULD", "IGNORED"),
                            "ACME-X": ("MUST", "SHOULD")}
    assert known.describe_policy() == (f"{path} (AUTH-401 SHOULD → MUST, HTTP-DATE SHOULD → IGNORED, "
                                       "ACME-X MUST → SHOULD)")
    unchanged = policy(tmp_path, {"AUTH-MISSING": "MUST"}, "same.json")
    assert load((), unchanged).describe_policy() == f"{unchanged} (no change)"
    assert load((), unchanged).policy_file == unchanged


@pytest.mark.parametrize("document, says", [
    ({"levels": {"NOPE-1": "MUST"}}, "'NOPE-1' is not a requirement ID"),
    ({"levels": {"AUTH-401": "MAY"}}, "AUTH-401: level 'MAY' is not one of MUST, SHOULD, IGNORED"),
    ({"levels": []}, "must be an object with levels"),
    ({"levels": {}, "extra": 1}, "must be an object with levels"),
    ([], "must be an object with levels"),
])
def test_a_bad_policy_is_named(tmp_path, document, says):
    path = write(tmp_path, "policy.json", document)
    message = refused((), path)
    assert message.startswith(f"INFOCHECK_POLICY / --policy: {path}") and says in message


@pytest.mark.parametrize("fixed", FIXED)
def test_a_policy_cannot_change_what_every_check_stands_on(tmp_path, fixed):
    for level in ("SHOULD", "IGNORED"):
        assert refused((), policy(tmp_path, {fixed: level})).endswith(
            f"{fixed} cannot be changed; every other check stands on it")
    assert load((), policy(tmp_path, {fixed: "MUST"}, "same.json"))[fixed].level == "MUST"


def test_the_shipped_catalogue_is_checked_as_a_team_s_is(tmp_path):
    class Shipped:
        """A contract whose catalogue is `entries`."""
        name = "shipped"

        def data(self, kind):
            return tmp_path

    def shipped(entries, **shape):
        (tmp_path / "requirements.json").write_text(json.dumps({"areas": ["response shape"], **shape,
                                                                "requirements": entries}))
        return builtin(Shipped())
    own = {"id": "SHAPE-200", "level": "MUST", "area": "response shape", "statement": "s", "source": "r"}
    assert list(shipped([own])) == ["SHAPE-200"]
    with pytest.raises(CatalogueError, match="requirements.json: SHAPE-200 is listed twice"):
        shipped([own, own])
    with pytest.raises(CatalogueError, match="requirements.json: SHAPE-200 has an unknown area"):
        shipped([dict(own, area="elsewhere")])
    with pytest.raises(CatalogueError, match="requirements.json: SHAPE-200: level 'MAY'"):
        shipped([dict(own, level="MAY")])
    with pytest.raises(CatalogueError, match="requirements.json: HTTP-NO-5XX is named as universal"):
        shipped([own], universal=["HTTP-NO-5XX"])
    for not_a_catalogue in ([own], {"areas": [], "extra": 1}):
        (tmp_path / "requirements.json").write_text(json.dumps(not_a_catalogue))
        with pytest.raises(CatalogueError) as raised:
            builtin(Shipped())
        assert str(raised.value) == ("requirements.json: an object with contract, areas, markers, "
                                     "universal, fixed, positive, echo, requirements")
    said = shipped([own], echo="SHAPE-200", positive="SHAPE-200", universal=["SHAPE-200"])
    assert (said.shape.contract, said.echo, said.positive, said.universal) == (
        "shipped", "SHAPE-200", "SHAPE-200", ("SHAPE-200",))
    with pytest.raises(dataclasses.FrozenInstanceError):
        said.shape.echo = "SHAPE-JSON"


def test_each_contract_names_the_requirement_an_echo_fails_and_its_positive_one():
    from infocheck import contracts
    assert (builtin().echo, builtin().positive) == ("AUTH-NO-ECHO", "SHAPE-200")
    models = builtin(contracts.get("models"))
    assert (models.echo, models.positive) == ("MODELS-NO-ECHO", "MODELS-LIST-200")


def test_no_team_may_take_a_namespace_any_contract_uses():
    from infocheck.judging.catalogue import shipped_namespaces
    taken = shipped_namespaces()
    assert {"AUTH", "SHAPE", "HTTP", "MODELS"} <= taken
    assert not taken & {"MISSING", "200", "NO", "ECHO"}     # the first word of an ID only


def test_requirements_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        builtin()["SHAPE-200"].level = "SHOULD"

