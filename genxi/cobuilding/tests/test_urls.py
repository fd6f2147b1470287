"""Co-building's routes: each URL name and each route is registered once.

Django resolves a route to the first pattern that matches and `reverse` a name to the last
registered, so two pages on one route (or one name) silently send a button to the wrong view.
"""

from collections import Counter

from django.urls import URLPattern

from genxi.cobuilding.urls import urlpatterns


def _patterns() -> list[URLPattern]:
    return [p for p in urlpatterns if isinstance(p, URLPattern)]


def test_every_url_name_is_unique() -> None:
    names = Counter(p.name for p in _patterns() if p.name)
    assert len(names) > 10
    assert [name for name, n in names.items() if n > 1] == []


def test_every_route_is_unique() -> None:
    routes = Counter(str(p.pattern) for p in _patterns())
    assert [route for route, n in routes.items() if n > 1] == []
