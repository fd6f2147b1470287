from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from genxi.accounts import scoping
from genxi.accounts.forms import ApiTokenForm, LoginForm
from genxi.accounts.models import STAFF_ROLES, ApiToken, Role
from genxi.accounts.services import create_api_token, record_password_change, revoke_api_token
from genxi.core.services import ServiceError


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form: Any) -> HttpResponse:
        with transaction.atomic():
            response = super().form_valid(form)
            record_password_change(user=form.user)
        messages.success(self.request, _("Your password has been changed."))
        return response


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """The user's roles and API tokens. A new token is shown once, on the page after it was
    made (kept in the session until then, so a reload does not make another)."""
    user: Any = request.user
    may_have_tokens = can_have_api_tokens(user)
    if request.method == "POST" and not may_have_tokens:
        raise Http404  # tokens are for staff and partners' systems only
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _api_token, token = create_api_token(
                actor=user, user=user, name=form.cleaned_data["name"]
            )
        except ServiceError as exc:
            form.add_error(exc.field, exc.message)
        else:
            request.session["new_api_token"] = token
            return redirect("accounts:profile")
    return render(
        request,
        "accounts/profile.html",
        {
            "memberships": user.active_memberships(),
            "tokens": user.api_tokens.all(),
            "may_have_tokens": may_have_tokens,
            "new_token": request.session.pop("new_api_token", None),
            "form": form,
        },
    )


@login_required
@require_POST
def revoke_token(request: HttpRequest, pk: int) -> HttpResponse:
    api_token = get_object_or_404(ApiToken, pk=pk, user=request.user)  # only one's own
    if revoke_api_token(actor=request.user, api_token=api_token):
        messages.success(
            request, _("The token “%(name)s” no longer works.") % {"name": api_token.name}
        )
    return redirect("accounts:profile")


def can_have_api_tokens(user: Any) -> bool:
    """API tokens serve systems staff and partner units connect (a hotline, a street platform);
    a pioneer, a resident or a leader has no use for one, so is never offered one."""
    return scoping.has_role(user, *STAFF_ROLES, Role.PARTNER)
