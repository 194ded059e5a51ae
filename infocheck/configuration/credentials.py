"""Where the credential comes from: a key, a token printed by a command (`az account
get-access-token ...`), or Azure Identity. Tokens are refreshed before they expire, and each
one joins the scrubber the moment it is acquired."""
from __future__ import annotations

import base64
import json
import os
import re
import shlex
import signal
import subprocess
import threading
import time

from infocheck.configuration import environment
from infocheck.wire.exchange import CredentialError  # noqa: F401 - raised here, caught by the probe
from infocheck.wire.secret import Scrubber, Secret, credential_problem

REFRESH_MARGIN = 120.0          # seconds before expiry a token is renewed
OPAQUE_TOKEN_LIFETIME = 2700.0  # a token whose expiry cannot be read is renewed after 45 minutes
COMMAND_TIMEOUT = 60.0          # seconds a token command may run
COMMAND_OUTPUT_LIMIT = 64 * 1024  # bytes of its output read; a token is a few KiB at most

# The credentials of CI systems and clouds, and infocheck's own variables: a fleet file may never
# name one (api_key_env), and no token command's environment holds one.
CI_AND_CLOUD_CREDENTIALS = {
    "GITHUB_TOKEN", "GH_TOKEN", "GH_ENTERPRISE_TOKEN", "GITHUB_PAT", "SYSTEM_ACCESSTOKEN",
    "AZURE_DEVOPS_EXT_PAT", "CI_JOB_TOKEN", "CI_JOB_JWT", "CI_JOB_JWT_V2", "CI_REGISTRY_PASSWORD",
    "CI_DEPLOY_PASSWORD", "GITLAB_TOKEN", "BITBUCKET_STEP_OIDC_TOKEN", "CIRCLE_OIDC_TOKEN",
    "CIRCLE_TOKEN", "BUILDKITE_AGENT_ACCESS_TOKEN", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AZURE_CLIENT_SECRET",
    "AZURE_CLIENT_CERTIFICATE_PASSWORD", "AZURE_PASSWORD", "AZURE_FEDERATED_TOKEN",
    "AZURE_STORAGE_KEY", "AZURE_STORAGE_CONNECTION_STRING", "ARM_CLIENT_SECRET", "ARM_ACCESS_KEY",
    "ARM_OIDC_TOKEN", "GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_OAUTH_ACCESS_TOKEN",
    "GOOGLE_CREDENTIALS", "CLOUDSDK_AUTH_ACCESS_TOKEN", "VAULT_TOKEN", "NPM_TOKEN",
    "NODE_AUTH_TOKEN", "TWINE_PASSWORD", "PYPI_TOKEN", "DOCKER_PASSWORD", "DOCKER_AUTH_CONFIG",
}
CI_AND_CLOUD_PREFIXES = ("ACTIONS_", "SYSTEM_", "RUNNER_", "INFOCHECK_")


def ci_or_cloud_credential(name: str) -> bool:
    """Whether the environment variable is a CI or cloud credential or one of infocheck's own."""
    return name.upper() in CI_AND_CLOUD_CREDENTIALS or name.upper().startswith(CI_AND_CLOUD_PREFIXES)


def command_environment(environ=None) -> dict:
    """A token command's environment: this process's without the CI and cloud credentials and
    infocheck's own variables (a key, a fleet's other settings), which no command needs for a
    token and none may print as one."""
    environ = os.environ if environ is None else environ
    return {name: value for name, value in environ.items() if not ci_or_cloud_credential(name)}


def command_words(command: str) -> list[str]:
    """The argv a token command runs as (no shell): the words a shell would split it into.
    ValueError if it cannot be split (an unclosed quote)."""
    return shlex.split(command)


def has_folder(program: str, windows: bool = os.name == "nt") -> bool:
    """Whether a program is named by a path (relative or absolute) rather than found on PATH."""
    return "/" in program or (windows and ("\\" in program or ":" in program))


