"""Two phones at once, on PostgreSQL with threads: the same visit form sent twice records one
visit and one demand per ask; two people opening a month at once make one plan.

Each thread has its own database connection, released together by a barrier. What keeps the
second out is the database: the one-time token's unique constraint (the visit) and the plan's
unique (pioneer, month), whose loser returns the winner's row.
"""

import threading
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import time_machine
from django.db import connection, connections

from genxi.conftest import World
from genxi.demands import services as demands
from genxi.demands.models import Demand, Visit
from genxi.demands.services import Ask, record_visit
from genxi.pioneers.models import PlanItem, VisitPlan
from genxi.pioneers.services.plans import plan_for
from genxi.pioneers.tests.conftest import Households

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions are a PostgreSQL matter (SQLite serialises writes)")


def at_once(work: Callable[[], Any], n: int = 2) -> list[Any]:
    gate = threading.Barrier(n)
    answers: list[Any] = [None] * n

    def run(i: int) -> None:
        try:
            gate.wait()
            answers[i] = work()
        except Exception as exc:  # reported below
            answers[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def test_the_same_visit_sent_from_two_phones_at_once_is_recorded_once(
    world: World, households: Households
) -> None:
    category = demands.create_category(
        actor=None, name="生活服务", response_days=1, resolution_days=5
    )
    token = uuid.uuid4()

    def send() -> Visit:
        return record_visit(
            actor=world["carol"],
            area=world.building1,
            room="101",
            visited_on=date.today(),
            met=[households.sun],
            asks=[Ask("想申请助餐", category)],
            token=token,
        )

    answers = at_once(send)
    assert all(isinstance(a, Visit) for a in answers), answers
    assert answers[0].pk == answers[1].pk
    assert Visit.objects.filter(room="101").count() == 1
    assert Demand.objects.count() == 1


def test_two_people_opening_the_month_at_once_make_one_plan(
    world: World, households: Households
) -> None:
    with time_machine.travel("2026-11-20 10:00 +0800", tick=False):
        answers = at_once(lambda: plan_for(world.pioneer, date(2026, 11, 1)), n=3)
    assert all(isinstance(a, VisitPlan) for a in answers), answers
    assert len({a.pk for a in answers}) == 1
    assert VisitPlan.objects.count() == 1
    assert PlanItem.objects.count() == 4
