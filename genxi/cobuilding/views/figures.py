"""Co-building's figures page (共建统计, a tab of the hub): `genxi.cobuilding.figures`
for a street or community the user sees and a month, quarter, year or chosen days; a chart by
month; tables by street, community, partner and month; and the same tables as an .xlsx, one
sheet per table."""

import tempfile
from collections.abc import Iterable
from typing import Any

import xlsxwriter
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from genxi.accounts.rules import require
from genxi.activities.views.figures import PeriodForm, areas_for
from genxi.cobuilding import figures
from genxi.cobuilding.views.hub import tabs_for
from genxi.core.audit import log_action
from genxi.core.exports import XLSX
from genxi.core.params import parse_id

TABLES = [
    ("street", gettext_lazy("Street")),
    ("community", gettext_lazy("Community")),
    ("partner", gettext_lazy("Partner unit")),
    ("month", gettext_lazy("Month")),
]


def _chart(result: figures.Figures) -> dict[str, Any]:
    rows = result.rows("month")
    return {
        "months": [label for _k, label, _r in rows],
        "bars": [
            {"name": str(_("Needs met by partners")), "data": [r.needs_met for *_x, r in rows]},
            {"name": str(_("Resources offered")), "data": [r.resources_offered for *_x, r in rows]},
            {
                "name": str(_("Service-point bookings served")),
                "data": [r.bookings for *_x, r in rows],
            },
        ],
        "line": {
            "name": str(_("Commitments met on time")),
            "data": [r.on_time_rate for *_x, r in rows],
        },
    }


@login_required
def figures_page(request: HttpRequest) -> HttpResponseBase:
    """`?area=` a street or community (all of the user's when empty), `?period=` month,
    quarter, year or custom with its fields (as the activities' figures); `?format=xlsx`."""
    require(request.user, "cobuilding.open_figures")
    areas = areas_for(request.user)
    chosen = parse_id(request.GET.get("area"))
    area = next((a for a in areas if a.pk == chosen), None)
    if request.GET.get("area") and area is None:
        raise Http404
    today = timezone.localdate()
    data = request.GET.copy()
    data.setdefault("period", "year")
    form = PeriodForm(data, today=today)
    result = None
    if form.is_valid():
        result = figures.compute(
            user=request.user,
            start=form.cleaned_data["first"],
            end=form.cleaned_data["last"],
            area=area,
        )
        if request.GET.get("format") == "xlsx":
            return _xlsx(request, result)
    query = request.GET.copy()
    query.pop("format", None)
    return render(
        request,
        "cobuilding/figures/figures.html",
        {
            "tabs": tabs_for(request.user, "cobuilding:figures"),
            "form": form,
            "figures": result,
            "areas": areas,
            "area": area,
            "tables": [(key, label, result.rows(key)) for key, label in TABLES if result.rows(key)]
            if result
            else [],
            "chart": _chart(result) if result else None,
            "definitions": figures.DEFINITIONS,
            "quarters": form.quarters,
            "months": form.months,
            "year": today.year,
            "period": data.get("period"),
            "export_query": query.urlencode(),
        },
    )


def _headers() -> list[str]:
    return [
        _("Agreements in force"),
        _("Items due so far"),
        _("Filed on time"),
        _("On-time rate (%)"),
        _("Resources offered"),
        _("Resources delivered"),
        _("Needs met by partners"),
        _("Days from need to delivery (median)"),
        _("Member volunteer hours"),
        _("Service-point bookings served"),
    ]


def _values(row: figures.Row) -> list[Any]:
    return [
        row.agreements, row.items_due, row.items_on_time, row.on_time_rate,
        row.resources_offered, row.resources_delivered, row.needs_met, row.median_days,
        float(row.hours), row.bookings,
    ]  # fmt: skip


def _xlsx(request: HttpRequest, result: figures.Figures) -> HttpResponseBase:
    """One sheet for the total and the definitions, one per table; numbers as numbers."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it once sent)
    workbook = xlsxwriter.Workbook(out, {"in_memory": False, "strings_to_numbers": False})
    bold = workbook.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})

    def sheet(name: str, heading: str, rows: Iterable[tuple[str, figures.Row]]) -> None:
        ws = workbook.add_worksheet(name[:31])
        ws.set_column(0, 0, 22)
        ws.set_column(1, 10, 12)
        ws.freeze_panes(1, 1)
        for col, title in enumerate([heading, *_headers()]):
            ws.write_string(0, col, str(title), bold)
        last = 0
        for last, (label, row) in enumerate(rows, start=1):
            ws.write_string(last, 0, label)
            for col, value in enumerate(_values(row), start=1):
                if value is not None:
                    ws.write_number(last, col, value)
        ws.autofilter(0, 0, last, 10)

    period = f"{result.start:%Y-%m-%d}～{result.end:%Y-%m-%d}"
    sheet(_("Total"), _("Period"), [(period, result.total)])
    for key, label in TABLES:
        sheet(str(label), str(label), [(name, row) for _k, name, row in result.rows(key)])
    ws = workbook.add_worksheet(_("Definitions")[:31])
    ws.set_column(0, 3, 40)
    for col, title in enumerate([_("Figure"), _("Numerator"), _("Denominator"), _("Counted by")]):
        ws.write_string(0, col, title, bold)
    for number, d in enumerate(figures.DEFINITIONS, start=1):
        for col, text in enumerate([d.label, d.numerator, d.denominator or "—", d.event]):
            ws.write_string(number, col, str(text))
    workbook.close()
    out.seek(0)
    log_action(
        actor=request.user,
        action="cobuilding.figures_export",
        changes={"query": request.GET.urlencode()},
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return FileResponse(
        out,
        as_attachment=True,
        filename=f"{_('Co-building figures')}-{stamp}.xlsx",
        content_type=XLSX,
    )


urlpatterns: list[URLPattern] = [
    path("cobuilding/figures/", figures_page, name="figures"),
]
