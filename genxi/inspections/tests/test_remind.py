"""The daily reminder of overdue rectifications: once a day per finding, again the next day,
never for what is fixed, accepted or in a closed round."""

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from genxi.core.models import Notification
from genxi.inspections.models import Finding, FindingStatus, RoundStatus
from genxi.inspections.services import rectification as services
from genxi.inspections.tests.conftest import YuanHe

pytestmark = pytest.mark.django_db


def run() -> str:
    out = StringIO()
    call_command("inspections_remind", stdout=out)
    return out.getvalue()


def test_overdue_reminded_once_a_day(
    sent_findings: list[Finding], yuanhe: YuanHe, django_capture_on_commit_callbacks: Any
) -> None:
    late = sent_findings[1]
    assert "reminded: 0" in run()  # not due yet; the on-the-spot one has no deadline
    with time_machine.travel(timezone.now() + timedelta(days=11), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert "reminded: 1" in run()
        assert "reminded: 0" in run()  # not twice the same day
        told = list(Notification.objects.values_list("user__username", "url"))
        assert told == [("oscar", late.get_absolute_url())]
        assert Finding.objects.get(pk=late.pk).reminded_at is not None
        # The reminder is not an edit: an open form stays valid.
        assert Finding.objects.get(pk=late.pk).updated_at == late.updated_at
    with time_machine.travel(timezone.now() + timedelta(days=12), tick=False):
        assert "reminded: 1" in run()  # the next day, again


def test_not_reminded_when_fixed_or_closed(sent_findings: list[Finding], yuanhe: YuanHe) -> None:
    late = sent_findings[1]
    services.record_plan(actor=yuanhe["oscar"], finding=late, plan="计划")
    with time_machine.travel(timezone.now() + timedelta(days=11), tick=False):
        assert "reminded: 1" in run()  # planned but not fixed: still overdue
    Finding.objects.filter(pk=late.pk).update(status=FindingStatus.FIXED, reminded_at=None)
    with time_machine.travel(timezone.now() + timedelta(days=13), tick=False):
        assert "reminded: 0" in run()
    Finding.objects.filter(pk=late.pk).update(status=FindingStatus.RETURNED)
    late.round.__class__.objects.filter(pk=late.round_id).update(status=RoundStatus.CLOSED)
    with time_machine.travel(timezone.now() + timedelta(days=14), tick=False):
        assert "reminded: 0" in run()
