"""Co-building's figures on small hand-made data (2025), with exact numbers: each definition,
each grouping (street, community, partner, month), each scope, the page and its Excel export."""

import io
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from genxi.cobuilding import figures
from genxi.cobuilding.models import (
    Agreement,
    AgreementParty,
    AgreementStatus,
    Cadence,
    Claim,
    Commitment,
    CommitmentKind,
    Delivery,
    DueItem,
    MemberRegistration,
    Need,
    NeedClaimStatus,
    NeedSource,
    NeedStatus,
    PointBooking,
    PointBookingStatus,
    RegistrationStatus,
    Resource,
    ResourceKind,
    ServiceHours,
    ServicePoint,
    Side,
    VisitSlot,
)
from genxi.conftest import World

pytestmark = pytest.mark.django_db


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def agreement(world: World, community: Any, partner: Any, **fields: Any) -> Agreement:
    values = {
        "title": f"{community.name}与{partner.name}结对共建协议",
        "community": community,
        "starts_on": date(2025, 1, 1),
        "ends_on": date(2025, 12, 31),
        "status": AgreementStatus.ACTIVE,
        **fields,
    }
    if values["status"] != AgreementStatus.DRAFT:
        values.setdefault("signed_on", values["starts_on"])
    made = Agreement.objects.create(**values)
    AgreementParty.objects.create(agreement=made, partner=partner)
    return made


def item(commitment: Commitment, due: date, filed: datetime | None) -> DueItem:
    return DueItem.objects.create(
        commitment=commitment, period_start=due.replace(day=1), period_end=due, due_on=due,
        filed_at=filed,
    )  # fmt: skip


def delivered(
    need_community: Any, partner: Any, recorded: date, on: date, resource: Any = None
) -> None:
    need = Need.objects.create(
        community=need_community, title=f"需求{recorded}", source=NeedSource.DIRECT,
        status=NeedStatus.MET,
    )  # fmt: skip
    Need.objects.filter(pk=need.pk).update(created_at=at(recorded, 9))
    claim = Claim.objects.create(
        need=need, partner=partner, resource=resource, status=NeedClaimStatus.DELIVERED
    )
    Delivery.objects.create(claim=claim, what="已交付", delivered_on=on)


@dataclass
class Data:
    a1: Agreement
    a4: Agreement


@pytest.fixture
def data(world: World, point: ServicePoint) -> Data:
    return build(world, point)


def build(world: World, point: ServicePoint) -> Data:
    """2025's records of 白洋湾 (and one of 娄北), each figure's cases."""
    p, other = world.partner, world.other_partner
    a1 = agreement(world, world.hetai, p)
    agreement(
        world, world.baoxiang, other, starts_on=date(2024, 1, 1), ends_on=date(2026, 12, 31),
        status=AgreementStatus.ENDED, ended_on=date(2025, 3, 31),
    )  # fmt: skip
    agreement(world, world.hetai, other, status=AgreementStatus.DRAFT, title="草稿")
    agreement(world, world.hetai, other, starts_on=date(2023, 1, 1), ends_on=date(2024, 12, 31))
    a4 = agreement(world, world.loubei, other)

    theirs = Commitment.objects.create(
        agreement=a1, title="月报", kind=CommitmentKind.REPORT, cadence=Cadence.MONTHLY,
        owner_side=Side.PARTNER, owner_partner=p,
    )  # fmt: skip
    ours = Commitment.objects.create(
        agreement=a1, title="主题党日", kind=CommitmentKind.ACTIVITY, cadence=Cadence.QUARTERLY,
        owner_side=Side.COMMUNITY,
    )  # fmt: skip
    item(theirs, date(2025, 2, 1), at(date(2025, 1, 31)))  # on time
    item(theirs, date(2025, 3, 1), at(date(2025, 3, 5)))  # late
    item(theirs, date(2025, 4, 1), None)  # missed
    item(ours, date(2025, 5, 1), at(date(2025, 5, 1), 23, 30))  # on its day, late evening
    louibei_item = Commitment.objects.create(
        agreement=a4, title="周报", kind=CommitmentKind.REPORT, cadence=Cadence.WEEKLY,
        owner_side=Side.PARTNER, owner_partner=other,
    )  # fmt: skip
    item(louibei_item, date(2025, 2, 3), at(date(2025, 2, 3)))

    offered = Resource.objects.create(
        partner=p, kind=ResourceKind.MONEY, title="共建资金", area=world.hetai,
        area_path=world.hetai.path,
    )  # fmt: skip
    Resource.objects.filter(pk=offered.pk).update(created_at=at(date(2025, 6, 10)))
    old = Resource.objects.create(
        partner=p, kind=ResourceKind.SERVICE, title="义诊", area_path=world.baoxiang.path
    )
    Resource.objects.filter(pk=old.pk).update(created_at=at(date(2024, 6, 10)))

    delivered(world.hetai, p, date(2025, 3, 1), date(2025, 3, 11), resource=offered)  # 10 days
    delivered(world.baoxiang, other, date(2025, 5, 1), date(2025, 5, 5))  # 4 days
    delivered(world.hetai, p, date(2025, 6, 1), date(2025, 6, 7))  # 6 days
    delivered(world.loubei, other, date(2025, 6, 1), date(2025, 6, 2))  # another street
    delivered(world.hetai, p, date(2025, 12, 20), date(2026, 1, 2))  # next year

    member = MemberRegistration.objects.create(
        community=world.hetai, name="党员甲", phone="13900000001", partner=p, branch="第一支部",
        status=RegistrationStatus.CONFIRMED,
    )  # fmt: skip
    for on, hours in [
        (date(2025, 7, 1), "2.5"),
        (date(2025, 8, 1), "1.5"),
        (date(2024, 12, 31), "5"),
    ]:
        ServiceHours.objects.create(member=member, source="staff", on=on, hours=Decimal(hours))

    slot = VisitSlot.objects.create(
        point=point, starts_at=at(date(2025, 9, 1), 9), ends_at=at(date(2025, 9, 1), 11), capacity=5
    )
    for place, status, done in [
        (1, PointBookingStatus.DONE, at(date(2025, 9, 1), 10)),
        (2, PointBookingStatus.CANCELLED, None),
        (3, PointBookingStatus.DONE, at(date(2026, 1, 1), 0, 30)),
    ]:
        PointBooking.objects.create(
            point=point, slot=slot, place=place, name="周福珍", phone="13812345678",
            address="三花苑1幢302", channel="staff_call", status=status, done_at=done,
        )  # fmt: skip
    return Data(a1=a1, a4=a4)


