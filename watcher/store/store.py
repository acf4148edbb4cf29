"""The :class:`Store`: every read and write watcher makes, one method each.

Callers get the frozen types of :mod:`watcher.model` (and the two records
below), never ORM rows. Each method is one transaction; the ones that write
use ``BEGIN IMMEDIATE`` on SQLite and lean on unique constraints everywhere,
so that two processes or threads racing on the same document or digest
cannot store anything twice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Exists,
    Integer,
    String,
    and_,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from watcher.dedupe import bands, probe_bands, similarity
from watcher.errors import StoreError
from watcher.model import Document, Hit, Severity, StoredHit
from watcher.store import migrations
from watcher.store.db import UPGRADE_HINT, connect, create_engine, mask_password
from watcher.store.delivery import DeliveryStore, RecipientResult
from watcher.store.models import (
    DOCUMENT_STATUSES,
    Base,
    DigestHitRow,
    DigestRecipientRow,
    DigestRow,
    DocumentRow,
    HitRow,
)
from watcher.store.rows import HitQuery, hit_query, stored_hit
from watcher.testhooks import crash_point

_BANDS = ("band0", "band1", "band2", "band3")
_BAND_WIDTH = 16  # bits per band: a band value is its index << 16 | its 16 bits

# A claim that loses a race on PostgreSQL retries; the advisory lock makes a
# lost race unlikely, so a few attempts are plenty.
_CLAIM_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class RecordResult:
    """What recording a document did; ``inserted`` is False when its sha256 was known.

    ``duplicate_of`` names the earlier document a new one was found to be a
    near-duplicate of (it was stored as such, with the hits of names the
    original has none of).
    """

    document_id: int
    inserted: bool
    hit_count: int
    duplicate_of: int | None = None
    similarity: float | None = None


@dataclass(frozen=True, slots=True)
class QuarantineRecord:
    """A document that could not be read, and why."""

    path: str
    sha256: str
    reason: str
    ingested_at: datetime


@dataclass(frozen=True, slots=True)
class DigestRecord:
    """One digest run as stored: "claimed", then "written" or "failed"."""

    id: int
    name: str
    period_start: datetime | None
    period_end: datetime
    created_at: datetime
    output_path: str | None
    status: str
    error: str | None
    hit_count: int
    format: str = "markdown"
    message_id: str | None = None
    attempts: int = 0
    next_attempt_at: datetime | None = None
    delivered_at: datetime | None = None
    recipients: tuple[RecipientResult, ...] = ()


class Store(DeliveryStore):
    """Documents, hits and digests in a SQLite file or a PostgreSQL database."""

    def __init__(self, url: str) -> None:
        """Create the engine for ``url``; connects lazily and leaves the schema alone."""
        self._engine = create_engine(url)

    def __repr__(self) -> str:
        return f"Store({mask_password(self._engine.url)!r})"

    # -- schema ---------------------------------------------------------------

    def upgrade(self) -> None:
        """Migrate the database to the schema this watcher needs (alembic upgrade head)."""
        migrations.upgrade(self._engine)

    def current_revision(self) -> str | None:
        """The schema revision of the database; None when it has none yet."""
        return migrations.current_revision(self._engine)

    def check_schema(self) -> None:
        """Raise :class:`StoreError` unless the database is at the latest revision."""
        current = self.current_revision()
        head = migrations.head_revision()
        if current == head:
            return
        hint = UPGRADE_HINT
        if current is not None and not migrations.known_revision(current):
            hint = "the database was migrated by a newer watcher; upgrade watcher"
        raise StoreError(
            f"database is at revision {current or 'none'}, watcher needs {head}", hint=hint
        )

    def close(self) -> None:
        """Close every pooled connection."""
        self._engine.dispose()

    # -- documents ------------------------------------------------------------

    def has_document(self, sha256: str) -> bool:
        """Whether a document with these bytes was recorded (done or quarantined)."""
        with self._session() as session:
            return self._find_document(session, sha256) is not None

    def record_document(
        self,
        doc: Document,
        hits: Sequence[Hit],
        ruleset_version: str,
        *,
        ingested_at: datetime | None = None,
        fingerprint: int | None = None,
        duplicate_threshold: float | None = None,
    ) -> RecordResult:
        """Store ``doc`` and all its hits in one transaction, unless its sha256 is known.

        Hits repeating the same document, rule and span are stored once. With a
        ``fingerprint`` and a ``duplicate_threshold``, a document at least that
        similar to an earlier one is stored as its near-duplicate, keeping only
        the hits of names (watchlist, kind, name) the earlier one has none of,
        in the same transaction.
        """
        _check_aware(doc.published_at, "published_at")
        _check_aware(ingested_at, "ingested_at")
        now = _now()
        unique_hits = _unique_hits(hits)
        document = {
            "sha256": doc.sha256,
            "path": doc.path,
            "format": doc.format,
            "title": doc.title,
            "source": doc.source,
            "url": doc.url,
            "published_at": doc.published_at,
            "ingested_at": ingested_at or now,
            "status": "done",
            "error": None,
            "hit_count": len(unique_hits),
        }
        if fingerprint is not None:
            document["fingerprint"] = f"{fingerprint:016x}"
            document.update(zip(_BANDS, bands(fingerprint), strict=True))
        rows = [_hit_row(h, ruleset_version, now) for h in unique_hits]
        return self._insert_document(document, rows, duplicate_threshold)

    def record_quarantine(
        self, path: str, sha256: str, reason: str, *, fmt: str = ""
    ) -> RecordResult:
        """Remember a document that could not be read, so it is not retried; idempotent."""
        document = {
            "sha256": sha256,
            "path": path,
            "format": fmt[:16],  # quarantine must not fail on an odd file suffix
            "title": None,
            "source": None,
            "url": None,
            "published_at": None,
            "ingested_at": _now(),
            "status": "quarantined",
            "error": reason,
            "hit_count": 0,
        }
        return self._insert_document(document, [])

    def _insert_document(
        self,
        document: dict[str, Any],
        hits: list[dict[str, Any]],
        duplicate_threshold: float | None = None,
    ) -> RecordResult:
        sha256 = document["sha256"]
        _check_lengths(DocumentRow, document, document["path"])
        for hit in hits:
            _check_lengths(HitRow, hit, document["path"])
        try:
            with self._session(write=True) as session:
                existing = self._find_document(session, sha256)
                if existing is not None:
                    return existing
                original = None
                if duplicate_threshold is not None and document.get("fingerprint"):
                    original = self._near_duplicate(session, document, duplicate_threshold)
                if original is not None:
                    original_id, similarity = original
                    # An updated report (a new paragraph) may name someone the
                    # original did not: those hits are kept, the repeats are not.
                    hits = _new_names_only(session, original_id, hits)
                    document.update(
                        status="duplicate",
                        duplicate_of=original_id,
                        similarity=similarity,
                        hit_count=len(hits),
                    )
                document_id = session.scalars(
                    insert(DocumentRow).values(**document).returning(DocumentRow.id)
                ).one()
                if hits:
                    session.execute(
                        insert(HitRow), [{**h, "document_id": document_id} for h in hits]
                    )
                crash_point("in-transaction")
                if original is not None:
                    return RecordResult(document_id, True, len(hits), original[0], original[1])
                return RecordResult(document_id, inserted=True, hit_count=len(hits))
        except IntegrityError as exc:
            # Another process stored the same bytes between our check and our
            # insert (PostgreSQL; SQLite's BEGIN IMMEDIATE serialises writers).
            with self._session() as session:
                existing = self._find_document(session, sha256)
            if existing is None:
                raise StoreError(f"cannot record {document['path']}: {exc.orig}") from exc
            return existing

    @staticmethod
    def _near_duplicate(
        session: Session, document: dict[str, Any], threshold: float
    ) -> tuple[int, float] | None:
        """The earliest stored document at least ``threshold`` similar, if any."""
        fingerprint = int(document["fingerprint"], 16)
        # Probing each band with one bit flipped finds every fingerprint within
        # 7 bits (similarity >= 0.89), not just those sharing a band exactly.
        probes = probe_bands(fingerprint)
        per_band = [[p for p in probes if p >> _BAND_WIDTH == i] for i in range(len(_BANDS))]
        shares_a_band = or_(
            *(
                getattr(DocumentRow, b).in_(values)
                for b, values in zip(_BANDS, per_band, strict=True)
            )
        )
        candidates = session.execute(
            select(DocumentRow.id, DocumentRow.fingerprint)
            .where(DocumentRow.status == "done", shares_a_band)
            .order_by(DocumentRow.id)
        ).all()
        for row in candidates:
            score = similarity(fingerprint, int(row.fingerprint, 16))
            if score >= threshold:
                return row.id, score
        return None

    @staticmethod
    def _find_document(session: Session, sha256: str) -> RecordResult | None:
        row = session.execute(
            select(DocumentRow.id, DocumentRow.hit_count).where(DocumentRow.sha256 == sha256)
        ).one_or_none()
        if row is None:
            return None
        return RecordResult(row.id, inserted=False, hit_count=row.hit_count)

    def document_counts(self) -> dict[str, int]:
        """Number of documents per status; every status is present, zero or not."""
        with self._session() as session:
            rows = session.execute(
                select(DocumentRow.status, func.count()).group_by(DocumentRow.status)
            ).all()
        counts = dict.fromkeys(DOCUMENT_STATUSES, 0)
        counts.update((status, count) for status, count in rows)
        return counts

    def last_ingest(self) -> datetime | None:
        """When the most recent document was recorded, if any was."""
        with self._session() as session:
            value: datetime | None = session.scalar(select(func.max(DocumentRow.ingested_at)))
        return value

    def quarantined(self, limit: int = 50) -> list[QuarantineRecord]:
        """The most recently quarantined documents, newest first, with their reasons."""
        with self._session() as session:
            rows = session.execute(
                select(
                    DocumentRow.path,
                    DocumentRow.sha256,
                    DocumentRow.error,
                    DocumentRow.ingested_at,
                )
                .where(DocumentRow.status == "quarantined")
                .order_by(DocumentRow.ingested_at.desc(), DocumentRow.id.desc())
                .limit(limit)
            ).all()
        return [QuarantineRecord(r.path, r.sha256, r.error or "", r.ingested_at) for r in rows]

    # -- hits -----------------------------------------------------------------

    def hits(
        self,
        *,
        since: datetime | None = None,
        watchlist: str | None = None,
        limit: int | None = None,
    ) -> list[StoredHit]:
        """Stored hits, newest document first, then in text order.

        ``since`` keeps hits of documents ingested at or after that moment.
        """
        stmt = hit_query().order_by(
            DocumentRow.ingested_at.desc(),
            DocumentRow.id.desc(),
            HitRow.start_offset,
            HitRow.end_offset,
            HitRow.id,
        )
        if since is not None:
            _check_aware(since, "since")
            stmt = stmt.where(DocumentRow.ingested_at >= since)
        if watchlist is not None:
            stmt = stmt.where(HitRow.watchlist == watchlist)
        if limit is not None:
            stmt = stmt.limit(limit)
        with self._session() as session:
            return [stored_hit(h, d) for h, d in session.execute(stmt)]

    def unclaimed_hits(
        self,
        digest_name: str,
        *,
        watchlists: Collection[str] | None = None,
        min_severity: Severity = Severity.LOW,
    ) -> list[StoredHit]:
        """Hits a digest called ``digest_name`` would claim now (see :meth:`claim_digest`)."""
        wanted = _claim_filter(digest_name, watchlists, min_severity)
        stmt = _digest_order(hit_query().where(wanted))
        with self._session() as session:
            return [stored_hit(h, d) for h, d in session.execute(stmt)]

    # -- digests --------------------------------------------------------------

    def claim_digest(
        self,
        name: str,
        period_end: datetime,
        *,
        fmt: str = "markdown",
        watchlists: Collection[str] | None = None,
        min_severity: Severity = Severity.LOW,
    ) -> DigestRecord:
        """Start a digest: claim, in one transaction, every hit no ``name`` digest has.

        Only hits of ``watchlists`` (all when None) at ``min_severity`` or above
        are claimed; the others stay for digests whose filter takes them. The
        new digest's period starts where the previous one of that name ended.
        """
        _check_aware(period_end, "period_end")
        wanted = _claim_filter(name, watchlists, min_severity)
        attempt = 1
        while True:
            try:
                return self._claim(name, period_end, fmt, wanted)
            except IntegrityError as exc:
                # Lost a race: the winner's hits are committed now, so a retry
                # claims only what is left.
                if attempt == _CLAIM_ATTEMPTS:
                    raise StoreError(
                        f"could not claim digest {name!r}: concurrent claims kept "
                        f"conflicting ({exc.orig})",
                        hint="is another watcher writing the same digest?",
                    ) from exc
                attempt += 1

    def _claim(
        self, name: str, period_end: datetime, fmt: str, wanted: ColumnElement[bool]
    ) -> DigestRecord:
        with self._session(write=True) as session:
            if session.get_bind().dialect.name == "postgresql":
                # Serialise claims of one name across processes; SQLite's
                # BEGIN IMMEDIATE already did.
                session.execute(select(func.pg_advisory_xact_lock(_lock_key(name))))
            previous = session.scalars(
                select(DigestRow.period_end)
                .where(DigestRow.name == name)
                .order_by(DigestRow.id.desc())
                .limit(1)
            ).first()
            digest = DigestRow(
                name=name,
                period_start=previous,
                period_end=period_end,
                created_at=_now(),
                status="claimed",
                hit_count=0,
                format=fmt,
                attempts=0,
            )
            session.add(digest)
            session.flush()
            claim = insert(DigestHitRow).from_select(
                ["digest_id", "hit_id", "digest_name"],
                select(literal(digest.id, Integer()), HitRow.id, literal(name, String())).where(
                    wanted
                ),
            )
            session.execute(claim)
            # Counted: the rowcount of INSERT ... SELECT is -1 through psycopg.
            digest.hit_count = session.scalars(
                select(func.count())
                .select_from(DigestHitRow)
                .where(DigestHitRow.digest_id == digest.id)
            ).one()
            session.flush()
            return _digest_record(digest)

    def digest_hits(self, digest_id: int) -> list[StoredHit]:
        """The hits digest ``digest_id`` claimed, by watchlist, name, document and offset."""
        stmt = _digest_order(
            hit_query()
            .join(DigestHitRow, DigestHitRow.hit_id == HitRow.id)
            .where(DigestHitRow.digest_id == digest_id)
        )
        with self._session() as session:
            return [stored_hit(h, d) for h, d in session.execute(stmt)]

    def mark_digest_written(self, digest_id: int, output_path: str) -> None:
        """Record that digest ``digest_id`` was delivered to ``output_path``."""
        self._set_digest_status(digest_id, status="written", output_path=output_path, error=None)

    def mark_digest_failed(self, digest_id: int, error: str) -> None:
        """Record that digest ``digest_id`` could not be rendered or delivered."""
        self._set_digest_status(digest_id, status="failed", error=error)

    def _set_digest_status(self, digest_id: int, **values: Any) -> None:
        with self._session(write=True) as session:
            result = session.connection().execute(
                update(DigestRow).where(DigestRow.id == digest_id).values(**values)
            )
            if result.rowcount == 0:
                raise StoreError(f"no digest with id {digest_id}")

    def digests(self, name: str | None = None) -> list[DigestRecord]:
        """Stored digests, of one name or all, newest first."""
        stmt = select(DigestRow).order_by(DigestRow.id.desc())
        if name is not None:
            stmt = stmt.where(DigestRow.name == name)
        with self._session() as session:
            return [_digest_record(d, session) for d in session.scalars(stmt)]

    def last_digest(self, name: str) -> DigestRecord | None:
        """The newest digest called ``name``, whatever its status."""
        stmt = select(DigestRow).where(DigestRow.name == name).order_by(DigestRow.id.desc())
        with self._session() as session:
            row = session.scalars(stmt.limit(1)).first()
            return None if row is None else _digest_record(row, session)

    def pending_digests(
        self, name: str | None = None, *, due_at: datetime | None = None
    ) -> list[DigestRecord]:
        """Digests claimed or rendered but not yet delivered nor failed, oldest first.

        With ``due_at``, only those whose next attempt is due by then.
        """
        stmt = (
            select(DigestRow)
            .where(DigestRow.status.in_(("claimed", "rendered")))
            .order_by(DigestRow.id)
        )
        if name is not None:
            stmt = stmt.where(DigestRow.name == name)
        if due_at is not None:
            stmt = stmt.where(
                or_(DigestRow.next_attempt_at.is_(None), DigestRow.next_attempt_at <= due_at)
            )
        with self._session() as session:
            return [_digest_record(d, session) for d in session.scalars(stmt)]

    # -- plumbing -------------------------------------------------------------

    @contextmanager
    def _session(self, *, write: bool = False) -> Iterator[Session]:
        """One transaction; committed when the block ends normally."""
        with (
            connect(self._engine, write=write) as conn,
            Session(bind=conn) as session,
            session.begin(),
        ):
            yield session


def _now() -> datetime:
    return datetime.now(UTC)


def _check_aware(value: datetime | None, what: str) -> None:
    # A programming error, not an operator one: hence ValueError.
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValueError(f"{what} must be timezone-aware, got {value.isoformat()}")


def _check_lengths(model: type[Base], values: dict[str, Any], path: str) -> None:
    """Refuse what one backend would truncate or reject and another store as is."""
    for column in model.__table__.columns:
        limit = getattr(column.type, "length", None)
        value = values.get(column.key)
        if limit is not None and isinstance(value, str) and len(value) > limit:
            raise StoreError(
                f"cannot record {path}: {model.__tablename__}.{column.key} is "
                f"{len(value)} characters long, the database allows {limit}"
            )


def _new_names_only(
    session: Session, original_id: int, hits: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The hit rows whose watchlist, kind and name the original document has no hit of."""
    rows = session.execute(
        select(HitRow.watchlist, HitRow.kind, HitRow.name).where(HitRow.document_id == original_id)
    )
    known = {(watchlist, kind, name) for watchlist, kind, name in rows}
    return [h for h in hits if (h["watchlist"], h["kind"], h["name"]) not in known]


