from datetime import date, timedelta

from django.utils import timezone

from genxi.cobuilding import schedule
from genxi.cobuilding.models import Cadence, Commitment


def _periods(cadence: str, start: date, end: date, **kw: object) -> list[schedule.Period]:
    return list(schedule.periods(Commitment(cadence=cadence, **kw), start, end))


def test_weeks_run_monday_to_sunday_clipped_to_the_agreement() -> None:
    found = _periods(Cadence.WEEKLY, date(2026, 3, 4), date(2026, 3, 20), due_after_days=1)
    assert [(p.start, p.end, p.due_on) for p in found] == [
        (date(2026, 3, 4), date(2026, 3, 8), date(2026, 3, 9)),
        (date(2026, 3, 9), date(2026, 3, 15), date(2026, 3, 16)),
        (date(2026, 3, 16), date(2026, 3, 20), date(2026, 3, 21)),
    ]


def test_quarters_months_and_years() -> None:
    quarters = _periods(Cadence.QUARTERLY, date(2026, 2, 10), date(2026, 12, 31))
    assert [(p.start, p.end) for p in quarters] == [
        (date(2026, 2, 10), date(2026, 3, 31)),
        (date(2026, 4, 1), date(2026, 6, 30)),
        (date(2026, 7, 1), date(2026, 9, 30)),
        (date(2026, 10, 1), date(2026, 12, 31)),
    ]
    months = _periods(Cadence.MONTHLY, date(2026, 12, 15), date(2027, 2, 28))
    assert [p.end for p in months] == [date(2026, 12, 31), date(2027, 1, 31), date(2027, 2, 28)]
    years = _periods(Cadence.YEARLY, date(2026, 6, 1), date(2027, 5, 31))
    assert [(p.start, p.end) for p in years] == [
        (date(2026, 6, 1), date(2026, 12, 31)),
        (date(2027, 1, 1), date(2027, 5, 31)),
    ]


def test_items_are_made_once_per_period_up_to_today(pairing) -> None:
    weeks = pairing.weekly.items.count()
    assert weeks in (8, 9)  # eight weeks back, and this week's (the start may fall mid-week)
    assert schedule.materialise(pairing.agreement) == 0
    this_week = pairing.weekly.items.order_by("-period_start").first()
    assert this_week.period_start <= timezone.localdate() <= this_week.period_end
    overdue = [
        i for i in pairing.weekly.items.all() if schedule.outcome(i) == schedule.Outcome.OVERDUE
    ]
    # The week before is overdue from the Tuesday on (its report is due on Monday).
    assert len(overdue) in (weeks - 1, weeks - 2)
    assert pairing.quarterly.items.filter(period_start__gt=timezone.localdate()).count() == 0
    assert pairing.quarterly.items.filter(
        period_start__lte=timezone.localdate() - timedelta(days=0)
    ).exists()
