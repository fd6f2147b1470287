from django.contrib import admin

from genxi.activities.models import Activity
from genxi.core.admin import RecordAdmin


@admin.register(Activity)
class ActivityAdmin(RecordAdmin):
    """Activities are kept on their pages; the admin lists them."""

    list_display = ["title", "kind", "owner", "status"]
    search_fields = ["title"]
