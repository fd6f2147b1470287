"""The one list of the dashboards' figures: each has one definition in code (its panel's
`compute`, which calls the app's own read functions), its numerator, denominator and the event
it counts from (docs/figures.md lists them), and the records behind it (`rows`).

Every reader goes through here: the dashboard pages, the public dashboard, the comparison,
the monthly report, the Excel export, the snapshot (`dashboards.snapshot`) and the simulation's
check. A panel computes all its figures for one area and one period at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.db.models import QuerySet
from django.utils.functional import Promise

from genxi.dashboards.periods import Period
from genxi.places.models import STREET_KINDS, Area, AreaKind

# What a figure's number is.
COUNT = "count"  # a whole number of records
MONEY = "money"  # yuan, to the cent
RATE = "rate"  # value / denominator, shown as a percentage
DAYS = "days"  # a duration (a median), one decimal
HOURS = "hours"  # a sum of hours, one decimal
LIST = "list"  # a breakdown only (value None): [[label, number], ...] in `items`
UNITS = (COUNT, MONEY, RATE, DAYS, HOURS, LIST)

DASHBOARD_KINDS = (AreaKind.DISTRICT, *STREET_KINDS, AreaKind.COMMUNITY)


class Reader:
    """Whoever reads for a dashboard: it sees the whole area. The figure functions of the apps
    take a user and count what that user sees; a dashboard is shown only to users who see the
    whole area (`dashboards.rules`), so its figures are the area's, whoever looks."""

    is_active = True
    is_authenticated = True
    is_superuser = True
    is_anonymous = False
    pk = id = None

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return True

    def active_memberships(self) -> list[Any]:
        return []


READER = Reader()


@dataclass(frozen=True)
class Scope:
    """One area over one period, as of `today` (figures like "overdue now" read the clock)."""

    area: Area
    period: Period
    today: date

    @property
    def start(self) -> date:
        return self.period.start

    @property
    def end(self) -> date:
        return self.period.end

    @property
    def reader(self) -> Reader:
        return READER

    @cached_property
    def communities(self) -> list[int]:
        """Ids of the communities in the area (the area itself when it is one)."""
        return list(
            Area.objects.subtree(self.area)
            .filter(kind=AreaKind.COMMUNITY)
            .values_list("pk", flat=True)
        )


@dataclass
class Value:
    """A figure's value for one scope. `value` is None where nothing could be counted (a median
    of no records); a rate is value / denominator; `items` is a breakdown, [[label, number]]."""

    value: Decimal | int | None = None
    denominator: Decimal | int | None = None
    items: list[list[Any]] = field(default_factory=list)

    @property
    def percent(self) -> float | None:
        if self.value is None or not self.denominator:
            return None
        return round(100 * float(self.value) / float(self.denominator), 1)


@dataclass(frozen=True)
class Figure:
    key: str  # "<panel>.<name>", stable: the snapshot, the settings and the ledger use it
    label: str | Promise
    unit: str  # one of UNITS
    numerator: str | Promise  # what is counted (docs/figures.md)
    counted_from: str | Promise  # the event or date that places a record in a period
    denominator: str | Promise = ""  # rates only
    # The records behind the value: the numerator's rows, for the list a figure links to.
    rows: Callable[[Scope], QuerySet[Any]] | None = None
    # Columns of that list: (header, attribute path on a row, e.g. "community.name").
    columns: Sequence[tuple[str | Promise, str]] = ()
    # An app's own list filtered to the same rows, where it has one (the demands' ledger).
    link: Callable[[Scope], str] | None = None
    # May staff mark it public? (Only aggregates of records, never a person.)
    public: bool = True
    # Higher is better (for "where we lag" and the ranking); False for overdue counts.
    higher_is_better: bool = True


@dataclass(frozen=True)
class Panel:
    key: str  # "demands", "venues", ...
    label: str | Promise
    order: int
    figures: tuple[Figure, ...]
    compute: Callable[[Scope], dict[str, Value]]  # every figure of the panel, keyed by key

    def figure(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)


_PANELS: dict[str, Panel] = {}


def register(panel: Panel) -> Panel:
    for figure in panel.figures:
        if not figure.key.startswith(panel.key + "."):
            raise ValueError(f"{figure.key} is not a key of panel {panel.key}")
        if figure.unit not in UNITS:
            raise ValueError(f"{figure.key}: unknown unit {figure.unit}")
    _PANELS[panel.key] = panel
    return panel


def panels() -> list[Panel]:
    return sorted(_PANELS.values(), key=lambda p: p.order)


def panel(key: str) -> Panel:
    return _PANELS[key]


def figures() -> list[Figure]:
    return [f for p in panels() for f in p.figures]


def figure(key: str) -> Figure:
    return _PANELS[key.split(".", 1)[0]].figure(key)


def compute(scope: Scope, panel_keys: Sequence[str] | None = None) -> dict[str, Value]:
    """Every figure of the chosen panels (all by default) for one scope, from the records."""
    values: dict[str, Value] = {}
    for p in panels():
        if panel_keys is None or p.key in panel_keys:
            values.update(p.compute(scope))
    return values
