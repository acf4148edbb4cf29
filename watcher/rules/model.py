"""Compiled watchlists: immutable, validated, free of YAML."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from watcher.errors import Location, RuleError
from watcher.model import Severity

ENTITY_KINDS = ("person", "organisation", "place", "other")
CASE_POLICIES = ("auto", "sensitive", "insensitive")
ClauseKind = Literal["entity", "topic", "term"]


@dataclass(frozen=True, slots=True)
class Phrase:
    """An alias, short form, term or exclusion as the analyst wrote it.

    ``case`` is ``auto`` (all-capital acronyms such as SCO match only in
    capitals, everything else in any case), ``sensitive`` or ``insensitive``.
    """

    text: str
    case: str = "auto"
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class NotNear:
    """Cancel a hit when one of ``words`` stands within ``within`` words of it."""

    words: tuple[Phrase, ...]
    within: int


@dataclass(frozen=True, slots=True)
class Example:
    """A self-test sentence; ``expect`` is the matched text it must produce, if given."""

    text: str
    expect: str | None
    location: Location


@dataclass(frozen=True, slots=True)
class Examples:
    """Sentences that must produce a hit, and sentences that must not."""

    match: tuple[Example, ...] = ()
    no_match: tuple[Example, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.match or self.no_match)


@dataclass(frozen=True, slots=True)
class Pattern:
    """A regular expression (RE2 syntax), checked at load time."""

    source: str
    case: str
    location: Location


@dataclass(frozen=True, slots=True)
class Entity:
    """A watched person, organisation or place; ``aliases`` starts with ``name``."""

    name: str
    kind: str
    aliases: tuple[Phrase, ...]
    location: Location
    short_forms: tuple[Phrase, ...] = ()
    exclude: tuple[Phrase, ...] = ()
    not_near: NotNear | None = None
    patterns: tuple[Pattern, ...] = ()
    examples: Examples = Examples()


@dataclass(frozen=True, slots=True)
class Topic:
    """A watched subject, found through any of its ``terms`` and their variants."""

    name: str
    terms: tuple[Phrase, ...]
    location: Location
    inflect: bool = True
    spelling: bool = True
    exclude: tuple[Phrase, ...] = ()
    not_near: NotNear | None = None
    patterns: tuple[Pattern, ...] = ()
    examples: Examples = Examples()


@dataclass(frozen=True, slots=True)
class Clause:
    """One condition of a composite rule: an entity, a topic or a plain term."""

    kind: ClauseKind
    value: str
    location: Location

    def __str__(self) -> str:
        return f"{self.kind} {self.value!r}"


@dataclass(frozen=True, slots=True)
class Rule:
    """A composite rule over the watchlist's entities, topics and terms."""

    name: str
    all: tuple[Clause, ...]
    any: tuple[Clause, ...]
    none: tuple[Clause, ...]
    near: int | None
    same_sentence: bool
    severity: Severity | None
    location: Location
    examples: Examples = Examples()


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
    rules: tuple[Rule, ...] = ()


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
