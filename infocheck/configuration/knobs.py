"""Every setting, declared once: its pytest option, its environment variable, its fleet key, how
a given value is validated, its default, and the rows it shows in the report's configuration.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Callable

from infocheck import contracts
from infocheck.configuration.errors import ConfigError
from infocheck.wire.secret import MASK, Secret, credential_problem

AUTH_HEADERS = ("bearer", "api-key")


def _text(value, label: str) -> str:
    return str(value).strip()


@dataclass(frozen=True)
class Knob:
    """One setting: the Config field it sets, its pytest option and environment variable, its
    key in a fleet file's target (None: not a target's setting), how a given value is
    validated, its default, and the rows it shows in the report's configuration (none: another
    knob's row covers it)."""

    field: str
    option: str
    env: str
    help: str
    parse: Callable[[object, str], object] = _text   # (value, "ENV / --option") -> field value
    default: object = None
    form: str = "value"        # value; flag (on/off); list (repeatable option; env: comma list);
                               # lines (repeatable option; env: one a line)
    rows: tuple = ()           # (title, Config -> text) pairs for the report
    fleet_key: str | None = None
    fleet_kind: object = str   # the JSON type(s) a fleet file gives its fleet_key as (a contract's
                               # knob; the core's are fleet/file.py KEY_KINDS)
    group: str = "contract"    # where infocheck --help lists it (GROUPS); a contract's knobs: contract
    old_options: tuple[str, ...] = ()   # its former options, still taken (each says its new name)
    old_envs: tuple[str, ...] = ()      # its former variables, still read (each says its new name)
    value_name: str = ""       # what --help calls its value (default: the option's last word)

    @property
    def label(self) -> str:
        return f"{self.env} / {self.option}"

    @property
    def dest(self) -> str:
        return "infocheck_" + self.option.lstrip("-").replace("-", "_")

    @property
    def metavar(self) -> str | None:
        """What its value is called in --help (a flag has none)."""
        if self.form == "flag":
            return None
        return self.value_name or self.option.lstrip("-").split("-")[-1].upper()


def variable_for(option: str) -> str:
    """The one rule that names a knob's variable: INFOCHECK_ and the option without its dashes,
    in capitals, each - an _ (--request-timeout <-> INFOCHECK_REQUEST_TIMEOUT)."""
    return "INFOCHECK_" + option.lstrip("-").upper().replace("-", "_")


# Where infocheck --help lists the knobs, in this order: each knob's `group`.
GROUPS = {
    "target": "what is checked",
    "credentials": "the credential (prefer a variable: command lines show in process lists)",
    "contract": "the contracts' own options (each contract declares its own)",
    "requests": "how it asks",
    "policy": "what fails the run",
    "reports": "where the reports go",
    "fleet": "a fleet: many endpoints in one run (docs/fleet.md)",
    "history": "the history store: every run's results over time (docs/watching.md)",
}


TRUE_WORDS, FALSE_WORDS = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


def _flag(value, label: str) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word not in TRUE_WORDS | FALSE_WORDS:
        raise ConfigError(f"{label}: {_shown(value)} is not one of 1/0, true/false, yes/no")
    return word in TRUE_WORDS


def _shown(value) -> str:
    from infocheck.wire.printable import printable
    return printable(repr(value), 120)


def _key(value, label: str) -> Secret:
    problem = credential_problem(value)   # the key itself never appears in the message
    if problem:
        raise ConfigError(f"{label}: the key cannot be used: {problem}")
    return Secret(value)


def _auth_header(value, label: str) -> str:
    word = str(value).strip().lower()
    if word not in AUTH_HEADERS:
        raise ConfigError(f"{label}: {_shown(word)} is not one of " + ", ".join(AUTH_HEADERS))
    return word


def _contract(value, label: str) -> str:
    name = str(value).strip().lower()
    if name not in contracts.names():
        raise ConfigError(f"{label}: {_shown(name)} is not a contract infocheck knows; it knows "
                          + ", ".join(contracts.names()))
    return name


