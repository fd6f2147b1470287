"""The monthly reports of an area: the archive, generating one on demand with its progress, and
downloading a PDF."""

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path


def _not_built(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


urlpatterns = [
    path("dashboards/<int:pk>/reports/", _not_built, name="reports"),
    path("dashboards/reports/<int:pk>/progress/", _not_built, name="report_progress"),
    path("dashboards/reports/<int:pk>/pdf/", _not_built, name="report_pdf"),
]
