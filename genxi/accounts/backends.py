from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from genxi.accounts.models import User
from genxi.core.phones import normalize_phone


class UsernameOrPhoneBackend(ModelBackend):
    """Log in with a username or a phone number and the password."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not username or password is None:
            return None
        user = User.objects.filter(username=username).first()
        if user is None:
            try:
                phone = normalize_phone(username)
            except ValidationError:
                phone = None
            user = User.objects.filter(phone=phone).first() if phone else None
        if user is None:
            User().set_password(password)  # same work as a real check: no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def lockout_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The name django-axes counts failures under: a phone number in any spelling is one name.

    Without this, "139 6251 0003" and "+86 13962510003" would each get five fresh guesses.
    """
    raw = (credentials or {}).get("username") or request.POST.get("username", "")
    try:
        return normalize_phone(str(raw))
    except ValidationError:
        return str(raw).strip()
