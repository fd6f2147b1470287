"""The demo's assessment: 白洋湾街道's scheme, 和泰's ratings for last month, residents' stars
and last month's ranking; a second load creates nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from genxi.demands import demo as demands_demo
from genxi.pioneers import assessment as engine
from genxi.pioneers import demo
from genxi.pioneers.models import Assessment, PeriodKind, Rating, ResidentRating
from genxi.places import demo as places_demo
from genxi.places.models import Area

pytestmark = pytest.mark.django_db


def test_the_demo_assessment_and_a_second_load() -> None:
    places_demo.load()
    demands_demo.load_categories()
    today = timezone.localdate()
    assert demo._assessment(today) > 0
    street = Area.objects.get(name="白洋湾街道")
    scheme = engine.scheme_for(street)
    assert scheme.shares == (60, 30, 10) and len(scheme.indicators) == 7
    assert [g for g, _f in scheme.grades] == ["优秀", "合格", "基本合格", "不合格"]
    last = engine.period_of(PeriodKind.MONTH, today.replace(day=1) - timedelta(days=1))
    assert Rating.objects.filter(
        pioneer__community__name="和泰社区", period_start=last.start
    ).exists()
    assert ResidentRating.objects.exists()
    rows = Assessment.objects.filter(period_kind=PeriodKind.MONTH, period_start=last.start)
    assert rows.count() == engine.pioneers_in(street, last).count() > 0
    assert all(r.grade for r in rows)
    assert demo._assessment(today) == 0
