"""Who is who in the demo shop's history, decided before anything is written: when each
member joins, who brought them in and how, whether and when they become a shop owner, how
often they shop and share. Pure: the history acts it out through the services.

The tree is grown on purpose so that every rank exists at the end: 周建国 (a generated
member, login printed by ``quanzi demo``) heads the big team and becomes a service manager;
王小梅 (demo member 13900000001) and 刘芳 build teams under him and become sales
managers; 赵磊 runs a small independent team; the rest join through them or on their own.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from quanzi.demo import names

DAYS = 90
GENERATED = 300

# How a member came to their referrer: the referrer's invite code at registration, a code
# entered later on the team page, or the referrer's share link opened while logged in.
INVITE, CODE, SHARE = "invite", "code", "share"

# The shop-owner thresholds of the demo's commission plan (team shop owners).
SALES_MANAGER_AT = 20
SERVICE_MANAGER_AT = 50


@dataclass(frozen=True)
class Person:
    key: int
    phone: str
    name: str
    joins_at: float
    """Days after the history starts."""
    referrer: int | None
    via: str
    owner_at: float | None
    """When they buy the shop-owner membership (``None``: never)."""
    appetite: float
    """Goods orders they place per 30 days."""
    sharing: float
    """How eagerly they share products and groups (0..1)."""
    group_fan: float
    """The chance they answer a friend's group invitation."""
    address: dict[str, str]
    demo: bool = False
    """A fixed demo login, created by the shop's set-up rather than by the history."""


@dataclass(frozen=True)
class Role:
    """A fixed character: the demo logins and the heads of the teams."""

    phone: str
    name: str
    joins_at: float
    referrer: str | None
    via: str
    owner_at: float | None
    appetite: float
    sharing: float
    demo: bool = False


# Team heads first, then the demo members (their referrals are the set-up's, see catalog).
ROLES = (
    Role(names.member_phone(1), "周建国", 0.01, None, "", 0.02, 1.5, 0.9),
    Role("13900000001", "王小梅", 0.0, names.member_phone(1), CODE, 0.3, 2.0, 1.0, demo=True),
    Role(names.member_phone(2), "刘芳", 0.4, names.member_phone(1), INVITE, 0.6, 1.5, 0.9),
    Role(names.member_phone(3), "赵磊", 1.0, None, "", 1.2, 1.5, 0.7),
    Role("13900000002", "李晓明", 0.0, "13900000001", INVITE, 2.5, 2.0, 0.8, demo=True),
    Role("13900000003", "张伟", 0.0, "13900000001", INVITE, None, 4.0, 0.2, demo=True),
    Role("13900000004", "陈静", 0.0, "13900000002", INVITE, 6.0, 2.0, 0.6, demo=True),
)
SERVICE_MANAGER = names.member_phone(1)
SALES_MANAGERS = ("13900000001", names.member_phone(2))

# Who a generated member joins under (a team head's team, or nobody) and how likely.
TEAMS = (
    ("13900000001", 0.30),
    (names.member_phone(2), 0.27),
    (names.member_phone(1), 0.20),
    (names.member_phone(3), 0.11),
    (None, 0.12),
)


def _join_day(rng: random.Random) -> float:
    """Sign-ups grow through the quarter: a day twice as likely at the end as at the start."""
    while True:
        day = rng.uniform(1.5, DAYS)
        if rng.random() < (1 + day / DAYS) / 2:
            return day


def _referrer(rng: random.Random, team: list[Person], head: Person, joins_at: float) -> Person:
    """Someone of the team who joined before: the head most often, then shop owners (who
    share), now and then a plain member."""
    joined = [p for p in team if p.joins_at < joins_at]
    weights = [
        6.0
        if p.key == head.key
        else (1.5 * p.sharing if p.owner_at is not None and p.owner_at < joins_at else 0.2)
        for p in joined
    ]
    return rng.choices(joined, weights)[0]


def plan(rng: random.Random) -> list[Person]:
    """The shop's members in order of joining (the fixed roles first)."""
    taken = [role.name for role in ROLES]
    people: list[Person] = []
    by_phone: dict[str, Person] = {}
    for role in ROLES:
        person = Person(
            key=len(people),
            phone=role.phone,
            name=role.name,
            joins_at=role.joins_at,
            referrer=None if role.referrer is None else by_phone[role.referrer].key,
            via=role.via,
            owner_at=role.owner_at,
            appetite=role.appetite,
            sharing=role.sharing,
            group_fan=0.6,
            address=names.address(rng, role.name, role.phone),
            demo=role.demo,
        )
        people.append(person)
        by_phone[role.phone] = person
    teams: dict[str, list[Person]] = {
        phone: [by_phone[phone]] for phone, _ in TEAMS if phone is not None
    }
    # 王小梅's team includes the demo members she brought in at set-up.
    teams["13900000001"] += [by_phone[p] for p in ("13900000002", "13900000003", "13900000004")]
    joins = sorted(_join_day(rng) for _ in range(GENERATED - 3))
    generated = names.person_names(rng, len(joins), taken=taken)
    for number, (joins_at, name) in enumerate(zip(joins, generated, strict=True), start=4):
        phone = names.member_phone(number)
        head_phone = rng.choices([t for t, _ in TEAMS], [w for _, w in TEAMS])[0]
        referrer: Person | None = None
        if head_phone is not None:
            referrer = _referrer(rng, teams[head_phone], by_phone[head_phone], joins_at)
        becomes_owner = rng.random() < (0.45 if referrer is not None else 0.25)
        owner_at = joins_at + rng.expovariate(1 / 6) if becomes_owner else None
        person = Person(
            key=len(people),
            phone=phone,
            name=name,
            joins_at=joins_at,
            referrer=None if referrer is None else referrer.key,
            via="" if referrer is None else rng.choices((INVITE, SHARE, CODE), (7, 2, 1))[0],
            owner_at=owner_at if owner_at is not None and owner_at < DAYS - 0.1 else None,
            appetite=rng.uniform(0.7, 1.8) if becomes_owner else rng.uniform(0.2, 1.0),
            sharing=rng.uniform(0.2, 0.9) if becomes_owner else 0.0,
            group_fan=rng.uniform(0.2, 0.8),
            address=names.address(rng, name, phone),
        )
        people.append(person)
        by_phone[phone] = person
        if head_phone is not None:
            teams[head_phone].append(person)
    return people
