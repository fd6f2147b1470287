"""Service points: setting one up, slots inside the opening hours, bookings through
`book_visit` (places, full, past, outside hours, retried), the booking's steps, the reminder."""

import uuid
from datetime import time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from genxi.cobuilding.models import (
    BookingChannel,
    CollectedItem,
    OpeningHours,
    PointBooking,
    PointBookingStatus,
    PointKind,
    PriceItem,
    ServicePoint,
    VisitSlot,
)
from genxi.cobuilding.services import points as services
from genxi.cobuilding.services.points import Collected, Hours, Price
from genxi.cobuilding.tests.conftest import at
from genxi.conftest import World
from genxi.core.models import AuditEntry
from genxi.core.services import ServiceError


def slot_of(point: ServicePoint) -> VisitSlot:
    """The fixture's slot (tomorrow 09:00)."""
    return VisitSlot.objects.filter(point=point).order_by("id").first()  # type: ignore[return-value]


def book(point: ServicePoint, world: World, **kwargs: Any) -> PointBooking:
    kwargs.setdefault("resident", world.resident1)
    kwargs.setdefault("channel", BookingChannel.STAFF_CALL)
    return services.book_visit(actor=world["bob"], slot=slot_of(point), **kwargs)


def test_create_point_writes_hours_and_prices_and_an_audit_entry(world: World) -> None:
    point = services.create_point(
        actor=world["bob"],
        community=world.hetai,
        name="便民理发点",
        kind=PointKind.HAIRCUT,
        provider=world.partner,
        home_visits=True,
        hours=[Hours(weekday=5, opens=time(9), closes=time(12))],
        prices=[Price(material="理发", unit="次", price=Decimal("5.00"))],
    )
    assert list(point.hours.values_list("weekday", "opens", "closes")) == [(5, time(9), time(12))]
    assert list(point.prices.values_list("material", "price")) == [("理发", Decimal("5.00"))]
    assert AuditEntry.objects.filter(action="servicepoint.create").count() == 1


def test_update_point_retires_a_price_line_and_replaces_the_hours(
    world: World, point: ServicePoint
) -> None:
    services.update_point(
        actor=world["bob"],
        point=point,
        name=point.name,
        kind=point.kind,
        provider=world.partner,
        home_visits=True,
        hours=[Hours(weekday=0, opens=time(8), closes=time(12))],
        prices=[Price(material="纸板", unit="kg", price=Decimal("1.50"))],
    )
    assert OpeningHours.objects.filter(point=point).count() == 1
    assert PriceItem.objects.get(point=point, material="纸板").price == Decimal("1.50")
    assert not PriceItem.objects.get(point=point, material="旧衣物").is_active


@pytest.mark.parametrize(
    ("prices", "field"),
    [
        ([Price(material="纸板", unit="kg", price=Decimal("-1"))], "prices"),
        ([Price(material="纸板", unit="kg", price=Decimal("10000000"))], "prices"),
        ([Price(material="纸板", unit="kg", price=Decimal(1))] * 2, "prices"),
    ],
)
def test_bad_price_lists_are_refused_and_nothing_is_written(
    world: World, prices: list[Price], field: str
) -> None:
    with pytest.raises(ServiceError) as refusal:
        services.create_point(
            actor=world["bob"],
            community=world.hetai,
            name="错价",
            kind=PointKind.RECYCLING,
            provider=world.partner,
            prices=prices,
        )
    assert refusal.value.field == field
    assert not ServicePoint.objects.filter(name="错价").exists()


def test_weekly_slots_are_made_inside_the_opening_hours(world: World, point: ServicePoint) -> None:
    first = timezone.localdate() + timedelta(days=2)
    made = services.add_slots(
        actor=world["dave"],
        point=point,
        first_day=first,
        starts=time(14),
        ends=time(16),
        capacity=3,
        weeks=4,
    )
    assert [timezone.localtime(s.starts_at).date() for s in made] == [
        first + timedelta(weeks=n) for n in range(4)
    ]
    assert {s.capacity for s in made} == {3}


