"""The demo's co-building, from the seeds' five partnerships (loaded by `genxi demo`,
idempotent: each record is found by its title and community):

- 娄北社区 with 苏州市农产品发展有限公司: the agreement, its weekly self-inspection report;
- 和美社区 with 苏州信托: the playground need, claimed and delivered as a project contribution;
- 虎池苑社区's 舍得空间 with 苏州城投再生资源: the recycling point, its prices and home pick-ups;
- 绿色时光社区 with 京师(苏州)律师事务所: legal consultations as a resource;
- in-service party members reporting to 和泰社区, with posts and hours.

Dates are relative to the day the demo is loaded. Each part is its own function below.
"""

from datetime import date
from typing import Any


def load(today: date) -> int:
    """Load every part; returns how many records were created."""
    return _agreements(today) + _members(today) + _lists(today) + _points(today)


# -- Agreements and commitments (娄北 with 苏州市农产品发展有限公司) ----------------------------
#
#
#


def _agreements(today: date) -> int:
    return 0


# -- 双报到: units and in-service party members -------------------------------------------------
#
#
#


def _members(today: date) -> int:
    return 0


# -- The three lists (和美's playground, 绿色时光's legal consultations) ---------------------
#
#
#


def _lists(today: date) -> int:
    return 0


# -- Service points (虎池苑's 舍得空间) ------------------------------------------------------
#
#
#


# 舍得空间's prices per kg (a little above the market, as the seeds say).
_POINT_PRICES = [
    ("纸板", "kg", "1.20"),
    ("塑料瓶", "kg", "1.50"),
    ("旧衣物", "kg", "0.60"),
    ("金属", "kg", "2.50"),
    ("旧家电", "kg", "1.00"),
    ("废旧书报", "kg", "1.10"),
]
_POINT_NAME = "舍得空间"
_POINT_COMMUNITY = "虎池苑社区"
_POINT_PROVIDER = "苏州城投再生资源发展有限公司"


def _recycler(provider: Any, community: Any) -> Any:
    """The provider's worker who makes the home pick-ups (demo user `recycler`)."""
    from genxi.accounts.models import Membership, Role, User
    from genxi.accounts.services import create_user, grant_membership
    from genxi.places.demo import DEMO_PASSWORD

    user = User.objects.filter(username="recycler").first()
    if user is None:
        user = create_user(actor=None, username="recycler", password=DEMO_PASSWORD, name="沈国强")
    if not Membership.objects.filter(user=user, role=Role.PARTNER, partner=provider).exists():
        grant_membership(actor=None, user=user, role=Role.PARTNER, area=community, partner=provider)
    return user


