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
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from genxi.dashboards import snapshot
from genxi.dashboards.models import DashboardSettings
from genxi.dashboards.periods import KINDS, Period, so_far, to_date
from genxi.dashboards.ranking import formatted, known_figure
from genxi.dashboards.registry import COUNT, LIST, RATE, Figure, Scope, Value
from genxi.places.models import Area, AreaKind

MIN_RECORDS = 5


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
class Table:
    figure: Figure
    rows: list[tuple[str, list[str]]]  # (the street's or a community's name, a value per period)


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
        snapshot.load([(a, p) for a in areas for _l, p in periods], today=today)
        if figures
        else None
    )
    values = {(a.pk, p.key): got.get(a, p) if got else {} for a in areas for _l, p in periods}
    tables = []
    for figure in figures:
        rows = []
        for a in areas:
            cells = []
            for _label, p in periods:
                scope = Scope(a, p, today)
                cells.append(public_value(figure, values[(a.pk, p.key)].get(figure.key), scope))
            rows.append((a.name, cells))
        tables.append(Table(figure=figure, rows=rows))
    return [label for label, _p in periods], tables
