"""`ModelsClient`: the v1 models API's requests built from intent (the list or one model, which
credential, which api-version), sent and recorded as every contract's are
(contracts/client.py). A model's id goes into the path as the reference SDK puts it: every
character outside RFC 3986's pchar percent-encoded, the slash included."""
from __future__ import annotations

from urllib.parse import quote

from infocheck.contracts.client import DEFAULT, JSON_ACCEPT, ContractClient
from infocheck.wire.exchange import Request

# The client whose requests the MUST checks send: its release (the one the self-tests pin; the
# issue measured 3.57.0, whose openai/_utils/_path.py is the same), and what it leaves unencoded
# in a path parameter (_quote_path_segment_part: RFC 3986 §3.3's pchar less the unreserved
# characters quote() keeps anyway; '/' is not among them, so org/llama-3 is sent as
# org%2Fllama-3). Older 1.x releases put the id in the path unencoded: the slash as is.
REFERENCE_SDK = "openai-python 3.60.0"
SDK_SEGMENT_SAFE = "!$&'()*+,;=:@"


def model_path(model_id: str, encode_slash: bool = True) -> str:
    """/models/{id} as REFERENCE_SDK sends it; `encode_slash=False`: the same with each slash
    as is (as an unencoding client sends it)."""
    return "/models/" + quote(model_id, safe=SDK_SEGMENT_SAFE + ("" if encode_slash else "/"))


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
