"""The demo's pioneers' work (loaded by `genxi demo`, idempotent: each record is found by its
stable names):

- appointments: 富元雅苑党支部's 海棠先锋 appointed at the ceremony, with the duties template
  and the assessment rules, a grid and a certificate; the history of the other appointments;
- visits: a month of visits by the demo pioneer 周建昌 and others, from their visit plans;
- assessment: the street's scheme, the communities' ratings, residents' stars, the ranking;
- points: items that earn points, rewards in stock, some earned and spent.

Dates are relative to the day the demo is loaded. Each part is its own function below.
"""

from datetime import date


def load(today: date) -> int:
    """Load every part; returns how many records were created."""
    return _appointments(today) + _visits(today) + _assessment(today) + _points(today)


# -- Appointments (helper A) -------------------------------------------------------------------


def _appointments(today: date) -> int:
    return 0


# -- Visits (helper B) -------------------------------------------------------------------------


def _visits(today: date) -> int:
    return 0


# -- Assessment (helper C) ---------------------------------------------------------------------


def _assessment(today: date) -> int:
    return 0


# -- Points (helper D) -------------------------------------------------------------------------


def _points(today: date) -> int:
    """白洋湾街道's items and rewards, 和泰社区's own, residents of 和泰 who earned points by
    volunteering (the demo resident 沈玉兰 among them, with points to spend), and a couple of
    redemptions: one handed over at the counter, one waiting with its pick-up code. Loaded once
    (the street's first item marks it done)."""
    from datetime import datetime, time, timedelta

    from genxi.accounts.models import User
    from genxi.pioneers.models import PointAccount, PointEntry, PointItem
    from genxi.pioneers.services import points as service
    from genxi.places.models import Area, AreaKind, Resident

    street = Area.objects.filter(kind=AreaKind.STREET, name="白洋湾街道").first()
    hetai = Area.objects.filter(kind=AreaKind.COMMUNITY, name="和泰社区").first()
    if street is None or hetai is None or PointItem.objects.filter(area=street).exists():
        return 0
    street_staff = User.objects.filter(username="street").first()
    staff = User.objects.filter(username="community").first()
    made = 0
    items = {}
    for area, name, points in [
        (street, "参加志愿服务", 5),
        (street, "入户走访协助", 2),
        (street, "垃圾分类督导", 3),
        (street, "文明劝导", 2),
        (hetai, "楼道清洁", 2),
        (hetai, "议事会列席", 1),
    ]:
        items[name] = service.create_item(actor=street_staff, area=area, name=name, points=points)
        made += 1
    rewards = {}
    for area, name, cost, stock, description in [
        (street, "洗衣液", 50, 20, "2 公斤装一瓶"),
        (street, "大米", 100, 10, "5 公斤一袋"),
        (street, "理发券", 30, 40, "社区便民理发点使用"),
        (hetai, "环保购物袋", 10, 60, ""),
    ]:
        rewards[name] = service.create_reward(
            actor=street_staff,
            area=area,
            name=name,
            cost=cost,
            stock=stock,
            description=description,
        )
        made += 1
    residents = list(Resident.objects.filter(area__path__startswith=hetai.path).order_by("id")[:12])
    me = Resident.objects.filter(user__username="resident").first()
    if me is not None and me not in residents:
        residents.insert(0, me)
    # A few activities over the last months, each awarded to the residents who came.
    done = [
        ("参加志愿服务", "学雷锋志愿服务", residents[::1]),
        ("垃圾分类督导", "垃圾分类桶边督导", residents[::2]),
        ("参加志愿服务", "重阳节敬老活动", residents[::3]),
        ("入户走访协助", "协助走访独居老人", residents[:4]),
        ("楼道清洁", "三花苑楼道清洁日", residents[1::2]),
        ("参加志愿服务", "社区运动会志愿者", residents[:8]),
    ]
    zone = datetime.now().astimezone().tzinfo
    for n, (item, reason, who) in enumerate(done):
        if not who:
            continue
        entries = service.award_many(actor=staff, residents=who, item=items[item], reason=reason)
        # Dated back over the last months, oldest first, so the ledger reads as it happened.
        day = today - timedelta(days=15 * (len(done) - n))
        at = datetime.combine(day, time(16, 30), tzinfo=zone)
        PointEntry.objects.filter(pk__in=[e.pk for e in entries]).update(at=at)
        made += len(entries)
    if me is not None:
        account = PointAccount.objects.get(resident=me)
        service.adjust(
            actor=staff, account=account, points=40, reason="补录上半年志愿服务（纸质台账）"
        )
        handed = service.redeem(
            actor=User.objects.filter(username="resident").first(),
            account=account,
            reward=rewards["理发券"],
        )
        service.hand_over(actor=staff, redemption=handed)
        service.redeem(actor=None, account=account, reward=rewards["环保购物袋"])
        made += 3
    return made
