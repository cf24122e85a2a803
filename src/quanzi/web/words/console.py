"""Operator console words: dashboard, catalog, campaigns, batches, members, plans, withdrawals, webhooks."""

from __future__ import annotations

from collections.abc import Mapping

# key: (中文, English). Placeholders use str.format names.
MESSAGES: Mapping[str, tuple[str, str]] = {
    # frame
    "console_title": ("运营后台", "Operator console"),
    "console_account": ("账号", "Account"),
    "console_sections": ("后台栏目", "Console sections"),
    "console_to_shop": ("回到商城", "To the shop"),
    "console_nav_dashboard": ("数据看板", "Dashboard"),
    "console_nav_catalog": ("商品", "Catalog"),
    "console_nav_campaigns": ("拼团活动", "Group campaigns"),
    "console_nav_batches": ("生产批次", "Production batches"),
    "console_nav_members": ("会员", "Members"),
    "console_nav_plans": ("会员方案", "Membership plans"),
    "console_nav_commission": ("佣金方案", "Commission plan"),
    "console_nav_withdrawals": ("提现审核", "Withdrawals"),
    "console_nav_webhooks": ("Webhooks", "Webhooks"),
}

# Refusals by their stable problem code: what the reader sees instead of the API's detail.
PROBLEMS: Mapping[str, tuple[str, str]] = {}
