"""The dashboards against the ledger: for the street and each of its communities, each whole
month of the year and the year, every figure the ledger holds is read from the registry (the
same `compute` every reader uses) and compared with the ledger's total. Counts must match
exactly, money to the cent, rates in numerator and denominator.

A stock (venues in the area) is the ledger's total from the beginning up to the period's end.
Figures the ledger cannot hold exactly (medians, lists, "overdue now") are not compared.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

import time_machine
from django.utils import timezone
from django.utils.translation import gettext as _

from genxi.dashboards import registry, snapshot
from genxi.dashboards.periods import EARLIEST, Period, month_end, whole
from genxi.places.models import Area, AreaKind
from genxi.simulation.ledger import Ledger

# Figures as of the period's end, not events in it: summed from the beginning.
# Figures that count what stands at the period's end (the funds: those of its year).
STOCKS = {"venues.venues", "pioneers.appointed", "cobuilding.agreements", "projects.fund_amount"}
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Mismatch:
    key: str
    area: str
    period: str
    dashboard: tuple[Decimal | None, Decimal | None]
    ledger: tuple[Decimal, Decimal]

    def __str__(self) -> str:
        return _("%(key)s %(area)s %(period)s: dashboard %(dashboard)s, ledger %(ledger)s") % {
            "key": self.key,
            "area": self.area,
            "period": self.period,
            "dashboard": f"{self.dashboard[0]}/{self.dashboard[1]}",
            "ledger": f"{self.ledger[0]}/{self.ledger[1]}",
        }


def periods(year: int) -> list[Period]:
    months = [Period("month", date(year, m, 1), month_end(date(year, m, 1))) for m in range(1, 13)]
    return [*months, whole("year", date(year, 1, 1))]


def _number(value: Decimal | int | None, unit: str) -> Decimal | None:
    if value is None:
        return None
    number = Decimal(value)
    return number.quantize(CENT) if unit == registry.MONEY else number


def check(
    ledger: Ledger,
    street: Area,
    year: int,
    today: date,
    *,
    keys: Iterable[str] | None = None,
    months: Iterable[Period] | None = None,
) -> list[Mismatch]:
    """Every mismatch between the dashboards and the ledger (none: they agree). `keys`: the
    figures to compare (default: every key of the ledger the registry has)."""
    registered = {f.key: f for f in registry.figures()}
    wanted = [k for k in sorted(keys or ledger.keys()) if k in registered]
    communities = list(Area.objects.filter(parent=street, kind=AreaKind.COMMUNITY).order_by("pk"))
    areas = [(street, {c.pk for c in communities})] + [(c, {c.pk}) for c in communities]
    mismatches: list[Mismatch] = []
    moment = datetime.combine(today, time(9, 0), tzinfo=timezone.get_current_timezone())
    with time_machine.travel(moment, tick=False):
        for area, ids in areas:
            for period in list(months) if months is not None else periods(year):
                # What the dashboards show: the snapshot (computed and stored where missing).
                values = snapshot.values(area, period, today=today)
                for key in wanted:
                    figure = registered[key]
                    start = EARLIEST if key in STOCKS else period.start
                    num, den = ledger.total(key, ids, start, period.end)
                    got = values.get(key, registry.Value())
                    value = _number(got.value, figure.unit)
                    if figure.unit == registry.RATE:
                        expected = (num, den)
                        actual = (value, _number(got.denominator, figure.unit))
                    else:
                        expected = (_number(num, figure.unit) or Decimal(0), Decimal(0))
                        actual = (value if value is not None else Decimal(0), Decimal(0))
                    if actual != expected:
                        mismatches.append(Mismatch(key, area.name, period.key, actual, expected))
    return mismatches
