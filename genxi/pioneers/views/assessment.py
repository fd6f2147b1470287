"""Assessment (考核): the ranking, one pioneer's figures with how each was computed, the
community's rating, residents' stars, the scheme, export and print. Owner: helper C."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path


def _not_built(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


urlpatterns: list[URLPattern] = [
    path("pioneers/assessment/", _not_built, name="ranking"),
    path("pioneers/assessment/mine/", _not_built, name="my_assessment"),
    path("pioneers/assessment/<int:pk>/", _not_built, name="assessment_detail"),
    path("pioneers/assessment/scheme/", _not_built, name="scheme"),
    path("pioneers/rate/", _not_built, name="rate_my_pioneer"),
]
