"""The Get Info API contract: its checks, client, api-version profiles, Hypothesis strategies,
fixtures and reference server. Its data: schemas/info/, suites/info/, fixtures/info/."""
from infocheck.contracts.info.contract import CONTRACT

__all__ = ["CONTRACT"]
