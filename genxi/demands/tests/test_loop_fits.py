"""Where the demand loop's pieces meet (issue 12's review after merging): a demand referred to
the street is counted and reminded there; the deadline rule holds when a year's holidays are
entered; a resolved demand takes no new reporters; a referral or a correction drops a venue of
the old place; a referring community's acceptance does not answer for the new holder."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from genxi.conftest import World
from genxi.core.services import ServiceError
from genxi.core.workdays import library_knows
from genxi.demands import figures, ledger, services
from genxi.demands.models import Category, Status
from genxi.demands.tests.conftest import collect, resolved
from genxi.home.services import set_year_schedule

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
YEAR = 2099  # a year no calendar library knows


def test_a_demand_the_street_holds_is_in_its_figures_and_its_staff_are_told(
    world: World, category: Category
) -> None:
    # Collected in the period the figures cover, whatever day the suite runs on.
    with time_machine.travel(datetime(2026, 11, 20, 10, tzinfo=SH)):
        demand = collect(world, category)
    services.transfer(
        actor=world["bob"],
        demand=demand,
        to=world.street,
        reason="街道统筹",
        today=date(2026, 11, 20),
    )
    demand.refresh_from_db()
    assert demand.community == world.street and demand.is_overdue
    street = figures.compute(
        user=world["frank"], area=world.street, start=date(2026, 11, 1), end=date(2026, 12, 31)
    )
    overdue = ledger.filtered(world["alice"], {"area": str(world.street.pk), "overdue": "1"})
    assert street.collected == 1 and street.overdue_now == overdue.count() == 1
    assert list(services._handlers_of_community(demand)) == [world["alice"]]


@pytest.fixture
def unknown_year(world: World) -> None:
    if library_knows(YEAR):
        pytest.skip("the calendar library knows the year")
    set_year_schedule(actor=None, year=YEAR - 1, holidays=[], makeup_workdays=[])


def test_entering_holidays_keeps_a_corrected_and_accepted_demands_response_deadline(
    world: World, category: Category, unknown_year: None
) -> None:
    slow = services.create_category(actor=None, name="慢", response_days=3, resolution_days=10)
    with time_machine.travel(datetime(YEAR - 1, 12, 28, 10, tzinfo=SH)):
        demand = collect(world, category, today=date(YEAR - 1, 12, 28))
        services.accept(actor=world["bob"], demand=demand)
        demand.refresh_from_db()
        kept = demand.response_due
        services.correct(actor=world["bob"], demand=demand, reason="分类错", category=slow)
        demand.refresh_from_db()
        assert demand.response_due == kept  # the deadline rule: a done step keeps its deadline
    set_year_schedule(
        actor=world["alice"], year=YEAR, holidays=[date(YEAR, 1, 1)], makeup_workdays=[]
    )
    demand.refresh_from_db()
    assert demand.response_due == kept


def test_entering_holidays_keeps_a_resolved_demands_deadline(
    world: World, category: Category, unknown_year: None
) -> None:
    with time_machine.travel(datetime(YEAR - 1, 12, 28, 10, tzinfo=SH)):
        demand = resolved(world, category, today=date(YEAR - 1, 12, 28))
    before = demand.resolution_due
    holidays = [date(YEAR, 1, 1), date(YEAR, 1, 2)]
    set_year_schedule(actor=world["alice"], year=YEAR, holidays=holidays, makeup_workdays=[])
    demand.refresh_from_db()
    assert demand.status == Status.RESOLVED and demand.resolution_due == before


def test_a_resolved_demand_takes_no_new_reporter_by_merge_or_me_too(
    world: World, category: Category
) -> None:
    demand = resolved(world, category)
    services.record_callback(
        actor=world["bob"], demand=demand, resident=world.resident1, result="satisfied"
    )
    demand.refresh_from_db()
    assert demand.status == Status.CALLED_BACK
    duplicate = collect(world, category, title="南门太窄", reporters=[world.resident2])
    with pytest.raises(ServiceError):
        services.merge(actor=world["bob"], duplicate=duplicate, into=demand)
    with pytest.raises(ServiceError):
        services.add_reporter(actor=world["bob"], demand=demand, resident=world.resident2)
    assert demand.reporters.count() == 1 and services.can_close_out(demand)


def test_a_referral_and_a_place_correction_drop_the_old_venue(
    world: World, category: Category
) -> None:
    demand = collect(world, category, area=None, venue=world.venue)
    assert demand.venue == world.venue
    services.transfer(actor=world["bob"], demand=demand, to=world.baoxiang, reason="属宝祥")
    demand.refresh_from_db()
    assert demand.venue is None
    other = collect(world, category, area=None, venue=world.venue)
    services.correct(actor=world["bob"], demand=other, reason="在楼里", area=world.building2)
    other.refresh_from_db()
    assert other.area == world.building2 and other.venue is None


def test_the_community_that_referred_it_does_not_answer_for_the_new_holder(
    world: World, category: Category
) -> None:
    with time_machine.travel(datetime(2026, 11, 20, 10, tzinfo=SH)):
        demand = collect(world, category)
        services.accept(actor=world["bob"], demand=demand)
        demand.refresh_from_db()
        services.transfer(actor=world["bob"], demand=demand, to=world.baoxiang, reason="属宝祥")
    with time_machine.travel(datetime(2026, 12, 4, 10, tzinfo=SH)):
        span = {"start": date(2026, 11, 1), "end": date(2026, 12, 31)}
        street = figures.compute(user=world["frank"], area=world.street, **span)
        baoxiang = figures.compute(user=world["frank"], area=world.baoxiang, **span)
    # 宝祥 never accepted it and its deadline has passed: late at both levels.
    assert (baoxiang.response.numerator, baoxiang.response.denominator) == (0, 1)
    assert (street.response.numerator, street.response.denominator) == (0, 1)