def _unique_hits(hits: Sequence[Hit]) -> list[Hit]:
    """``hits`` without repeats of a rule and span, first one kept (the unique key)."""
    seen: set[tuple[str, str, str, int, int]] = set()
    unique = []
    for hit in hits:
        key = (hit.watchlist, hit.kind, hit.name, hit.start, hit.end)
        if key not in seen:
            seen.add(key)
            unique.append(hit)
    return unique


def _hit_row(hit: Hit, ruleset_version: str, created_at: datetime) -> dict[str, Any]:
    return {
        "watchlist": hit.watchlist,
        "kind": hit.kind,
        "name": hit.name,
        "category": hit.category,
        "alias": hit.alias,
        "matched_text": hit.text,
        "start_offset": hit.start,
        "end_offset": hit.end,
        "snippet": hit.snippet,
        "snippet_start": hit.snippet_start,
        "snippet_end": hit.snippet_end,
        "severity": hit.severity.value,
        "ruleset_version": ruleset_version,
        "created_at": created_at,
        "details": json.dumps(list(hit.details), ensure_ascii=False) if hit.details else None,
    }


def _digest_order(stmt: HitQuery) -> HitQuery:
    return stmt.order_by(
        HitRow.watchlist,
        HitRow.name,
        DocumentRow.ingested_at,
        DocumentRow.id,
        HitRow.start_offset,
        HitRow.end_offset,
        HitRow.id,
    )


