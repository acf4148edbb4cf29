"""Hits of composite rules, and why each hit matched.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("hits") as batch:
        batch.add_column(sa.Column("details", sa.Text(), nullable=True))
        batch.drop_constraint(op.f("ck_hits_kind"), type_="check")
        batch.create_check_constraint(
            op.f("ck_hits_kind"), "kind IN ('entity', 'topic', 'rule')"
        )


def downgrade() -> None:
    op.execute("DELETE FROM hits WHERE kind = 'rule'")
    with op.batch_alter_table("hits") as batch:
        batch.drop_constraint(op.f("ck_hits_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_hits_kind"), "kind IN ('entity', 'topic')")
        batch.drop_column("details")
