"""The panels of activities, co-building, pioneers and inspections: exact numbers for a street,
a community and a district, each count equal to the rows behind it, and nothing of 元和街道 or
of another period counted."""

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from genxi.activities.tests.test_figures import build_season
from genxi.cobuilding.models import PointKind, ServicePoint
from genxi.cobuilding.tests.test_figures import build as build_cobuilding
from genxi.conftest import World
from genxi.dashboards import registry
from genxi.dashboards.periods import Period, so_far
from genxi.dashboards.registry import COUNT, RATE, Scope, Value
from genxi.demands.services import record_visit
from genxi.inspections.models import (
    Finding,
    FindingStatus,
    FixMode,
    Group,
    GroupMember,
    Round,
    RoundStatus,
)
from genxi.pioneers.models import Assessment, PeriodKind
from genxi.pioneers.services import appointments
from genxi.places import services as places
from genxi.places.models import Area, Pioneer

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 5)
OCT_NOV = Period("quarter", date(2026, 10, 1), date(2026, 11, 30))
OCTOBER = Period("month", date(2026, 10, 1), date(2026, 10, 31))
NOVEMBER = Period("month", date(2026, 11, 1), date(2026, 11, 30))
YEAR_2025 = Period("year", date(2025, 1, 1), date(2025, 12, 31))

MY_KEYS = {
    "activities": ["activities.held", "activities.participants", "activities.residents_reached"],
    "cobuilding": [
        "cobuilding.agreements",
        "cobuilding.on_time_rate",
        "cobuilding.resources_delivered",
    ],
    "pioneers": ["pioneers.appointed", "pioneers.visits", "pioneers.grades"],
    "inspections": ["inspections.findings", "inspections.rectified_rate", "inspections.by_status"],
}


def district(world: World) -> Area:
    parent = world.street.parent
    assert parent is not None
    return parent


def resolve(row: Any, path: str) -> Any:
    """The column's value, strictly: a wrong path fails here, not as an empty cell."""
    for part in path.split("."):
        if row is None:
            return None
        row = getattr(row, part)
    return row


def values(panel: str, area: Area, period: Period, today: date = TODAY) -> dict[str, Value]:
    scope = Scope(area, period, today)
    result = registry.panel(panel).compute(scope)
    assert sorted(result) == sorted(MY_KEYS[panel])
    # Every count is its rows' count; a rate's value is its rows' (the numerator's) count.
    for figure in registry.panel(panel).figures:
        if figure.unit in (COUNT, RATE):
            assert figure.rows is not None and figure.columns, figure.key
            assert result[figure.key].value == figure.rows(scope).count(), figure.key
        if figure.rows is not None:
            for row in figure.rows(scope)[:5]:
                for _header, path in figure.columns:
                    resolve(row, path)
    return result


def numbers(result: dict[str, Value]) -> dict[str, Any]:
    return {
        key: (v.value, v.denominator) if v.denominator is not None else (v.items or v.value)
        for key, v in result.items()
    }


def test_every_key_of_the_table_is_registered() -> None:
    keys = {f.key for f in registry.figures()}
    for panel, wanted in MY_KEYS.items():
        assert set(wanted) <= keys
        assert [f.key for f in registry.panel(panel).figures] == wanted
    orders = {p.key: p.order for p in registry.panels()}
    assert [orders[p] for p in MY_KEYS] == [50, 60, 70, 80]


def test_every_figure_has_its_definition_and_columns() -> None:
    for panel in MY_KEYS:
        for figure in registry.panel(panel).figures:
            assert str(figure.numerator) and str(figure.counted_from), figure.key
            assert figure.rows is not None and figure.columns, figure.key
            if figure.unit == RATE:
                assert str(figure.denominator), figure.key


# Activities: the season of activities' own figures test (October and November 2026).


def test_activities_of_the_street(world: World, django_assert_max_num_queries: Any) -> None:
    build_season(world)
    with django_assert_max_num_queries(13):
        result = registry.panel("activities").compute(Scope(world.street, OCT_NOV, TODAY))
    assert numbers(result) == {
        "activities.held": 3,
        "activities.participants": 6,
        "activities.residents_reached": 4,
    }
    assert numbers(values("activities", world.street, OCT_NOV)) == numbers(result)
    assert numbers(values("activities", district(world), OCT_NOV)) == numbers(result)


