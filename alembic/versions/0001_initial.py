"""Initial schema: documents, hits, digests and the hits each digest claimed.

Revision ID: 0001
Revises:
Create Date: 2026-11-24

Keep migrations self-contained: import sqlalchemy and alembic only, never
watcher, so that an old migration still runs after the models have moved on.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Aware UTC in Python; timestamptz on PostgreSQL, naive UTC text on SQLite.
UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("published_at", UTC_DATETIME, nullable=True),
        sa.Column("ingested_at", UTC_DATETIME, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("hit_count", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint(
            "status IN ('done', 'quarantined')", name=op.f("ck_documents_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
        sa.UniqueConstraint("sha256", name=op.f("uq_documents_sha256")),
    )
    with op.batch_alter_table("documents") as batch_op:
        batch_op.create_index(op.f("ix_documents_ingested_at"), ["ingested_at"])

    op.create_table(
        "hits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("watchlist", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("alias", sa.Text(), nullable=False),
        sa.Column("matched_text", sa.Text(), nullable=False),
        sa.Column("start_offset", sa.Integer(), nullable=False),
        sa.Column("end_offset", sa.Integer(), nullable=False),
        sa.Column("snippet", sa.Text(), nullable=False),
        sa.Column("snippet_start", sa.Integer(), nullable=False),
        sa.Column("snippet_end", sa.Integer(), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("ruleset_version", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.CheckConstraint("kind IN ('entity', 'topic')", name=op.f("ck_hits_kind")),
        sa.CheckConstraint(
            "severity IN ('low', 'medium', 'high')", name=op.f("ck_hits_severity")
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_hits_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hits")),
        sa.UniqueConstraint(
            "document_id",
            "watchlist",
            "kind",
            "name",
            "start_offset",
            "end_offset",
            name="uq_hits_identity",
        ),
    )
    with op.batch_alter_table("hits") as batch_op:
        batch_op.create_index(op.f("ix_hits_document_id"), ["document_id"])
        batch_op.create_index(op.f("ix_hits_watchlist"), ["watchlist"])

    op.create_table(
        "digests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("period_start", UTC_DATETIME, nullable=True),
        sa.Column("period_end", UTC_DATETIME, nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("output_path", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("hit_count", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint(
            "status IN ('claimed', 'written', 'failed')", name=op.f("ck_digests_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digests")),
    )
    with op.batch_alter_table("digests") as batch_op:
        batch_op.create_index(op.f("ix_digests_name"), ["name"])

    op.create_table(
        "digest_hits",
        sa.Column("digest_id", sa.Integer(), nullable=False),
        sa.Column("hit_id", sa.Integer(), nullable=False),
        sa.Column("digest_name", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["digest_id"],
            ["digests.id"],
            name=op.f("fk_digest_hits_digest_id_digests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["hit_id"],
            ["hits.id"],
            name=op.f("fk_digest_hits_hit_id_hits"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("digest_id", "hit_id", name=op.f("pk_digest_hits")),
        # Each hit lands in exactly one digest of each name.
        sa.UniqueConstraint(
            "digest_name", "hit_id", name=op.f("uq_digest_hits_digest_name_hit_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("digest_hits")
    with op.batch_alter_table("digests") as batch_op:
        batch_op.drop_index(op.f("ix_digests_name"))
    op.drop_table("digests")
    with op.batch_alter_table("hits") as batch_op:
        batch_op.drop_index(op.f("ix_hits_watchlist"))
        batch_op.drop_index(op.f("ix_hits_document_id"))
    op.drop_table("hits")
    with op.batch_alter_table("documents") as batch_op:
        batch_op.drop_index(op.f("ix_documents_ingested_at"))
    op.drop_table("documents")
