from typing import Any

from django.contrib import admin

from genxi.dashboards.models import DashboardSettings, FigureValue, Report


@admin.register(FigureValue)
class FigureValueAdmin(admin.ModelAdmin[Any]):
    list_display = ["area", "key", "start", "end", "value", "denominator", "computed_at"]
    list_filter = ["key"]
    raw_id_fields = ["area"]


@admin.register(DashboardSettings)
class DashboardSettingsAdmin(admin.ModelAdmin[Any]):
    list_display = ["area", "public", "updated_at"]
    raw_id_fields = ["area", "updated_by"]


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin[Any]):
    list_display = ["area", "month", "archived", "status", "pages", "created_at"]
    raw_id_fields = ["area", "requested_by"]
