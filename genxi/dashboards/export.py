"""Excel out: the dashboard (one sheet per panel: each figure this period, the same days last
year, the change; and a sheet of the definitions) and the records behind one figure."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any

import xlsxwriter
from django.db import models
from django.db.models import Q, QuerySet
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from genxi.core.exports import DATE, DATETIME, TEXT, XLSX, Column, xlsx_table_response
from genxi.dashboards import registry
from genxi.dashboards.lag import Compared, show
from genxi.dashboards.periods import Period
from genxi.dashboards.registry import LIST, Figure, Value
from genxi.places.models import Area

_BAD = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(label: str, used: set[str]) -> str:
    name = _BAD.sub(" ", label)[:31] or "-"
    base, n = name, 2
    while name in used:
        name = f"{base[:28]}({n})"
        n += 1
    used.add(name)
    return name


def dashboard_workbook(
    *, area: Area, period: Period, now: dict[str, Value], before: dict[str, Value]
) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False})
    bold = book.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    used: set[str] = set()
    last = period.last_year()
    span = f"{period.start:%Y-%m-%d} – {period.end:%Y-%m-%d}"
    span_before = f"{last.start:%Y-%m-%d} – {last.end:%Y-%m-%d}"
    for p in registry.panels():
        sheet = book.add_worksheet(_sheet_name(str(p.label), used))
        sheet.set_column(0, 0, 28)
        sheet.set_column(1, 3, 18)
        sheet.set_column(4, 4, 50)
        sheet.write_string(0, 0, f"{area.name} · {p.label}", bold)
        headers = [_("Figure"), span, span_before, _("Change"), _("Breakdown")]
        for col, title in enumerate(headers):
            sheet.write_string(1, col, str(title), bold)
        sheet.freeze_panes(2, 0)
        for row, f in enumerate(p.figures, start=2):
            sheet.write_string(row, 0, str(f.label))
            c = Compared(f, now.get(f.key), before.get(f.key))
            if f.unit == LIST:
                items = (now.get(f.key) or Value()).items
                sheet.write_string(row, 1, show(f, c.now))
                sheet.write_string(row, 4, "；".join(f"{label} {n}" for label, n, *_r in items))
            else:
                sheet.write_string(row, 1, c.shown)
                sheet.write_string(row, 2, c.shown_before)
                sheet.write_string(row, 3, c.change)
    sheet = book.add_worksheet(_sheet_name(_("Definitions"), used))
    headers = [
        _("Key"),
        _("Figure"),
        _("Unit"),
        _("Numerator"),
        _("Denominator"),
        _("Counted from"),
    ]
    for col, (title, width) in enumerate(zip(headers, (24, 24, 8, 50, 40, 40), strict=True)):
        sheet.set_column(col, col, width)
        sheet.write_string(0, col, str(title), bold)
    for row, f in enumerate(registry.figures(), start=1):
        cells = [f.key, f.label, f.unit, f.numerator, f.denominator, f.counted_from]
        for col, cell in enumerate(cells):
            sheet.write_string(row, col, str(cell))
    book.close()
    return out.getvalue()


def dashboard_response(*, area: Area, period: Period, **kwargs: Any) -> FileResponse:
    data = dashboard_workbook(area=area, period=period, **kwargs)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return FileResponse(
        io.BytesIO(data),
        as_attachment=True,
        filename=f"dashboard-{area.pk}-{period.start:%Y%m%d}-{period.end:%Y%m%d}-{stamp}.xlsx",
        content_type=XLSX,
    )


# The records behind one figure.


def _field(model: type[models.Model], path: str) -> models.Field[Any, Any] | None:
    """The model field at an attribute path ("community.name"), or None (a property)."""
    current: Any = model
    found = None
    for part in path.split("."):
        try:
            found = current._meta.get_field(part)
        except Exception:
            return None
        current = found.related_model
        if current is None and part != path.split(".")[-1]:
            return None
    return found


def cell(obj: Any, path: str) -> Any:
    """A row's value at an attribute path; a choice shows its label."""
    parts = path.split(".")
    for part in parts[:-1]:
        obj = getattr(obj, part, None)
        if obj is None:
            return ""
    display = getattr(obj, f"get_{parts[-1]}_display", None)
    value = display() if callable(display) else getattr(obj, parts[-1], "")
    if callable(value):
        value = value()
    return "" if value is None else value


def search(qs: QuerySet[Any], columns: Sequence[tuple[Any, str]], q: str) -> QuerySet[Any]:
    """Rows with `q` in one of the text columns (the others are not searched)."""
    if not q:
        return qs
    cond = Q()
    for _header, path in columns:
        f = _field(qs.model, path)
        if isinstance(f, models.CharField | models.TextField):
            cond |= Q(**{f"{path.replace('.', '__')}__icontains": q})
    return qs.filter(cond) if cond else qs


def searchable(model: type[models.Model], columns: Sequence[tuple[Any, str]]) -> bool:
    return any(
        isinstance(_field(model, p), models.CharField | models.TextField) for _h, p in columns
    )


def related(model: type[models.Model], columns: Sequence[tuple[Any, str]]) -> list[str]:
    """The foreign keys to join so the columns cost no query per row."""
    out = []
    for _h, path in columns:
        parts = path.split(".")
        for n in range(1, len(parts)):
            f = _field(model, ".".join(parts[:n]))
            if isinstance(f, models.ForeignKey | models.OneToOneField):
                out.append("__".join(parts[:n]))
            else:
                break
    return sorted(set(out))


def _kind(model: type[models.Model], path: str) -> str:
    f = _field(model, path)
    if isinstance(f, models.DateTimeField):
        return DATETIME
    if isinstance(f, models.DateField):
        return DATE
    return TEXT


def rows_response(*, figure: Figure, qs: QuerySet[Any], filename: str) -> FileResponse:
    columns = list(figure.columns)
    kinds = [_kind(qs.model, p) for _h, p in columns]

    def lines() -> Iterator[list[Any]]:
        for obj in qs.iterator(chunk_size=2000):
            row = []
            for (_h, path), kind in zip(columns, kinds, strict=True):
                value = cell(obj, path)
                if kind == TEXT or not isinstance(value, date | datetime):
                    value = str(value)
                row.append(value)
            yield row

    return xlsx_table_response(
        filename=filename,
        sheet=str(figure.label),
        columns=[
            Column(str(h), 24 if k == TEXT else 16, k)
            for (h, _p), k in zip(columns, kinds, strict=True)
        ],
        rows=lines(),
    )
