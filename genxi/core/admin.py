from typing import Any

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest

from genxi.core.audit import log_action
from genxi.core.models import AuditEntry


class AuditedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Superusers' edits in the admin reach the audit log like every other write."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            action = "update" if change else "create"
            log_action(
                actor=request.user,
                action=f"{obj._meta.model_name}.admin_{action}",
                obj=obj,
                changes={"fields": list(form.changed_data)},
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            log_action(actor=request.user, action=f"{obj._meta.model_name}.admin_delete", obj=obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        # The admin's bulk "delete selected" action: one entry per object, in one transaction.
        with transaction.atomic():
            for obj in queryset:
                log_action(
                    actor=request.user, action=f"{obj._meta.model_name}.admin_delete", obj=obj
                )
            super().delete_queryset(request, queryset)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_formset(request, form, formset, change)
            parent = form.instance
            for obj in formset.new_objects:
                log_action(
                    actor=request.user,
                    action=f"{parent._meta.model_name}.admin_add_{obj._meta.model_name}",
                    obj=parent,
                    changes={"added": str(obj)},
                )
            for obj, fields in formset.changed_objects:
                log_action(
                    actor=request.user,
                    action=f"{parent._meta.model_name}.admin_change_{obj._meta.model_name}",
                    obj=parent,
                    changes={"changed": str(obj), "fields": list(fields)},
                )
            for obj in formset.deleted_objects:
                log_action(
                    actor=request.user,
                    action=f"{parent._meta.model_name}.admin_remove_{obj._meta.model_name}",
                    obj=parent,
                    changes={"removed": str(obj)},
                )


class RecordAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """A record of what happened: listed and read in the admin, never added, changed or deleted."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(RecordAdmin):
    list_display = ["created_at", "actor", "action", "object_repr"]
    list_filter = ["action"]
    search_fields = ["object_repr", "actor__username"]
    date_hierarchy = "created_at"
