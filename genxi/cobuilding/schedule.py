"""When a commitment's items fall due: the periods of its cadence, and the rows made for them.

A period runs from its first to its last day (weeks Monday to Sunday, months, quarters,
calendar years), clipped to the agreement's dates; its item is due `due_after_days` after the
period's last day. An item exists from the day its period starts (`materialise`, run by
`manage.py cobuilding_due` each morning and when an agreement page opens), so the to-do lists
show what is coming as well as what is late.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from django.db.models import Max
from django.utils import timezone

from genxi.cobuilding.models import (
    Agreement,
    AgreementStatus,
    Cadence,
    Commitment,
    DueItem,
)


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    due_on: date


def _month_end(day: date) -> date:
    following = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return following - timedelta(days=1)


def _next_start(day: date, cadence: str) -> date:
    if cadence == Cadence.WEEKLY:
        return day - timedelta(days=day.weekday()) + timedelta(days=7)
    if cadence == Cadence.MONTHLY:
        return _month_end(day) + timedelta(days=1)
    if cadence == Cadence.QUARTERLY:
        first_month = (day.month - 1) // 3 * 3 + 1
        return _month_end(date(day.year, first_month + 2, 1)) + timedelta(days=1)
    if cadence == Cadence.YEARLY:
        return date(day.year + 1, 1, 1)
    raise ValueError(cadence)


def periods(commitment: Commitment, starts_on: date, ends_on: date) -> Iterator[Period]:
    """The commitment's periods between the agreement's dates (one-offs: the one due day;
    per activity: none, those come from the activities)."""
    grace = timedelta(days=commitment.due_after_days)
    if commitment.cadence == Cadence.ONCE:
        due = commitment.due_on or ends_on
        yield Period(starts_on, due, due)
        return
    if commitment.cadence == Cadence.PER_ACTIVITY:
        return
    start = starts_on
    while start <= ends_on:
        following = _next_start(start, commitment.cadence)
        end = min(following - timedelta(days=1), ends_on)
        yield Period(start, end, end + grace)
        start = following


class Outcome(StrEnum):
    """How an item stands today."""

    COMING = "coming"  # its period has not ended or it is not yet due
    DUE = "due"  # due today or earlier this period, not filed: on the to-do list
    ON_TIME = "on_time"
    LATE = "late"  # filed after its due day
    OVERDUE = "overdue"  # past its due day, not filed


def outcome(item: DueItem, today: date | None = None) -> Outcome:
    today = today or timezone.localdate()
    if item.filed_at is not None:
        filed = timezone.localdate(item.filed_at)
        return Outcome.ON_TIME if filed <= item.due_on else Outcome.LATE
    if today > item.due_on:
        return Outcome.OVERDUE
    if today >= item.period_end:
        return Outcome.DUE
    return Outcome.COMING


def materialise(agreement: Agreement, until: date | None = None) -> int:
    """Make the items of the agreement's commitments whose periods have started by `until`
    (today), and one per activity held with the partner; idempotent. Returns how many were
    made."""
    if agreement.status != AgreementStatus.ACTIVE or agreement.signed_on is None:
        # A draft owes nothing yet; an ended agreement owes only the items it had (ending
        # dropped those not yet due, which must not come back).
        return 0
    until = until or timezone.localdate()
    last_day = min(agreement.ends_on, agreement.ended_on or agreement.ends_on)
    rows: list[DueItem] = []
    commitments = list(agreement.commitments.filter(is_active=True))
    known = dict(
        DueItem.objects.filter(commitment__in=commitments)
        .values_list("commitment")
        .annotate(last=Max("period_start"))
    )
    for commitment in commitments:
        latest = known.get(commitment.pk)
        first_day = max(agreement.starts_on, commitment.starts_on or agreement.starts_on)
        for period in periods(commitment, first_day, last_day):
            if period.start > until:
                break
            if latest is not None and period.start <= latest:
                continue
            rows.append(
                DueItem(
                    commitment=commitment,
                    period_start=period.start,
                    period_end=period.end,
                    due_on=period.due_on,
                )
            )
        if commitment.cadence == Cadence.PER_ACTIVITY:
            rows.extend(_activity_items(agreement, commitment, until))
    made = DueItem.objects.bulk_create(rows, ignore_conflicts=True)
    return len(made)


def _activity_items(agreement: Agreement, commitment: Commitment, until: date) -> list[DueItem]:
    """An item for each activity a partner of the agreement co-organised with its community,
    due `due_after_days` after the activity's last session."""
    from django.db.models import Q

    from genxi.activities.models import Activity, ActivityStatus

    partners = (
        [commitment.owner_partner_id]
        if commitment.owner_partner_id
        else list(agreement.parties.values_list("partner_id", flat=True))
    )
    activities = (
        Activity.objects.filter(partners__in=partners)
        .filter(Q(owner=agreement.community) | Q(organisers=agreement.community))
        .exclude(status__in=[ActivityStatus.DRAFT, ActivityStatus.CANCELLED])
        .annotate(last=Max("sessions__ends_at"))
        .filter(last__isnull=False)
        .distinct()
    )
    done = set(commitment.items.exclude(activity=None).values_list("activity_id", flat=True))
    rows = []
    for activity in activities:
        held = timezone.localdate(activity.last)  # type: ignore[attr-defined]
        if activity.pk in done or held > until or held < agreement.starts_on:
            continue
        rows.append(
            DueItem(
                commitment=commitment,
                period_start=held,
                period_end=held,
                due_on=held + timedelta(days=commitment.due_after_days),
                activity=activity,
            )
        )
    return rows
