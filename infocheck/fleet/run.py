"""A fleet run: every target checked by its own single run, side by side, then one report.

Each target runs in a process of its own (the same pytest command, with the target's settings
as environment variables), so it has its own request cap, Retry-After waits, circuit breaker
and credential, and one that hangs, refuses or throttles holds up only its own slot. The
README's 'A fleet in one run' says why processes and not threads or xdist workers. Where POSIX
has os.fork, that process is a child of one warm fork server that holds no target's secret
(fleet/forking.py, fleet/zygote.py), handed its arguments and environment after the fork;
elsewhere, or if the server cannot start, it is a new interpreter.

A target knows only its own secret: its process (and its token command) gets an environment
without the other targets' secret variables. The parent knows them all, and the tokens each run
obtained (fleet/channel.py), and scrubs every file under the report folder with all of them,
target by target, so that what must be withheld is that target's text alone; a target whose
answers carried another target's credential fails the contract's no-echo requirement (what
keeps them apart is fleet/isolation.py; the echo is judged in judging/echoes.py)."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from infocheck import contracts
from infocheck.configuration.knobs import FLEET_RUN_FIELDS, KNOBS, REPORT_FILE_OPTIONS, ConfigError
from infocheck.fleet import file as fleet
from infocheck.fleet import forking, model, render
from infocheck.fleet.channel import CREDENTIAL_SOURCE, KEY_VARIABLE, SAME_AS, Channel, Linked, hand_over, run_message
from infocheck.fleet.isolation import WINDOWS, child_environment, scrub_data, scrub_file
from infocheck.judging import echoes, report_model
from infocheck.judging.echoes import ECHO_MESSAGE  # noqa: F401 - its words, where they were
from infocheck.judging.exit_codes import ExitCode
from infocheck.judging.judge import EXIT_INTERNAL, EXIT_USAGE, verdict_words
from infocheck.reports.junit import combined as junit
from infocheck.signals import on_signals
from infocheck.wire.printable import printable
from infocheck.wire.secret import Scrubber, Secret

# The fleet run's own options, and the report paths each target's run gets in their place.
# A flag among them takes no value (the argument after it is kept).
DROPPED_OPTIONS = tuple(k.option for k in KNOBS if k.field in FLEET_RUN_FIELDS) + REPORT_FILE_OPTIONS
DROPPED_FLAGS = tuple(k.option for k in KNOBS if k.field in FLEET_RUN_FIELDS and k.form == "flag")
RESULT_LIMIT = 64 * 1024 * 1024
TARGET_FILES = ("output.txt", "infocheck.json", "infocheck.html", "junit.xml")
HANDED_OVER = "same-as.json"   # a models target's: what its same_as info target answered (removed after)
# A target's run sends one request at a time unless the user chose otherwise (--concurrency on
# the fleet's command line, or its variable): the fleet already runs --fleet-jobs targets side
# by side, and a target's shards would only add processes (a third of a target's CPU).
ONE_AT_A_TIME = (next(k.env for k in KNOBS if k.field == "concurrency"), "1")


class FleetError(fleet.FleetError):
    """The fleet run cannot start (its report folder cannot be written, its slice is empty)."""


def child_arguments(args) -> list[str]:
    """The invocation's arguments without the fleet's options and report paths."""
    kept, skip = [], False
    for arg in args:
        if skip:
            skip = False
            continue
        name = arg.split("=", 1)[0]
        if name in DROPPED_OPTIONS:
            skip = "=" not in arg and name not in DROPPED_FLAGS
            continue
        kept.append(arg)
    return kept


class FleetRun:
    def __init__(self, settings, args, cwd: Path, paths: dict[str, Path | None], write):
        self.settings, self.args, self.cwd, self.paths, self.write = settings, args, cwd, paths, write
        self.folder = (paths["json"] or paths["html"] or cwd / "reports" / "x").parent / "targets"
        self.lock = threading.Lock()
        self.running: dict[str, subprocess.Popen] = {}   # a target's run, while it runs
        self.stopped_by = ""           # why the fleet stops (a signal's name), once it does
        self.timed_out: set[str] = set()
        self.killed: set[str] = set()     # the targets whose runs the fleet killed

    def run(self) -> int:
        """The fleet's exit code; infocheck's own failure here is exit 3, in one line. SIGTERM
        (and SIGBREAK on Windows) stops it cleanly: the targets' runs are killed, those not
        started are not, and every report is written, each stopped target COULD NOT TEST."""
        restore = self._on_signals()
        try:
            return self._run()
        except ConfigError:
            raise
        except Exception as error:   # noqa: BLE001 - whatever broke is infocheck's, said in one line
            self.scrub_everything()
            self.write(Scrubber(getattr(self, "secrets", [])).text(
                f"infocheck fleet: internal error: {type(error).__name__}: {printable(str(error), 500)}"))
            return EXIT_INTERNAL
        finally:
            restore()

    def _on_signals(self):
        """SIGTERM (SIGBREAK too where there is one) asks the run to stop; what undoes that."""
        return on_signals(("SIGTERM", "SIGBREAK"), self.stop)

    def stop(self, why: str) -> None:
        """Stop the run: no target starts after this, and the runs under way are killed (in a
        thread of its own: a signal handler takes no lock the thread it interrupts may hold)."""
        self.stopped_by = why or "asked to stop"
        threading.Thread(target=self._kill_running, daemon=True).start()

    def _kill_running(self) -> None:
        with self.lock:
            running = list(self.running.items())
        for name, process in running:
            self._kill(name, process)

    def _kill(self, name: str, process) -> None:
        """A target's run ended at once (SIGKILL; TerminateProcess on Windows), and marked so:
        whatever it exits with then is no verdict. One already ended is left alone."""
        try:
            if process.poll() is None:
                with self.lock:
                    self.killed.add(name)
                process.kill()
        except OSError:
            pass

    def _expired(self, target: fleet.Target, process) -> None:
        with self.lock:
            self.timed_out.add(target.name.lower())
        self._kill(target.name.lower(), process)

    def stopped_entry(self, target: fleet.Target, started: bool) -> dict:
        """A target the run stopped (or never started): COULD NOT TEST, saying why."""
        timeout = self.settings.fleet_target_timeout
        if target.name.lower() in self.timed_out:
            why = (f"its run did not finish within {timeout:g} s (INFOCHECK_FLEET_TARGET_TIMEOUT / "
                   "--fleet-target-timeout) and was stopped")
        elif started:
            why = f"the fleet run was stopped ({self.stopped_by}) while this target was checked"
        else:
            why = f"the fleet run was stopped ({self.stopped_by}) before this target was checked"
        entry = model.target_entry(target.name, None, f"{why}; nothing it checked is judged; its terminal "
                                   f"output, if any, is in {target.name}/output.txt",
                                   self._detail(target), index=target.index)
        entry.update(exit_code=ExitCode.UNTESTABLE, verdict=verdict_words(ExitCode.UNTESTABLE))
        with self.lock:
            self.write(f"  {target.name}: {entry['verdict']} (exit {entry['exit_code']}): {why}")
        return entry

    def scrub_everything(self) -> None:
        """The last resort of a fleet that broke after targets ran: every file under the
        targets' folder and every fleet report masked with every secret known, or removed
        where it cannot be."""
        secrets = getattr(self, "secrets", None)
        if not secrets:
            return
        scrubber = Scrubber(secrets)
        files = [p for p in self.paths.values() if p is not None]
        if self.folder.is_dir():
            files += [p for p in self.folder.rglob("*")]
        for path in files:
            if path.is_file():
                scrub_file(path, scrubber)

    def _run(self) -> int:
        everything = fleet.read(self.settings.fleet, dict(os.environ), self.settings.fleet_env_prefixes,
                                fleet.Consent.of(self.settings))
        targets = fleet.select(everything, self.settings.fleet_slice)
        shown = f"{self.settings.fleet_slice[0]}/{self.settings.fleet_slice[1]}" if self.settings.fleet_slice else None
        if not targets:
            raise FleetError(f"INFOCHECK_FLEET_SLICE / --fleet-slice: slice {shown} selects none of the "
                             f"fleet's {len(everything)} target(s); give a slice count N of at most "
                             f"{len(everything)}")
        self._files_of_the_run(targets)
        self._writable()
        # Every secret the fleet may read: the parent masks them all, in every target's files.
        self.reads = {name for t in everything for name in t.reads}
        self.secrets = [Secret(s) for t in targets for s in t.secrets]
        self.write(f"infocheck fleet: {len(targets)} target(s){f' (slice {shown})' if shown else ''}, "
                   f"{min(self.settings.fleet_jobs, len(targets))} at a time")
        started = time.monotonic()
        self.done = {t.name.lower(): threading.Event() for t in targets}
        self.identities: dict[str, tuple[dict, str]] = {}   # an info target's identity, and why none
        # An info target another links to (same_as) starts first: the pool takes targets in this
        # order, so a models target never waits on one that has not started.
        linked = {t.same_as.lower() for t in targets if t.same_as}
        first = sorted(targets, key=lambda t: t.name.lower() not in linked)
        self.forks = self.fork_server()
        try:
            with ThreadPoolExecutor(max_workers=self.settings.fleet_jobs) as pool:
                found = dict(zip((t.name for t in first), pool.map(self.check, first)))
        finally:
            if self.forks is not None:
                self.forks.close()
        entries = [found[t.name] for t in targets]
        scrubber = Scrubber(self.secrets)
        # Each target on its own: one whose post-processing breaks is that target's internal
        # error, and every other target is still scrubbed, summarized and reported.
        entries = [self.settled(entry, target, scrubber) for entry, target in zip(entries, targets)]
        metas: dict = {}
        summaries = []   # the verdict's, the page's, the terminal's
        for index, (entry, target) in enumerate(zip(entries, targets)):
            try:
                summaries.append(model.summarize(entry, metas))
            except Exception as error:   # noqa: BLE001 - that target's, not the fleet's
                entries[index] = self.broken(target, error, scrubber)
                summaries.append(model.summarize(entries[index], metas))
        doc = model.document(entries, shown, summaries, model.fleet_identity(
            [t.name for t in everything], self.settings.fleet_slice[1] if self.settings.fleet_slice else 1))
        written = self.write_reports(doc, summaries, metas, targets, scrubber)
        for line in render.summary_lines(doc, summaries):
            self.write(scrubber.text(line))
        self.write(f"fleet wall time: {time.monotonic() - started:.1f} s")
        return doc["exit_code"] if written else EXIT_INTERNAL

    def _files_of_the_run(self, targets) -> None:
        """The run's own files (a team's catalogues, the policy, the waivers) apply to every
        target: checked here, once per contract, before any request."""
        from infocheck.judging import catalogue, waivers
        for name in dict.fromkeys(t.contract for t in targets):
            known = catalogue.load(self.settings.requirements, self.settings.policy, contracts.get(name))
            if self.settings.waivers:
                waivers.load(self.settings.waivers, known)

    def _writable(self) -> None:
        """Before any request: the report folder and files can be written (a file where the
        folder should be is a usage error now, not a traceback after every target ran)."""
        places = [self.folder] + [p.parent for p in self.paths.values() if p is not None]
        for folder in places:
            try:
                folder.mkdir(parents=True, exist_ok=True)
                probe = folder / ".infocheck-write-check"
                probe.write_text("")
                probe.unlink()
            except OSError as exc:
                raise FleetError(f"{printable(str(folder), 300)}: the report folder cannot be written "
                                 f"({exc.strerror or exc}); give --report-json, --html and "
                                 "--junitxml paths in a folder you can write") from None
        for path in self.paths.values():
            if path is not None and path.is_dir():
                raise FleetError(f"{printable(str(path), 300)}: is a folder, not a report file")

    def fork_server(self) -> forking.ForkServer | None:
        """Where POSIX has os.fork: one warm interpreter that forks each target's run, started
        with the environment every target's run shares and none of their own settings, so it
        holds no target's secret (fleet/zygote.py). None (a process per target) where it
        cannot be, or if it does not start."""
        if forking.unavailable():
            return None
        try:
            return forking.ForkServer(child_environment(dict(os.environ), self.reads, (), WINDOWS), self.cwd)
        except forking.ForkServerError as error:
            self.write(f"infocheck fleet: {error}; each target runs in a process of its own")
            return None

    def environment(self, target: fleet.Target) -> dict:
        """The target's run's environment: this process's, without the fleet's own settings and
        without any variable a target of the fleet takes a secret from, plus its own."""
        return child_environment(dict(os.environ), self.reads, target.environ, WINDOWS)

    def check(self, target: fleet.Target) -> dict:
        """The target's entry: whatever breaks in checking it is that target's internal error
        (exit 3), never the fleet's, so every other target is still checked and reported."""
        try:
            if self.stopped_by:
                return self.stopped_entry(target, started=False)
            return self._check(target)
        except Exception as error:   # noqa: BLE001 - said in the target's entry, scrubbed there
            entry = self.broken(target, error)
            with self.lock:
                self.write(Scrubber(self.secrets).text(
                    f"  {target.name}: {entry['verdict']} (exit {entry['exit_code']}): {entry['problem']}"))
            return entry
        finally:   # whatever happened, a target linked to this one waits no longer
            self.done[target.name.lower()].set()

    def broken(self, target: fleet.Target, error: BaseException, scrubber: Scrubber | None = None) -> dict:
        """The entry of a target infocheck failed on: INTERNAL ERROR, saying what broke."""
        problem = (f"infocheck failed on this target: {type(error).__name__}: "
                   f"{printable(str(error), 300)}; its terminal output, if any, is in "
                   f"{target.name}/output.txt")
        if scrubber is not None:
            problem = scrubber.text(problem)
        return model.target_entry(target.name, None, problem, self._detail(target), index=target.index)

    def _detail(self, target: fleet.Target) -> str:
        detail = os.path.relpath(self.folder / target.name / "infocheck.html", self._report_folder())
        return detail.replace(os.sep, "/")

    def _check(self, target: fleet.Target) -> dict:
        folder = self.folder / target.name
        folder.mkdir(parents=True, exist_ok=True)
        result_path = folder / "infocheck.json"
        result_path.unlink(missing_ok=True)
        env = self.environment(target)
        env.setdefault(*ONE_AT_A_TIME)
        env[CREDENTIAL_SOURCE] = self.source(target)
        if target.reads:   # a reproduction's curl reads the variable the key is really in
            env[KEY_VARIABLE] = target.reads[0]
        handed = folder / HANDED_OVER
        handed.unlink(missing_ok=True)
        linked = self.linked(target)
        if linked is not None:   # data in a file of its own folder: no byte can fail on the way
            hand_over(handed, linked)
            env[SAME_AS] = str(handed)
        try:
            return self._run_target(target, folder, result_path, env, started=time.monotonic())
        finally:
            handed.unlink(missing_ok=True)

    def _run_target(self, target: fleet.Target, folder: Path, result_path: Path, env: dict,
                    started: float) -> dict:
        channel = Channel()
        named, passing = channel.child_environment()
        env.update(named)
        # -P: the folder the fleet starts from (a checkout a pull request writes to) is not put
        # first on the target's run's sys.path, where a pytest.py there would be its code.
        command = [sys.executable, "-P", "-m", "pytest", *child_arguments(self.args),
                   f"--report-json={result_path}", f"--junitxml={folder / 'junit.xml'}"]
        if self.paths["html"] is not None:   # pytest-html is on: each target has its page too
            command.append(f"--html={folder / 'infocheck.html'}")
        with open(folder / "output.txt", "wb") as output:
            code, cut = self._forked(target, command[4:], env, output, channel)
        if code is None:
            code, cut = self._spawned(target, command, env, folder, channel, passing)
        if cut:   # killed by the fleet (its time was up, or the run was stopped): no verdict of its own
            return self.stopped_entry(target, started=True)
        return self._ended(target, result_path, code, started)

    def _watch(self, target: fleet.Target, run) -> threading.Timer | None:
        """A target's run under way (a process, or a forked child), where the fleet's stop and its
        --fleet-target-timeout can kill it; the watchdog, if the run has a bound."""
        with self.lock:
            self.running[target.name.lower()] = run
        if self.stopped_by:   # asked to stop while it started
            self._kill(target.name.lower(), run)
        if self.settings.fleet_target_timeout is None:
            return None
        watchdog = threading.Timer(self.settings.fleet_target_timeout, self._expired, (target, run))
        watchdog.daemon = True
        watchdog.start()
        return watchdog

    def _unwatch(self, target: fleet.Target, watchdog: threading.Timer | None, code: int | None) -> bool:
        """The run has ended: whether the fleet cut it (killed it, or it ended as no run ends once
        the fleet was told to stop: on Windows CTRL_BREAK reaches it too)."""
        if watchdog is not None:
            watchdog.cancel()
        with self.lock:
            self.running.pop(target.name.lower(), None)
            return target.name.lower() in self.killed or (bool(self.stopped_by) and code not in set(ExitCode))

    def _forked(self, target: fleet.Target, arguments: list[str], env: dict, output,
                channel: Channel) -> tuple[int | None, bool]:
        """The target's run as a child of the fork server: Popen's returncode and whether the
        fleet cut it; None if there is no server (or it was gone before it was asked), so it runs
        as a process of its own."""
        if self.forks is None:
            return None, False
        if any("\0" in text for text in [*arguments, *env, *env.values()]):
            raise ValueError("embedded null byte")   # as Popen refuses it: no process can carry it
        payload = run_message(arguments, str(self.cwd), env)
        handed = False

        def started():
            nonlocal handed
            handed = True
            channel.started()

        child: forking.Child | None = None
        watchdog = None

        def forked(started_child: forking.Child):
            nonlocal child, watchdog
            child = started_child
            watchdog = self._watch(target, child)

        code = None
        try:
            code = self.forks.run(payload, output.fileno(), channel.descriptor, started, forked)
        except forking.NotForked:
            return None, False
        except BaseException:
            if not handed:
                channel.abandon()
            raise
        finally:
            if child is not None:
                child.ended = True
            cut = self._unwatch(target, watchdog, code) if child is not None else False
            if handed:   # the tokens it told of are masked everywhere, whatever happens next
                with self.lock:
                    self.secrets.extend(channel.finished())
        return code, cut

    def _spawned(self, target: fleet.Target, command: list[str], env: dict, folder: Path,
                 channel: Channel, passing: dict) -> tuple[int, bool]:
        """The target's run as a process of its own (Windows, or no fork server): its returncode
        and whether the fleet cut it."""
        with open(folder / "output.txt", "wb") as output:
            try:
                process = subprocess.Popen(command, cwd=self.cwd, env=env, stdin=subprocess.DEVNULL,
                                           stdout=output, stderr=subprocess.STDOUT, **passing)
            except (OSError, ValueError):
                channel.abandon()
                raise
            code = None
            watchdog = self._watch(target, process)
            try:
                channel.started()
                code = process.wait()
            finally:   # the tokens it told of are masked everywhere, whatever happens next
                cut = self._unwatch(target, watchdog, code)
                with self.lock:
                    self.secrets.extend(channel.finished())
        return code, cut

    def _ended(self, target: fleet.Target, result_path: Path, code: int, started: float) -> dict:
        # pytest's own codes, or a signal's (-9: killed), are no exit code of a gate's: they say
        # only that the run did not end as infocheck ends one, which is infocheck's failure.
        ended = f"exit {code}" if code >= 0 else f"signal {-code} (killed)"
        if code not in set(ExitCode):   # infocheck's five; a signal or pytest's own is none
            code = EXIT_INTERNAL
        result, problem = self._result(result_path, code, ended)
        identity = (result or {}).get("identity")
        self.identities[target.name.lower()] = (identity if isinstance(identity, dict) else {},
                                                problem)
        entry = model.target_entry(target.name, result, problem, self._detail(target),
                                   index=target.index)
        if result is None and code in (ExitCode.UNTESTABLE, EXIT_USAGE):   # it said why on its terminal: say which it was
            entry.update(exit_code=code, verdict=verdict_words(code))
        if result is not None and (result["exit_code"] != code or ended != f"exit {code}"):
            # stopped before it judged itself, or killed after
            entry.update(exit_code=code, verdict=verdict_words(code),
                         problem=f"the run ended with {ended}; its result says exit {result['exit_code']}")
        with self.lock:
            self.write(f"  {target.name}: {entry['verdict']} (exit {entry['exit_code']}) "
                       f"in {time.monotonic() - started:.1f} s")
        return entry

    def source(self, target: fleet.Target) -> str:
        where = f"{printable(str(self.settings.fleet), 300)}, target {target.index} ({target.name})"
        environ = dict(target.environ)
        if target.reads:
            return f"api_key_env: {target.reads[0]} in {where}"
        if "INFOCHECK_TOKEN_COMMAND" in environ:
            return f"token_command in {where} (is its token for this resource, and not expired?)"
        if "INFOCHECK_AZURE_IDENTITY" in environ:
            return f"azure_identity in {where} (the identity's role on the resource)"
        return f"the credential of {where}"

    def linked(self, target: fleet.Target) -> Linked | None:
        """A models target linked to its deployment's info target: handed what that target's
        run said it serves, once it has ended, as data (its own MODELS-SAME-AS-INFO judges
        it). Masked with every secret the fleet knows by then: what one endpoint answered never
        carries another target's credential to a third."""
        if target.same_as is None:
            return None
        linked = target.same_as.lower()
        if linked not in self.done:
            with self.lock:
                self.write(f"  {target.name}: same_as {target.same_as} is not in this slice; the "
                           "identity check (MODELS-SAME-AS-INFO) is skipped")
            return None
        self.done[linked].wait()
        identity, problem = self.identities.get(linked, ({}, "its run was not checked"))
        with self.lock:
            scrubber = Scrubber(self.secrets)
        handed = {key for keys in contracts.get(target.contract).links.values() for key in keys}
        masked, carried = scrub_data({k: v for k, v in identity.items()
                                      if k in handed and isinstance(v, str)}, scrubber)
        return Linked(target.same_as, masked, carried, printable(problem, 300) if problem else "")

    def _result(self, path: Path, code: int, ended: str = ""):
        """The target's result document, or why there is none (its terminal output is kept in
        output.txt beside it; nothing is read back out of it)."""
        try:
            return report_model.read(path, RESULT_LIMIT, shown=f"{path.parent.name}/{path.name}").to_dict(), ""
        except report_model.ReportError as error:
            if path.is_file():
                return None, (f"the run ended with {ended or f'exit {code}'} and its result cannot be read "
                              f"({printable(str(error), 300)}); its terminal output is in "
                              f"{path.parent.name}/output.txt")
            return None, (f"the run ended with {ended or f'exit {code}'} and left no result; its terminal output "
                          f"is in {path.parent.name}/output.txt")

    def settled(self, entry: dict, target: fleet.Target, scrubber: Scrubber) -> dict:
        """The target's entry, scrubbed and re-judged; if that breaks, its files are still
        masked (or removed) and the target is infocheck's failure, not the fleet's."""
        try:
            return self.scrubbed(entry, target, scrubber)
        except Exception as error:   # noqa: BLE001 - that target's internal error
            for path in (self.folder / target.name).rglob("*"):
                if path.is_file():
                    scrub_file(path, scrubber)
            return self.broken(target, error, scrubber)

    def scrubbed(self, entry: dict, target: fleet.Target, scrubber: Scrubber) -> dict:
        """The target's section and files masked with every secret of the fleet. A secret found
        there that its own run did not know was another target's: the endpoint sent it, so the
        target fails the contract's no-echo requirement."""
        entry, found = scrub_data(entry, scrubber)
        for name in TARGET_FILES:
            path = self.folder / target.name / name
            if path.is_file():
                found = scrub_file(path, scrubber) or found
        return echoed_elsewhere(entry) if found else entry

    def _report_folder(self) -> Path:
        return (self.paths["html"] or self.paths["json"] or self.folder).parent

    def write_reports(self, doc: dict, summaries: list[dict], metas: dict, targets,
                      scrubber: Scrubber) -> bool:
        """The fleet's reports, each on its own: one that cannot be made does not keep the
        others from being written. Whether all were."""
        makers = {
            "json": lambda: report_model.FleetReport.from_dict(doc).to_json() + "\n",
            "html": lambda: render.html(doc, summaries, metas),
            "junit": lambda: junit([(t.name, self.folder / t.name / "junit.xml") for t in targets]),
        }
        written = True
        for kind, make in makers.items():
            if not self.paths[kind]:
                continue
            try:
                self._save(self.paths[kind], make(), scrubber)
            except Exception as error:   # noqa: BLE001 - said in one line; the fleet ends 3
                written = False
                self.write(scrubber.text(f"infocheck fleet: internal error writing the {kind} report: "
                                         f"{type(error).__name__}: {printable(str(error), 300)}"))
        return written

    def _save(self, path: Path, text: str, scrubber: Scrubber) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(scrubber.text(text), encoding="utf-8")   # a no-op: each part is scrubbed


def echoed_elsewhere(entry: dict) -> dict:
    """The target fails its contract's no-echo requirement (judging/echoes.py judges it)."""
    return echoes.echoed_elsewhere(entry, lambda name: contracts.get(name or contracts.DEFAULT).catalogue.echo)
