"""End to end, for every registered contract: its reference server passes with no finding and
every requirement reported; the suite against each of its faulty servers (tests/faults_NAME.py)
reports exactly that server's faults, and the credential appears in none of its outputs.
test_catalogue.py checks every requirement has such a server."""
import pytest

from completeness import every_fault, faults, run_args, serve_fault
from harness import run_suite, serve
from infocheck import contracts
from infocheck.judging.catalogue import builtin


@pytest.mark.parametrize("contract", contracts.names())
def test_the_reference_server_passes_with_no_finding(tmp_path, contract):
    run = run_suite(tmp_path, "--contract", contract, html=False)
    assert run.code == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert not run.must_failed and not run.findings, run.stdout[-3000:]
    assert {r["id"] for r in run.report["requirements"]} == set(builtin(contracts.get(contract)))
    assert not run.leaks()


@pytest.mark.parametrize("contract, name", every_fault())
def test_suite_reports_exactly_the_fault(tmp_path, contract, name):
    fault = faults(contract)[name]
    with serve_fault(contract, fault.handler) as server:
        # The HTML report (most of a run's time) is rendered where a fault puts the credential
        # into answers; the verdicts and the other outputs are checked for every fault.
        run = run_suite(tmp_path, "--contract", contract, *run_args(contract), *fault.args,
                        endpoint=server.url,
                        html=builtin(contracts.get(contract)).echo in fault.failed)
    expected_code = 1 if fault.failed else 0
    assert run.code == expected_code, run.stdout[-3000:] + run.stderr[-2000:]
    assert run.must_failed == fault.failed, run.stdout[-3000:]
    assert run.findings == fault.findings, run.stdout[-3000:]
    assert not run.leaks(), f"credential found in {run.leaks()}"


def test_closed_version_names_the_spelling_it_recognises(tmp_path):
    from faults import VendorAliasUnderClosedVersion
    with serve(VendorAliasUnderClosedVersion) as server:
        run = run_suite(tmp_path, endpoint=server.url)
    assert "`chat-completion` is the 2024-05-01-preview spelling of `chat_completion`" in run.stdout


def test_extensible_version_names_a_vendor_alias_as_a_finding(tmp_path):
    from faults import VendorAliasUnderExtensibleVersion
    with serve(VendorAliasUnderExtensibleVersion) as server:
        run = run_suite(tmp_path, "--api-version", "2024-05-01-preview", endpoint=server.url)
    assert run.code == 0
    assert "`embedding` is a known vendor alias of `embeddings`" in run.stdout
