"""Delivery: email digests as an outbox, per-recipient replies, alerts and silences.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_STATUSES = "status IN ('claimed', 'written', 'failed')"
NEW_STATUSES = "status IN ('claimed', 'rendered', 'written', 'sent', 'skipped', 'failed')"
RECIPIENT_STATUSES = "status IN ('accepted', 'refused')"


def _recipients(table: str, parent: str, key: str) -> None:
    op.create_table(
        table,
        sa.Column(key, sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(RECIPIENT_STATUSES, name=op.f(f"ck_{table}_status")),
        sa.ForeignKeyConstraint(
            [key], [f"{parent}.id"], name=op.f(f"fk_{table}_{key}_{parent}"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint(key, "address", name=op.f(f"pk_{table}")),
    )


def upgrade() -> None:
    # The alert thread's sweep reads the hits of the last minutes.
    op.create_index(op.f("ix_hits_created_at"), "hits", ["created_at"])
    with op.batch_alter_table("digests") as batch:
        batch.add_column(
            sa.Column("format", sa.String(length=16), server_default="markdown", nullable=False)
        )
        batch.add_column(sa.Column("message_id", sa.Text(), nullable=True))
        batch.add_column(sa.Column("message", sa.Text(), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True))
        batch.drop_constraint(op.f("ck_digests_status"), type_="check")
        batch.create_check_constraint(op.f("ck_digests_status"), NEW_STATUSES)
        batch.create_check_constraint(op.f("ck_digests_format"), "format IN ('markdown', 'email')")
    _recipients("digest_recipients", "digests", "digest_id")

    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("story_key", sa.String(length=64), nullable=True),
        sa.Column("markdown", sa.Text(), nullable=True),
        sa.Column("message_id", sa.Text(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("output_path", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'sent', 'suppressed', 'failed')", name=op.f("ck_alerts_status")
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_alerts_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    op.create_index(op.f("ix_alerts_document_id"), "alerts", ["document_id"])
    op.create_index(op.f("ix_alerts_created_at"), "alerts", ["created_at"])

    op.create_table(
        "alert_hits",
        sa.Column("hit_id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("watchlist", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_alert_hits_alert_id_alerts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["hit_id"], ["hits.id"], name=op.f("fk_alert_hits_hit_id_hits"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("hit_id", name=op.f("pk_alert_hits")),
    )
    op.create_index(op.f("ix_alert_hits_alert_id"), "alert_hits", ["alert_id"])
    op.create_index(op.f("ix_alert_hits_watchlist"), "alert_hits", ["watchlist"])
    _recipients("alert_recipients", "alerts", "alert_id")

    op.create_table(
        "silences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('entity', 'story')", name=op.f("ck_silences_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_silences")),
    )
    op.create_index(op.f("ix_silences_until"), "silences", ["until"])


def downgrade() -> None:
    op.drop_index(op.f("ix_silences_until"), table_name="silences")
    op.drop_table("silences")
    op.drop_table("alert_recipients")
    op.drop_index(op.f("ix_alert_hits_watchlist"), table_name="alert_hits")
    op.drop_index(op.f("ix_alert_hits_alert_id"), table_name="alert_hits")
    op.drop_table("alert_hits")
    op.drop_index(op.f("ix_alerts_created_at"), table_name="alerts")
    op.drop_index(op.f("ix_alerts_document_id"), table_name="alerts")
    op.drop_table("alerts")
    op.drop_table("digest_recipients")
    op.drop_index(op.f("ix_hits_created_at"), table_name="hits")
    # Statuses the old schema cannot hold: an email digest is as good as failed there.
    op.execute(
        "UPDATE digests SET status = 'failed', error = 'downgraded' "
        "WHERE status IN ('rendered', 'sent', 'skipped')"
    )
    with op.batch_alter_table("digests") as batch:
        batch.drop_constraint(op.f("ck_digests_format"), type_="check")
        batch.drop_constraint(op.f("ck_digests_status"), type_="check")
        batch.create_check_constraint(op.f("ck_digests_status"), OLD_STATUSES)
        batch.drop_column("delivered_at")
        batch.drop_column("next_attempt_at")
        batch.drop_column("attempts")
        batch.drop_column("message")
        batch.drop_column("message_id")
        batch.drop_column("format")
