"""Service points' pages: who sees what (404 outside scope), the forms and their refusals, the
three ways of booking, the booking's steps, the figures and the Excel export."""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from genxi.cobuilding.models import (
    BookingChannel,
    CollectedItem,
    PointBooking,
    PointBookingStatus,
    ServicePoint,
    VisitSlot,
)
from genxi.cobuilding.services import points as services
from genxi.cobuilding.tests.conftest import at, release
from genxi.conftest import World


def as_user(client: Client, world: World, name: str) -> Client:
    client.force_login(world[name])
    return client


def slot_of(point: ServicePoint) -> VisitSlot:
    return VisitSlot.objects.filter(point=point).order_by("id")[0]


def booked(point: ServicePoint, world: World, resident: Any = None) -> PointBooking:
    return services.book_visit(
        actor=world["bob"],
        slot=slot_of(point),
        channel=BookingChannel.STAFF_CALL,
        resident=resident or world.resident1,
    )


@pytest.mark.parametrize("name", ["bob", "alice", "frank", "carol", "dave"])
def test_the_list_and_the_page_open_for_each_role_in_scope(
    client: Client, world: World, point: ServicePoint, name: str
) -> None:
    as_user(client, world, name)
    listing = client.get(reverse("cobuilding:point_list"))
    assert listing.status_code == 200 and "舍得空间" in listing.content.decode()
    page = client.get(point.get_absolute_url())
    assert page.status_code == 200
    assert "纸板" in page.content.decode()


@pytest.mark.parametrize("name", ["oscar", "erin", "nobody"])
def test_outside_scope_everything_is_404(
    client: Client, world: World, point: ServicePoint, name: str
) -> None:
    booking = booked(point, world)
    as_user(client, world, name)
    if name == "oscar":
        assert "舍得空间" not in client.get(reverse("cobuilding:point_list")).content.decode()
    for url in [
        point.get_absolute_url(),
        reverse("cobuilding:point_edit", args=[point.pk]),
        reverse("cobuilding:slot_add", args=[point.pk]),
        reverse("cobuilding:point_book", args=[point.pk]),
        reverse("cobuilding:booking_detail", args=[booking.pk]),
    ]:
        assert client.get(url).status_code == 404, url
    answer = client.post(reverse("cobuilding:booking_step", args=[booking.pk, "cancel"]))
    assert answer.status_code == 404
    booking.refresh_from_db()
    assert booking.status == PointBookingStatus.CONFIRMED


def test_another_partners_handler_sees_nothing(
    client: Client, world: World, point: ServicePoint
) -> None:
    from genxi.accounts.models import Role
    from genxi.accounts.services import create_user, grant_membership

    other = create_user(actor=None, username="olga", password="x-pass-123", name="奥尔加")
    grant_membership(
        actor=None, user=other, role=Role.PARTNER, area=world.loubei, partner=world.other_partner
    )
    booking = booked(point, world)
    client.force_login(other)
    assert client.get(point.get_absolute_url()).status_code == 404
    assert client.get(reverse("cobuilding:booking_detail", args=[booking.pk])).status_code == 404
    assert "舍得空间" not in client.get(reverse("cobuilding:point_list")).content.decode()


def test_staff_create_a_point_with_hours_and_prices(client: Client, world: World) -> None:
    as_user(client, world, "bob")
    page = client.get(reverse("cobuilding:point_create"))
    token = page.context["form"]["form_token"].value()
    data = {
        "form_token": token,
        "community": world.hetai.pk,
        "name": "便民维修点",
        "kind": "repair",
        "provider": world.partner.pk,
        "home_visits": "on",
        "prices": "修伞, 把, 5\n磨刀, 次, 3.5",
        "opens_5": "09:00",
        "closes_5": "12:00",
    }
    answer = client.post(reverse("cobuilding:point_create"), data)
    assert answer.status_code == 302
    point = ServicePoint.objects.get(name="便民维修点")
    assert list(point.hours.values_list("weekday", flat=True)) == [5]
    assert sorted(point.prices.values_list("material", "price")) == [
        ("修伞", Decimal("5.00")),
        ("磨刀", Decimal("3.50")),
    ]
    again = client.post(reverse("cobuilding:point_create"), data)  # the same form, retried
    assert again.status_code == 302
    assert ServicePoint.objects.filter(name="便民维修点").count() == 1


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"prices": "纸板, kg, -1"}, "单价"),
        ({"prices": "纸板, kg, 99999999999"}, "单价"),
        ({"opens_1": "18:00", "closes_1": "08:00"}, "关门"),
    ],
)
def test_bad_point_forms_are_refused_in_chinese(
    client: Client, world: World, extra: dict[str, str], message: str
) -> None:
    as_user(client, world, "bob")
    data = {
        "community": world.hetai.pk,
        "name": "错点",
        "kind": "repair",
        "provider": world.partner.pk,
    }
    answer = client.post(reverse("cobuilding:point_create"), {**data, **extra})
    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert not ServicePoint.objects.filter(name="错点").exists()


