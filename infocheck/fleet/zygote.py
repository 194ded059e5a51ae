"""The fork server of a fleet run (POSIX): one interpreter that imports pytest, its plugins and
every module of infocheck once, then forks a child per target, and each child runs that
target's pytest session as `python -P -m pytest` would, without paying for an interpreter and
its imports again.

It holds no target's secret, ever: it is started with the environment a target's run gets
minus every target's own settings (fleet/isolation.py: no variable any target takes a secret
from), and what it is asked to do carries no secret either. For each target the fleet's parent
(fleet/forking.py) hands it four descriptors over a Unix socket: where to say the child's pid and
how it ended, the read end of a pipe only the parent writes to, the target's token channel
(fleet/channel.py) and its output.txt. It forks first; only the child reads that pipe, which
carries the target's arguments, folder and environment (its credential among them), so a
target's key exists in that target's child alone, never in this process, whose memory every
later child would inherit. The child closes every descriptor of this process before it reads.

Started as `python -P -c "...main(sys.argv)" FD` (so `__main__` is no file of a checkout's): FD is its end of the socket; its stdin is
a pipe from the parent, whose end means the parent is gone. It writes `ready` on its stdout
once warm. Nothing here parses a command line of a user's."""
from __future__ import annotations

import atexit
import gc
import importlib
import os
import pkgutil
import select
import signal
import socket
import sys

CHILD_BROKE = 70   # the child's own setup failed: no exit code of infocheck's, so INTERNAL ERROR
SKIPPED = {"infocheck.__main__", __name__, "infocheck.fleet.zygote"}


def warm() -> None:
    """Import what every target's run imports: pytest, the plugins it loads by entry point, and
    every module of infocheck, installed or in a clone; the suites' files are compiled once
    (remember_compiled) for pytest to import in each child. A child holds more of infocheck's
    modules than one run imports, which changes nothing it sends: in a run of infocheck,
    Hypothesis draws no constants from the modules imported (plugin/hypothesis_profiles.py)."""
    remember_compiled()
    import pytest  # noqa: F401
    from importlib.metadata import entry_points
    for entry in entry_points(group="pytest11"):
        _quietly(entry.module)
        for hooks in HOOK_MODULES:   # a plugin's hook specifications, imported as it adds them
            _quietly(f"{entry.module.split('.')[0]}.{hooks}")
    _import_sessions_modules()
    import infocheck
    try:
        for module in pkgutil.walk_packages(infocheck.__path__, "infocheck.", onerror=lambda name: None):
            if module.name not in SKIPPED:
                _quietly(module.name)
    except Exception:   # noqa: BLE001 - a package that cannot be walked: the rest is imported when used
        pass
    _compile_suites()
    _build_caches()


# What a pytest session imports only once it runs, not as pytest is imported: the modules of
# pytest's own plugins, and what they and Hypothesis import lazily (the config file's parser,
# pdb for --pdb, readline against libedit's terminal trouble, and some of Hypothesis's
# strategies). tests/test_fleet_cost.py names any other module a forked target imports that
# its fork server could have (a new pytest or Hypothesis may add one).
LAZY_MODULES = ("_pytest._argcomplete", "_pytest.tracemalloc", "faulthandler", "pdb", "readline",
                "tomllib", "encodings.utf_8_sig", "hypothesis.strategies._internal.flatmapped",
                "hypothesis.strategies._internal.random")
HOOK_MODULES = ("hooks", "newhooks")   # where pytest-html, pytest-metadata and xdist keep theirs


def _import_sessions_modules() -> None:
    try:
        from _pytest.config import default_plugins
    except ImportError:   # a pytest that keeps them elsewhere: each child imports its own
        default_plugins = ()
    for name in default_plugins:
        _quietly(f"_pytest.{name}")
    for name in LAZY_MODULES:
        _quietly(name)


def _build_caches() -> None:
    """What a run builds once and keeps: every schema's validator, every report template
    compiled. Built here, they are built once for all the children (half a target's first
    tenth of a second)."""
    try:
        from infocheck import bundle
        from infocheck.reports import templates
        for name in bundle.schema_names():
            try:
                bundle.validator(name)
            except Exception:   # noqa: BLE001 - the run that uses it says what is wrong with it
                pass
        environment = templates.environment()
        for name in environment.list_templates():
            environment.get_template(name)
        from infocheck.reports import html
        for package in html.PACKAGES:   # the versions every page names
            html.package_version(package)
    except Exception:   # noqa: BLE001 - nothing built ahead: each run builds its own
        pass
    _keep_html_template()
    _load_unicode_tables()