def header_safe(value: str, knob: str, what: str) -> str:
    if not value or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value) or value != value.strip():
        raise ConfigError(f"{knob}: the {what} is empty, has surrounding white space or control "
                          "characters, and cannot be sent in an HTTP header")
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        raise ConfigError(f"{knob}: the {what} has characters HTTP headers cannot carry") from None
    return value


def names_of(what: str):
    """A list knob's parser: header-safe names, none twice (--deployment's)."""
    return _names(what)


def _names(what: str):
    def parse(values, label: str) -> tuple[str, ...]:
        names = tuple(header_safe(name, label, f"{what} name {_shown(name)}") for name in values)
        if len(set(names)) != len(names):
            raise ConfigError(f"{label}: a {what} is named twice")
        return names
    return parse


def _number(kind, low, high):
    def parse(raw, label: str):
        try:
            number = kind(str(raw).strip())
        except ValueError:
            raise ConfigError(f"{label}: {_shown(raw)} is not a {'whole ' if kind is int else ''}number") from None
        if not (low <= number <= high):
            raise ConfigError(f"{label}: {_shown(raw)} is out of range ({low} to {high})")
        return number
    return parse


def _slice(value, label: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*([0-9]{1,4})\s*/\s*([0-9]{1,4})\s*", str(value))
    if not match or not 1 <= int(match[1]) <= int(match[2]):
        raise ConfigError(f"{label}: {_shown(value)} is not K/N with 1 <= K <= N, e.g. 3/8")
    return int(match[1]), int(match[2])


def _prefix(value, label: str) -> tuple[str, ...]:
    prefixes = tuple(value)
    for prefix in prefixes:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", prefix):
            raise ConfigError(f"{label}: {_shown(prefix)} is not the start of an environment "
                              "variable's name (letters, digits, _)")
    return prefixes


def _command_patterns(values, label: str) -> tuple[tuple[str, ...], ...]:
    """Token commands a fleet file may give, each as the words it is run as: exact words, but a
    last word * stands for any further words (none or more)."""
    import os

    from infocheck.configuration.credentials import command_words, has_folder

    patterns = []
    for value in values:
        try:
            words = tuple(command_words(str(value)))
        except ValueError:
            raise ConfigError(f"{label}: {_shown(value)} cannot be split into words (a quote is "
                              "not closed)") from None
        if not words:
            raise ConfigError(f"{label}: a command to allow is empty")
        if words[0] == "*" or "*" in words[:-1]:
            raise ConfigError(f"{label}: {_shown(value)}: * may only be the last word, after the "
                              "program (it stands for any further words)")
        if has_folder(words[0], windows=True) and not os.path.isabs(words[0]):
            raise ConfigError(f"{label}: {_shown(value)}: its program {_shown(words[0])} is a path "
                              "relative to the folder infocheck starts in, which a pull request "
                              "may write to; name a program on PATH or give its absolute path")
        patterns.append(words)
    return tuple(patterns)


def _scopes(values, label: str) -> tuple[str, ...]:
    scopes = tuple(str(value).strip() for value in values)
    for scope in scopes:
        if not scope or any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in scope):
            raise ConfigError(f"{label}: {_shown(scope)} is not a scope (one word, e.g. "
                              "https://ml.azure.com/.default)")
    return scopes


def _endpoint(value, label: str, contract=None) -> str:
    """The base URL; with the run's contract, its wrong bases refused too (config.py parses
    the endpoint once the contract is known)."""
    from infocheck.configuration.urls import validate_endpoint
    return validate_endpoint(str(value).strip(), label,
                             contract.check_endpoint if contract is not None else None)


def _store_url(value, label: str):
    from infocheck.configuration.store_url import parse_store_url
    return parse_store_url(value, label)


def _keep(value, label: str):
    from infocheck.configuration.store_url import parse_keep
    return parse_keep(value, label)


def _credential_row(c) -> str:
    if c.token_command:
        return f"{MASK} (a Bearer token from the token command `{(c.token_command.split() or [''])[0]} …`)"
    if c.azure_identity:
        return f"{MASK} (a Bearer token from Azure Identity, scope {c.scope})"
    if not c.api_key:
        return "none given"
    if len(c.api_versions) > 1 and not c.auth_header_given:
        return f"{MASK} via each api-version's default header"
    return f"{MASK} via {c.auth_header}"


