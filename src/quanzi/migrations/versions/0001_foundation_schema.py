"""foundation schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "analytics_applied_events",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_analytics_applied_events")),
    )
    op.create_table(
        "analytics_buyer_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("buyer_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("day", "buyer_id", name=op.f("pk_analytics_buyer_days")),
    )
    op.create_table(
        "analytics_buyers",
        sa.Column("buyer_id", sa.Uuid(), nullable=False),
        sa.Column("first_paid_on", sa.Date(), nullable=False),
        sa.Column("last_paid_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("buyer_id", name=op.f("pk_analytics_buyers")),
    )
    with op.batch_alter_table("analytics_buyers", schema=None) as batch_op:
        batch_op.create_index("ix_analytics_buyers_last_paid_on", ["last_paid_on"], unique=False)

    op.create_table(
        "analytics_cursors",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("position_id", sa.Uuid(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_analytics_cursors")),
    )
    op.create_table(
        "analytics_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("gmv_fen", sa.BigInteger(), nullable=False),
        sa.Column("orders_paid", sa.Integer(), nullable=False),
        sa.Column("refunds_fen", sa.BigInteger(), nullable=False),
        sa.Column("refunds", sa.Integer(), nullable=False),
        sa.Column("buyers", sa.Integer(), nullable=False),
        sa.Column("new_buyers", sa.Integer(), nullable=False),
        sa.Column("member_gmv_fen", sa.BigInteger(), nullable=False),
        sa.Column("membership_fen", sa.BigInteger(), nullable=False),
        sa.Column("memberships_sold", sa.Integer(), nullable=False),
        sa.Column("membership_refunds_fen", sa.BigInteger(), nullable=False),
        sa.Column("groups_succeeded", sa.Integer(), nullable=False),
        sa.Column("groups_failed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_analytics_daily")),
    )
    op.create_table(
        "base_pay_runs",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("rank", sa.String(length=20), nullable=False),
        sa.Column("after_id", sa.Uuid(), nullable=True),
        sa.Column("paid_count", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("month", "rank", name=op.f("pk_base_pay_runs")),
    )
    op.create_table(
        "commission_plans",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("terms", JSON, nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("version >= 2", name=op.f("ck_commission_plans_stored_versions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commission_plans")),
        sa.UniqueConstraint("version", name=op.f("uq_commission_plans_version")),
    )
    op.create_table(
        "idempotency_records",
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response_body", JSON, nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_records")),
        sa.UniqueConstraint(
            "scope", "owner_id", "key", name=op.f("uq_idempotency_records_scope_owner_id_key")
        ),
    )
    op.create_table(
        "ledger_accounts",
        sa.Column("code", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_accounts")),
        sa.UniqueConstraint("code", name=op.f("uq_ledger_accounts_code")),
    )
    op.create_table(
        "ledger_transfers",
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("reference_type", sa.String(length=40), nullable=True),
        sa.Column("reference_id", sa.String(length=64), nullable=True),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("reverses_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["reverses_id"],
            ["ledger_transfers.id"],
            name=op.f("fk_ledger_transfers_reverses_id_ledger_transfers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_transfers")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_ledger_transfers_idempotency_key")),
    )
    with op.batch_alter_table("ledger_transfers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_transfers_kind"), ["kind"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_ledger_transfers_reference_id"), ["reference_id"], unique=False
        )

    op.create_table(
        "membership_plans",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("price_fen", sa.BigInteger(), nullable=False),
        sa.Column("duration_days", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("member_prices", sa.Boolean(), nullable=False),
        sa.Column("free_shipping_threshold_fen", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "duration_days >= 1 AND duration_days <= 3660",
            name=op.f("ck_membership_plans_duration_range"),
        ),
        sa.CheckConstraint(
            "free_shipping_threshold_fen IS NULL OR free_shipping_threshold_fen >= 0",
            name=op.f("ck_membership_plans_free_shipping_threshold_nonnegative"),
        ),
        sa.CheckConstraint(
            "price_fen > 0 AND price_fen <= 10000000", name=op.f("ck_membership_plans_price_range")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership_plans")),
        sa.UniqueConstraint("name", name=op.f("uq_membership_plans_name")),
    )
    op.create_table(
        "outbox_events",
        sa.Column("topic", sa.String(length=80), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("relayed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_events")),
    )
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_events_unrelayed", ["relayed_at", "created_at"], unique=False
        )

    op.create_table(
        "production_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("threshold_quantity", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "mode <> 'threshold' OR threshold_quantity IS NOT NULL",
            name=op.f("ck_production_rules_threshold_needed"),
        ),
        sa.CheckConstraint(
            "mode IN ('daily', 'threshold')", name=op.f("ck_production_rules_mode_known")
        ),
        sa.CheckConstraint(
            "threshold_quantity IS NULL OR threshold_quantity > 0",
            name=op.f("ck_production_rules_threshold"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_production_rules")),
    )
    op.create_table(
        "referral_settings",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("binding_mode", sa.String(length=16), nullable=False),
        sa.Column("binding_days", sa.Integer(), nullable=True),
        sa.Column("attribution_days", sa.Integer(), nullable=False),
        sa.Column("rank_basis", sa.String(length=60), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.CheckConstraint("id = 1", name=op.f("ck_referral_settings_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_settings")),
    )
    op.create_table(
        "suppliers",
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppliers")),
        sa.UniqueConstraint("name", name=op.f("uq_suppliers_name")),
    )
    op.create_table(
        "users",
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("display_name", sa.String(length=60), nullable=False),
        sa.Column("invite_code", sa.String(length=16), nullable=False),
        sa.Column("roles", JSON, nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("invite_code", name=op.f("uq_users_invite_code")),
        sa.UniqueConstraint("phone", name=op.f("uq_users_phone")),
    )
    op.create_table(
        "withdrawal_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("min_amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("daily_limit_fen", sa.BigInteger(), nullable=False),
        sa.Column("fee_bp", sa.Integer(), nullable=False),
        sa.Column("fee_min_fen", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_withdrawal_settings_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_withdrawal_settings")),
    )
    op.create_table(
        "access_tokens",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_access_tokens_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_access_tokens_token_hash")),
    )
    with op.batch_alter_table("access_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "base_payments",
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("rank", sa.String(length=20), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("plan_version", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_base_payments_amount_positive")),
        sa.ForeignKeyConstraint(
            ["member_id"], ["users.id"], name=op.f("fk_base_payments_member_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_base_payments")),
        sa.UniqueConstraint("member_id", "month", name=op.f("uq_base_payments_member_id_month")),
    )
    op.create_table(
        "ledger_postings",
        sa.Column("transfer_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_fen <> 0", name=op.f("ck_ledger_postings_nonzero")),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["ledger_accounts.id"],
            name=op.f("fk_ledger_postings_account_id_ledger_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["ledger_transfers.id"],
            name=op.f("fk_ledger_postings_transfer_id_ledger_transfers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_postings")),
    )
    with op.batch_alter_table("ledger_postings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ledger_postings_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ledger_postings_transfer_id"), ["transfer_id"], unique=False
        )

    op.create_table(
        "membership_partner_benefits",
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("partner", sa.String(length=80), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["membership_plans.id"],
            name=op.f("fk_membership_partner_benefits_plan_id_membership_plans"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership_partner_benefits")),
        sa.UniqueConstraint(
            "plan_id", "partner", name=op.f("uq_membership_partner_benefits_plan_id_partner")
        ),
    )
    op.create_table(
        "memberships",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=16), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('active', 'expired', 'refunded')", name=op.f("ck_memberships_status_known")
        ),
        sa.CheckConstraint(
            "expires_at >= started_at", name=op.f("ck_memberships_expires_after_start")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["membership_plans.id"],
            name=op.f("fk_memberships_plan_id_membership_plans"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_memberships_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memberships")),
    )
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.create_index(
            "ix_memberships_status_expires", ["status", "expires_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_memberships_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            "uq_memberships_active_user",
            ["user_id"],
            unique=True,
            postgresql_where=sa.text("status = 'active'"),
            sqlite_where=sa.text("status = 'active'"),
        )

    op.create_table(
        "payments",
        sa.Column("payable_type", sa.String(length=20), nullable=False),
        sa.Column("payable_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("refunded_fen", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("description", sa.String(length=120), nullable=False),
        sa.Column("provider_txn_id", sa.String(length=64), nullable=True),
        sa.Column("provider_data", JSON, nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_payments_amount_positive")),
        sa.CheckConstraint(
            "refunded_fen >= 0 AND refunded_fen <= amount_fen",
            name=op.f("ck_payments_refund_within_amount"),
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_payments_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint(
            "provider", "provider_txn_id", name=op.f("uq_payments_provider_provider_txn_id")
        ),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payments_payable_id"), ["payable_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payments_user_id"), ["user_id"], unique=False)

    op.create_table(
        "products",
        sa.Column("supplier_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=60), nullable=False),
        sa.Column("images", JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('active', 'archived')", name=op.f("ck_products_status_known")
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_products_supplier_id_suppliers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
    )
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.create_index("ix_products_listing", ["status", "category", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_products_supplier_id"), ["supplier_id"], unique=False)

    op.create_table(
        "referral_binding_changes",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("from_parent_id", sa.Uuid(), nullable=True),
        sa.Column("to_parent_id", sa.Uuid(), nullable=True),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("share_link_id", sa.Uuid(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_referral_binding_changes_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_binding_changes")),
    )
    with op.batch_alter_table("referral_binding_changes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_referral_binding_changes_user_id_created_at",
            ["user_id", "created_at"],
            unique=False,
        )

    op.create_table(
        "referral_nodes",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("bound_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("bound_via", sa.String(length=16), nullable=True),
        sa.Column("share_link_id", sa.Uuid(), nullable=True),
        sa.Column("is_owner", sa.Boolean(), nullable=False),
        sa.Column("direct_count", sa.Integer(), nullable=False),
        sa.Column("direct_owner_count", sa.Integer(), nullable=False),
        sa.Column("team_size", sa.Integer(), nullable=False),
        sa.Column("team_count", sa.Integer(), nullable=False),
        sa.Column("own_sales_fen", sa.BigInteger(), nullable=False),
        sa.Column("team_sales_fen", sa.BigInteger(), nullable=False),
        sa.Column("rank", sa.String(length=20), nullable=False),
        sa.Column("rank_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "direct_count >= 0 AND direct_owner_count >= 0 AND team_size >= 0 AND team_count >= 0",
            name=op.f("ck_referral_nodes_counts_not_negative"),
        ),
        sa.CheckConstraint(
            "parent_id IS NULL OR parent_id <> user_id",
            name=op.f("ck_referral_nodes_not_own_parent"),
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["users.id"], name=op.f("fk_referral_nodes_parent_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_referral_nodes_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_referral_nodes")),
    )
    with op.batch_alter_table("referral_nodes", schema=None) as batch_op:
        batch_op.create_index("ix_referral_nodes_expires_at", ["expires_at"], unique=False)
        batch_op.create_index(
            "ix_referral_nodes_parent_id_user_id", ["parent_id", "user_id"], unique=False
        )
        batch_op.create_index("ix_referral_nodes_rank_user_id", ["rank", "user_id"], unique=False)

    op.create_table(
        "referral_rank_changes",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("from_rank", sa.String(length=20), nullable=False),
        sa.Column("to_rank", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_referral_rank_changes_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_rank_changes")),
    )
    with op.batch_alter_table("referral_rank_changes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_referral_rank_changes_user_id_created_at", ["user_id", "created_at"], unique=False
        )

    op.create_table(
        "referral_team_sales_queue",
        sa.Column("buyer_id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["buyer_id"], ["users.id"], name=op.f("fk_referral_team_sales_queue_buyer_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_team_sales_queue")),
    )
    op.create_table(
        "share_links",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("sharer_id", sa.Uuid(), nullable=False),
        sa.Column("target_kind", sa.String(length=8), nullable=False),
        sa.Column("target_id", sa.Uuid(), nullable=False),
        sa.Column("click_count", sa.Integer(), nullable=False),
        sa.Column("order_count", sa.Integer(), nullable=False),
        sa.Column("sales_fen", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["sharer_id"], ["users.id"], name=op.f("fk_share_links_sharer_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_share_links")),
        sa.UniqueConstraint("code", name=op.f("uq_share_links_code")),
        sa.UniqueConstraint(
            "sharer_id",
            "target_kind",
            "target_id",
            name=op.f("uq_share_links_sharer_id_target_kind_target_id"),
        ),
    )
    with op.batch_alter_table("share_links", schema=None) as batch_op:
        batch_op.create_index("ix_share_links_sharer_id_id", ["sharer_id", "id"], unique=False)

    op.create_table(
        "share_monthly_sales",
        sa.Column("sharer_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("order_count", sa.Integer(), nullable=False),
        sa.Column("sales_fen", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sharer_id"], ["users.id"], name=op.f("fk_share_monthly_sales_sharer_id_users")
        ),
        sa.PrimaryKeyConstraint("sharer_id", "month", name=op.f("pk_share_monthly_sales")),
    )
    with op.batch_alter_table("share_monthly_sales", schema=None) as batch_op:
        batch_op.create_index(
            "ix_share_monthly_sales_month_sales_fen", ["month", "sales_fen"], unique=False
        )

    op.create_table(
        "supplier_staff",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("supplier_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_supplier_staff_supplier_id_suppliers")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_supplier_staff_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_supplier_staff")),
    )
    with op.batch_alter_table("supplier_staff", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_supplier_staff_supplier_id"), ["supplier_id"], unique=False
        )

    op.create_table(
        "wallet_locks",
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["users.id"], name=op.f("fk_wallet_locks_member_id_users")
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_wallet_locks")),
    )
    op.create_table(
        "webhook_endpoints",
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("topics", JSON, nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_webhook_endpoints_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoints")),
    )
    op.create_table(
        "withdrawals",
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("fee_fen", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("shop_day", sa.String(length=10), nullable=False),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("provider", sa.String(length=20), nullable=True),
        sa.Column("provider_payout_id", sa.String(length=80), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('requested', 'approved', 'paid', 'rejected', 'failed')",
            name=op.f("ck_withdrawals_status_known"),
        ),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_withdrawals_amount_positive")),
        sa.CheckConstraint("fee_fen >= 0", name=op.f("ck_withdrawals_fee_non_negative")),
        sa.ForeignKeyConstraint(
            ["member_id"], ["users.id"], name=op.f("fk_withdrawals_member_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_withdrawals")),
    )
    with op.batch_alter_table("withdrawals", schema=None) as batch_op:
        batch_op.create_index("ix_withdrawals_member_id_id", ["member_id", "id"], unique=False)
        batch_op.create_index(
            "ix_withdrawals_member_id_shop_day", ["member_id", "shop_day"], unique=False
        )
        batch_op.create_index("ix_withdrawals_status_id", ["status", "id"], unique=False)

    op.create_table(
        "orders",
        sa.Column("buyer_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("goods_fen", sa.BigInteger(), nullable=False),
        sa.Column("discount_fen", sa.BigInteger(), nullable=False),
        sa.Column("shipping_fee_fen", sa.BigInteger(), nullable=False),
        sa.Column("total_fen", sa.BigInteger(), nullable=False),
        sa.Column("refunded_fen", sa.BigInteger(), nullable=False),
        sa.Column("shipping_refunded_fen", sa.BigInteger(), nullable=False),
        sa.Column("stock_state", sa.String(length=16), nullable=False),
        sa.Column("payment_id", sa.Uuid(), nullable=False),
        sa.Column("payment_provider", sa.String(length=20), nullable=False),
        sa.Column("address", JSON, nullable=True),
        sa.Column("share_code", sa.String(length=32), nullable=True),
        sa.Column("payment_deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("shipped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("auto_complete_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.String(length=200), nullable=True),
        sa.Column("carrier", sa.String(length=60), nullable=True),
        sa.Column("tracking_no", sa.String(length=60), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "refunded_fen >= 0 AND refunded_fen <= total_fen", name=op.f("ck_orders_refund_range")
        ),
        sa.CheckConstraint(
            "shipping_refunded_fen >= 0 AND shipping_refunded_fen <= shipping_fee_fen",
            name=op.f("ck_orders_shipping_refund_range"),
        ),
        sa.CheckConstraint("total_fen > 0", name=op.f("ck_orders_total_positive")),
        sa.ForeignKeyConstraint(["buyer_id"], ["users.id"], name=op.f("fk_orders_buyer_id_users")),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_orders_payment_id_payments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index("ix_orders_buyer_id_id", ["buyer_id", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_orders_payment_id"), ["payment_id"], unique=False)
        batch_op.create_index(
            "ix_orders_status_auto_complete", ["status", "auto_complete_at"], unique=False
        )
        batch_op.create_index(
            "ix_orders_status_deadline", ["status", "payment_deadline"], unique=False
        )

    op.create_table(
        "payment_notifications",
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("provider_event_id", sa.String(length=80), nullable=False),
        sa.Column("payment_id", sa.Uuid(), nullable=True),
        sa.Column("event_type", sa.String(length=60), nullable=False),
        sa.Column("body", JSON, nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["payments.id"],
            name=op.f("fk_payment_notifications_payment_id_payments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_notifications")),
        sa.UniqueConstraint(
            "provider",
            "provider_event_id",
            name=op.f("uq_payment_notifications_provider_provider_event_id"),
        ),
    )
    op.create_table(
        "payment_refunds",
        sa.Column("payment_id", sa.Uuid(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("provider_refund_id", sa.String(length=64), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_payment_refunds_amount_positive")),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_payment_refunds_payment_id_payments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_refunds")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_payment_refunds_idempotency_key")),
    )
    with op.batch_alter_table("payment_refunds", schema=None) as batch_op:
        batch_op.create_index("ix_payment_refunds_due", ["status", "last_attempt_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_payment_refunds_payment_id"), ["payment_id"], unique=False
        )

    op.create_table(
        "share_clicks",
        sa.Column("link_id", sa.Uuid(), nullable=False),
        sa.Column("sharer_id", sa.Uuid(), nullable=False),
        sa.Column("visitor_id", sa.Uuid(), nullable=True),
        sa.Column("visitor_key", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=False),
        sa.Column("clicked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["link_id"], ["share_links.id"], name=op.f("fk_share_clicks_link_id_share_links")
        ),
        sa.ForeignKeyConstraint(
            ["visitor_id"], ["users.id"], name=op.f("fk_share_clicks_visitor_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_share_clicks")),
    )
    with op.batch_alter_table("share_clicks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_share_clicks_link_id"), ["link_id"], unique=False)
        batch_op.create_index(
            "ix_share_clicks_visitor_id_clicked_at", ["visitor_id", "clicked_at"], unique=False
        )
        batch_op.create_index("ix_share_clicks_visitor_key", ["visitor_key"], unique=False)

    op.create_table(
        "skus",
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("price_fen", sa.BigInteger(), nullable=False),
        sa.Column("member_price_fen", sa.BigInteger(), nullable=True),
        sa.Column("supply_price_fen", sa.BigInteger(), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=False),
        sa.Column("reserved", sa.Integer(), nullable=False),
        sa.Column("sold", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "member_price_fen IS NULL OR (member_price_fen > 0 AND member_price_fen <= price_fen)",
            name=op.f("ck_skus_member_price_range"),
        ),
        sa.CheckConstraint("price_fen > 0", name=op.f("ck_skus_price_positive")),
        sa.CheckConstraint("reserved >= 0", name=op.f("ck_skus_reserved_nonnegative")),
        sa.CheckConstraint("sold >= 0", name=op.f("ck_skus_sold_nonnegative")),
        sa.CheckConstraint("stock >= 0", name=op.f("ck_skus_stock_nonnegative")),
        sa.CheckConstraint("supply_price_fen >= 0", name=op.f("ck_skus_supply_price_nonnegative")),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_skus_product_id_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skus")),
        sa.UniqueConstraint("product_id", "name", name=op.f("uq_skus_product_id_name")),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("endpoint_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["webhook_endpoints.id"],
            name=op.f("fk_webhook_deliveries_endpoint_id_webhook_endpoints"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["outbox_events.id"],
            name=op.f("fk_webhook_deliveries_event_id_outbox_events"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
        sa.UniqueConstraint(
            "endpoint_id", "event_id", name=op.f("uq_webhook_deliveries_endpoint_id_event_id")
        ),
    )
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_webhook_deliveries_due", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index(
            "ix_webhook_deliveries_recent", ["endpoint_id", "created_at"], unique=False
        )

    op.create_table(
        "commission_orders",
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("buyer_id", sa.Uuid(), nullable=False),
        sa.Column("sharer_id", sa.Uuid(), nullable=False),
        sa.Column("plan_version", sa.Integer(), nullable=False),
        sa.Column("freeze_days", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("release_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["buyer_id"], ["users.id"], name=op.f("fk_commission_orders_buyer_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_commission_orders_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["sharer_id"], ["users.id"], name=op.f("fk_commission_orders_sharer_id_users")
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_commission_orders")),
    )
    with op.batch_alter_table("commission_orders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_commission_orders_due", ["released_at", "release_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_commission_orders_sharer_id"), ["sharer_id"], unique=False
        )

    op.create_table(
        "group_campaigns",
        sa.Column("sku_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("supplier_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("group_price_fen", sa.BigInteger(), nullable=False),
        sa.Column("group_size", sa.Integer(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stock_allotted", sa.Integer(), nullable=False),
        sa.Column("seats_taken", sa.Integer(), nullable=False),
        sa.Column("per_user_limit", sa.Integer(), nullable=False),
        sa.Column("leader_discount_fen", sa.BigInteger(), nullable=False),
        sa.Column("platform_fill_seats", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "duration_minutes > 0", name=op.f("ck_group_campaigns_duration_positive")
        ),
        sa.CheckConstraint(
            "group_price_fen > 0", name=op.f("ck_group_campaigns_group_price_positive")
        ),
        sa.CheckConstraint(
            "group_size >= 2 AND group_size <= 100",
            name=op.f("ck_group_campaigns_group_size_range"),
        ),
        sa.CheckConstraint(
            "leader_discount_fen >= 0", name=op.f("ck_group_campaigns_leader_discount_nonnegative")
        ),
        sa.CheckConstraint(
            "per_user_limit >= 1", name=op.f("ck_group_campaigns_per_user_limit_positive")
        ),
        sa.CheckConstraint(
            "platform_fill_seats >= 0", name=op.f("ck_group_campaigns_platform_fill_nonnegative")
        ),
        sa.CheckConstraint(
            "seats_taken >= 0 AND seats_taken <= stock_allotted",
            name=op.f("ck_group_campaigns_seats_within"),
        ),
        sa.CheckConstraint(
            "stock_allotted >= 0", name=op.f("ck_group_campaigns_allotted_nonnegative")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_group_campaigns_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["sku_id"], ["skus.id"], name=op.f("fk_group_campaigns_sku_id_skus")
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_group_campaigns_supplier_id_suppliers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_campaigns")),
    )
    with op.batch_alter_table("group_campaigns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_campaigns_sku_id"), ["sku_id"], unique=False)

    op.create_table(
        "membership_purchases",
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("price_fen", sa.BigInteger(), nullable=False),
        sa.Column("duration_days", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("membership_id", sa.Uuid(), nullable=True),
        sa.Column("renewal", sa.Boolean(), nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "duration_days >= 1", name=op.f("ck_membership_purchases_duration_positive")
        ),
        sa.CheckConstraint("price_fen > 0", name=op.f("ck_membership_purchases_price_positive")),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["memberships.id"],
            name=op.f("fk_membership_purchases_membership_id_memberships"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_membership_purchases_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["membership_plans.id"],
            name=op.f("fk_membership_purchases_plan_id_membership_plans"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_membership_purchases_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership_purchases")),
        sa.UniqueConstraint("order_id", name=op.f("uq_membership_purchases_order_id")),
    )
    with op.batch_alter_table("membership_purchases", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_membership_purchases_membership_id"), ["membership_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_membership_purchases_plan_id"), ["plan_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_membership_purchases_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "order_lines",
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("sku_id", sa.Uuid(), nullable=True),
        sa.Column("product_id", sa.Uuid(), nullable=True),
        sa.Column("supplier_id", sa.Uuid(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("sku_name", sa.String(length=120), nullable=False),
        sa.Column("unit_price_fen", sa.BigInteger(), nullable=False),
        sa.Column("supply_price_fen", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("discount_fen", sa.BigInteger(), nullable=False),
        sa.Column("paid_fen", sa.BigInteger(), nullable=False),
        sa.Column("refunded_fen", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "(sku_id IS NULL AND product_id IS NULL AND supplier_id IS NULL AND supply_price_fen = 0) OR (sku_id IS NOT NULL AND product_id IS NOT NULL AND supplier_id IS NOT NULL)",
            name=op.f("ck_order_lines_goods_or_virtual"),
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_order_lines_quantity_positive")),
        sa.CheckConstraint(
            "refunded_fen >= 0 AND refunded_fen <= paid_fen",
            name=op.f("ck_order_lines_refund_range"),
        ),
        sa.CheckConstraint("unit_price_fen > 0", name=op.f("ck_order_lines_unit_price_positive")),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_lines_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_order_lines_product_id_products")
        ),
        sa.ForeignKeyConstraint(["sku_id"], ["skus.id"], name=op.f("fk_order_lines_sku_id_skus")),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_order_lines_supplier_id_suppliers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_lines")),
    )
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_order_lines_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_order_lines_sku_id"), ["sku_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_order_lines_supplier_id"), ["supplier_id"], unique=False
        )

    op.create_table(
        "order_refunds",
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("payment_refund_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_order_refunds_amount_positive")),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_refunds_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["payment_refund_id"],
            ["payment_refunds.id"],
            name=op.f("fk_order_refunds_payment_refund_id_payment_refunds"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_refunds")),
    )
    with op.batch_alter_table("order_refunds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_order_refunds_order_id"), ["order_id"], unique=False)

    op.create_table(
        "order_status_changes",
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_status_changes_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_status_changes")),
    )
    with op.batch_alter_table("order_status_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_order_status_changes_order_id"), ["order_id"], unique=False
        )

    op.create_table(
        "production_batches",
        sa.Column("supplier_id", sa.Uuid(), nullable=False),
        sa.Column("sku_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("sku_name", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("order_count", sa.Integer(), nullable=False),
        sa.Column("payable_fen", sa.BigInteger(), nullable=False),
        sa.Column("payable_booked_fen", sa.BigInteger(), nullable=True),
        sa.Column("cut_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("production_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("produced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('collecting', 'created', 'in_production', 'produced')",
            name=op.f("ck_production_batches_status_known"),
        ),
        sa.CheckConstraint(
            "order_count >= 0", name=op.f("ck_production_batches_order_count_nonnegative")
        ),
        sa.CheckConstraint(
            "payable_fen >= 0", name=op.f("ck_production_batches_payable_nonnegative")
        ),
        sa.CheckConstraint(
            "quantity >= 0", name=op.f("ck_production_batches_quantity_nonnegative")
        ),
        sa.ForeignKeyConstraint(
            ["sku_id"], ["skus.id"], name=op.f("fk_production_batches_sku_id_skus")
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["suppliers.id"],
            name=op.f("fk_production_batches_supplier_id_suppliers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_production_batches")),
    )
    with op.batch_alter_table("production_batches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_production_batches_sku_id"), ["sku_id"], unique=False)
        batch_op.create_index(
            "ix_production_batches_status_created", ["status", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_production_batches_supplier_status", ["supplier_id", "status", "id"], unique=False
        )
        batch_op.create_index(
            "uq_production_batches_collecting",
            ["supplier_id", "sku_id"],
            unique=True,
            postgresql_where=sa.text("status = 'collecting'"),
            sqlite_where=sa.text("status = 'collecting'"),
        )

    op.create_table(
        "share_conversions",
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("link_id", sa.Uuid(), nullable=False),
        sa.Column("sharer_id", sa.Uuid(), nullable=False),
        sa.Column("buyer_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("sales_fen", sa.BigInteger(), nullable=False),
        sa.Column("refunded_fen", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["link_id"], ["share_links.id"], name=op.f("fk_share_conversions_link_id_share_links")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_share_conversions_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_share_conversions")),
    )
    with op.batch_alter_table("share_conversions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_share_conversions_link_id"), ["link_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_share_conversions_sharer_id"), ["sharer_id"], unique=False
        )

    op.create_table(
        "commissions",
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("order_line_id", sa.Uuid(), nullable=False),
        sa.Column("beneficiary_id", sa.Uuid(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("rate_bp", sa.Integer(), nullable=False),
        sa.Column("base_fen", sa.BigInteger(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("reversed_fen", sa.BigInteger(), nullable=False),
        sa.Column("refunded_base_fen", sa.BigInteger(), nullable=False),
        sa.Column("plan_version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_commissions_amount_positive")),
        sa.CheckConstraint("level >= 1 AND level <= 3", name=op.f("ck_commissions_level_range")),
        sa.CheckConstraint(
            "refunded_base_fen >= 0 AND refunded_base_fen <= base_fen",
            name=op.f("ck_commissions_refunded_range"),
        ),
        sa.CheckConstraint(
            "reversed_fen >= 0 AND reversed_fen <= amount_fen",
            name=op.f("ck_commissions_reversed_range"),
        ),
        sa.ForeignKeyConstraint(
            ["beneficiary_id"], ["users.id"], name=op.f("fk_commissions_beneficiary_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["commission_orders.order_id"],
            name=op.f("fk_commissions_order_id_commission_orders"),
        ),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["order_lines.id"],
            name=op.f("fk_commissions_order_line_id_order_lines"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commissions")),
        sa.UniqueConstraint(
            "order_line_id", "level", name=op.f("uq_commissions_order_line_id_level")
        ),
    )
    with op.batch_alter_table("commissions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_commissions_beneficiary_id_id", ["beneficiary_id", "id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_commissions_order_id"), ["order_id"], unique=False)

    op.create_table(
        "group_campaign_participants",
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "seats >= 0", name=op.f("ck_group_campaign_participants_seats_nonnegative")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["group_campaigns.id"],
            name=op.f("fk_group_campaign_participants_campaign_id_group_campaigns"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_group_campaign_participants_user_id_users")
        ),
        sa.PrimaryKeyConstraint(
            "campaign_id", "user_id", name=op.f("pk_group_campaign_participants")
        ),
    )
    op.create_table(
        "groups",
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("leader_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("group_size", sa.Integer(), nullable=False),
        sa.Column("seats_taken", sa.Integer(), nullable=False),
        sa.Column("paid_count", sa.Integer(), nullable=False),
        sa.Column("platform_filled", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "paid_count >= 0 AND paid_count <= seats_taken", name=op.f("ck_groups_paid_range")
        ),
        sa.CheckConstraint(
            "platform_filled >= 0", name=op.f("ck_groups_platform_filled_nonnegative")
        ),
        sa.CheckConstraint(
            "seats_taken >= 0 AND seats_taken <= group_size", name=op.f("ck_groups_seats_range")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["group_campaigns.id"],
            name=op.f("fk_groups_campaign_id_group_campaigns"),
        ),
        sa.ForeignKeyConstraint(
            ["leader_id"], ["users.id"], name=op.f("fk_groups_leader_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_groups")),
    )
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.create_index("ix_groups_campaign_status", ["campaign_id", "status"], unique=False)
        batch_op.create_index("ix_groups_status_expires", ["status", "expires_at"], unique=False)

    op.create_table(
        "membership_benefit_grants",
        sa.Column("purchase_id", sa.Uuid(), nullable=False),
        sa.Column("membership_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("benefit_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=120), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending_code', 'issued', 'cancelled')",
            name=op.f("ck_membership_benefit_grants_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["benefit_id"],
            ["membership_partner_benefits.id"],
            name=op.f("fk_membership_benefit_grants_benefit_id_membership_partner_benefits"),
        ),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["memberships.id"],
            name=op.f("fk_membership_benefit_grants_membership_id_memberships"),
        ),
        sa.ForeignKeyConstraint(
            ["purchase_id"],
            ["membership_purchases.id"],
            name=op.f("fk_membership_benefit_grants_purchase_id_membership_purchases"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_membership_benefit_grants_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership_benefit_grants")),
        sa.UniqueConstraint(
            "purchase_id",
            "benefit_id",
            name=op.f("uq_membership_benefit_grants_purchase_id_benefit_id"),
        ),
    )
    with op.batch_alter_table("membership_benefit_grants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_membership_benefit_grants_membership_id"),
            ["membership_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_membership_benefit_grants_user_id"), ["user_id"], unique=False
        )
        batch_op.create_index(
            "ix_membership_benefit_grants_waiting", ["benefit_id", "status", "id"], unique=False
        )

    op.create_table(
        "production_batch_orders",
        sa.Column("order_line_id", sa.Uuid(), nullable=False),
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("supply_fen", sa.BigInteger(), nullable=False),
        sa.Column("booked_fen", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "booked_fen IS NULL OR booked_fen >= 0",
            name=op.f("ck_production_batch_orders_booked_nonnegative"),
        ),
        sa.CheckConstraint(
            "quantity > 0", name=op.f("ck_production_batch_orders_quantity_positive")
        ),
        sa.CheckConstraint(
            "supply_fen >= 0", name=op.f("ck_production_batch_orders_supply_nonnegative")
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["production_batches.id"],
            name=op.f("fk_production_batch_orders_batch_id_production_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_production_batch_orders_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["order_lines.id"],
            name=op.f("fk_production_batch_orders_order_line_id_order_lines"),
        ),
        sa.PrimaryKeyConstraint("order_line_id", name=op.f("pk_production_batch_orders")),
    )
    with op.batch_alter_table("production_batch_orders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_production_batch_orders_batch_order", ["batch_id", "order_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_production_batch_orders_order_id"), ["order_id"], unique=False
        )

    op.create_table(
        "group_members",
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("is_leader", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["group_campaigns.id"],
            name=op.f("fk_group_members_campaign_id_group_campaigns"),
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_group_members_group_id_groups")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_group_members_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_group_members_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_members")),
        sa.UniqueConstraint("order_id", name=op.f("uq_group_members_order_id")),
    )
    with op.batch_alter_table("group_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_members_group_id"), ["group_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_group_members_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            "uq_group_members_active_seat",
            ["group_id", "user_id"],
            unique=True,
            postgresql_where=sa.text("status IN ('reserved', 'paid')"),
            sqlite_where=sa.text("status IN ('reserved', 'paid')"),
        )

    op.create_table(
        "membership_partner_codes",
        sa.Column("benefit_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=120), nullable=False),
        sa.Column("grant_id", sa.Uuid(), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["benefit_id"],
            ["membership_partner_benefits.id"],
            name=op.f("fk_membership_partner_codes_benefit_id_membership_partner_benefits"),
        ),
        sa.ForeignKeyConstraint(
            ["grant_id"],
            ["membership_benefit_grants.id"],
            name=op.f("fk_membership_partner_codes_grant_id_membership_benefit_grants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership_partner_codes")),
        sa.UniqueConstraint(
            "benefit_id", "code", name=op.f("uq_membership_partner_codes_benefit_id_code")
        ),
        sa.UniqueConstraint("grant_id", name=op.f("uq_membership_partner_codes_grant_id")),
    )
    with op.batch_alter_table("membership_partner_codes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_membership_partner_codes_free",
            ["benefit_id", "id"],
            unique=False,
            postgresql_where=sa.text("grant_id IS NULL"),
            sqlite_where=sa.text("grant_id IS NULL"),
        )

    _ledger_guards()


LEDGER_GUARDS_POSTGRES = [
    """
    CREATE FUNCTION ledger_transfer_must_balance() RETURNS trigger AS $$
    DECLARE total bigint;
    BEGIN
        SELECT COALESCE(SUM(amount_fen), 0) INTO total
          FROM ledger_postings WHERE transfer_id = NEW.transfer_id;
        IF total <> 0 THEN
            RAISE EXCEPTION 'ledger transfer % is unbalanced by % fen', NEW.transfer_id, total
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE CONSTRAINT TRIGGER ledger_postings_balanced
        AFTER INSERT ON ledger_postings
        DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW EXECUTE FUNCTION ledger_transfer_must_balance()
    """,
    """
    CREATE FUNCTION ledger_is_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'the ledger is append-only: record a reversal instead'
            USING ERRCODE = 'restrict_violation';
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER ledger_postings_append_only BEFORE UPDATE OR DELETE ON ledger_postings
        FOR EACH ROW EXECUTE FUNCTION ledger_is_append_only()
    """,
    """
    CREATE TRIGGER ledger_transfers_append_only BEFORE UPDATE OR DELETE ON ledger_transfers
        FOR EACH ROW EXECUTE FUNCTION ledger_is_append_only()
    """,
]

LEDGER_GUARDS_SQLITE = [
    f"""
    CREATE TRIGGER {table}_append_only_{op_name} BEFORE {op_name} ON {table}
    BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: record a reversal instead'); END
    """
    for table in ("ledger_postings", "ledger_transfers")
    for op_name in ("UPDATE", "DELETE")
]


def _ledger_guards() -> None:
    """Refuse unbalanced transfers (PostgreSQL, checked at commit) and any edit of the ledger."""
    dialect = op.get_bind().dialect.name
    for statement in LEDGER_GUARDS_POSTGRES if dialect == "postgresql" else LEDGER_GUARDS_SQLITE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS ledger_postings_balanced ON ledger_postings")
        op.execute("DROP TRIGGER IF EXISTS ledger_postings_append_only ON ledger_postings")
        op.execute("DROP TRIGGER IF EXISTS ledger_transfers_append_only ON ledger_transfers")
        op.execute("DROP FUNCTION IF EXISTS ledger_transfer_must_balance()")
        op.execute("DROP FUNCTION IF EXISTS ledger_is_append_only()")
    with op.batch_alter_table("membership_partner_codes", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_membership_partner_codes_free",
            postgresql_where=sa.text("grant_id IS NULL"),
            sqlite_where=sa.text("grant_id IS NULL"),
        )

    op.drop_table("membership_partner_codes")
    with op.batch_alter_table("group_members", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_group_members_active_seat",
            postgresql_where=sa.text("status IN ('reserved', 'paid')"),
            sqlite_where=sa.text("status IN ('reserved', 'paid')"),
        )
        batch_op.drop_index(batch_op.f("ix_group_members_user_id"))
        batch_op.drop_index(batch_op.f("ix_group_members_group_id"))

    op.drop_table("group_members")
    with op.batch_alter_table("production_batch_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_production_batch_orders_order_id"))
        batch_op.drop_index("ix_production_batch_orders_batch_order")

    op.drop_table("production_batch_orders")
    with op.batch_alter_table("membership_benefit_grants", schema=None) as batch_op:
        batch_op.drop_index("ix_membership_benefit_grants_waiting")
        batch_op.drop_index(batch_op.f("ix_membership_benefit_grants_user_id"))
        batch_op.drop_index(batch_op.f("ix_membership_benefit_grants_membership_id"))

    op.drop_table("membership_benefit_grants")
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.drop_index("ix_groups_status_expires")
        batch_op.drop_index("ix_groups_campaign_status")

    op.drop_table("groups")
    op.drop_table("group_campaign_participants")
    with op.batch_alter_table("commissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commissions_order_id"))
        batch_op.drop_index("ix_commissions_beneficiary_id_id")

    op.drop_table("commissions")
    with op.batch_alter_table("share_conversions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_share_conversions_sharer_id"))
        batch_op.drop_index(batch_op.f("ix_share_conversions_link_id"))

    op.drop_table("share_conversions")
    with op.batch_alter_table("production_batches", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_production_batches_collecting",
            postgresql_where=sa.text("status = 'collecting'"),
            sqlite_where=sa.text("status = 'collecting'"),
        )
        batch_op.drop_index("ix_production_batches_supplier_status")
        batch_op.drop_index("ix_production_batches_status_created")
        batch_op.drop_index(batch_op.f("ix_production_batches_sku_id"))

    op.drop_table("production_batches")
    with op.batch_alter_table("order_status_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_status_changes_order_id"))

    op.drop_table("order_status_changes")
    with op.batch_alter_table("order_refunds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_refunds_order_id"))

    op.drop_table("order_refunds")
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_lines_supplier_id"))
        batch_op.drop_index(batch_op.f("ix_order_lines_sku_id"))
        batch_op.drop_index(batch_op.f("ix_order_lines_order_id"))

    op.drop_table("order_lines")
    with op.batch_alter_table("membership_purchases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_membership_purchases_user_id"))
        batch_op.drop_index(batch_op.f("ix_membership_purchases_plan_id"))
        batch_op.drop_index(batch_op.f("ix_membership_purchases_membership_id"))

    op.drop_table("membership_purchases")
    with op.batch_alter_table("group_campaigns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_campaigns_sku_id"))

    op.drop_table("group_campaigns")
    with op.batch_alter_table("commission_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commission_orders_sharer_id"))
        batch_op.drop_index("ix_commission_orders_due")

    op.drop_table("commission_orders")
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_deliveries_recent")
        batch_op.drop_index("ix_webhook_deliveries_due")

    op.drop_table("webhook_deliveries")
    op.drop_table("skus")
    with op.batch_alter_table("share_clicks", schema=None) as batch_op:
        batch_op.drop_index("ix_share_clicks_visitor_key")
        batch_op.drop_index("ix_share_clicks_visitor_id_clicked_at")
        batch_op.drop_index(batch_op.f("ix_share_clicks_link_id"))

    op.drop_table("share_clicks")
    with op.batch_alter_table("payment_refunds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_refunds_payment_id"))
        batch_op.drop_index("ix_payment_refunds_due")

    op.drop_table("payment_refunds")
    op.drop_table("payment_notifications")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_status_deadline")
        batch_op.drop_index("ix_orders_status_auto_complete")
        batch_op.drop_index(batch_op.f("ix_orders_payment_id"))
        batch_op.drop_index("ix_orders_buyer_id_id")

    op.drop_table("orders")
    with op.batch_alter_table("withdrawals", schema=None) as batch_op:
        batch_op.drop_index("ix_withdrawals_status_id")
        batch_op.drop_index("ix_withdrawals_member_id_shop_day")
        batch_op.drop_index("ix_withdrawals_member_id_id")

    op.drop_table("withdrawals")
    op.drop_table("webhook_endpoints")
    op.drop_table("wallet_locks")
    with op.batch_alter_table("supplier_staff", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supplier_staff_supplier_id"))

    op.drop_table("supplier_staff")
    with op.batch_alter_table("share_monthly_sales", schema=None) as batch_op:
        batch_op.drop_index("ix_share_monthly_sales_month_sales_fen")

    op.drop_table("share_monthly_sales")
    with op.batch_alter_table("share_links", schema=None) as batch_op:
        batch_op.drop_index("ix_share_links_sharer_id_id")

    op.drop_table("share_links")
    op.drop_table("referral_team_sales_queue")
    with op.batch_alter_table("referral_rank_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_referral_rank_changes_user_id_created_at")

    op.drop_table("referral_rank_changes")
    with op.batch_alter_table("referral_nodes", schema=None) as batch_op:
        batch_op.drop_index("ix_referral_nodes_rank_user_id")
        batch_op.drop_index("ix_referral_nodes_parent_id_user_id")
        batch_op.drop_index("ix_referral_nodes_expires_at")

    op.drop_table("referral_nodes")
    with op.batch_alter_table("referral_binding_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_referral_binding_changes_user_id_created_at")

    op.drop_table("referral_binding_changes")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_products_supplier_id"))
        batch_op.drop_index("ix_products_listing")

    op.drop_table("products")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payments_user_id"))
        batch_op.drop_index(batch_op.f("ix_payments_payable_id"))

    op.drop_table("payments")
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_memberships_active_user",
            postgresql_where=sa.text("status = 'active'"),
            sqlite_where=sa.text("status = 'active'"),
        )
        batch_op.drop_index(batch_op.f("ix_memberships_user_id"))
        batch_op.drop_index("ix_memberships_status_expires")

    op.drop_table("memberships")
    op.drop_table("membership_partner_benefits")
    with op.batch_alter_table("ledger_postings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_postings_transfer_id"))
        batch_op.drop_index(batch_op.f("ix_ledger_postings_account_id"))

    op.drop_table("ledger_postings")
    op.drop_table("base_payments")
    with op.batch_alter_table("access_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_tokens_user_id"))

    op.drop_table("access_tokens")
    op.drop_table("withdrawal_settings")
    op.drop_table("users")
    op.drop_table("suppliers")
    op.drop_table("referral_settings")
    op.drop_table("production_rules")
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_events_unrelayed")

    op.drop_table("outbox_events")
    op.drop_table("membership_plans")
    with op.batch_alter_table("ledger_transfers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_transfers_reference_id"))
        batch_op.drop_index(batch_op.f("ix_ledger_transfers_kind"))

    op.drop_table("ledger_transfers")
    op.drop_table("ledger_accounts")
    op.drop_table("idempotency_records")
    op.drop_table("commission_plans")
    op.drop_table("base_pay_runs")
    op.drop_table("analytics_daily")
    op.drop_table("analytics_cursors")
    with op.batch_alter_table("analytics_buyers", schema=None) as batch_op:
        batch_op.drop_index("ix_analytics_buyers_last_paid_on")

    op.drop_table("analytics_buyers")
    op.drop_table("analytics_buyer_days")
    op.drop_table("analytics_applied_events")
