from django.contrib import admin

from genxi.core.admin import RecordAdmin
from genxi.pioneers.models import (
    AppointmentEvent,
    DutyTemplate,
    PointAccount,
    PointItem,
    Redemption,
    Reward,
    Settings,
)

# -- Appointments and grids (helper A) ---------------------------------------------------------


@admin.register(DutyTemplate)
class DutyTemplateAdmin(RecordAdmin):
    """Templates are kept on the settings page; the admin lists them."""

    list_display = ["name", "area", "updated_at"]
    search_fields = ["name"]


@admin.register(AppointmentEvent)
class AppointmentEventAdmin(RecordAdmin):
    list_display = ["pioneer", "kind", "on", "term_ends_on", "by"]
    list_filter = ["kind"]


@admin.register(Settings)
class SettingsAdmin(RecordAdmin):
    list_display = ["area", "grid_households_limit", "revisit_days", "callback_days"]


# ---------------------------------------------------------------- points (积分)
# Read-only: every change to points goes through genxi.pioneers.services.points, which locks
# the rows and writes the ledger; an edit here would bypass both.


@admin.register(PointItem)
class PointItemAdmin(RecordAdmin):
    list_display = ["name", "area", "points", "is_active"]
    search_fields = ["name"]


@admin.register(Reward)
class RewardAdmin(RecordAdmin):
    list_display = ["name", "area", "cost", "stock", "is_active"]
    search_fields = ["name"]


@admin.register(PointAccount)
class PointAccountAdmin(RecordAdmin):
    list_display = ["resident", "balance", "earned"]
    search_fields = ["resident__name"]
    list_select_related = ["resident"]


@admin.register(Redemption)
class RedemptionAdmin(RecordAdmin):
    list_display = ["code", "reward", "account", "points", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["code"]
    list_select_related = ["reward", "account__resident"]
