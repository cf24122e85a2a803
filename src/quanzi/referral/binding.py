"""Binding users to referrers: invite codes at registration, share links, the share code on
a paid order, an explicit code later; the operator's mode decides whether a new arrival
replaces an existing binding (first touch, N days, latest wins).

Self-binding and cycles are refused along the whole chain (``binding_cycle``): binding X
under Y is refused if X is Y or an ancestor of Y. The check runs on chains locked by
:func:`quanzi.referral.tree.lock_chains`, so two bindings that would close a loop
together (A under B and B under A at once) are serialised and the second one is refused.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock, db, outbox
from quanzi.core.errors import Conflict, NotFound
from quanzi.identity import service as identity
from quanzi.identity.events import UserRegistered
from quanzi.referral import policy, ranks, rules, tree
from quanzi.referral.models import ReferralBindingChange, ReferralNode, ShareLink

LAPSED = "lapsed"


@dataclass(frozen=True)
class Binding:
    """A user's binding as it stands after an attempt: ``changed`` says whether the
    attempt (re)bound them."""

    user_id: uuid.UUID
    referrer_id: uuid.UUID | None
    bound_at: datetime | None
    expires_at: datetime | None
    via: str | None
    changed: bool


def cycle_refused(*, own: bool) -> Conflict:
    detail = (
        "You cannot be your own referrer."
        if own
        else "That referrer is in your own team: binding would close a loop."
    )
    return Conflict(detail, code="binding_cycle")


async def current_binding(session: AsyncSession, user_id: uuid.UUID) -> Binding:
    """The user's binding in force now (a lapsed ``days`` binding counts as none)."""
    node = await tree.get_node(session, user_id)
    if node is None or node.parent_id is None:
        return Binding(user_id, None, None, None, None, changed=False)
    if not rules.binding_active(node.expires_at, clock.now()):
        return Binding(user_id, None, None, None, None, changed=False)
    return Binding(
        user_id, node.parent_id, node.bound_at, node.expires_at, node.bound_via, changed=False
    )


async def referrer_of(session: AsyncSession, user_id: uuid.UUID) -> uuid.UUID | None:
    """Who ``user_id`` is bound to now, if anyone (one query)."""
    return (await current_binding(session, user_id)).referrer_id


async def bind(
    session: AsyncSession,
    user_id: uuid.UUID,
    referrer_id: uuid.UUID,
    *,
    via: str,
    share_link_id: uuid.UUID | None = None,
) -> Binding:
    """Bind ``user_id`` under ``referrer_id`` if the operator's mode lets this arrival do
    it; refuses self-binding and loops with 409 ``binding_cycle``.

    Moving a member moves their whole team: the old ancestors lose and the new ones gain
    the member, the team, its shop owners and its sales, and ranks crossing a threshold
    either way change in this transaction.
    """
    if user_id == referrer_id:
        raise cycle_refused(own=True)
    current = await policy.get_policy(session)
    now = clock.now()
    # Most arrivals leave an existing binding alone: decide on a plain read first, and take
    # chain locks only when the binding may change (then decide again on locked rows).
    node = await tree.get_node(session, user_id)
    if node is not None and not _binds(current, node, referrer_id, now):
        return _unchanged(node)
    await tree.ensure_nodes(session, [user_id, referrer_id])
    chains = await tree.lock_chains(session, [user_id, referrer_id])
    node = await tree.get_node(session, user_id)
    assert node is not None
    if not _binds(current, node, referrer_id, now):
        return _unchanged(node)
    if rules.would_cycle(user_id, referrer_id, chains[referrer_id]):
        raise cycle_refused(own=False)
    expires_at = rules.binding_expiry(current.binding_mode, current.binding_days, now)
    await _move(
        session,
        node,
        old_ancestors=chains[user_id][1:],
        new_ancestors=chains[referrer_id],
        expires_at=expires_at,
        via=via,
        share_link_id=share_link_id,
    )
    return Binding(user_id, referrer_id, now, expires_at, via, changed=True)


def _binds(
    current: policy.Policy, node: ReferralNode, referrer_id: uuid.UUID, now: datetime
) -> bool:
    decision = rules.binding_decision(
        current.binding_mode,
        current_referrer=node.parent_id,
        current_expires_at=node.expires_at,
        new_referrer=referrer_id,
        now=now,
    )
    return decision == "bind"


def _unchanged(node: ReferralNode) -> Binding:
    return Binding(
        node.user_id, node.parent_id, node.bound_at, node.expires_at, node.bound_via, changed=False
    )


