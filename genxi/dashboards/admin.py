"""The dashboards in the admin: read-only. The figures are the snapshot's (worked out from the
records), a report's PDF is kept unchanged for good, and the settings are saved only through
`services.save_settings` (its checks and its audit entry)."""

from django.contrib import admin

from genxi.core.admin import RecordAdmin
from genxi.dashboards.models import DashboardSettings, FigureValue, Report


@admin.register(FigureValue)
class FigureValueAdmin(RecordAdmin):
    list_display = ["area", "key", "start", "end", "value", "denominator", "computed_at"]
    list_filter = ["key"]
    raw_id_fields = ["area"]


@admin.register(DashboardSettings)
class DashboardSettingsAdmin(RecordAdmin):
    list_display = ["area", "public", "updated_at"]
    raw_id_fields = ["area", "updated_by"]


@admin.register(Report)
class ReportAdmin(RecordAdmin):
    list_display = ["area", "month", "archived", "status", "pages", "created_at"]
    raw_id_fields = ["area", "requested_by"]
