"""watcher.toml + WATCHER_* environment variables -> one validated, frozen Settings.

The daemon and the CLI call :func:`load_settings` once; no raw TOML travels past
this module. Every problem is a :class:`~watcher.errors.ConfigError` that points
at the file, line and column of the offending key (or names the environment
variable) and carries a hint on how to fix it.

Precedence, lowest first: built-in defaults, watcher.toml, ``WATCHER_*``
variables. Relative paths (and relative SQLite database paths) resolve against
the folder of the config file, or the working directory when there is none.

The work is shared with three helpers: :mod:`watcher.settings_source` (the
file, positions in it, raw values), :mod:`watcher.settings_values` (one
validator per kind of value, cron) and :mod:`watcher.settings_delivery`
(SMTP, email digests, alerts, stories). Import everything from here.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from watcher import settings_delivery as delivery
from watcher import settings_values as values
from watcher.digest.mail import SmtpSettings
from watcher.errors import ConfigError, Location
from watcher.model import Severity
from watcher.settings_delivery import (
    ALERT_DEFAULTS,
    DEFAULT_PASSWORD_ENV,
    DIGEST_DELIVERY_DEFAULTS,
    SMTP_DEFAULTS,
    STORY_DEFAULTS,
    AlertSettings,
    Default,
    StorySettings,
)
from watcher.settings_source import (
    CONFIG_FILENAME,
    Locator,
    Raw,
    did_you_mean,
    existing_config,
    join,
    parse_toml,
    read_text,
    toml_type,
)
from watcher.settings_values import DIGEST_FORMATS, LOG_LEVELS, cron_fields

__all__ = [
    "CONFIG_ENV",
    "CONFIG_FILENAME",
    "DEFAULT_DIGEST",
    "DIGEST_DEFAULTS",
    "DIGEST_FORMATS",
    "ENV_PREFIX",
    "LOG_LEVELS",
    "SECTION_DEFAULTS",
    "AlertSettings",
    "DigestSettings",
    "Settings",
    "SmtpSettings",
    "StorySettings",
    "cron_fields",
    "find_config",
    "load_settings",
]

CONFIG_ENV = "WATCHER_CONFIG"
ENV_PREFIX = "WATCHER_"

# The defaults double as the schema: the known sections, their keys and their types.
SECTION_DEFAULTS: Mapping[str, Mapping[str, Default]] = {
    "database": {"url": "sqlite:///data/watcher.db"},
    "paths": {
        "inbox": "inbox",
        "rules": "rules",
        "templates": "templates",
        "digests": "digests",
        "cache": "cache",
    },
    "ingest": {
        "settle_seconds": 1.0,
        "reconcile_seconds": 60.0,
        "max_mb": 50.0,
        "extract_timeout": 20.0,
        "duplicate_threshold": 0.9,
    },
    "log": {"level": "INFO"},
    "smtp": SMTP_DEFAULTS,
    "alerts": ALERT_DEFAULTS,
    "stories": STORY_DEFAULTS,
}
DEFAULT_DIGEST = "daily"
DIGEST_DEFAULTS: Mapping[str, Default] = {
    "schedule": "0 7 * * *",
    "timezone": "UTC",
    "format": "markdown",
    **DIGEST_DELIVERY_DEFAULTS,
}
DIGEST_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


@dataclass(frozen=True, slots=True)
class DigestSettings:
    """One ``[digests.<name>]`` table: when a digest is written, how, to whom, with what."""

    name: str
    schedule: str  # five cron fields, validated, single-spaced
    timezone: str  # an IANA name zoneinfo knows
    format: str  # one of DIGEST_FORMATS
    recipients: tuple[str, ...] = ()  # bare addresses; non-empty exactly when format is email
    folder: Path | None = None  # where Markdown files go; None: Settings.digests_dir
    watchlists: tuple[str, ...] = ()  # only hits of these watchlists; empty: all
    tags: tuple[str, ...] = ()  # only hits of watchlists with one of these tags; empty: all
    min_severity: Severity = Severity.LOW
    skip_empty: bool = False  # True: write or send nothing for a period without hits


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything watcher.toml and the environment configure; paths are absolute."""

    config_path: Path | None  # None when no file was found: all defaults
    base_dir: Path  # the config file's folder (or the working directory)
    database_url: str  # a relative SQLite path is made absolute; other URLs as given
    inbox: Path
    rules: Path
    templates: Path | None  # None: use the templates shipped with watcher
    digests_dir: Path
    cache_dir: Path  # compiled rule sets, so that a restart need not parse them again
    settle_seconds: float
    reconcile_seconds: float  # a full scan of the inbox this often, for missed events
    max_bytes: int  # larger files are quarantined unread
    extract_timeout: float  # seconds one risky extraction (PDF) may take
    duplicate_threshold: float  # similarity at which a document is a near-duplicate
    log_level: str  # one of LOG_LEVELS
    digests: tuple[DigestSettings, ...]
    smtp: SmtpSettings | None = None  # None: no [smtp] table and no WATCHER_SMTP_* override
    alerts: AlertSettings = field(default_factory=AlertSettings)
    stories: StorySettings = field(default_factory=StorySettings)

    def digest(self, name: str) -> DigestSettings:
        """Return the digest called ``name``, or raise ConfigError with a did-you-mean hint."""
        for digest in self.digests:
            if digest.name == name:
                return digest
        names = [d.name for d in self.digests]
        raise ConfigError(
            f"no digest named {name!r} (configured: {', '.join(names)})",
            location=Location(str(self.config_path)) if self.config_path else None,
            hint=did_you_mean(name, names),
        )

    def digest_folder(self, digest: DigestSettings) -> Path:
        """Where ``digest``'s Markdown files are written."""
        return digest.folder or self.digests_dir


