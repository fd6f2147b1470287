"""The demo's 双报到: 和泰社区's units and party members, posts, claims and hours; loaded once."""

from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from genxi.cobuilding import demo
from genxi.cobuilding.models import (
    MemberRegistration,
    Post,
    PostClaim,
    RegistrationStatus,
    ServiceHours,
    UnitRegistration,
)
from genxi.places import demo as places_demo

pytestmark = pytest.mark.django_db


def test_the_demo_has_members_reporting_to_hetai_with_posts_and_hours() -> None:
    places_demo.load()
    today = timezone.localdate()
    made = demo._members(today)
    assert made > 10
    members = MemberRegistration.objects.filter(community__name="和泰社区")
    statuses = sorted(members.values_list("status", flat=True))
    assert statuses.count(RegistrationStatus.PENDING) == 1
    assert statuses.count(RegistrationStatus.CONFIRMED) >= 3
    assert set(Post.objects.values_list("title", flat=True)) >= {"楼道文明引导员", "周末环境整治"}
    assert UnitRegistration.objects.filter(status=RegistrationStatus.PENDING).count() == 1
    assert UnitRegistration.objects.filter(status=RegistrationStatus.CONFIRMED).count() == 1
    guide = Post.objects.get(title="楼道文明引导员")
    assert PostClaim.objects.filter(post=guide).count() <= guide.places
    total = ServiceHours.objects.aggregate(n=Sum("hours"))["n"]
    assert total == Decimal("5.5")  # two Saturdays of 2 hours, and 1.5 entered by staff
    assert not members.filter(phone="13962510005").exists()  # the demo resident reports herself
    assert demo._members(today) == 0  # idempotent
