"""Compiled watchlists: immutable, validated, free of YAML."""

from __future__ import annotations

from dataclasses import dataclass

from watcher.errors import Location, RuleError
from watcher.model import Severity

ENTITY_KINDS = ("person", "organisation", "place", "other")


@dataclass(frozen=True, slots=True)
class Entity:
    """A watched person, organisation or place; ``aliases`` starts with ``name``."""

    name: str
    kind: str
    aliases: tuple[str, ...]
    location: Location


@dataclass(frozen=True, slots=True)
class Topic:
    """A watched subject, found through any of its ``terms``."""

    name: str
    terms: tuple[str, ...]
    location: Location


@dataclass(frozen=True, slots=True)
class Watchlist:
    """One rule file: what an analyst follows, and how urgent it is."""

    id: str
    title: str
    severity: Severity
    tags: tuple[str, ...]
    entities: tuple[Entity, ...]
    topics: tuple[Topic, ...]
    location: Location


@dataclass(frozen=True, slots=True)
class RuleSet:
    """Every watchlist of a rules folder, with a version naming its exact content."""

    watchlists: tuple[Watchlist, ...]
    version: str
    warnings: tuple[RuleError, ...] = ()

    def watchlist(self, watchlist_id: str) -> Watchlist | None:
        """The watchlist called ``watchlist_id``, if any."""
        return next((w for w in self.watchlists if w.id == watchlist_id), None)

    @property
    def titles(self) -> dict[str, str]:
        """Watchlist id -> title, for reports."""
        return {w.id: w.title for w in self.watchlists}
