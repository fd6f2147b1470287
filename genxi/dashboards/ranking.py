"""Communities side by side: the weighted score, the ranking and its change over the period.

A street compares its communities, a district its streets, on the street's (district's) weights
(`DashboardSettings.weights`, else `DEFAULT_WEIGHTS`).

How an item scores (0–100):
- a rate scores its percentage;
- a count, an amount of money, days or hours scores its value ÷ the best area's value × 100
  (where lower is better, `Figure.higher_is_better=False`: the best ÷ the value, and a value of
  0 scores 100); when the best value is 0, every area scores 0 on that item.

The score is the weighted mean of the item scores. An area with nothing to score on an item (a
rate without a denominator, no value) has that item's weight spread over its other items in
proportion to their weights: it is scored on what it has. An area with no item scored has no
score and ranks last.

The tie rule (`TIE_RULE`, shown on the page). Areas are ranked by
1. the higher score, compared as shown (to one decimal);
2. then the higher score on the heaviest item, then on the next heaviest, and so on (items of
   equal weight in the order the settings list them; an area without that item comes after);
3. then more records: the sum of the denominators of the rated items;
4. then the name, in character order (and the area's id, should two names be equal).
So every area gets its own rank.

The change is against the previous period of the same kind: the whole previous month (quarter,
year) for a whole one; for one to date, the same stretch of the previous one (1–5 December
against 1–5 November).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from genxi.dashboards import registry, snapshot
from genxi.dashboards.models import DashboardSettings
from genxi.dashboards.periods import Period, whole
from genxi.dashboards.registry import COUNT, DAYS, HOURS, MONEY, RATE, Figure, Value
from genxi.places.models import STREET_KINDS, Area, AreaKind

DEFAULT_WEIGHTS: list[tuple[str, int]] = [
    ("demands.response_rate", 30),
    ("demands.resolution_rate", 35),
    ("demands.satisfaction_rate", 35),
]
WEIGHABLE_UNITS = (RATE, COUNT, MONEY, DAYS, HOURS)
MAX_ITEMS = 10

TIE_RULE = _(
    "Equal scores (to one decimal) are ranked by the higher score on the heaviest item, then on "
    "the next heaviest, and so on; then by more records (the rates' denominators added up); "
    "then by name."
)
SPREAD_RULE = _(
    "A community with nothing to score on an item (a rate without records) has that item's "
    "weight spread over its other items, in proportion to their weights."
)
SCORE_RULE = _(
    "A rate scores its percentage; a count or an amount scores its value ÷ the best "
    "community's value × 100 (where less is better: the best ÷ its value, and 0 scores 100)."
)


def known_figure(key: str) -> Figure | None:
    try:
        return registry.figure(key)
    except (KeyError, StopIteration):
        return None


def weighable(figure: Figure) -> bool:
    return figure.unit in WEIGHABLE_UNITS


def weights_for(area: Area) -> list[tuple[str, int]]:
    """The area's weights as saved, else the defaults."""
    found = DashboardSettings.objects.filter(area=area).first()
    if found is not None and found.weights:
        return [(str(key), int(weight)) for key, weight in found.weights]
    return list(DEFAULT_WEIGHTS)


def compared_areas(area: Area) -> list[Area]:
    """What an area's comparison sets side by side: a street's communities, a district's
    streets (by name)."""
    kinds = [AreaKind.COMMUNITY] if area.kind in STREET_KINDS else list(STREET_KINDS)
    return list(Area.objects.filter(parent=area, kind__in=kinds).order_by("name", "pk"))


def previous(period: Period, today: date) -> Period:
    """The period before `period`, of the same kind (see the module's docstring)."""
    before = whole(period.kind, period.start - timedelta(days=1))
    if period.start == whole(period.kind, period.start).start and period.end == (
        whole(period.kind, period.start).end
    ):
        return before
    end = min(before.start + (period.end - period.start), before.end)
    return Period(period.kind, before.start, end)


# ---------------------------------------------------------------- the score


@dataclass
class Row:
    area: Area
    values: dict[str, Value]
    items: dict[str, float | None] = field(default_factory=dict)  # item scores, 0–100
    score: float | None = None
    spread: bool = False  # some item's weight was spread over the others
    records: int = 0
    rank: int = 0
    previous_rank: int | None = None
    previous_score: float | None = None

    @property
    def rank_change(self) -> int | None:
        """Places gained (positive) or lost since the previous period."""
        if self.previous_rank is None:
            return None
        return self.previous_rank - self.rank

    @property
    def score_change(self) -> float | None:
        if self.score is None or self.previous_score is None:
            return None
        return one_decimal(self.score - self.previous_score)

    @property
    def arrow(self) -> str:
        change = self.rank_change
        if change is None:
            return "—"
        if change > 0:
            return f"↑{change}"
        if change < 0:
            return f"↓{-change}"
        return "="


