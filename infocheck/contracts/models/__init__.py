"""The OpenAI v1 models contract: its checks, client, fixtures and reference server (with the
flavours of real servers). Its data: schemas/models/, suites/models/, fixtures/models/."""
from infocheck.contracts.models.contract import CONTRACT

__all__ = ["CONTRACT"]
