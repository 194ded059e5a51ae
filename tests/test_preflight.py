"""The preflight on fixed answers: which answer to the positive request stops the run, with which
exit code and which one line, before any test sends anything. Fast and in-process."""
import pytest

from harness import KEY
from infocheck.configuration.config import build_config
from infocheck.judging.judge import EXIT_UNTESTABLE, EXIT_USAGE
from infocheck.plugin.preflight import Stop, credential_knobs, preflight
from infocheck.wire.exchange import Exchange, Request
from infocheck.wire.probe import NotTested, UnusableCredential

JSON = ("Content-Type", "application/json")


class Probe:
    """Answers the positive request as told, or raises what it is told to."""

    def __init__(self, answer, has_credential=True):
        self.answer, self.has_credential, self.sent = answer, has_credential, []

    def send(self, request):
        self.sent.append(request)
        if isinstance(self.answer, BaseException):
            raise self.answer
        return self.answer


def answer(status=200, *headers, body=b"{}", error=None) -> Exchange:
    return Exchange(Request(), "http://h/info", "curl", status=status, headers=list(headers), body=body,
                    error=error)


def settings(**env):
    return build_config({}, {"INFOCHECK_ENDPOINT": "http://h", "INFOCHECK_API_KEY": KEY, **env})


def stopped(probe, config=None) -> Stop:
    with pytest.raises(Stop) as raised:
        preflight(probe, config or settings())
    return raised.value


def test_a_working_endpoint_passes_with_one_request():
    probe = Probe(answer(200, JSON))
    assert preflight(probe, settings()).status == 200 and len(probe.sent) == 1
    assert preflight(Probe(answer(404)), settings()).status == 404   # SHAPE-200 says so, not the preflight


@pytest.mark.parametrize("given, code, says", [
    (answer(error="connection refused: nothing listens"), EXIT_UNTESTABLE, "http://h/info: connection refused"),
    (answer(307, ("Location", "http://elsewhere/info")), EXIT_UNTESTABLE, "never follows redirects"),
    (answer(401), EXIT_UNTESTABLE, "the endpoint refused the credential: http://h/info answered 401"),
    (answer(403), EXIT_UNTESTABLE, "Check INFOCHECK_API_KEY / --api-key, and --auth-header"),
    (NotTested("throttled: still 429"), EXIT_UNTESTABLE, "throttled: still 429"),
    (UnusableCredential("the token cannot be used"), EXIT_USAGE, "the token cannot be used"),
    (answer(400, JSON, body=b'{"error": {"code": "no_model_name", "message": "No model specified"}}'),
     EXIT_UNTESTABLE, "the endpoint needs a deployment or model"),
])
def test_what_stops_the_run_and_how_it_says_so(given, code, says):
    stop = stopped(Probe(given))
    assert stop.code == code and says in stop.reason
    assert stop.heading == ("ERROR: " if code == EXIT_USAGE
                            else "infocheck: endpoint could not be tested: ")


def test_a_refusal_without_a_credential_given_is_for_the_checks_to_judge():
    assert preflight(Probe(answer(401), has_credential=False), settings()).status == 401


def test_a_named_route_is_not_told_to_name_one():
    routed = settings(INFOCHECK_DEPLOYMENT="a")
    body = b'{"error": {"code": "no_model_name", "message": "No model specified"}}'
    assert preflight(Probe(answer(400, JSON, body=body)), routed).status == 400


def test_each_credential_source_names_its_own_knobs():
    assert "INFOCHECK_TOKEN_COMMAND" in credential_knobs(settings(INFOCHECK_API_KEY="", INFOCHECK_TOKEN_COMMAND="t"))
    assert "Azure Identity token (scope https://ml.azure.com/.default" in credential_knobs(
        settings(INFOCHECK_API_KEY="", INFOCHECK_AZURE_IDENTITY="1"))
    assert credential_knobs(settings(INFOCHECK_API_VERSION="2025-05-01")).endswith("(the key went as api-key)")
