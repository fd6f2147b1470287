"""Fixtures shared by the activities' tests: a lecture with one session and 3 seats at the
和泰 corridor, run by 和泰社区 and open to the whole street; and a class with a term."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from genxi.activities.models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Course,
    Offering,
    Session,
    Term,
)
from genxi.conftest import World


@dataclass
class Lecture:
    activity: Activity
    session: Session
    offering: Offering


def at(days: int, hour: int, minute: int = 0) -> datetime:
    """Today plus `days`, at a local time."""
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@pytest.fixture
def lecture(world: World) -> Lecture:
    world.venue.opens_at, world.venue.closes_at = time(8), time(21)
    world.venue.save(update_fields=["opens_at", "closes_at"])
    activity = Activity.objects.create(
        title="冬季健康讲座",
        kind=ActivityKind.LECTURE,
        owner=world.hetai,
        street=world.street,
        venue=world.venue,
        status=ActivityStatus.PUBLISHED,
        audience=["residents", "elderly"],
    )
    activity.open_to.set([world.street])
    session = Session.objects.create(
        activity=activity, starts_at=at(3, 14), ends_at=at(3, 16), venue=world.venue
    )
    offering = Offering.objects.create(activity=activity, session=session, capacity=3)
    return Lecture(activity=activity, session=session, offering=offering)


@pytest.fixture
def term_offering(world: World) -> Offering:
    activity = Activity.objects.create(
        title="老年大学",
        kind=ActivityKind.CLASS,
        owner=world.hetai,
        street=world.street,
        status=ActivityStatus.PUBLISHED,
    )
    activity.open_to.set([world.street])
    course = Course.objects.create(activity=activity, name="声乐")
    term = Term.objects.create(course=course, name="2027 春季")
    for week in range(4):
        Session.objects.create(
            activity=activity,
            term=term,
            starts_at=at(7 * week + 7, 9),
            ends_at=at(7 * week + 7, 11),
        )
    return Offering.objects.create(
        activity=activity,
        term=term,
        capacity=40,
        intake="draw",
        opens_at=at(-1, 9),
        closes_at=at(5, 17),
    )
