"""A fleet cheap enough to run every five minutes (issue 28): what a fleet's targets share, and
what they no longer pay for, changes nothing they send or find.

- A fleet target's run sends one request at a time unless the user chose otherwise: the fleet
  already runs --fleet-jobs targets side by side, and a target's shards only added processes.
- In a run of infocheck, Hypothesis draws no constants from the modules imported, so the
  requests a run sends do not depend on where infocheck lives (a clone, a wheel, a fork server
  that imported every module of infocheck once for all its children).
- The fleet's parent looks for a hundred targets' secrets in each target's files with one
  expression (wire/secret.py: finder), which finds exactly what looking for each form does."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import harness
from harness import run_suite, serve
from infocheck.wire.secret import TRIE_NESTING, Scrubber, Secret, finder, trie
from test_fleet import fleet_file


def target_concurrency(tmp_path, *args, env=None) -> str:
    tmp_path.mkdir()
    with serve(key="fleet-cost-key-0123456789abcdef") as server:
        run = run_suite(tmp_path, "--fleet", fleet_file(tmp_path, [
            {"name": "one", "endpoint": server.url, "api_key_env": "ONE_KEY"}]), *args,
            key=None, html=False, env=dict(env or {}, ONE_KEY="fleet-cost-key-0123456789abcdef"))
    assert run.code == 0, run.stdout[-3000:]
    report = json.loads((tmp_path / "reports" / "targets" / "one" / "infocheck.json").read_text())
    return report["configuration"]["concurrency"]


def test_a_fleet_target_sends_one_request_at_a_time_unless_the_user_chose_otherwise(tmp_path, monkeypatch):
    sequential = harness.clean_env   # the self-tests' runs are sequential unless a test asks: not here

    def as_a_user_has_it(**extra):
        env = sequential(**extra)
        if "INFOCHECK_CONCURRENCY" not in extra:
            del env["INFOCHECK_CONCURRENCY"]
        return env
    monkeypatch.setattr(harness, "clean_env", as_a_user_has_it)
    assert target_concurrency(tmp_path / "default") == "1"
    assert target_concurrency(tmp_path / "option", "--concurrency", "3") == "3"
    assert target_concurrency(tmp_path / "variable", env={"INFOCHECK_CONCURRENCY": "2"}) == "2"


DRAWS = textwrap.dedent('''
    import sys
    sys.path.insert(0, sys.argv[1])
    import local_words   # a module of neither the standard library nor site-packages
    from hypothesis import given, settings, strategies as st

    seen = []

    @settings(max_examples=300, derandomize=True, database=None, deadline=None)
    @given(st.text())
    def draw(text):
        if text == local_words.WORD:
            seen.append(text)

    if sys.argv[2] == "infocheck":
        from infocheck.plugin import hypothesis_profiles

        class Config:
            def add_cleanup(self, cleanup):
                pass

        hypothesis_profiles.without_local_constants(Config())
    draw()
    print(len(seen))
''')


def test_a_run_of_infocheck_draws_no_constant_of_the_modules_it_imported(tmp_path):
    (tmp_path / "local_words.py").write_text('WORD = "zq-local-word"\n')
    (tmp_path / "draws.py").write_text(DRAWS)
    env = dict(os.environ, HYPOTHESIS_STORAGE_DIRECTORY=str(tmp_path / "hypothesis"))

    def times_drawn(way: str) -> int:
        done = subprocess.run([sys.executable, str(tmp_path / "draws.py"), str(tmp_path), way],
                              capture_output=True, text=True, env=env, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
        return int(done.stdout.split()[-1])

    # The control: Hypothesis alone does draw the local module's word (else this proves nothing).
    assert times_drawn("hypothesis") > 0
    assert times_drawn("infocheck") == 0


WORDS = st.sets(st.text(alphabet="ab%&\\.c", min_size=1, max_size=6), max_size=12)


@settings(max_examples=300, deadline=None)
@given(WORDS, st.text(alphabet="ab%&\\.cd", max_size=40))
def test_one_expression_finds_exactly_what_looking_for_each_word_finds(words, text):
    found = finder(words)
    assert found is not None
    assert (found.search(text) is not None) == any(word in text for word in words)


@settings(max_examples=300, deadline=None)
@given(WORDS, st.text(alphabet="ab%&\\.cd", max_size=40))
def test_one_expression_masks_the_longest_word_at_each_place_as_the_longest_first_list_does(words, text):
    import re
    longest_first = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) or "(?!)"
    assert re.sub(trie(words), "*", text) == re.sub(longest_first, "*", text)


def test_words_that_nest_too_deeply_for_one_expression_are_each_looked_for():
    words = {"k" * n + "z" for n in range(1, TRIE_NESTING + 20)}   # a branch at every depth
    assert finder(words) is None
    keys = [Secret("K" * n + "z" * 16) for n in range(1, TRIE_NESTING + 20)]
    scrubber = Scrubber(keys)
    assert scrubber.contains_secret("x " + "k" * 7 + "z" * 16 + " y")
    assert not scrubber.contains_secret("x " + "z" * 15 + " y")


@pytest.mark.parametrize("form", ["raw", "upper", "json", "url", "base64"])
def test_a_hundred_secrets_are_each_found_in_a_page_in_any_form(form):
    import base64
    import urllib.parse
    keys = [f"fleet-key-{n:03d}-abcdefghij\"klm+nop/" for n in range(100)]
    scrubber = Scrubber([Secret(k) for k in keys])
    page = "<html>" + "<td>conformant &amp; 63 requests</td>" * 2000
    for key in keys[::17]:
        shown = {"raw": key, "upper": key.upper(), "json": json.dumps(key)[1:-1],
                 "url": urllib.parse.quote(key, safe=""),
                 "base64": base64.b64encode(b"user:" + key.encode()).decode()}[form]
        assert scrubber.contains_secret(page + shown + page), key
        assert shown not in scrubber.text(page + shown + page)
    assert not scrubber.contains_secret(page)


def looked_for_form_by_form(scrubber: Scrubber, text: str) -> bool:
    """The scrubber's answer as it was before issue 28: every view, every form, in turn."""
    from infocheck.wire.secret import decoded_views
    return any(any(f in view.lower() for f in scrubber._folded) or any(f in view for f in scrubber._exact)
               for view in decoded_views(text))