def test_a_pioneer_or_the_provider_may_not_create_or_edit_a_point(
    client: Client, world: World, point: ServicePoint
) -> None:
    for name in ["carol", "dave", "frank"]:
        as_user(client, world, name)
        assert client.get(reverse("cobuilding:point_create")).status_code == 404
        assert client.get(reverse("cobuilding:point_edit", args=[point.pk])).status_code == 404


def test_the_provider_adds_weekly_slots_and_outside_hours_is_refused(
    client: Client, world: World, point: ServicePoint
) -> None:
    as_user(client, world, "dave")
    url = reverse("cobuilding:slot_add", args=[point.pk])
    day = (timezone.localdate() + timedelta(days=3)).isoformat()
    refused = client.post(
        url, {"first_day": day, "starts": "17:30", "ends": "19:00", "capacity": 2, "weeks": 2}
    )
    assert refused.status_code == 400 and "营业时间" in refused.content.decode()
    assert VisitSlot.objects.filter(point=point).count() == 1
    huge = client.post(
        url, {"first_day": day, "starts": "09:00", "ends": "10:00", "capacity": 10**12, "weeks": 2}
    )
    assert huge.status_code == 400
    made = client.post(
        url, {"first_day": day, "starts": "14:00", "ends": "16:00", "capacity": 3, "weeks": 2}
    )
    assert made.status_code == 302
    assert VisitSlot.objects.filter(point=point).count() == 3


def test_staff_book_a_phone_call_for_a_resident_found_in_the_register(
    client: Client, world: World, point: ServicePoint
) -> None:
    as_user(client, world, "bob")
    url = reverse("cobuilding:point_book", args=[point.pk])
    found = client.get(url, {"q": "周福"})
    assert "周福珍" in found.content.decode()
    token = found.context["form"]["form_token"].value()
    data = {
        "form_token": token,
        "slot": slot_of(point).pk,
        "resident": world.resident1.pk,
        "what": "纸板两捆",
    }
    answer = client.post(url, data)
    assert answer.status_code == 302
    booking = PointBooking.objects.get()
    assert booking.channel == BookingChannel.STAFF_CALL and booking.booked_by == world["bob"]
    assert booking.resident == world.resident1 and booking.what == "纸板两捆"
    assert client.post(url, data).status_code == 302  # retried: booked once
    assert PointBooking.objects.count() == 1


def test_the_provider_books_by_name_phone_and_address(
    client: Client, world: World, point: ServicePoint
) -> None:
    as_user(client, world, "dave")
    url = reverse("cobuilding:point_book", args=[point.pk])
    # dave may not see the register: a resident's id is refused, not booked.
    refused = client.post(url, {"slot": slot_of(point).pk, "resident": world.resident1.pk})
    assert refused.status_code == 400
    answer = client.post(
        url,
        {
            "slot": slot_of(point).pk,
            "name": "王阿姨",
            "phone": "13700001234",
            "address": "三花苑5幢",
        },
    )
    assert answer.status_code == 302
    booking = PointBooking.objects.get()
    assert booking.channel == BookingChannel.PROVIDER_CALL and booking.resident is None


def test_a_pioneer_books_on_a_visit(client: Client, world: World, point: ServicePoint) -> None:
    as_user(client, world, "carol")
    answer = client.post(
        reverse("cobuilding:point_book", args=[point.pk]),
        {"slot": slot_of(point).pk, "resident": world.resident1.pk},
    )
    assert answer.status_code == 302
    assert PointBooking.objects.get().channel == BookingChannel.PIONEER


def test_a_full_slot_is_refused_on_the_form_in_chinese(
    client: Client, world: World, point: ServicePoint
) -> None:
    booked(point, world)
    booked(point, world, world.resident2)
    as_user(client, world, "bob")
    answer = client.post(
        reverse("cobuilding:point_book", args=[point.pk]),
        {"slot": slot_of(point).pk, "name": "甲", "phone": "13700001234", "address": "1幢"},
    )
    assert answer.status_code == 400 and "约满" in answer.content.decode()
    assert PointBooking.objects.count() == 2


