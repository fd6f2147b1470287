"""The assessment: each indicator computed from records made through the services, the parts
and the re-spread shares, grades, the scheme's rules, ratings and residents' stars, compute.

carol's November 2026 (time frozen on Wednesday 25 November):
- plan: 101, 201, 302 of 1幢; visited 101 and 302 in November (302 also in October) → 2/3;
- demands: two recorded (target 4 a month) → 2/4; one due 17 Nov resolved 25 Nov (late), one
  due 27 Nov resolved 25 Nov (on time) → 1/2;
- call-backs: bob called the late one back "not satisfied", carol the other "satisfied" → 1/2
  satisfied; carol's one call-back within 5 days of the resolution → 1/1;
- a two-hour volunteer shift (target 4 hours) → 2/4; one activity (target 1) → 1/1.
"""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from genxi.activities.models import Activity, ActivityKind, ActivityStatus, Session
from genxi.activities.services import checkin
from genxi.conftest import World
from genxi.core.services import ConcurrentEdit, ServiceError
from genxi.demands import services as demands
from genxi.demands.models import Category, Demand, HandlingPath, Satisfaction, Visit
from genxi.pioneers import assessment as engine
from genxi.pioneers.models import (
    Assessment,
    IndicatorKey,
    PeriodKind,
    PlanItem,
    Rating,
    ResidentRating,
    VisitPlan,
)
from genxi.pioneers.services import assessment as services
from genxi.places import services as places
from genxi.places.models import Pioneer

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=SH)
NOVEMBER = engine.period_of(PeriodKind.MONTH, date(2026, 11, 1))


@pytest.fixture
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@dataclass
class Month:
    late: Demand
    on_time: Demand
    activity: Activity


def category() -> Category:
    root = demands.create_category(actor=None, name="公共设施", response_days=1, resolution_days=10)
    return demands.create_category(
        actor=None, name="出入口与通道", parent=root, response_days=1, resolution_days=5
    )


def plan(world: World, pioneer: Pioneer, month: date, rooms: list[str]) -> VisitPlan:
    """Stands in for the visit plan helper B's `plans.plan_for` makes: the same rows."""
    made = VisitPlan.objects.create(pioneer=pioneer, month=month)
    for rank, room in enumerate(rooms, start=1):
        PlanItem.objects.create(plan=made, area=world.building1, room=room, rank=rank)
    return made


def visit(world: World, room: str, day: date) -> Visit:
    return Visit.objects.create(
        pioneer=world["carol"], area=world.building1, room=room, visited_on=day
    )


def resolve(world: World, demand: Demand) -> Demand:
    demands.accept(actor=world["bob"], demand=demand)
    demands.verify(actor=world["bob"], demand=demand, findings="现场核实")
    demands.assign(actor=world["bob"], demand=demand, path=HandlingPath.COMMUNITY)
    demands.resolve(actor=world["bob"], demand=demand, result="已修好")
    demand.refresh_from_db()
    return demand


def carols_month(world: World) -> Month:
    """Everything listed in the module's docstring, made through the services."""
    cat = category()
    plan(world, world.pioneer, date(2026, 11, 1), ["101", "201", "302"])
    visit(world, "101", date(2026, 11, 3))
    visit(world, "302", date(2026, 11, 20))
    visit(world, "302", date(2026, 10, 20))  # October's: not November's plan
    visit(world, "401", date(2026, 11, 21))  # not in the plan
    common = {
        "actor": world["carol"],
        "category": cat,
        "area": world.building1,
        "channel": "visit",
        "reporters": [world.resident1],
    }
    late = demands.collect_demand(title="楼道灯坏了", today=date(2026, 11, 10), **common)
    on_time = demands.collect_demand(title="南门太窄", today=date(2026, 11, 20), **common)
    assert late.resolution_due == date(2026, 11, 17)
    assert on_time.resolution_due == date(2026, 11, 27)
    for d in (late, on_time):
        resolve(world, d)
    demands.record_callback(
        actor=world["bob"],
        demand=late,
        resident=world.resident1,
        result=Satisfaction.NOT_SATISFIED,
    )
    demands.record_callback(
        actor=world["carol"], demand=on_time, resident=world.resident1, result="satisfied"
    )
    activity = Activity.objects.create(
        title="敬老志愿服务",
        kind=ActivityKind.VOLUNTEER,
        owner=world.hetai,
        street=world.street,
        status=ActivityStatus.PUBLISHED,
    )
    session = Session.objects.create(
        activity=activity, starts_at=NOW - timedelta(hours=3), ends_at=NOW
    )
    shift = checkin.volunteer_check_in(
        actor=None, session=session, user=world["carol"], at=NOW - timedelta(hours=3)
    )
    checkin.volunteer_check_out(actor=None, shift=shift, at=NOW - timedelta(hours=1))
    return Month(late, on_time, activity)


