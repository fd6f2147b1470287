"""The demo's agreements: 娄北's weekly report with its history, the four short agreements and
the partner's demo user; a second load creates nothing."""

import pytest
from django.utils import timezone

from genxi.accounts.models import Membership, Role, User
from genxi.cobuilding import demo, schedule
from genxi.cobuilding.models import Agreement, AgreementStatus, Cadence, DueItem, ReportProblem
from genxi.demands import demo as demands_demo
from genxi.demands.models import Channel
from genxi.places import demo as places_demo
from genxi.places.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def test_the_demo_agreements_and_a_second_load(settings: object) -> None:
    places_demo.load()
    demands_demo.load_categories()
    today = timezone.localdate()
    created = demo._agreements(today)
    assert created > 5
    assert Agreement.objects.filter(status=AgreementStatus.ACTIVE).count() == 5
    loubei = Agreement.objects.get(community__name="娄北社区")
    weekly = loubei.commitments.get(cadence=Cadence.WEEKLY)
    outcomes = [schedule.outcome(i, today) for i in weekly.items.order_by("period_start")]
    passed = [o for o in outcomes if o != schedule.Outcome.COMING and o != schedule.Outcome.DUE]
    assert passed.count(schedule.Outcome.LATE) == 1
    assert passed.count(schedule.Outcome.OVERDUE) == 1 and passed[-1] == schedule.Outcome.OVERDUE
    assert passed.count(schedule.Outcome.ON_TIME) == len(passed) - 2 >= 7
    problem = ReportProblem.objects.get(filing__item__commitment=weekly)
    assert problem.demand is not None and problem.demand.channel == Channel.INSPECTION
    handler = User.objects.get(username="nongchan")
    assert handler.check_password(DEMO_PASSWORD)
    assert Membership.objects.filter(
        user=handler, role=Role.PARTNER, partner__name="苏州市农产品发展有限公司"
    ).exists()
    assert set(Agreement.objects.values_list("community__name", flat=True)) == {
        "娄北社区",
        "绿色时光社区",
        "和美社区",
        "虎池苑社区",
        "清嘉苑社区",
    }
    items = DueItem.objects.count()
    assert demo._agreements(today) == 0
    assert DueItem.objects.count() == items and Agreement.objects.count() == 5
