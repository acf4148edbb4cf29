"""Hits -> the nested, ordered structure a digest shows: watchlist > name > document."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath

from watcher.digest.times import aware
from watcher.model import DocumentRef, Hit, HitKind, Severity, StoredHit

MAX_SNIPPETS = 2
"""How many snippets one document shows per name; the rest are only counted."""


@dataclass(frozen=True, slots=True)
class DigestItem:
    """One document under one name, with every mention of the name in it.

    ``hits`` are in document order, so :attr:`hit` is the first mention.
    """

    hits: tuple[StoredHit, ...]

    def __post_init__(self) -> None:
        if not self.hits:
            raise ValueError("a DigestItem needs at least one hit")

    @property
    def hit(self) -> StoredHit:
        return self.hits[0]

    @property
    def document(self) -> DocumentRef:
        return self.hits[0].document

    @property
    def mentions(self) -> int:
        return len(self.hits)

    @property
    def snippets(self) -> tuple[Hit, ...]:
        """The first :data:`MAX_SNIPPETS` mentions with distinct snippet text."""
        shown: dict[str, Hit] = {}
        for stored in self.hits:
            shown.setdefault(stored.hit.snippet, stored.hit)
            if len(shown) == MAX_SNIPPETS:
                break
        return tuple(shown.values())

    @property
    def title(self) -> str:
        """The document's title, or its file name when it has none."""
        return self.document.title or PurePath(self.document.path).name or self.document.path

    @property
    def when(self) -> datetime:
        """When the document appeared: published, or else ingested (always aware)."""
        return aware(self.document.published_at or self.document.ingested_at)


@dataclass(frozen=True, slots=True)
class NameGroup:
    """One entity or topic of a watchlist, with one item per document, newest first."""

    name: str
    kind: HitKind
    category: str
    items: tuple[DigestItem, ...]

    @property
    def hit_count(self) -> int:
        return sum(item.mentions for item in self.items)

    @property
    def document_count(self) -> int:
        return len(self.items)


@dataclass(frozen=True, slots=True)
class WatchlistGroup:
    """One watchlist's hits; ``document_count`` counts distinct documents."""

    watchlist: str
    title: str
    severity: str
    groups: tuple[NameGroup, ...]
    hit_count: int
    document_count: int


def _document_key(stored: StoredHit) -> tuple[str, str]:
    # A file edited in place is a new document: its hits get their own item.
    return stored.document.path, stored.document.sha256


def _name_group(kind: HitKind, name: str, hits: list[StoredHit]) -> NameGroup:
    by_document: dict[tuple[str, str], list[StoredHit]] = {}
    for stored in hits:
        by_document.setdefault(_document_key(stored), []).append(stored)
    items = [
        DigestItem(tuple(sorted(group, key=lambda s: (s.hit.start, s.hit.end, s.id))))
        for group in by_document.values()
    ]
    # Newest first; the path breaks ties so that the order never depends on the input's.
    items.sort(key=lambda item: (item.document.path, item.document.sha256))
    items.sort(key=lambda item: item.when, reverse=True)
    return NameGroup(name=name, kind=kind, category=hits[0].hit.category, items=tuple(items))


def _watchlist_group(watchlist: str, title: str, hits: list[StoredHit]) -> WatchlistGroup:
    by_name: dict[tuple[HitKind, str], list[StoredHit]] = {}
    for stored in hits:
        by_name.setdefault((stored.hit.kind, stored.hit.name), []).append(stored)
    groups = [_name_group(kind, name, group) for (kind, name), group in by_name.items()]
    groups.sort(key=lambda g: (g.kind != "entity", -g.document_count, g.name.casefold(), g.name))
    # Rules may change within a period; the watchlist shows its most urgent severity.
    severity = max((s.hit.severity for s in hits), key=lambda sev: Severity(sev).rank)
    return WatchlistGroup(
        watchlist=watchlist,
        title=title,
        severity=str(severity),
        groups=tuple(groups),
        hit_count=len(hits),
        document_count=len({_document_key(s) for s in hits}),
    )


def group_hits(
    hits: Sequence[StoredHit], watchlist_titles: Mapping[str, str]
) -> tuple[WatchlistGroup, ...]:
    """Group hits by watchlist (most severe first, then id), then by entity/topic name.

    Inside a watchlist, entities come before topics, then names with more
    documents, then by name. Inside a name there is one item per document,
    newest first (published, or else ingested). Watchlists without a title in
    ``watchlist_titles`` are titled with their id.
    """
    by_watchlist: dict[str, list[StoredHit]] = {}
    for stored in hits:
        by_watchlist.setdefault(stored.hit.watchlist, []).append(stored)
    groups = [
        _watchlist_group(watchlist, watchlist_titles.get(watchlist) or watchlist, group)
        for watchlist, group in by_watchlist.items()
    ]
    groups.sort(key=lambda g: (-Severity(g.severity).rank, g.watchlist))
    return tuple(groups)
