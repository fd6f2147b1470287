from django.contrib import admin

from genxi.cobuilding.models import Agreement, Need, Resource, ServicePoint
from genxi.core.admin import RecordAdmin


@admin.register(Agreement)
class AgreementAdmin(RecordAdmin):
    """Agreements are kept on their pages; the admin lists them."""

    list_display = ["title", "community", "starts_on", "ends_on", "status"]
    search_fields = ["title"]


@admin.register(Need)
class NeedAdmin(RecordAdmin):
    list_display = ["title", "community", "source", "status"]
    search_fields = ["title"]


@admin.register(Resource)
class ResourceAdmin(RecordAdmin):
    list_display = ["title", "partner", "kind", "is_active"]
    search_fields = ["title"]


@admin.register(ServicePoint)
class ServicePointAdmin(RecordAdmin):
    list_display = ["name", "community", "provider", "is_active"]
    search_fields = ["name"]