def test_a_slot_outside_the_opening_hours_is_refused_with_nothing_written(
    world: World, point: ServicePoint
) -> None:
    before = VisitSlot.objects.count()
    with pytest.raises(ServiceError) as refusal:
        services.add_slots(
            actor=world["bob"],
            point=point,
            first_day=timezone.localdate() + timedelta(days=2),
            starts=time(17),
            ends=time(19),  # the point closes at 18:00
            capacity=2,
            weeks=3,
        )
    assert refusal.value.code == "outside_hours"
    assert "营业时间" in refusal.value.message
    assert VisitSlot.objects.count() == before


@pytest.mark.parametrize(
    ("capacity", "weeks", "days"), [(0, 1, 2), (501, 1, 2), (2, 13, 2), (2, 1, -1)]
)
def test_slot_bounds_are_refused(
    world: World, point: ServicePoint, capacity: int, weeks: int, days: int
) -> None:
    with pytest.raises(ServiceError):
        services.add_slots(
            actor=world["bob"],
            point=point,
            first_day=timezone.localdate() + timedelta(days=days),
            starts=time(9),
            ends=time(10),
            capacity=capacity,
            weeks=weeks,
        )


def test_a_booking_takes_the_lowest_free_place_and_defaults_to_the_residents_details(
    world: World, point: ServicePoint
) -> None:
    first = book(point, world)
    second = book(point, world, resident=None, name="路人甲", phone="13700001111", address="三花苑")
    assert (first.place, second.place) == (1, 2)
    assert first.name == "周福珍" and first.phone == "13812345678"
    assert first.address == world.resident1.address and first.area == world.building1
    assert first.status == PointBookingStatus.CONFIRMED
    services.cancel_booking(actor=world["bob"], booking=first)
    third = book(point, world, resident=world.resident2)
    assert third.place == 1  # the cancelled booking's place was freed


def test_a_full_slot_is_refused_with_nothing_written(world: World, point: ServicePoint) -> None:
    book(point, world)
    book(point, world, resident=world.resident2)
    with pytest.raises(ServiceError) as refusal:
        book(point, world, resident=None, name="第三户", phone="13700002222", address="1幢")
    assert refusal.value.code == "slot_full"
    assert "约满" in refusal.value.message
    assert PointBooking.objects.count() == 2


def test_a_past_slot_and_one_outside_the_hours_are_refused(
    world: World, point: ServicePoint
) -> None:
    past = VisitSlot.objects.create(
        point=point, starts_at=at(-1, 9), ends_at=at(-1, 10), capacity=2
    )
    with pytest.raises(ServiceError) as refusal:
        services.book_visit(
            actor=world["bob"],
            slot=past,
            channel=BookingChannel.STAFF_CALL,
            resident=world.resident1,
        )
    assert refusal.value.code == "slot_past"
    # The hours changed after the slot was made: booking it now is outside them.
    OpeningHours.objects.filter(point=point).update(opens=time(10))
    with pytest.raises(ServiceError) as refusal:
        book(point, world)
    assert refusal.value.code == "outside_hours"
    assert PointBooking.objects.count() == 0


def test_a_retried_submission_books_once(world: World, point: ServicePoint) -> None:
    token = uuid.uuid4()
    first = book(point, world, token=token)
    again = book(point, world, token=token)
    assert first.pk == again.pk
    assert PointBooking.objects.count() == 1


def test_missing_details_are_refused(world: World, point: ServicePoint) -> None:
    with pytest.raises(ServiceError) as refusal:
        book(point, world, resident=None, name="无地址", phone="13700003333", address=" ")
    assert refusal.value.field == "address"


def test_assign_only_to_the_providers_workers(world: World, point: ServicePoint) -> None:
    booking = book(point, world)
    with pytest.raises(ServiceError):
        services.assign_booking(actor=world["bob"], booking=booking, worker=world["bob"])
    services.assign_booking(actor=world["bob"], booking=booking, worker=world["dave"])
    booking.refresh_from_db()
    assert booking.status == PointBookingStatus.ASSIGNED and booking.worker == world["dave"]


def _started(point: ServicePoint) -> None:
    """Move the fixture's slot to this morning, as if the visit has begun."""
    VisitSlot.objects.filter(point=point).update(starts_at=at(0, 0, 1), ends_at=at(0, 23, 59))


