"""Points (积分): items, awarding, accounts and their ledger, rewards and their stock,
redemptions; a resident's own points. Owner: helper D."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path


def _not_built(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


urlpatterns: list[URLPattern] = [
    path("pioneers/points/", _not_built, name="points_home"),
    path("my-points/", _not_built, name="my_points"),
]
