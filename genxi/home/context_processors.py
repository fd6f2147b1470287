from functools import cache
from typing import Any

from django.http import HttpRequest

from genxi.home.navigation import navigation_for, split_for_phone


def menu(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    nav = cache(lambda: navigation_for(user, request.path) if user is not None else [])
    return {
        # Lazy and counted once: a partial (htmx) answer draws no menu, so it pays for no badges.
        "nav_items": nav,
        "nav_phone": cache(lambda: split_for_phone(nav())),
    }
