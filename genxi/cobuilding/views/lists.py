"""Co-building pages: lists.

SCAFFOLD: the URL names below are fixed (other pages link to them); their owner replaces
`_not_built` with the real views and removes this note.
"""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path


def _not_built(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


urlpatterns: list[URLPattern] = [
    path("cobuilding/needs/", _not_built, name="need_list"),
    path("cobuilding/needs/<int:pk>/", _not_built, name="need_detail"),
    path("cobuilding/resources/", _not_built, name="resource_list"),
    path("cobuilding/resources/<int:pk>/", _not_built, name="resource_detail"),
    path("cobuilding/claims/<int:pk>/", _not_built, name="claim_detail"),
]
