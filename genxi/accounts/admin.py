from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from genxi.accounts.models import Membership, User
from genxi.core.admin import AuditedAdmin


class MembershipInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Membership
    extra = 0
    autocomplete_fields = ["area", "partner"]


@admin.register(User)
class UserAdmin(BaseUserAdmin[User], AuditedAdmin):
    list_display = ["username", "name", "phone", "is_active", "is_superuser"]
    search_fields = ["username", "name", "phone"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]
        (_("Genxi"), {"fields": ("name", "phone")}),
    )
    inlines = [MembershipInline]