def test_activities_of_a_community_and_a_month(world: World) -> None:
    build_season(world)
    # 宝祥's class: two sessions, 周福珍 twice and 高福妹 once.
    assert numbers(values("activities", world.baoxiang, OCT_NOV)) == {
        "activities.held": 1,
        "activities.participants": 3,
        "activities.residents_reached": 2,
    }
    # November: the class's second session and the fair.
    assert numbers(values("activities", world.street, NOVEMBER)) == {
        "activities.held": 2,
        "activities.participants": 2,
        "activities.residents_reached": 2,
    }


def test_the_activities_of_yuanhe_are_its_own(world: World) -> None:
    build_season(world)
    # 娄北's lecture (its one attendance): not in 白洋湾's numbers above, only in its own.
    assert numbers(values("activities", world.other_street, OCT_NOV)) == {
        "activities.held": 1,
        "activities.participants": 1,
        "activities.residents_reached": 1,
    }


def test_activities_so_far(world: World) -> None:
    build_season(world)
    # The class's session of 2027 is not held yet.
    assert numbers(values("activities", world.street, so_far(TODAY))) == {
        "activities.held": 3,
        "activities.participants": 6,
        "activities.residents_reached": 4,
    }


def test_residents_reached_lists_each_person_once(world: World) -> None:
    build_season(world)
    scope = Scope(world.street, OCT_NOV, TODAY)
    people = registry.figure("activities.residents_reached").rows
    assert people is not None
    assert sorted(r.name for r in people(scope)) == sorted(
        ["周福珍", "许向前", "路过的王阿姨", "高福妹"]
    )


# Co-building: the records of its own figures test (2025).


@pytest.fixture
def point(world: World) -> ServicePoint:
    return ServicePoint.objects.create(
        community=world.hetai,
        name="舍得空间",
        kind=PointKind.RECYCLING,
        provider=world.partner,
        venue=world.venue,
        phone="051265000000",
    )


def test_cobuilding_of_the_street(
    world: World, point: ServicePoint, django_assert_max_num_queries: Any
) -> None:
    build_cobuilding(world, point)
    with django_assert_max_num_queries(10):
        result = registry.panel("cobuilding").compute(Scope(world.street, YEAR_2025, TODAY))
    # A1 and the agreement ended in March (not the draft, the one over in 2024, nor 娄北's);
    # 4 items due, 2 on time (娄北's left out); the one delivery made with a resource.
    expected = {
        "cobuilding.agreements": 2,
        "cobuilding.on_time_rate": (2, 4),
        "cobuilding.resources_delivered": 1,
    }
    assert numbers(result) == expected
    assert result["cobuilding.on_time_rate"].percent == 50.0
    assert numbers(values("cobuilding", world.street, YEAR_2025)) == expected
    assert numbers(values("cobuilding", district(world), YEAR_2025)) == expected


def test_cobuilding_of_a_community_another_street_and_another_year(
    world: World, point: ServicePoint
) -> None:
    build_cobuilding(world, point)
    assert numbers(values("cobuilding", world.baoxiang, YEAR_2025)) == {
        "cobuilding.agreements": 1,
        "cobuilding.on_time_rate": (0, 0),
        "cobuilding.resources_delivered": 0,
    }
    assert numbers(values("cobuilding", world.other_street, YEAR_2025)) == {
        "cobuilding.agreements": 1,
        "cobuilding.on_time_rate": (1, 1),
        "cobuilding.resources_delivered": 0,
    }
    # 2024: the agreement over in 2024 and the one ended in 2025 (it began in 2024).
    year_2024 = Period("year", date(2024, 1, 1), date(2024, 12, 31))
    assert numbers(values("cobuilding", world.street, year_2024)) == {
        "cobuilding.agreements": 2,
        "cobuilding.on_time_rate": (0, 0),
        "cobuilding.resources_delivered": 0,
    }


# Pioneers.


def appoint(world: World, name: str, community: Area, on: date, **fields: Any) -> Pioneer:
    return places.appoint_pioneer(
        actor=world["alice"] if community != world.loubei else None,
        name=name,
        community=community,
        appointed_on=on,
        **fields,
    )


def assessment(pioneer: Pioneer, kind: str, start: date, end: date, total: str, grade: str) -> None:
    # The stored result as `pioneers.services.assessment.compute` writes it.
    Assessment.objects.create(
        pioneer=pioneer,
        period_kind=kind,
        period_start=start,
        period_end=end,
        street_score=Decimal(total),
        total=Decimal(total),
        grade=grade,
    )


