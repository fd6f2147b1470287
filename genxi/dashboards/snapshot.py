"""The figures worked out ahead: one `FigureValue` row per area, period and figure.

Readers (the dashboard pages, the comparison, the report, the export) call `values` or `load`:
one query reads what is stored; whatever is missing is computed with the figure's one
definition (`registry.compute`) and stored in one transaction. `refresh` (the
`dashboards_refresh` command, run every 15 minutes by the scheduler, and the "update now"
button) recomputes the periods that still change with the clock: this month, quarter and year
to date and "so far". A closed period is final once it was computed after it ended: it is
never recomputed again. Each row keeps `computed_at`, the staleness a page shows.

Writes are upserts on the unique (area, start, end, key): two refreshes racing each other
both succeed, the later one's numbers win. The scheduled refresh of every area runs one at a
time (`refresh_scheduled`): at a district's scale the nightly `--full` outlasts 15 minutes, and the
runs the scheduler starts meanwhile skip instead of doubling the load.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from genxi.dashboards import periods, registry
from genxi.dashboards.models import FigureValue
from genxi.dashboards.periods import Period
from genxi.dashboards.registry import DASHBOARD_KINDS, Scope, Value
from genxi.places.models import Area

# How often the scheduler runs `dashboards_refresh` (shown on the pages).
REFRESH_MINUTES = 15

Pair = tuple[int, str]  # (area id, period key)

# The PostgreSQL advisory lock the scheduled refresh holds while it runs.
REFRESH_LOCK = zlib.crc32(b"genxi.dashboards.refresh")


def refresh_scheduled(*, today: date | None = None, full: bool = False) -> int | None:
    """The scheduler's refresh of every area (`refresh`), one at a time: None, writing nothing,
    while another process still runs it."""
    with one_at_a_time() as mine:
        return refresh(today=today, full=full) if mine else None


@contextmanager
def one_at_a_time() -> Iterator[bool]:
    """Whether this process may run the scheduled refresh of every area: True for the one that
    holds the lock (a PostgreSQL session advisory lock, released at the end or when the process
    dies), False while another holds it. SQLite writes one at a time anyway: always True."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [REFRESH_LOCK])
        mine = bool(cursor.fetchone()[0])
    try:
        yield mine
    finally:
        if mine:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [REFRESH_LOCK])


@dataclass
class Snapshot:
    """What `load` found or computed: values and the oldest `computed_at` per (area, period)."""

    values: dict[Pair, dict[str, Value]] = field(default_factory=dict)
    computed_at: dict[Pair, datetime | None] = field(default_factory=dict)

    def get(self, area: Area, period: Period) -> dict[str, Value]:
        return self.values.get((area.pk, period.key), {})

    def stamp(self, area: Area, period: Period) -> datetime | None:
        return self.computed_at.get((area.pk, period.key))


def values(area: Area, period: Period, *, today: date | None = None) -> dict[str, Value]:
    """Every registered figure of `area` over `period`: stored values, the missing computed
    and stored."""
    return load([(area, period)], today=today).get(area, period)


def load(
    pairs: Sequence[tuple[Area, Period]],
    *,
    today: date | None = None,
    panel_keys: Sequence[str] | None = None,
    compute_missing: bool = True,
) -> Snapshot:
    """The figures of several (area, period) pairs: one query for what is stored; the panels
    with a figure missing are computed (and stored, in one transaction). A closed period's
    values computed before it closed count as missing: they may have changed since.
    `compute_missing=False` only reads (the public dashboard: an anonymous request never
    computes nor writes); a missing figure is then simply absent."""
    today = today or timezone.localdate()
    chosen = [p for p in registry.panels() if panel_keys is None or p.key in panel_keys]
    expected = {f.key for p in chosen for f in p.figures}
    result = Snapshot()
    if not pairs:
        return result
    pairs = list({(a.pk, p.key): (a, p) for a, p in pairs}.values())  # each pair once
    stored = _read(pairs, expected)
    to_compute: list[tuple[Area, Period, list[str]]] = []
    for area, period in pairs:
        pair = (area.pk, period.key)
        rows = stored.get(pair, {})
        fresh = {k: row for k, row in rows.items() if _usable(row, period, today)}
        result.values[pair] = {k: _to_value(row) for k, row in fresh.items()}
        stamps = [row.computed_at for row in fresh.values()]
        result.computed_at[pair] = min(stamps) if stamps else None
        missing = [p.key for p in chosen if any(f.key not in fresh for f in p.figures)]
        if missing and compute_missing:
            to_compute.append((area, period, missing))
    if to_compute:
        stamp = _stamp(today)
        written: list[FigureValue] = []
        for area, period, keys in to_compute:
            computed = registry.compute(Scope(area, period, today), keys)
            pair = (area.pk, period.key)
            result.values[pair].update(computed)
            written += _rows(area, period, computed, stamp)
            old = result.computed_at[pair]
            result.computed_at[pair] = min(old, stamp) if old else stamp
        _store(written)
    return result


