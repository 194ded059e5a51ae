"""End to end: the suite against each faulty server reports exactly that server's faults, and
the credential appears in none of its outputs."""
import pytest

from faults import FAULTS
from harness import run_suite, serve
from infocheck.contracts.info.server import DEFAULT_MODELS

DEPLOYMENTS = [arg for name in DEFAULT_MODELS for arg in ("--deployment", name)]


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_suite_reports_exactly_the_fault(tmp_path, name):
    fault = FAULTS[name]
    with serve(fault.handler) as server:
        # The HTML report (most of a run's time) is rendered where a fault puts the credential
        # into answers; the verdicts and the other outputs are checked for every fault.
        run = run_suite(tmp_path, *DEPLOYMENTS, *fault.args, endpoint=server.url,
                        html="AUTH-NO-ECHO" in fault.failed)
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
