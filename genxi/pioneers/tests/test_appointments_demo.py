"""The demo's appointments: 富元雅苑党支部's 海棠先锋 at 朱巷社区 with the duties template, every
appointment with its history; a second load creates nothing."""

import pytest
from django.utils import timezone

from genxi.pioneers import demo
from genxi.pioneers.models import AppointmentEvent, DutyTemplate
from genxi.places import demo as places_demo
from genxi.places.models import Pioneer

pytestmark = pytest.mark.django_db


def test_the_demo_appointments_and_a_second_load() -> None:
    places_demo.load()
    today = timezone.localdate()
    created = demo._appointments(today)
    template = DutyTemplate.objects.get(area__name="朱巷社区", name="海棠先锋职责")
    assert "考核" in template.assessment_rules
    pioneer = Pioneer.objects.get(party_org__name="富元雅苑党支部")
    assert pioneer.community.name == "朱巷社区"
    assert pioneer.grids.get().name == "朱巷第一网格"
    assert "联系网格内住户" in pioneer.duties and "走访完成率40%" in pioneer.duties
    assert pioneer.term_ends_on is not None
    assert created == 1 + Pioneer.objects.count()
    assert not Pioneer.objects.filter(events__isnull=True).exists()
    events = AppointmentEvent.objects.count()
    assert demo._appointments(today) == 0
    assert AppointmentEvent.objects.count() == events
