"""On site: a group's scoring sheet on the phone, its findings with photos, and sending
the problem list. Owner: helper E."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path


def _not_built(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


urlpatterns: list[URLPattern] = [
    path("inspections/groups/<int:pk>/", _not_built, name="group_detail"),
    path("inspections/groups/<int:pk>/findings/new/", _not_built, name="finding_create"),
]