@pytest.fixture
def pioneers(world: World) -> dict[str, Pioneer]:
    """和泰: carol (since 2025); 宝祥: 王 (from 15 November), 李 (ended 20 October), 赵 (term
    over 15 October), 钱 (suspended); 娄北: 孙. Visits in October and November; the October
    assessments."""
    made = {
        "wang": appoint(world, "王先锋", world.baoxiang, date(2026, 11, 15)),
        "li": appoint(world, "李先锋", world.baoxiang, date(2026, 1, 1)),
        "zhao": appoint(
            world, "赵先锋", world.baoxiang, date(2026, 1, 1), term_ends_on=date(2026, 10, 15)
        ),
        "qian": appoint(world, "钱先锋", world.baoxiang, date(2026, 1, 1)),
        "sun": appoint(world, "孙先锋", world.loubei, date(2026, 1, 1)),
    }
    appointments.end(actor=world["alice"], pioneer=made["li"], reason="搬离本社区")
    Pioneer.objects.filter(pk=made["li"].pk).update(ended_on=date(2026, 10, 20))
    appointments.suspend(actor=world["alice"], pioneer=made["qian"], reason="外出务工")

    carol = world["carol"]
    for day, room, building in [
        (date(2026, 10, 3), "302", world.building1),
        (date(2026, 10, 28), "302", world.building1),
        (date(2026, 11, 2), "302", world.building1),
        (date(2026, 9, 30), "302", world.building1),  # the month before
    ]:
        record_visit(actor=carol, area=building, room=room, visited_on=day, nobody_home=True)
    # Street staff may record one too: a visit to a household of 2幢.
    record_visit(
        actor=world["alice"],
        area=world.building2,
        room="101",
        visited_on=date(2026, 10, 9),
        met=[world.resident2],
    )
    record_visit(
        actor=world["oscar"],
        area=world.loubei_building,
        room="201",
        visited_on=date(2026, 10, 9),
        nobody_home=True,
    )

    october = (PeriodKind.MONTH, date(2026, 10, 1), date(2026, 10, 31))
    assessment(world.pioneer, *october, "96.50", "优秀")
    assessment(made["li"], *october, "81.00", "合格")
    assessment(made["qian"], *october, "85.00", "合格")
    assessment(made["sun"], *october, "60.00", "不合格")  # 娄北
    assessment(
        world.pioneer, PeriodKind.MONTH, date(2026, 9, 1), date(2026, 9, 30), "70", "基本合格"
    )
    assessment(
        world.pioneer, PeriodKind.QUARTER, date(2026, 10, 1), date(2026, 12, 31), "90", "合格"
    )
    return made


