"""`infocheck watch --fleet FILE --every 5m [--metrics-port 9464] [--metrics-host 127.0.0.1]`:
the fleet checked on a schedule, every cycle into its own folder (REPORT_DIR/cycles/NNNNNN),
and Prometheus metrics of the last cycle served on loopback. Every other option is handed to
each cycle's fleet run as it is (--history URL among them: each cycle records itself).

Exit code, once it ends (after --cycles N cycles, or SIGTERM or Ctrl-C, which end the cycle under
way cleanly): the last cycle's, so 0 only when the last cycle checked every target and each was
conformant; 2 when no cycle ended; 4 for a usage error (its own, or a first cycle's); 3 when the
watcher itself broke."""
from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path

from infocheck import __version__
from infocheck.judging.exit_codes import ExitCode
from infocheck.signals import on_signals
from infocheck.usage import OneLineParser, meant
from infocheck.watch import schedule
from infocheck.watch.cycle import Cycles, Ended
from infocheck.wire.printable import printable

PROG = "infocheck watch"
TARGET_TIMEOUT = ("--fleet-target-timeout", "INFOCHECK_FLEET_TARGET_TIMEOUT")


class Usage(Exception):
    """A usage error of the watcher's, said in one line."""


def parser() -> OneLineParser:
    found = OneLineParser(prog=PROG, allow_abbrev=False, description=(
        "check a fleet on a schedule and serve Prometheus metrics of the last cycle; every other "
        "option is given to each cycle's fleet run (infocheck --help lists them)"))
    found.add_argument("--fleet", metavar="FILE", help="the fleet file (INFOCHECK_FLEET)")
    found.add_argument("--every", metavar="INTERVAL", default="5m",
                       help="how often a cycle starts: 30s, 5m, 1h (1 s to 1 day; default 5m)")
    found.add_argument("--metrics-port", metavar="N", default="9464",
                       help="the metrics' port (default 9464; 0: any free one, written to watch.json)")
    found.add_argument("--metrics-host", metavar="HOST", default="127.0.0.1",
                       help="the address the metrics are served on (default 127.0.0.1, loopback only)")
    found.add_argument("--report-dir", metavar="DIR", default=None,
                       help="where the cycles' folders go: DIR/cycles/NNNNNN (INFOCHECK_REPORT_DIR; default reports/)")
    found.add_argument("--keep", metavar="N", default="24",
                       help="how many cycles' folders are kept, the newest (default 24)")
    found.add_argument("--cycles", metavar="N", default=None,
                       help="end after N cycles (default: run until SIGTERM or Ctrl-C)")
    return found


def _count(text: str, option: str, low: int, high: int) -> int:
    try:
        value = int(str(text).strip())
    except ValueError:
        raise Usage(f"{option}: give a whole number, not {printable(repr(text), 60)}") from None
    if not low <= value <= high:
        raise Usage(f"{option}: {value} is out of range ({low} to {high})")
    return value


