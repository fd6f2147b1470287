"""The periods a dashboard shows: a month, a quarter or a year, to date or whole, and the same
days a year earlier. Every period is a range of whole local days, both ends included."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext_lazy as _

KINDS = {"month": _("This month"), "quarter": _("This quarter"), "year": _("This year")}
# "So far" (截至目前): everything up to today, as the articles count (the headline card).
EARLIEST = date(2000, 1, 1)


@dataclass(frozen=True)
class Period:
    kind: str  # "month", "quarter", "year", or "all" (so far)
    start: date
    end: date  # inclusive

    @property
    def key(self) -> str:
        return span_key(self.start, self.end)

    def last_year(self) -> Period:
        """The same days a year earlier (29 February becomes the 28th)."""
        return Period(self.kind, _minus_year(self.start), _minus_year(self.end))

    def closed(self, today: date) -> bool:
        """Over before today: its figures no longer change with the clock."""
        return self.end < today


def span_key(start: date, end: date) -> str:
    """A period's key from its days (what the snapshot's rows are matched by)."""
    return f"{start.isoformat()}..{end.isoformat()}"


def _minus_year(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def month_end(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def whole(kind: str, day: date) -> Period:
    """The whole month, quarter or year that holds `day`."""
    if kind == "month":
        first = day.replace(day=1)
        return Period(kind, first, month_end(first))
    if kind == "quarter":
        first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        last = month_end(date(first.year, first.month + 2, 1))
        return Period(kind, first, last)
    if kind == "year":
        return Period(kind, date(day.year, 1, 1), date(day.year, 12, 31))
    raise ValueError(kind)


def to_date(kind: str, today: date) -> Period:
    """This month, quarter or year from its first day to today."""
    period = whole(kind, today)
    return Period(kind, period.start, min(period.end, today))


def so_far(today: date) -> Period:
    """Everything recorded up to today."""
    return Period("all", EARLIEST, today)


def named(kind: str, today: date, *, last_year: bool = False) -> Period:
    """The period a page or the API names: "month", "quarter" or "year" to date, or "all" (so
    far); any other name is this month. With `last_year`, the same days a year earlier."""
    period = so_far(today) if kind == "all" else to_date(kind if kind in KINDS else "month", today)
    return period.last_year() if last_year else period


def months_back(today: date, count: int = 12) -> list[Period]:
    """The last `count` whole months, oldest first, the current one (to date) last."""
    first = today.replace(day=1)
    months = []
    for _i in range(count):
        months.append(Period("month", first, min(month_end(first), today)))
        first = (first - timedelta(days=1)).replace(day=1)
    return months[::-1]
