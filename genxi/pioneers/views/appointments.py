"""Appointments (聘用): the list, appoint, renew, suspend, resume, end, the printable
certificate, the duties templates. Owner: helper A."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path


def _not_built(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


urlpatterns: list[URLPattern] = [
    path("pioneers/appointments/", _not_built, name="appointment_list"),
    path("pioneers/appointments/new/", _not_built, name="appointment_create"),
    path("pioneers/appointments/<int:pk>/", _not_built, name="appointment_detail"),
    path("pioneers/appointments/<int:pk>/certificate/", _not_built, name="certificate"),
]
