"""Unit tests: secrets and their scrubbing, reproduction commands, configuration, the probe."""
import os
import subprocess

import pytest

from harness import KEY, POSITIVE, ROOT, probe_for, serve
from infocheck.configuration.config import ConfigError, build_config
from infocheck.contracts.info.contract import info_url
from infocheck.wire.exchange import Credential, Exchange, Request
from infocheck.wire import probe as probe_module
from infocheck.wire.probe import BREAKER, NotTested, RunState, retry_after_seconds
from infocheck.wire.secret import EXACT, MASK, NEAR_MISSES, Scrubber, Secret
from infocheck.contracts.info.server import InfoHandler, Refusal


def config(**env):
    return build_config({}, {"INFOCHECK_ENDPOINT": "http://127.0.0.1:9", **env})


# -- secrets -------------------------------------------------------------------------------

def test_secret_never_shows_its_value():
    secret = Secret(KEY)
    assert KEY not in repr(secret) and KEY not in str(secret) and KEY not in f"{[secret]}"


@pytest.mark.parametrize("variant", (EXACT,) + NEAR_MISSES, ids=repr)
def test_scrubber_masks_the_key_and_every_near_miss(variant):
    text = f'{{"message": "bad key {variant.apply(KEY)}"}}'
    scrubbed = Scrubber([Secret(KEY)]).text(text)
    assert variant.apply(KEY) not in scrubbed and MASK in scrubbed


@pytest.mark.parametrize("variant", (EXACT,) + NEAR_MISSES, ids=repr)
def test_curl_reproduction_derives_the_variant_from_the_environment(variant):
    shell = Credential("Bearer ", variant).shell()
    assert KEY not in shell
    out = subprocess.run(["bash", "-c", f"printf %s {shell}"], capture_output=True, text=True,
                         env={"INFOCHECK_API_KEY": KEY, "PATH": "/usr/bin:/bin"}).stdout
    assert out == "Bearer " + variant.apply(KEY)


def test_curl_command_quotes_its_words():
    request = Request(query=(("api-version", "x'y"),), headers=(("x-a", "it's"), ("x-empty", "")))
    curl = request.curl("http://127.0.0.1:1/info", 5)
    assert "'x-a: it'\"'\"'s'" in curl and "x-empty;" in curl and "api-version=x%27y" in curl


# -- configuration -------------------------------------------------------------------------

def test_options_win_over_the_environment():
    settings = build_config({"infocheck_request_timeout": "3"}, {"INFOCHECK_REQUEST_TIMEOUT": "7"})
    assert settings.timeout == 3


def test_deployments_come_as_a_comma_list():
    assert config(INFOCHECK_DEPLOYMENT="a, b").deployments == ("a", "b")


def test_info_is_appended_to_the_base_path():
    assert info_url("https://h/models/") == "https://h/models/info"
    assert info_url("https://h") == "https://h/info"


@pytest.mark.parametrize("env", [{"INFOCHECK_API_VERSION": "2024-04-01-PREVIEW"},
                                 {"INFOCHECK_ENDPOINT": "http://h/x?y=1"},
                                 {"INFOCHECK_ENDPOINT": "http://h:99999"},
                                 {"INFOCHECK_API_KEY": "two words "}])
def test_bad_values_are_refused(env):
    with pytest.raises(ConfigError):
        build_config({}, {"INFOCHECK_ENDPOINT": "http://h", **env})


def test_a_fleet_slice_is_k_of_n():
    assert build_config({}, {"INFOCHECK_FLEET": "f.yaml", "INFOCHECK_FLEET_SLICE": " 3 / 8 "}).fleet_slice == (3, 8)
    assert build_config({}, {"INFOCHECK_FLEET": "f.yaml", "INFOCHECK_FLEET_SLICE": "1/1"}).fleet_slice == (1, 1)
    assert build_config({}, {"INFOCHECK_FLEET": "f.yaml"}).fleet_slice is None
    for bad in ("0/8", "9/8", "3", "3/8/1", "a/b", "12345/99999"):
        with pytest.raises(ConfigError, match=f"INFOCHECK_FLEET_SLICE / --fleet-slice: '{bad}' is not K/N"):
            build_config({}, {"INFOCHECK_FLEET": "f.yaml", "INFOCHECK_FLEET_SLICE": bad})
    with pytest.raises(ConfigError, match="a slice of what"):
        build_config({}, {"INFOCHECK_FLEET_SLICE": "1/2"})