def resolve_program(program: str, path: str | None, windows: bool = os.name == "nt",
                    pathext: str | None = None) -> str | None:
    """The file a token command's program is: a program named by a path is that path; any
    other is looked up in PATH's absolute folders only, in order (None if none has it). A PATH
    entry that is empty or relative means the current folder, which may be a checkout a pull
    request wrote to; so does Windows' own lookup (and shutil.which there, even given a path),
    which tries the current folder first: neither is asked. On Windows a name without one of
    PATHEXT's extensions is tried with each, in PATHEXT's order, as the system would."""
    if has_folder(program, windows):
        return program
    if windows:
        extensions = [e for e in (pathext if pathext is not None else
                                  os.environ.get("PATHEXT", ".COM;.EXE;.BAT;.CMD")).split(";") if e]
        names = ([program] if os.path.splitext(program)[1].upper() in {e.upper() for e in extensions}
                 else [program + e for e in extensions])
    else:
        names = [program]
    for folder in (path if path is not None else os.defpath).split(os.pathsep):
        if not folder or not os.path.isabs(folder):
            continue
        for name in names:
            candidate = os.path.join(folder, name)
            if os.path.isfile(candidate) and (windows or os.access(candidate, os.X_OK)):
                return candidate
    return None


# What cmd.exe reads as it is: it runs a .bat or .cmd and parses its command line again, where
# & | < > ^ % ! ( ) quotes and white space mean something no quoting of Python's escapes.
BATCH_SAFE = re.compile(r"[A-Za-z0-9_\-.:/=,@+]*")


def batch_problem(program: str, arguments: list[str]) -> str:
    """Why a batch file may not be run with these arguments ('' if it may)."""
    if os.path.splitext(program)[1].lower() not in (".bat", ".cmd"):
        return ""
    for argument in arguments:
        if not BATCH_SAFE.fullmatch(argument):
            return ("it is a batch file, which cmd.exe runs and whose arguments it reads again; an "
                    "argument there may hold only letters, digits and _ - . : / = , @ +")
    return ""


def credential_knobs(settings) -> str:
    """Where the credential came from, and what to check when it is refused: in a fleet, the
    target's own source, as its fleet file names it."""
    said = f" (the key went as {'Authorization: Bearer' if settings.auth_header == 'bearer' else 'api-key'})"
    if settings.credential_source:
        return settings.credential_source + ("" if settings.uses_token else said)
    if settings.token_command:
        return ("the token from INFOCHECK_TOKEN_COMMAND / --token-command (is it for this "
                "resource and not expired?)")
    if settings.azure_identity:
        return (f"the Azure Identity token (scope {settings.scope}; --token-scope) and the "
                "identity's role on the resource")
    return "INFOCHECK_API_KEY / --api-key, and --auth-header" + said


class KeyCredential:
    kind, env_var = "key", "INFOCHECK_API_KEY"

    def __init__(self, key: Secret):
        self._key = key

    def current(self) -> Secret:
        return self._key


class TokenCredential:
    """A bearer token from somewhere, renewed when it is about to expire."""

    kind, env_var = "token", environment.TOKEN
    knob = "the token source"

    def __init__(self, scrubber: Scrubber, clock=time.time):
        self._scrubber, self._clock = scrubber, clock
        self._token: Secret | None = None
        self._expires = 0.0

    def current(self) -> Secret:
        if self._token is None or self._clock() > self._expires - REFRESH_MARGIN:
            value, expires = self.acquire()
            value = value.strip()
            if not value:
                raise CredentialError(f"{self.describe()} gave an empty token")
            problem = credential_problem(value)
            if problem:
                raise CredentialError(f"{self.knob}: the token from {self.describe()} cannot be "
                                      f"used: {problem}", usage=True)
            self._token = Secret(value)
            self._scrubber.add(self._token)
            self._expires = expires or jwt_expiry(value) or self._clock() + OPAQUE_TOKEN_LIFETIME
        return self._token

    def acquire(self) -> tuple[str, float | None]:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


