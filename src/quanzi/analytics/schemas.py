"""Dashboard JSON: a series for charts, the totals of the window and its top sharers."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel

from quanzi.analytics import rules
from quanzi.analytics.service import Dashboard, DayFigures, TopSharer


class KpiOut(BaseModel):
    gmv_fen: int
    net_gmv_fen: int
    orders: int
    refunds_fen: int
    refunds: int
    buyers: int
    new_buyers: int
    member_gmv_fen: int
    member_share_bp: int
    average_order_fen: int
    membership_fen: int
    memberships_sold: int
    membership_refunds_fen: int
    groups_succeeded: int
    groups_failed: int
    group_success_bp: int
    membership_share_bp: int
    members_joined: int
    members_ended: int
    active_members: int
    repeat_buyers: int
    repurchase_bp: int


class DayOut(KpiOut):
    date: date


class TopSharerOut(BaseModel):
    sharer_id: uuid.UUID
    display_name: str
    orders: int
    sales_fen: int


class DashboardOut(BaseModel):
    days: list[DayOut]
    totals: KpiOut
    top_sharers: list[TopSharerOut]
    as_of: datetime | None


def kpis(figures: dict[str, int]) -> dict[str, int]:
    """The dashboard's figures from a day's (or the window's) stored and derived counts:
    ``*_bp`` are rates in basis points, ``membership_share_bp`` the part of revenue (goods
    and membership fees) that membership fees make, ``repurchase_bp`` the part of buyers
    who had paid on an earlier day."""
    gmv, orders = figures["gmv_fen"], figures["orders_paid"]
    succeeded, failed = figures["groups_succeeded"], figures["groups_failed"]
    return {
        "gmv_fen": gmv,
        "net_gmv_fen": gmv - figures["refunds_fen"],
        "orders": orders,
        "refunds_fen": figures["refunds_fen"],
        "refunds": figures["refunds"],
        "buyers": figures["buyers"],
        "new_buyers": figures["new_buyers"],
        "member_gmv_fen": figures["member_gmv_fen"],
        "member_share_bp": rules.share_bp(figures["member_gmv_fen"], gmv),
        "average_order_fen": gmv // orders if orders else 0,
        "membership_fen": figures["membership_fen"],
        "memberships_sold": figures["memberships_sold"],
        "membership_refunds_fen": figures["membership_refunds_fen"],
        "groups_succeeded": succeeded,
        "groups_failed": failed,
        "group_success_bp": rules.share_bp(succeeded, succeeded + failed),
        "membership_share_bp": rules.share_bp(
            figures["membership_fen"], gmv + figures["membership_fen"]
        ),
        "members_joined": figures["members_joined"],
        "members_ended": figures["members_ended"],
        "active_members": figures["active_members"],
        "repeat_buyers": figures["repeat_buyers"],
        "repurchase_bp": rules.share_bp(figures["repeat_buyers"], figures["buyers"]),
    }


def _day(figures: DayFigures) -> DayOut:
    return DayOut(date=figures.day, **kpis(figures.counters))


def _sharer(sharer: TopSharer) -> TopSharerOut:
    return TopSharerOut(
        sharer_id=sharer.sharer_id,
        display_name=sharer.display_name,
        orders=sharer.orders,
        sales_fen=sharer.sales_fen,
    )


def dashboard_out(board: Dashboard) -> DashboardOut:
    return DashboardOut(
        days=[_day(figures) for figures in board.days],
        totals=KpiOut(**kpis(board.totals)),
        top_sharers=[_sharer(sharer) for sharer in board.top_sharers],
        as_of=board.as_of,
    )
