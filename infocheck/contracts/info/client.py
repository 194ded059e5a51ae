"""`InfoClient`: the Get Info API's requests built from intent (which credential, which
api-version, which deployment or model), sent and recorded as every contract's are
(contracts/client.py)."""
from __future__ import annotations

from dataclasses import dataclass

from infocheck.contracts.client import DEFAULT, JSON_ACCEPT, ContractClient, OnceCache
from infocheck.contracts.info import profiles
from infocheck.wire.exchange import Request

__all__ = ["InfoClient", "OnceCache", "Route", "route", "route_description"]


@dataclass(frozen=True)
class Route:
    """Which deployment or model a request names: through the azureml-model-deployment header
    (the reference's way) or the model query parameter (2025-04-01 and later)."""

    kind: str   # "deployment" or "model"
    name: str

    def query(self) -> tuple[tuple[str, str], ...]:
        return (("model", self.name),) if self.kind == "model" else ()

    def headers(self) -> tuple[tuple[str, str], ...]:
        return (("azureml-model-deployment", self.name),) if self.kind == "deployment" else ()

    def describe(self) -> str:
        how = "the model query parameter" if self.kind == "model" else "the azureml-model-deployment header"
        return f"{self.kind} {self.name} (via {how})"


def route(config) -> Route | None:
    """What the positive request, and every request built on it, names: the first
    deployment; else the model, by query parameter where the api-version has one and by the
    deployment header where it does not (unified endpoints take either); else nothing."""
    if config.deployments:
        return Route("deployment", config.deployments[0])
    if config.model:
        has_parameter = "model" in profiles.profile(config.api_version)["inputs"]
        return Route("model" if has_parameter else "deployment", config.model)
    return None


def route_description(config) -> str:
    if config.deployments:
        return route(config).describe()
    if config.model:
        return (f"model {config.model} (via the model query parameter where the api-version has "
                "it, else the azureml-model-deployment header)")
    return "none named: the endpoint's default deployment"


class InfoClient(ContractClient):
    @property
    def deployments(self) -> tuple[str, ...]:
        return self.config.deployments

    @property
    def route(self) -> Route | None:
        return route(self.config)

    def request(self, *, method="GET", api_version=DEFAULT, query=(), auth=DEFAULT,
                headers=(), route=DEFAULT) -> Request:
        """A request for /info; by default the positive one (valid key, configured version,
        the configured route). `route=None` names no deployment or model."""
        version = self.api_version if api_version is DEFAULT else api_version
        route = self.route if route is DEFAULT else route
        params = (() if version is None else (("api-version", version),))
        params += (route.query() if route else ()) + tuple(query)
        all_headers = [JSON_ACCEPT]
        all_headers += list(self.credentials() if auth is DEFAULT else auth)
        all_headers += list(route.headers() if route else ())
        all_headers += list(headers)
        return Request(method=method, query=params if params else None, headers=tuple(all_headers))