def test_the_resident_books_on_their_phone_and_cancels(
    client: Client, world: World, point: ServicePoint
) -> None:
    as_user(client, world, "erin")
    page = client.get(reverse("cobuilding:resident_points"))
    assert page.status_code == 200 and "舍得空间" in page.content.decode()
    token = page.context["token"]
    data = {"form_token": token, "slot": slot_of(point).pk, "what": "旧衣物"}
    answer = client.post(reverse("cobuilding:resident_points"), data)
    assert answer.status_code == 302
    client.post(reverse("cobuilding:resident_points"), data)  # retried
    booking = PointBooking.objects.get()
    assert booking.channel == BookingChannel.APP and booking.resident.user == world["erin"]
    detail = client.get(reverse("cobuilding:booking_detail", args=[booking.pk]))
    assert detail.status_code == 200 and "cancel-form" in detail.content.decode()
    assert "done-form" not in detail.content.decode()
    # A resident may not step a booking through.
    done = reverse("cobuilding:booking_step", args=[booking.pk, "assign"])
    assert client.post(done, {"worker": world["dave"].pk}).status_code == 404
    client.post(reverse("cobuilding:booking_step", args=[booking.pk, "cancel"]))
    booking.refresh_from_db()
    assert booking.status == PointBookingStatus.CANCELLED
    # Another resident's booking is not theirs to see.
    other = booked(point, world)
    assert client.get(reverse("cobuilding:booking_detail", args=[other.pk])).status_code == 404


def test_a_resident_elsewhere_sees_no_slots_and_cannot_book_them(
    client: Client, world: World, point: ServicePoint
) -> None:
    from genxi.accounts.models import Role
    from genxi.accounts.services import create_user, grant_membership
    from genxi.places.services import update_resident

    far = create_user(actor=None, username="gao", password="x-pass-123", name="高福妹")
    grant_membership(actor=None, user=far, role=Role.RESIDENT, area=world.loubei)
    update_resident(actor=None, resident=world.loubei_resident, user=far)
    client.force_login(far)
    page = client.get(reverse("cobuilding:resident_points"))
    assert "舍得空间" not in page.content.decode()
    answer = client.post(reverse("cobuilding:resident_points"), {"slot": slot_of(point).pk})
    assert answer.status_code == 400
    assert not PointBooking.objects.exists()


def test_the_worker_is_assigned_and_completes_with_kg_and_amounts(
    client: Client, world: World, point: ServicePoint
) -> None:
    booking = booked(point, world)
    as_user(client, world, "bob")

    def step(name: str) -> str:
        return reverse("cobuilding:booking_step", args=[booking.pk, name])

    assert client.post(step("assign"), {"worker": world["bob"].pk}).status_code == 400
    assert client.post(step("assign"), {"worker": world["dave"].pk}).status_code == 302
    VisitSlot.objects.filter(pk=booking.slot_id).update(starts_at=at(0, 0, 1))
    as_user(client, world, "dave")
    prices = {p.material: p.pk for p in point.prices.all()}
    bad = client.post(step("done"), {f"kg_{prices['纸板']}": "-3"})
    assert bad.status_code == 400
    huge = client.post(step("done"), {f"kg_{prices['纸板']}": "5", "amount_paid": "1e20"})
    assert huge.status_code == 400
    empty = client.post(step("done"), {})
    assert empty.status_code == 400 and "至少" in empty.content.decode()
    assert not CollectedItem.objects.exists()
    done = client.post(
        step("done"),
        {
            f"kg_{prices['纸板']}": "10",
            f"kg_{prices['旧衣物']}": "2",
            f"amount_{prices['旧衣物']}": "1.5",
        },
    )
    assert done.status_code == 302
    booking.refresh_from_db()
    assert booking.status == PointBookingStatus.DONE and booking.amount_paid == Decimal("13.50")
    page = client.get(point.get_absolute_url()).content.decode()
    assert 'data-figure="paid">13.50<' in page
    assert 'data-figure="households">1<' in page
    assert 'data-figure="kg">12<' in page


def test_the_export_lists_the_points_bookings(
    client: Client, world: World, point: ServicePoint
) -> None:
    booked(point, world)
    as_user(client, world, "bob")
    answer = client.get(point.get_absolute_url(), {"format": "xlsx"})
    assert answer.status_code == 200
    sheet = load_workbook(BytesIO(b"".join(answer.streaming_content))).active
    release(answer)
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][1] == "周福珍"
    as_user(client, world, "carol")  # a pioneer books, but the export is for those who run it
    assert client.get(point.get_absolute_url(), {"format": "xlsx"}).status_code == 404


