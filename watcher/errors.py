"""The WatcherError tree. Every error can carry the place it comes from.

An error renders like a compiler diagnostic, ``path:line:col: message``, with
an optional hint on how to fix it. Line and column are 1-based.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Location:
    """A place in a file; ``line`` and ``col`` are 1-based when known."""

    path: str
    line: int | None = None
    col: int | None = None

    def __str__(self) -> str:
        parts = [self.path]
        if self.line is not None:
            parts.append(str(self.line))
            if self.col is not None:
                parts.append(str(self.col))
        return ":".join(parts)


class WatcherError(Exception):
    """Root of every error watcher raises on purpose."""

    def __init__(
        self, message: str, *, location: Location | None = None, hint: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.location = location
        self.hint = hint

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}" if self.location else self.message
        if self.hint:
            text += f" ({self.hint})"
        return text


class ConfigError(WatcherError):
    """watcher.toml or a WATCHER_* variable is wrong."""


class RuleError(WatcherError):
    """One problem in one rule file."""


class RuleSetError(WatcherError):
    """A rule set failed to load; carries every problem found, not just the first."""

    def __init__(self, problems: Iterable[RuleError]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        summary = f"{count} problem{'s' if count != 1 else ''} in the rules"
        super().__init__(summary)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class ExtractError(WatcherError):
    """A document could not be read or turned into text; it is quarantined."""


class StoreError(WatcherError):
    """The database is unreachable, or its schema is not what watcher expects."""


class DigestError(WatcherError):
    """A digest could not be rendered or delivered."""
