from django.contrib import admin

from genxi.core.admin import RecordAdmin
from genxi.pioneers.models import AppointmentEvent, DutyTemplate, Settings

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
