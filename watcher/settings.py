"""watcher.toml + WATCHER_* environment variables -> one validated, frozen Settings.

The daemon and the CLI call :func:`load_settings` once; no raw TOML travels past
this module. Every problem is a :class:`~watcher.errors.ConfigError` that points
at the file, line and column of the offending key (or names the environment
variable) and carries a hint on how to fix it.

Precedence, lowest first: built-in defaults, watcher.toml, ``WATCHER_*``
variables. Relative paths (and relative SQLite database paths) resolve against
the folder of the config file, or the working directory when there is none.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import tomllib
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from watcher.errors import ConfigError, Location

CONFIG_FILENAME = "watcher.toml"
CONFIG_ENV = "WATCHER_CONFIG"
ENV_PREFIX = "WATCHER_"

# The defaults double as the schema: the known sections, their keys and their types.
SECTION_DEFAULTS: Mapping[str, Mapping[str, str | float]] = {
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
}
DEFAULT_DIGEST = "daily"
DIGEST_DEFAULTS: Mapping[str, str] = {
    "schedule": "0 7 * * *",
    "timezone": "UTC",
    "format": "markdown",
}
DIGEST_FORMATS = ("markdown",)
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DIGEST_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


@dataclass(frozen=True, slots=True)
class DigestSettings:
    """One ``[digests.<name>]`` table: when a digest is written, and how."""

    name: str
    schedule: str  # five cron fields, validated, single-spaced
    timezone: str  # an IANA name zoneinfo knows
    format: str  # one of DIGEST_FORMATS


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

    def digest(self, name: str) -> DigestSettings:
        """Return the digest called ``name``, or raise ConfigError with a did-you-mean hint."""
        for digest in self.digests:
            if digest.name == name:
                return digest
        names = [d.name for d in self.digests]
        raise ConfigError(
            f"no digest named {name!r} (configured: {', '.join(names)})",
            location=Location(str(self.config_path)) if self.config_path else None,
            hint=_did_you_mean(name, names),
        )


def find_config(explicit: Path | None, cwd: Path) -> Path | None:
    """Return the config file to read: ``explicit`` (must exist), else ./watcher.toml, else None."""
    if explicit is not None:
        return _existing_config(explicit, cwd, named_by=None)
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
        config_path: Path | None = _existing_config(Path(env[CONFIG_ENV]), cwd, named_by=CONFIG_ENV)
    else:
        config_path = find_config(config, cwd)

    if config_path is None:
        given = _Given.from_toml({}, _Locator("", ""))
        base_dir = cwd
    else:
        text = _read_text(config_path)
        given = _Given.from_toml(_parse_toml(config_path, text), _Locator(str(config_path), text))
        base_dir = config_path.parent
    given.apply_env(env)
    return given.build(config_path, base_dir)


def cron_fields(schedule: str) -> dict[str, str]:
    """Turn a validated cron schedule into keyword arguments for APScheduler's CronTrigger.

    APScheduler 3 numbers weekdays from Monday = 0 while cron uses Sunday = 0,
    so restricted fields are spelled out as explicit lists, weekdays by name.
    """
    sets = _parse_cron(schedule)
    out: dict[str, str] = {}
    for spec, text, values in zip(_CRON_FIELDS, schedule.split(), sets, strict=True):
        if text == "*":
            out[spec.trigger_arg] = "*"
        elif spec.trigger_arg == "day_of_week":
            out[spec.trigger_arg] = ",".join(_WEEKDAYS[v] for v in sorted(values))
        else:
            out[spec.trigger_arg] = ",".join(str(v) for v in sorted(values))
    return out


# --- where a value came from ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Raw:
    """One setting as given, and where it was given, so errors can point at it."""

    value: object
    name: str  # "ingest.settle_seconds", or "WATCHER_INGEST_SETTLE_SECONDS"
    location: Location | None  # None for environment variables and defaults
    from_env: bool = False

    def error(self, problem: str, hint: str | None = None) -> ConfigError:
        return ConfigError(f"{self.name}: {problem}", location=self.location, hint=hint)


class _Locator:
    """Finds tables and keys in the config text by scanning its lines.

    tomllib reports no positions; a line scan that tracks the current
    ``[table]`` and splits dotted keys is good enough for error messages.
    """

    _HEADER = re.compile(r"^\s*\[\[?\s*(?P<name>[^\]]+?)\s*\]")
    _KEY = re.compile(r"^\s*(?P<key>[A-Za-z0-9_\-\"'.][A-Za-z0-9_\-\"'. ]*?)\s*=\s*")

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        # key path -> (line, column of the key, column of the value)
        self._found: dict[tuple[str, ...], tuple[int, int, int]] = {}
        table: tuple[str, ...] = ()
        for number, line in enumerate(text.split("\n"), start=1):
            header = self._HEADER.match(line)
            if header:
                table = _split_key(header["name"])
                col = header.start("name") + 1
                self._found.setdefault(table, (number, col, col))
                continue
            key = self._KEY.match(line)
            if key:
                full = table + _split_key(key["key"])
                place = (number, key.start("key") + 1, key.end() + 1)
                for end in range(len(table) + 1, len(full) + 1):
                    self._found.setdefault(full[:end], place)

    def key(self, *path: str) -> Location:
        """Where the key (or table header) ``path`` is written."""
        return self._locate(path, value=False)

    def value(self, *path: str) -> Location:
        """Where the value of key ``path`` starts."""
        return self._locate(path, value=True)

    def _locate(self, path: tuple[str, ...], *, value: bool) -> Location:
        # An inline table hides its keys from the scan: fall back to the enclosing key.
        for end in range(len(path), 0, -1):
            place = self._found.get(path[:end])
            if place is not None:
                line, key_col, value_col = place
                return Location(self.path, line, value_col if value else key_col)
        return Location(self.path)


def _split_key(dotted: str) -> tuple[str, ...]:
    return tuple(part.strip().strip("\"'") for part in dotted.split("."))


# --- reading the file ----------------------------------------------------------------


def _existing_config(path: Path, cwd: Path, *, named_by: str | None) -> Path:
    path = path.expanduser()
    path = (path if path.is_absolute() else cwd / path).resolve()
    where = Location(str(path))
    origin = f"{named_by} names it; " if named_by else ""
    if path.is_dir():
        raise ConfigError(
            "config path is a folder, not a file",
            location=where,
            hint=f"{origin}point at the {CONFIG_FILENAME} inside it",
        )
    if not path.is_file():
        raise ConfigError("config file not found", location=where, hint=f"{origin}check the path")
    return path


def _read_text(path: Path) -> str:
    where = Location(str(path))
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"cannot read config file: {exc.strerror or exc}",
            location=where,
            hint="check that the file exists and is readable",
        ) from exc
    try:
        # utf-8-sig: tolerate the byte-order mark some Windows editors write.
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            "config file is not valid UTF-8",
            location=Location(str(path), line),
            hint="save it as UTF-8",
        ) from exc


_TOML_POSITION = re.compile(
    r"^(?P<message>.*?)\s*\(at (?:line (?P<line>\d+), column (?P<col>\d+)|end of document)\)$"
)


def _parse_toml(path: Path, text: str) -> dict[str, object]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_POSITION.match(str(exc))
        message = found["message"] if found else str(exc)
        if found and found["line"]:
            where = Location(str(path), int(found["line"]), int(found["col"]))
        else:
            lines = text.split("\n")
            where = Location(str(path), len(lines), len(lines[-1]) + 1)
        duplicate = "twice" in message or "overwrite" in message
        raise ConfigError(
            f"invalid TOML: {message[:1].lower()}{message[1:]}",
            location=where,
            hint=(
                "each table and key may appear only once"
                if duplicate
                else 'check the TOML syntax here; strings need quotes, e.g. level = "INFO"'
            ),
        ) from exc


# --- collecting what was given ---------------------------------------------------------


class _Given:
    """The values given in the file and the environment, before validation."""

    def __init__(self, locator: _Locator) -> None:
        self.locator = locator
        self.values: dict[tuple[str, str], _Raw] = {}
        # digest name -> key -> value; insertion order is the order in the file.
        self.digests: dict[str, dict[str, _Raw]] = {}

    @classmethod
    def from_toml(cls, data: Mapping[str, object], locator: _Locator) -> _Given:
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

    def _read_section(self, section: str, table: object) -> None:
        keys = SECTION_DEFAULTS[section]
        if not isinstance(table, dict):
            raise ConfigError(
                f"{section} must be a table, not {_toml_type(table)}",
                location=self.locator.key(section),
                hint=f"write it as [{section}] followed by its keys",
            )
        for key, value in table.items():
            if key not in keys:
                raise ConfigError(
                    f"unknown key {key!r} in [{section}]",
                    location=self.locator.key(section, key),
                    hint=_did_you_mean(key, keys) or f"[{section}] takes {_join(keys)}",
                )
            self.values[section, key] = _Raw(
                value, f"{section}.{key}", self.locator.value(section, key)
            )

    def _read_digests(self, table: object) -> None:
        if not isinstance(table, dict):
            raise ConfigError(
                f"digests must be a table, not {_toml_type(table)}",
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
                    f"digests.{name} must be a table, not {_toml_type(digest)}",
                    location=self.locator.key("digests", name),
                    hint=f"write it as [digests.{name}] followed by {_join(DIGEST_DEFAULTS)}",
                )
            values: dict[str, _Raw] = {}
            for key, value in digest.items():
                if key not in DIGEST_DEFAULTS:
                    raise ConfigError(
                        f"unknown key {key!r} in [digests.{name}]",
                        location=self.locator.key("digests", name, key),
                        hint=_did_you_mean(key, DIGEST_DEFAULTS)
                        or f"a digest takes {_join(DIGEST_DEFAULTS)}",
                    )
                values[key] = _Raw(
                    value, f"digests.{name}.{key}", self.locator.value("digests", name, key)
                )
            self.digests[name] = values

    def _unknown_top_level(self, name: str, value: object) -> None:
        if isinstance(value, dict):
            tables = [*SECTION_DEFAULTS, "digests"]
            raise ConfigError(
                f"unknown table [{name}]",
                location=self.locator.key(name),
                hint=_did_you_mean(name, tables) or f"known tables: {_join(tables)}",
            )
        homes = [section for section, keys in SECTION_DEFAULTS.items() if name in keys]
        raise ConfigError(
            f"key {name!r} outside any table",
            location=self.locator.key(name),
            hint=f"move it under [{homes[0]}]" if homes else "every key belongs in a [table]",
        )

    def apply_env(self, env: Mapping[str, str]) -> None:
        """Override values with WATCHER_<SECTION>_<KEY> variables; reject misspelt ones."""
        known = self._env_names()
        ours = tuple(f"{ENV_PREFIX}{name.upper()}_" for name in (*SECTION_DEFAULTS, "digests"))
        for var in sorted(env):
            if not var.startswith(ours):
                continue  # WATCHER_CONFIG, WATCHER_SMTP_PASSWORD, ...: not ours to judge
            targets = known.get(var)
            if not targets:
                raise self._unknown_env(var, known)
            if len(targets) > 1:
                raise ConfigError(
                    f"{var} is ambiguous: it names digests {_join(repr(d) for d, _ in targets)}",
                    hint="rename one of them; '-' and '_' both become '_' in variable names",
                )
            if not env[var]:
                continue  # an empty variable counts as unset
            digest, key = targets[0]
            raw = _Raw(env[var], var, None, from_env=True)
            if digest is None:
                section = var.removeprefix(ENV_PREFIX).partition("_")[0].lower()
                self.values[section, key] = raw
            else:
                self.digests[digest][key] = raw

    def _env_names(self) -> dict[str, list[tuple[str | None, str]]]:
        """Every variable that may override a setting -> [(digest name or None, key)].

        Digests "a-b" and "a_b" share one variable; that is only an error if it is set.
        """
        names: dict[str, list[tuple[str | None, str]]] = {}
        for section, keys in SECTION_DEFAULTS.items():
            for key in keys:
                names[f"{ENV_PREFIX}{section}_{key}".upper()] = [(None, key)]
        for digest in self.digests:
            for key in DIGEST_DEFAULTS:
                var = f"{ENV_PREFIX}DIGESTS_{digest}_{key}".upper().replace("-", "_")
                names.setdefault(var, []).append((digest, key))
        return names

    def _unknown_env(self, var: str, known: Mapping[str, object]) -> ConfigError:
        digest, _, key = var.removeprefix(f"{ENV_PREFIX}DIGESTS_").rpartition("_")
        if var.startswith(f"{ENV_PREFIX}DIGESTS_") and digest and key.lower() in DIGEST_DEFAULTS:
            return ConfigError(
                f"{var}: no digest named {digest.lower()!r} is configured",
                hint="variables can only change digests defined in the config file; "
                f"configured: {_join(self.digests)}",
            )
        return ConfigError(
            f"unknown environment variable {var}",
            hint=_did_you_mean(var, known)
            or "see docs/configuration.md for the variables watcher reads",
        )

    # --- validation ------------------------------------------------------------------

    def _get(self, section: str, key: str) -> _Raw:
        default = _Raw(SECTION_DEFAULTS[section][key], f"{section}.{key}", None)
        return self.values.get((section, key), default)

    def build(self, config_path: Path | None, base_dir: Path) -> Settings:
        """Validate every value and resolve paths against ``base_dir``."""

        def path(key: str) -> Path:
            return _path(self._get("paths", key), base_dir)

        return Settings(
            config_path=config_path,
            base_dir=base_dir,
            database_url=_database_url(self._get("database", "url"), base_dir),
            inbox=path("inbox"),
            rules=path("rules"),
            templates=_templates(
                self._get("paths", "templates"),
                base_dir,
                explicit=("paths", "templates") in self.values,
            ),
            digests_dir=path("digests"),
            cache_dir=path("cache"),
            settle_seconds=_settle_seconds(self._get("ingest", "settle_seconds")),
            reconcile_seconds=_positive(self._get("ingest", "reconcile_seconds"), "seconds"),
            max_bytes=int(_positive(self._get("ingest", "max_mb"), "megabytes") * 2**20),
            extract_timeout=_positive(self._get("ingest", "extract_timeout"), "seconds"),
            duplicate_threshold=_fraction(self._get("ingest", "duplicate_threshold")),
            log_level=_log_level(self._get("log", "level")),
            digests=tuple(self._digest(name) for name in self.digests),
        )

    def _digest(self, name: str) -> DigestSettings:
        given = self.digests[name]

        def get(key: str) -> _Raw:
            return given.get(key) or _Raw(DIGEST_DEFAULTS[key], f"digests.{name}.{key}", None)

        return DigestSettings(
            name=name,
            schedule=_schedule(get("schedule")),
            timezone=_timezone(get("timezone")),
            format=_format(get("format")),
        )


# --- one validator per kind of value -----------------------------------------------------


def _text(raw: _Raw, example: str) -> str:
    if not isinstance(raw.value, str):
        raise raw.error(
            f"expected a string, got {_toml_type(raw.value)}",
            f'write it as a quoted string, e.g. "{example}"',
        )
    if not raw.value.strip():
        raise raw.error("must not be empty", f'e.g. "{example}"')
    return raw.value


def _resolve(value: str, base_dir: Path) -> Path:
    path = Path(value).expanduser()
    return (path if path.is_absolute() else base_dir / path).resolve()


def _path(raw: _Raw, base_dir: Path) -> Path:
    return _resolve(_text(raw, example=raw.name.rpartition(".")[2]), base_dir)


def _templates(raw: _Raw, base_dir: Path, *, explicit: bool) -> Path | None:
    path = _path(raw, base_dir)
    if path.is_dir():
        return path
    if not explicit:
        return None  # no templates folder next to the config: use the shipped ones
    problem = "is not a folder" if path.exists() else "does not exist"
    raise raw.error(
        f"templates folder {str(path)!r} {problem}",
        "create it, fix the path, or remove the setting to use the templates shipped with watcher",
    )


_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
_SQLITE_URL = re.compile(r"^(?P<scheme>sqlite(?:\+\w+)?):///(?P<path>[^?]*)(?P<query>\?.*)?$")


def _database_url(raw: _Raw, base_dir: Path) -> str:
    url = _text(raw, "sqlite:///data/watcher.db").strip()
    if not _URL.match(url):
        raise raw.error(
            f"not a database URL: {url!r}",
            "e.g. sqlite:///data/watcher.db or postgresql+psycopg://user@host/watcher",
        )
    sqlite = _SQLITE_URL.match(url)
    if sqlite is None:
        return url  # postgresql://..., sqlite:// (in memory): nothing to resolve
    path = sqlite["path"]
    if not path or path == ":memory:" or path.startswith(("/", "file:")):
        return url
    return f"{sqlite['scheme']}:///{_resolve(path, base_dir)}{sqlite['query'] or ''}"


def _positive(raw: _Raw, unit: str) -> float:
    value = _settle_seconds(raw, unit)
    if value <= 0:
        raise raw.error(f"must be more than 0 {unit}, got {value:g}")
    return value


def _fraction(raw: _Raw) -> float:
    value = _settle_seconds(raw, "")
    if not 0 < value <= 1:
        raise raw.error(f"must be a fraction between 0 and 1, got {value:g}", "e.g. 0.9")
    return value


def _settle_seconds(raw: _Raw, unit: str = "seconds") -> float:
    value = raw.value
    if raw.from_env and isinstance(value, str):
        try:
            seconds = float(value)
        except ValueError:
            raise raw.error(
                f"expected a number of {unit or 'any kind'}, got {value!r}", "e.g. 1.5"
            ) from None
    elif isinstance(value, bool) or not isinstance(value, int | float):
        raise raw.error(
            f"expected a number, got {_toml_type(value)}",
            f"write a number{' of ' + unit if unit else ''} without quotes, e.g. 1.5",
        )
    else:
        seconds = float(value)
    if not math.isfinite(seconds):
        raise raw.error(
            f"must be a finite number{' of ' + unit if unit else ''}, got {seconds}", "e.g. 1.5"
        )
    if seconds < 0:
        raise raw.error(f"must not be negative, got {seconds:g}", "use 0 to read files at once")
    return seconds


def _log_level(raw: _Raw) -> str:
    level = _text(raw, "INFO").strip().upper()
    if level not in LOG_LEVELS:
        raise raw.error(
            f"unknown log level {raw.value!r}",
            _did_you_mean(level, LOG_LEVELS) or f"use one of {_join(LOG_LEVELS)}",
        )
    return level


def _timezone(raw: _Raw) -> str:
    name = _text(raw, "UTC").strip()
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zones = zoneinfo.available_timezones()
        same_but_case = [zone for zone in zones if zone.lower() == name.lower()]
        hint = (
            _did_you_mean(name, same_but_case or zones) or "use an IANA name such as Europe/Minsk"
        )
        raise raw.error(f"unknown time zone {name!r}", hint) from None
    return name


def _format(raw: _Raw) -> str:
    value = _text(raw, "markdown").strip()
    if value not in DIGEST_FORMATS:
        raise raw.error(
            f"unknown digest format {value!r}",
            _did_you_mean(value, DIGEST_FORMATS) or f"supported: {_join(DIGEST_FORMATS)}",
        )
    return value


def _schedule(raw: _Raw) -> str:
    text = _text(raw, "0 7 * * *")
    try:
        _parse_cron(text)
    except ValueError as exc:
        raise raw.error(
            str(exc),
            "the fields are minute hour day-of-month month day-of-week; "
            '"0 7 * * mon-fri" is 07:00 on weekdays',
        ) from None
    return " ".join(text.split())


# --- cron ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _CronField:
    label: str
    trigger_arg: str  # APScheduler's CronTrigger keyword
    low: int
    high: int
    names: Mapping[str, int]


_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_CRON_FIELDS = (
    _CronField("minute", "minute", 0, 59, {}),
    _CronField("hour", "hour", 0, 23, {}),
    _CronField("day of month", "day", 1, 31, {}),
    _CronField("month", "month", 1, 12, {m: i for i, m in enumerate(_MONTHS, start=1)}),
    # 0 and 7 are both Sunday, as in crontab(5).
    _CronField("day of week", "day_of_week", 0, 7, {d: i for i, d in enumerate(_WEEKDAYS)}),
)


def _parse_cron(schedule: str) -> tuple[frozenset[int], ...]:
    """Expand each of the five fields into the values it selects; ValueError names the fault."""
    fields = schedule.split()
    if len(fields) != len(_CRON_FIELDS):
        raise ValueError(f"a cron schedule needs 5 fields, got {len(fields)} in {schedule!r}")
    return tuple(_cron_field(spec, text) for spec, text in zip(_CRON_FIELDS, fields, strict=True))


def _cron_field(spec: _CronField, text: str) -> frozenset[int]:
    values: set[int] = set()
    for item in text.split(","):
        base, slash, step_text = item.partition("/")
        if base == "*":
            low, high = spec.low, spec.high
        elif "-" in base:
            first, _, last = base.partition("-")
            low, high = _cron_value(spec, first, item), _cron_value(spec, last, item)
            if spec.trigger_arg == "day_of_week" and high == 0:
                high = 7  # "fri-sun": Sunday closes the week as well as opening it
            if low > high:
                raise ValueError(f"{spec.label} range {item!r} runs backwards")
        else:
            low = _cron_value(spec, base, item)
            high = spec.high if slash else low
        step = 1
        if slash:
            if not step_text.isdigit() or int(step_text) == 0:
                raise ValueError(f"{spec.label} step in {item!r} must be a positive number")
            step = int(step_text)
        values.update(range(low, high + 1, step))
    if spec.trigger_arg == "day_of_week" and 7 in values:
        values = (values - {7}) | {0}
    return frozenset(values)


def _cron_value(spec: _CronField, text: str, item: str) -> int:
    if text.isdigit():
        value = int(text)
        if not spec.low <= value <= spec.high:
            raise ValueError(f"{spec.label} {value} is out of range {spec.low}-{spec.high}")
        return value
    named = spec.names.get(text.lower())
    if named is None:
        names = list(spec.names)
        also = f" or {names[0]}-{names[-1]}" if names else ""
        raise ValueError(
            f"{spec.label} {item!r} is not valid (expected {spec.low}-{spec.high}{also})"
        )
    return named


# --- small helpers -----------------------------------------------------------------------


def _did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f"did you mean {close[0]!r}?" if close else None


def _join(words: Iterable[str]) -> str:
    return ", ".join(words)


def _toml_type(value: object) -> str:
    kinds: tuple[tuple[type, str], ...] = (
        (bool, "a boolean"),
        (int, "an integer"),
        (float, "a float"),
        (str, "a string"),
        (dict, "a table"),
        (list, "an array"),
        (datetime, "a date-time"),
        (date, "a date"),
        (time, "a time"),
    )
    return next((name for kind, name in kinds if isinstance(value, kind)), type(value).__name__)
