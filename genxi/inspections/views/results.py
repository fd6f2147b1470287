"""Results: scores per community, the ranking, the most common problems, the printable
round report and the Excel export; the good-practice library. Owner: helper F."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path


def _not_built(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


urlpatterns: list[URLPattern] = [
    path("inspections/<int:pk>/results/", _not_built, name="round_results"),
    path("inspections/<int:pk>/report/", _not_built, name="round_report"),
    path("inspections/<int:pk>/export/", _not_built, name="round_export"),
    path("inspections/practices/", _not_built, name="practice_list"),
]