async def _move(
    session: AsyncSession,
    node: ReferralNode,
    *,
    old_ancestors: list[uuid.UUID],
    new_ancestors: list[uuid.UUID],
    expires_at: datetime | None,
    via: str,
    share_link_id: uuid.UUID | None,
) -> None:
    """Re-hang ``node`` (and its team) from its old parent to ``new_ancestors[0]`` (or to
    nowhere when ``new_ancestors`` is empty)."""
    team = tree.subtree_of(node)
    owner = 1 if node.is_owner else 0
    if old_ancestors:
        await tree.add_direct(session, old_ancestors[0], children=-1, owners=-owner)
        await tree.add_to_chain(session, old_ancestors, -team)
    if new_ancestors:
        await tree.add_direct(session, new_ancestors[0], children=1, owners=owner)
        await tree.add_to_chain(session, new_ancestors, team)
    new_parent = new_ancestors[0] if new_ancestors else None
    now = clock.now()
    await tree.set_parent(
        session,
        node.user_id,
        parent_id=new_parent,
        bound_at=now if new_parent else None,
        expires_at=expires_at,
        via=via if new_parent else None,
        share_link_id=share_link_id,
    )
    session.add(
        ReferralBindingChange(
            user_id=node.user_id,
            from_parent_id=old_ancestors[0] if old_ancestors else None,
            to_parent_id=new_parent,
            via=via,
            share_link_id=share_link_id,
            expires_at=expires_at,
            created_at=now,
        )
    )
    await session.flush()
    await outbox.emit(
        session,
        "referral.bound" if new_parent else "referral.unbound",
        {
            "user_id": str(node.user_id),
            "referrer_id": outbox.json_id(new_parent),
            "previous_referrer_id": outbox.json_id(old_ancestors[0] if old_ancestors else None),
            "via": via,
        },
    )
    if team.owners:
        cause = "a team moved in or out" if new_parent else "a binding lapsed"
        await ranks.rerank(
            session,
            {*old_ancestors, *new_ancestors},
            await ranks.current_rank_rules(session),
            cause=cause,
        )


async def bind_quietly(
    session: AsyncSession,
    user_id: uuid.UUID,
    referrer_id: uuid.UUID,
    *,
    via: str,
    share_link_id: uuid.UUID | None = None,
) -> Binding | None:
    """:func:`bind` for arrivals nobody asked to bind (a click, an order): a refused loop
    or self-binding changes nothing and is not an error. Refusals come before any write."""
    try:
        return await bind(session, user_id, referrer_id, via=via, share_link_id=share_link_id)
    except Conflict as refusal:
        if refusal.code != "binding_cycle":
            raise
        return None


async def bind_by_code(session: AsyncSession, user_id: uuid.UUID, code: str) -> Binding:
    """Bind the caller through a share code or an invite code (404
    ``referral_code_unknown`` if it is neither)."""
    share_code = rules.normalize_share_code(code)
    if share_code is not None:
        link = await session.scalar(select(ShareLink).where(ShareLink.code == share_code))
        if link is not None:
            return await bind(
                session, user_id, link.sharer_id, via=rules.VIA_SHARE, share_link_id=link.id
            )
    referrer = await identity.find_by_invite_code(session, code)
    if referrer is None:
        raise NotFound("No member has that invite or share code.", code="referral_code_unknown")
    return await bind(session, user_id, referrer.id, via=rules.VIA_INVITE)


async def on_user_registered(session: AsyncSession, event: UserRegistered) -> None:
    """Every new user gets a node; one who registered with an invite code is bound."""
    await tree.ensure_nodes(session, [event.user_id])
    if event.referrer_id is not None:
        await bind(session, event.user_id, event.referrer_id, via=rules.VIA_INVITE)


async def lapse_binding(session: AsyncSession, user_id: uuid.UUID) -> bool:
    """Remove ``user_id``'s ``days`` binding if it has lapsed (their team leaves the old
    ancestors' counts with them); ``False`` if it has not (any more)."""
    now = clock.now()
    claim = (
        select(tree.nodes.c.user_id)
        .where(
            tree.nodes.c.user_id == user_id,
            tree.nodes.c.parent_id.is_not(None),
            tree.nodes.c.expires_at <= now,
        )
        .with_for_update(key_share=True, skip_locked=True)
    )
    if await session.scalar(claim) is None:
        return False
    chain = (await tree.lock_chains(session, [user_id]))[user_id]
    node = await tree.get_node(session, user_id)
    if node is None or node.parent_id is None or rules.binding_active(node.expires_at, now):
        return False
    await _move(
        session,
        node,
        old_ancestors=chain[1:],
        new_ancestors=[],
        expires_at=None,
        via=LAPSED,
        share_link_id=None,
    )
    return True


async def lapse_expired_bindings(limit: int) -> int:
    """Worker sweep: remove up to ``limit`` lapsed ``days`` bindings, one transaction each.

    Until it runs, a lapsed binding already stops counting for attribution and commission
    (``uplines``/``referrer_of`` skip it); the sweep moves the team counts.
    """

    async def due(session: AsyncSession) -> list[uuid.UUID]:
        result = await session.scalars(
            select(tree.nodes.c.user_id)
            .where(tree.nodes.c.parent_id.is_not(None), tree.nodes.c.expires_at <= clock.now())
            .order_by(tree.nodes.c.expires_at)
            .limit(limit)
        )
        return list(result)

    done = 0
    for user_id in await db.transaction(due):

        async def one(session: AsyncSession, user_id: uuid.UUID = user_id) -> bool:
            return await lapse_binding(session, user_id)

        if await db.transaction(one):
            done += 1
    return done
