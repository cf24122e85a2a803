"""The demo's cast, decided before anything is written: the same seed gives the same
people, and the tree it grows reaches every rank of the demo's commission plan."""

from __future__ import annotations

import random

from quanzi.demo import cast, names
from quanzi.demo.history import DEMO_PLAN, SEED
from quanzi.identity.rules import normalize_phone
from quanzi.referral.commission.compliance import check_plan


def _people() -> list[cast.Person]:
    return cast.plan(random.Random(SEED))


def test_the_same_seed_gives_the_same_people() -> None:
    assert _people() == _people()
    assert _people() != cast.plan(random.Random(SEED + 1))


def test_people_have_their_own_names_phones_and_addresses() -> None:
    people = _people()
    assert len(people) == len(cast.ROLES) + cast.GENERATED - 3
    assert len({p.phone for p in people}) == len(people)
    assert len({p.name for p in people}) == len(people)
    for person in people:
        assert normalize_phone(person.phone) == person.phone
        assert person.address["phone"] == person.phone
        assert 0 <= person.joins_at < cast.DAYS


def test_referrers_join_first_and_owners_buy_after_joining() -> None:
    people = _people()
    for person in people:
        if person.referrer is not None:
            referrer = people[person.referrer]
            assert referrer.joins_at <= person.joins_at or person.demo
            assert person.via in (cast.INVITE, cast.CODE, cast.SHARE)
        if person.owner_at is not None:
            assert person.joins_at <= person.owner_at < cast.DAYS


def _team_owners(people: list[cast.Person], phone: str) -> int:
    head = next(p for p in people if p.phone == phone)

    def under_head(person: cast.Person) -> bool:
        while person.referrer is not None:
            person = people[person.referrer]
            if person.key == head.key:
                return True
        return False

    return sum(1 for p in people if p.owner_at is not None and under_head(p))


def test_the_planned_tree_reaches_every_rank() -> None:
    people = _people()
    assert _team_owners(people, cast.SERVICE_MANAGER) >= cast.SERVICE_MANAGER_AT
    for phone in cast.SALES_MANAGERS:
        assert cast.SALES_MANAGER_AT <= _team_owners(people, phone) < cast.SERVICE_MANAGER_AT


def test_the_demo_plan_is_compliant_and_only_lowers_the_thresholds() -> None:
    assert check_plan(DEMO_PLAN).ok
    assert DEMO_PLAN.rank_thresholds == {
        "sales_manager": cast.SALES_MANAGER_AT,
        "service_manager": cast.SERVICE_MANAGER_AT,
    }


def test_names_and_tracking_numbers_look_real() -> None:
    rng = random.Random(1)
    drawn = names.person_names(rng, 200, taken=["王小梅"])
    assert len(set(drawn)) == 200
    assert "王小梅" not in drawn
    assert all(2 <= len(name) <= 4 for name in drawn)
    carrier, number = names.tracking(rng, "顺丰速运")
    assert carrier == "顺丰速运"
    assert number.startswith("SF")
    assert len(number) == 15