def figures_of(result: engine.Result) -> dict[str, tuple[float, float, Decimal | None]]:
    return {f.key: (f.numerator, f.denominator, f.score) for f in result.figures}


@pytest.mark.django_db
def test_each_indicator_is_computed_from_the_records(world: World, frozen: None) -> None:
    carols_month(world)
    [result] = engine.assess([world.pioneer], NOVEMBER, engine.default_scheme())
    got = figures_of(result)
    assert got[IndicatorKey.VISITS] == (2, 3, Decimal("66.67"))
    assert got[IndicatorKey.DEMANDS] == (2, 4, Decimal("50.00"))
    assert got[IndicatorKey.ON_TIME] == (1, 2, Decimal("50.00"))
    assert got[IndicatorKey.SATISFACTION] == (1, 2, Decimal("50.00"))
    assert got[IndicatorKey.CALLBACKS] == (1, 1, Decimal("100.00"))
    assert got[IndicatorKey.HOURS] == (2.0, 4, Decimal("50.00"))
    assert got[IndicatorKey.ACTIVITIES] == (1, 1, Decimal("100.00"))
    # 25×66.67 + 15×50 ×3 + 10×100 + 10×50 + 10×100, over 100.
    assert result.street == Decimal("64.17")
    # No community rating nor stars yet: the indicators' part is the whole total.
    assert (result.community, result.resident) == (None, None)
    assert result.total == Decimal("64.17") and result.respread
    assert result.grade == "不合格"


@pytest.mark.django_db
def test_a_month_without_a_plan_leaves_visits_out_and_respreads_its_weight(
    world: World, frozen: None
) -> None:
    visit(world, "101", date(2026, 11, 3))
    [result] = engine.assess([world.pioneer], NOVEMBER, engine.default_scheme())
    visits = next(f for f in result.figures if f.key == IndicatorKey.VISITS)
    assert visits.score is None and visits.as_json()["applicable"] is False
    # Only the counted indicators apply (all zero): the street's part is 0, not None.
    assert result.street == Decimal("0.00")


@pytest.mark.django_db
def test_ratings_and_stars_make_the_other_parts(world: World, frozen: None) -> None:
    carols_month(world)
    services.rate(
        actor=world["bob"],
        pioneer=world.pioneer,
        period_kind=PeriodKind.MONTH,
        period_start=date(2026, 11, 1),
        score=90,
    )
    services.rate_pioneer(
        actor=world["erin"], resident=world.resident1, pioneer=world.pioneer, stars=4
    )
    [result] = engine.assess([world.pioneer], NOVEMBER, engine.default_scheme())
    assert (result.community, result.resident) == (Decimal("90.00"), Decimal("80.00"))
    # 60% × 64.17 + 30% × 90 + 10% × 80
    assert result.total == Decimal("73.50") and not result.respread
    assert result.grade == "基本合格"
    # A quarter without its own rating takes the months' average.
    quarter = engine.period_of(PeriodKind.QUARTER, date(2026, 11, 1))
    [q] = engine.assess([world.pioneer], quarter, engine.default_scheme())
    assert q.community == Decimal("90.00")


def test_combine_respreads_missing_shares_in_proportion() -> None:
    total, spread = engine.combine((60, 30, 10), (Decimal(80), None, Decimal(100)))
    assert total == Decimal("82.86") and spread  # (60×80 + 10×100) / 70
    assert engine.combine((60, 30, 10), (None, None, None)) == (Decimal(0), True)
    assert engine.combine((100, 0, 0), (Decimal(50), None, None)) == (Decimal("50.00"), False)


@pytest.mark.django_db
def test_many_pioneers_take_the_same_number_of_queries(
    world: World, frozen: None, django_assert_max_num_queries: object
) -> None:
    carols_month(world)
    scheme = engine.default_scheme()
    with CaptureCount() as one:
        engine.assess([world.pioneer], NOVEMBER, scheme)
    others = [
        places.appoint_pioneer(
            actor=None,
            name=f"先锋{n}",
            community=world.hetai,
            appointed_on=date(2026, 1, 1),
            grids=[world.grid2],
        )
        for n in range(5)
    ]
    with CaptureCount() as six:
        results = engine.assess([world.pioneer, *others], NOVEMBER, scheme)
    assert len(results) == 6
    assert six.count == one.count


