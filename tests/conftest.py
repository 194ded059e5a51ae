"""The self-tests' two rules beyond pytest's: a test that ends in an unexpected NotTested
fails, and the scheduler hands out whole modules where that is cheaper or needed.

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


# Test modules whose tests share one costly set-up (a module or session fixture), or must not
# race each other for a folder, run whole on one worker. pytest-xdist's own `--dist loadgroup`
# does this by the xdist_group mark, but on pytest 9.2 it silently stops grouping (its node-id
# suffix no longer takes: pytest-xdist issue #1386), so each worker built the wheel and ran the
# fleet again. This scheduler groups by module name, which needs no node-id trick.
ONE_WORKER = {
    "test_action.py": "its module fixture checks the repository out once",
    "test_action_summary.py": "its module fixtures check the repository out and run a failing suite once",
    "test_ci_recipes.py": "its module fixture runs the suite once for the files the recipes name",
    "test_fleet.py": "one fleet run, a session fixture, is read by most of its tests",
    "test_install.py": "one wheel is built into build/ and installed once",
    "test_watch_metrics.py": "one watcher, a module fixture, is scraped by all its tests",
}


# Modules of in-process unit tests (milliseconds each): one work unit per module, not a
# scheduler round trip per test.
QUICK = {"test_units.py", "test_checks.py", "test_models_checks.py", "test_scrubber.py", "test_config.py",
         "test_judge.py", "test_outcomes.py", "test_files.py", "test_requirements.py", "test_catalogue.py",
         "test_probe.py", "test_sdk.py", "test_preflight.py", "test_version.py", "test_workflows.py"}


def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class ByModule(LoadScopeScheduling):
        """A test is a work unit of its own, except in the ONE_WORKER and QUICK modules,
        each of which is one."""

        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            name = module.rsplit("/", 1)[-1]
            return module if name in ONE_WORKER or name in QUICK else nodeid

    return ByModule(config, log)
