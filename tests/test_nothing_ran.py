"""A run in which no test ran checked nothing, so it is never a pass (issue 24, found trying to
break it). `--collect-only` (or `--co`) against an endpoint nothing answers at ended CONFORMANT,
exit 0, its infocheck.json saying so; `--fixtures` and `--fixtures-per-test` too (pytest ends
those sessions 0 whatever they judged). In the Action's `args`, any of them made a gate green
without a request. Now each is COULD NOT TEST (exit 2), saying no test ran, and still lists what
it lists."""
from __future__ import annotations

import pytest

from harness import RawServer, read_request, run_suite
from infocheck.judging import catalogue
from infocheck.judging.judge import EXIT_UNTESTABLE, judge
from infocheck.judging.outcome import Outcome, TestOutcome
from infocheck.judging.policy import Policy


class Counts:
    """A loopback endpoint that answers 500 to everything and counts what reached it."""

    def __init__(self):
        self.seen = 0
        self.server = RawServer(self.answer)

    def answer(self, conn, stop):
        while not stop.is_set():
            if not read_request(conn):
                return
            self.seen += 1
            conn.sendall(b"HTTP/1.1 500 Oops\r\nContent-Length: 2\r\n\r\n{}")


@pytest.mark.parametrize("listing", [["--collect-only"], ["--co", "-q"], ["--fixtures"],
                                     ["--fixtures-per-test"]], ids=" ".join)
def test_a_run_that_ran_no_test_is_could_not_test_not_conformant(tmp_path, listing):
    endpoint = Counts()
    with endpoint.server:
        run = run_suite(tmp_path, *listing, endpoint=endpoint.server.url, html=False)
    assert endpoint.seen == 0                      # nothing was asked, so nothing was checked
    assert run.code == EXIT_UNTESTABLE, (run.code, run.stdout[-2000:])
    assert run.report["exit_code"] == EXIT_UNTESTABLE and run.report["verdict"] == "COULD NOT TEST"
    assert run.report["explanation"].startswith("no test ran")
    assert "::" in run.stdout or "fixtures" in run.stdout.lower()   # it still lists what it lists


def test_the_judge_never_passes_a_session_without_a_result():
    policy = Policy(catalogue.load())
    assert judge(0, [], policy) == EXIT_UNTESTABLE
    passed = TestOutcome(nodeid="t", requirements=("X",), outcome=Outcome.PASSED)
    assert judge(0, [passed], policy) == 0          # one that ran still counts as it did
    assert judge(1, [], policy) == 1
