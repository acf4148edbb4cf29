"""Where a setting came from: the config file's text, its positions, and the raw values.

Part of :mod:`watcher.settings`; nothing outside the settings modules needs it.
tomllib reports no positions, so :class:`Locator` finds keys (and the items
of an array) by scanning the text, and every :class:`Raw` value carries the
place it was written, so a validator can point at it.
"""

from __future__ import annotations

import bisect
import difflib
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from watcher.errors import ConfigError, Location

CONFIG_FILENAME = "watcher.toml"


@dataclass(frozen=True, slots=True)
class Raw:
    """One setting as given, and where it was given, so errors can point at it."""

    value: object
    name: str  # "ingest.settle_seconds", or "WATCHER_INGEST_SETTLE_SECONDS"
    location: Location | None  # None for environment variables and defaults
    from_env: bool = False
    items: tuple[Location, ...] = ()  # where each item of an array starts, when known

    def error(self, problem: str, hint: str | None = None) -> ConfigError:
        return ConfigError(f"{self.name}: {problem}", location=self.location, hint=hint)

    def item_error(self, index: int, problem: str, hint: str | None = None) -> ConfigError:
        """An error about item ``index`` of an array, pointing at that item if possible."""
        if self.from_env:
            return self.error(problem, hint)
        where = self.items[index] if index < len(self.items) else self.location
        return ConfigError(f"{self.name}[{index}]: {problem}", location=where, hint=hint)


class Locator:
    """Finds tables and keys in the config text by scanning its lines.

    A line scan that tracks the current ``[table]`` and splits dotted keys is
    good enough for error messages.
    """

    _HEADER = re.compile(r"^\s*\[\[?\s*(?P<name>[^\]]+?)\s*\]")
    _KEY = re.compile(r"^\s*(?P<key>[A-Za-z0-9_\-\"'.][A-Za-z0-9_\-\"'. ]*?)\s*=\s*")

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self._text = text
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        # key path -> (line, column of the key, column of the value)
        self._found: dict[tuple[str, ...], tuple[int, int, int]] = {}
        table: tuple[str, ...] = ()
        for number, line in enumerate(text.split("\n"), start=1):
            header = self._HEADER.match(line)
            if header:
                table = split_key(header["name"])
                col = header.start("name") + 1
                self._found.setdefault(table, (number, col, col))
                continue
            key = self._KEY.match(line)
            if key:
                full = table + split_key(key["key"])
                place = (number, key.start("key") + 1, key.end() + 1)
                for end in range(len(table) + 1, len(full) + 1):
                    self._found.setdefault(full[:end], place)

    def key(self, *path: str) -> Location:
        """Where the key (or table header) ``path`` is written."""
        return self._locate(path, value=False)

    def value(self, *path: str) -> Location:
        """Where the value of key ``path`` starts."""
        return self._locate(path, value=True)

    def items(self, *path: str) -> tuple[Location, ...]:
        """Where each item of the array that is the value of ``path`` starts; () if unknown."""
        place = self._found.get(path)
        if place is None or not self.path:
            return ()
        line, _, col = place
        start = self._line_starts[line - 1] + col - 1
        return tuple(self._at(offset) for offset in _array_items(self._text, start))

    def _at(self, offset: int) -> Location:
        line = bisect.bisect_right(self._line_starts, offset)
        return Location(self.path, line, offset - self._line_starts[line - 1] + 1)

    def _locate(self, path: tuple[str, ...], *, value: bool) -> Location:
        # An inline table hides its keys from the scan: fall back to the enclosing key.
        for end in range(len(path), 0, -1):
            place = self._found.get(path[:end])
            if place is not None:
                line, key_col, value_col = place
                return Location(self.path, line, value_col if value else key_col)
        return Location(self.path)


def split_key(dotted: str) -> tuple[str, ...]:
    return tuple(part.strip().strip("\"'") for part in dotted.split("."))


def _array_items(text: str, start: int) -> list[int]:
    """Offsets at which the items of the TOML array starting at ``start`` begin."""
    if text[start : start + 1] != "[":
        return []
    items: list[int] = []
    depth = 0
    expecting = False  # after '[' or ',' at the top level: the next token starts an item
    i = start
    while i < len(text):
        char = text[i]
        if char == "#":
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
            continue
        if char in " \t\r\n":
            i += 1
            continue
        if depth == 1 and expecting and char not in ",]":
            items.append(i)
            expecting = False
        if char in "\"'":
            i = _string_end(text, i)
            continue
        if char in "[{":
            depth += 1
            expecting = depth == 1
        elif char in "]}":
            depth -= 1
            if depth == 0:
                break
        elif char == "," and depth == 1:
            expecting = True
        i += 1
    return items


def _string_end(text: str, start: int) -> int:
    """The offset just after the TOML string that starts at ``start``."""
    quote = text[start]
    if text.startswith(quote * 3, start):
        end = text.find(quote * 3, start + 3)
        if end < 0:
            return len(text)
        end += 3
        while end < len(text) and text[end] == quote:
            end += 1  # up to two quotes may close the content, before the delimiter
        return end
    i = start + 1
    while i < len(text) and text[i] not in (quote, "\n"):
        i += 2 if quote == '"' and text[i] == "\\" else 1
    return i + 1


# --- reading the file ----------------------------------------------------------------


def existing_config(path: Path, cwd: Path, *, named_by: str | None) -> Path:
    """``path`` made absolute against ``cwd``; ConfigError unless it is a file."""
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


def read_text(path: Path) -> str:
    """The config file's text; ConfigError if it cannot be read or is not UTF-8."""
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


def parse_toml(path: Path, text: str) -> dict[str, object]:
    """Parse ``text``; a syntax error becomes a ConfigError at its line and column."""
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


# --- small helpers -----------------------------------------------------------------------


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f"did you mean {close[0]!r}?" if close else None


def join(words: Iterable[str]) -> str:
    return ", ".join(words)


def toml_type(value: object) -> str:
    kinds: tuple[tuple[type, str], ...] = (
        (bool, "a boolean"),
        (int, "an integer"),
        (float, "a float"),
        (str, "a string"),
        (dict, "a table"),
        (list, "an array"),
        (tuple, "an array"),
        (datetime, "a date-time"),
        (date, "a date"),
        (time, "a time"),
    )
    return next((name for kind, name in kinds if isinstance(value, kind)), type(value).__name__)