@pytest.mark.parametrize("knob, value", [
    ("INFOCHECK_ENDPOINT", "http://h"), ("INFOCHECK_API_KEY", "k" * 32), ("INFOCHECK_API_VERSION", "2025-05-01"),
    ("INFOCHECK_DEPLOYMENT", "a"), ("INFOCHECK_MODEL", "m"), ("INFOCHECK_REQUEST_TIMEOUT", "3"),
    ("INFOCHECK_MAX_REQUESTS", "9"), ("INFOCHECK_TOKEN_COMMAND", "t"), ("INFOCHECK_AZURE_IDENTITY", "1"),
    ("INFOCHECK_TOKEN_SCOPE", "s"), ("INFOCHECK_AUTH_HEADER", "api-key")])
def test_a_fleet_run_takes_no_target_setting_of_its_own(knob, value):
    with pytest.raises(ConfigError, match=f"^{knob} / --[a-z-]+: with INFOCHECK_FLEET / --fleet, each target"):
        build_config({}, {"INFOCHECK_FLEET": "f.yaml", knob: value})
    build_config({}, {"INFOCHECK_ENDPOINT": "http://h", knob: value})   # without --fleet: fine


def test_fleet_jobs_and_concurrency_defaults_and_ranges():
    plain = build_config({}, {})
    assert (plain.fleet_jobs, plain.concurrency, plain.fleet) == (8, 5, None)
    assert build_config({}, {"INFOCHECK_CONCURRENCY": "1"}).concurrency == 1
    assert build_config({}, {"INFOCHECK_CONCURRENCY": "16", "INFOCHECK_FLEET_JOBS": "64"}).concurrency == 16
    for knob, bad in (("INFOCHECK_CONCURRENCY", "0"), ("INFOCHECK_CONCURRENCY", "17"),
                      ("INFOCHECK_FLEET_JOBS", "0"), ("INFOCHECK_FLEET_JOBS", "65")):
        with pytest.raises(ConfigError, match="out of range"):
            build_config({}, {knob: bad})
    assert ("concurrency", "5") in plain.describe()


# -- retry-after ---------------------------------------------------------------------------

def answer(**headers):
    return Exchange(Request(), "", "", status=429, headers=list(headers.items()))


def test_retry_after_reads_every_header_form():
    assert retry_after_seconds(answer(**{"retry-after": "3"})) == 3
    assert retry_after_seconds(answer(**{"retry-after-ms": "250"})) == 0.25
    assert retry_after_seconds(answer(**{"x-ms-retry-after-ms": "1500"})) == 1.5
    date = answer(**{"retry-after": "Wed, 21 Oct 2015 07:28:10 GMT"})
    assert retry_after_seconds(date, now=1445412480.0) == 10
    assert retry_after_seconds(answer()) is None


# -- the probe -----------------------------------------------------------------------------

class ThrottledTwice(InfoHandler):
    calls = 0

    def serve(self, head):
        type(self).calls += 1
        if type(self).calls <= 2:
            return self.send_refusal(Refusal(429, "TooManyRequests", "slow down", {"Retry-After": "2"}))
        super().serve(head)


def test_probe_waits_as_retry_after_says_and_counts_it():
    waits = []
    with serve(ThrottledTwice) as server:
        probe = probe_for(server.url, sleep=waits.append)
        exchange = probe.send(POSITIVE)
    assert exchange.status == 200 and waits == [2, 2] and probe.sent == 3 and probe.throttled == 2


def test_probe_gives_up_on_a_wait_too_long():
    class LongWait(InfoHandler):
        def serve(self, head):
            self.send_refusal(Refusal(429, "TooManyRequests", "later", {"Retry-After": "3600"}))
    with serve(LongWait) as server, pytest.raises(NotTested, match="throttled"):
        probe_for(server.url).send(POSITIVE)


