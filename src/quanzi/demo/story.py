"""What the demo history makes sure of, beyond chance: the demo logins are worth opening,
and at the end the shop shows every live state (groups waiting, open and just filled,
batches cut and in production, an order paid today, a withdrawal waiting).

Scheduled relative to the history's end, through the same steps as everyday life.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core.config import get_settings
from quanzi.demo.calendar import attempt, midnight
from quanzi.demo.catalog import CAMPAIGNS, DemoCampaign
from quanzi.demo.life import Item, Life, Member
from quanzi.demo.trade import Trade
from quanzi.groupbuy import seats
from quanzi.groupbuy.models import Group
from quanzi.payments import service as payments
from quanzi.wallet import service as wallet

# The demo member whose earnings the story shapes (her withdrawals are the story's).
SHARER = "13900000001"
FRIEND = "13900000003"


# The live groups of the last minutes, by scene: who leads them (filled in as they open).
Scenes = dict[str, dict[str, str]]


def tell(life: Life, trade: Trade, end: datetime, scenes: Scenes) -> None:
    """Schedule the story up to ``end``; ``scenes`` learns who leads the last minutes'
    groups (``filled``, ``open``, ``waiting``).

    王小梅 (13900000001), a sales manager, sees commission in every state: pending and
    available from her team's purchases through her links, a clawback (an after-sales
    refund on an order whose commission was already released), a reversal (an order
    cancelled before it shipped), a withdrawal paid, one rejected and one waiting. 张伟
    (13900000003) is the friend who buys through her links.
    """
    wang = member(life, SHARER)
    zhang = member(life, FRIEND)
    duvet = item(life, "95% 白鹅绒羽绒被", "150 × 200cm")
    pillows = item(life, "泰国天然乳胶枕", "一对装")

    async def clawed_back(session: AsyncSession) -> None:
        order_id = await life.buy(session, zhang, [(duvet, 1)], wang)
        shipped = life.now() + timedelta(days=1)
        life.later(shipped, trade.ship_order, order_id, zhang, duvet.supplier_id)
        received = shipped + timedelta(days=2)
        life.later(received, life.confirm_receipt, order_id, zhang)
        # Commission is released seven days after completion; the refund comes after.
        life.later(received + timedelta(days=9), trade.refund, order_id, True)

    async def reversed_(session: AsyncSession) -> None:
        order_id = await life.buy(session, zhang, [(pillows, 1)], wang)
        life.later(life.now() + timedelta(hours=2), life.cancel, order_id, zhang)

    async def withdraw(session: AsyncSession, decision: str | None) -> None:
        balances = await wallet.summary(session, wang.user_id)
        amount = int(balances.available_fen * 0.6) // 100 * 100
        if amount >= 1_000:
            withdrawal = await wallet.request_withdrawal(session, wang.user_id, amount_fen=amount)
            if decision is not None:
                trade.decisions[withdrawal.id] = decision

    life.later(evening(end, 26), clawed_back)
    life.later(evening(end, 4), reversed_)
    life.later(evening(end, 21), withdraw, "approve")
    life.later(evening(end, 9), withdraw, "reject")
    # Groups filled three days and one day before the end: their batches are in
    # production and cut (waiting for the factory) when the history stops.
    _group_at(life, evening(end, 3), deal("三条装"), [], (150, 230), 2)
    _group_at(life, evening(end, 1), deal("10 颗装"), [], (230, 300), 1)
    _last_minutes(life, end, withdraw, scenes)


def member(life: Life, phone: str) -> Member:
    return next(m for m in life.members.values() if m.person.phone == phone)


def item(life: Life, title: str, sku: str) -> Item:
    return next(i for i in life.items if i.title == title and i.name == sku)


def deal(sku: str) -> DemoCampaign:
    return next(d for d in CAMPAIGNS if d.sku == sku)


def evening(end: datetime, days_before: int) -> datetime:
    """20:15 shop time, ``days_before`` days before ``end``."""
    day = (end - timedelta(days=days_before)).astimezone(get_settings().timezone)
    return day.replace(hour=20, minute=15, second=0, microsecond=0).astimezone(UTC)


def _last_minutes(
    life: Life,
    end: datetime,
    withdraw: Callable[[AsyncSession, str | None], Awaitable[None]],
    scenes: Scenes,
) -> None:
    """The live states a visitor finds: a group that has just filled (its demand is a
    batch still collecting), a group still open with a seat to take, a group waiting for
    its leader's payment, an order paid today and 王小梅's withdrawal waiting for the
    operator. Squeezed into today when the history ends just after midnight."""
    span = min(timedelta(hours=1), end - midnight(end))

    def before(minutes: int) -> datetime:
        return end - span * minutes / 60

    wang = member(life, SHARER)
    li = member(life, "13900000002")
    zhang = member(life, FRIEND)
    chen = member(life, "13900000004")
    _group_at(life, before(45), deal("单只装"), [chen, zhang], (0, 60), 1, scenes, "filled")
    _group_at(life, before(40), deal("三条装"), [wang, li], (60, 120), 1, scenes, "open")

    async def waiting(session: AsyncSession) -> None:
        leaders = [li, *_others(life, 120, 150)]
        group = await _open_first(session, life, deal("357g 单饼"), leaders, pays=False)
        if group is not None:
            scenes["waiting"] = _leader(life, group)

    async def paid_today(session: AsyncSession) -> None:
        await life.buy(session, zhang, [(item(life, "竹浆本色抽纸", "24 包整箱"), 1)], None)

    life.later(before(10), waiting)
    life.later(before(8), paid_today)
    life.later(before(5), withdraw, None)


def _others(life: Life, first: int, last: int) -> list[Member]:
    """Generated members (the demo logins and team heads left out), by joining order."""
    return [m for m in life.joined if not m.person.demo][4 + first : 4 + last]


def _leader(life: Life, group: Group) -> dict[str, str]:
    person = next(m.person for m in life.joined if m.user_id == group.leader_id)
    return {"phone": person.phone, "name": person.name}


def _group_at(
    life: Life,
    when: datetime,
    deal: DemoCampaign,
    first: list[Member],
    others: tuple[int, int],
    seats_taken: int,
    scenes: Scenes | None = None,
    scene: str = "",
) -> None:
    """At ``when``, the first of ``first`` and then of the generated members ``others``
    (a range, taken when the scene starts: few have joined when it is planned) that the
    campaign lets in opens a group of ``deal`` and pays; every few minutes after, another
    takes and pays a seat, until ``seats_taken`` seats are taken. Its leader is the
    ``scene`` of ``scenes``."""

    async def open_and_invite(session: AsyncSession) -> None:
        people = [*first, *_others(life, *others)]
        group = await _open_first(session, life, deal, people)
        if group is None:
            return
        if scenes is not None:
            scenes[scene] = _leader(life, group)
        for seat in range(1, seats_taken + 1):
            joiners = [m for m in people if m.user_id != group.leader_id]
            life.later(when + timedelta(minutes=4 * seat), _take_seat, life, group, joiners)

    life.later(when, open_and_invite)


async def _open_first(
    session: AsyncSession,
    life: Life,
    deal: DemoCampaign,
    leaders: list[Member],
    *,
    pays: bool = True,
) -> Group | None:
    """A group of ``deal`` opened (and paid for, if ``pays``) by the first of ``leaders``
    the campaign lets in (one who holds no seat of it yet)."""
    campaign = life.campaign_for(deal)
    if campaign is None:
        return None
    opened: list[Group] = []
    for leader in leaders:

        async def open_it(leader: Member = leader) -> None:
            group, view = await seats.open_group(
                session,
                campaign_id=campaign.id,
                leader_id=leader.user_id,
                address=leader.person.address,
            )
            if pays:
                await payments.confirm_sandbox(session, view.order.payment_id, leader.user_id)
                life.buyers[view.order.id] = leader
            opened.append(group)

        if await attempt(session, open_it):
            return opened[0]
    return None


async def _take_seat(
    session: AsyncSession, life: Life, group: Group, joiners: list[Member]
) -> None:
    """One more paid seat in ``group``, by the first of ``joiners`` the campaign lets in."""
    for joiner in joiners:

        async def join(joiner: Member = joiner) -> None:
            _, view = await seats.join_group(
                session, group_id=group.id, user_id=joiner.user_id, address=joiner.person.address
            )
            await payments.confirm_sandbox(session, view.order.payment_id, joiner.user_id)
            life.buyers[view.order.id] = joiner

        if await attempt(session, join):
            return