class CommandToken(TokenCredential):
    """A token printed by a command, run without a shell (its words as `command_words` splits
    them) in `command_environment()`. Nothing the command prints is ever shown: on failure only
    its first word and exit status are named. It is cut off past COMMAND_TIMEOUT seconds or
    COMMAND_OUTPUT_LIMIT bytes of output, with its whole process group."""

    knob = "INFOCHECK_TOKEN_COMMAND / --token-command"

    def __init__(self, command: str, scrubber: Scrubber, clock=time.time,
                 timeout: float = COMMAND_TIMEOUT, output_limit: int = COMMAND_OUTPUT_LIMIT):
        super().__init__(scrubber, clock)
        self._command, self._timeout, self._limit = command, timeout, output_limit

    def describe(self) -> str:
        # Only the program's name: the rest of a command line may carry secrets of its own.
        words = self._command.split()
        return f"the token command `{words[0] if words else ''} …`"

    def acquire(self):
        try:
            argv = command_words(self._command)
        except ValueError as exc:
            raise CredentialError(f"{self.knob}: cannot parse the command ({exc})", usage=True) from None
        if not argv:
            raise CredentialError(f"{self.knob}: the command is empty", usage=True)
        environment = command_environment()
        program = resolve_program(argv[0], environment.get("PATH"))
        if program is None:
            raise CredentialError(f"{self.describe()} could not be started (not found in an "
                                  "absolute folder of PATH; name it by its path to run it from "
                                  "elsewhere)")
        refused = batch_problem(program, argv[1:]) if os.name == "nt" else ""
        if refused:
            raise CredentialError(f"{self.knob}: {self.describe()} cannot be run: {refused}", usage=True)
        try:
            process = subprocess.Popen([program] + argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                       stderr=subprocess.DEVNULL, start_new_session=True,
                                       env=environment)
        except OSError as exc:
            raise CredentialError(f"{self.describe()} could not be started ({exc.strerror})") from None
        output, problem = bytearray(), []

        def read():
            while len(output) <= self._limit:
                chunk = process.stdout.read1(16 * 1024)
                if not chunk:
                    return
                output.extend(chunk)
            problem.append(f"printed more than {self._limit // 1024} KiB")

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(self._timeout)
        if reader.is_alive():
            problem.append(f"did not finish within {self._timeout:g} s")
        if problem:
            _kill_group(process)
        try:
            status = process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            status = process.wait()
        process.stdout.close()
        if problem:
            raise CredentialError(f"{self.describe()} {problem[0]} and was stopped; nothing it "
                                  "printed is shown")
        if status != 0:
            raise CredentialError(f"{self.describe()} failed (exit status {status}); nothing it "
                                  "printed is shown, so run it yourself to see why")
        try:
            return bytes(output).decode("utf-8"), None
        except UnicodeDecodeError:
            raise CredentialError(f"{self.knob}: the token from {self.describe()} is not text",
                                  usage=True) from None


def _kill_group(process: subprocess.Popen) -> None:
    """The command and whatever it started (its own session on POSIX; itself on Windows)."""
    try:
        if hasattr(os, "killpg"):
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
    except OSError:
        pass


class AzureIdentityToken(TokenCredential):
    """A token from azure-identity's DefaultAzureCredential (or any object with get_token)."""

    def __init__(self, scope: str, scrubber: Scrubber, credential=None, clock=time.time):
        super().__init__(scrubber, clock)
        self.scope, self._credential = scope, credential

    knob = "INFOCHECK_AZURE_IDENTITY / --azure-identity"

    def describe(self) -> str:
        return f"Azure Identity (scope {self.scope})"

    def acquire(self):
        if self._credential is None:
            try:
                from azure.identity import DefaultAzureCredential
            except ImportError:
                raise CredentialError("--azure-identity needs the azure-identity package: "
                                      ".venv/bin/python -m pip install azure-identity") from None
            self._credential = DefaultAzureCredential()
        try:
            token = self._credential.get_token(self.scope)
        except Exception as exc:  # azure-identity raises many kinds; say which, one line
            message = self._scrubber.text(str(exc).strip().splitlines()[0] if str(exc).strip() else "")
            raise CredentialError(f"{self.describe()}: {type(exc).__name__}: {message[:200]}") from None
        return token.token, float(token.expires_on)


def jwt_expiry(token: str) -> float | None:
    """The exp claim of a JWT, if the token is one."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        return float(payload["exp"])
    except (ValueError, KeyError, TypeError):
        return None