def test_probe_enforces_the_request_cap():
    with serve() as server:
        probe = probe_for(server.url, INFOCHECK_MAX_REQUESTS="2")
        probe.send(POSITIVE)
        probe.send(POSITIVE)
        with pytest.raises(NotTested, match="request cap"):
            probe.send(POSITIVE)
    assert probe.sent == 2


def test_probes_sharing_a_run_state_share_the_cap_and_the_breaker():
    shared = RunState()
    with serve() as server:
        first, second = (probe_for(server.url, INFOCHECK_MAX_REQUESTS="3") for _ in range(2))
        first.state = second.state = shared
        first.send(POSITIVE)
        second.send(POSITIVE)
        first.send(POSITIVE)
        with pytest.raises(NotTested, match="request cap reached: 3 requests sent"):
            second.send(POSITIVE)
    assert (shared.sent, first.sent, second.sent) == (3, 2, 1)
    dead = probe_for("http://127.0.0.1:9", INFOCHECK_REQUEST_TIMEOUT="0.5")
    other = probe_for("http://127.0.0.1:9")
    dead.state = other.state = RunState()
    for probe in (dead, other, dead):
        assert probe.send(POSITIVE).error
    assert dead.state.unanswered == BREAKER
    with pytest.raises(NotTested, match="stopped answering"):
        other.send(POSITIVE)


def test_a_run_state_answered_resets_the_breaker_and_a_pause_only_grows():
    state = RunState()
    state.answered(False)
    state.answered(False)
    assert state.unanswered == 2
    state.answered(True)
    assert state.unanswered == 0
    assert state.pause(100.0) == 100.0 and state.pause(50.0) == 100.0 and state.pause_until == 100.0
    assert state.take_request(1) and not state.take_request(1) and state.sent == 1


def test_a_run_state_is_shared_with_forked_processes():
    state = RunState()
    pid = os.fork()
    if pid == 0:
        for _ in range(5):
            state.take_request(100)
        state.pause(42.0)
        os._exit(0)
    os.waitpid(pid, 0)
    assert (state.sent, state.pause_until) == (5, 42.0)


def test_a_429_to_one_probe_pauses_the_others(monkeypatch):
    waits = []
    with serve(ThrottledTwice) as server:
        throttled, other = probe_for(server.url, sleep=waits.append), probe_for(server.url, sleep=waits.append)
        throttled.state = other.state = RunState()
        ThrottledTwice.calls = 1
        monkeypatch.setattr(probe_module.time, "monotonic", lambda: 1000.0)
        throttled.send(POSITIVE)            # one 429 asking for 2 s: waits, and tells the others
        assert waits == [2] and throttled.state.pause_until == 1002.0
        throttled.send(POSITIVE)            # its own pause is over: no second wait
        assert waits == [2]
        other.send(POSITIVE)                # the others wait for what is left of it
        assert waits == [2, 2.0] and other.waited == 2.0
        other.send(POSITIVE)
        assert waits == [2, 2.0]
        late = probe_for(server.url, sleep=waits.append)
        late.state, late.waited = throttled.state, 59.0
        late.state.pause(1010.0)
        with pytest.raises(NotTested, match="asked to wait 10.0 s more, past the 60 s"):
            late.send(POSITIVE)


def test_probe_caps_the_body_it_reads():
    class Huge(InfoHandler):
        def send_model_info(self, model, head):
            self.send_json(200, {"padding": "x" * (3 << 20)}, {}, head)
    with serve(Huge) as server:
        exchange = probe_for(server.url).send(POSITIVE)
    assert exchange.body_over_limit and len(exchange.body) == 1 << 20
    with pytest.raises(ValueError, match="size limit"):
        exchange.json()


def test_probe_records_an_echoed_key_but_keeps_it_out_of_the_record():
    class Echo(InfoHandler):
        def send_model_info(self, model, head):
            self.send_json(200, dict(model, seen=self.headers["Authorization"]), {"x-seen": self.headers["Authorization"]}, head)
    with serve(Echo) as server:
        exchange = probe_for(server.url).send(POSITIVE)
    assert exchange.echoed_secret
    assert KEY not in exchange.transcript() and KEY not in exchange.curl and MASK in exchange.transcript()


