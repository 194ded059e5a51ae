"""docs/troubleshooting.md (issue 27): the first hour's mistakes, each run for real against a
loopback server here, and the line infocheck printed is the line the page quotes (the loopback
origin shown as my-endpoint.example, the count of checks as N). Each COULD NOT TEST reason and
usage error that has an entry ends with the link to its anchor, written in one place
(infocheck/troubleshooting.py: linked), and every entry the code links to is a heading of the
page whose anchor is the topic."""
from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest

from harness import KEY, ROOT, clean_env, serve
from infocheck import __version__, troubleshooting
from infocheck.contracts.info.server import FoundryHandler, InfoHandler
from infocheck.judging.report_model import read

PAGE = (ROOT / "docs" / "troubleshooting.md").read_text(encoding="utf-8")
LINK = re.compile(r" \(troubleshooting: (\S+)\)")


class Slow(InfoHandler):
    """Answers every request two seconds late."""

    def do_GET(self):
        time.sleep(2)
        super().do_GET()


def infocheck(tmp_path, *args, key=KEY):
    tmp_path.mkdir(parents=True, exist_ok=True)
    env = clean_env(**({"INFOCHECK_API_KEY": key} if key else {}))
    done = subprocess.run([sys.executable, "-m", "infocheck", "-p", "no:cacheprovider", *args],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
    return done


def shown(text: str, url: str) -> str:
    """The output as the page shows it: the loopback origin as my-endpoint.example, a count of
    checks as N (of requirements as N and M), OpenSSL's words after 'TLS failure:' as they are here."""
    origin = url.split("://", 1)[1]
    text = text.replace(origin, "my-endpoint.example")
    text = re.sub(r"^  not tested: \d+ requirements \((.*?) and \d+ more\)",
                  r"  not tested: N requirements (\1 and M more)", text, flags=re.M)
    return re.sub(r"^\d+ check\(s\): ", "N check(s): ", text, flags=re.M)


def quoted() -> set[str]:
    """Every line of the page's code blocks."""
    return {line for block in re.findall(r"```\n(.*?)```", PAGE, re.S) for line in block.splitlines()}


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation but - and _ dropped, spaces -."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def headings() -> dict[str, str]:
    return {slug(h): h for h in re.findall(r"^#{2,3} (.+)$", PAGE, re.M)}


def the_line(output: str, start: str) -> str:
    found = [line for line in output.splitlines() if line.startswith(start)]
    assert found, output[-3000:]
    return found[-1]


def linked_to(line: str, topic: str) -> str:
    """The line without its link, after checking the link is the topic's."""
    links = LINK.findall(line)
    assert links == [troubleshooting.url(topic)], line
    return LINK.sub("", line)


# -- the entries ----------------------------------------------------------------------------------

def test_every_topic_the_code_links_is_an_entry_of_the_page():
    found = headings()
    for topic, heading in troubleshooting.TOPICS.items():
        assert found.get(topic) == heading, (topic, sorted(found))
    assert troubleshooting.url("no-answer") == (
        f"https://github.com/your-org/infocheck/blob/v{__version__}/docs/troubleshooting.md#no-answer")
    with pytest.raises(ValueError):
        troubleshooting.Reason("x", "no-such-entry")


def test_a_reason_without_an_entry_gets_no_link():
    assert troubleshooting.linked("no test was selected") == "no test was selected"
    reason = troubleshooting.Reason("r", "wrong-base")
    assert reason == "r" and troubleshooting.linked(reason).endswith("troubleshooting.md#wrong-base)")
    import pickle
    assert troubleshooting.topic_of(pickle.loads(pickle.dumps(reason))) == "wrong-base"


def test_info_appended_is_a_usage_error_linked_to_its_entry(tmp_path):
    with serve() as server:
        done = infocheck(tmp_path, "--endpoint", server.url + "/info")
        line = shown(the_line(done.stderr, "ERROR: "), server.url)
    assert done.returncode == 4
    assert linked_to(line, "info-appended") in quoted()
    report = read(tmp_path / "reports" / "infocheck.json")
    assert report.explanation.endswith(f"(troubleshooting: {troubleshooting.url('info-appended')})")


def test_a_wrong_base_fails_or_could_not_test_as_the_page_says(tmp_path):
    with serve() as server:
        info = infocheck(tmp_path, "--endpoint", server.url + "/wrong/base")
        models = infocheck(tmp_path / "models", "--contract", "models", "--endpoint", server.url)
        failed = shown(info.stdout, server.url)
        could_not = shown(the_line(models.stdout, "COULD NOT TEST: "), server.url)
    assert info.returncode == 1 and models.returncode == 2
    lines = quoted()
    for said in ("[MUST SHAPE-200] GET /info with a supported api-version and valid credentials MUST "
                 "answer 200 OK.", "  expected: 200 OK"):
        assert said in failed.splitlines() and said in lines
    got = next(line for line in failed.splitlines() if line.startswith("  got:      404"))
    assert got in lines
    assert linked_to(could_not, "wrong-base").removesuffix(" (exit 2)") in lines


def test_https_to_an_http_server_could_not_test_linked(tmp_path):
    with serve() as server:
        secure = server.url.replace("http://", "https://")
        done = infocheck(tmp_path, "--endpoint", secure)
        line = shown(the_line(done.stdout, "COULD NOT TEST: "), secure)
    assert done.returncode == 2
    line = linked_to(line, "no-answer").removesuffix(" (exit 2)")
    assert line.startswith("COULD NOT TEST: https://my-endpoint.example/info: TLS failure: ")
    tls = re.compile(r"TLS failure: .*")
    assert tls.sub("TLS failure: …", line) in {tls.sub("TLS failure: …", q) for q in quoted()}


def test_a_slow_endpoint_could_not_test_linked(tmp_path):
    # Which of the two lines depends on which bound fires first, the whole request's deadline or
    # the socket's read timeout: both are 1 s, and the page quotes both.
    with serve(Slow) as server:
        done = infocheck(tmp_path, "--endpoint", server.url, "--request-timeout", "1")
        line = shown(the_line(done.stdout, "COULD NOT TEST: "), server.url)
    assert done.returncode == 2
    said = linked_to(line, "no-answer").removesuffix(" (exit 2)")
    both = {"COULD NOT TEST: http://my-endpoint.example/info: no answer within 1 s (timed out)",
            "COULD NOT TEST: http://my-endpoint.example/info: no answer within 1 s (timed out; the "
            "timeout bounds the whole request)"}
    assert said in both and both <= quoted()


def test_a_wrong_key_could_not_test_linked_and_a_missing_key_is_not_tested(tmp_path):
    with serve() as server:
        wrong = infocheck(tmp_path, "--endpoint", server.url, key="not-the-key-0123456789abcdef")
        missing = infocheck(tmp_path / "missing", "--endpoint", server.url, key=None)
        line = shown(the_line(wrong.stdout, "COULD NOT TEST: "), server.url)
        missing_out = shown(missing.stdout, server.url)
    assert wrong.returncode == 2 and missing.returncode == 2
    assert linked_to(line, "credential-refused").removesuffix(" (exit 2)") in quoted()
    verdict = the_line(missing_out, "COULD NOT TEST: ").removesuffix(" (exit 2)")
    reason = the_line(missing_out, "N check(s): no credential given (INFOCHECK_API_KEY, INFOCHECK_TOKEN")
    assert verdict in quoted() and reason in quoted()
    # Under the verdict: one line, the reason whole, linked to its entry (issue 27's rule).
    under = [line for line in missing_out.splitlines() if line.startswith("  not tested: ")]
    assert len(under) == 1, missing_out[-3000:]
    assert linked_to(under[0], "no-key-given") in quoted()


def test_a_foundry_endpoint_without_a_deployment_could_not_test_linked(tmp_path):
    with serve(FoundryHandler) as server:
        done = infocheck(tmp_path, "--endpoint", server.url)
        line = shown(the_line(done.stdout, "COULD NOT TEST: "), server.url)
    assert done.returncode == 2
    assert linked_to(line, "deployment-needed").removesuffix(" (exit 2)") in quoted()