EMBEDDED_SUBJECT = "the embedded reference server, not an endpoint of yours"
STAND_IN_SUBJECT = "the embedded reference server: no endpoint was given"


def endpoint_row(c) -> str:
    where = c.target_url() if c.endpoint else "embedded reference server"
    if not c.embedded_server:
        return where
    return f"{where} ({STAND_IN_SUBJECT if c.stand_in else EMBEDDED_SUBJECT})"


def _versions_row(c) -> str:
    return ", ".join((v or "none (not sent)") + c.contract.version_note(v) for v in c.api_versions)


def _concurrency_row(c) -> str:
    return str(c.concurrency) + (f" ({c.concurrency_note})" if c.concurrency_note else "")


CORE_KNOBS = (
    Knob("contract_name", "--contract", "INFOCHECK_CONTRACT",
         "the contract to check: info (GET /info of the Azure AI Model Inference API, retired "
         "26 August 2026) or models (GET /models of the OpenAI v1 API).", parse=_contract,
         default=contracts.DEFAULT,
         rows=(("contract", lambda c: f"{c.contract_name}: {c.contract.title}"),), fleet_key="contract", value_name="NAME", group="target"),
    Knob("endpoint", "--endpoint", "INFOCHECK_ENDPOINT",
         "base URL of the endpoint (the contract appends its route). Absent: the embedded "
         "reference server is checked instead, and the run cannot pass (exit 2) unless "
         "--embedded asks for it.", parse=_endpoint, rows=(("endpoint", endpoint_row),),
         fleet_key="endpoint", value_name="URL", group="target"),
    Knob("embedded_asked", "--embedded", "INFOCHECK_EMBEDDED",
         "check infocheck's embedded reference server on purpose, not an endpoint (no "
         "--endpoint): the run may pass, and every report says what was checked.",
         parse=_flag, default=False, form="flag", group="target"),
    Knob("api_versions", "--api-version", "INFOCHECK_API_VERSION",
         "api-version(s) to test, as the contract writes them; a comma list, or all-known.",
         parse=None, rows=(("api-version", _versions_row),), fleet_key="api_version", group="target"),
    Knob("api_key", "--api-key", "INFOCHECK_API_KEY",
         "the credential. Prefer the environment variable: command lines show up in process lists.",
         parse=_key, rows=(("credential", _credential_row),), fleet_key="api_key_env", group="credentials"),
    Knob("token_command", "--token-command", "INFOCHECK_TOKEN_COMMAND",
         "a command whose output is a Bearer token (e.g. az account get-access-token --query "
         "accessToken -o tsv); run again when the token is about to expire.", fleet_key="token_command", value_name="COMMAND", group="credentials"),
    Knob("azure_identity", "--azure-identity", "INFOCHECK_AZURE_IDENTITY",
         "get a Bearer token from azure-identity's DefaultAzureCredential (pip install "
         "azure-identity).", parse=_flag, default=False, form="flag", fleet_key="azure_identity", group="credentials"),
    Knob("token_scope", "--token-scope", "INFOCHECK_TOKEN_SCOPE",
         "the scope to ask Azure Identity for; default: the contract's and api-version's "
         "(https://ml.azure.com/.default or https://cognitiveservices.azure.com/.default).",
         fleet_key="token_scope", group="credentials"),
    Knob("auth_header_given", "--auth-header", "INFOCHECK_AUTH_HEADER",
         "how the key is sent on the positive path: bearer (Authorization: Bearer KEY) or api-key. "
         "Default: the api-version's (bearer for 2024-04-01-preview, as the reference says).",
         parse=_auth_header, fleet_key="auth_header", group="credentials"),
    # Here the registered contracts' own knobs join the table (CONTRACT_KNOBS_AFTER).
    Knob("timeout", "--request-timeout", "INFOCHECK_REQUEST_TIMEOUT",
         "seconds to wait for each request (connect, and the whole answer).",
         parse=_number(float, 0.1, 300), default="10",
         rows=(("request timeout", lambda c: f"{c.timeout:g} s"),), fleet_key="request_timeout", value_name="SECONDS", group="requests",
         old_envs=("INFOCHECK_TIMEOUT",)),
    Knob("max_requests", "--max-requests", "INFOCHECK_MAX_REQUESTS",
         "hard cap on requests sent in the whole run (default: 300 per api-version checked).",
         parse=_number(int, 1, 100_000), rows=(("max requests", lambda c: str(c.max_requests)),),
         fleet_key="max_requests", value_name="N", group="requests"),
    Knob("concurrency", "--concurrency", "INFOCHECK_CONCURRENCY",
         "how many requests to the endpoint may be in flight at once (default 5; a fleet's "
         "targets 1, as --fleet-jobs runs them side by side; 1 sends one after another). Same "
         "requests, same verdicts; only sooner.",
         parse=_number(int, 1, 16), default="5", rows=(("concurrency", _concurrency_row),), value_name="N", group="requests"),
    Knob("fail_on_should", "--fail-on-should", "INFOCHECK_FAIL_ON_SHOULD",
         "SHOULD findings fail the run too.", parse=_flag, default=False, form="flag",
         rows=(("fail on SHOULD", lambda c: "yes" if c.fail_on_should else "no"),), group="policy"),
    Knob("discover_versions", "--discover-versions", "INFOCHECK_DISCOVER_VERSIONS",
         "also ask the endpoint with every api-version infocheck knows (a GET each) and report "
         "which it accepts, so you learn what to pin.", parse=_flag, default=False, form="flag", group="requests"),
    Knob("waivers", "--waivers", "INFOCHECK_WAIVERS",
         "a YAML or JSON list of {requirement or test, reason, expires}: known failures that do "
         "not fail the run until they expire.",
         rows=(("waivers", lambda c: c.waivers or "none"),), value_name="FILE", group="policy"),
    Knob("requirements", "--requirements", "INFOCHECK_REQUIREMENTS",
         "a team's own requirement catalogue (JSON or YAML, its own ID namespace), merged with "
         "infocheck's (repeatable; env: comma list).", parse=lambda v, label: tuple(v),
         default=(), form="list",
         rows=(("team requirements", lambda c: ", ".join(c.requirements) or "none"),), value_name="FILE", group="policy"),
    Knob("policy", "--policy", "INFOCHECK_POLICY",
         "a JSON or YAML policy that changes requirement levels for this gate (MUST, SHOULD or "
         "IGNORED).", rows=(("policy", lambda c: c.policy or "none"),), value_name="FILE", group="policy"),
    Knob("report_dir", "--report-dir", "INFOCHECK_REPORT_DIR",
         "the folder the reports go to: infocheck.html, infocheck.json, junit.xml, and a fleet's "
         "targets/ (default reports/, or the folder of a --report-json, --html or --junitxml "
         "given alone); those options still win for their own file.", group="reports"),
    Knob("report_json", "--report-json", "INFOCHECK_REPORT_JSON",
         "where infocheck.json, the machine-readable report, goes (default: in the --report-dir "
         "folder).", value_name="FILE", group="reports", old_options=("--infocheck-json",)),
    Knob("history", "--history", "INFOCHECK_HISTORY",
         "a history store every run records its results in: sqlite:///PATH (a file) or "
         "postgresql://USER:PASSWORD@HOST/DATABASE (pip install 'infocheck[postgresql]'); its "
         "password is masked everywhere. See docs/watching.md.", parse=_store_url, value_name="URL", group="history"),
    Knob("history_keep", "--history-keep", "INFOCHECK_HISTORY_KEEP",
         "how long the history store keeps a run (default 90d; forever keeps every run): older "
         "runs are removed when a run is recorded.", parse=_keep, default="90d", value_name="AGE", group="history"),
    Knob("fleet", "--fleet", "INFOCHECK_FLEET",
         "a YAML or JSON fleet file: check every target it lists, side by side, into one report "
         "(see the README's 'A fleet in one run').", value_name="FILE", group="fleet"),
    Knob("fleet_slice", "--fleet-slice", "INFOCHECK_FLEET_SLICE",
         "K/N: check only slice K of N of the fleet (every Nth target from the Kth), for one job "
         "of a CI matrix; combine the jobs' reports with infocheck merge.", parse=_slice, value_name="K/N", group="fleet"),
    Knob("fleet_jobs", "--fleet-jobs", "INFOCHECK_FLEET_JOBS",
         "how many targets of a fleet are checked at a time (default 8).",
         parse=_number(int, 1, 64), default="8", value_name="N", group="fleet"),
    Knob("fleet_target_timeout", "--fleet-target-timeout", "INFOCHECK_FLEET_TARGET_TIMEOUT",
         "seconds a fleet target's run may take (1 to 86400; default: no bound but its requests'): "
         "one still running then is stopped and is COULD NOT TEST, and the fleet goes on.",
         parse=_number(float, 1, 86400), value_name="S", group="fleet"),
    Knob("fleet_env_prefixes", "--fleet-env-prefix", "INFOCHECK_FLEET_ENV_PREFIX",
         "the only environment variables a fleet file's api_key_env may name start with this "
         "(repeatable; env: comma list), e.g. EASTUS2_: a fleet file changed in a pull request "
         "cannot send another of the job's secrets anywhere.", parse=_prefix, default=(),
         form="list", group="fleet"),
    Knob("fleet_allow_token_commands", "--fleet-allow-token-command",
         "INFOCHECK_FLEET_ALLOW_TOKEN_COMMAND",
         "a token command a fleet file's token_command may be (repeatable; env: one a line): the "
         "same words, where a last word * stands for any further words (which the file then "
         "chooses, --resource among them: prefer exact commands); its program a name on PATH or an "
         "absolute path. Without it a fleet file runs no command.",
         parse=_command_patterns, default=(), form="lines", group="fleet"),
    Knob("fleet_allow_azure_identity", "--fleet-allow-azure-identity",
         "INFOCHECK_FLEET_ALLOW_AZURE_IDENTITY",
         "a fleet file's azure_identity may use this job's Azure identity (for a scope of the "
         "target's contract, or one --fleet-allow-token-scope names). Without it, it may not.",
         parse=_flag, default=False, form="flag", group="fleet"),
    Knob("fleet_allow_token_scopes", "--fleet-allow-token-scope", "INFOCHECK_FLEET_ALLOW_TOKEN_SCOPE",
         "a scope besides the contract's own that a fleet file's token_scope may ask the job's "
         "identity for (repeatable; env: comma list).", parse=_scopes, default=(), form="list", group="fleet"),
)