class CaptureCount:
    def __enter__(self) -> "CaptureCount":
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        self._ctx = CaptureQueriesContext(connection)
        self._ctx.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._ctx.__exit__(*exc)
        self.count = len(self._ctx.captured_queries)


# ---------------------------------------------------------------- the scheme


SEVEN = [
    ("visits", 25, None),
    ("demands", 15, 4),
    ("on_time", 15, None),
    ("satisfaction", 15, None),
    ("callbacks", 10, None),
    ("hours", 10, 4),
    ("activities", 10, 1),
]
GRADES = [("优秀", 95), ("合格", 80), ("基本合格", 70), ("不合格", 0)]


def save(world: World, **kwargs: object) -> object:
    fields: dict[str, object] = {
        "actor": world["alice"],
        "area": world.street,
        "street_share": 60,
        "community_share": 30,
        "resident_share": 10,
        "indicators": SEVEN,
        "grades": GRADES,
    }
    return services.save_scheme(**{**fields, **kwargs})


@pytest.mark.django_db
def test_the_scheme_is_saved_and_used_by_communities_below(world: World) -> None:
    scheme = save(world)
    effective = engine.scheme_for(world.hetai)
    assert effective.scheme == scheme
    assert effective.shares == (60, 30, 10)
    assert [r.key for r in effective.indicators] == [k for k, _w, _t in SEVEN]
    assert effective.grade_for(Decimal("94.99")) == "合格"
    assert effective.grade_for(Decimal(95)) == "优秀"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"resident_share": 20}, "add up to 100; now they add up to 110"),
        ({"indicators": SEVEN[:-1]}, "weights must add up to 100; now they add up to 90"),
        ({"indicators": [*SEVEN[:-1], ("activities", 10, None)]}, "monthly target"),
        ({"indicators": [*SEVEN, ("visits", 1, None)]}, "listed twice"),
        ({"indicators": [("bogus", 100, None)]}, "from the list"),
        ({"grades": [("优秀", 90), ("合格", 90), ("不合格", 0)]}, "overlap"),
        ({"grades": [("优秀", 90), ("合格", 60)]}, "start at 0"),
        ({"grades": [("优秀", 90), ("优秀", 0)]}, "different name"),
        ({"grades": [("优秀", 101), ("合格", 0)]}, "from 0 to 100"),
    ],
)
def test_a_bad_scheme_is_refused_and_nothing_saved(
    world: World, change: dict[str, object], message: str, settings: object
) -> None:
    settings.LANGUAGE_CODE = "en"
    from django.utils import translation

    with translation.override("en"), pytest.raises(ServiceError, match=message):
        save(world, **change)
    assert engine.scheme_for(world.hetai).scheme is None


@pytest.mark.django_db
def test_two_editors_of_one_scheme_the_second_is_stale(world: World) -> None:
    scheme = save(world)
    seen = scheme.updated_at
    save(world, street_share=50, community_share=40, expected_updated_at=seen)
    with pytest.raises(ConcurrentEdit):
        save(world, street_share=70, community_share=20, expected_updated_at=seen)
    with pytest.raises(ConcurrentEdit):  # an editor who saw no scheme yet
        save(world)
    assert engine.scheme_for(world.street).shares == (50, 40, 10)


# ---------------------------------------------------------------- ratings


@pytest.mark.django_db
def test_the_community_rating_is_bounded_and_compare_and_set(world: World, frozen: None) -> None:
    kwargs = {
        "pioneer": world.pioneer,
        "period_kind": PeriodKind.MONTH,
        "period_start": date(2026, 11, 1),
    }
    for bad in (101, -1, 10**12):
        with pytest.raises(ServiceError):
            services.rate(actor=world["bob"], score=bad, **kwargs)
    rating = services.rate(actor=world["bob"], score=88, **kwargs)
    with pytest.raises(ConcurrentEdit):  # a second "first" rating: someone rated meanwhile
        services.rate(actor=world["alice"], score=70, **kwargs)
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        services.rate(actor=world["bob"], score=92, expected_updated_at=rating.updated_at, **kwargs)
    with pytest.raises(ConcurrentEdit):  # the other editor's form is stale now
        services.rate(
            actor=world["alice"], score=60, expected_updated_at=rating.updated_at, **kwargs
        )
    assert Rating.objects.get().score == 92
    with pytest.raises(ServiceError):  # a period not started yet
        services.rate(
            actor=world["bob"],
            pioneer=world.pioneer,
            period_kind=PeriodKind.MONTH,
            period_start=date(2026, 12, 1),
            score=80,
        )


