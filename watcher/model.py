"""Frozen value types shared by every stage of the pipeline.

Data flows as: bytes -> :class:`Document` (extract) -> :class:`Hit` (match)
-> :class:`StoredHit` (store) -> :class:`Story` (stories) -> :class:`DigestContent`
and :class:`AlertContent` (digest).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

HitKind = Literal["entity", "topic", "rule"]


class Severity(enum.StrEnum):
    """How urgent a watchlist is; ordered low < medium < high."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.LOW: 0, Severity.MEDIUM: 1, Severity.HIGH: 2}


@dataclass(frozen=True, slots=True)
class Document:
    """One ingested document: its text and what could be learnt about it.

    Hit offsets index into ``text``; for plain text that is the decoded file,
    for HTML it is the visible text extracted from the markup.
    """

    path: str
    sha256: str
    text: str
    format: str
    title: str | None = None
    source: str | None = None
    published_at: datetime | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Hit:
    """One match of a watched entity or topic in a document, with its evidence.

    ``kind`` is ``entity`` or ``topic`` for a watched name, ``rule`` for a
    composite rule. ``start``/``end`` index into :attr:`Document.text`; ``snippet`` is the
    surrounding text with whitespace collapsed, and ``snippet_start``/
    ``snippet_end`` locate the match inside the snippet (for highlighting).
    """

    watchlist: str
    kind: HitKind
    name: str
    category: str
    alias: str
    text: str
    start: int
    end: int
    snippet: str
    snippet_start: int
    snippet_end: int
    severity: Severity
    details: tuple[str, ...] = ()  # why it matched: variant, short form, rule clauses


@dataclass(frozen=True, slots=True)
class DocumentRef:
    """What a report needs to know about a stored document."""

    path: str
    sha256: str
    title: str | None
    source: str | None
    published_at: datetime | None
    url: str | None
    ingested_at: datetime


@dataclass(frozen=True, slots=True)
class StoredHit:
    """A hit as the store returns it: with its id, document and provenance."""

    id: int
    hit: Hit
    document: DocumentRef
    ruleset_version: str


STORY_KEY_LENGTH = 12
"""Hex digits of a story's key: short enough to type, long enough not to collide."""


@dataclass(frozen=True, slots=True)
class Story:
    """One event as reported by one or more documents (see :mod:`watcher.stories`).

    ``documents`` are oldest first (published, else ingested); ``entities``
    are the plain names of the watched entities that at least two of the
    documents share (all the document's entities for a one-document story),
    sorted; ``title`` is the most typical headline.
    """

    documents: tuple[DocumentRef, ...]
    entities: tuple[str, ...]
    title: str

    @property
    def key(self) -> str:
        """The id users type in ``watcher silence story:<key>``: its earliest document's sha256.

        The earliest document is the one a story keeps when later reports join
        it, so the key stays the same from one digest to the next.
        """
        return self.documents[0].sha256[:STORY_KEY_LENGTH]


@dataclass(frozen=True, slots=True)
class DigestContent:
    """Everything a digest template renders; built by the daemon from the store.

    ``stories`` are computed by the caller with :func:`watcher.stories.group_stories`;
    when empty while ``hits`` is not, the renderer groups with the defaults.
    ``first_seen`` holds the (watchlist, name) pairs whose first-ever hit is
    in this digest: they are marked new. ``ruleset_version`` is the rules in
    use when rendering (else the versions on the hits are shown), and
    ``filter_note`` says what the digest was restricted to, if anything.
    """

    name: str
    period_start: datetime | None
    period_end: datetime
    timezone: str
    hits: tuple[StoredHit, ...]
    watchlist_titles: dict[str, str] = field(default_factory=dict)
    generated_at: datetime | None = None
    stories: tuple[Story, ...] = ()
    first_seen: frozenset[tuple[str, str]] = frozenset()
    ruleset_version: str | None = None
    filter_note: str | None = None


@dataclass(frozen=True, slots=True)
class AlertContent:
    """Everything an immediate alert renders: one document and the hits that alerted.

    ``hits`` are all in ``document``; ``story`` is the story the document
    belongs to (possibly with other outlets' reports), if known; ``reason``
    says why this alerted now, e.g. "watchlist defence-ministers has alert: immediate".
    """

    document: DocumentRef
    hits: tuple[StoredHit, ...]
    story: Story | None
    reason: str
    timezone: str
    generated_at: datetime
    watchlist_titles: dict[str, str] = field(default_factory=dict)
    ruleset_version: str | None = None
