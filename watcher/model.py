"""Frozen value types shared by every stage of the pipeline.

Data flows as: bytes -> :class:`Document` (extract) -> :class:`Hit` (match)
-> :class:`StoredHit` (store) -> :class:`DigestContent` (digest).
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


@dataclass(frozen=True, slots=True)
class DigestContent:
    """Everything a digest template renders; built by the daemon from the store."""

    name: str
    period_start: datetime | None
    period_end: datetime
    timezone: str
    hits: tuple[StoredHit, ...]
    watchlist_titles: dict[str, str] = field(default_factory=dict)
    generated_at: datetime | None = None
