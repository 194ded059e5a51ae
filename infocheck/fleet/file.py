"""The fleet file → validated `Target`s: each target's settings as the environment variables a
single run takes, checked here with the same validation a single run applies, so a bad target
is a usage error (exit 4) naming the target and the field before any request is sent.

The file holds no secret values, only where to find them (api_key_env names a variable), and is
as untrusted as any file (configuration/files.py): a fleet file changed in a pull request must
not be able to send the job's own credentials (GITHUB_TOKEN, a cloud key) to an endpoint of its
choosing, so those variables are refused by name (configuration/credentials.py keeps the
list), and `--fleet-env-prefix` narrows what it may name further. Nor may it run a command or use
the job's Azure identity that whoever starts infocheck did not allow (`Consent`)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from infocheck import contracts
from infocheck.configuration import files
from infocheck.configuration.config import build_config
from infocheck.configuration.credentials import ci_or_cloud_credential, command_words
from infocheck.configuration.knobs import FLEET_KEYS, KNOB_BY_FIELD, KNOBS, ConfigError

NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# Names a folder cannot have everywhere: only dots (. and .. are the folder and its parent), a
# trailing dot, and the devices Windows reserves.
FOLDER_UNSAFE = re.compile(r"^\.+$|\.$|^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.IGNORECASE)
LITERAL_CREDENTIALS = {"api_key", "key", "token", "password", "secret", "authorization", "bearer",
                       "access_token", "api-key"}
VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
KEY_KINDS = {"endpoint": str, "api_key_env": str, "token_command": str, "azure_identity": bool,
             "token_scope": str, "auth_header": str, "api_version": (str, list), "max_requests": int,
             "request_timeout": (int, float), "contract": str, "same_as": str}
# A contract's knob's fleet key is given as its Knob.fleet_kind says.
# Keys of a fleet file only: same_as links a models target to the info target of the same
# deployment (its run is then told the model_name /info names, and checks the v1 list serves it).
FLEET_ONLY_KEYS = ("same_as",)


class FleetError(ConfigError):
    """The fleet file cannot be used; the message names the file, the target and the field."""


@dataclass(frozen=True)
class Consent:
    """What whoever starts infocheck allows a fleet file to make it do, beyond reading a key
    from a variable: run a token command (only one of `commands`, as words: exact, or a last *
    for any further words), use the job's Azure identity (`azure_identity`), and ask it for a
    scope besides the target's contract's own (`scopes`). Nothing by default."""

    commands: tuple[tuple[str, ...], ...] = ()
    azure_identity: bool = False
    scopes: tuple[str, ...] = ()

    @classmethod
    def of(cls, settings) -> "Consent":
        return cls(settings.fleet_allow_token_commands, settings.fleet_allow_azure_identity,
                   settings.fleet_allow_token_scopes)

    def allows_command(self, words: list[str]) -> bool:
        return any(allowed(pattern, words) for pattern in self.commands)


def allowed(pattern: tuple[str, ...], words: list[str]) -> bool:
    """Whether a command's words are the pattern's: the same words, one for one, or, where the
    pattern ends with *, its words before the * and then any (none or more)."""
    if pattern[-1:] == ("*",):
        fixed = list(pattern[:-1])
        return words[:len(fixed)] == fixed
    return list(pattern) == words


@dataclass(frozen=True)
class Target:
    name: str
    environ: tuple[tuple[str, str], ...]   # INFOCHECK_* variables of a single run of this target
    endpoint: str
    secrets: tuple[str, ...] = ()          # the key read from api_key_env, to mask in any output
    reads: tuple[str, ...] = ()            # the environment variables it takes secrets from
    contract: str = contracts.DEFAULT
    index: int = 0                         # its place in the fleet file (1 is the first)
    same_as: str | None = None             # the info target of the same deployment (models only)


def read(path: str, environ: dict, prefixes: tuple[str, ...] = (),
         consent: Consent = Consent()) -> list[Target]:
    """Every target of the fleet file, validated, in the file's order; a target that would run
    a command or obtain a token `consent` does not allow is refused."""
    try:
        document = files.load(path, "fleet file")
    except files.FileError as error:
        raise FleetError(str(error)) from None
    where = files.where(path)
    if not isinstance(document, dict) or list(document) != ["targets"] or not isinstance(
            document.get("targets"), list):
        raise FleetError(f"{where}: expected a mapping with one key, targets: a list of targets")
    if not document["targets"]:
        raise FleetError(f"{where}: the fleet has no targets")
    targets, seen = [], {}
    for index, entry in enumerate(document["targets"], 1):
        target = _target(entry, index, f"{where}, target {index}", environ, prefixes, consent)
        folded = target.name.lower()   # report folders: names that differ in case would collide
        if folded in seen:
            raise FleetError(f"{where}, target {index} ({target.name}): name: the name is already "
                             f"used by target {seen[folded]}")
        seen[folded] = index
        targets.append(target)
    _links(targets, where)
    return targets


def _links(targets: list[Target], where: str) -> None:
    """same_as names another target of the fleet: the info target of the same deployment."""
    by_name = {t.name.lower(): t for t in targets}
    for target in targets:
        if target.same_as is None:
            continue
        place = f"{where}, target {target.index} ({target.name}): same_as"
        other = by_name.get(target.same_as.lower())
        if other is None:
            raise FleetError(f"{place}: no target of the fleet is named {files.quoted(target.same_as)}")
        links = contracts.get(target.contract).links   # what the target's contract may name
        if other.contract not in links:
            linking, linked = next(((target.contract, name) for name in links), None) or next(
                (c.name, name) for c in contracts.every() for name in c.links)
            raise FleetError(f"{place}: it links a target of contract {linking} to the {linked} "
                             f"target of the same deployment (this one is {target.contract}, "
                             f"{other.name} is {other.contract})")


def select(targets: list[Target], fleet_slice: tuple[int, int] | None) -> list[Target]:
    """Slice K of N: every Nth target starting at the Kth, so slices stay balanced as the
    fleet grows and a target stays in its slice while targets are added after it."""
    if fleet_slice is None:
        return list(targets)
    k, n = fleet_slice
    return targets[k - 1::n]


def _target(entry, index: int, where: str, environ: dict, prefixes: tuple[str, ...],
            consent: Consent) -> Target:
    if not isinstance(entry, dict):
        raise FleetError(f"{where}: a target is a mapping of keys (name, endpoint, ...)")
    name = entry.get("name")
    if not isinstance(name, str) or not NAME.fullmatch(name) or FOLDER_UNSAFE.search(name):
        raise FleetError(f"{where}: name: give each target a name of letters, digits, '.', '_' "
                         "or '-' (at most 64, not only dots, not ending with a dot, not a device "
                         "name such as nul), which is also its report folder's")
    where = f"{where} ({name})"
    for key in entry:
        shown = files.shown_name(key)
        if str(key).lower() in LITERAL_CREDENTIALS:
            raise FleetError(f"{where}: {shown}: a credential in the fleet file (not shown); keep it "
                             "in an environment variable and name that with api_key_env")
        if key != "name" and key not in FLEET_KEYS and key not in FLEET_ONLY_KEYS:
            raise FleetError(f"{where}: {shown}: unknown key; a target takes name, "
                             + ", ".join(list(FLEET_KEYS) + list(FLEET_ONLY_KEYS)))
    if "endpoint" not in entry:
        raise FleetError(f"{where}: endpoint: every target needs its endpoint URL")
    env, secrets, reads = {}, [], []
    for key, value in entry.items():
        if key == "name":
            continue
        _exact(value, KEY_KINDS[key] if key in KEY_KINDS else KNOB_BY_FIELD[FLEET_KEYS[key]].fleet_kind,
               f"{where}: {key}")
        if key in FLEET_ONLY_KEYS:
            continue
        knob = KNOB_BY_FIELD[FLEET_KEYS[key]]
        if key == "token_command" and any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
            raise FleetError(f"{where}: token_command: the command has a control character (not "
                             "shown), which no command line carries")
        if key == "api_key_env":
            reads.append(value)
            value = _variable(value, where, environ, prefixes)
            secrets.append(value)
        env[knob.env] = _as_text(value, f"{where}: {key}")
    try:
        settings = build_config({}, env)
    except ConfigError as error:
        raise FleetError(f"{where}: {_field_of(str(error))}") from None
    _consented(settings, where, consent)
    return Target(name, tuple(sorted(env.items())), settings.endpoint, tuple(secrets), tuple(reads),
                  settings.contract_name, index, entry.get("same_as"))


def _consented(settings, where: str, consent: Consent) -> None:
    """A token source of the target that whoever starts infocheck did not allow is refused,
    naming the field and the option that would allow it."""
    knobs = KNOB_BY_FIELD
    if settings.token_command is not None:
        option = knobs["fleet_allow_token_commands"]
        try:
            words = command_words(settings.token_command)
        except ValueError:
            raise FleetError(f"{where}: token_command: cannot be split into words (a quote is "
                             "not closed)") from None
        if not consent.allows_command(words):
            shown = files.quoted(words[0]) if words else "(empty)"
            raise FleetError(f"{where}: token_command: a fleet file runs only the token commands "
                             f"whoever starts infocheck allows, and this one ({shown} ...) is not "
                             f"allowed; allow it with {option.option} (or {option.env}), exactly "
                             "or as its first words and *")
    if settings.azure_identity:
        if not consent.azure_identity:
            option = knobs["fleet_allow_azure_identity"]
            raise FleetError(f"{where}: azure_identity: a fleet file uses this job's Azure identity "
                             f"only if whoever starts infocheck allows it with {option.option} (or "
                             f"{option.env}=1); its token would go to the endpoint the file names")
        documented = settings.contract.token_scopes()
        if settings.scope not in documented + consent.scopes:
            option = knobs["fleet_allow_token_scopes"]
            raise FleetError(f"{where}: token_scope: {files.quoted(settings.scope)} is not a scope of "
                             f"the {settings.contract_name} contract ({', '.join(documented)}); "
                             f"allow it with {option.option} (or {option.env})")


def _exact(value, kinds, place: str) -> None:
    try:
        files.expect(value, kinds, place)
    except files.FileError as error:
        raise FleetError(str(error)) from None


def refused_variable(name: str, prefixes: tuple[str, ...] = ()) -> str:
    """Why a fleet file may not read this variable ('' if it may)."""
    if ci_or_cloud_credential(name):
        return (f"{name} is a CI or cloud credential, or one of infocheck's own variables; a fleet "
                "file never sends it to an endpoint (name the variable that holds the endpoint's key)")
    if prefixes and not name.startswith(prefixes):
        return (f"{name} does not start with {' or '.join(prefixes)}, which --fleet-env-prefix "
                "allows a fleet file to read")
    return ""


def _variable(value: str, where: str, environ: dict, prefixes: tuple[str, ...]) -> str:
    if not VARIABLE.fullmatch(value):
        raise FleetError(f"{where}: api_key_env: give the name of an environment variable")
    refused = refused_variable(value, prefixes)
    if refused:
        raise FleetError(f"{where}: api_key_env: {refused}")
    key = environ.get(value)
    if not key:
        raise FleetError(f"{where}: api_key_env: the environment variable {value} is not set")
    return key


def _as_text(value, where: str) -> str:
    """A value as its environment variable would carry it."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, list):
        if not value or not all(isinstance(v, str) for v in value):
            raise FleetError(f"{where}: give a string or a non-empty list of strings")
        return ",".join(value)
    return str(value)


def _field_of(message: str) -> str:
    """A single run's message names the knob (INFOCHECK_X / --x); a fleet's, the key."""
    for knob in KNOBS:
        if knob.fleet_key:
            message = message.replace(knob.label, knob.fleet_key)
    return message
