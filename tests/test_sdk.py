"""The official Python SDK (azure-ai-inference) as a real client: against the reference server
it must succeed, with a key and with a token credential, for each api-version, and return the
same ModelInfo the suite validates. The server must accept exactly what the SDK sends."""
import time

import pytest
from azure.ai.inference import ChatCompletionsClient, EmbeddingsClient
from azure.core.credentials import AccessToken, AzureKeyCredential

from harness import KEY, probe_for
from infocheck.contracts.info import checks
from infocheck.contracts.info import profiles as schemas
from infocheck.wire.exchange import Credential, Request
from infocheck.contracts.info.server import InfoHandler, ReferenceServer, Settings

TOKEN = "sdk-selftest-token-0123456789abcdef"


class FakeTokenCredential:
    """An azure-core TokenCredential, as DefaultAzureCredential would be."""

    def __init__(self):
        self.scopes = []

    def get_token(self, *scopes, **kwargs):
        self.scopes += scopes
        return AccessToken(TOKEN, int(time.time() + 3600))


class Recording(InfoHandler):
    seen: list = []

    def authenticate(self):
        type(self).seen.append({k.lower(): v for k, v in self.headers.items()})
        super().authenticate()


def validated_model_info(server, version) -> dict:
    """What the suite sees: its own positive request, checked against the version's schema."""
    probe = probe_for(server.url, INFOCHECK_API_VERSION=version)
    exchange = probe.send(Request(query=(("api-version", version),),
                                  headers=(("Authorization", Credential("Bearer ")),)))
    checks.status_200(exchange)
    return checks.model_info(exchange, version)


@pytest.mark.parametrize("version", schemas.known_versions())
@pytest.mark.parametrize("client_class, model", [(ChatCompletionsClient, "phi3-mini"),
                                                 (EmbeddingsClient, "cohere-embed-v3-english")])
def test_sdk_gets_the_model_info_the_suite_validated(version, client_class, model):
    Recording.seen = []
    settings = Settings(api_key=KEY, tokens=(TOKEN,), default_model=model)
    with ReferenceServer(settings, Recording) as server:
        expected = validated_model_info(server, version)
        with_key = client_class(endpoint=server.url, credential=AzureKeyCredential(KEY), api_version=version)
        token_credential = FakeTokenCredential()
        with_token = client_class(endpoint=server.url, credential=token_credential, api_version=version)
        for client, options in ((with_key, {}), (with_token, {"enforce_https": False})):
            info = client.get_model_info(**options)
            assert {k: info[k] for k in checks.MODEL_INFO_MEMBERS} == expected
    assert token_credential.scopes == ["https://ml.azure.com/.default"]
    sdk_key_request = Recording.seen[1]  # [0] is the suite's own request
    assert sdk_key_request["authorization"] == f"Bearer {KEY}" and sdk_key_request["api-key"] == KEY
    assert sdk_key_request["x-ms-client-request-id"]
    assert sdk_key_request["user-agent"].startswith("azsdk-python-ai-inference/")
