"""Near-duplicate documents: SimHash fingerprints, their bands, and the original.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BANDS = ("band0", "band1", "band2", "band3")


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("fingerprint", sa.String(length=16), nullable=True))
        for band in BANDS:
            batch.add_column(sa.Column(band, sa.Integer(), nullable=True))
        batch.add_column(sa.Column("duplicate_of", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("similarity", sa.Float(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_documents_duplicate_of_documents"),
            "documents",
            ["duplicate_of"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.drop_constraint(op.f("ck_documents_status"), type_="check")
        batch.create_check_constraint(
            op.f("ck_documents_status"), "status IN ('done', 'quarantined', 'duplicate')"
        )
    for band in BANDS:
        op.create_index(op.f(f"ix_documents_{band}"), "documents", [band])


def downgrade() -> None:
    for band in BANDS:
        op.drop_index(op.f(f"ix_documents_{band}"), table_name="documents")
    op.execute("DELETE FROM documents WHERE status = 'duplicate'")
    with op.batch_alter_table("documents") as batch:
        batch.drop_constraint(op.f("ck_documents_status"), type_="check")
        batch.create_check_constraint(
            op.f("ck_documents_status"), "status IN ('done', 'quarantined')"
        )
        batch.drop_constraint(op.f("fk_documents_duplicate_of_documents"), type_="foreignkey")
        batch.drop_column("similarity")
        batch.drop_column("duplicate_of")
        for band in reversed(BANDS):
            batch.drop_column(band)
        batch.drop_column("fingerprint")
