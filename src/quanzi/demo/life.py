"""What the demo shop's members do, day by day: they join (through an invite code, a code
entered later or a friend's share link), some buy the shop-owner membership, they shop
(often through a friend's share link), open and join groups, confirm receipts, cancel now
and then, share products with friends who open the links, and ask for their commission.

Every step is a request the API or the pages would make, through the same service; the
shop's side (suppliers and operator) is in :mod:`quanzi.demo.trade`. Random choices come
from the history's seeded ``random.Random``.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.catalog.queries import get_product_view
from quanzi.core.config import get_settings
from quanzi.demo import cast
from quanzi.demo.calendar import Calendar
from quanzi.demo.catalog import CAMPAIGNS, PASSWORD, PRODUCTS, DemoCampaign, Shop
from quanzi.demo.names import USER_AGENTS
from quanzi.groupbuy import seats
from quanzi.groupbuy.models import GroupCampaign
from quanzi.identity import service as identity
from quanzi.membership import service as membership
from quanzi.orders import service as orders
from quanzi.payments import service as payments
from quanzi.referral import rules as referral_rules
from quanzi.referral import service as referral
from quanzi.wallet import service as wallet

# When people shop (local hour, weight): lunch and the evening.
SHOPPING_HOURS = (
    (7, 1), (8, 2), (9, 3), (10, 4), (11, 5), (12, 7), (13, 6), (14, 4), (15, 4),
    (16, 4), (17, 4), (18, 5), (19, 7), (20, 9), (21, 10), (22, 8), (23, 4),
)  # fmt: skip
CANCEL_NOTES = ("拍错了规格", "不想要了", "地址填错了，重新下单")
MIN_WITHDRAWAL_FEN = 5_000
MIN_SHOPPERS = 2


@dataclass(frozen=True)
class Item:
    """A SKU on sale, as the history needs it."""

    sku_id: uuid.UUID
    product_id: uuid.UUID
    supplier_id: uuid.UUID
    title: str
    name: str
    stock: int
    """The stock the demo catalogue starts with (restocked back to it when low)."""


@dataclass
class Member:
    person: cast.Person
    user_id: uuid.UUID
    invite_code: str
    favourites: list[Item]
    owner: bool = False
    links: dict[uuid.UUID, str] = field(default_factory=dict)
    """Product id → the member's share code for it."""

    @property
    def visitor_key(self) -> str:
        """The member's browser cookie (``qz_vid``) when they open a share link."""
        return f"demo-visitor-{self.person.phone}"


Step = Callable[..., Awaitable[None]]


