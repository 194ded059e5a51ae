"""The private way a fleet target's run tells its parent the secrets it obtained (a token from its
token command or Azure Identity), so that the parent can mask them in every file of the fleet's
report, the other targets' included: never a file, never the terminal, only a pipe the parent
opened for that run and reads itself.

The parent hands the child the pipe's write end and names it in INFOCHECK_FLEET_CHANNEL (a file
descriptor on POSIX; an inherited handle on Windows). The child writes one JSON line per secret.
What arrives is as untrusted as anything else: bounded in size and count, and a secret is only
kept if it is one infocheck could have used (visible ASCII, at least 16 characters)."""
from __future__ import annotations

import json
import os
import re
import subprocess
import threading
from dataclasses import dataclass, field

from infocheck.configuration import environment
from infocheck.wire.printable import printable
from infocheck.wire.secret import Secret, credential_problem

VARIABLE = environment.FLEET_CHANNEL
# The other way, parent to child: where the target's credential came from, for a refusal's advice
# to name (the fleet file's api_key_env: EASTUS2_KEY, not INFOCHECK_API_KEY, which a fleet forbids).
CREDENTIAL_SOURCE = environment.FLEET_CREDENTIAL
# The variable the target's key is in (its api_key_env), so a reproduction's curl reads $EASTUS2_KEY.
KEY_VARIABLE = environment.FLEET_KEY_VARIABLE
# Where the answer of a same_as info target is, for a models target's run: a file in that run's
# own report folder, JSON (ASCII-escaped), so no byte an endpoint sends can fail on the way. It
# is data for the run's MODELS-SAME-AS-INFO, never an option or a variable to validate.
SAME_AS = environment.FLEET_SAME_AS
SAME_AS_LIMIT = 256 * 1024   # bytes of that file: an identity is a few short strings
LINE_LIMIT = 64 * 1024   # bytes of one message: a token is a few KiB
MESSAGES_LIMIT = 64      # a run obtains a token, and renews it every 45 minutes at most


# -- the child's end ---------------------------------------------------------------------------

def reporter(environ=os.environ):
    """A function that tells the parent of a secret, or None outside a fleet's run. The
    variable is taken out of the environment here, so no process this run starts (an xdist
    worker, a token command) writes to a descriptor number that is not the pipe there."""
    named = environ.pop(VARIABLE, "")
    if not named:
        return None
    try:
        if named.startswith("handle:"):          # Windows: an inherited handle
            import msvcrt
            fd = msvcrt.open_osfhandle(int(named.split(":", 1)[1]), os.O_WRONLY)
        else:
            fd = int(named)
        out = os.fdopen(fd, "wb", buffering=0)
    except (ValueError, OSError, ImportError):
        return None
    lock = threading.Lock()

    def tell(secret: Secret) -> None:
        line = json.dumps({"secret": secret.reveal()}).encode() + b"\n"
        with lock:
            try:
                out.write(line)
            except OSError:
                pass    # the parent is gone: nothing to tell

    return tell


# -- the parent's end --------------------------------------------------------------------------

class Channel:
    """One target's pipe: opened before its run starts, read until the run ends."""

    def __init__(self):
        self._read, self._write = os.pipe()
        self.secrets: list[Secret] = []
        self._thread: threading.Thread | None = None

    def child_environment(self) -> tuple[dict, dict]:
        """The variable that names the pipe to the child, and how subprocess must pass it."""
        if os.name == "nt":   # pragma: no cover - Windows: the handle is inherited explicitly
            import msvcrt
            handle = msvcrt.get_osfhandle(self._write)
            os.set_handle_inheritable(handle, True)
            info = subprocess.STARTUPINFO()
            info.lpAttributeList = {"handle_list": [handle]}
            return {VARIABLE: f"handle:{handle}"}, {"startupinfo": info, "close_fds": True}
        return {VARIABLE: str(self._write)}, {"pass_fds": (self._write,)}

    @property
    def descriptor(self) -> int:
        """The write end, for a forked child to be handed (fleet/forking.py)."""
        return self._write

    def started(self) -> None:
        """The child has its copy of the write end: ours is closed, so the pipe ends with it."""
        os.close(self._write)
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        with os.fdopen(self._read, "rb") as pipe:
            while True:
                line = pipe.readline(LINE_LIMIT + 1)
                if not line:
                    return
                if len(self.secrets) >= MESSAGES_LIMIT or len(line) > LINE_LIMIT:
                    continue
                try:
                    value = json.loads(line)["secret"]
                except (ValueError, KeyError, TypeError):
                    continue
                if isinstance(value, str) and credential_problem(value) is None:
                    self.secrets.append(Secret(value))

    def finished(self, timeout: float = 10.0) -> list[Secret]:
        """Every secret the run reported, once its pipe is closed."""
        if self._thread is not None:
            self._thread.join(timeout)
        return list(self.secrets)

    def abandon(self) -> None:
        """The run never started: both ends are closed here."""
        for fd in (self._read, self._write):
            try:
                os.close(fd)
            except OSError:
                pass