YEAR = {"start": date(2025, 1, 1), "end": date(2025, 12, 31)}


def test_each_figure_of_the_street(world: World, data: Data) -> None:
    f = figures.compute(user=world["alice"], **YEAR)
    t = f.total
    # A1 and the agreement ended in March; not the draft, the one that ended in 2024, nor 娄北's.
    assert t.agreements == 2
    # 4 items due in 2025 (not 娄北's): filed on or before the due day: 2 (one at 23:30).
    assert (t.items_due, t.items_on_time, t.on_time_rate) == (4, 2, 50.0)
    assert (t.resources_offered, t.resources_delivered) == (1, 1)
    assert t.needs_met == 3 and t.median_days == 6
    assert t.hours == Decimal("4.0")
    assert t.bookings == 1


def test_the_groupings(world: World, data: Data) -> None:
    f = figures.compute(user=world["alice"], **YEAR)
    street = {name: row for _k, name, row in f.rows("street")}
    assert list(street) == ["白洋湾街道"] and street["白洋湾街道"].needs_met == 3
    community = {name: row for _k, name, row in f.rows("community")}
    hetai, baoxiang = community["和泰社区"], community["宝祥社区"]
    assert (hetai.agreements, hetai.items_due, hetai.items_on_time) == (1, 4, 2)
    assert (hetai.needs_met, hetai.median_days, hetai.bookings) == (2, 8, 1)
    assert (baoxiang.agreements, baoxiang.needs_met, baoxiang.median_days) == (1, 1, 4)
    partner = {name: row for _k, name, row in f.rows("partner")}
    mine = partner["金阳宝地物业"]
    # The partner's own side: the monthly report's 3 items, 1 on time.
    assert (mine.items_due, mine.items_on_time, mine.on_time_rate) == (3, 1, 33.3)
    assert (mine.needs_met, mine.resources_delivered, mine.hours, mine.bookings) == (
        2, 1, Decimal("4.0"), 1,
    )  # fmt: skip
    assert partner["苏州市农产品发展有限公司"].agreements == 1
    months = {name: row for _k, name, row in f.rows("month")}
    assert len(months) == 12
    assert (months["2025-03"].items_due, months["2025-03"].items_on_time) == (1, 0)
    assert months["2025-03"].needs_met == 1 and months["2025-03"].agreements == 2
    assert months["2025-04"].agreements == 1  # the other ended on 31 March
    assert months["2025-09"].bookings == 1


def test_the_scope(world: World, data: Data) -> None:
    # The community's staff: 和泰 only.
    bob = figures.compute(user=world["bob"], **YEAR).total
    assert (bob.agreements, bob.items_due, bob.needs_met, bob.bookings) == (1, 4, 2, 1)
    # Another street's staff: 娄北 only.
    oscar = figures.compute(user=world["oscar"], **YEAR).total
    assert (oscar.agreements, oscar.items_due, oscar.items_on_time, oscar.needs_met) == (1, 1, 1, 1)
    # A partner handler: their unit's records, and only their unit's row by partner.
    dave = figures.compute(user=world["dave"], **YEAR)
    assert (dave.total.agreements, dave.total.needs_met, dave.total.resources_offered) == (1, 2, 1)
    assert [name for _k, name, _r in dave.rows("partner")] == ["金阳宝地物业"]
    # An area picked: 宝祥 alone.
    baoxiang = figures.compute(user=world["alice"], area=world.baoxiang, **YEAR).total
    assert (baoxiang.agreements, baoxiang.needs_met, baoxiang.items_due) == (1, 1, 0)


