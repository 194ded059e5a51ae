"""The self-tests' one rule beyond pytest's: a test that ends in an unexpected NotTested fails.

The probe says "cannot check this" by raising NotTested, a unittest.SkipTest, so pytest would
report a self-test that hits one as skipped, and a run stays green. A mutant that made the probe
give up (a wait bound turned around, the request cap off by one) survived that way. A test that
expects a NotTested says so with pytest.raises; a skip marker (the browser test without
Chromium) is decided at setup and is not affected.
"""
import unittest

import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    # Looked at before pytest's unittest plugin turns the SkipTest into a plain skip.
    raised = call.excinfo.value if call.excinfo is not None else None
    outcome = yield
    if call.when == "call" and isinstance(raised, unittest.SkipTest):
        report = outcome.get_result()
        report.outcome = "failed"
        report.longrepr = f"{item.nodeid} ended in an unexpected {type(raised).__name__}: {raised}"
