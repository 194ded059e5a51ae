"""The requirement catalogue is the single source, for every registered contract: every test in
suites/NAME/ names only catalogued requirements, every requirement has a test and a faulty server
(tests/faults_NAME.py) that breaks it at its level; a contract without faults fails here.
test_faults.py runs each of those servers and sees it caught exactly."""
import pytest

from completeness import faults, suite_tests
from infocheck import contracts
from infocheck.judging.catalogue import builtin

CONTRACTS = contracts.names()


@pytest.mark.parametrize("name", CONTRACTS)
def test_every_test_names_a_catalogued_requirement(name):
    catalogue = builtin(contracts.get(name))
    assert suite_tests(name), f"suites/{name}/ has no tests"
    for test, ids in suite_tests(name):
        assert ids, f"{test} names no requirement"
        unknown = set(ids) - set(catalogue)
        assert not unknown, f"{test} names {unknown}, which are not in the catalogue"


@pytest.mark.parametrize("name", CONTRACTS)
def test_its_suites_are_a_package_of_their_own(name):
    # pytest then imports suites/NAME/test_x.py as suites.NAME.test_x, which no team's, self-
    # test's or other contract's test_x.py collides with.
    suites = contracts.get(name).data("suites")
    assert (suites.parent / "__init__.py").is_file() and (suites / "__init__.py").is_file(), \
        f"suites/{name}/__init__.py is missing"


@pytest.mark.parametrize("name", CONTRACTS)
def test_every_requirement_has_a_test(name):
    tested = {i for _, ids in suite_tests(name) for i in ids}
    assert set(builtin(contracts.get(name))) - tested == set()


@pytest.mark.parametrize("name", CONTRACTS)
def test_every_requirement_is_caught_by_a_faulty_server(name):
    found = faults(name)
    assert found, f"contract {name} has no faulty servers: give tests/faults_{name}.py its FAULTS"
    caught = set().union(*(fault.failed | fault.findings for fault in found.values()))
    assert set(builtin(contracts.get(name))) - caught == set()


@pytest.mark.parametrize("name", CONTRACTS)
def test_fault_levels_match_the_catalogue(name):
    catalogue = builtin(contracts.get(name))
    for fault_name, fault in faults(name).items():
        assert all(catalogue[r].level == "MUST" for r in fault.failed), fault_name
        assert all(catalogue[r].level == "SHOULD" for r in fault.findings), fault_name


@pytest.mark.parametrize("name", CONTRACTS)
def test_universal_requirements_are_catalogued_musts(name):
    catalogue = builtin(contracts.get(name))
    assert catalogue.universal and all(catalogue[r].level == "MUST" for r in catalogue.universal)
    assert catalogue.positive in catalogue and catalogue.echo in catalogue
