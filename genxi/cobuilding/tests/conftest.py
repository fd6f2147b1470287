"""Fixtures shared by co-building's tests.

- `pairing`: 宝祥社区 and 金阳宝地物业 (dave is its handler) in an agreement in force since eight
  weeks ago, with a weekly self-inspection report (the partner's, listing problems, due the day
  after each week) and a quarterly joint activity (ours); its items made up to today.
- `point`: a recycling point in 和泰社区 run by 金阳宝地物业, open every day 08:00–18:00, with a
  price list and a home-visit slot tomorrow 09:00–11:00 for 2 households.
- `need` and `resource`: 和泰社区's playground need (category 绿化养护) and 金阳宝地物业's offer of
  ¥50,000 for playgrounds in the same category.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from genxi.cobuilding import schedule
from genxi.cobuilding.models import (
    Agreement,
    AgreementParty,
    AgreementStatus,
    Cadence,
    Commitment,
    CommitmentKind,
    Need,
    NeedSource,
    OpeningHours,
    PointKind,
    PriceItem,
    Resource,
    ResourceKind,
    ServicePoint,
    Side,
    VisitSlot,
)
from genxi.conftest import World
from genxi.demands.models import Category
from genxi.demands.services.categories import create_category


def release(response: Any) -> None:
    """Close a file response's file without `response.close()`, whose request_finished signal
    would close the test's database connection (on PostgreSQL)."""
    for closer in response._resource_closers:
        closer()
    response._resource_closers.clear()


def at(days: int, hour: int, minute: int = 0) -> datetime:
    """Today plus `days`, at a local time."""
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@dataclass
class Pairing:
    agreement: Agreement
    weekly: Commitment
    quarterly: Commitment


@pytest.fixture
def pairing(world: World) -> Pairing:
    today = timezone.localdate()
    agreement = Agreement.objects.create(
        title="宝祥社区与金阳宝地物业结对共建协议",
        community=world.baoxiang,
        starts_on=today - timedelta(weeks=8),
        ends_on=today + timedelta(days=365),
        liaison_name="钱主任",
        status=AgreementStatus.ACTIVE,
        signed_on=today - timedelta(weeks=8),
    )
    AgreementParty.objects.create(
        agreement=agreement, partner=world.partner, liaison_name="戴夫", liaison_phone="13700000001"
    )
    weekly = Commitment.objects.create(
        agreement=agreement,
        title="文明城市建设问题自查周报",
        kind=CommitmentKind.REPORT,
        cadence=Cadence.WEEKLY,
        owner_side=Side.PARTNER,
        owner_partner=world.partner,
        due_after_days=1,
        lists_problems=True,
    )
    quarterly = Commitment.objects.create(
        agreement=agreement,
        title="联合开展主题党日活动",
        kind=CommitmentKind.ACTIVITY,
        cadence=Cadence.QUARTERLY,
        owner_side=Side.COMMUNITY,
    )
    schedule.materialise(agreement)
    return Pairing(agreement=agreement, weekly=weekly, quarterly=quarterly)


@pytest.fixture
def point(world: World) -> ServicePoint:
    point = ServicePoint.objects.create(
        community=world.hetai,
        name="舍得空间",
        kind=PointKind.RECYCLING,
        provider=world.partner,
        venue=world.venue,
        phone="051265000000",
        home_visits=True,
    )
    for weekday in range(7):
        OpeningHours.objects.create(point=point, weekday=weekday, opens=time(8), closes=time(18))
    PriceItem.objects.create(point=point, material="纸板", unit="kg", price=Decimal("1.20"))
    PriceItem.objects.create(point=point, material="旧衣物", unit="kg", price=Decimal("0.60"))
    VisitSlot.objects.create(point=point, starts_at=at(1, 9), ends_at=at(1, 11), capacity=2)
    return point


@pytest.fixture
def greening(world: World) -> Category:
    return create_category(actor=None, name="绿化养护", keywords="绿化 草坪 游园 场地")


@pytest.fixture
def need(world: World, greening: Category) -> Need:
    return Need.objects.create(
        community=world.hetai,
        area=world.compound,
        title="小游园塑胶场地老化，需翻新约100平方米",
        category=greening,
        source=NeedSource.DIRECT,
        amount=Decimal(50000),
    )


@pytest.fixture
def resource(world: World, greening: Category) -> Resource:
    return Resource.objects.create(
        partner=world.partner,
        kind=ResourceKind.MONEY,
        title="共建资金：小区公共场地改造",
        category=greening,
        amount=Decimal(50000),
        area=world.street,
        area_path=world.street.path,
    )
