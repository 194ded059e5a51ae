"""infocheck: a conformance gate for model-serving endpoints (the Azure AI Model Inference Get
Info API is its first contract).

The public surface, for a team's own tests (see docs/team-example), is what `__all__` names,
the pytest fixtures in `FIXTURES`, the `requirement` marker, the requirement catalogue and
policy file formats, the options and environment variables, the exit codes and the
reports/infocheck.json schema. It does not break between minor versions of the same major
`__version__`; anything else in the package may change in any release.

Importing this package changes nothing and loads nothing else: the names below are looked up
when first used.
"""

__version__ = "1.2.0"

# The pytest fixtures a team's tests may ask for (provided by the infocheck pytest plugin).
FIXTURES = (
    "info",               # InfoClient: builds, sends and records this test's requests
    "baseline",           # Exchange: the positive request (sent once a run, shared)
    "working_baseline",   # the same, or the test is "not tested" unless it answered 200
    "api_version",        # the api-version this test checks
    "deployment",         # each configured deployment in turn (or None)
    "infocheck_config",   # Config: the run's validated settings (credential masked)
)

_PUBLIC = {
    "checks": ("infocheck.contracts.info.checks", None),     # the info contract's checks, and fail()
    "fail": ("infocheck.contracts.checking", "fail"),
    "CheckFailure": ("infocheck.contracts.checking", "CheckFailure"),
    "Exchange": ("infocheck.wire.exchange", "Exchange"),
    "Request": ("infocheck.wire.exchange", "Request"),
    "InfoClient": ("infocheck.contracts.info.client", "InfoClient"),
    "Config": ("infocheck.configuration.config", "Config"),
    "Requirement": ("infocheck.judging.catalogue", "Requirement"),
    "Catalogue": ("infocheck.judging.catalogue", "Catalogue"),
    "load_catalogue": ("infocheck.judging.catalogue", "load"),
}

__all__ = ["__version__", "FIXTURES", *_PUBLIC]


def __getattr__(name: str):
    if name not in _PUBLIC:
        raise AttributeError(f"module 'infocheck' has no attribute {name!r}")
    from importlib import import_module

    module, attribute = _PUBLIC[name]
    found = import_module(module)
    return found if attribute is None else getattr(found, attribute)
