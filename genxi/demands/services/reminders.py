"""The daily sweep (`manage.py remind_demands`): deadlines near or passed, call-backs due."""

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from genxi.accounts.models import Role, User
from genxi.core.notify import notify
from genxi.core.workdays import WorkCalendar
from genxi.demands.models import Demand, DemandEvent, EventKind, Status
from genxi.demands.services.callbacks import _still_to_call
from genxi.demands.services.steps import (
    _event,
    _handlers_of,
    _handlers_of_community,
    _tell_reporters,
)


def remind_and_escalate(*, today: date | None = None) -> dict[str, int]:
    """The periodic deadline sweep (`manage.py remind_demands`, daily from a scheduler).

    Handlers hear about a demand due by the next working day; an overdue demand is escalated
    to the staff of its street. Each demand is reminded and escalated once per deadline: the
    sweep records an event and skips demands that already have one.
    """
    day = today or timezone.localdate()
    next_workday = WorkCalendar.load().add_workdays(day, 1).day
    open_ = (
        Demand.objects.open()
        .exclude(status__in=(Status.RESOLVED, Status.CALLED_BACK))
        .select_related("community")
    )
    counts = {"reminded": 0, "escalated": 0}
    # One small query per candidate: a daily sweep over the demands due or late that day.
    for demand in open_.filter(resolution_due__gte=day, resolution_due__lte=next_workday):
        if demand.events.filter(
            kind=EventKind.REMINDED, data__due=demand.resolution_due.isoformat()
        ).exists():
            continue
        with transaction.atomic():
            _event(
                demand,
                actor=None,
                kind=EventKind.REMINDED,
                data={"due": demand.resolution_due.isoformat()},
            )
            notify(
                users=_handlers_of(demand),
                title=_("Due soon: %(title)s") % {"title": demand.title},
                body=_("Resolve by %(day)s") % {"day": demand.resolution_due.isoformat()},
                url=demand.get_absolute_url(),
            )
        counts["reminded"] += 1
    for demand in open_.overdue(day):
        due = (
            demand.response_due if demand.status == Status.COLLECTED else demand.resolution_due
        ).isoformat()
        if demand.events.filter(kind=EventKind.ESCALATED, data__due=due).exists():
            continue
        street = demand.community.street()
        with transaction.atomic():
            _event(demand, actor=None, kind=EventKind.ESCALATED, data={"due": due})
            notify(
                users=User.objects.filter(
                    is_active=True, memberships__role=Role.STREET_STAFF, memberships__area=street
                ),
                title=_("Overdue in %(community)s: %(title)s")
                % {"community": demand.community.name, "title": demand.title},
                body=_("It was due on %(day)s.") % {"day": due},
                url=demand.get_absolute_url(),
            )
        counts["escalated"] += 1
    counts["callbacks_due"] = _callbacks_due(day)
    return counts


CALLBACK_WINDOW_DAYS = 30


def _callbacks_due(day: date) -> int:
    """Resolved demands whose call-back falls due (GENXI_CALLBACK_DAYS working days after the
    resolution) by `day` and who still have reporters to call: the community's staff are
    reminded to call, those reporters told to expect the call. Once per resolution; demands
    resolved more than CALLBACK_WINDOW_DAYS ago are left to the ledger (status "resolved, to
    call back"), so a first run on old data texts nobody about long-past work."""
    calendar = WorkCalendar.load()
    days = settings.GENXI_CALLBACK_DAYS
    since = datetime.combine(
        day - timedelta(days=CALLBACK_WINDOW_DAYS), time.min, tzinfo=timezone.get_current_timezone()
    )
    # Reminded since it was last resolved (a reopened demand is resolved again later).
    reminded = DemandEvent.objects.filter(
        demand=OuterRef("pk"), kind=EventKind.CALLBACK_DUE, at__gte=OuterRef("resolved_on")
    )
    waiting = (
        Demand.objects.filter(status=Status.RESOLVED)
        .annotate(resolved_on=Coalesce("resolved_at", "updated_at"))
        .filter(resolved_on__gte=since)
        .exclude(Exists(reminded))
        .select_related("community")
        .order_by("resolved_on", "id")
    )
    count = 0
    for demand in waiting.iterator(500):
        resolved_on = timezone.localdate(demand.resolved_on)  # type: ignore[attr-defined]
        due = calendar.add_workdays(resolved_on, days).day
        if due > day:
            continue
        to_call = [r.resident for r in _still_to_call(demand).select_related("resident")]
        if not to_call:
            continue  # everyone has been called back: closing out is next, no reminder
        with transaction.atomic():
            _event(
                demand,
                actor=None,
                kind=EventKind.CALLBACK_DUE,
                data={"round": demand.callback_round, "due": due.isoformat(),
                      "to_call": len(to_call)},
            )  # fmt: skip
            notify(
                users=_handlers_of_community(demand),
                title=_("Call-back due: %(title)s") % {"title": demand.title},
                body=_("Resolved on %(day)s: call every reporter back, then close it out.")
                % {"day": resolved_on.isoformat()},
                url=demand.get_absolute_url(),
            )
            _tell_reporters(
                demand,
                _("The community will call you to ask whether your demand was resolved well"),
                to_call,
            )
        count += 1
    return count
