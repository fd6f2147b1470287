"""Two staff rating one pioneer's month at once, on PostgreSQL with threads: one wins, the other
is told the rating changed (stale), never overwritten silently. Both when each saw the same
rating (the row lock in `services.rate` makes the second wait and see the first's stamp) and when
neither saw one yet (the unique (pioneer, period) constraint turns the second away).

Each thread has its own database connection, released together by a barrier."""

import threading
from datetime import date
from typing import Any

import pytest
import time_machine
from django.db import connection, connections

from genxi.conftest import World
from genxi.core.services import ConcurrentEdit
from genxi.pioneers.models import PeriodKind, Rating
from genxi.pioneers.services import assessment as services
from genxi.pioneers.tests.test_assessment import NOW

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter (SQLite serialises every write)")


def race(world: World, scores: list[int], stamp: Any) -> list[Any]:
    gate = threading.Barrier(len(scores))
    answers: list[Any] = [None] * len(scores)
    actors = [world["bob"], world["alice"]]

    def rate(i: int) -> None:
        try:
            gate.wait()
            answers[i] = services.rate(
                actor=actors[i],
                pioneer=world.pioneer,
                period_kind=PeriodKind.MONTH,
                period_start=date(2026, 11, 1),
                score=scores[i],
                expected_updated_at=stamp,
            )
        except ConcurrentEdit as exc:
            answers[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=rate, args=(i,)) for i in range(len(scores))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def test_two_first_ratings_at_once_one_wins(world: World) -> None:
    with time_machine.travel(NOW, tick=True):
        answers = race(world, [80, 60], None)
    won = [a for a in answers if isinstance(a, Rating)]
    assert len(won) == 1 and sum(isinstance(a, ConcurrentEdit) for a in answers) == 1
    assert Rating.objects.get().score == won[0].score


def test_two_edits_of_one_rating_at_once_one_wins(world: World) -> None:
    with time_machine.travel(NOW, tick=True):
        first = services.rate(
            actor=world["bob"],
            pioneer=world.pioneer,
            period_kind=PeriodKind.MONTH,
            period_start=date(2026, 11, 1),
            score=70,
        )
        answers = race(world, [90, 50], first.updated_at)
    won = [a for a in answers if isinstance(a, Rating)]
    assert len(won) == 1 and sum(isinstance(a, ConcurrentEdit) for a in answers) == 1
    assert Rating.objects.get().score == won[0].score
