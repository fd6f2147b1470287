"""Co-building pages: agreements.

SCAFFOLD: the URL names below are fixed (other pages link to them); their owner replaces
`_not_built` with the real views and removes this note.
"""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path


def _not_built(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


urlpatterns: list[URLPattern] = [
    path("cobuilding/agreements/", _not_built, name="agreement_list"),
    path("cobuilding/agreements/<int:pk>/", _not_built, name="agreement_detail"),
    path("cobuilding/items/<int:pk>/", _not_built, name="item_detail"),
]