def test_done_records_kg_and_the_amount_from_the_price_list(
    world: World, point: ServicePoint
) -> None:
    booking = book(point, world)
    _started(point)
    done = services.complete_booking(
        actor=world["dave"],
        booking=booking,
        items=[
            Collected(material="纸板", kg=Decimal("12.5")),
            Collected(material="旧衣物", kg=Decimal("3"), amount=Decimal("2.00")),
        ],
    )
    assert done.status == PointBookingStatus.DONE and done.done_at is not None
    amounts = dict(CollectedItem.objects.filter(booking=booking).values_list("material", "amount"))
    assert amounts == {"纸板": Decimal("15.00"), "旧衣物": Decimal("2.00")}
    assert done.amount_paid == Decimal("17.00")


@pytest.mark.parametrize(
    ("items", "amount_paid"),
    [
        ([Collected(material="纸板", kg=Decimal("-1"))], None),
        ([Collected(material="纸板", kg=Decimal("100000"))], None),
        ([Collected(material="纸板", kg=Decimal("1"), amount=Decimal("-5"))], None),
        ([Collected(material="纸板", kg=Decimal("1"), amount=Decimal("1e15"))], None),
        ([Collected(material="纸板", kg=Decimal("1"))], Decimal("-0.01")),
        ([Collected(material="金条", kg=Decimal("1"))], None),
    ],
)
def test_bad_collections_are_refused_with_nothing_written(
    world: World, point: ServicePoint, items: list[Collected], amount_paid: Decimal | None
) -> None:
    booking = book(point, world)
    _started(point)
    with pytest.raises(ServiceError):
        services.complete_booking(
            actor=world["dave"], booking=booking, items=items, amount_paid=amount_paid
        )
    booking.refresh_from_db()
    assert booking.status == PointBookingStatus.CONFIRMED and booking.amount_paid is None
    assert not CollectedItem.objects.exists()


def test_done_before_the_visit_and_twice_are_refused(world: World, point: ServicePoint) -> None:
    booking = book(point, world)
    items = [Collected(material="纸板", kg=Decimal("1"))]
    with pytest.raises(ServiceError) as refusal:
        services.complete_booking(actor=world["dave"], booking=booking, items=items)
    assert refusal.value.code == "not_yet"
    _started(point)
    services.complete_booking(actor=world["dave"], booking=booking, items=items)
    with pytest.raises(ServiceError):
        services.complete_booking(actor=world["dave"], booking=booking, items=items)
    with pytest.raises(ServiceError):
        services.cancel_booking(actor=world["bob"], booking=booking)
    assert CollectedItem.objects.count() == 1


def test_missed_after_the_visit(world: World, point: ServicePoint) -> None:
    booking = book(point, world)
    with pytest.raises(ServiceError):
        services.miss_booking(actor=world["dave"], booking=booking)
    _started(point)
    services.miss_booking(actor=world["dave"], booking=booking)
    booking.refresh_from_db()
    assert booking.status == PointBookingStatus.MISSED


def test_the_resident_may_cancel_their_own_before_the_slot_starts(
    world: World, point: ServicePoint
) -> None:
    erin_home = world.users["erin"].resident_profile
    booking = book(point, world, resident=erin_home, channel=BookingChannel.APP)
    other = book(point, world)
    assert services.may_cancel(world["erin"], booking)
    assert not services.may_cancel(world["erin"], other)
    assert not services.may_cancel(world["carol"], booking)  # a pioneer books, does not cancel
    assert services.may_cancel(world["dave"], other)
    _started(point)
    booking.slot.refresh_from_db()
    assert not services.may_cancel(world["erin"], booking)