def _keep_html_template() -> None:
    """pytest-html compiles its page's template anew in every session (its own Jinja2
    environment, a twentieth of a second a target): here it is compiled once, and each child
    renders the same template. Looked up, not assumed: where pytest-html has no such function,
    each child compiles its own."""
    try:
        from pytest_html import plugin
        read = plugin._read_template
    except (ImportError, AttributeError):
        return
    if getattr(read, "kept_by_infocheck", False):
        return
    compiled: dict = {}

    def kept(search_paths, template_name="index.jinja2"):
        key = (tuple(os.fspath(p) for p in search_paths), template_name)
        if key not in compiled:
            compiled[key] = read(search_paths, template_name)
        return compiled[key]

    kept.kept_by_infocheck = True
    plugin._read_template = kept
    try:
        kept([os.path.join(os.path.dirname(plugin.__file__), "resources")])
    except Exception:   # noqa: BLE001 - compiled by the first child that asks, then kept
        pass


def _load_unicode_tables() -> None:
    """Hypothesis's table of Unicode categories, read once here (each child read it from its
    cache file): only where a run of infocheck keeps that file (plugin/hypothesis_profiles.py),
    never in the folder the fleet runs from."""
    if os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        home = None   # the user's own: a child reads it there, as a single run does
    else:
        from infocheck.configuration.cache_home import hypothesis_home
        home = hypothesis_home(os.environ)
    if home is None:
        return
    try:
        import warnings
        from hypothesis import configuration
        from hypothesis.internal import charmap
        configuration.set_hypothesis_home_dir(home)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")   # its warning is for a plugin's import, in a test run
                charmap.charmap()
                charmap.categories()
        finally:
            configuration.set_hypothesis_home_dir(None)
    except Exception:   # noqa: BLE001 - each child reads its own, as a single run does
        pass


def remember_compiled() -> None:
    """A module's source, once compiled here, is not compiled again by a child that imports it
    anew: the same bytes at the same path give the same code object (where no .pyc can be
    written, PYTHONDONTWRITEBYTECODE, compiling infocheck's modules was half a second a target)."""
    from importlib.machinery import SourceFileLoader
    compiled: dict[str, tuple[bytes, object]] = {}
    original = SourceFileLoader.source_to_code

    def source_to_code(self, data, path, *, _optimize=-1):
        if _optimize != -1 or not isinstance(data, bytes):
            return original(self, data, path, _optimize=_optimize)
        known = compiled.get(path)
        if known is not None and known[0] == data:
            return known[1]
        code = original(self, data, path)
        compiled[path] = (data, code)
        return code

    SourceFileLoader.source_to_code = source_to_code
    global COMPILE
    COMPILE = lambda path, data: source_to_code(None, data, path)  # noqa: E731


COMPILE = None


def _compile_suites() -> None:
    """The suites' test modules and conftests, compiled (not imported: pytest does that)."""
    try:
        from infocheck.bundle import folder
        suites = folder("suites")
    except Exception:   # noqa: BLE001 - nothing to compile ahead
        return
    for path in sorted(suites.rglob("*.py")):
        try:
            COMPILE(str(path), path.read_bytes())
        except Exception:   # noqa: BLE001 - the child's own import says what is wrong with it
            pass


def _quietly(name: str) -> None:
    try:
        importlib.import_module(name)
    except Exception:   # noqa: BLE001 - the child's own run imports it, and says what broke
        pass