def test_items_not_yet_due_are_not_counted(world: World, data: Data) -> None:
    today = timezone.localdate()
    later = Commitment.objects.create(
        agreement=data.a1, title="年报", kind=CommitmentKind.REPORT, cadence=Cadence.YEARLY,
        owner_side=Side.PARTNER,
    )  # fmt: skip
    item(later, date(today.year + 1, 1, 1), None)
    f = figures.compute(
        user=world["alice"], start=date(2025, 1, 1), end=date(today.year + 1, 12, 31)
    )
    assert f.total.items_due == 4


def test_an_agreement_ended_before_it_was_signed_counts_for_nothing(
    world: World, data: Data
) -> None:
    """Neither the agreement nor its items: nothing was ever owed under it."""
    unsigned = agreement(
        world, world.hetai, world.other_partner, status=AgreementStatus.ENDED,
        ended_on=date(2025, 6, 30), signed_on=None, title="未签即终止",
    )  # fmt: skip
    owed = Commitment.objects.create(
        agreement=unsigned, title="季报", kind=CommitmentKind.REPORT, cadence=Cadence.QUARTERLY,
        owner_side=Side.PARTNER,
    )  # fmt: skip
    item(owed, date(2025, 4, 1), None)
    item(owed, date(2025, 5, 1), at(date(2025, 4, 30)))
    f = figures.compute(user=world["alice"], **YEAR)
    # As without it: A1 and the one ended in March; A1's 4 items, 2 on time.
    assert f.total.agreements == 2
    assert (f.total.items_due, f.total.items_on_time) == (4, 2)
    partner = {name: row for _k, name, row in f.rows("partner")}
    assert partner["苏州市农产品发展有限公司"].agreements == 1  # the one ended in March
    assert partner["苏州市农产品发展有限公司"].items_due == 0
    months = {name: row for _k, name, row in f.rows("month")}
    assert months["2025-05"].agreements == 1 and months["2025-04"].items_due == 1


def test_the_agreements_in_force_today_are_counted(world: World) -> None:
    """A period that holds today counts every agreement `Agreement.objects.in_force()` finds
    (and, in this month's column, exactly them when none ended earlier in the month)."""
    today = timezone.localdate()
    start = today.replace(day=1)
    running = agreement(
        world, world.hetai, world.partner, starts_on=start, ends_on=date(today.year + 1, 12, 31)
    )
    agreement(
        world, world.baoxiang, world.other_partner, starts_on=start,
        ends_on=date(today.year + 1, 12, 31), signed_on=None, status=AgreementStatus.ENDED,
        ended_on=today,
    )  # fmt: skip
    agreement(world, world.hetai, world.other_partner, status=AgreementStatus.DRAFT,
              starts_on=start, ends_on=date(today.year + 1, 12, 31))  # fmt: skip
    in_force = set(Agreement.objects.in_force(today).values_list("pk", flat=True))
    assert in_force == {running.pk}
    f = figures.compute(user=world["alice"], start=start, end=today)
    assert f.total.agreements == 1
    assert f.rows("month")[-1][2].agreements == 1


def test_the_page_and_its_export(world: World, data: Data) -> None:
    client = Client()
    client.force_login(world["alice"])
    url = reverse("cobuilding:figures")
    response = client.get(url, {"period": "year", "year": 2025})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-figure="on_time">50.0%' in html
    assert 'id="cobuilding-chart"' in html and 'data-table="partner"' in html
    assert response.context["chart"]["line"]["data"][1] == 100.0  # February: on time
    assert client.get(url, {"area": world.loubei.pk}).status_code == 404

    export = client.get(url, {"period": "year", "year": 2025, "format": "xlsx"})
    assert export.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content)))
    assert len(book.sheetnames) == 6  # total, street, community, partner, month, definitions
    community = book.worksheets[2]
    rows = {r[0]: r for r in community.iter_rows(min_row=2, values_only=True)}
    assert rows["和泰社区"][1:5] == (1, 4, 2, 50)
    months = book.worksheets[4]
    assert months.max_row == 13


@pytest.mark.parametrize(
    ("username", "status"), [("dave", 200), ("frank", 200), ("erin", 404), ("carol", 404)]
)
def test_who_opens_the_page(world: World, username: str, status: int) -> None:
    client = Client()
    client.force_login(world[username])
    assert client.get(reverse("cobuilding:figures")).status_code == status
