"""Dashboard JSON: a series for charts and the totals of the window."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from quanzi.analytics import rules
from quanzi.analytics.service import Dashboard, DayFigures


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


class DayOut(KpiOut):
    date: date


class DashboardOut(BaseModel):
    days: list[DayOut]
    totals: KpiOut
    as_of: datetime | None


def _kpis(figures: dict[str, int]) -> dict[str, int]:
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
    }


def _day(figures: DayFigures) -> DayOut:
    return DayOut(date=figures.day, **_kpis(figures.counters))


def dashboard_out(board: Dashboard) -> DashboardOut:
    return DashboardOut(
        days=[_day(figures) for figures in board.days],
        totals=KpiOut(**_kpis(board.totals)),
        as_of=board.as_of,
    )