def arguments(argv: list[str], environ) -> tuple:
    own = parser()
    if "-h" in argv or "--help" in argv:
        own.print_help()
        raise SystemExit(ExitCode.CONFORMANT)
    args, extra = own.parse_known_args(argv)
    options = [o for action in own._actions for o in action.option_strings if o.startswith("--")]
    near = meant(extra, options)
    if near and not _infocheck_option(near[0]):
        raise Usage(f"unknown option {near[0]}; did you mean {near[1]}?")
    from infocheck.configuration.knobs import REPORT_FILE_OPTIONS
    own_paths = ("--report-dir", "--fleet", *REPORT_FILE_OPTIONS)   # the watcher's, not a cycle's to choose
    for arg in extra:
        if arg.split("=", 1)[0] in own_paths:
            raise Usage(f"{arg.split('=', 1)[0]}: each cycle's reports go to its own folder under "
                        "--report-dir DIR; give that instead")
    fleet = args.fleet or environ.get("INFOCHECK_FLEET", "").strip()
    if not fleet:
        raise Usage("--fleet FILE: give the fleet file to watch (or INFOCHECK_FLEET)")
    if not Path(fleet).is_file():
        raise Usage(f"--fleet: {printable(fleet, 300)} is not a file")
    try:
        every = schedule.interval(args.every)
    except ValueError as error:
        raise Usage(f"--every: {printable(repr(args.every), 60)}: {error}") from None
    port = _count(args.metrics_port, "--metrics-port", 0, 65535)
    keep = _count(args.keep, "--keep", 1, 100_000)
    cycles = None if args.cycles is None else _count(args.cycles, "--cycles", 1, 10_000_000)
    if not str(args.metrics_host).strip():
        raise Usage("--metrics-host: give an address (127.0.0.1 serves loopback only)")
    root = Path(args.report_dir or environ.get("INFOCHECK_REPORT_DIR", "").strip() or "reports")
    given = {arg.split("=", 1)[0] for arg in extra}
    if TARGET_TIMEOUT[0] not in given and not environ.get(TARGET_TIMEOUT[1], "").strip():
        # a hung target holds up only its slot, and that for one interval at most
        extra = extra + [TARGET_TIMEOUT[0], f"{every:g}"]
    return Path(fleet).resolve(), every, port, args.metrics_host.strip(), root.resolve(), keep, cycles, extra


def _infocheck_option(name: str) -> bool:
    from infocheck.configuration.knobs import KNOBS
    return name in {k.option for k in KNOBS}


def main(argv: list[str]) -> int:
    try:
        fleet, every, port, host, root, keep, count, extra = arguments(list(argv), os.environ)
        return Watcher(fleet, every, port, host, root, keep, count, extra).run()
    except Usage as error:
        print(f"ERROR: {PROG}: {printable(str(error), 500)} ({PROG} --help)", file=sys.stderr)
        return ExitCode.USAGE
    except KeyboardInterrupt:
        return ExitCode.UNTESTABLE
    except Exception as error:   # noqa: BLE001 - the watcher's own failure, in one line
        print(f"ERROR: {PROG}: internal error: {type(error).__name__}: {printable(str(error), 300)}",
              file=sys.stderr)
        return ExitCode.INTERNAL