# The registered contracts' knobs (Contract.knobs) sit after this core knob, in registration
# order; a knob two contracts declare is one Knob, listed once.
CONTRACT_KNOBS_AFTER = "auth_header_given"


def _table() -> tuple[Knob, ...]:
    """The core's knobs and every registered contract's. A contract the registry refuses adds
    none (its run is refused in one line before anything reads the table)."""
    cut = next(i for i, k in enumerate(CORE_KNOBS) if k.field == CONTRACT_KNOBS_AFTER) + 1
    core = {name for knob in CORE_KNOBS for name in (knob.field, knob.option, knob.env)}
    declared: dict[str, Knob] = {}
    for name in contracts.names():
        try:
            contract = contracts.get(name)
        except contracts.ContractError:
            continue
        for knob in contract.knobs:
            known = declared.setdefault(knob.field, knob)
            if known is not knob or {knob.field, knob.option, knob.env} & core:
                raise contracts.ContractError(
                    f"contract {name!r}: its knob {knob.option} ({knob.field}) is another knob's "
                    "field, option or variable; a knob two contracts share is one Knob")
            if knob.env != variable_for(knob.option):
                raise contracts.ContractError(
                    f"contract {name!r}: its knob {knob.option}'s variable is {knob.env}, but a "
                    f"knob's variable is its option's name ({variable_for(knob.option)})")
    return CORE_KNOBS[:cut] + tuple(declared.values()) + CORE_KNOBS[cut:]