def one_decimal(number: float) -> float:
    """Rounded half up, as people round (81.25 → 81.3), not to even."""
    return float(Decimal(str(number)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _number(value: Decimal | int | float | None) -> float | None:
    return None if value is None else float(value)


def item_score(figure: Figure, value: Value | None, best: float | None) -> float | None:
    """One item's score, 0–100 (None: nothing to score)."""
    if value is None:
        return None
    if figure.unit == RATE:
        if value.value is None or not value.denominator:
            return None
        return 100 * float(value.value) / float(value.denominator)
    number = _number(value.value)
    if number is None or best is None:
        return None
    if figure.higher_is_better:
        return 100 * number / best if best > 0 else 0.0
    if number <= 0:
        return 100.0
    return 100 * best / number


def _best(figure: Figure, rows: Sequence[Row]) -> float | None:
    numbers = [
        n
        for r in rows
        if (n := _number(getattr(r.values.get(figure.key), "value", None))) is not None
    ]
    if not numbers:
        return None
    return max(numbers) if figure.higher_is_better else min(numbers)


def score(
    entries: Sequence[tuple[Area, dict[str, Value]]], weights: Sequence[tuple[str, int]]
) -> list[Row]:
    """The areas' rows, scored on `weights` and in rank order (the tie rule above)."""
    items = [(k, w, f) for k, w in weights if (f := known_figure(k)) is not None and weighable(f)]
    rows = [Row(area=a, values=v) for a, v in entries]
    bests = {k: _best(f, rows) for k, _w, f in items}
    for row in rows:
        total = weight_used = 0.0
        for key, weight, figure in items:
            value = row.values.get(key)
            s = item_score(figure, value, bests[key])
            row.items[key] = None if s is None else one_decimal(s)
            if s is None:
                row.spread = row.spread or weight > 0
                continue
            total += weight * s
            weight_used += weight
            if figure.unit == RATE and value is not None and value.denominator:
                row.records += int(value.denominator)
        row.score = one_decimal(total / weight_used) if weight_used > 0 else None
    heaviest = [k for k, _w, _f in sorted(items, key=lambda i: -i[1])]

    def order(row: Row) -> tuple[Any, ...]:
        return (
            row.score is None,
            -(row.score or 0.0),
            *[-_or_below(row.items[k]) for k in heaviest],
            -row.records,
            row.area.name,
            row.area.pk,
        )

    rows.sort(key=order)
    for n, row in enumerate(rows, start=1):
        row.rank = n
    return rows


def _or_below(item: float | None) -> float:
    """An item's score for the tie rule: a missing one comes after every score."""
    return -1.0 if item is None else item


def compare(area: Area, period: Period, today: date) -> tuple[list[Row], Period]:
    """The rows of `area`'s comparison for `period`, with the previous period's rank and score;
    and that previous period."""
    areas = compared_areas(area)
    weights = weights_for(area)
    before = previous(period, today)
    # Both periods of every area in one read of the snapshot.
    got = snapshot.load([(a, p) for a in areas for p in (period, before)], today=today)
    rows = score([(a, got.get(a, period)) for a in areas], weights)
    earlier = {r.area.pk: r for r in score([(a, got.get(a, before)) for a in areas], weights)}
    for row in rows:
        old = earlier.get(row.area.pk)
        if old is not None and old.score is not None:
            row.previous_rank, row.previous_score = old.rank, old.score
    return rows, before


# ---------------------------------------------------------------- showing values


def formatted(figure: Figure, value: Value | None) -> str:
    """A value as the pages show it: 87.5%, 12, ¥1,234.50, 3.5."""
    if value is None:
        return "—"
    if figure.unit == RATE:
        if value.value is None or not value.denominator:
            return "—"
        percent = round(100 * float(value.value) / float(value.denominator), 1)
        return f"{percent}%"
    if value.value is None:
        return "—"
    # Grouped by thousands as ledgers write them in either language (1,200.50).
    if figure.unit == COUNT:
        return f"{int(value.value):,}"
    if figure.unit == MONEY:
        return f"¥{Decimal(value.value):,.2f}"
    return f"{float(value.value):,.1f}"