def test_probe_does_not_follow_redirects_nor_send_the_key_elsewhere():
    hits = []

    class Elsewhere(InfoHandler):
        def serve(self, head):
            hits.append(self.headers.get("Authorization"))
            self.send_json(200, {}, {}, head)
    with serve(Elsewhere) as other:
        class Redirect(InfoHandler):
            def serve(self, head):
                self.send_response(302)
                self.send_header("Location", other.url + "/info")
                self.send_header("Content-Length", "0")
                self.end_headers()
        with serve(Redirect) as server:
            exchange = probe_for(server.url).send(POSITIVE)
    assert exchange.status == 302 and hits == []


def test_probe_does_not_read_netrc(tmp_path, monkeypatch):
    (tmp_path / ".netrc").write_text("machine 127.0.0.1 login u password netrc-secret\n")
    monkeypatch.setenv("HOME", str(tmp_path))
    seen = []

    class Record(InfoHandler):
        def serve(self, head):
            seen.append(self.headers.get("Authorization"))
            super().serve(head)
    with serve(Record) as server:
        probe_for(server.url).send(Request(query=(("api-version", "2024-04-01-preview"),)))
    assert seen == [None]


# -- strict JSON ------------------------------------------------------------------------------

from infocheck.wire import strict_json  # noqa: E402
from infocheck.wire.printable import printable  # noqa: E402


@pytest.mark.parametrize("body, says", [
    (b'{"a": NaN}', "NaN"), (b'{"a": Infinity}', "Infinity"), (b'{"a": -Infinity}', "-Infinity"),
    (b'{"a": "\\ud800"}', "lone surrogate"), (b'{"\\udc00": 1}', "lone surrogate"),
    (b'{"a": "\xff"}', "not UTF-8"), (b"[" * 65 + b"]" * 65, "nested 65 levels"),
    (b'{"a": 1,}', "Expecting"), (b"", "Expecting value"),
])
def test_strict_json_refuses_what_rfc_8259_does_not_allow(body, says):
    with pytest.raises(strict_json.NotJSON, match=says):
        strict_json.loads(body)


@pytest.mark.parametrize("body, value", [
    (b'{"n": ' + b"7" * 5000 + b"}", {"n": __import__("decimal").Decimal("7" * 5000)}),
    (b"[" * 64 + b"]" * 64, eval("[" * 63 + "[]" + "]" * 63)),
    (b'{"s": "[[[[{{{{"}', {"s": "[[[[{{{{"}),
    (b'{"e": "\\ud83d\\ude00"}', {"e": "\U0001F600"}),
    (b'\xef\xbb\xbf{"bom": true}', {"bom": True}),
])
def test_strict_json_reads_all_json_within_bounds(body, value):
    assert strict_json.loads(body) == value


def test_strict_json_depth_is_linear_on_unterminated_strings():
    import time
    started = time.monotonic()
    with pytest.raises(strict_json.NotJSON):
        strict_json.loads(b'"' + b'\\"' * 500_000)
    took = time.monotonic() - started   # linear: milliseconds; quadratic: minutes
    assert took < 60, f"{took:.1f} s: quadratic?"   # a bound against the hang, generous for a loaded machine


# -- escaping ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, shown", [
    ("OK\r\x1b[2Kfake", "OK\\r\\e[2Kfake"), ("a\nb\tc", "a\\nb\\tc"), ("\x00\x7f\x9b", "\\x00\\x7f\\x9b"),
    ("abc\u202edcba", "abc\\u202edcba"), ("zero\u200bwidth", "zero\\u200bwidth"), ("\u2028", "\\u2028"),
    ("\ud800", "\\ud800"), ("tag\U000e0041", "tag\\U000e0041"), ("plain é ü 漢字", "plain é ü 漢字"),
])
def test_printable_escapes_what_could_move_the_cursor_or_hide_text(text, shown):
    assert printable(text) == shown


def test_printable_keeps_newlines_when_asked_and_caps_length():
    assert printable("a\nb\rc", lines=True) == "a\nb\\rc"
    assert printable("x" * 50, limit=10) == "x" * 10 + "… (50 characters)"


