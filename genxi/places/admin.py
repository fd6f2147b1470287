from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from genxi.core.admin import AuditedAdmin
from genxi.core.pinyin import pinyin_keys
from genxi.core.services import ServiceError
from genxi.places import services
from genxi.places.models import (
    Area,
    Partner,
    PartnerContact,
    PartyOrg,
    Pioneer,
    Resident,
    Tag,
    Venue,
)


class AreaAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance.pk is None and data.get("kind"):
            try:
                services.check_parent(data["kind"], data.get("parent"))
            except ServiceError as exc:
                raise forms.ValidationError({"parent": exc.message}) from exc
        return data


@admin.register(Area)
class AreaAdmin(AuditedAdmin):
    form = AreaAdminForm
    list_display = ["name", "kind", "parent", "code"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    raw_id_fields = ["parent", "grid"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # The path follows the parent; moving an area is not offered.
        return ["parent", "kind"] if obj else []

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        fields = {
            k: v
            for k, v in form.cleaned_data.items()
            if k not in ("kind", "name", "parent", "grid")
        }
        created = services.create_area(
            actor=request.user,
            kind=form.cleaned_data["kind"],
            name=form.cleaned_data["name"],
            parent=form.cleaned_data["parent"],
            grid=form.cleaned_data.get("grid"),
            **fields,
        )
        obj.pk = created.pk
        obj.path, obj.depth = created.path, created.depth


class ContactInline(admin.TabularInline):  # type: ignore[type-arg]
    model = PartnerContact
    extra = 0


@admin.register(Partner)
class PartnerAdmin(AuditedAdmin):
    list_display = ["name", "kind", "area", "is_active"]
    list_filter = ["kind"]
    search_fields = ["name"]
    raw_id_fields = ["area"]
    inlines = [ContactInline]


@admin.register(PartyOrg)
class PartyOrgAdmin(AuditedAdmin):
    list_display = ["name", "kind", "area"]
    list_filter = ["kind"]
    search_fields = ["name"]
    raw_id_fields = ["area", "parent", "partner"]


@admin.register(Venue)
class VenueAdmin(AuditedAdmin):
    list_display = ["name", "kind", "area", "capacity"]
    list_filter = ["kind"]
    search_fields = ["name"]
    raw_id_fields = ["area"]


@admin.register(Resident)
class ResidentAdmin(AuditedAdmin):
    list_display = ["name", "area", "room"]
    search_fields = ["name", "name_initials"]
    raw_id_fields = ["area", "user"]
    exclude = ["phone"]  # personal information: changed through the audited resident form

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        obj.name_pinyin, obj.name_initials = pinyin_keys(obj.name)
        super().save_model(request, obj, form, change)


@admin.register(Pioneer)
class PioneerAdmin(AuditedAdmin):
    list_display = ["name", "community", "appointed_on", "term_ends_on"]
    search_fields = ["name"]
    raw_id_fields = ["community", "resident", "user", "grids"]


admin.site.register(Tag)
