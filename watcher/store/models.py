"""The database schema as SQLAlchemy 2 typed models.

These classes never leave the store: :mod:`watcher.store.store` turns rows into
the frozen types of :mod:`watcher.model`. The Alembic migrations in
``alembic/versions`` must build exactly this schema; ``tests/test_migrations.py``
checks that they agree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Every constraint and index gets a predictable name, so that later migrations
# (batch mode on SQLite in particular) can refer to them by name.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

DOCUMENT_STATUSES = ("done", "quarantined", "duplicate")
HIT_KINDS = ("entity", "topic", "rule")
SEVERITIES = ("low", "medium", "high")
# claimed -> written (a file) | rendered -> sent (an email, possibly after retries)
# | skipped (empty, and configured not to say so) | failed (a permanent error).
DIGEST_STATUSES = ("claimed", "rendered", "written", "sent", "skipped", "failed")
DIGEST_FORMATS = ("markdown", "email")
# queued -> sent | failed; suppressed: inside a realert window or silenced.
ALERT_STATUSES = ("queued", "sent", "suppressed", "failed")
RECIPIENT_STATUSES = ("accepted", "refused")
SILENCE_KINDS = ("entity", "story")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every backend.

    PostgreSQL keeps the offset (``timestamptz``); SQLite has no such type and
    would silently drop it, so there the value is stored as naive UTC and made
    aware again on the way out. Naive datetimes are refused: guessing their
    timezone is how reports end up an hour off.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} given; watcher stores UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


class DocumentRow(Base):
    """One file seen in the drop folder, identified by the sha256 of its bytes."""

    __tablename__ = "documents"
    __table_args__ = (CheckConstraint(_one_of("status", DOCUMENT_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    path: Mapped[str] = mapped_column(Text)
    format: Mapped[str] = mapped_column(String(16))
    title: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None]
    ingested_at: Mapped[datetime] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    hit_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Near-duplicate detection: a 64-bit SimHash (hex) and its four 16-bit
    # bands, each indexed, so that candidates are found without a full scan.
    fingerprint: Mapped[str | None] = mapped_column(String(16))
    band0: Mapped[int | None] = mapped_column(Integer, index=True)
    band1: Mapped[int | None] = mapped_column(Integer, index=True)
    band2: Mapped[int | None] = mapped_column(Integer, index=True)
    band3: Mapped[int | None] = mapped_column(Integer, index=True)
    duplicate_of: Mapped[int | None] = mapped_column(
        ForeignKey("documents.id", ondelete="SET NULL")
    )
    similarity: Mapped[float | None] = mapped_column(Float)


class HitRow(Base):
    """One match of a watched entity or topic in a document."""

    __tablename__ = "hits"
    __table_args__ = (
        # A hit is its document, its rule and its span: storing one twice is
        # impossible, whatever the matcher does.
        UniqueConstraint(
            "document_id",
            "watchlist",
            "kind",
            "name",
            "start_offset",
            "end_offset",
            name="uq_hits_identity",
        ),
        CheckConstraint(_one_of("kind", HIT_KINDS), name="kind"),
        CheckConstraint(_one_of("severity", SEVERITIES), name="severity"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    watchlist: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(32))
    alias: Mapped[str] = mapped_column(Text)
    matched_text: Mapped[str] = mapped_column(Text)
    # "end" is an SQL keyword, hence *_offset.
    start_offset: Mapped[int] = mapped_column(Integer)
    end_offset: Mapped[int] = mapped_column(Integer)
    snippet: Mapped[str] = mapped_column(Text)
    snippet_start: Mapped[int] = mapped_column(Integer)
    snippet_end: Mapped[int] = mapped_column(Integer)
    severity: Mapped[str] = mapped_column(String(8))
    ruleset_version: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(index=True)
    # Why it matched (variant, short form, rule clauses): a JSON list of lines.
    details: Mapped[str | None] = mapped_column(Text)


class DigestRow(Base):
    """One digest run: the hits it claimed, and how far its delivery got.

    An email digest is an outbox entry: the rendered message is stored before
    the first attempt, so every retry (after a 4xx, or a crash) sends the same
    bytes with the same Message-ID.
    """

    __tablename__ = "digests"
    __table_args__ = (
        CheckConstraint(_one_of("status", DIGEST_STATUSES), name="status"),
        CheckConstraint(_one_of("format", DIGEST_FORMATS), name="format"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    period_start: Mapped[datetime | None]
    period_end: Mapped[datetime]
    created_at: Mapped[datetime]
    output_path: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    hit_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    format: Mapped[str] = mapped_column(String(16), default="markdown", server_default="markdown")
    message_id: Mapped[str | None] = mapped_column(Text)
    message: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]


class DigestRecipientRow(Base):
    """What the SMTP server answered for one recipient of one digest."""

    __tablename__ = "digest_recipients"
    __table_args__ = (CheckConstraint(_one_of("status", RECIPIENT_STATUSES), name="status"),)

    digest_id: Mapped[int] = mapped_column(
        ForeignKey("digests.id", ondelete="CASCADE"), primary_key=True
    )
    address: Mapped[str] = mapped_column(String(320), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    reply: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime]


class AlertRow(Base):
    """One immediate alert about one document, or the decision not to send one."""

    __tablename__ = "alerts"
    __table_args__ = (CheckConstraint(_one_of("status", ALERT_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    story_key: Mapped[str | None] = mapped_column(String(64))
    markdown: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(Text)
    message: Mapped[str | None] = mapped_column(Text)
    output_path: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)


class AlertHitRow(Base):
    """Which alert decided about which hit: each hit is decided once, ever.

    Watchlist, kind and name repeat the hit's so that "was this name alerted
    recently?" is one indexed look-up.
    """

    __tablename__ = "alert_hits"

    hit_id: Mapped[int] = mapped_column(ForeignKey("hits.id", ondelete="CASCADE"), primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    watchlist: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(Text)


class AlertRecipientRow(Base):
    """What the SMTP server answered for one recipient of one alert."""

    __tablename__ = "alert_recipients"
    __table_args__ = (CheckConstraint(_one_of("status", RECIPIENT_STATUSES), name="status"),)

    alert_id: Mapped[int] = mapped_column(
        ForeignKey("alerts.id", ondelete="CASCADE"), primary_key=True
    )
    address: Mapped[str] = mapped_column(String(320), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    reply: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime]


class SilenceRow(Base):
    """``watcher silence``: no alerts about an entity or a story until ``until``."""

    __tablename__ = "silences"
    __table_args__ = (CheckConstraint(_one_of("kind", SILENCE_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    # An entity's name folded with str.casefold, or a story key (hex).
    target: Mapped[str] = mapped_column(Text)
    until: Mapped[datetime] = mapped_column(index=True)
    created_at: Mapped[datetime]


class DigestHitRow(Base):
    """Which digest claimed which hit.

    ``digest_name`` repeats the digest's name so that the unique constraint on
    (digest_name, hit_id) can hold: each hit lands in exactly one digest of
    each name, even when two claims race.
    """

    __tablename__ = "digest_hits"
    __table_args__ = (UniqueConstraint("digest_name", "hit_id"),)

    digest_id: Mapped[int] = mapped_column(
        ForeignKey("digests.id", ondelete="CASCADE"), primary_key=True
    )
    hit_id: Mapped[int] = mapped_column(ForeignKey("hits.id", ondelete="CASCADE"), primary_key=True)
    digest_name: Mapped[str] = mapped_column(String(100))