def test_pioneers_of_the_street_in_october(
    world: World, pioneers: dict[str, Pioneer], django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(3):
        registry.panel("pioneers").compute(Scope(world.street, OCTOBER, TODAY))
    # Serving on 31 October: carol, 李 (ended on the 20th: no), 赵 (term over: no), 钱 (suspended
    # now: no), 王 (from November: no). Visits: carol's two and alice's one of October.
    expected = {
        "pioneers.appointed": 1,
        "pioneers.visits": 3,
        "pioneers.grades": [["优秀", 1], ["合格", 2]],
    }
    assert numbers(values("pioneers", world.street, OCTOBER)) == expected
    assert numbers(values("pioneers", district(world), OCTOBER)) == expected


def test_pioneers_of_a_community_another_month_and_another_street(
    world: World, pioneers: dict[str, Pioneer]
) -> None:
    # 宝祥 on 30 November: 王 only; nobody visited there; no November assessment.
    assert numbers(values("pioneers", world.baoxiang, NOVEMBER)) == {
        "pioneers.appointed": 1,
        "pioneers.visits": 0,
        "pioneers.grades": None,
    }
    assert numbers(values("pioneers", world.hetai, NOVEMBER)) == {
        "pioneers.appointed": 1,
        "pioneers.visits": 1,
        "pioneers.grades": None,
    }
    # A quarter reads the quarter's assessments.
    quarter = Period("quarter", date(2026, 10, 1), TODAY)
    assert numbers(values("pioneers", world.street, quarter))["pioneers.grades"] == [["合格", 1]]
    assert numbers(values("pioneers", world.other_street, OCTOBER)) == {
        "pioneers.appointed": 1,
        "pioneers.visits": 1,
        "pioneers.grades": [["不合格", 1]],
    }


def test_pioneers_serving_while_the_period_lasts_are_counted_today(
    world: World, pioneers: dict[str, Pioneer]
) -> None:
    # The whole of December, read on the 5th: who serves today (carol and 王).
    december = Period("month", date(2026, 12, 1), date(2026, 12, 31))
    result = values("pioneers", world.street, december, today=TODAY)
    assert result["pioneers.appointed"].value == 2


def test_pioneers_so_far(world: World, pioneers: dict[str, Pioneer]) -> None:
    # Serving today: carol and 王; every visit of 白洋湾; "so far" reads the year's assessments.
    assert numbers(values("pioneers", world.street, so_far(TODAY))) == {
        "pioneers.appointed": 2,
        "pioneers.visits": 5,
        "pioneers.grades": None,
    }


# Inspections.


def a_round(world: World, street: Area, inspected: list[Area], status: str) -> Round:
    made = Round.objects.create(
        street=street,
        title=f"{street.name}党建互查互评",
        starts_on=date(2026, 9, 20),
        ends_on=date(2026, 10, 20),
        group_size=1,
        status=status,
    )
    made.communities.set(inspected)
    for number, community in enumerate(inspected, start=1):
        group = Group.objects.create(round=made, number=number, inspected=community)
        inspector = inspected[number % len(inspected)]
        GroupMember.objects.create(group=group, community=inspector)
    return made


def finding(round_: Round, community: Area, status: str, on: date) -> Finding:
    made = Finding.objects.create(
        group=round_.groups.get(inspected=community),
        round=round_,
        community=community,
        description="党员应知应会抽问未达标",
        mode=FixMode.ON_SPOT,
        status=status,
    )
    Finding.objects.filter(pk=made.pk).update(
        created_at=timezone.make_aware(datetime.combine(on, time(10)))
    )
    return made


@pytest.fixture
def findings(world: World) -> None:
    """白洋湾's round: in October, 和泰 three findings (open, planned, accepted) and one still a
    draft, 宝祥 two (accepted, returned); in September one of 和泰 (accepted). 元和's round: 娄北
    one accepted in October."""
    ours = a_round(world, world.street, [world.hetai, world.baoxiang], RoundStatus.RECTIFYING)
    s = FindingStatus
    for community, status, on in [
        (world.hetai, s.OPEN, date(2026, 10, 10)),
        (world.hetai, s.PLANNED, date(2026, 10, 10)),
        (world.hetai, s.ACCEPTED, date(2026, 10, 31)),
        (world.hetai, s.DRAFT, date(2026, 10, 12)),
        (world.baoxiang, s.ACCEPTED, date(2026, 10, 1)),
        (world.baoxiang, s.RETURNED, date(2026, 10, 11)),
        (world.hetai, s.ACCEPTED, date(2026, 9, 30)),
    ]:
        finding(ours, community, status, on)
    theirs = a_round(world, world.other_street, [world.loubei], RoundStatus.RECTIFYING)
    finding(theirs, world.loubei, s.ACCEPTED, date(2026, 10, 15))


def test_inspections_of_the_street_in_october(
    world: World, findings: None, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(1):
        result = registry.panel("inspections").compute(Scope(world.street, OCTOBER, TODAY))
    got = numbers(values("inspections", world.street, OCTOBER))
    assert got["inspections.findings"] == 5
    assert got["inspections.rectified_rate"] == (2, 5)
    statuses = [FindingStatus.OPEN, FindingStatus.PLANNED, FindingStatus.FIXED]
    statuses += [FindingStatus.ACCEPTED, FindingStatus.RETURNED]
    assert got["inspections.by_status"] == [
        [str(s.label), n] for s, n in zip(statuses, [1, 1, 0, 2, 1], strict=True)
    ]
    assert numbers(result) == got
    assert result["inspections.rectified_rate"].percent == 40.0
    assert numbers(values("inspections", district(world), OCTOBER)) == got


def test_inspections_of_a_community_and_of_yuanhe(world: World, findings: None) -> None:
    got = numbers(values("inspections", world.hetai, OCTOBER))
    assert (got["inspections.findings"], got["inspections.rectified_rate"]) == (3, (1, 3))
    september = Period("month", date(2026, 9, 1), date(2026, 9, 30))
    got = numbers(values("inspections", world.street, september))
    assert (got["inspections.findings"], got["inspections.rectified_rate"]) == (1, (1, 1))
    got = numbers(values("inspections", world.other_street, OCTOBER))
    assert (got["inspections.findings"], got["inspections.rectified_rate"]) == (1, (1, 1))


def test_inspections_so_far(world: World, findings: None) -> None:
    got = numbers(values("inspections", world.street, so_far(TODAY)))
    assert (got["inspections.findings"], got["inspections.rectified_rate"]) == (6, (3, 6))