def test_the_list_searches_and_exports(client: Client, world: World, point: ServicePoint) -> None:
    as_user(client, world, "bob")
    url = reverse("cobuilding:point_list")
    assert "舍得空间" not in client.get(url, {"q": "理发"}).content.decode()
    assert "舍得空间" in client.get(url, {"q": "舍得"}).content.decode()
    answer = client.get(url, {"format": "xlsx"})
    assert answer.status_code == 200
    release(answer)


def test_the_list_page_costs_the_same_queries_for_one_point_or_many(
    client: Client, world: World, point: ServicePoint
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    as_user(client, world, "bob")
    url = reverse("cobuilding:point_list")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for n in range(5):
        ServicePoint.objects.create(
            community=world.hetai, name=f"点{n}", kind="repair", provider=world.partner
        )
    with CaptureQueriesContext(connection) as six:
        assert "点4" in client.get(url).content.decode()
    assert len(six) == len(one)


def test_editing_keeps_two_opening_ranges_a_day(
    client: Client, world: World, point: ServicePoint
) -> None:
    as_user(client, world, "bob")
    url = reverse("cobuilding:point_edit", args=[point.pk])
    page = client.get(url)
    form = page.context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k != "venue"}
    data = {k: (v.strftime("%H:%M") if hasattr(v, "strftime") else v) for k, v in data.items()}
    data.update(
        provider=world.partner.pk,
        home_visits="on",
        is_active="on",
        updated_at=form["updated_at"].value(),
        closes_0="11:00",
        opens2_0="14:00",
        closes2_0="17:00",
    )
    assert client.post(url, data).status_code == 302
    monday = list(point.hours.filter(weekday=0).values_list("opens", "closes"))
    assert [(o.hour, c.hour) for o, c in monday] == [(8, 11), (14, 17)]
    again = client.get(url).context["form"]
    assert again.initial["opens2_0"].hour == 14 and again.initial["closes_1"].hour == 18


def test_a_pioneer_sees_a_booking_made_by_others_with_the_number_masked(
    client: Client, world: World, point: ServicePoint
) -> None:
    booking = booked(point, world)
    as_user(client, world, "carol")
    page = client.get(reverse("cobuilding:booking_detail", args=[booking.pk])).content.decode()
    assert "138****5678" in page and "13812345678" not in page
    assert "done-form" not in page and "cancel-form" not in page


@pytest.mark.parametrize("day", ["9999-12-30", "2000-01-01"])
def test_a_slot_day_out_of_range_is_refused_on_the_form(
    client: Client, world: World, point: ServicePoint, day: str
) -> None:
    as_user(client, world, "bob")
    before = VisitSlot.objects.count()
    answer = client.post(
        reverse("cobuilding:slot_add", args=[point.pk]),
        {"first_day": day, "starts": "09:00", "ends": "10:00", "capacity": 2, "weeks": 2},
    )
    assert answer.status_code == 400
    assert answer.context["form"].errors["first_day"]
    assert VisitSlot.objects.count() == before


@pytest.mark.parametrize("name", ["frank", "carol"])
def test_the_bookings_export_is_only_for_those_who_run_the_point(
    client: Client, world: World, point: ServicePoint, name: str
) -> None:
    booked(point, world)
    as_user(client, world, name)
    assert client.get(point.get_absolute_url(), {"format": "xlsx"}).status_code == 404
    assert 'data-export="bookings"' not in client.get(point.get_absolute_url()).content.decode()


def test_the_bookings_export_is_logged(client: Client, world: World, point: ServicePoint) -> None:
    from genxi.core.models import AuditEntry

    booked(point, world)
    as_user(client, world, "dave")
    answer = client.get(point.get_absolute_url(), {"format": "xlsx"})
    assert answer.status_code == 200
    release(answer)
    entry = AuditEntry.objects.get(action="pointbooking.export")
    assert entry.actor == world["dave"] and entry.changes == {"rows": 1}


def test_a_pioneer_sees_names_only_of_their_grids_bookings_but_every_place_counted(
    client: Client, world: World, point: ServicePoint
) -> None:
    mine = booked(point, world)  # 周福珍, 1幢: carol's grid
    other = booked(point, world, resident=world.resident2)  # 2幢: another grid
    as_user(client, world, "carol")
    page = client.get(point.get_absolute_url()).content.decode()
    assert f'data-booking="{mine.pk}"' in page and mine.name in page
    assert f'data-booking="{other.pk}"' not in page and other.name not in page
    assert f'data-free="{mine.slot_id}">0<' in page
    assert f'data-others="{mine.slot_id}"' in page
    as_user(client, world, "bob")
    page = client.get(point.get_absolute_url()).content.decode()
    assert other.name in page and f'data-others="{mine.slot_id}"' not in page
