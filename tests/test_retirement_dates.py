"""The Sunset and Deprecation dates a retiring endpoint sends are in infocheck.json as data
(`retirement`, Unix seconds; issue 28): a watcher's metrics and an alert read these, never the
notices' words. Only the dates sent and readable are there; a run of an endpoint that sends
none has no such member, so its report is what it was."""
from __future__ import annotations

import datetime as dt

import pytest

from harness import run_suite, serve
from infocheck.bundle import validator
from infocheck.contracts.info.retirement import instant, moments
from infocheck.contracts.info.server import InfoHandler
from infocheck.judging import report_model

SUNSET = int(dt.datetime(2026, 8, 26, tzinfo=dt.timezone.utc).timestamp())


class Retiring(InfoHandler):
    def send_common_headers(self):
        super().send_common_headers()
        self.send_header("Sunset", "Wed, 26 Aug 2026 00:00:00 GMT")
        self.send_header("Deprecation", "@1748736000")


class Said:
    def __init__(self, headers):
        self.headers = {k.lower(): v for k, v in headers.items()}

    def header(self, name):
        return self.headers.get(name.lower())


def test_a_retiring_endpoints_dates_are_data_in_its_report(tmp_path):
    with serve(Retiring) as server:
        run = run_suite(tmp_path, endpoint=server.url, html=False)
    assert run.code == 0, run.stdout[-2000:]
    assert run.report["retirement"] == {"sunset": SUNSET, "deprecation": 1748736000}
    keys = list(run.report)
    assert keys.index("retirement") == keys.index("notices") + 1
    validator("infocheck-report").validate(run.report)
    again = report_model.parse(run.outputs["infocheck.json"].encode(), shown="infocheck.json")
    assert again.retirement == run.report["retirement"]


def test_an_endpoint_that_sends_no_date_has_no_retirement_member(tmp_path):
    with serve() as server:
        run = run_suite(tmp_path, endpoint=server.url, html=False)
    assert run.code == 0 and "retirement" not in run.report


@pytest.mark.parametrize("headers, found", [
    ({"Sunset": "Wed, 26 Aug 2026 00:00:00 GMT"}, {"sunset": SUNSET}),
    ({"Sunset": "Wed, 26 Aug 2026 00:00:00 -0000"}, {"sunset": SUNSET}),   # GMT, whatever the local zone
    ({"Sunset": "soon", "Deprecation": "true"}, {}),
    ({"Deprecation": "@1748736000"}, {"deprecation": 1748736000}),
    ({"Sunset": "@99999999999999"}, {}),
    ({}, {}),
])
def test_only_dates_sent_and_readable_are_kept(headers, found):
    assert moments(Said(headers)) == found


def test_a_date_out_of_the_schemas_range_is_none():
    assert instant("@-99999999999") is None and instant("@999999999999") is None
