"""The one place where modules react to each other's domain events.

Read top to bottom, this file is the business flow across modules. Handlers run inside
the transaction that raised the event.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import events
from quanzi.groupbuy import seats as groups
from quanzi.groupbuy.events import GroupSucceeded
from quanzi.identity.events import UserRegistered
from quanzi.identity.profile import add_profile_part
from quanzi.membership import profile as membership_profile
from quanzi.membership import service as membership
from quanzi.membership.events import MembershipActivated, MembershipEnded
from quanzi.orders import service as orders
from quanzi.orders.events import OrderCancelled, OrderCompleted, OrderPaid, OrderRefunded
from quanzi.payments.events import PaymentSucceeded
from quanzi.production import service as production
from quanzi.referral import binding as referral_binding
from quanzi.referral import memberships as referral_memberships
from quanzi.referral import reactions as referral_reactions
from quanzi.referral import service as referral
from quanzi.referral.commission import service as commissions


async def _group_demand(session: AsyncSession, event: GroupSucceeded) -> None:
    await production.add_group_demand(session, event.order_ids)


def install() -> None:
    """Subscribe every cross-module reaction (idempotent)."""
    events.clear()
    # Money arrived: the order is paid (or, if it was cancelled meanwhile, refunded).
    events.subscribe(PaymentSucceeded, orders.handle_payment_succeeded)
    # A paid order accrues commission (pending) for its sharer and their uplines. First of
    # the OrderPaid reactions, so a refund decided by a later one (a closed group) finds
    # the commission and reverses it.
    events.subscribe(OrderPaid, commissions.accrue)
    # A group order was paid: its seat counts; the leader's opens the group, the last
    # seat's makes it succeed (orders confirmed). Money for a closed group is refunded.
    events.subscribe(OrderPaid, groups.on_order_paid)
    # An unpaid group order was cancelled (payment window over): its seat is free again.
    events.subscribe(OrderCancelled, groups.on_order_cancelled)
    # A paid seat of a still-filling group was refunded: it no longer counts.
    events.subscribe(OrderRefunded, groups.on_order_refunded)
    # A group succeeded: its confirmed orders become demand in production batches (C2M).
    events.subscribe(GroupSucceeded, _group_demand)
    # A group order was refunded: its batch makes less, or its supplier is owed less.
    events.subscribe(OrderRefunded, production.apply_refund)
    # A membership fee was paid: the membership starts (or a renewal extends it), partner
    # codes are granted, the order completes. A full refund takes its days back (ending
    # the membership if nothing is left); an unpaid membership order lapsing cancels it.
    events.subscribe(OrderPaid, membership.on_order_paid)
    events.subscribe(OrderRefunded, membership.on_order_refunded)
    events.subscribe(OrderCancelled, membership.on_order_cancelled)
    # Member prices (自购省) and the plan's free-shipping threshold apply to active members.
    orders.set_member_check(membership.member_prices_apply)
    orders.set_free_shipping_check(membership.member_free_shipping_threshold)
    add_profile_part(membership_profile.profile_part)
    # A new user gets a place in the referral tree; an invite code binds them to its owner.
    events.subscribe(UserRegistered, referral_binding.on_user_registered)
    # A paid order counts for the share link it came through and (queued) for the team
    # sales of the buyer's ancestors; its share code binds the buyer per the binding mode.
    # A refund takes its goods amount back off both.
    events.subscribe(OrderPaid, referral_reactions.on_order_paid)
    events.subscribe(OrderRefunded, referral_reactions.on_order_refunded)
    # A shop owner starting or ending moves the team counts of every ancestor, and ranks
    # crossing a threshold change in the same transaction.
    events.subscribe(MembershipActivated, referral_memberships.on_membership_activated)
    events.subscribe(MembershipEnded, referral_memberships.on_membership_ended)
    add_profile_part(referral.profile_part)
    # Commission follows its order: completion starts the freeze (the worker releases it
    # to available afterwards); a refund reverses the matching share, or claws it back.
    events.subscribe(OrderCompleted, commissions.on_order_completed)
    events.subscribe(OrderRefunded, commissions.on_order_refunded)
