"""Rounds: the list, creating one (street staff), its communities and checklist, the
pairings (generated with a seed or set by hand), opening and closing; checklist templates.
Owner: helper E."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path


def _not_built(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


urlpatterns: list[URLPattern] = [
    path("inspections/", _not_built, name="round_list"),
    path("inspections/new/", _not_built, name="round_create"),
    path("inspections/<int:pk>/", _not_built, name="round_detail"),
    path("inspections/checklists/", _not_built, name="template_list"),
]
