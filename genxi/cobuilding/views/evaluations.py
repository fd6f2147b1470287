"""Co-building pages: evaluations.

SCAFFOLD: the URL names below are fixed (other pages link to them); their owner replaces
`_not_built` with the real views and removes this note.
"""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path


def _not_built(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


urlpatterns: list[URLPattern] = [
    path("cobuilding/evaluations/", _not_built, name="evaluation_list"),
]
