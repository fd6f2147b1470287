"""Rectification: the inspected community's list to answer, a finding's plan and
result with photos, the re-check (回头看), overdue flags. Owner: helper F."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path


def _not_built(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


urlpatterns: list[URLPattern] = [
    path("inspections/rectify/", _not_built, name="rectify_list"),
    path("inspections/findings/<int:pk>/", _not_built, name="finding_detail"),
]
