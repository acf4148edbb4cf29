"""One validator per kind of setting value, and the cron schedules digests run on.

Part of :mod:`watcher.settings`. Each validator takes a :class:`Raw` (the
value as given in the file or an environment variable, and where) and returns
the clean value, or raises the ConfigError that points at it. Values from
environment variables are strings and are parsed here.
"""

from __future__ import annotations

import math
import re
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from watcher.durations import parse_duration
from watcher.settings_source import Raw, did_you_mean, join, toml_type

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DIGEST_FORMATS = ("markdown", "email")

_TRUE = ("true", "1", "yes")
_FALSE = ("false", "0", "no")


def text(raw: Raw, example: str) -> str:
    if not isinstance(raw.value, str):
        raise raw.error(
            f"expected a string, got {toml_type(raw.value)}",
            f'write it as a quoted string, e.g. "{example}"',
        )
    if not raw.value.strip():
        raise raw.error("must not be empty", f'e.g. "{example}"')
    return raw.value


def optional_text(raw: Raw, example: str) -> str | None:
    """A string that may be empty; empty (or only spaces) is None."""
    if isinstance(raw.value, str) and not raw.value.strip():
        return None
    return text(raw, example).strip()


def resolve(value: str, base_dir: Path) -> Path:
    path = Path(value).expanduser()
    return (path if path.is_absolute() else base_dir / path).resolve()


def path(raw: Raw, base_dir: Path) -> Path:
    return resolve(text(raw, example=raw.name.rpartition(".")[2]), base_dir)


def optional_path(raw: Raw, base_dir: Path) -> Path | None:
    """A path, or None when the value is the empty string."""
    if isinstance(raw.value, str) and not raw.value.strip():
        return None
    return path(raw, base_dir)


def templates(raw: Raw, base_dir: Path, *, explicit: bool) -> Path | None:
    found = path(raw, base_dir)
    if found.is_dir():
        return found
    if not explicit:
        return None  # no templates folder next to the config: use the shipped ones
    problem = "is not a folder" if found.exists() else "does not exist"
    raise raw.error(
        f"templates folder {str(found)!r} {problem}",
        "create it, fix the path, or remove the setting to use the templates shipped with watcher",
    )


_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
_SQLITE_URL = re.compile(r"^(?P<scheme>sqlite(?:\+\w+)?):///(?P<path>[^?]*)(?P<query>\?.*)?$")


def database_url(raw: Raw, base_dir: Path) -> str:
    url = text(raw, "sqlite:///data/watcher.db").strip()
    if not _URL.match(url):
        raise raw.error(
            f"not a database URL: {url!r}",
            "e.g. sqlite:///data/watcher.db or postgresql+psycopg://user@host/watcher",
        )
    sqlite = _SQLITE_URL.match(url)
    if sqlite is None:
        return url  # postgresql://..., sqlite:// (in memory): nothing to resolve
    file = sqlite["path"]
    if not file or file == ":memory:" or file.startswith(("/", "file:")):
        return url
    return f"{sqlite['scheme']}:///{resolve(file, base_dir)}{sqlite['query'] or ''}"


def positive(raw: Raw, unit: str) -> float:
    value = number(raw, unit)
    if value <= 0:
        raise raw.error(f"must be more than 0 {unit}, got {value:g}", "use a positive number")
    return value


def fraction(raw: Raw) -> float:
    value = number(raw, "")
    if not 0 < value <= 1:
        raise raw.error(f"must be a fraction between 0 and 1, got {value:g}", "e.g. 0.9")
    return value


def number(raw: Raw, unit: str = "seconds") -> float:
    """A finite number >= 0; from the environment, parsed from the string."""
    value = raw.value
    if raw.from_env and isinstance(value, str):
        try:
            parsed = float(value)
        except ValueError:
            raise raw.error(
                f"expected a number of {unit or 'any kind'}, got {value!r}", "e.g. 1.5"
            ) from None
    elif isinstance(value, bool) or not isinstance(value, int | float):
        raise raw.error(
            f"expected a number, got {toml_type(value)}",
            f"write a number{' of ' + unit if unit else ''} without quotes, e.g. 1.5",
        )
    else:
        parsed = float(value)
    if not math.isfinite(parsed):
        raise raw.error(
            f"must be a finite number{' of ' + unit if unit else ''}, got {parsed}", "e.g. 1.5"
        )
    if parsed < 0:
        raise raw.error(f"must not be negative, got {parsed:g}", "use 0 to read files at once")
    return parsed


def integer(raw: Raw, low: int, high: int | None = None, example: int = 1) -> int:
    """A whole number from ``low`` to ``high`` (no upper bound when None)."""
    value = raw.value
    if raw.from_env and isinstance(value, str):
        try:
            parsed = int(value.strip())
        except ValueError:
            raise raw.error(f"expected a whole number, got {value!r}", f"e.g. {example}") from None
    elif isinstance(value, bool) or not isinstance(value, int):
        raise raw.error(
            f"expected an integer, got {toml_type(value)}",
            f"write a whole number without quotes or a decimal point, e.g. {example}",
        )
    else:
        parsed = value
    if parsed < low or (high is not None and parsed > high):
        expected = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise raw.error(f"must be {expected}, got {parsed}", f"e.g. {example}")
    return parsed


