"""analytics: members joined/ended per day, sales attributed to sharers per day

The new counters start at zero for days rolled up before this revision; rebuilding the
rollups (``quanzi.analytics.service.rebuild``, PostgreSQL) fills them from the source
tables.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "analytics_sharer_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("sharer_id", sa.Uuid(), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("sales_fen", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", "sharer_id", name=op.f("pk_analytics_sharer_days")),
    )
    with op.batch_alter_table("analytics_daily", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("members_joined", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("members_ended", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("analytics_daily", schema=None) as batch_op:
        batch_op.drop_column("members_ended")
        batch_op.drop_column("members_joined")
    op.drop_table("analytics_sharer_days")
