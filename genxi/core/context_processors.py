from functools import cache
from typing import Any

from django.http import HttpRequest

from genxi.core.labels import pioneer_label


def genxi(request: HttpRequest) -> dict[str, Any]:
    from genxi.accounts.navigation import navigation_for, split_for_phone
    from genxi.core.models import Notification

    user = getattr(request, "user", None)
    authenticated = bool(getattr(user, "is_authenticated", False))
    nav = cache(lambda: navigation_for(user, request.path) if user is not None else [])
    return {
        "pioneer_label": pioneer_label(),
        # Lazy and counted once: a partial (htmx) answer draws no menu, so it pays for no badges.
        "nav_items": nav,
        "nav_phone": cache(lambda: split_for_phone(nav())),
        # Lazy: only pages that show the badge pay for the query.
        "unread_count": (
            (lambda: Notification.objects.filter(user=user, read_at=None).count())
            if authenticated
            else 0
        ),
    }