def refresh(
    *, areas: Iterable[Area] | None = None, today: date | None = None, full: bool = False
) -> int:
    """Recompute the periods that hold today (month, quarter and year to date, so far) for
    every dashboard area (or `areas`), and compute the closed periods the dashboard shows that
    are missing (the same days last year, the last 12 months of the trend). Returns the rows
    written. `full` recomputes the closed ones too (after a correction of old records)."""
    today = today or timezone.localdate()
    chosen = list(areas) if areas is not None else list(Area.objects.of_kind(*DASHBOARD_KINDS))
    current = [periods.to_date(kind, today) for kind in periods.KINDS]
    current.append(periods.so_far(today))
    closed = [p.last_year() for p in current if p.kind != "all"]
    closed += [p for p in periods.months_back(today) if p.closed(today)]
    closed = list(dict.fromkeys(closed))  # no period twice
    keys = [f.key for f in registry.figures()]
    stored = _read([(a, p) for a in chosen for p in closed], set(keys)) if not full else {}
    stamp = _stamp(today)
    written = 0
    for area in chosen:
        rows: list[FigureValue] = []
        for period in current:
            rows += _rows(area, period, registry.compute(Scope(area, period, today)), stamp)
        for period in closed:
            have = stored.get((area.pk, period.key), {})
            if all(k in have and _usable(have[k], period, today) for k in keys):
                continue  # final: computed after the period ended
            rows += _rows(area, period, registry.compute(Scope(area, period, today)), stamp)
        _store(rows)
        written += len(rows)
    return written


def _read(
    pairs: Sequence[tuple[Area, Period]], keys: set[str]
) -> dict[Pair, dict[str, FigureValue]]:
    """One query for every stored row of the pairs."""
    if not pairs or not keys:
        return {}
    spans = Q()
    for start, end in {(p.start, p.end) for _a, p in pairs}:
        spans |= Q(start=start, end=end)
    area_ids = {a.pk for a, _p in pairs}
    wanted = {(a.pk, p.key) for a, p in pairs}
    found: dict[Pair, dict[str, FigureValue]] = {}
    rows = FigureValue.objects.filter(spans, area_id__in=area_ids, key__in=keys)
    for row in rows:
        pair = (row.area_id, periods.span_key(row.start, row.end))
        if pair in wanted:
            found.setdefault(pair, {})[row.key] = row
    return found


def _usable(row: FigureValue, period: Period, today: date) -> bool:
    """A row of a period still open is usable (refresh keeps it fresh); a closed period's row
    only if it was computed after the period ended."""
    if not period.closed(today):
        return True
    return timezone.localdate(row.computed_at) > period.end


def _stamp(today: date) -> datetime:
    """Now; for a clock set back (the simulation's `today`), the end of that day."""
    now = timezone.now()
    end_of_day = timezone.make_aware(datetime.combine(today, time.max))
    if today < timezone.localdate(now):
        return end_of_day - timedelta(microseconds=1)
    return now


def _number(number: Any) -> Decimal | None:
    if number is None:
        return None
    return Decimal(str(number)).quantize(Decimal("0.01"))


def _plain(number: Any) -> Any:
    """A number fit for JSON: an int when whole, else a float."""
    if isinstance(number, Decimal):
        return int(number) if number == number.to_integral_value() else float(number)
    return number


def _rows(area: Area, period: Period, computed: dict[str, Value], stamp: datetime) -> list[Any]:
    return [
        FigureValue(
            area=area,
            key=key,
            start=period.start,
            end=period.end,
            value=_number(v.value),
            denominator=_number(v.denominator),
            items=[[_plain(x) for x in item] for item in v.items],
            computed_at=stamp,
        )
        for key, v in computed.items()
    ]


def _store(rows: list[FigureValue]) -> None:
    if not rows:
        return
    with transaction.atomic():
        FigureValue.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["area", "start", "end", "key"],
            update_fields=["value", "denominator", "items", "computed_at"],
            batch_size=500,
        )


def _whole(number: Decimal | None) -> Decimal | int | None:
    if number is None:
        return None
    return int(number) if number == number.to_integral_value() else number


def _to_value(row: FigureValue) -> Value:
    return Value(value=_whole(row.value), denominator=_whole(row.denominator), items=row.items)
