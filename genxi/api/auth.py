"""Who is calling: a personal API token (`Authorization: Bearer gx_…`) or the browser session.

Either way the request then carries the user, and every answer is scoped exactly as the pages
are: the same `visible_to(user)`.
"""

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, django_auth

from genxi.accounts.services import user_for_token


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


# The session is checked after the token; it needs the CSRF token for writes, as a form does.
AUTH = [BearerToken(), django_auth]