# -- parent to child: what a same_as info target answered -----------------------------------

SHELL_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")


def key_variable(environ) -> str | None:
    """The variable a fleet target's key is in, as its parent named it (None outside a fleet,
    or if what is there is no variable a shell can name)."""
    named = environ.get(KEY_VARIABLE, "")
    return named if SHELL_VARIABLE.fullmatch(named) else None


@dataclass(frozen=True)
class Linked:
    """What the run of a models target's same_as info target said it serves, as the parent
    handed it on: the contract's identity (strings, masked with every secret of the fleet),
    whether masking changed it (what /info answered carried a credential), and why there is
    none (the info target's run left no result)."""

    target: str
    identity: dict = field(default_factory=dict)
    carried_secret: bool = False
    note: str = ""


def hand_over(path, linked: Linked) -> None:
    """The parent writes it, before the models target's run starts."""
    document = {"target": linked.target, "identity": linked.identity,
                "carried_secret": linked.carried_secret, "note": linked.note}
    with open(path, "w", encoding="ascii") as file:
        json.dump(document, file, ensure_ascii=True)


def handed_over(environ) -> Linked | None:
    """The child reads it (None outside a fleet, or when its target has no same_as). What is
    there is bounded and checked like any untrusted data: a file that is not what the parent
    writes says so in `note`, and is compared with nothing."""
    path = environ.get(SAME_AS, "")
    if not path:
        return None
    try:
        with open(path, "rb") as file:
            raw = file.read(SAME_AS_LIMIT + 1)
        document = json.loads(raw) if len(raw) <= SAME_AS_LIMIT else None
    except (OSError, ValueError):
        document = None
    if not isinstance(document, dict) or not isinstance(document.get("target"), str):
        return Linked("?", note="the fleet's hand-over of the same_as target's answer could not be read")
    identity = document.get("identity")
    identity = {k: v for k, v in identity.items() if isinstance(k, str) and isinstance(v, str)} \
        if isinstance(identity, dict) else {}
    note = document.get("note")   # both shown in the run's messages: escaped here
    return Linked(printable(document["target"][:64]), identity, document.get("carried_secret") is True,
                  printable(note[:300]) if isinstance(note, str) else "")


# -- parent to a forked child: its run (fleet/forking.py, fleet/zygote.py) --------------------

RUN_LIMIT = 4 * 1024 * 1024   # bytes of a target's arguments, folder and environment


def run_message(arguments: list[str], cwd: str, env: dict) -> bytes:
    """What a forked target's child is told, through a pipe only it reads: the arguments of
    its pytest run, its folder and its environment (its credential among them)."""
    return json.dumps({"args": arguments, "cwd": cwd, "env": env, "channel_variable": VARIABLE}).encode()


def read_run(raw: bytes) -> dict:
    """The child's reading of it (ValueError if it is not what the parent writes)."""
    document = json.loads(raw) if len(raw) <= RUN_LIMIT else None
    if not (isinstance(document, dict) and isinstance(document.get("args"), list)
            and isinstance(document.get("cwd"), str) and isinstance(document.get("env"), dict)
            and isinstance(document.get("channel_variable"), str)):
        raise ValueError("the fleet's parent sent no target to run")
    return document