class _Later:
    """A table built on first use: the contracts' knobs are known once the registry is read,
    which a contract's own module may not wait for (it imports ConfigError from here)."""

    def __init__(self, build):
        self._build, self._value = build, None

    def _get(self):
        if self._value is None:
            self._value = self._build()
        return self._value

    def __iter__(self):
        return iter(self._get())

    def __len__(self):
        return len(self._get())

    def __contains__(self, item):
        return item in self._get()

    def __getitem__(self, key):
        return self._get()[key]

    def __repr__(self):
        return repr(self._get())


class _LaterTuple(_Later, Sequence):
    def __add__(self, other):
        return tuple(self._get()) + tuple(other)

    def __radd__(self, other):
        return tuple(other) + tuple(self._get())


class _LaterDict(_Later, Mapping):
    pass


# Every knob: the core's and the registered contracts' (read through these names).
KNOBS = _LaterTuple(_table)
KNOB_BY_FIELD = _LaterDict(lambda: {knob.field: knob for knob in KNOBS})
FLEET_KNOB = next(knob for knob in CORE_KNOBS if knob.field == "fleet")
_REPORT_JSON = next(knob for knob in CORE_KNOBS if knob.field == "report_json")
# The options that name one report file: pytest-html's, pytest's JUnit ones, and --report-json
# with its former names. A fleet run gives each target its own; a watcher, each cycle its own.
REPORT_FILE_OPTIONS = ("--html", "--junitxml", "--junit-xml", _REPORT_JSON.option, *_REPORT_JSON.old_options)
# A fleet file's target keys and the Config field each sets; a fleet run takes none of these
# fields from its own options or environment.
FLEET_KEYS = _LaterDict(lambda: {knob.fleet_key: knob.field for knob in KNOBS if knob.fleet_key})
FLEET_TARGET_FIELDS = _LaterTuple(lambda: tuple(FLEET_KEYS.values()))


