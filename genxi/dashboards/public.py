"""The public dashboard of a street (no log-in): aggregates only, of the figures the street
marked public (`DashboardSettings.public_figures`), for the street and each of its communities.

What it never shows: a name, a place finer than a compound, a link to the records behind a
figure, or a figure over fewer than `MIN_RECORDS` records. `public_value` is that last rule, in
one place:
- a count under 5 shows "少于5" (the count is its number of records);
- a rate whose denominator is under 5 (none included) shows "样本不足";
- money, days and hours count their records behind the figure (`Figure.rows`): fewer than 5
  shows "少于5". A figure of those units without `rows` cannot know its number of records, so
  it cannot be marked public at all (`publishable`); nor can a list (a breakdown names things).

And since the page shows the street beside each of its communities, a hidden cell of an
additive figure (count, money, hours) could be worked out by subtraction (the street minus the
communities shown): `guard_subtraction` then hides the next-smallest community's cell of that
figure and period too, or the street's when no other community shows one.

The page only reads the snapshot (`compute_missing=False`: an anonymous request never computes
nor writes; a figure not yet worked out shows "—"), and the view keeps the rendered page
`CACHE_SECONDS` per street and language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from genxi.dashboards import snapshot
from genxi.dashboards.models import DashboardSettings
from genxi.dashboards.periods import KINDS, Period, so_far, to_date
from genxi.dashboards.ranking import formatted, known_figure
from genxi.dashboards.registry import COUNT, HOURS, LIST, MONEY, RATE, Figure, Scope, Value
from genxi.places.models import Area, AreaKind

MIN_RECORDS = 5
CACHE_SECONDS = 300
ADDITIVE = (COUNT, MONEY, HOURS)  # the street's figure is about the sum of its communities'


def publishable(figure: Figure) -> bool:
    """May a street mark this figure public? Only aggregates whose records can be counted."""
    if not figure.public or figure.unit == LIST:
        return False
    return figure.unit in (COUNT, RATE) or figure.rows is not None


def public_value(figure: Figure, value: Value | None, scope: Scope) -> str:
    """The figure as the public dashboard shows it, or why it is held back (fewer than
    MIN_RECORDS records behind it)."""
    if not publishable(figure):
        raise ValueError(f"{figure.key} cannot be shown in public")
    if value is None:
        return "—"
    if figure.unit == RATE:
        if value.value is None or value.denominator is None or value.denominator < MIN_RECORDS:
            return _("Too few records")
        return formatted(figure, value)
    if value.value is None:
        return "—"
    if figure.unit == COUNT:
        records = int(value.value)
    else:
        assert figure.rows is not None  # publishable() says so
        records = figure.rows(scope).count()
    if records < MIN_RECORDS:
        return _("Fewer than 5")
    return formatted(figure, value)


def public_periods(today: date) -> list[tuple[str, Period]]:
    return [
        *((str(label), to_date(kind, today)) for kind, label in KINDS.items()),
        (_("So far"), so_far(today)),
    ]


@dataclass
class Cell:
    text: str
    value: Value | None
    hidden: bool  # held back for having fewer than MIN_RECORDS records


def guard_subtraction(column: list[Cell]) -> None:
    """One additive figure over one period: the street's cell, then each community's. When
    exactly one community's cell is hidden and the street's is shown, that cell would be the
    street's minus the others: hide the smallest other community's cell shown as well, or the
    street's when no other community shows one. (Two hidden cells give away only their sum.)"""
    street, communities = column[0], column[1:]
    if street.hidden or street.value is None or street.value.value is None:
        return
    if sum(c.hidden for c in communities) != 1:
        return
    shown = [
        (c.value.value, i)
        for i, c in enumerate(communities)
        if not c.hidden and c.value is not None and c.value.value is not None
    ]
    victim = communities[min(shown)[1]] if shown else street
    victim.text, victim.hidden = _("Fewer than 5"), True


@dataclass
class Table:
    figure: Figure
    rows: list[tuple[str, list[str]]]  # (the street's or a community's name, a value per period)


def public_cache_key(area_pk: int, language: str | None) -> str:
    return f"dashboards:public:{area_pk}:{language or ''}"


def forget_public_page(area_pk: int) -> None:
    """Drop the street's kept public page (its settings changed) in every language."""
    cache.delete_many([public_cache_key(area_pk, code) for code, _n in settings.LANGUAGES])


def public_settings(area_pk: int) -> DashboardSettings | None:
    """The street's settings if its public dashboard is on."""
    return (
        DashboardSettings.objects.filter(
            area_id=area_pk, public=True, area__kind__in=[AreaKind.STREET, AreaKind.TOWN]
        )
        .select_related("area")
        .first()
    )


def public_tables(settings: DashboardSettings, today: date) -> tuple[list[str], list[Table]]:
    """The period headings, and one table per figure marked public: the street, then each
    community, by period."""
    street = settings.area
    figures = [
        f
        for key in settings.public_figures
        if (f := known_figure(str(key))) is not None and publishable(f)
    ]
    periods = public_periods(today)
    areas = [street, *Area.objects.filter(parent=street, kind=AreaKind.COMMUNITY).order_by("name")]
    got = (
        snapshot.load(
            [(a, p) for a in areas for _l, p in periods], today=today, compute_missing=False
        )
        if figures
        else None
    )
    values = {(a.pk, p.key): got.get(a, p) if got else {} for a in areas for _l, p in periods}
    tables = []
    for figure in figures:
        grid: list[list[Cell]] = []  # per area, per period
        for a in areas:
            cells = []
            for _label, p in periods:
                value = values[(a.pk, p.key)].get(figure.key)
                text = public_value(figure, value, Scope(a, p, today))
                cells.append(Cell(text, value, text == _("Fewer than 5")))
            grid.append(cells)
        if figure.unit in ADDITIVE:
            for i in range(len(periods)):
                guard_subtraction([row[i] for row in grid])
        rows = [(a.name, [c.text for c in cells]) for a, cells in zip(areas, grid, strict=True)]
        tables.append(Table(figure=figure, rows=rows))
    return [label for label, _p in periods], tables