@pytest.mark.django_db
def test_a_resident_rates_the_pioneer_of_their_grid_once_a_month(
    world: World, frozen: None
) -> None:
    token = uuid.uuid4()
    first = services.rate_pioneer(
        actor=None, resident=world.resident1, pioneer=world.pioneer, stars=5, token=token
    )
    again = services.rate_pioneer(
        actor=None, resident=world.resident1, pioneer=world.pioneer, stars=5, token=token
    )
    assert first.pk == again.pk  # a retried form
    with pytest.raises(ServiceError, match=r"本月|this month"):
        services.rate_pioneer(actor=None, resident=world.resident1, pioneer=world.pioneer, stars=3)
    with pytest.raises(ServiceError):  # resident2 lives in grid 2: not carol's
        services.rate_pioneer(actor=None, resident=world.resident2, pioneer=world.pioneer, stars=3)
    for bad in (0, 6, 10**12):
        with pytest.raises(ServiceError):
            services.rate_pioneer(
                actor=None, resident=world.resident1, pioneer=world.pioneer, stars=bad
            )
    assert ResidentRating.objects.count() == 1


# ---------------------------------------------------------------- compute


@pytest.mark.django_db
def test_compute_stores_every_pioneer_and_recomputes_in_place(world: World, frozen: None) -> None:
    carols_month(world)
    other = places.appoint_pioneer(
        actor=None,
        name="宝祥先锋",
        community=world.baoxiang,
        appointed_on=date(2026, 1, 1),
    )
    count = services.compute(
        actor=world["alice"],
        area=world.street,
        period_kind=PeriodKind.MONTH,
        period_start=date(2026, 11, 1),
    )
    assert count == 2
    row = Assessment.objects.get(pioneer=world.pioneer)
    assert row.total == Decimal("64.17") and row.grade == "不合格"
    assert {f["key"]: f["score"] for f in row.indicators}["visits"] == 66.67
    services.rate(
        actor=world["bob"],
        pioneer=world.pioneer,
        period_kind=PeriodKind.MONTH,
        period_start=date(2026, 11, 1),
        score=100,
    )
    services.compute(
        actor=world["alice"],
        area=world.street,
        period_kind=PeriodKind.MONTH,
        period_start=date(2026, 11, 1),
    )
    assert Assessment.objects.count() == 2
    assert Assessment.objects.get(pioneer=world.pioneer).community_score == 100
    assert Assessment.objects.get(pioneer=other).street_score == 0
    with pytest.raises(ServiceError):
        services.compute(
            actor=world["alice"],
            area=world.street,
            period_kind=PeriodKind.QUARTER,
            period_start=date(2027, 1, 1),
        )
    with pytest.raises(ServiceError):  # not the first day of a period
        services.compute(
            actor=world["alice"],
            area=world.street,
            period_kind=PeriodKind.MONTH,
            period_start=date(2026, 11, 5),
        )


@pytest.mark.django_db
def test_an_ended_pioneer_is_assessed_for_the_months_they_served(world: World) -> None:
    with time_machine.travel(NOW, tick=False):
        world.pioneer.status = "ended"
        world.pioneer.ended_on = date(2026, 10, 15)
        world.pioneer.save(update_fields=["status", "ended_on"])
        october = engine.period_of(PeriodKind.MONTH, date(2026, 10, 1))
        assert list(engine.pioneers_in(world.street, october)) == [world.pioneer]
        assert list(engine.pioneers_in(world.street, NOVEMBER)) == []


@pytest.mark.django_db
def test_resident_card_shows_the_grid_pioneer_and_the_stars(world: World, frozen: None) -> None:
    assert engine.resident_card(world["erin"]) is None  # grid 2: nobody covers it
    grid2 = places.appoint_pioneer(
        actor=None,
        name="二网格先锋",
        community=world.hetai,
        appointed_on=date(2026, 1, 1),
        grids=[world.grid2],
    )
    card = engine.resident_card(world["erin"])
    assert card["pioneer"] == grid2 and card["rating"] is None
    services.rate_pioneer(actor=world["erin"], resident=card["resident"], pioneer=grid2, stars=4)
    assert engine.resident_card(world["erin"])["rating"].stars == 4
    assert timezone.localdate() == date(2026, 11, 25)
