"""analytics: the buyers index covers first_paid_on (window and repeat counts index-only)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("analytics_buyers", schema=None) as batch_op:
        batch_op.drop_index("ix_analytics_buyers_last_paid_on")
        batch_op.create_index(
            "ix_analytics_buyers_last_first", ["last_paid_on", "first_paid_on"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("analytics_buyers", schema=None) as batch_op:
        batch_op.drop_index("ix_analytics_buyers_last_first")
        batch_op.create_index("ix_analytics_buyers_last_paid_on", ["last_paid_on"], unique=False)
