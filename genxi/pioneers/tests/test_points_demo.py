"""The demo's points: 白洋湾街道's items and rewards, residents of 和泰 who earned points, the
demo resident 沈玉兰 with points to spend, one redemption handed over and one to collect."""

import pytest
from django.utils import timezone

from genxi.accounts.models import User
from genxi.pioneers import demo
from genxi.pioneers import points as reads
from genxi.pioneers.models import (
    PointAccount,
    PointEntry,
    PointItem,
    Redemption,
    RedemptionStatus,
    Reward,
)
from genxi.places import demo as places_demo

pytestmark = pytest.mark.django_db


def test_the_demo_has_items_rewards_earners_and_redemptions() -> None:
    places_demo.load()
    today = timezone.localdate()
    made = demo._points(today)
    assert made > 20
    assert PointItem.objects.get(area__name="白洋湾街道", name="参加志愿服务").points == 5
    assert Reward.objects.get(area__name="白洋湾街道", name="大米").stock == 10
    assert Reward.objects.get(name="洗衣液").cost == 50
    assert PointAccount.objects.count() > 5
    statuses = sorted(Redemption.objects.values_list("status", flat=True))
    assert statuses == [RedemptionStatus.HANDED, RedemptionStatus.HELD]
    # The ledger adds up for every account, and no balance is negative.
    for account in PointAccount.objects.all():
        lines = PointEntry.objects.filter(account=account).order_by("id")
        assert sum(e.points for e in lines) == account.balance >= 0
        assert lines.last().balance_after == account.balance
    card = reads.resident_card(User.objects.get(username="resident"))
    assert card is not None and card["balance"] > 0 and card["to_collect"] == 1
    assert demo._points(today) == 0  # idempotent
