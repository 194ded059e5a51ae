"""Azure AD-style tokens: from a command or Azure Identity, refreshed before expiry, treated as
secrets exactly like the key."""
import base64
import json
import secrets
import sys
import time
from types import SimpleNamespace

import pytest

from harness import KEY, run_suite
from infocheck.configuration.credentials import AzureIdentityToken, CommandToken, CredentialError, jwt_expiry
from infocheck.wire.secret import Scrubber
from infocheck.contracts.info.server import InfoHandler, ReferenceServer, Settings


def jwt(expires_in: float = 3600) -> str:
    def part(document):
        return base64.urlsafe_b64encode(json.dumps(document).encode()).decode().rstrip("=")
    return ".".join([part({"alg": "RS256", "typ": "JWT"}),
                     part({"aud": "https://ml.azure.com", "exp": int(time.time() + expires_in),
                           "nonce": secrets.token_hex(8)}),
                     secrets.token_urlsafe(32)])


PRINT_TOKEN = f"{sys.executable} -c \"import os; print(os.environ['SELFTEST_TOKEN'])\""


def test_token_command_run_end_to_end(tmp_path):
    token = jwt()
    with ReferenceServer(Settings(api_key=KEY, tokens=(token,)), InfoHandler).start() as server:
        run = run_suite(tmp_path, "--token-command", PRINT_TOKEN, "-rs", endpoint=server.url,
                        key=None, env={"SELFTEST_TOKEN": token})
    assert run.code == 0, run.stdout[-3000:]
    assert "the credential is a token" in run.stdout  # the api-key checks are skipped, saying why
    assert not run.leaks(token), run.leaks(token)
    assert "SELFTEST_TOKEN" not in run.stdout  # the command line is not shown whole


def test_token_near_misses_reproduce_from_the_token_variable(tmp_path):
    token = jwt()

    class AcceptsTruncated(InfoHandler):  # accepts the token without its last character
        def authenticate(self):
            if self.headers.get("Authorization") == f"Bearer {token[:-1]}":
                return
            super().authenticate()

    with ReferenceServer(Settings(api_key=KEY, tokens=(token,)), AcceptsTruncated).start() as server:
        run = run_suite(tmp_path, "--token-command", PRINT_TOKEN, endpoint=server.url, key=None,
                        env={"SELFTEST_TOKEN": token})
    assert run.code == 1 and run.must_failed == {"AUTH-NEAR-MISS"}
    assert '"${INFOCHECK_TOKEN%?}"' in run.stdout and not run.leaks(token)


def test_failing_token_command_cannot_test_and_says_why(tmp_path):
    with ReferenceServer(Settings(api_key=KEY), InfoHandler).start() as server:
        run = run_suite(tmp_path, "--token-command", f"{sys.executable} -c \"import sys; sys.exit('not logged in')\"",
                        endpoint=server.url, key=None)
    assert run.code == 2 and "failed (exit status 1)" in run.stdout
    assert "not logged in" not in run.stdout + run.stderr  # nothing the command printed is shown
    assert "Traceback" not in run.stdout + run.stderr


def test_a_key_and_a_token_at_once_is_a_usage_error(tmp_path):
    run = run_suite(tmp_path, "--token-command", "true", endpoint="http://127.0.0.1:9")
    assert run.code == 4 and "give one credential source" in run.stderr


OPAQUE = f"{sys.executable} -c \"import secrets; print('opaque-token-' + secrets.token_hex(8))\""


def test_token_is_refreshed_before_it_expires():
    now = [1000.0]
    scrubber = Scrubber()
    source = CommandToken(OPAQUE, scrubber, clock=lambda: now[0])
    first = source.current().reveal()
    assert first.startswith("opaque-token-") and source.current().reveal() == first  # not run again
    now[0] += 2700  # an opaque token is renewed after 45 minutes
    assert source.current().reveal() != first
    assert scrubber.text(first) == "***"  # every token acquired is scrubbed


def test_jwt_expiry_is_read_from_the_token():
    before = int(time.time())
    token = jwt(600)
    after = time.time()
    assert before + 600 <= jwt_expiry(token) <= after + 600   # however long the lines took
    assert jwt_expiry("not-a-jwt") is None


class FakeAzureCredential:
    """Stands in for DefaultAzureCredential: records the scopes asked for."""

    def __init__(self, lifetime):
        self.scopes, self.lifetime = [], lifetime

    def get_token(self, scope):
        self.scopes.append(scope)
        return SimpleNamespace(token=f"aad-{len(self.scopes)}-{secrets.token_hex(16)}",
                               expires_on=int(time.time() + self.lifetime))


def test_azure_identity_asks_for_the_profile_scope_and_refreshes():
    fake = FakeAzureCredential(lifetime=60)  # inside the refresh margin: renewed every time
    source = AzureIdentityToken("https://ml.azure.com/.default", Scrubber(), credential=fake)
    first, second = source.current().reveal(), source.current().reveal()
    assert first != second and fake.scopes == ["https://ml.azure.com/.default"] * 2


def test_azure_identity_failure_is_one_line():
    class Broken:
        def get_token(self, scope):
            raise RuntimeError("DefaultAzureCredential failed to retrieve a token\nmore lines")
    with pytest.raises(CredentialError, match="RuntimeError: DefaultAzureCredential failed") as error:
        AzureIdentityToken("https://cognitiveservices.azure.com/.default", Scrubber(), credential=Broken()).current()
    assert "\n" not in str(error.value)
