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
    """The name django-axes counts failures under: one account is one name.

    A known username or phone number (in any spelling) resolves to the account's username, so
    five wrong passwords by phone lock the username too, and the other way round. Without this,
    "139 6251 0003", "+86 13962510003" and "zhou" would each get five fresh guesses.
    An identifier that names no account is counted as typed (a phone number normalised).
    """
    raw = str((credentials or {}).get("username") or request.POST.get("username", "")).strip()
    try:
        phone: str | None = normalize_phone(raw)
    except ValidationError:
        phone = None
    username = User.objects.filter(username=raw).values_list("username", flat=True).first()
    if username is None and phone:
        username = User.objects.filter(phone=phone).values_list("username", flat=True).first()
    if username is not None:
        return username
    return phone or raw
