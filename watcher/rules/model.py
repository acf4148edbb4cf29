"""Compiled watchlists: immutable, validated, free of YAML."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

from watcher.errors import Location, RuleError
from watcher.model import Severity

ENTITY_KINDS = ("person", "organisation", "place", "other")
CASE_POLICIES = ("auto", "sensitive", "insensitive")
ClauseKind = Literal["entity", "topic", "term"]
_PolicyKey = tuple[str, str, str]  # watchlist id, hit kind ("entity", "topic", "rule"), name


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
    alert: bool | None = None  # True: alert immediately; False: digest only; None: inherit
    realert: timedelta | None = None  # None: inherit


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
    alert: bool | None = None  # True: alert immediately; False: digest only; None: inherit
    realert: timedelta | None = None  # None: inherit


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
    alert: bool | None = None  # True: alert immediately; False: digest only; None: inherit
    realert: timedelta | None = None  # None: inherit


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
    alert: bool | None = None  # True: alert immediately; False or None: digest only
    realert: timedelta | None = None  # None: the configured default


@dataclass(frozen=True, slots=True)
class AlertPolicy:
    """How a hit alerts: at once or only in the digest, and how soon it may alert again."""

    immediate: bool  # alert: immediate applies to this hit's entity/topic/rule (or its watchlist)
    realert: timedelta | None  # the innermost realert given; None = use the configured default


DIGEST_ONLY = AlertPolicy(immediate=False, realert=None)


@dataclass(frozen=True, slots=True)
class RuleSet:
    """Every watchlist of a rules folder, with a version naming its exact content."""

    watchlists: tuple[Watchlist, ...]
    version: str
    warnings: tuple[RuleError, ...] = ()
    # Built on first use (it runs for every hit), not at load: the cache pickles rule sets.
    _policies: dict[_PolicyKey, AlertPolicy] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def watchlist(self, watchlist_id: str) -> Watchlist | None:
        """The watchlist called ``watchlist_id``, if any."""
        return next((w for w in self.watchlists if w.id == watchlist_id), None)

    @property
    def titles(self) -> dict[str, str]:
        """Watchlist id -> title, for reports."""
        return {w.id: w.title for w in self.watchlists}

    def alert_policy(self, watchlist: str, kind: str, name: str) -> AlertPolicy:
        """The alert policy of a hit; the innermost ``alert``/``realert`` given wins.

        ``kind`` is a hit's kind: "entity", "topic" or "rule". An unknown watchlist,
        kind or name gets the digest-only policy with the default realert window.
        """
        policies = self._policies
        if policies is None:
            policies = _alert_policies(self.watchlists)
            object.__setattr__(self, "_policies", policies)  # a cache, not state
        return policies.get((watchlist, kind, name), DIGEST_ONLY)


def _alert_policies(watchlists: tuple[Watchlist, ...]) -> dict[_PolicyKey, AlertPolicy]:
    """(watchlist, kind, name) -> policy for everything that can hit; equal policies shared."""
    shared: dict[tuple[bool, timedelta | None], AlertPolicy] = {}
    policies: dict[_PolicyKey, AlertPolicy] = {}
    for watchlist in watchlists:
        members: list[tuple[str, Entity | Topic | Rule]] = [
            *(("entity", e) for e in watchlist.entities),
            *(("topic", t) for t in watchlist.topics),
            *(("rule", r) for r in watchlist.rules),
        ]
        for kind, member in members:
            immediate = member.alert if member.alert is not None else bool(watchlist.alert)
            realert = member.realert if member.realert is not None else watchlist.realert
            policy = shared.setdefault((immediate, realert), AlertPolicy(immediate, realert))
            # Two members of one kind and name (hits cannot tell them apart): the first wins.
            policies.setdefault((watchlist.id, kind, member.name), policy)
    return policies
