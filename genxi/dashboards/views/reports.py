"""The monthly reports of an area: the archive, generating one on demand with its progress, and
downloading a PDF. Staff and leadership of the area (`dashboards.open_reports`, the area from
`dashboard_area`); everywhere else 404."""

from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from genxi.accounts.rules import require
from genxi.core.services import ServiceError
from genxi.dashboards import report as reports
from genxi.dashboards.models import Report, ReportStatus
from genxi.dashboards.scope import dashboard_area, dashboard_areas

MONTHS_OFFERED = 24


def months(today: date) -> list[tuple[str, str]]:
    """This month and the MONTHS_OFFERED - 1 before it, newest first: (YYYY-MM, 2026年11月)."""
    first = today.replace(day=1)
    choices = []
    for _i in range(MONTHS_OFFERED):
        label = _("%(year)d/%(month)d") % {"year": first.year, "month": first.month}
        choices.append((f"{first:%Y-%m}", label))
        first = (first - timedelta(days=1)).replace(day=1)
    return choices


class MonthForm(forms.Form):
    month = forms.ChoiceField(label=gettext_lazy("Month"))

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = months(today)  # type: ignore[attr-defined]

    def first_day(self) -> date:
        year, month = self.cleaned_data["month"].split("-")
        return date(int(year), int(month), 1)


def _report(request: HttpRequest, pk: int) -> Report:
    require(request.user, "dashboards.open_reports")
    return get_object_or_404(
        Report.objects.filter(area__in=dashboard_areas(request.user)).select_related(
            "area", "requested_by"
        ),
        pk=pk,
    )


@login_required
@require_http_methods(["GET", "POST"])
def report_list(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "dashboards.open_reports")
    area = dashboard_area(request.user, pk)
    today = timezone.localdate()
    form = MonthForm(request.POST or None, today=today, initial={"month": f"{today:%Y-%m}"})
    if request.method == "POST" and form.is_valid():
        try:
            made = reports.request_report(actor=request.user, area=area, month=form.first_day())
        except ServiceError as exc:
            form.add_error("month", exc.message)
        else:
            messages.success(
                request,
                _("The report of %(month)s is being made.") % {"month": f"{made.month:%Y-%m}"},
            )
            return redirect(f"{request.path}?made={made.pk}")
    archive = Report.objects.filter(area=area).select_related("requested_by")
    return render(
        request,
        "dashboards/reports.html",
        {"area": area, "form": form, "reports": archive[:200], "made": request.GET.get("made")},
    )


@login_required
def report_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress of one report: polled by htmx every second while it is queued or running."""
    return render(request, "dashboards/reports.html#progress", {"report": _report(request, pk)})


@login_required
def report_pdf(request: HttpRequest, pk: int) -> FileResponse:
    made = _report(request, pk)
    if made.status != ReportStatus.DONE or not made.file:
        raise Http404
    name = _("%(area)s-%(month)s-monthly-report.pdf") % {
        "area": made.area.name,
        "month": f"{made.month:%Y-%m}",
    }
    # FileResponse writes the name as RFC 5987 (filename*=utf-8''…) when it is not ASCII.
    return FileResponse(
        made.file.open("rb"), as_attachment=True, filename=name, content_type="application/pdf"
    )


urlpatterns = [
    path("dashboards/<pk64:pk>/reports/", report_list, name="reports"),
    path("dashboards/reports/<pk64:pk>/progress/", report_progress, name="report_progress"),
    path("dashboards/reports/<pk64:pk>/pdf/", report_pdf, name="report_pdf"),
]
