from typing import Any

from django.http import HttpRequest

from genxi.core.labels import pioneer_label


def genxi(request: HttpRequest) -> dict[str, Any]:
    from genxi.accounts.navigation import navigation_for

    user = getattr(request, "user", None)
    return {
        "pioneer_label": pioneer_label(),
        "nav_items": navigation_for(user) if user is not None else [],
    }