SECRET_TEXT = st.text(alphabet="aB%&İi\u0307+\\", min_size=1, max_size=20)


@settings(max_examples=400, deadline=None)
@given(SECRET_TEXT, st.text(alphabet="aB%&İi\u0307+\\;25", max_size=30), st.sampled_from(
    [str, str.upper, str.lower, lambda s: s.replace("i\u0307", "İ"), lambda s: s[1:]]))
def test_the_scrubber_finds_a_secret_exactly_where_looking_for_each_form_finds_one(value, noise, shown):
    scrubber = Scrubber([Secret(value)])
    for text in (noise, shown(value), noise[:3] + shown(value) + noise[3:]):
        assert scrubber.contains_secret(text) == looked_for_form_by_form(scrubber, text), text


@pytest.mark.skipif(harness.SUBPROCESS or not hasattr(os, "fork"),
                    reason="the fleet's parent runs forked from this process, with os.kill patched")
def test_a_forked_target_past_its_timeout_is_killed_by_its_fork_server_never_by_a_pid_in_the_parent(
        tmp_path, monkeypatch):
    """Only the process that waits for a child can signal its pid safely: once waited for, the
    pid may be another process's. The fleet's parent is not the forked child's parent, so it
    asks the fork server, which kills it before it reaps it. Here the parent cannot signal at
    all: the target is still killed at its timeout, so its first request, answered only after
    it, is the only one it sends (a run left alive would go on to its other requests)."""
    from infocheck.fleet import forking
    from test_fleet_target_bound import fleet_file as bound_fleet_file
    if forking.unavailable():
        pytest.skip(forking.unavailable())
    monkeypatch.setattr(os, "kill", lambda pid, sig: None)   # inherited by the fleet's parent
    requests = []

    body = b'{"model_name": "m", "model_type": "chat-completion", "model_provider_name": "p"}'
    answer = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
              b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)

    def answers_late(conn, stop):
        requests.append(harness.read_request(conn))
        if len(requests) == 1 and stop.wait(12):   # past the target's timeout: it is gone by then
            return
        conn.sendall(answer)

    with harness.RawServer(answers_late) as hung:
        targets = [{"name": "hung", "endpoint": hung.url, "api_key_env": "KEY_ONE", "request_timeout": 20}]
        run = run_suite(tmp_path, "--fleet", bound_fleet_file(tmp_path, targets), "--fleet-target-timeout", "5",
                        key=None, html=False, env={"KEY_ONE": harness.KEY})
    assert run.code == 2, run.stdout[-3000:] + run.stderr[-2000:]
    (entry,) = run.report["targets"]
    assert entry["problem"].startswith("its run did not finish within 5 s"), entry["problem"]
    assert len(requests) == 1, requests
