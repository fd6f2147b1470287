from typing import Any

from django.http import HttpRequest

from genxi.core.labels import pioneer_label
from genxi.core.models import Notification


def genxi(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    authenticated = bool(getattr(user, "is_authenticated", False))
    return {
        "pioneer_label": pioneer_label(),
        # Lazy: only pages that show the badge pay for the query.
        "unread_count": (
            (lambda: Notification.objects.filter(user=user, read_at=None).count())
            if authenticated
            else 0
        ),
    }
