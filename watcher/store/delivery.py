"""The outbox side of the store: email digests, recipients' replies, alerts, silences.

A mixin of :class:`watcher.store.Store`, kept apart so that each module has
one job: :mod:`watcher.store.store` records documents and claims digests,
this module records what became of their delivery. Every method is one
transaction, like the rest of the store.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from watcher.errors import StoreError
from watcher.model import StoredHit
from watcher.store.models import (
    AlertHitRow,
    AlertRecipientRow,
    AlertRow,
    DigestRecipientRow,
    DigestRow,
    DocumentRow,
    HitRow,
    SilenceRow,
)
from watcher.store.rows import hit_query, stored_hit


@dataclass(frozen=True, slots=True)
class RecipientResult:
    """What the mail server answered for one recipient: accepted, or refused with its reply."""

    address: str
    status: str
    reply: str | None


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """One alert as stored: queued, then sent or failed; or suppressed from the start."""

    id: int
    document_sha256: str
    document_path: str
    created_at: datetime
    status: str
    reason: str
    story_key: str | None
    markdown: str | None
    message_id: str | None
    message: str | None
    output_path: str | None
    attempts: int
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    error: str | None
    names: tuple[str, ...]
    recipients: tuple[RecipientResult, ...] = ()


@dataclass(frozen=True, slots=True)
class Silence:
    """No alerts about ``target`` (a folded entity name, or a story key) until ``until``."""

    id: int
    kind: str
    target: str
    until: datetime
    created_at: datetime


@dataclass(frozen=True, slots=True)
class DeliveryProblem:
    """A digest or alert waiting for a retry ("waiting") or given up on ("failed")."""

    what: str  # "digest <name> #<id>" or "alert #<id>"
    state: str
    error: str | None
    next_attempt_at: datetime | None


def _now() -> datetime:
    return datetime.now(UTC)


class DeliveryStore:
    """Outbox, alert and silence queries; mixed into :class:`watcher.store.Store`."""

    def _session(self, *, write: bool = False) -> AbstractContextManager[Session]:
        raise NotImplementedError  # provided by Store

    # -- email digests --------------------------------------------------------

    def mark_digest_rendered(self, digest_id: int, message_id: str, message: str) -> None:
        """Store the rendered email of a claimed digest: from now on, retries send these bytes."""
        self._update(
            DigestRow,
            digest_id,
            "claimed",
            status="rendered",
            message_id=message_id,
            message=message,
            error=None,
        )

    def digest_message(self, digest_id: int) -> str | None:
        """The stored email of a rendered digest (None before it is rendered)."""
        with self._session() as session:
            message: str | None = session.scalar(
                select(DigestRow.message).where(DigestRow.id == digest_id)
            )
            return message

    def defer_digest(self, digest_id: int, error: str, next_attempt_at: datetime) -> None:
        """Count a failed attempt at a rendered digest and say when to try again."""
        self._defer(DigestRow, digest_id, error, next_attempt_at)

    def mark_digest_sent(
        self, digest_id: int, accepted: Sequence[str], refused: Mapping[str, str]
    ) -> None:
        """Record the delivery of a rendered digest and every recipient's answer."""
        with self._session(write=True) as session:
            now = _now()
            self._set(
                session,
                DigestRow,
                digest_id,
                status="sent",
                delivered_at=now,
                next_attempt_at=None,
                error=_refusals(refused),
                attempts=DigestRow.attempts + 1,
            )
            _record_recipients(
                session, DigestRecipientRow, "digest_id", digest_id, accepted, refused, now
            )

    def requeue_failed_digests(self, name: str) -> int:
        """Give failed digests of ``name`` another go: rendered ones are sent again,
        the others rendered again. Their hits stay theirs. Returns how many."""
        with self._session(write=True) as session:
            count = 0
            for status, has_message in (("rendered", True), ("claimed", False)):
                message = (
                    DigestRow.message.is_not(None) if has_message else DigestRow.message.is_(None)
                )
                result = session.connection().execute(
                    update(DigestRow)
                    .where(DigestRow.name == name, DigestRow.status == "failed", message)
                    .values(status=status, next_attempt_at=None)
                )
                count += int(result.rowcount or 0)
            return count

    def mark_digest_skipped(self, digest_id: int) -> None:
        """An empty period for a digest configured not to say "nothing new"."""
        self._update(DigestRow, digest_id, "claimed", status="skipped")

    def digest_recipients(self, digest_id: int) -> tuple[RecipientResult, ...]:
        """The recorded answers for each recipient of a digest, by address."""
        return self._recipients(DigestRecipientRow, DigestRecipientRow.digest_id, digest_id)

    def first_hit_ids(self, names: Collection[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """For each (watchlist, name), the id of its first hit ever stored."""
        if not names:
            return {}
        stmt = (
            select(HitRow.watchlist, HitRow.name, func.min(HitRow.id))
            .where(tuple_(HitRow.watchlist, HitRow.name).in_(list(names)))
            .group_by(HitRow.watchlist, HitRow.name)
        )
        with self._session() as session:
            return {(w, n): first for w, n, first in session.execute(stmt)}

    # -- alerts ---------------------------------------------------------------

    def undecided_hits(
        self, *, after_id: int = 0, since: datetime, created_since: datetime | None = None
    ) -> list[StoredHit]:
        """Hits above ``after_id`` of documents ingested since ``since``, no alert decided yet.

        ``created_since`` keeps only hits stored at or after that moment (a
        sweep for hits whose transaction committed after higher ids did).
        """
        decided = select(AlertHitRow.hit_id).where(AlertHitRow.hit_id == HitRow.id).exists()
        stmt = (
            hit_query()
            .where(HitRow.id > after_id, DocumentRow.ingested_at >= since, ~decided)
            .order_by(HitRow.id)
        )
        if created_since is not None:
            stmt = stmt.where(HitRow.created_at >= created_since)
        with self._session() as session:
            return [stored_hit(h, d) for h, d in session.execute(stmt)]

    def alerted_documents(
        self, watchlist: str, kind: str, name: str, *, since: datetime
    ) -> list[str]:
        """sha256 of documents that alerted (not suppressed) about this name since ``since``."""
        stmt = (
            select(DocumentRow.sha256)
            .join(AlertRow, AlertRow.document_id == DocumentRow.id)
            .join(AlertHitRow, AlertHitRow.alert_id == AlertRow.id)
            .where(
                AlertHitRow.watchlist == watchlist,
                AlertHitRow.kind == kind,
                AlertHitRow.name == name,
                # A failed alert reached no one: it must not hold the next one back.
                AlertRow.status.in_(("queued", "sent")),
                AlertRow.created_at >= since,
            )
            .distinct()
        )
        with self._session() as session:
            return list(session.scalars(stmt))

    def hits_of_documents(self, sha256s: Iterable[str]) -> list[StoredHit]:
        """Every hit of the documents with these sha256 values."""
        wanted = sorted(set(sha256s))
        if not wanted:
            return []
        stmt = hit_query().where(DocumentRow.sha256.in_(wanted)).order_by(HitRow.id)
        with self._session() as session:
            return [stored_hit(h, d) for h, d in session.execute(stmt)]

    def documents_with_prefix(self, prefix: str, *, limit: int = 10) -> list[str]:
        """sha256 of stored documents starting with ``prefix`` (a story key), at most ``limit``."""
        escaped = prefix.replace("\\", "").replace("%", "").replace("_", "")
        stmt = (
            select(DocumentRow.sha256)
            .where(DocumentRow.sha256.like(f"{escaped}%"))
            .order_by(DocumentRow.sha256)
            .limit(limit)
        )
        with self._session() as session:
            return list(session.scalars(stmt))

    def record_alert(
        self,
        hits: Sequence[StoredHit],
        *,
        status: str,
        reason: str,
        story_key: str | None = None,
        markdown: str | None = None,
        message_id: str | None = None,
        message: str | None = None,
        created_at: datetime | None = None,
    ) -> AlertRecord | None:
        """Decide, once and for all, about ``hits`` (one document's): queued or suppressed.

        Returns None when another process decided about one of them first.
        """
        if not hits:
            raise ValueError("an alert needs at least one hit")
        sha = hits[0].document.sha256
        if any(s.document.sha256 != sha for s in hits):
            raise ValueError("the hits of one alert must come from one document")
        try:
            with self._session(write=True) as session:
                document_id = session.scalars(
                    select(DocumentRow.id).where(DocumentRow.sha256 == sha)
                ).one()
                alert_id = session.scalars(
                    insert(AlertRow)
                    .values(
                        document_id=document_id,
                        created_at=created_at or _now(),
                        status=status,
                        reason=reason,
                        story_key=story_key,
                        markdown=markdown,
                        message_id=message_id,
                        message=message,
                        attempts=0,
                    )
                    .returning(AlertRow.id)
                ).one()
                session.execute(
                    insert(AlertHitRow),
                    [
                        {
                            "hit_id": s.id,
                            "alert_id": alert_id,
                            "watchlist": s.hit.watchlist,
                            "kind": s.hit.kind,
                            "name": s.hit.name,
                        }
                        for s in hits
                    ],
                )
                session.flush()
                return _alert_record(session, session.get_one(AlertRow, alert_id))
        except IntegrityError:
            return None

    def mark_alert_delivered(
        self,
        alert_id: int,
        *,
        output_path: str | None,
        accepted: Sequence[str] = (),
        refused: Mapping[str, str] | None = None,
    ) -> None:
        """Record that a queued alert reached its file and/or its recipients."""
        refused = refused or {}
        with self._session(write=True) as session:
            now = _now()
            self._set(
                session,
                AlertRow,
                alert_id,
                status="sent",
                output_path=output_path,
                delivered_at=now,
                next_attempt_at=None,
                error=_refusals(refused),
                attempts=AlertRow.attempts + 1,
            )
            _record_recipients(
                session, AlertRecipientRow, "alert_id", alert_id, accepted, refused, now
            )

    def set_alert_output(self, alert_id: int, output_path: str) -> None:
        """Remember the alert's file before its email is sent, so a retry does not rewrite it."""
        with self._session(write=True) as session:
            self._set(session, AlertRow, alert_id, output_path=output_path)

    def defer_alert(self, alert_id: int, error: str, next_attempt_at: datetime) -> None:
        """Count a failed attempt at a queued alert and say when to try again."""
        self._defer(AlertRow, alert_id, error, next_attempt_at)

    def mark_alert_failed(self, alert_id: int, error: str) -> None:
        """A permanent delivery error: the alert stays in the database, marked failed."""
        with self._session(write=True) as session:
            self._set(
                session,
                AlertRow,
                alert_id,
                status="failed",
                error=error,
                next_attempt_at=None,
                attempts=AlertRow.attempts + 1,
            )

    def queued_alerts(self, now: datetime | None = None) -> list[AlertRecord]:
        """Alerts waiting for delivery; with ``now``, only those whose retry time has come."""
        stmt = select(AlertRow).where(AlertRow.status == "queued").order_by(AlertRow.id)
        if now is not None:
            stmt = stmt.where(
                or_(AlertRow.next_attempt_at.is_(None), AlertRow.next_attempt_at <= now)
            )
        with self._session() as session:
            return [_alert_record(session, row) for row in session.scalars(stmt)]

    def alerts(self, *, limit: int = 50) -> list[AlertRecord]:
        """The newest alerts, suppressed ones included, newest first."""
        stmt = select(AlertRow).order_by(AlertRow.id.desc()).limit(limit)
        with self._session() as session:
            return [_alert_record(session, row) for row in session.scalars(stmt)]

    def delivery_problems(self, *, limit: int = 20) -> list[DeliveryProblem]:
        """Digests and alerts not delivered: waiting for a retry, or failed; newest first."""
        problems: list[tuple[datetime, DeliveryProblem]] = []
        # A digest waits as "rendered", an alert as "queued"; only those that
        # failed at least once are problems, not those about to be sent.
        outboxes: tuple[tuple[Any, str], ...] = ((DigestRow, "rendered"), (AlertRow, "queued"))
        with self._session() as session:
            for model, waiting in outboxes:
                rows = session.scalars(
                    select(model)
                    .where(
                        or_(
                            model.status == "failed",
                            (model.status == waiting) & (model.attempts > 0),
                        )
                    )
                    .order_by(model.id.desc())
                    .limit(limit)
                )
                for row in rows:
                    what = (
                        f"digest {row.name} #{row.id}" if model is DigestRow else f"alert #{row.id}"
                    )
                    state = "failed" if row.status == "failed" else "waiting"
                    problem = DeliveryProblem(what, state, row.error, row.next_attempt_at)
                    problems.append((row.created_at, problem))
        problems.sort(key=lambda item: item[0], reverse=True)
        return [problem for _, problem in problems[:limit]]

    # -- silences -------------------------------------------------------------

    def add_silence(self, kind: str, target: str, until: datetime) -> Silence:
        """Mute alerts about an entity (``kind`` "entity") or a story ("story") until ``until``."""
        with self._session(write=True) as session:
            row = SilenceRow(kind=kind, target=target, until=until, created_at=_now())
            session.add(row)
            session.flush()
            return _silence(row)

    def active_silences(self, now: datetime | None = None) -> list[Silence]:
        """Silences still in force at ``now``, soonest to end first."""
        stmt = (
            select(SilenceRow).where(SilenceRow.until > (now or _now())).order_by(SilenceRow.until)
        )
        with self._session() as session:
            return [_silence(row) for row in session.scalars(stmt)]

    def remove_expired_silences(self, now: datetime | None = None) -> int:
        """Forget silences that ended; returns how many."""
        with self._session(write=True) as session:
            result = session.execute(delete(SilenceRow).where(SilenceRow.until <= (now or _now())))
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    # -- plumbing -------------------------------------------------------------

    def _update(self, model: Any, row_id: int, expected: str, **values: Any) -> None:
        """Set ``values`` on a row that must be in status ``expected``."""
        with self._session(write=True) as session:
            row = session.get(model, row_id)
            if row is None:
                raise StoreError(f"no {model.__tablename__[:-1]} with id {row_id}")
            if row.status != expected:
                raise StoreError(
                    f"{model.__tablename__[:-1]} {row_id} is {row.status}, not {expected}"
                )
            for key, value in values.items():
                setattr(row, key, value)

    def _defer(self, model: Any, row_id: int, error: str, next_attempt_at: datetime) -> None:
        with self._session(write=True) as session:
            self._set(
                session,
                model,
                row_id,
                error=error,
                next_attempt_at=next_attempt_at,
                attempts=model.attempts + 1,
            )

    @staticmethod
    def _set(session: Session, model: Any, row_id: int, **values: Any) -> None:
        result = session.connection().execute(
            update(model).where(model.id == row_id).values(**values)
        )
        if result.rowcount == 0:
            raise StoreError(f"no {model.__tablename__[:-1]} with id {row_id}")

    def _recipients(self, model: Any, column: Any, row_id: int) -> tuple[RecipientResult, ...]:
        stmt = select(model).where(column == row_id).order_by(model.address)
        with self._session() as session:
            return tuple(
                RecipientResult(r.address, r.status, r.reply) for r in session.scalars(stmt)
            )


def _refusals(refused: Mapping[str, str]) -> str | None:
    if not refused:
        return None
    return "refused: " + "; ".join(f"{address}: {reply}" for address, reply in refused.items())


def _record_recipients(
    session: Session,
    model: Any,
    key: str,
    row_id: int,
    accepted: Sequence[str],
    refused: Mapping[str, str],
    now: datetime,
) -> None:
    rows = [
        {key: row_id, "address": a, "status": "accepted", "reply": None, "answered_at": now}
        for a in dict.fromkeys(accepted)
    ] + [
        {key: row_id, "address": a, "status": "refused", "reply": r, "answered_at": now}
        for a, r in refused.items()
        if a not in accepted
    ]
    # A resend after a crash answers again: the newest answer wins.
    session.execute(delete(model).where(getattr(model, key) == row_id))
    if rows:
        session.execute(insert(model), rows)


def _alert_record(session: Session, row: AlertRow) -> AlertRecord:
    document = session.get_one(DocumentRow, row.document_id)
    names = session.scalars(
        select(AlertHitRow.name).where(AlertHitRow.alert_id == row.id).distinct()
    ).all()
    recipients = session.scalars(
        select(AlertRecipientRow)
        .where(AlertRecipientRow.alert_id == row.id)
        .order_by(AlertRecipientRow.address)
    ).all()
    return AlertRecord(
        id=row.id,
        document_sha256=document.sha256,
        document_path=document.path,
        created_at=row.created_at,
        status=row.status,
        reason=row.reason,
        story_key=row.story_key,
        markdown=row.markdown,
        message_id=row.message_id,
        message=row.message,
        output_path=row.output_path,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        delivered_at=row.delivered_at,
        error=row.error,
        names=tuple(sorted(names)),
        recipients=tuple(RecipientResult(r.address, r.status, r.reply) for r in recipients),
    )


def _silence(row: SilenceRow) -> Silence:
    return Silence(row.id, row.kind, row.target, row.until, row.created_at)


__all__ = ["AlertRecord", "DeliveryProblem", "DeliveryStore", "RecipientResult", "Silence"]
