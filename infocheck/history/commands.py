"""`infocheck history`, `infocheck badge` and `infocheck can-i-deploy`, the commands: their
arguments, outputs and exit codes (the commands layer; the work is history/answers.py's and
history/page.py's). A usage error, and a store that cannot be read or holds what no infocheck
writes, is one `ERROR:` line and exit 4; infocheck's own failure one line and exit 3.

- history: 0 when a target's runs are shown; 2 when there is none to show (it says what to do).
- badge: 0 when the badge of a recorded run is written; 2 when the store has no run of the
  target (a grey "no runs" badge is written all the same).
- can-i-deploy: 0 only when every run of the target in the window is conformant under the
  current policy and the newest is recent; 1 naming the runs and requirements in the way;
  2 when there are fewer runs than --min-runs."""
from __future__ import annotations

import os
from pathlib import Path

from infocheck.configuration import files
from infocheck.configuration.errors import ConfigError
from infocheck.configuration.knobs import KNOB_BY_FIELD
from infocheck.configuration.store_url import parse_duration, parse_store_url
from infocheck.history.store import StoreError
from infocheck.judging.exit_codes import ExitCode
from infocheck.usage import OneLineParser, guarded
from infocheck.wire.printable import printable

COMMANDS = ("history", "badge", "can-i-deploy")


class _Usage(Exception):
    pass


def _parser(command: str, description: str) -> OneLineParser:
    parser = OneLineParser(prog=f"infocheck {command}", description=description)
    parser.add_argument("--history", metavar="URL", help="the history store (INFOCHECK_HISTORY): "
                        "sqlite:///PATH or postgresql://USER:PASSWORD@HOST/DATABASE")
    return parser


def _store(given):
    knob = KNOB_BY_FIELD["history"]
    value = given if given is not None else os.environ.get(knob.env, "").strip() or None
    if value is None:
        raise _Usage(f"give the history store: {knob.option} URL or {knob.env} "
                     "(sqlite:///PATH or postgresql://USER:PASSWORD@HOST/DATABASE)")
    return parse_store_url(value, knob.label)


def _age(value, option: str) -> float:
    return parse_duration(value, option)


def _target(value: str) -> str:
    if not value.strip() or len(value) > 300 or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise _Usage(f"{printable(repr(value), 80)} is not a target's name (a fleet target's name or "
                     "a single run's endpoint, as infocheck history lists them)")
    return value


def _writable(path: Path) -> None:
    why = files.unwritable(path)
    if why:
        raise _Usage(why)


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise _Usage(f"{printable(str(path), 300)}: cannot write there ({exc.strerror or exc})") from None


def main(command: str, argv: list[str]) -> int:
    work = {"history": history_main, "badge": badge_main, "can-i-deploy": can_i_deploy_main}[command]
    # what is said of a store holds none of its password
    return guarded(command, lambda: work(argv, _remember), (_Usage, ConfigError, StoreError), _masked)


def history_command(argv: list[str]) -> int:
    return main("history", argv)


def badge_command(argv: list[str]) -> int:
    return main("badge", argv)


def can_i_deploy_command(argv: list[str]) -> int:
    return main("can-i-deploy", argv)


_OPENED: list = []


def _remember(given):
    url = _store(given)
    _OPENED.append(url)
    return url


def _masked(text: str) -> str:
    from infocheck.wire.secret import Scrubber
    secrets = [s for url in _OPENED for s in url.secrets()]
    return Scrubber(secrets).text(text) if secrets else text


def _reader(url):
    from infocheck.history.answers import Reader
    return Reader(url)


# -- infocheck history -------------------------------------------------------------------------

def history_main(argv: list[str], store) -> int:
    parser = _parser("history", "per target: its runs, when each requirement last changed, what "
                     "is flapping; a trend page with --html")
    parser.add_argument("target", nargs="?", metavar="TARGET", help="one target (default: every one)")
    parser.add_argument("--since", default="30d", metavar="AGE", help="how far back (default 30d)")
    parser.add_argument("--json", metavar="FILE", help="write the history as JSON here")
    parser.add_argument("--html", metavar="FILE", help="write the trend page here")
    args = parser.parse_args(argv)
    url = store(args.history)
    since = _age(args.since, "--since")
    target = _target(args.target) if args.target is not None else None
    outputs = [Path(p) for p in (args.json, args.html) if p]
    for path in outputs:
        _writable(path)
    from infocheck.history import answers, page
    with _reader(url) as reader:
        doc = answers.history(reader, target, since)
    if args.json:
        _write(Path(args.json), answers.to_json(doc))
    if args.html:
        _write(Path(args.html), page.html(doc))
    for line in history_lines(doc, target):
        print(_masked(line))
    if not doc["targets"]:
        return ExitCode.UNTESTABLE
    return ExitCode.CONFORMANT


