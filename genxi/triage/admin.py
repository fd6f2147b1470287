from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from genxi.core.admin import AuditedAdmin, RecordAdmin
from genxi.triage.models import CommunitySettings, Feedback, TriageModel


@admin.register(TriageModel)
class TriageModelAdmin(AuditedAdmin):
    """Trained versions, read only. Deleting the newest (audited) puts the one before back in use,
    should a training have gone wrong."""

    list_display = ["version", "trained_at", "trained_by", "examples", "categories", "macro_f1"]
    exclude = ["blob"]
    readonly_fields = [
        "version",
        "trained_at",
        "trained_by",
        "examples",
        "categories",
        "labelled",
        "metrics",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # versions come from `genxi triage train` or the triage page

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Feedback)
class FeedbackAdmin(RecordAdmin):
    """What was suggested and chosen."""

    list_display = ["at", "demand", "kind", "suggested", "chosen", "outcome", "confidence"]
    list_filter = ["kind", "outcome"]
    list_select_related = ["demand"]
    raw_id_fields = ["demand", "community", "actor"]
    date_hierarchy = "at"


@admin.register(CommunitySettings)
class CommunitySettingsAdmin(AuditedAdmin):
    list_display = ["community", "auto_apply", "threshold", "updated_at"]
    list_select_related = ["community"]
    raw_id_fields = ["community"]
