"""Share links: one short link per member and product (or group), clicks, attribution of
orders to sharers, and the conversion figures a member sees.

Attribution (DOMAIN-RULES "Commission"), :func:`resolve_sharer`:
1. the order's share code names the sharer, unless it is the buyer's own link (then
   nobody: a member's own purchase is paid for by the member price, not commission);
2. otherwise the buyer's last click on someone else's link inside the attribution window
   (operator setting, default 7 days) before ``at``; the buyer's clicks on their own links
   are ignored;
3. otherwise nobody.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.catalog import queries as catalog
from quanzi.core import clock, security
from quanzi.core.config import get_settings
from quanzi.core.db import RetryTransaction, is_postgres, transaction_memo
from quanzi.core.errors import NotFound, Unprocessable
from quanzi.groupbuy import seats as groups
from quanzi.referral import binding, policy, rules
from quanzi.referral.models import ShareClick, ShareConversion, ShareLink, SharerMonth

CODE_ATTEMPTS = 5
MAX_USER_AGENT = 300


@dataclass(frozen=True)
class ShareLinkPage:
    items: list[ShareLink]
    next_cursor: uuid.UUID | None


def share_url(code: str) -> str:
    return f"{get_settings().base_url.rstrip('/')}/s/{code}"


def link_not_found() -> NotFound:
    return NotFound("No such share link.", code="share_link_not_found")


async def _check_target(session: AsyncSession, target_kind: str, target_id: uuid.UUID) -> None:
    if target_kind == rules.PRODUCT:
        product = await catalog.get_product(session, target_id)
        if product.status != "active":
            raise Unprocessable("That product is no longer on sale.", code="product_not_on_sale")
    else:
        await groups.get_group(session, target_id)


async def _find(
    session: AsyncSession, sharer_id: uuid.UUID, target_kind: str, target_id: uuid.UUID
) -> ShareLink | None:
    return await session.scalar(
        select(ShareLink).where(
            ShareLink.sharer_id == sharer_id,
            ShareLink.target_kind == target_kind,
            ShareLink.target_id == target_id,
        )
    )


async def create_link(
    session: AsyncSession, sharer_id: uuid.UUID, *, target_kind: str, target_id: uuid.UUID
) -> tuple[ShareLink, bool]:
    """The member's link to a product or group, made on first request and reused after;
    ``True`` when it was made now."""
    if target_kind not in rules.TARGET_KINDS:
        raise Unprocessable("Share a product or a group.", code="invalid_share_target")
    await _check_target(session, target_kind, target_id)
    existing = await _find(session, sharer_id, target_kind, target_id)
    if existing is not None:
        return existing, False
    for _ in range(CODE_ATTEMPTS):
        link = ShareLink(
            code=rules.new_share_code(),
            sharer_id=sharer_id,
            target_kind=target_kind,
            target_id=target_id,
            click_count=0,
            order_count=0,
            sales_fen=0,
            created_at=clock.now(),
        )
        try:
            async with session.begin_nested():
                session.add(link)
                await session.flush()
        except IntegrityError:
            # Either the same member asked twice at once (their link now exists) or the
            # random code was taken (draw another).
            existing = await _find(session, sharer_id, target_kind, target_id)
            if existing is not None:
                return existing, False
            continue
        return link, True
    raise RetryTransaction()


async def link_by_code(session: AsyncSession, code: str | None) -> ShareLink | None:
    normalized = rules.normalize_share_code(code)
    if normalized is None:
        return None
    return await session.scalar(select(ShareLink).where(ShareLink.code == normalized))


def visitor_key_hash(cookie: str) -> str:
    """Clicks store a hash of the anonymous visitor cookie, not the cookie itself."""
    return security.hash_token(cookie)


async def record_click(
    session: AsyncSession,
    code: str,
    *,
    visitor_id: uuid.UUID | None,
    visitor_key: str | None,
    user_agent: str,
) -> ShareLink:
    """Record an opening of a share link and return the link (404 if unknown). A logged-in
    visitor arriving through someone's link is bound to the sharer if the binding mode
    lets this arrival do it; a refused loop or their own link changes nothing."""
    link = await link_by_code(session, code)
    if link is None:
        raise link_not_found()
    session.add(
        ShareClick(
            link_id=link.id,
            sharer_id=link.sharer_id,
            visitor_id=visitor_id,
            visitor_key=visitor_key_hash(visitor_key) if visitor_key else None,
            user_agent=user_agent[:MAX_USER_AGENT],
            clicked_at=clock.now(),
        )
    )
    await session.flush()
    await session.execute(
        update(ShareLink)
        .where(ShareLink.id == link.id)
        .values(click_count=ShareLink.click_count + 1)
    )
    if visitor_id is not None:
        await binding.bind_quietly(
            session, visitor_id, link.sharer_id, via=rules.VIA_SHARE, share_link_id=link.id
        )
    return link


async def claim_visits(session: AsyncSession, user_id: uuid.UUID, visitor_key: str) -> int:
    """Attach the anonymous clicks of this browser (its ``qz_vid`` cookie) to the member who
    now uses it, so they attribute the member's later orders. Returns how many."""
    result = await session.execute(
        update(ShareClick)
        .where(
            ShareClick.visitor_key == visitor_key_hash(visitor_key),
            ShareClick.visitor_id.is_(None),
        )
        .values(visitor_id=user_id)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def resolve_link(
    session: AsyncSession, *, share_code: str | None, buyer_id: uuid.UUID, at: datetime
) -> ShareLink | None:
    """The share link an order is attributed to (see the module docstring), or ``None``.

    Asked by both the conversion count and the commission accrual of one paid order:
    answered once per transaction."""
    memo = transaction_memo(session, "share_attribution")
    key = (share_code, buyer_id, at)
    if key not in memo:
        memo[key] = await _attributed_link(session, share_code, buyer_id, at)
    link: ShareLink | None = memo[key]
    return link


async def _attributed_link(
    session: AsyncSession, share_code: str | None, buyer_id: uuid.UUID, at: datetime
) -> ShareLink | None:
    named = await link_by_code(session, share_code)
    if named is not None:
        return None if named.sharer_id == buyer_id else named
    window = (await policy.get_policy(session)).attribution_days
    return await session.scalar(
        select(ShareLink)
        .join(ShareClick, ShareClick.link_id == ShareLink.id)
        .where(
            ShareClick.visitor_id == buyer_id,
            ShareClick.sharer_id != buyer_id,
            ShareClick.clicked_at >= rules.attribution_since(at, window),
            ShareClick.clicked_at <= at,
        )
        .order_by(ShareClick.clicked_at.desc(), ShareClick.id.desc())
        .limit(1)
    )


async def resolve_sharer(
    session: AsyncSession, *, share_code: str | None, buyer_id: uuid.UUID, at: datetime
) -> uuid.UUID | None:
    """Who shared the order: the sharer of :func:`resolve_link`, or ``None``."""
    link = await resolve_link(session, share_code=share_code, buyer_id=buyer_id, at=at)
    return None if link is None else link.sharer_id


async def record_conversion(
    session: AsyncSession,
    link: ShareLink,
    *,
    order_id: uuid.UUID,
    buyer_id: uuid.UUID,
    sales_fen: int,
) -> bool:
    """Count a paid order for its link and its sharer's month (once per order)."""
    month = rules.month_key(clock.now(), get_settings().timezone)
    insert = pg_insert if is_postgres(session) else sqlite_insert
    inserted = await session.scalar(
        insert(ShareConversion)
        .values(
            order_id=order_id,
            link_id=link.id,
            sharer_id=link.sharer_id,
            buyer_id=buyer_id,
            month=month,
            sales_fen=sales_fen,
            refunded_fen=0,
            created_at=clock.now(),
        )
        .on_conflict_do_nothing(index_elements=["order_id"])
        .returning(ShareConversion.order_id)
    )
    if inserted is None:
        return False
    await _add_to_figures(session, link.id, link.sharer_id, month, orders=1, sales_fen=sales_fen)
    return True


@dataclass(frozen=True)
class Attribution:
    """A paid order attributed to a sharer, with the goods amount it counted."""

    order_id: uuid.UUID
    sharer_id: uuid.UUID
    sales_fen: int


async def attributions_of(
    session: AsyncSession, order_ids: Sequence[uuid.UUID]
) -> list[Attribution]:
    """The attributions of ``order_ids`` (orders no link brought are left out), in one
    primary-key query: what the analytics rollup adds to each sharer's day."""
    wanted = sorted(set(order_ids))
    if not wanted:
        return []
    rows = await session.execute(
        select(ShareConversion.order_id, ShareConversion.sharer_id, ShareConversion.sales_fen)
        .where(ShareConversion.order_id.in_(wanted))
        .order_by(ShareConversion.order_id)
    )
    return [Attribution(order_id, sharer_id, int(sales)) for order_id, sharer_id, sales in rows]


async def record_refund(
    session: AsyncSession, order_id: uuid.UUID, *, goods_fen: int, fully_refunded: bool
) -> None:
    """Take a refund's goods amount off the figures of the link the order came through."""
    conversion = await session.scalar(
        update(ShareConversion)
        .where(ShareConversion.order_id == order_id)
        .values(refunded_fen=ShareConversion.refunded_fen + goods_fen)
        .returning(ShareConversion)
    )
    if conversion is None:
        return
    await _add_to_figures(
        session,
        conversion.link_id,
        conversion.sharer_id,
        conversion.month,
        orders=-1 if fully_refunded else 0,
        sales_fen=-goods_fen,
    )


async def _add_to_figures(
    session: AsyncSession,
    link_id: uuid.UUID,
    sharer_id: uuid.UUID,
    month: str,
    *,
    orders: int,
    sales_fen: int,
) -> None:
    await session.execute(
        update(ShareLink)
        .where(ShareLink.id == link_id)
        .values(
            order_count=ShareLink.order_count + orders,
            sales_fen=ShareLink.sales_fen + sales_fen,
        )
    )
    insert = pg_insert if is_postgres(session) else sqlite_insert
    stmt = insert(SharerMonth).values(
        sharer_id=sharer_id, month=month, order_count=orders, sales_fen=sales_fen
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["sharer_id", "month"],
            set_={
                "order_count": SharerMonth.order_count + stmt.excluded.order_count,
                "sales_fen": SharerMonth.sales_fen + stmt.excluded.sales_fen,
            },
        )
    )


async def my_links(
    session: AsyncSession, sharer_id: uuid.UUID, *, after_id: uuid.UUID | None, limit: int
) -> ShareLinkPage:
    """A member's links, newest first, with their clicks, orders and attributed sales."""
    stmt = select(ShareLink).where(ShareLink.sharer_id == sharer_id)
    if after_id is not None:
        stmt = stmt.where(ShareLink.id < after_id)
    rows = list(await session.scalars(stmt.order_by(ShareLink.id.desc()).limit(limit + 1)))
    items = rows[:limit]
    more = len(rows) > limit
    return ShareLinkPage(items, items[-1].id if more and items else None)
