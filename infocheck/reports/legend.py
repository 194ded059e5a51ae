"""Every verdict word a single run's page uses, defined once: the run's verdicts (the exit codes'
words), what a test or a requirement came to (`Outcome`), the levels, and the words infocheck
puts on pytest-html's own filters and result cells instead of pytest's ("Expected failures" is
a SHOULD finding or a waived failure here). The page's legend is this table; a self-test reads a
rendered page and checks every verdict word on it has its entry, the words taken from the
enumerations, not from here."""
from __future__ import annotations

from infocheck.judging.catalogue import IGNORED, LEVELS
from infocheck.judging.exit_codes import INTERRUPTED, ExitCode
from infocheck.judging.outcome import Outcome

RUN = {
    ExitCode.CONFORMANT.verdict: "exit 0: every MUST requirement checked passed, no check was "
                                 "not tested, and the positive request passed",
    ExitCode.NOT_CONFORMANT.verdict: "exit 1: a MUST requirement failed (or a SHOULD under "
                                     "--fail-on-should, or a waiver expired); the failed "
                                     "requirements are listed first",
    ExitCode.UNTESTABLE.verdict: "exit 2: the endpoint could not be checked completely (a check "
                                 "was not tested, a MUST requirement was not checked, or the positive "
                                 "request did not pass); never a pass",
    ExitCode.INTERNAL.verdict: "exit 3: infocheck itself broke; this says nothing about the endpoint",
    ExitCode.USAGE.verdict: "exit 4: the run was not what was asked for (an option, a file or a "
                            "team's test is wrong)",
    INTERRUPTED: "the run was stopped before its end; nothing was judged",
}

OUTCOMES = {
    Outcome.PASSED: "the check ran and the endpoint met the requirement",
    Outcome.FAILED: "the check ran and the endpoint broke the requirement; a failed MUST (or a "
                    "SHOULD under --fail-on-should) makes the run NOT CONFORMANT",
    Outcome.FINDING: "a SHOULD requirement the endpoint broke: listed, not fatal (pytest calls "
                     "it an expected failure)",
    Outcome.WAIVED: "the endpoint broke the requirement, but a waiver that has not expired "
                    "covers it: not fatal until the waiver's date",
    Outcome.NOT_TESTED: "the check could not run: the endpoint did not let it (no answer, a "
                        "refused credential, ...); the run is COULD NOT TEST unless a MUST failed",
    Outcome.SKIPPED: "the check did not apply: nothing was configured for it (a deployment, a "
                     "model), or a requirement it rests on says why",
    Outcome.ERROR: "the test itself broke (infocheck's own error, or a team's test): it says "
                   "nothing about the endpoint",
    Outcome.NOT_CHECKED: "a test that failed another requirement first (named beside it) did "
                         "not check this one; a requirement none of whose tests checked it is not "
                         "checked: fix the other one and run again",
    Outcome.NOT_RUN: "no test of this requirement ran (-k or -m left them out, or none applies)",
    Outcome.IGNORED: "a policy set the requirement aside: its tests were not run",
}

LEVEL_WORDS = {
    LEVELS[0]: "a requirement the endpoint must meet: its failure makes the run NOT CONFORMANT",
    LEVELS[1]: "a requirement the endpoint should meet: its failure is a finding, not fatal "
               "(unless --fail-on-should)",
    IGNORED: "a level a policy file gave the requirement: its tests are not run",
}

# pytest-html's filters, keyed by its own outcome names, with infocheck's words for them. A
# label whose pytest outcome infocheck never makes is hidden while its count is 0.
PYTEST_HTML_LABELS = {
    "failed": "failed",
    "passed": "passed",
    "skipped": "skipped or not tested",
    "xfailed": "findings or waived",
    "xpassed": "passed though marked xfail",
    "error": "errors",
    "rerun": "reruns",
    "retried": "retried",
}
HIDDEN_WHEN_NONE = ("xpassed", "rerun", "retried")
LABEL_WORDS = {
    "skipped or not tested": "pytest's skipped tests: those that did not apply (skipped) and "
                             "those the endpoint did not let run (not tested)",
    "findings or waived": "the tests whose check failed without failing the run: SHOULD "
                          "findings and waived failures (pytest's \"expected failures\")",
    "passed though marked xfail": "a team's test marked @pytest.mark.xfail that passed "
                                  "(pytest's \"unexpected passes\")",
    "errors": "tests that broke in their setup or teardown (see error)",
    "reruns": "tests run again by a rerun plugin (infocheck itself never reruns a test)",
    "retried": "tests retried by a retry plugin (infocheck itself never retries a test)",
}
EXPIRED = "EXPIRED"
OTHER = {EXPIRED: "a waiver whose date has passed: it covers nothing, and the run is NOT CONFORMANT"}


def entries() -> list[dict]:
    """The legend, in the order the page shows it: each word once, with what it means."""
    groups = (("the run", RUN), ("a requirement or a test", {str(k): v for k, v in OUTCOMES.items()}),
              ("a level", LEVEL_WORDS), ("pytest-html's part of the page", LABEL_WORDS),
              ("a waiver", OTHER))
    seen, found = set(), []
    for group, words in groups:
        for word, meaning in words.items():
            if word not in seen:
                seen.add(word)
                found.append({"group": group, "word": word, "meaning": meaning})
    return found
