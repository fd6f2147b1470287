"""Numbers side by side: a figure's value beside the same days last year, the change, and
"where we lag" (the children of a street or district whose rates are below the area's and
figures worse than last year; for a community, what is worse than last year and than its
street)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from genxi.dashboards import registry
from genxi.dashboards.registry import COUNT, DAYS, HOURS, LIST, MONEY, RATE, Figure, Value
from genxi.places.models import Area


def number(figure: Figure, v: Value | None) -> float | None:
    """The comparable number: a rate as a percentage, the others as they are."""
    if v is None or figure.unit == LIST:
        return None
    if figure.unit == RATE:
        return v.percent
    return None if v.value is None else float(v.value)


def show(figure: Figure, v: Value | None) -> str:
    """The value as the page and the export show it."""
    n = number(figure, v)
    if figure.unit == LIST:
        return "" if v is None or v.value is None else str(v.value)
    if n is None:
        return "—"
    if figure.unit == RATE:
        return f"{n:.1f}%"
    if figure.unit == MONEY:
        return f"¥{Decimal(str(n)):,.2f}"
    if figure.unit in (DAYS, HOURS):
        return f"{n:.1f}"
    return f"{int(n):,}" if figure.unit == COUNT else str(n)


@dataclass
class Compared:
    figure: Figure
    now: Value | None
    before: Value | None

    @property
    def delta(self) -> float | None:
        a, b = number(self.figure, self.now), number(self.figure, self.before)
        if a is None or b is None:
            return None
        return round(a - b, 2)

    @property
    def change(self) -> str:
        """+12, −3.5 pp (rates change in percentage points), or "" when not comparable."""
        d = self.delta
        if d is None:
            return ""
        sign = "+" if d > 0 else ("−" if d < 0 else "±")
        size = abs(d)
        if self.figure.unit == RATE:
            return _("%(sign)s%(size)s pp") % {"sign": sign, "size": f"{size:.1f}"}
        if self.figure.unit == COUNT:
            return f"{sign}{int(size):,}"
        if self.figure.unit == MONEY:
            return f"{sign}¥{Decimal(str(size)):,.2f}"
        return f"{sign}{size:.1f}"

    @property
    def worse(self) -> bool:
        d = self.delta
        if not d:
            return False
        return d < 0 if self.figure.higher_is_better else d > 0

    @property
    def better(self) -> bool:
        d = self.delta
        return bool(d) and not self.worse

    @property
    def shown(self) -> str:
        return show(self.figure, self.now)

    @property
    def shown_before(self) -> str:
        return show(self.figure, self.before)


def compare(now: dict[str, Value], before: dict[str, Value]) -> dict[str, Compared]:
    return {
        f.key: Compared(f, now.get(f.key), before.get(f.key))
        for f in registry.figures()
        if f.unit != LIST
    }


@dataclass
class Lag:
    area: Area
    lines: list[str]


def _below(figure: Figure, mine: Value | None, theirs: Value | None) -> bool:
    a, b = number(figure, mine), number(figure, theirs)
    if a is None or b is None:
        return False
    return a < b if figure.higher_is_better else a > b


def children_lagging(
    area_values: dict[str, Value],
    children: list[tuple[Area, dict[str, Value], dict[str, Value]]],
) -> list[Lag]:
    """For a street or district: each child with its rates below the area's and its figures
    worse than its own last year."""
    out = []
    for child, now, before in children:
        lines = []
        for f in registry.figures():
            if f.unit == RATE and _below(f, now.get(f.key), area_values.get(f.key)):
                lines.append(
                    _("%(figure)s %(mine)s, below %(area)s")
                    % {
                        "figure": f.label,
                        "mine": show(f, now.get(f.key)),
                        "area": show(f, area_values.get(f.key)),
                    }
                )
        for c in compare(now, before).values():
            if c.worse:
                lines.append(
                    _("%(figure)s %(now)s, last year %(before)s")
                    % {"figure": c.figure.label, "now": c.shown, "before": c.shown_before}
                )
        if lines:
            out.append(Lag(child, lines))
    return out


def own_lagging(
    now: dict[str, Value], before: dict[str, Value], parent: dict[str, Value] | None
) -> list[str]:
    """For a community: figures worse than last year, and rates worse than its street's."""
    lines = []
    for c in compare(now, before).values():
        if c.worse:
            lines.append(
                _("%(figure)s %(now)s, last year %(before)s")
                % {"figure": c.figure.label, "now": c.shown, "before": c.shown_before}
            )
    if parent is not None:
        for f in registry.figures():
            if f.unit == RATE and _below(f, now.get(f.key), parent.get(f.key)):
                lines.append(
                    _("%(figure)s %(mine)s, below the street's %(area)s")
                    % {
                        "figure": f.label,
                        "mine": show(f, now.get(f.key)),
                        "area": show(f, parent.get(f.key)),
                    }
                )
    return lines
