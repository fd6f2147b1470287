"""Redemptions at once, on PostgreSQL with threads: the stock and the balance are never
oversold, and every refusal is the one counted under the lock.

Each thread is a resident tapping 兑换 on their phone, with its own database connection,
released together by a barrier; they call the service the view calls
(`services.points.redeem`). With the row locks (the reward's, then the account's) each waits
for the one before, reads what is left and is told in words when nothing is: 50 residents
for 10 in stock make exactly 10 redemptions, and a resident with points for 3 tapping 10 times
redeems 3.

With the locks off (`GENXI_POINTS_LOCKING = False`, and a pause between checking and writing
so that the race shows on every run) every thread reads the stock and the balance before any
writes: the checks pass for all of them, and only the CheckConstraints stop the overselling,
with the other refusal; the ledger's balances, computed from what each read, are wrong. The
same assertions fail, which the tests below show with `pytest.raises(AssertionError)`.

In-process threads, not a server: the settings switch must reach the code that redeems.
"""

import threading
from typing import Any

import pytest
from django.db import connection, connections

from genxi.conftest import World
from genxi.core.services import ServiceError
from genxi.pioneers.models import PointAccount, PointEntry, Redemption, Reward
from genxi.pioneers.services import points as services
from genxi.places import services as places
from genxi.places.models import Resident

pytestmark = pytest.mark.django_db(transaction=True)

# The refusals counted under the lock (zh-hans): out of stock, not enough points.
COUNTED = ("库存不足", "积分不足")


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter (SQLite serialises every write)")


def burst(calls: list[Any]) -> list[Any]:
    """Run `calls` in threads released together; each answer is a Redemption or the error."""
    gate = threading.Barrier(len(calls))
    answers: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        try:
            gate.wait()
            answers[i] = calls[i]()
        except ServiceError as exc:
            answers[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def stocked(world: World, stock: int, cost: int = 10) -> Reward:
    return services.create_reward(
        actor=world["bob"], area=world.hetai, name="洗衣液", cost=cost, stock=stock
    )


def fifty_residents(world: World, reward: Reward) -> list[PointAccount]:
    residents = [
        places.create_resident(
            actor=None,
            name=f"居民{n:02d}",
            phone=f"1370000{n:04d}",
            area=world.building1,
            room=str(100 + n),
        )
        for n in range(50)
    ]
    item = services.create_item(
        actor=world["bob"], area=world.hetai, name="入户走访协助", points=reward.cost
    )
    services.award_many(actor=world["bob"], residents=residents, item=item)
    return list(PointAccount.objects.filter(resident__in=residents))


def race_fifty_for_ten(world: World) -> tuple[list[Any], Reward]:
    reward = stocked(world, 10)
    accounts = fifty_residents(world, reward)
    calls = [
        (lambda a=a: services.redeem(actor=world["erin"], account=a, reward=reward))
        for a in accounts
    ]
    return burst(calls), reward


def exactly_ten(answers: list[Any], reward: Reward) -> None:
    made = [a for a in answers if isinstance(a, Redemption)]
    refused = [a for a in answers if isinstance(a, ServiceError)]
    assert len(made) == 10 and len(refused) == 40
    assert all(r.code == "out_of_stock" and COUNTED[0] in r.message for r in refused)
    reward.refresh_from_db()
    assert reward.stock == 0
    assert Redemption.objects.filter(reward=reward).count() == 10
    assert len({r.code for r in made}) == 10
    assert PointAccount.objects.filter(balance=0).count() == 10


def test_fifty_residents_redeem_ten_in_stock_at_once_and_get_exactly_ten(world: World) -> None:
    # The setting as deployed (GENXI_POINTS_LOCKING unset means on).
    answers, reward = race_fifty_for_ten(world)
    exactly_ten(answers, reward)


def test_without_the_lock_the_same_race_fails_and_only_the_constraint_holds(
    world: World, settings: Any
) -> None:
    settings.GENXI_POINTS_LOCKING = False
    settings.GENXI_POINTS_RACE_DELAY_MS = 300
    answers, reward = race_fifty_for_ten(world)
    with pytest.raises(AssertionError):
        exactly_ten(answers, reward)
    # Every thread passed the stock check: the ones turned away learnt it from the constraint...
    refused = [a for a in answers if isinstance(a, ServiceError)]
    assert refused and all(r.code == "raced" for r in refused)
    # ...which still never lets the stock go below zero.
    reward.refresh_from_db()
    assert reward.stock == 0
    assert Redemption.objects.filter(reward=reward).count() == 10


def race_one_resident(world: World) -> tuple[list[Any], PointAccount]:
    reward = stocked(world, 100, cost=10)
    resident = Resident.objects.get(user=world["erin"])
    services.adjust(
        actor=world["bob"],
        account=PointAccount.objects.create(resident=resident),
        points=30,
        reason="补录三次志愿服务",
    )
    account = PointAccount.objects.get(resident=resident)
    calls = [
        (lambda: services.redeem(actor=world["erin"], account=account, reward=reward))
        for _ in range(10)
    ]
    return burst(calls), account


def exactly_three(answers: list[Any], account: PointAccount) -> None:
    made = [a for a in answers if isinstance(a, Redemption)]
    refused = [a for a in answers if isinstance(a, ServiceError)]
    assert len(made) == 3 and len(refused) == 7
    assert all(r.code == "not_enough" and COUNTED[1] in r.message for r in refused)
    account.refresh_from_db()
    assert account.balance == 0
    # The ledger adds up line by line: each balance is the one before less what was spent.
    after = list(
        PointEntry.objects.filter(account=account)
        .order_by("id")
        .values_list("points", "balance_after")
    )
    running = 0
    for points, balance in after:
        running += points
        assert balance == running


def test_one_resident_tapping_ten_times_with_points_for_three_gets_three(world: World) -> None:
    answers, account = race_one_resident(world)
    exactly_three(answers, account)


def test_without_the_lock_one_residents_taps_break_the_ledger(world: World, settings: Any) -> None:
    settings.GENXI_POINTS_LOCKING = False
    settings.GENXI_POINTS_RACE_DELAY_MS = 300
    answers, account = race_one_resident(world)
    with pytest.raises(AssertionError):
        exactly_three(answers, account)
    account.refresh_from_db()
    assert account.balance == 0  # the constraint: never below zero, whatever the ledger says
    assert Redemption.objects.filter(account=account).count() == 3