def _claimed_by(digest_name: str) -> Exists:
    return exists().where(DigestHitRow.digest_name == digest_name, DigestHitRow.hit_id == HitRow.id)


def _claim_filter(
    name: str, watchlists: Collection[str] | None, min_severity: Severity
) -> ColumnElement[bool]:
    """Hits a digest called ``name`` with this filter may claim."""
    conditions: list[ColumnElement[bool]] = [~_claimed_by(name)]
    if watchlists is not None:
        conditions.append(HitRow.watchlist.in_(sorted(watchlists)))
    severities = [s.value for s in Severity if s.rank >= min_severity.rank]
    if len(severities) < len(Severity):
        conditions.append(HitRow.severity.in_(severities))
    return and_(*conditions)


def _lock_key(name: str) -> int:
    """A stable signed 64-bit key for pg_advisory_xact_lock (Python's hash() is salted)."""
    digest = hashlib.sha256(f"watcher.digest:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _digest_record(row: DigestRow, session: Session | None = None) -> DigestRecord:
    recipients: tuple[RecipientResult, ...] = ()
    if session is not None:
        recipients = tuple(
            RecipientResult(r.address, r.status, r.reply)
            for r in session.scalars(
                select(DigestRecipientRow)
                .where(DigestRecipientRow.digest_id == row.id)
                .order_by(DigestRecipientRow.address)
            )
        )
    return DigestRecord(
        id=row.id,
        name=row.name,
        period_start=row.period_start,
        period_end=row.period_end,
        created_at=row.created_at,
        output_path=row.output_path,
        status=row.status,
        error=row.error,
        hit_count=row.hit_count,
        format=row.format,
        message_id=row.message_id,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        delivered_at=row.delivered_at,
        recipients=recipients,
    )
