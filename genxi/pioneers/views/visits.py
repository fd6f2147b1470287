"""The month's visit plan (走访计划) and recording a visit on the phone. Owner: helper B."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path


def _not_built(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


urlpatterns: list[URLPattern] = [
    path("pioneers/plan/", _not_built, name="my_plan"),
    path("pioneers/plans/", _not_built, name="plan_list"),
    path("pioneers/plans/<int:pk>/", _not_built, name="plan_detail"),
    path("pioneers/visits/new/", _not_built, name="visit_create"),
    path("pioneers/visits/", _not_built, name="visit_list"),
    path("pioneers/visits/<int:pk>/", _not_built, name="visit_detail"),
]
