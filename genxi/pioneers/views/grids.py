"""Grids: households and residents per grid, moving buildings between grids, the
pioneer settings page. Owner: helper A."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path


def _not_built(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


urlpatterns: list[URLPattern] = [
    path("pioneers/grids/", _not_built, name="grid_list"),
    path("pioneers/grids/<int:pk>/", _not_built, name="grid_detail"),
    path("pioneers/settings/", _not_built, name="settings"),
]
