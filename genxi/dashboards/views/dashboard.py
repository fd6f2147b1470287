"""The dashboard of a district, street or community, the records behind each figure, and the
Excel export."""

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path


def _not_built(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


urlpatterns = [
    path("dashboards/", _not_built, name="home"),
    path("dashboards/<int:pk>/", _not_built, name="area"),
    path("dashboards/<int:pk>/figures/<str:key>/", _not_built, name="rows"),
    path("dashboards/<int:pk>/export/", _not_built, name="export"),
]
