"""The INFOCHECK_* variables that are no knob, declared here once: those infocheck and its own
tooling read besides the knobs' (configuration/knobs.py). Any other INFOCHECK_* variable in a
run's environment is a usage error naming the knob's variable that was meant, so that a
misspelled one cannot be silently ignored while the run checks something else. A self-test finds every INFOCHECK_ name the repository's code and scripts mention and
checks it is a knob's or declared here."""
from __future__ import annotations

import difflib

PREFIX = "INFOCHECK_"

FLEET_CHANNEL = "INFOCHECK_FLEET_CHANNEL"
FLEET_CREDENTIAL = "INFOCHECK_FLEET_CREDENTIAL"
FLEET_KEY_VARIABLE = "INFOCHECK_FLEET_KEY_VARIABLE"
FLEET_SAME_AS = "INFOCHECK_FLEET_SAME_AS"
TOKEN = "INFOCHECK_TOKEN"

INTERNAL = {
    FLEET_CHANNEL: "a fleet target's run: the pipe it tells its parent its tokens through "
                   "(fleet/channel.py)",
    FLEET_CREDENTIAL: "a fleet target's run: where its credential came from, for a refusal's "
                      "advice (fleet/run.py)",
    FLEET_KEY_VARIABLE: "a fleet target's run: the variable its key is in, for a reproduction's "
                        "curl to read (fleet/run.py)",
    FLEET_SAME_AS: "a models fleet target's run: the file holding what its same_as info target "
                   "answered (fleet/channel.py)",
    TOKEN: "the Bearer token a reproduction's curl reads, and infocheck serve accepts",
    "INFOCHECK_ARGS": "the GitHub Action: its args input, on the way to the command (action.yml)",
    "INFOCHECK_VENV": "run.py: another virtual environment than .venv/ (.ci/run, one per Python)",
    "INFOCHECK_REQUIRE_BROWSER": "the self-tests: the real-browser test fails instead of skipping "
                                 "(.ci/run)",
    "INFOCHECK_REQUIRE_POSTGRESQL": "the self-tests: the history store's PostgreSQL tests fail "
                                    "instead of skipping when its binaries are missing (.ci/run)",
    "INFOCHECK_SELFTEST_SUBPROCESS": "the self-tests: each suite run in a new interpreter "
                                     "(tests/harness.py)",
    "INFOCHECK_REQUIRE_PROMETHEUS": "the self-tests: the promtool and Prometheus tests fail instead "
                                    "of skipping (.ci/run)",
}


def unknown_variable(environ, knob_variables) -> str:
    """The first INFOCHECK_* variable of `environ` that is neither a knob's nor declared above,
    said in one line with the knob's variable nearest to it; "" when there is none. A name in
    other letter case (Windows folds it; POSIX does not) is unknown too, and names its knob."""
    from infocheck.wire.printable import printable

    known = set(knob_variables) | set(INTERNAL)
    for name in sorted(environ):
        if not name.upper().startswith(PREFIX) or name in known:
            continue
        shown = printable(name, 80)
        # Every name shares the prefix: what is near is the rest of it.
        rest = {n.removeprefix(PREFIX): n for n in knob_variables}
        close = difflib.get_close_matches(name.upper().removeprefix(PREFIX), list(rest), n=1,
                                          cutoff=0.6)
        if close:
            return f"{shown}: no such variable; did you mean {rest[close[0]]}?"
        return (f"{shown}: no such variable; infocheck's are listed by infocheck --help and in "
                "docs/configuration.md (unset it, or give it another name)")
    return ""