def contract_fields() -> tuple[str, ...]:
    """The Config fields the contracts' knobs set (Config.contract_values holds them)."""
    core = {knob.field for knob in CORE_KNOBS}
    return tuple(knob.field for knob in KNOBS if knob.field not in core)


def declaring(field: str) -> tuple[str, ...]:
    """The registered contracts that declare the knob of `field`."""
    found = []
    for name in contracts.names():
        try:
            if any(knob.field == field for knob in contracts.get(name).knobs):
                found.append(name)
        except contracts.ContractError:
            continue
    return tuple(found)


def renamed(environ: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """`environ` with each knob's former variable under its new name (the new one wins when both
    are set), and what to say about each former name found, one line each."""
    environ, notes = dict(environ), []
    for knob in KNOBS:
        for old in knob.old_envs:
            if old not in environ:
                continue
            value = environ.pop(old)
            if knob.env in environ:
                notes.append(f"infocheck: {old} is now {knob.env}, which is set too: {old} is ignored")
            else:
                environ[knob.env] = value
                notes.append(f"infocheck: {old} is now {knob.env} (the old name still works)")
    return environ, notes


def renamed_options(args: Sequence[str]) -> list[str]:
    """What to say about each former option in `args` (before a `--`), one line each."""
    old = {name: knob.option for knob in KNOBS for name in knob.old_options}
    notes = []
    for arg in args:
        if arg == "--":
            break
        name = arg.split("=", 1)[0]
        if name in old and not any(name in note.split() for note in notes):
            notes.append(f"infocheck: {name} is now {old[name]} (the old name still works)")
    return notes


# The settings of a fleet run itself, which no target's run takes.
FLEET_RUN_FIELDS = ("fleet", "fleet_slice", "fleet_jobs", "fleet_target_timeout", "fleet_env_prefixes",
                    "fleet_allow_token_commands", "fleet_allow_azure_identity",
                    "fleet_allow_token_scopes", "history", "history_keep")
