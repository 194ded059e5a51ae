"""The info contract's faulty servers, where the completeness self-tests look for a contract's:
the module `faults_NAME`, its `FAULTS` (fault_registry.registry) and, if the contract needs them,
the suite options every fault's run takes (`ARGS`). Info's own live in faults.py, the name the
other self-tests import them by."""
from faults import FAULTS
from infocheck.contracts.info.server import DEFAULT_MODELS

# Every deployment the reference server serves, named, so the deployment requirements are checked.
ARGS = tuple(arg for name in DEFAULT_MODELS for arg in ("--deployment", name))

__all__ = ["ARGS", "FAULTS"]