def history_lines(doc: dict, target: str | None) -> list[str]:
    from infocheck.history.answers import age_words
    if not doc["targets"]:
        who = f"no run of {printable(target, 300)}" if target else "no run"
        return [f"infocheck history: {who} in {doc['store']} since {doc['since']}: record runs with "
                "--history URL (or infocheck watch), or look further back with --since"]
    lines = [f"infocheck history: {len(doc['targets'])} target(s) in {doc['store']} since {doc['since']}"]
    for t in doc["targets"]:
        last = t["last"]
        counts = ", ".join(f"{count} {verdict}" for verdict, count in t["verdicts"].items())
        flapping = f"; flapping: {', '.join(t['flapping'])}" if t["flapping"] else ""
        lines.append(f"  {t['target']}: {t['runs']} run(s) ({counts}); last {last['verdict']} "
                     f"{age_words(last['age_seconds'])} ago ({last['started']}); the verdict changed "
                     f"{t['verdict_changes']} time(s){flapping}")
        if target is not None:
            for r in t["requirements"]:
                lines.append(f"    {r['id']}: {r['verdict']}, last changed {r['last_changed'] or 'never'}"
                             f", {r['changes']} change(s){' (flapping)' if r['flapping'] else ''}")
    return lines


# -- infocheck badge ---------------------------------------------------------------------------

def badge_main(argv: list[str], store) -> int:
    parser = _parser("badge", "a small SVG badge of a target's last verdict and its age")
    parser.add_argument("target", metavar="TARGET")
    parser.add_argument("--out", required=True, metavar="FILE.svg", help="where to write the badge")
    args = parser.parse_args(argv)
    url = store(args.history)
    target = _target(args.target)
    out = Path(args.out)
    _writable(out)
    import time

    from infocheck.history import page
    with _reader(url) as reader:
        last = reader.last(target)
    if last is None:
        _write(out, page.badge(None, None))
        print(f"infocheck badge: no run of {printable(target, 300)} in {url.shown}: a grey badge "
              f"is written to {printable(str(out), 300)}; record runs with --history URL")
        return ExitCode.UNTESTABLE
    _write(out, page.badge(last.verdict, time.time() - last.started))
    print(f"infocheck badge: {printable(target, 300)}: {last.verdict}, written to {printable(str(out), 300)}")
    return ExitCode.CONFORMANT


# -- infocheck can-i-deploy --------------------------------------------------------------------

def can_i_deploy_main(argv: list[str], store) -> int:
    parser = _parser("can-i-deploy", "exit 0 only when every run of TARGET in the window was "
                     "conformant under the current policy and the newest is recent")
    parser.add_argument("target", metavar="TARGET")
    parser.add_argument("--window", default="24h", metavar="AGE", help="the runs looked at (default 24h)")
    parser.add_argument("--min-runs", default="1", metavar="N", help="fewer runs in the window: exit 2 (default 1)")
    parser.add_argument("--max-age", default=None, metavar="AGE",
                        help="the newest run must be younger (default: 1h, or the window if shorter)")
    parser.add_argument("--policy", default=None, metavar="FILE",
                        help="the current policy (INFOCHECK_POLICY): the levels the runs are judged at")
    parser.add_argument("--fail-on-should", action="store_true", default=None,
                        help="SHOULD findings stand in the way too (INFOCHECK_FAIL_ON_SHOULD)")
    args = parser.parse_args(argv)
    url = store(args.history)
    target = _target(args.target)
    window = _age(args.window, "--window")
    try:
        min_runs = int(args.min_runs)
    except ValueError:
        raise _Usage(f"--min-runs: {printable(repr(args.min_runs), 40)} is not a whole number") from None
    if not 1 <= min_runs <= 100_000:
        raise _Usage("--min-runs: give a whole number from 1 to 100000")
    max_age = _age(args.max_age, "--max-age") if args.max_age is not None else min(3600.0, window)
    policy_knob, should_knob = KNOB_BY_FIELD["policy"], KNOB_BY_FIELD["fail_on_should"]
    policy = args.policy or os.environ.get(policy_knob.env, "").strip() or None
    fail_on_should = args.fail_on_should if args.fail_on_should is not None else should_knob.parse(
        os.environ.get(should_knob.env, "") or "0", should_knob.label)
    from infocheck.history import answers
    with _reader(url) as reader:
        answer = answers.can_i_deploy(reader, target, window, min_runs, max_age, policy, fail_on_should)
    for line in answer.lines:
        print(_masked(line))
    return answer.code