def test_the_configuration_page_has_a_row_for_every_knob():
    from infocheck.configuration.knobs import KNOBS
    rows = [line for line in (ROOT / "docs" / "configuration.md").read_text().splitlines()
            if line.startswith("| `--")]
    for knob in KNOBS:
        assert any(f"`{knob.option}" in row and f"`{knob.env}`" in row for row in rows), knob.option
    assert len(rows) == len(KNOBS) + 1   # and --report-json, which is an ini value too


def test_the_requirements_page_lists_every_requirement_at_its_level():
    from infocheck import contracts
    page = (ROOT / "docs" / "requirements.md").read_text()
    for contract in contracts.every():
        for requirement in contract.catalogue.values():
            assert f"| `{requirement.id}` | {requirement.level} |" in page, requirement.id


def test_the_readme_is_one_screen_that_links_every_page():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 80
    for page in sorted((ROOT / "docs").glob("*.md")):
        assert f"docs/{page.name}" in readme or f"({page.name}" in "".join(
            p.read_text() for p in (ROOT / "docs").glob("*.md")), page.name


def test_head_with_a_body_is_a_finding_though_the_wire_never_delivers_one():
    """http.client reads no body after HEAD, so no faulty server can reach this branch."""
    from infocheck import checks
    get = Exchange(Request(), "", "", status=200, headers=[("Content-Type", "application/json")],
                   body=b'{"model_name": "m"}')
    head = Exchange(Request(method="HEAD"), "", "", status=200,
                    headers=[("Content-Type", "application/json")], body=b"{}")
    with pytest.raises(checks.CheckFailure, match="no body in the answer to HEAD") as failure:
        checks.head_like_get(head, get)
    assert failure.value.got == "2 bytes of body"
    checks.head_like_get(Exchange(Request(method="HEAD"), "", "", status=200,
                                  headers=[("Content-Type", "application/json")]), get)


@pytest.mark.parametrize("text, limit, shown", [
    ("abc", 3, "abc"),                                   # at the limit: whole, no note
    ("ab", 3, "ab"),
    ("\ud800x", None, "\\ud800x"),
    ("abcd", 3, "abc… (4 characters)"),
    ("a\x01b", None, "a\\x01b"),
    ("\x9f\u00ad", None, "\\x9f\\xad"),
    ("\u061c\u200b\ufeff", None, "\\u061c\\u200b\\ufeff"),
    ("\U000e0041", None, "\\U000e0041"),
    ("\t\r\x1b", None, "\\t\\r\\e"),
    ("ÿĀ\uffff", None, "ÿĀ\uffff"),                       # visible, at the escapes' boundaries
])
def test_printable_escapes_by_value(text, limit, shown):
    assert printable(text, limit) == shown


def test_strict_json_reads_long_numbers_exactly_from_4001_digits_on():
    from decimal import Decimal
    assert type(strict_json.loads(b"12")) is int and type(strict_json.loads(b"9" * 4000)) is int
    assert type(strict_json.loads(b"9" * 4001)) is Decimal
    assert strict_json.loads(b"9" * 4001) == Decimal("9" * 4001)


def test_strict_json_reads_a_number_too_big_for_a_float_exactly_not_as_infinity():
    from decimal import Decimal
    assert type(strict_json.loads(b"1e999")) is Decimal and strict_json.loads(b"-1e999") == Decimal("-1e999")
    assert type(strict_json.loads(b"1.5e3")) is float and strict_json.loads(b"1.5e3") == 1500.0


def test_strict_json_depth_counts_levels_not_brackets():
    assert strict_json.depth(b"[[]]" * 16 + b"[[[]]]") == 3
    assert strict_json.depth(b"\xff" * 100 + b"[" * 65) == 65     # only brackets count
    assert strict_json.depth(b'["[[[[", {"a": "]]]"}]' * 20) == 2
    assert strict_json.depth(b"[]" * 32) == 1 and strict_json.depth(b"12") == 0 and strict_json.depth(b"") == 0
    assert strict_json.depth(b"[" * 64 + b"]" * 64) == 64


def test_strict_json_says_why_in_one_line():
    with pytest.raises(strict_json.NotJSON) as failure:
        strict_json.loads(b'{"a": 1,}')
    assert str(failure.value) == "Expecting property name enclosed in double quotes: line 1 column 9 (char 8)"