def main(argv) -> int:
    control = socket.socket(fileno=int(argv[1]))
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is each child's to handle, as today
    warm()
    gc.collect()
    gc.freeze()   # the children's collector need not walk (and so copy) this heap
    wakeup_read, wakeup_write = os.pipe()
    os.set_blocking(wakeup_write, False)
    signal.set_wakeup_fd(wakeup_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    replies: dict[int, socket.socket] = {}   # a running child's pid -> where its end is said
    asking: dict[socket.socket, int] = {}    # the ends the parent may still ask on -> the child's pid
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    listening = True
    while listening or replies:
        watched = [wakeup_read, *asking] + ([control, sys.stdin.fileno()] if listening else [])
        try:
            ready, _, _ = select.select(watched, [], [], 5.0)
        except InterruptedError:
            ready = []
        if wakeup_read in ready:
            os.read(wakeup_read, 4096)
        for reply in [r for r in ready if r in asking]:   # before any is reaped: see _asked
            _asked(reply, asking, replies)
        _reap(replies, asking)
        if not listening:
            continue
        if sys.stdin.fileno() in ready and not os.read(sys.stdin.fileno(), 4096):
            listening = False   # the parent is gone: no new child; those running end on their own
            continue
        if control in ready:
            try:
                message, fds, _, _ = socket.recv_fds(control, 64, 4)
            except OSError:
                message, fds = b"", []
            if not message:
                listening = False
                continue
            if message != b"run" or len(fds) != 4:
                for fd in fds:
                    os.close(fd)
                continue
            _start(fds, replies, asking, control, (wakeup_read, wakeup_write))
    return 0


def _start(fds, replies, asking, control, wakeup) -> None:
    reply_fd, payload_fd, channel_fd, output_fd = fds
    reply = socket.socket(fileno=reply_fd)
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        pid = os.fork()
    except OSError as error:
        for fd in (payload_fd, channel_fd, output_fd):
            os.close(fd)
        _say(reply, f"broke fork failed: {error.strerror or error}")
        reply.close()
        return
    if pid == 0:   # never returns
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for held in [control, reply, *replies.values()]:
            held.close()
        for fd in wakeup:
            os.close(fd)
        child(payload_fd, channel_fd, output_fd)
    for fd in (payload_fd, channel_fd, output_fd):   # the child's alone now
        os.close(fd)
    replies[pid] = reply
    asking[reply] = pid
    _say(reply, f"pid {pid}")


def _asked(reply: socket.socket, asking: dict, replies: dict) -> None:
    """What the parent asks of a running child: `kill` (its stop, its --fleet-target-timeout).
    The kill is sent here, by the child's parent, which has not waited for it yet (it is in
    `replies`): its pid cannot have been given to another process, as it could be once reaped.
    An end the parent closed is watched no more."""
    try:
        asked = reply.recv(64)
    except OSError:
        asked = b""
    pid = asking.get(reply)
    if not asked:
        asking.pop(reply, None)
    elif b"kill" in asked and pid in replies:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def _reap(replies, asking) -> None:
    """Every child that has ended: its status said, as Popen's returncode says it (a signal's
    negative), and its reply socket closed."""
    while replies:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        reply = replies.pop(pid, None)
        if reply is not None:
            asking.pop(reply, None)
            _say(reply, f"ended {os.waitstatus_to_exitcode(status)}")
            reply.close()


def _say(reply: socket.socket, line: str) -> None:
    try:
        reply.sendall(line.encode() + b"\n")
    except OSError:
        pass   # the parent stopped listening for this target


def child(payload_fd: int, channel_fd: int, output_fd: int) -> None:
    """A target's run: its payload read from the parent's pipe, then its pytest session with
    its own environment, folder, stdout/stderr in its output.txt and nothing on stdin."""
    code = CHILD_BROKE
    try:
        os.dup2(output_fd, 1)
        os.dup2(output_fd, 2)
        os.close(output_fd)
        quiet = os.open(os.devnull, os.O_RDONLY)
        os.dup2(quiet, 0)
        os.close(quiet)
        from infocheck.fleet.channel import RUN_LIMIT, read_run
        with os.fdopen(payload_fd, "rb") as pipe:
            payload = read_run(pipe.read(RUN_LIMIT + 1))
        env = dict(payload["env"])
        env[payload["channel_variable"]] = str(channel_fd)   # the descriptor as this child has it
        os.environ.clear()
        os.environ.update(env)
        os.chdir(payload["cwd"])
        import pytest
        # As `python -m pytest ARGS` has it (this process's own is the fork server's).
        sys.argv = [os.path.join(os.path.dirname(pytest.__file__), "__main__.py"), *payload["args"]]
        try:
            code = int(pytest.main(list(payload["args"])))
        except SystemExit as stop:   # as `python -m pytest` would have ended on it
            code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
            if stop.code is not None and not isinstance(stop.code, int):
                print(stop.code, file=sys.stderr)
        atexit._run_exitfuncs()   # what `python -m pytest` runs as it exits
    except BaseException:   # noqa: BLE001 - in output.txt; the parent sees exit 70, INTERNAL ERROR
        import traceback
        try:
            traceback.print_exc()
        except Exception:   # noqa: BLE001
            pass
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:   # noqa: BLE001 - a closed or full output: the status still goes
                pass
        os._exit(code)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
