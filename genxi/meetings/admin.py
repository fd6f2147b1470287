from django.contrib import admin

from genxi.core.admin import RecordAdmin
from genxi.meetings.models import Meeting


@admin.register(Meeting)
class MeetingAdmin(RecordAdmin):
    """Meetings are kept on their pages; the admin lists them."""

    list_display = ["topic", "community", "venue", "starts_at"]
    search_fields = ["topic"]
