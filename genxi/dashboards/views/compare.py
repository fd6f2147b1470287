"""Communities side by side with a weighted score and a ranking, the street's settings (weights,
the public dashboard), and the public dashboard itself."""

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path


def _not_built(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


urlpatterns = [
    path("dashboards/<int:pk>/compare/", _not_built, name="compare"),
    path("dashboards/<int:pk>/settings/", _not_built, name="settings"),
    path("public/dashboards/<int:pk>/", _not_built, name="public"),
]
