"""`ModelsClient`: the v1 models API's requests built from intent (the list or one model, which
credential, which api-version), sent and recorded as every contract's are
(contracts/client.py). A model's id goes into the path percent-encoded, slash included."""
from __future__ import annotations

from urllib.parse import quote

from infocheck.contracts.client import DEFAULT, JSON_ACCEPT, ContractClient
from infocheck.wire.exchange import Request


def model_path(model_id: str, encode_slash: bool = True) -> str:
    return "/models/" + quote(model_id, safe="" if encode_slash else "/")


class ModelsClient(ContractClient):
    def request(self, *, method="GET", model=None, api_version=DEFAULT, query=(), auth=DEFAULT,
                headers=(), encode_slash=True) -> Request:
        """GET {base}/models, or GET {base}/models/{model}; by default with the credential and
        the configured api-version (none: no parameter)."""
        version = self.api_version if api_version is DEFAULT else api_version
        params = ((("api-version", version),) if version else ()) + tuple(query)
        all_headers = [JSON_ACCEPT]
        all_headers += list(self.credentials() if auth is DEFAULT else auth)
        all_headers += list(headers)
        path = "/models" if model is None else model_path(model, encode_slash)
        return Request(method=method, query=params if params else None, headers=tuple(all_headers),
                       path=path)