def find_config(explicit: Path | None, cwd: Path) -> Path | None:
    """Return the config file to read: ``explicit`` (must exist), else ./watcher.toml, else None."""
    if explicit is not None:
        return existing_config(explicit, cwd, named_by=None)
    candidate = cwd / CONFIG_FILENAME
    return candidate.resolve() if candidate.is_file() else None


def load_settings(
    config: Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Settings:
    """Read the config file and WATCHER_* variables into validated Settings.

    The file is ``config`` if given, else the one WATCHER_CONFIG names, else
    ./watcher.toml if present; with none, every setting has its default.
    """
    env = os.environ if env is None else env
    cwd = (Path.cwd() if cwd is None else cwd).resolve()
    if config is None and env.get(CONFIG_ENV):
        config_path: Path | None = existing_config(Path(env[CONFIG_ENV]), cwd, named_by=CONFIG_ENV)
    else:
        config_path = find_config(config, cwd)

    if config_path is None:
        given = _Given.from_toml({}, Locator("", ""))
        base_dir = cwd
    else:
        text = read_text(config_path)
        given = _Given.from_toml(parse_toml(config_path, text), Locator(str(config_path), text))
        base_dir = config_path.parent
    given.apply_env(env)
    return given.build(config_path, base_dir)


# --- collecting what was given ---------------------------------------------------------


class _Given:
    """The values given in the file and the environment, before validation."""

    def __init__(self, locator: Locator) -> None:
        self.locator = locator
        self.values: dict[tuple[str, str], Raw] = {}
        self.tables: set[str] = set()  # the sections present in the file
        # digest name -> key -> value; insertion order is the order in the file.
        self.digests: dict[str, dict[str, Raw]] = {}
        self.env: Mapping[str, str] = {}

    @classmethod
    def from_toml(cls, data: Mapping[str, object], locator: Locator) -> _Given:
        given = cls(locator)
        for name, table in data.items():
            if name == "digests":
                given._read_digests(table)
            elif name in SECTION_DEFAULTS:
                given._read_section(name, table)
            else:
                given._unknown_top_level(name, table)
        if not given.digests:
            given.digests[DEFAULT_DIGEST] = {}
        return given

    def _raw(self, value: object, *path: str) -> Raw:
        items = self.locator.items(*path) if isinstance(value, list) else ()
        return Raw(value, ".".join(path), self.locator.value(*path), items=items)

    def _read_section(self, section: str, table: object) -> None:
        keys = SECTION_DEFAULTS[section]
        if not isinstance(table, dict):
            raise ConfigError(
                f"{section} must be a table, not {toml_type(table)}",
                location=self.locator.key(section),
                hint=f"write it as [{section}] followed by its keys",
            )
        self.tables.add(section)
        for key, value in table.items():
            if (section, key) == ("smtp", "password"):
                raise ConfigError(
                    "unknown key 'password' in [smtp]: the password does not belong in the file",
                    location=self.locator.key(section, key),
                    hint=f"put it in the environment variable {DEFAULT_PASSWORD_ENV} "
                    "(or the one password_env names) and delete this line",
                )
            if key not in keys:
                raise ConfigError(
                    f"unknown key {key!r} in [{section}]",
                    location=self.locator.key(section, key),
                    hint=did_you_mean(key, keys) or f"[{section}] takes {join(keys)}",
                )
            self.values[section, key] = self._raw(value, section, key)

    def _read_digests(self, table: object) -> None:
        if not isinstance(table, dict):
            raise ConfigError(
                f"digests must be a table, not {toml_type(table)}",
                location=self.locator.key("digests"),
                hint="define each digest as a [digests.<name>] table",
            )
        for name, digest in table.items():
            if not DIGEST_NAME_RE.match(name):
                raise ConfigError(
                    f"invalid digest name {name!r}",
                    location=self.locator.key("digests", name),
                    hint="use lowercase letters, digits, '-' and '_', starting with a letter "
                    "or digit; the name becomes part of file names",
                )
            if not isinstance(digest, dict):
                raise ConfigError(
                    f"digests.{name} must be a table, not {toml_type(digest)}",
                    location=self.locator.key("digests", name),
                    hint=f"write it as [digests.{name}] followed by {join(DIGEST_DEFAULTS)}",
                )
            given: dict[str, Raw] = {}
            for key, value in digest.items():
                if key not in DIGEST_DEFAULTS:
                    raise ConfigError(
                        f"unknown key {key!r} in [digests.{name}]",
                        location=self.locator.key("digests", name, key),
                        hint=did_you_mean(key, DIGEST_DEFAULTS)
                        or f"a digest takes {join(DIGEST_DEFAULTS)}",
                    )
                given[key] = self._raw(value, "digests", name, key)
            self.digests[name] = given

    def _unknown_top_level(self, name: str, value: object) -> None:
        if isinstance(value, dict):
            tables = [*SECTION_DEFAULTS, "digests"]
            raise ConfigError(
                f"unknown table [{name}]",
                location=self.locator.key(name),
                hint=did_you_mean(name, tables) or f"known tables: {join(tables)}",
            )
        homes = [section for section, keys in SECTION_DEFAULTS.items() if name in keys]
        raise ConfigError(
            f"key {name!r} outside any table",
            location=self.locator.key(name),
            hint=f"move it under [{homes[0]}]" if homes else "every key belongs in a [table]",
        )

    def apply_env(self, env: Mapping[str, str]) -> None:
        """Override values with WATCHER_<SECTION>_<KEY> variables; reject misspelt ones."""
        self.env = env
        known = self._env_names()
        ours = tuple(f"{ENV_PREFIX}{name.upper()}_" for name in (*SECTION_DEFAULTS, "digests"))
        secrets = self._password_variables(env)
        for var in sorted(env):
            if not var.startswith(ours) or var in secrets:
                continue  # WATCHER_CONFIG, WATCHER_SMTP_PASSWORD, ...: not ours to judge
            targets = known.get(var)
            if not targets:
                raise self._unknown_env(var, known)
            if len(targets) > 1:
                raise ConfigError(
                    f"{var} is ambiguous: it names digests {join(repr(d) for d, _ in targets)}",
                    hint="rename one of them; '-' and '_' both become '_' in variable names",
                )
            if not env[var]:
                continue  # an empty variable counts as unset
            digest, key = targets[0]
            raw = Raw(env[var], var, None, from_env=True)
            if digest is None:
                section = next(s for s in SECTION_DEFAULTS if var.startswith(_env_name(s, "")))
                self.values[section, key] = raw
            else:
                self.digests[digest][key] = raw

    def _password_variables(self, env: Mapping[str, str]) -> set[str]:
        """The variables that may hold the SMTP password: never mistaken for a misspelt setting."""
        names = {DEFAULT_PASSWORD_ENV}
        in_file = self.values.get(("smtp", "password_env"))
        for named in (
            in_file.value if in_file else None,
            env.get(_env_name("smtp", "password_env")),
        ):
            if isinstance(named, str) and named.strip():
                names.add(named.strip())
        return names - set(self._env_names())

    def _env_names(self) -> dict[str, list[tuple[str | None, str]]]:
        """Every variable that may override a setting -> [(digest name or None, key)].

        Digests "a-b" and "a_b" share one variable; that is only an error if it is set.
        """
        names: dict[str, list[tuple[str | None, str]]] = {}
        for section, keys in SECTION_DEFAULTS.items():
            for key in keys:
                names[_env_name(section, key)] = [(None, key)]
        for digest in self.digests:
            for key in DIGEST_DEFAULTS:
                var = f"{ENV_PREFIX}DIGESTS_{digest}_{key}".upper().replace("-", "_")
                names.setdefault(var, []).append((digest, key))
        return names

    def _unknown_env(self, var: str, known: Mapping[str, object]) -> ConfigError:
        rest = var.removeprefix(f"{ENV_PREFIX}DIGESTS_")
        if rest != var:
            for key in DIGEST_DEFAULTS:
                digest = rest.removesuffix(f"_{key.upper()}")
                if digest and digest != rest:
                    return ConfigError(
                        f"{var}: no digest named {digest.lower()!r} is configured",
                        hint="variables can only change digests defined in the config file; "
                        f"configured: {join(self.digests)}",
                    )
        return ConfigError(
            f"unknown environment variable {var}",
            hint=did_you_mean(var, known)
            or "see docs/configuration.md for the variables watcher reads",
        )

    # --- validation ------------------------------------------------------------------

    def _get(self, section: str, key: str) -> Raw:
        default = Raw(SECTION_DEFAULTS[section][key], f"{section}.{key}", None)
        return self.values.get((section, key), default)

    def build(self, config_path: Path | None, base_dir: Path) -> Settings:
        """Validate every value and resolve paths against ``base_dir``."""

        def path(key: str) -> Path:
            return values.path(self._get("paths", key), base_dir)

        def getter(section: str) -> delivery.Get:
            return lambda key: self._get(section, key)

        smtp = None
        if "smtp" in self.tables or any(section == "smtp" for section, _ in self.values):
            smtp = delivery.smtp_settings(getter("smtp"), self.env, set(self._env_names()))
        return Settings(
            config_path=config_path,
            base_dir=base_dir,
            database_url=values.database_url(self._get("database", "url"), base_dir),
            inbox=path("inbox"),
            rules=path("rules"),
            templates=values.templates(
                self._get("paths", "templates"),
                base_dir,
                explicit=("paths", "templates") in self.values,
            ),
            digests_dir=path("digests"),
            cache_dir=path("cache"),
            settle_seconds=values.number(self._get("ingest", "settle_seconds")),
            reconcile_seconds=values.positive(self._get("ingest", "reconcile_seconds"), "seconds"),
            max_bytes=int(values.positive(self._get("ingest", "max_mb"), "megabytes") * 2**20),
            extract_timeout=values.positive(self._get("ingest", "extract_timeout"), "seconds"),
            duplicate_threshold=values.fraction(self._get("ingest", "duplicate_threshold")),
            log_level=values.log_level(self._get("log", "level")),
            digests=tuple(self._digest(name, base_dir, smtp) for name in self.digests),
            smtp=smtp,
            alerts=delivery.alert_settings(getter("alerts"), base_dir, smtp),
            stories=delivery.story_settings(getter("stories")),
        )

    def _digest(self, name: str, base_dir: Path, smtp: SmtpSettings | None) -> DigestSettings:
        given = self.digests[name]

        def get(key: str) -> Raw:
            return given.get(key) or Raw(DIGEST_DEFAULTS[key], f"digests.{name}.{key}", None)

        digest_format = values.digest_format(get("format"))
        return DigestSettings(
            name=name,
            schedule=values.schedule(get("schedule")),
            timezone=values.timezone(get("timezone")),
            format=digest_format,
            recipients=delivery.digest_recipients(
                get("format"), digest_format, get("recipients"), smtp
            ),
            folder=values.optional_path(get("folder"), base_dir),
            watchlists=delivery.watchlist_ids(get("watchlists")),
            tags=delivery.tags(get("tags")),
            min_severity=delivery.severity(get("min_severity")),
            skip_empty=values.boolean(get("skip_empty")),
        )


def _env_name(section: str, key: str) -> str:
    return f"{ENV_PREFIX}{section}_{key}".upper()
