from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from genxi.accounts.models import Membership, User
from genxi.accounts.services import grant_membership, revoke_membership
from genxi.core.admin import AuditedAdmin
from genxi.core.phones import normalize_phone


class MembershipInline(admin.TabularInline):  # type: ignore[type-arg]
    """Roles are shown here and granted or revoked on the membership page, through the services."""

    model = Membership
    fields = ["role", "area", "partner"]
    readonly_fields = ["role", "area", "partner"]
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True


class GenxiUserChangeForm(UserChangeForm):  # type: ignore[type-arg]
    def clean_phone(self) -> str | None:
        phone: str | None = self.cleaned_data.get("phone")
        if not phone:
            return None
        phone = normalize_phone(phone)
        if User.objects.filter(phone=phone).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("This phone number belongs to another account."))
        return phone


@admin.register(User)
class UserAdmin(BaseUserAdmin[User], AuditedAdmin):
    form = GenxiUserChangeForm
    list_display = ["username", "name", "phone", "is_active", "is_superuser"]
    search_fields = ["username", "name", "phone"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]
        (_("Genxi"), {"fields": ("name", "phone")}),
    )
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Grant and revoke roles. A membership is not edited: revoke it and grant another."""

    list_display = ["user", "role", "area", "partner", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__name", "area__name"]
    raw_id_fields = ["user", "area", "partner"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        created = grant_membership(
            actor=request.user, user=obj.user, role=obj.role, area=obj.area, partner=obj.partner
        )
        obj.pk = created.pk

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        revoke_membership(actor=request.user, membership=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        for membership in queryset.select_related("user"):
            revoke_membership(actor=request.user, membership=membership)