def _points(today: date) -> int:
    """虎池苑社区's 舍得空间 with 苏州城投再生资源: open every day 8:00–11:00 and 14:00–17:00,
    recycling prices per kg, home pick-up slots for the coming two weeks (booked through
    `book_visit`), and five months of past pick-ups done with kg and amounts (written as
    history: the services refuse to book the past), a few cancelled or missed."""
    import random
    from datetime import datetime, time, timedelta
    from decimal import Decimal

    from django.db.models import Q
    from django.utils import timezone

    from genxi.cobuilding.models import (
        BookingChannel,
        CollectedItem,
        PointBooking,
        PointBookingStatus,
        PointKind,
        ServicePoint,
        VisitSlot,
    )
    from genxi.cobuilding.services import points as services
    from genxi.core.paths import path_range_q
    from genxi.places.models import Area, Partner, Resident, Venue

    community = Area.objects.filter(name=_POINT_COMMUNITY).first()
    provider = Partner.objects.filter(name=_POINT_PROVIDER).first()
    if community is None or provider is None:
        return 0
    created = 0
    worker = _recycler(provider, community)
    point = ServicePoint.objects.filter(community=community, name=_POINT_NAME).first()
    if point is not None:
        return created
    hours = [
        services.Hours(weekday=day, opens=opens, closes=closes)
        for day in range(7)
        for opens, closes in [(time(8), time(11)), (time(14), time(17))]
    ]
    point = services.create_point(
        actor=None,
        community=community,
        name=_POINT_NAME,
        kind=PointKind.RECYCLING,
        provider=provider,
        venue=Venue.objects.filter(name=_POINT_NAME).first(),
        address="虎池苑4幢旁",
        phone="051265230000",
        description="再生资源回收亭，回收专员每天驻点，以略高于市场的价格回收塑料、纸、金属、"
        "纺织品和废旧电器；大件可电话预约上门回收。",
        home_visits=True,
        hours=hours,
        prices=[services.Price(m, u, Decimal(p)) for m, u, p in _POINT_PRICES],
    )
    created += 1
    residents = list(
        Resident.objects.filter(path_range_q("area__path", [community.path]))
        .exclude(Q(phone__isnull=True) | Q(phone=""))
        .select_related("area__parent")
        .order_by("id")[:40]
    )
    if not residents:
        return created
    rng = random.Random(15)
    zone = timezone.get_current_timezone()
    prices = {m: Decimal(p) for m, _u, p in _POINT_PRICES}
    # The coming two weeks: a morning and an afternoon pick-up round each day, a few booked.
    tomorrow = today + timedelta(days=1)
    services.add_slots(
        actor=None,
        point=point,
        first_day=tomorrow,
        starts=time(9),
        ends=time(11),
        capacity=4,
        weeks=2,
    )
    for offset in range(1, 15):
        day = today + timedelta(days=offset)
        if day.weekday() == tomorrow.weekday():
            continue
        services.add_slots(
            actor=None, point=point, first_day=day, starts=time(14), ends=time(16), capacity=4
        )
    coming = list(VisitSlot.objects.filter(point=point).order_by("starts_at")[:6])
    channels = [BookingChannel.STAFF_CALL, BookingChannel.PROVIDER_CALL, BookingChannel.APP]
    for n, slot in enumerate(coming):
        services.book_visit(
            actor=None,
            slot=slot,
            channel=channels[n % 3],
            resident=residents[n % len(residents)],
            what=rng.choice(["旧冰箱一台", "纸板三捆", "旧衣物两袋", "旧洗衣机一台"]),
        )
    # History: five months of done pick-ups, so the figures have a shape.
    first = (today.replace(day=1) - timedelta(days=130)).replace(day=1)
    day = first
    n = 0
    while day < today:
        if day.weekday() in (1, 4):  # Tuesdays and Fridays
            start = datetime.combine(day, time(9), tzinfo=zone)
            slot = VisitSlot.objects.create(
                point=point, starts_at=start, ends_at=start + timedelta(hours=2), capacity=4
            )
            for place in range(1, rng.randint(1, 4) + 1):
                resident = residents[n % len(residents)]
                n += 1
                fate = rng.random()
                status = (
                    PointBookingStatus.CANCELLED
                    if fate < 0.05
                    else PointBookingStatus.MISSED
                    if fate < 0.09
                    else PointBookingStatus.DONE
                )
                booking = PointBooking.objects.create(
                    point=point,
                    slot=slot,
                    place=place,
                    resident=resident,
                    name=resident.name,
                    phone=resident.phone or "",
                    area=resident.area,
                    address=resident.address,
                    channel=rng.choice(channels),
                    status=status,
                    worker=worker,
                    done_at=start + timedelta(hours=1) if status == "done" else None,
                )
                if status != PointBookingStatus.DONE:
                    continue
                items = []
                for material in rng.sample(list(prices), rng.randint(1, 3)):
                    kg = Decimal(rng.randint(20, 400)) / 10
                    items.append(
                        CollectedItem(
                            booking=booking,
                            material=material,
                            kg=kg,
                            amount=(prices[material] * kg).quantize(Decimal("0.01")),
                        )
                    )
                CollectedItem.objects.bulk_create(items)
                booking.amount_paid = sum((i.amount for i in items), Decimal(0))
                booking.save(update_fields=["amount_paid"])
                created += 1
        day += timedelta(days=1)
    return created
