"""End to end: the suite against each faulty server reports exactly that server's faults, and
the credential appears in none of its outputs."""
import pytest

from faults import FAULTS
from harness import run_suite, serve
from infocheck.server import DEFAULT_MODELS

DEPLOYMENTS = [arg for name in DEFAULT_MODELS for arg in ("--deployment", name)]


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_suite_reports_exactly_the_fault(tmp_path, name):
    fault = FAULTS[name]
    with serve(fault.handler) as server:
        run = run_suite(tmp_path, *DEPLOYMENTS, endpoint=server.url)
    expected_code = 1 if fault.failed else 0
    assert run.code == expected_code, run.stdout[-3000:] + run.stderr[-2000:]
    assert run.must_failed == fault.failed, run.stdout[-3000:]
    assert run.findings == fault.findings, run.stdout[-3000:]
    assert not run.leaks(), f"credential found in {run.leaks()}"