@pytest.fixture
def texts(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []
    monkeypatch.setattr(services, "notify", lambda **kwargs: sent.append(kwargs))
    return sent


def test_the_reminder_goes_once_the_day_before(
    world: World, point: ServicePoint, texts: list[dict[str, Any]]
) -> None:
    booking = book(point, world)
    cancelled = book(point, world, resident=world.resident2)
    services.cancel_booking(actor=world["bob"], booking=cancelled)
    later = VisitSlot.objects.create(point=point, starts_at=at(2, 9), ends_at=at(2, 10), capacity=1)
    services.book_visit(
        actor=world["bob"], slot=later, channel=BookingChannel.STAFF_CALL, resident=world.resident2
    )
    call_command("remind_point_bookings")
    call_command("remind_point_bookings")
    assert len(texts) == 1
    assert texts[0]["phones"] == [booking.phone]
    assert "明天" in texts[0]["title"] and "舍得空间" in texts[0]["body"]
    booking.refresh_from_db()
    assert booking.reminded_at is not None


def test_the_demo_point_is_loaded_once_with_history_and_coming_bookings(world: World) -> None:
    from genxi.accounts.models import Membership, Role
    from genxi.cobuilding.demo import _points
    from genxi.places import services as places
    from genxi.places.models import AreaKind

    huchi = places.create_area(
        actor=None, kind=AreaKind.COMMUNITY, name="虎池苑社区", parent=world.street
    )
    building = places.create_area(actor=None, kind=AreaKind.BUILDING, name="4幢", parent=huchi)
    for n in range(3):
        places.create_resident(
            actor=None, name=f"居民{n}", phone=f"1390000000{n}", area=building, room=f"10{n}"
        )
    provider = places.create_partner(
        actor=None, name="苏州城投再生资源发展有限公司", kind="company", area=huchi
    )
    today = timezone.localdate()
    assert _points(today) > 10
    point = ServicePoint.objects.get(name="舍得空间", community=huchi)
    assert point.hours.count() == 14 and point.prices.count() >= 5
    assert VisitSlot.objects.filter(point=point, starts_at__gt=timezone.now()).count() >= 14
    done = PointBooking.objects.filter(point=point, status=PointBookingStatus.DONE)
    assert done.count() > 10 and CollectedItem.objects.filter(booking__in=done).exists()
    months = {timezone.localtime(b.slot.starts_at).strftime("%Y-%m") for b in done}
    assert len(months) >= 4
    assert PointBooking.objects.filter(
        point=point, status=PointBookingStatus.CONFIRMED, slot__starts_at__gt=timezone.now()
    ).exists()
    assert Membership.objects.filter(
        user__username="recycler", role=Role.PARTNER, partner=provider
    ).exists()
    before = PointBooking.objects.count(), VisitSlot.objects.count()
    assert _points(today) == 0
    assert (PointBooking.objects.count(), VisitSlot.objects.count()) == before


def test_a_retried_booking_of_the_last_place_returns_the_first(
    world: World, point: ServicePoint
) -> None:
    book(point, world)
    token = uuid.uuid4()
    last = book(point, world, resident=world.resident2, token=token)  # the slot is now full
    again = book(point, world, resident=world.resident2, token=token)
    assert again.pk == last.pk
    assert PointBooking.objects.count() == 2


@pytest.mark.parametrize("days", [367, 3650])
def test_slots_more_than_a_year_ahead_are_refused(
    world: World, point: ServicePoint, days: int
) -> None:
    with pytest.raises(ServiceError) as refusal:
        services.add_slots(
            actor=world["bob"],
            point=point,
            first_day=timezone.localdate() + timedelta(days=days),
            starts=time(9),
            ends=time(10),
            capacity=2,
            weeks=2,
        )
    assert refusal.value.code == "too_far"


def test_slots_added_at_once_by_someone_else_are_refused_not_a_500(
    world: World, point: ServicePoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another submission commits the same slot between the check and the write (what the
    point's lock orders on PostgreSQL): the constraint's error is a refusal."""
    day = timezone.localdate() + timedelta(days=3)
    real = VisitSlot.objects.bulk_create

    def racing(slots: Any, *args: Any, **kwargs: Any) -> Any:
        VisitSlot.objects.create(
            point=point, starts_at=slots[0].starts_at, ends_at=slots[0].ends_at, capacity=1
        )
        return real(slots, *args, **kwargs)

    monkeypatch.setattr(VisitSlot.objects, "bulk_create", racing)
    with pytest.raises(ServiceError) as refusal:
        services.add_slots(
            actor=world["bob"],
            point=point,
            first_day=day,
            starts=time(9),
            ends=time(10),
            capacity=2,
        )
    assert refusal.value.code == "slot_exists"