class Watcher:
    def __init__(self, fleet: Path, every: float, port: int, host: str, root: Path, keep: int,
                 count: int | None, extra: list[str]):
        self.fleet, self.every, self.port, self.host = fleet, every, port, host
        self.root, self.keep, self.count, self.extra = root, keep, count, extra
        self.stop = threading.Event()
        self.signals = 0
        self.last: Ended | None = None
        self.url = None

    def log(self, line: str) -> None:
        print(line, flush=True)

    def run(self) -> int:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            (self.root / ".infocheck-write-check").write_text("")
            (self.root / ".infocheck-write-check").unlink()
        except OSError as exc:
            raise Usage(f"--report-dir: {printable(str(self.root), 300)} cannot be written "
                        f"({exc.strerror or exc})") from None
        from infocheck.watch.metrics import Metrics   # the client library, once it is needed
        self.metrics = Metrics()
        self.server = self._serve()
        self.cycles = Cycles(self.root, self.fleet, self.extra, self.keep, Path.cwd())
        restore = self._on_signals()
        try:
            self.log(f"infocheck watch: {printable(str(self.fleet), 300)} every {self.every:g} s; "
                     f"metrics on {self.url}; cycles in {printable(str(self.cycles.folder), 300)}")
            self._state()
            schedule.Schedule(self.every, self._cycle, self.stop, self.count, self.log).run()
        finally:
            restore()
            self.server.shutdown()
            self.server.server_close()
        if self.last is None:
            self.log("infocheck watch: stopped before a cycle ended: COULD NOT TEST (exit 2)")
            return ExitCode.UNTESTABLE
        self.log(f"infocheck watch: ended after cycle {self.last.number}, exit {self.last.exit_code}")
        return self.last.exit_code

    def _serve(self):
        from prometheus_client import start_http_server
        try:
            server, _ = start_http_server(self.port, addr=self.host, registry=self.metrics.registry)
        except (OSError, ValueError) as exc:
            raise Usage(f"--metrics-host {printable(self.host, 100)} --metrics-port {self.port}: the "
                        f"metrics cannot be served there ({printable(getattr(exc, 'strerror', None) or str(exc), 200)})") from None
        host, port = server.server_address[:2]
        shown = f"[{host}]" if ":" in str(host) else host
        self.url = f"http://{shown}:{port}/metrics"
        return server

    def _cycle(self, start: schedule.Start) -> None:
        self.metrics.cycle_started(start.late > schedule.Schedule.ON_TIME)
        ended = self.cycles.run()
        self.metrics.cycle_ended(ended)
        self.last = ended
        self.log(self._said(ended))
        self._state()
        if ended.exit_code == ExitCode.USAGE and ended.number == self.cycles.first and not ended.stopped:
            raise Usage(f"the first cycle's fleet run was a usage error (exit 4){_error_line(ended)}; "
                        f"its output is in {printable(str(ended.folder / 'output.txt'), 300)}")

    def _said(self, ended: Ended) -> str:
        report = ended.report
        if report is None:
            what = f"exit {ended.exit_code}: {printable(ended.problem, 300)}"
        else:
            found = report.counts if isinstance(report.counts, dict) else {}
            counts = ", ".join(f"{n} {printable(str(v), 40)}" for v, n in sorted(found.items()))
            what = f"{ExitCode(ended.exit_code).verdict} (exit {ended.exit_code}): {counts}"
        stopped = " (stopped)" if ended.stopped else ""
        return (f"infocheck watch: cycle {ended.number}{stopped}: {what} in {ended.seconds:.1f} s; "
                f"reports in {printable(str(ended.folder), 300)}")

    def _state(self) -> None:
        """watch.json: where the metrics are and what the last cycle was, as data."""
        last = self.last
        state = {"infocheck": __version__, "pid": os.getpid(), "fleet": str(self.fleet),
                 "every_seconds": self.every, "metrics": self.url,
                 "cycles": self.metrics.cycles, "last_cycle": None if last is None else {
                     "cycle": last.number, "folder": str(last.folder), "exit_code": last.exit_code,
                     "stopped": last.stopped, "ended": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(last.finished))}}
        path = self.root / "watch.json"
        scratch = path.with_name("watch.json.tmp")
        scratch.write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")
        os.replace(scratch, path)

    def _on_signals(self):
        """SIGTERM, SIGINT (Ctrl-C) and, on Windows, SIGBREAK: the first ends the cycle under way
        cleanly and the watcher after it; a second kills the cycle at once."""
        return on_signals(("SIGTERM", "SIGINT", "SIGBREAK"), self._signalled)

    def _signalled(self, name: str) -> None:
        self.signals += 1
        self.stop.set()
        if self.signals == 1:   # the work, and the line, in a thread: a handler prints nothing
            threading.Thread(target=self._stopping, args=(name,), daemon=True).start()
        else:
            threading.Thread(target=self.cycles.kill, daemon=True).start()


    def _stopping(self, name: str) -> None:
        self.log(f"infocheck watch: {name}: ending the cycle under way, then the watcher")
        self.cycles.stop()


def _error_line(ended: Ended) -> str:
    """The fleet run's own ERROR line, for a person (its output.txt), if it has one."""
    try:
        text = (ended.folder / "output.txt").read_text(encoding="utf-8", errors="replace")[-20000:]
    except OSError:
        return ""
    lines = [line for line in text.splitlines() if line.startswith("ERROR:")]
    return f": {printable(lines[-1], 400)}" if lines else ""