@dataclass
class Life:
    """The members' side of the history."""

    calendar: Calendar
    rng: random.Random
    shop: Shop
    people: list[cast.Person]
    password_hash: str
    start: datetime
    items: list[Item] = field(default_factory=list)
    members: dict[int, Member] = field(default_factory=dict)
    joined: list[Member] = field(default_factory=list)
    running: dict[uuid.UUID, GroupCampaign] = field(default_factory=dict)
    """Running campaigns by SKU, as the operator left them this morning."""
    buyers: dict[uuid.UUID, Member] = field(default_factory=dict)
    """Goods orders paid during the history and who paid them."""
    dispatch: Callable[[uuid.UUID, Member, uuid.UUID], None] = field(
        default=lambda order_id, buyer, supplier_id: None
    )
    """Hands a paid everyday order to its supplier (set by :class:`~quanzi.demo.trade.Trade`)."""

    # --- scheduling -----------------------------------------------------------------

    def later(self, when: datetime, step: Step, *args: object) -> None:
        """Do ``step(session, *args)`` at ``when``."""

        async def act(session: AsyncSession) -> None:
            await step(session, *args)

        self.calendar.at(when, act)

    def day_start(self, day: int) -> datetime:
        """Midnight (shop time) of the history's ``day``-th calendar day."""
        zone = get_settings().timezone
        first = self.start.astimezone(zone).date()
        return datetime.combine(first + timedelta(days=day), time(0), tzinfo=zone).astimezone(UTC)

    def shopping_time(self, day0: datetime) -> datetime:
        hours = [hour for hour, _ in SHOPPING_HOURS]
        hour = self.rng.choices(hours, [weight for _, weight in SHOPPING_HOURS])[0]
        return day0 + timedelta(hours=hour, minutes=self.rng.uniform(0, 59))

    # --- the cast -------------------------------------------------------------------

    async def begin(self, session: AsyncSession) -> None:
        """Load the catalogue, the demo members the set-up made, and schedule everyone's
        arrival and shop-owner membership."""
        initial = {(p.title, sku.name): sku.stock for p in PRODUCTS for sku in p.skus}
        for title, product_id in self.shop.product_ids.items():
            view = await get_product_view(session, product_id, public=False)
            self.items += [
                Item(
                    sku.id,
                    product_id,
                    view.product.supplier_id,
                    title,
                    sku.name,
                    initial[(title, sku.name)],
                )
                for sku in view.skus
            ]
        for person in self.people:
            when = self.start + timedelta(days=person.joins_at)
            if person.demo:
                user = await identity.find_by_phone(session, person.phone)
                assert user is not None, "the set-up makes the demo members"
                self._welcome(person, user.id, user.invite_code)
                if person.via == cast.CODE and person.referrer is not None:
                    referrer = self.people[person.referrer]
                    self.later(
                        self.start + timedelta(days=referrer.joins_at, hours=2),
                        self.enter_code,
                        person.key,
                    )
            else:
                self.later(when, self.register, person)
            if person.owner_at is not None:
                self.later(
                    self.start + timedelta(days=person.owner_at), self.become_owner, person.key
                )

    def _welcome(self, person: cast.Person, user_id: uuid.UUID, invite_code: str) -> Member:
        liked = self.rng.sample(self.items, 5)
        member = Member(person, user_id, invite_code, liked)
        self.members[person.key] = member
        self.joined.append(member)
        return member

    def circle(self, member: Member) -> list[Member]:
        """The member's referrer, invitees and fellow invitees who have joined."""
        me = member.person
        return [
            other
            for other in self.joined
            if other is not member
            and (
                other.person.key == me.referrer
                or other.person.referrer == me.key
                or (me.referrer is not None and other.person.referrer == me.referrer)
            )
        ]

    # --- joining --------------------------------------------------------------------

    async def register(self, session: AsyncSession, person: cast.Person) -> None:
        """Sign up, with the referrer's invite code when that is how they were invited."""
        referrer = None if person.referrer is None else self.members.get(person.referrer)
        user = await identity.create_user(
            session,
            phone=person.phone,
            password=PASSWORD,
            display_name=person.name,
            invite_code=referrer.invite_code if referrer and person.via == cast.INVITE else None,
            password_hash=self.password_hash,
        )
        member = self._welcome(person, user.id, user.invite_code)
        if referrer is None:
            return
        if person.via == cast.SHARE:
            minutes = self.rng.uniform(5, 90)
            self.later(self.now() + timedelta(minutes=minutes), self.open_invitation, member)
        elif person.via == cast.CODE:
            hours = self.rng.uniform(0.5, 30)
            self.later(self.now() + timedelta(hours=hours), self.enter_code, person.key)

    def now(self) -> datetime:
        return self.calendar.clock.now()

    async def open_invitation(self, session: AsyncSession, member: Member) -> None:
        """The new member, logged in, opens the referrer's share link: the click binds them."""
        assert member.person.referrer is not None
        referrer = self.members[member.person.referrer]
        code = await self.product_link(session, referrer, self.rng.choice(referrer.favourites))
        await self.click(session, code, member)

    async def enter_code(self, session: AsyncSession, key: int) -> None:
        """The member types the referrer's invite code on the team page."""
        member = self.members[key]
        assert member.person.referrer is not None
        referrer = self.members.get(member.person.referrer)
        if referrer is not None:
            await referral.bind_by_code(session, member.user_id, referrer.invite_code)

    async def become_owner(self, session: AsyncSession, key: int) -> None:
        """Buy the shop-owner membership and pay for it at once."""
        member = self.members.get(key)
        if member is None:
            return
        view = await membership.buy(session, user_id=member.user_id, plan_id=self.shop.plan_id)
        await payments.confirm_sandbox(session, view.order.payment_id, member.user_id)
        member.owner = True

    # --- sharing --------------------------------------------------------------------

    async def product_link(self, session: AsyncSession, sharer: Member, item: Item) -> str:
        """The sharer's link to the item's product, as the share button hands it out (made
        the first time; the code is remembered once it is known to exist)."""
        code = sharer.links.get(item.product_id)
        if code is None:
            link, created = await referral.create_link(
                session,
                sharer.user_id,
                target_kind=referral_rules.PRODUCT,
                target_id=item.product_id,
            )
            code = link.code
            if not created:
                # Made by an earlier request, so a refusal of this one cannot undo it.
                sharer.links[item.product_id] = code
        return code

    async def click(self, session: AsyncSession, code: str, visitor: Member | None) -> None:
        """Someone opens a share link: a member (logged in) or an anonymous friend."""
        key = visitor.visitor_key if visitor else f"demo-visitor-{self.rng.getrandbits(48):x}"
        await referral.record_click(
            session,
            code,
            visitor_id=visitor.user_id if visitor else None,
            visitor_key=key,
            user_agent=self.rng.choice(USER_AGENTS),
        )

    async def share_product(self, session: AsyncSession, member: Member) -> None:
        """A shop owner posts a product in a chat group; a few friends open it over the day
        without buying."""
        code = await self.product_link(session, member, self.rng.choice(member.favourites))
        for _ in range(self.rng.randint(1, 3)):
            hours = self.rng.uniform(0.1, 9)
            self.later(self.now() + timedelta(hours=hours), self.click, code, None)

    def sharer_for(self, buyer: Member) -> Member | None:
        """Whose link a purchase goes through: usually the referrer's when they are a shop
        owner (shop owners shopping for themselves buy at member price instead)."""
        if buyer.person.referrer is None:
            return None
        referrer = self.members.get(buyer.person.referrer)
        if referrer is None or not referrer.owner:
            return None
        return referrer if self.rng.random() < (0.2 if buyer.owner else 0.7) else None

    # --- shopping -------------------------------------------------------------------

    def basket(self, member: Member) -> list[tuple[Item, int]]:
        """One or two SKUs of one supplier (each order ships from one factory)."""
        first = (
            self.rng.choice(member.favourites)
            if self.rng.random() < 0.7
            else self.rng.choice(self.items)
        )
        lines = [(first, 2 if self.rng.random() < 0.15 else 1)]
        if self.rng.random() < 0.2:
            others = [
                i for i in self.items if i.supplier_id == first.supplier_id and i is not first
            ]
            lines.append((self.rng.choice(others), 1))
        return lines

    async def buy(
        self,
        session: AsyncSession,
        member: Member,
        lines: Sequence[tuple[Item, int]],
        sharer: Member | None,
    ) -> uuid.UUID:
        """Place an order through ``sharer``'s link (opened first, unless the buyer kept the
        product page from an earlier visit) and pay it."""
        code = None
        if sharer is not None:
            code = await self.product_link(session, sharer, lines[0][0])
            if self.rng.random() < 0.6:
                await self.click(session, code, member)
        view = await orders.place_order(
            session,
            buyer_id=member.user_id,
            lines=[orders.LineRequest(item.sku_id, quantity) for item, quantity in lines],
            address=member.person.address,
            share_code=code,
        )
        await payments.confirm_sandbox(session, view.order.payment_id, member.user_id)
        self.buyers[view.order.id] = member
        return view.order.id

    async def go_shopping(self, session: AsyncSession, member: Member, sure: bool = False) -> None:
        """An everyday purchase; a few are left unpaid (the payment window closes them,
        unless the buyer is ``sure``) and a few are cancelled after payment, before they
        ship."""
        lines = self.basket(member)
        if self.rng.random() < 0.05 and not sure:
            await orders.place_order(
                session,
                buyer_id=member.user_id,
                lines=[orders.LineRequest(item.sku_id, quantity) for item, quantity in lines],
                address=member.person.address,
            )
            return
        order_id = await self.buy(session, member, lines, self.sharer_for(member))
        if self.rng.random() < 0.03:
            hours = self.rng.uniform(0.3, 3)
            self.later(self.now() + timedelta(hours=hours), self.cancel, order_id, member)
        else:
            self.dispatch(order_id, member, lines[0][0].supplier_id)

    async def cancel(self, session: AsyncSession, order_id: uuid.UUID, member: Member) -> None:
        """The buyer cancels a paid order that has not shipped: a full refund."""
        await orders.cancel_order(
            session, order_id, buyer_id=member.user_id, note=self.rng.choice(CANCEL_NOTES)
        )

    async def confirm_receipt(
        self, session: AsyncSession, order_id: uuid.UUID, member: Member
    ) -> None:
        await orders.confirm_receipt(session, order_id, buyer_id=member.user_id)

    # --- group buying ---------------------------------------------------------------

    def campaign_for(self, deal: DemoCampaign) -> GroupCampaign | None:
        """The deal's running campaign, unless it ends within two hours."""
        item = next(i for i in self.items if i.title == deal.product and i.name == deal.sku)
        campaign = self.running.get(item.sku_id)
        if campaign is None or campaign.ends_at <= self.now() + timedelta(hours=2):
            return None
        return campaign

    async def open_group(self, session: AsyncSession, leader: Member, deal: DemoCampaign) -> None:
        """Open a group, pay the leader's seat (a few leaders never do: the group fails when
        the payment window closes), share the group link and plan who answers: most groups
        fill, some end short (and fail, or get the platform's last seat)."""
        campaign = self.campaign_for(deal)
        if campaign is None:
            return
        group, view = await seats.open_group(
            session,
            campaign_id=campaign.id,
            leader_id=leader.user_id,
            address=leader.person.address,
        )
        if self.rng.random() < 0.04:
            return
        await payments.confirm_sandbox(session, view.order.payment_id, leader.user_id)
        self.buyers[view.order.id] = leader
        link, _ = await referral.create_link(
            session, leader.user_id, target_kind=referral_rules.GROUP, target_id=group.id
        )
        missing = campaign.group_size - 1
        answers = missing if self.rng.random() < 0.8 else self.rng.randint(0, missing - 1)
        deadline = min(self.now() + timedelta(minutes=campaign.duration_minutes), campaign.ends_at)
        friends = self.circle(leader)
        taken = {leader.person.key}
        for _ in range(answers):
            pool = [f for f in friends if f.person.key not in taken]
            from_friends = bool(pool) and self.rng.random() < 0.65
            if not from_friends:
                pool = [m for m in self.joined if m.person.key not in taken]
            joiner = self.rng.choice(pool)
            taken.add(joiner.person.key)
            when = self.now() + (deadline - self.now()) * self.rng.uniform(0.02, 0.85)
            self.later(when, self.join_group, group.id, joiner, link.code if from_friends else None)

    async def join_group(
        self, session: AsyncSession, group_id: uuid.UUID, member: Member, code: str | None
    ) -> None:
        """Take a seat (a friend through the leader's link, a stranger from the campaign
        page) and pay for it, or now and then not."""
        if code is not None:
            await self.click(session, code, member)
        _, view = await seats.join_group(
            session,
            group_id=group_id,
            user_id=member.user_id,
            address=member.person.address,
            share_code=code,
        )
        if self.rng.random() < 0.04:
            return
        await payments.confirm_sandbox(session, view.order.payment_id, member.user_id)
        self.buyers[view.order.id] = member

    # --- money ----------------------------------------------------------------------

    async def ask_for_commission(self, session: AsyncSession, member: Member) -> None:
        """A shop owner with money available takes out part of it (whole yuan, ¥10 steps)."""
        balances = await wallet.summary(session, member.user_id)
        if balances.available_fen < MIN_WITHDRAWAL_FEN:
            return
        share = self.rng.uniform(0.5, 1.0)
        amount = min(int(balances.available_fen * share) // 1_000 * 1_000, 300_000)
        await wallet.request_withdrawal(session, member.user_id, amount_fen=amount)

    # --- a day ----------------------------------------------------------------------

    def plan_day(self, day0: datetime, weekend: bool, scripted: set[int]) -> None:
        """Who shops, shares, opens groups and asks for money on the day starting at
        ``day0`` (shop midnight)."""
        lift = 1.25 if weekend else 1.0
        shoppers = 0
        for member in list(self.joined):
            person = member.person
            if self.rng.random() < person.appetite / 30 * lift:
                self.later(self.shopping_time(day0), self.go_shopping, member)
                shoppers += 1
            if member.owner and self.rng.random() < person.sharing * 0.05:
                self.later(self.shopping_time(day0), self.share_product, member)
            if member.owner and person.key not in scripted and self.rng.random() < 0.035:
                self.later(self.shopping_time(day0), self.ask_for_commission, member)
        # The shop is never idle a whole day, even in its first week with a handful of
        # members: its keenest buyers take the daily deal.
        keen = [m.person.appetite for m in self.joined]
        for _ in range(MIN_SHOPPERS - shoppers):
            buyer = self.rng.choices(self.joined, keen)[0]
            self.later(self.shopping_time(day0), self.go_shopping, buyer, True)
        opens = sum(1 for _ in range(8) if self.rng.random() < (0.07 + len(self.joined) / 2000))
        for _ in range(opens):
            weights = [m.person.group_fan for m in self.joined]
            leader = self.rng.choices(self.joined, weights)[0]
            deal = self.rng.choice(CAMPAIGNS)
            self.later(self.shopping_time(day0), self.open_group, leader, deal)
