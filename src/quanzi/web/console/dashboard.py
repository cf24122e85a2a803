"""The console's dashboard (``/admin``): KPI tiles and charts over 7, 30 or 90 shop days.

The figures come from the analytics rollups (the same read as ``GET
/api/v1/admin/dashboard``). Each chart is described once here: the page carries the
descriptions as JSON for ``static/web/console.js`` to draw with Chart.js, and renders the
same numbers as a table under each chart, so the page says everything without JavaScript.
Chart values stay in their units (fen, counts, basis points); the script and the tables
format them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from quanzi.analytics import service as analytics
from quanzi.analytics.schemas import kpis
from quanzi.core.db import TransactionalRoute
from quanzi.core.errors import BadRequest
from quanzi.web import i18n
from quanzi.web.auth import PageVisitor
from quanzi.web.console import render_console
from quanzi.web.display import yuan

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30

FEN, COUNT, BP = "fen", "count", "bp"


def percent(bp: int) -> str:
    """Basis points as a percentage with two decimals at most: ``1250`` → ``12.5%``."""
    whole, rest = divmod(bp, 100)
    return f"{whole}%" if rest == 0 else f"{whole}.{rest:02d}".rstrip("0") + "%"


def shown(unit: str, value: int) -> str:
    """A chart value as the table under the chart shows it."""
    if unit == FEN:
        return yuan(value)
    if unit == BP:
        return percent(value)
    return f"{value:,}"


@dataclass(frozen=True)
class Series:
    """One line or set of bars: ``label`` is a message key, ``kind`` ``bar`` or ``line``;
    ``right`` puts it on a second axis (a level beside daily counts). A series with its own
    ``unit`` is only a column of the table (it would not fit the chart's axis)."""

    label: str
    values: list[int]
    kind: str = "bar"
    right: bool = False
    unit: str | None = None


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    unit: str
    labels: list[str]
    series: list[Series]
    horizontal: bool = False
    stacked: bool = False
    first_column: str = "console_chart_day"

    def script_data(self, translate: Callable[[str], str]) -> dict[str, Any]:
        """What ``console.js`` draws: labels, datasets (values in their unit) and options."""
        return {
            "unit": self.unit,
            "horizontal": self.horizontal,
            "stacked": self.stacked,
            "labels": self.labels,
            "datasets": [
                {
                    "label": translate(series.label),
                    "type": series.kind,
                    "data": series.values,
                    "right": series.right,
                }
                for series in self.series
                if series.unit is None
            ],
        }

    def rows(self) -> list[tuple[str, list[str]]]:
        """The table under the chart: one row per label, one cell per series."""
        return [
            (label, [shown(series.unit or self.unit, series.values[i]) for series in self.series])
            for i, label in enumerate(self.labels)
        ]


@dataclass(frozen=True)
class Tile:
    label: str
    value: str
    note: str = ""
    note_values: dict[str, str] = field(default_factory=dict)


def tiles(totals: dict[str, int]) -> list[Tile]:
    """The KPI tiles of the window (``totals`` as :func:`analytics.schemas.kpis` has them)."""
    return [
        Tile(
            "console_kpi_gmv",
            yuan(totals["gmv_fen"]),
            "console_kpi_net",
            {"amount": yuan(totals["net_gmv_fen"])},
        ),
        Tile(
            "console_kpi_orders",
            f"{totals['orders']:,}",
            "console_kpi_average",
            {"amount": yuan(totals["average_order_fen"])},
        ),
        Tile(
            "console_kpi_buyers",
            f"{totals['buyers']:,}",
            "console_kpi_new_buyers",
            {"n": f"{totals['new_buyers']:,}"},
        ),
        Tile(
            "console_kpi_member_share",
            percent(totals["member_share_bp"]),
            "console_kpi_member_gmv",
            {"amount": yuan(totals["member_gmv_fen"])},
        ),
        Tile(
            "console_kpi_membership_share",
            percent(totals["membership_share_bp"]),
            "console_kpi_membership_fees",
            {"amount": yuan(totals["membership_fen"])},
        ),
        Tile(
            "console_kpi_active_members",
            f"{totals['active_members']:,}",
            "console_kpi_members_joined",
            {"n": f"{totals['members_joined']:,}"},
        ),
        Tile(
            "console_kpi_repurchase",
            percent(totals["repurchase_bp"]),
            "console_kpi_repeat_buyers",
            {"n": f"{totals['repeat_buyers']:,}"},
        ),
        Tile(
            "console_kpi_group_success",
            percent(totals["group_success_bp"]),
            "console_kpi_groups",
            {"won": str(totals["groups_succeeded"]), "lost": str(totals["groups_failed"])},
        ),
        Tile(
            "console_kpi_refunds",
            yuan(totals["refunds_fen"]),
            "console_kpi_refund_count",
            {"n": f"{totals['refunds']:,}"},
        ),
    ]


def charts(board: analytics.Dashboard) -> list[Chart]:
    """Every chart of the dashboard, in page order."""
    days = [kpis(figures.counters) for figures in board.days]
    labels = [figures.day.isoformat() for figures in board.days]

    def column(name: str) -> list[int]:
        return [day[name] for day in days]

    sharers = board.top_sharers
    return [
        Chart(
            "gmv",
            "console_chart_gmv",
            FEN,
            labels,
            [
                Series("console_series_gmv", column("gmv_fen")),
                Series("console_series_member_gmv", column("member_gmv_fen"), "line"),
            ],
        ),
        Chart(
            "orders",
            "console_chart_orders",
            COUNT,
            labels,
            [
                Series("console_series_orders", column("orders")),
                Series("console_series_buyers", column("buyers"), "line"),
            ],
        ),
        Chart(
            "members",
            "console_chart_members",
            COUNT,
            labels,
            [
                Series("console_series_members_joined", column("members_joined")),
                Series(
                    "console_series_active_members", column("active_members"), "line", right=True
                ),
            ],
        ),
        Chart(
            "shares",
            "console_chart_shares",
            BP,
            labels,
            [
                Series("console_series_member_share", column("member_share_bp"), "line"),
                Series("console_series_membership_share", column("membership_share_bp"), "line"),
            ],
        ),
        Chart(
            "repurchase",
            "console_chart_repurchase",
            BP,
            labels,
            [
                Series("console_series_repurchase", column("repurchase_bp"), "line"),
            ],
        ),
        Chart(
            "groups",
            "console_chart_groups",
            COUNT,
            labels,
            [
                Series("console_series_groups_succeeded", column("groups_succeeded")),
                Series("console_series_groups_failed", column("groups_failed")),
            ],
            stacked=True,
        ),
        Chart(
            "sharers",
            "console_chart_sharers",
            FEN,
            [sharer.display_name for sharer in sharers],
            [
                Series("console_series_sharer_sales", [sharer.sales_fen for sharer in sharers]),
                Series("console_series_sharer_orders", [s.orders for s in sharers], unit=COUNT),
            ],
            horizontal=True,
            first_column="console_chart_sharer",
        ),
    ]


@router.get("/admin", response_class=HTMLResponse)
async def dashboard_page(
    visitor: PageVisitor, days: Annotated[int, Query()] = DEFAULT_PERIOD
) -> HTMLResponse:
    """KPI tiles and charts of the last ``days`` shop days (7, 30 or 90)."""
    visitor.require_role("operator")
    if days not in PERIODS:
        raise BadRequest("The period must be 7, 30 or 90 days.", code="console_invalid_period")
    board = await analytics.dashboard(visitor.session, days=days)
    totals = kpis(board.totals)
    drawn = charts(board)

    def translate(key: str) -> str:
        return i18n.translate(visitor.lang, key)

    return render_console(
        visitor,
        "console/dashboard.html",
        "dashboard",
        {
            "days": days,
            "periods": PERIODS,
            "tiles": tiles(totals),
            "charts": drawn,
            "chart_data": {chart.key: chart.script_data(translate) for chart in drawn},
            "as_of": board.as_of,
        },
    )
