"""The fleet file → validated `Target`s: each target's settings as the environment variables a
single run takes, checked here with the same validation a single run applies, so a bad target
is a usage error (exit 4) naming the target and the field before any request is sent.

The file holds no secret values, only where to find them (api_key_env names a variable)."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from infocheck.configuration.config import FLEET_KEYS, KNOBS, ConfigError, build_config

NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
FILE_LIMIT = 1024 * 1024
LITERAL_CREDENTIALS = {"api_key", "key", "token", "password", "secret", "authorization", "bearer",
                       "access_token", "api-key"}


class FleetError(Exception):
    """The fleet file cannot be used; the message names the file, the target and the field."""


@dataclass(frozen=True)
class Target:
    name: str
    environ: tuple[tuple[str, str], ...]   # INFOCHECK_* variables of a single run of this target
    endpoint: str
    secrets: tuple[str, ...] = ()          # the key read from api_key_env, to mask in any output


def read(path: str, environ: dict) -> list[Target]:
    """Every target of the fleet file, validated, in the file's order."""
    document = _parse(path)
    where = Path(path).name
    if not isinstance(document, dict) or set(document) - {"targets"} or not isinstance(
            document.get("targets"), list):
        raise FleetError(f"{where}: expected a mapping with one key, targets: a list of targets")
    if not document["targets"]:
        raise FleetError(f"{where}: the fleet has no targets")
    targets, seen = [], {}
    for index, entry in enumerate(document["targets"], 1):
        target = _target(entry, f"{where}, target {index}", environ)
        folded = target.name.lower()   # report folders: names that differ in case would collide
        if folded in seen:
            raise FleetError(f"{where}, target {index} ({target.name}): name: the name is already "
                             f"used by target {seen[folded]}")
        seen[folded] = index
        targets.append(target)
    return targets


def select(targets: list[Target], fleet_slice: tuple[int, int] | None) -> list[Target]:
    """Slice K of N: every Nth target starting at the Kth, so slices stay balanced as the
    fleet grows and a target stays in its slice while targets are added after it."""
    if fleet_slice is None:
        return list(targets)
    k, n = fleet_slice
    return targets[k - 1::n]


def _parse(path: str):
    try:
        raw = Path(path).read_bytes()[:FILE_LIMIT + 1]
    except OSError as exc:
        raise FleetError(f"{path}: cannot read the fleet file ({exc.strerror})") from None
    if len(raw) > FILE_LIMIT:
        raise FleetError(f"{path}: the fleet file is over {FILE_LIMIT // 1024} KiB")
    try:
        text = raw.decode("utf-8")
        if path.lower().endswith(".json"):
            return json.loads(text)
        import yaml
        return yaml.safe_load(text)
    except (ValueError, ImportError) as exc:
        raise FleetError(f"{path}: not valid JSON or YAML ({str(exc).splitlines()[0]})") from None
    except Exception as exc:   # yaml.YAMLError, whose module may not be imported yet
        raise FleetError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None


def _target(entry, where: str, environ: dict) -> Target:
    if not isinstance(entry, dict):
        raise FleetError(f"{where}: a target is a mapping of keys (name, endpoint, ...)")
    name = entry.get("name")
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise FleetError(f"{where}: name: give each target a name of letters, digits, '.', '_' "
                         "or '-' (at most 64)")
    where = f"{where} ({name})"
    for key in entry:
        if str(key).lower() in LITERAL_CREDENTIALS:
            raise FleetError(f"{where}: {key}: a credential in the fleet file (not shown); keep it "
                             "in an environment variable and name that with api_key_env")
        if key != "name" and key not in FLEET_KEYS:
            raise FleetError(f"{where}: {key}: unknown key; a target takes name, "
                             + ", ".join(FLEET_KEYS))
    if "endpoint" not in entry:
        raise FleetError(f"{where}: endpoint: every target needs its endpoint URL")
    env, secrets = {}, []
    knobs = {k.field: k for k in KNOBS}
    for key, value in entry.items():
        if key == "name":
            continue
        knob = knobs[FLEET_KEYS[key]]
        if key == "api_key_env":
            value = _variable(value, where, environ)
            secrets.append(value)
        env[knob.env] = _as_text(value, f"{where}: {key}")
    try:
        settings = build_config({}, env)
    except ConfigError as error:
        raise FleetError(f"{where}: {_field_of(str(error))}") from None
    return Target(name, tuple(sorted(env.items())), settings.endpoint, tuple(secrets))


def _variable(value, where: str, environ: dict) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
        raise FleetError(f"{where}: api_key_env: give the name of an environment variable")
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
    if isinstance(value, (str, int, float)):
        return str(value)
    raise FleetError(f"{where}: give a string, a number or a list")


def _field_of(message: str) -> str:
    """A single run's message names the knob (INFOCHECK_X / --x); a fleet's, the key."""
    for key, field_name in FLEET_KEYS.items():
        knob = next(k for k in KNOBS if k.field == field_name)
        message = message.replace(knob.label, key)
    return message
