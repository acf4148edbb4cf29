"""ORM rows -> the frozen types of :mod:`watcher.model`, shared by the store's modules."""

from __future__ import annotations

import json
from typing import TypeAlias

from sqlalchemy import Select, select

from watcher.errors import StoreError
from watcher.model import DocumentRef, Hit, HitKind, Severity, StoredHit
from watcher.store.models import DocumentRow, HitRow

HitQuery: TypeAlias = "Select[HitRow, DocumentRow]"


def hit_query() -> HitQuery:
    """Hits joined with their documents."""
    return select(HitRow, DocumentRow).join(DocumentRow, HitRow.document_id == DocumentRow.id)


def _kind(value: str) -> HitKind:
    if value == "entity":
        return "entity"
    if value == "topic":
        return "topic"
    if value == "rule":
        return "rule"
    raise StoreError(f"stored hit has unknown kind {value!r}")


def stored_hit(hit: HitRow, doc: DocumentRow) -> StoredHit:
    """One hit row and its document row as a :class:`StoredHit`."""
    return StoredHit(
        id=hit.id,
        hit=Hit(
            watchlist=hit.watchlist,
            kind=_kind(hit.kind),
            name=hit.name,
            category=hit.category,
            alias=hit.alias,
            text=hit.matched_text,
            start=hit.start_offset,
            end=hit.end_offset,
            snippet=hit.snippet,
            snippet_start=hit.snippet_start,
            snippet_end=hit.snippet_end,
            severity=Severity(hit.severity),
            details=tuple(json.loads(hit.details)) if hit.details else (),
        ),
        document=DocumentRef(
            path=doc.path,
            sha256=doc.sha256,
            title=doc.title,
            source=doc.source,
            published_at=doc.published_at,
            url=doc.url,
            ingested_at=doc.ingested_at,
        ),
        ruleset_version=hit.ruleset_version,
    )