def boolean(raw: Raw) -> bool:
    """true or false; from the environment also 1/0 and yes/no, in any case."""
    value = raw.value
    if raw.from_env and isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE or word in _FALSE:
            return word in _TRUE
        raise raw.error(f"expected true or false, got {value!r}", "use true/false, 1/0 or yes/no")
    if not isinstance(value, bool):
        raise raw.error(
            f"expected a boolean, got {toml_type(value)}", "write true or false, without quotes"
        )
    return value


def duration(raw: Raw, example: str) -> timedelta:
    """A duration longer than zero, written like ``90m``, ``6h``, ``3d`` or ``1d12h``."""
    if not isinstance(raw.value, str):
        raise raw.error(
            f"expected a duration, got {toml_type(raw.value)}",
            f'write a number and a unit in quotes, e.g. "{example}"',
        )
    try:
        parsed = parse_duration(raw.value)
    except ValueError as exc:
        raise raw.error(str(exc), "units: w, d, h, m, s") from None
    if parsed <= timedelta(0):
        raise raw.error(f"must be longer than 0, got {raw.value!r}", f'e.g. "{example}"')
    return parsed


def strings(raw: Raw, example: str) -> list[str]:
    """An array of non-empty strings (from the environment: comma-separated), stripped."""
    value = raw.value
    if raw.from_env and isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    if not isinstance(value, list | tuple):
        raise raw.error(
            f"expected an array of strings, got {toml_type(value)}",
            f'write it in brackets, e.g. ["{example}"]',
        )
    items: list[str] = []
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise raw.item_error(
                index, f"expected a string, got {toml_type(item)}", f'e.g. "{example}"'
            )
        if not item.strip():
            raise raw.item_error(index, "must not be empty", f'e.g. "{example}"')
        items.append(item.strip())
    return items


def choice(raw: Raw, what: str, choices: Sequence[str], example: str) -> str:
    """One of ``choices``, case-insensitively; returned lower-cased."""
    value = text(raw, example).strip().lower()
    if value not in choices:
        raise raw.error(
            f"unknown {what} {raw.value!r}",
            did_you_mean(value, choices) or f"use one of {join(choices)}",
        )
    return value


def log_level(raw: Raw) -> str:
    level = text(raw, "INFO").strip().upper()
    if level not in LOG_LEVELS:
        raise raw.error(
            f"unknown log level {raw.value!r}",
            did_you_mean(level, LOG_LEVELS) or f"use one of {join(LOG_LEVELS)}",
        )
    return level


def timezone(raw: Raw) -> str:
    name = text(raw, "UTC").strip()
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zones = zoneinfo.available_timezones()
        same_but_case = [zone for zone in zones if zone.lower() == name.lower()]
        hint = did_you_mean(name, same_but_case or zones) or "use an IANA name such as Europe/Minsk"
        raise raw.error(f"unknown time zone {name!r}", hint) from None
    return name


def digest_format(raw: Raw) -> str:
    value = text(raw, "markdown").strip()
    if value not in DIGEST_FORMATS:
        raise raw.error(
            f"unknown digest format {value!r}",
            did_you_mean(value, DIGEST_FORMATS) or f"supported: {join(DIGEST_FORMATS)}",
        )
    return value


def schedule(raw: Raw) -> str:
    given = text(raw, "0 7 * * *")
    try:
        parse_cron(given)
    except ValueError as exc:
        raise raw.error(
            str(exc),
            "the fields are minute hour day-of-month month day-of-week; "
            '"0 7 * * mon-fri" is 07:00 on weekdays',
        ) from None
    return " ".join(given.split())


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


def cron_fields(schedule: str) -> dict[str, str]:
    """Turn a validated cron schedule into keyword arguments for APScheduler's CronTrigger.

    APScheduler 3 numbers weekdays from Monday = 0 while cron uses Sunday = 0,
    so restricted fields are spelled out as explicit lists, weekdays by name.
    """
    sets = parse_cron(schedule)
    out: dict[str, str] = {}
    for spec, field, values in zip(_CRON_FIELDS, schedule.split(), sets, strict=True):
        if field == "*":
            out[spec.trigger_arg] = "*"
        elif spec.trigger_arg == "day_of_week":
            out[spec.trigger_arg] = ",".join(_WEEKDAYS[v] for v in sorted(values))
        else:
            out[spec.trigger_arg] = ",".join(str(v) for v in sorted(values))
    return out


def parse_cron(schedule: str) -> tuple[frozenset[int], ...]:
    """Expand each of the five fields into the values it selects; ValueError names the fault."""
    fields = schedule.split()
    if len(fields) != len(_CRON_FIELDS):
        raise ValueError(f"a cron schedule needs 5 fields, got {len(fields)} in {schedule!r}")
    return tuple(_cron_field(spec, field) for spec, field in zip(_CRON_FIELDS, fields, strict=True))


def _cron_field(spec: _CronField, field: str) -> frozenset[int]:
    values: set[int] = set()
    for item in field.split(","):
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


def _cron_value(spec: _CronField, field: str, item: str) -> int:
    if field.isdigit():
        value = int(field)
        if not spec.low <= value <= spec.high:
            raise ValueError(f"{spec.label} {value} is out of range {spec.low}-{spec.high}")
        return value
    named = spec.names.get(field.lower())
    if named is None:
        names = list(spec.names)
        also = f" or {names[0]}-{names[-1]}" if names else ""
        raise ValueError(
            f"{spec.label} {item!r} is not valid (expected {spec.low}-{spec.high}{also})"
        )
    return named
