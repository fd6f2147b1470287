from django.contrib import admin

from genxi.core.admin import AuditedAdmin
from genxi.demands.models import Category


@admin.register(Category)
class CategoryAdmin(AuditedAdmin):
    list_display = ["name", "parent", "response_days", "resolution_days", "is_active"]
    list_filter = ["is_active", "depth"]
    search_fields = ["name"]
    readonly_fields = ["parent"]
