from datetime import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from genxi.core.forms import BoundedForm, BoundedModelForm
from genxi.core.phones import mask_phone, normalize_phone
from genxi.places.models import (
    Area,
    AreaKind,
    BookingPurpose,
    Partner,
    PartnerContact,
    PartyOrg,
    Resident,
    Tag,
    Venue,
)


class AreaChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """Areas shown with their names from the community down: 和泰社区 / 三花苑 / 1幢."""

    ABOVE_COMMUNITY = (AreaKind.DISTRICT, AreaKind.STREET, AreaKind.TOWN)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._names: dict[int, str] | None = None

    def label_from_instance(self, obj: Any) -> str:
        if self._names is None:
            # One query for every label: the ancestors of all choices, not a query per option.
            ids = {i for area in self.queryset or [] for i in area.ancestor_ids()}
            self._names = dict(
                Area.objects.filter(pk__in=ids)
                .exclude(kind__in=self.ABOVE_COMMUNITY)
                .values_list("id", "name")
            )
        names = [self._names[i] for i in obj.ancestor_ids() if i in self._names]
        return " / ".join([*names, obj.name])


class ScopedModelForm(BoundedModelForm):
    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def limit(self, name: str, queryset: Any) -> None:
        """Offer only `queryset` as choices for the field `name`, plus the value it has now.

        Keeping the current value (say, a higher organisation in another street) means editing
        something else on the form does not silently clear it.
        """
        field = self.fields[name]
        assert isinstance(field, forms.ModelChoiceField)
        current = self.instance.serializable_value(name) if self.instance.pk else None
        if current is not None and not isinstance(field, forms.ModelMultipleChoiceField):
            queryset = queryset.model.objects.filter(
                models.Q(pk__in=queryset.values("pk")) | models.Q(pk=current)
            )
        field.queryset = queryset

    def validate_unique(self) -> None:
        # Uniqueness is the service's to check, inside its transaction.
        pass

    def _post_clean(self) -> None:
        # Services validate and write; the form only cleans fields.
        pass


class AreaForm(ScopedModelForm):
    class Meta:
        model = Area
        fields = ["name", "grid", "code", "address", "households", "latitude", "longitude"]

    def __init__(
        self, *args: Any, parent: Area | None = None, kind: str = "", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        area = self.instance if self.instance.pk else None
        self.kind = area.kind if area else kind
        community = area.parent if area else parent
        community = community.community() if community else None
        if self.kind == AreaKind.BUILDING and community is not None:
            self.limit("grid", Area.objects.subtree(community).of_kind(AreaKind.GRID))
        else:
            del self.fields["grid"]
        if self.kind in (AreaKind.BUILDING, AreaKind.GRID, AreaKind.COMMON_AREA):
            del self.fields["code"]
        if self.kind == AreaKind.COMMON_AREA:
            del self.fields["households"]  # nobody lives in a pavilion


class PartyOrgForm(ScopedModelForm):
    area = AreaChoiceField(queryset=Area.objects.none(), label=_("Area"))

    class Meta:
        model = PartyOrg
        fields = [
            "name",
            "kind",
            "area",
            "parent",
            "partner",
            "secretary",
            "members",
            "description",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit(
            "area",
            Area.objects.staffed_by(self.user).of_kind(
                AreaKind.DISTRICT,
                AreaKind.STREET,
                AreaKind.TOWN,
                AreaKind.COMMUNITY,
                AreaKind.COMPOUND,
            ),
        )
        self.limit("parent", PartyOrg.objects.visible_to(self.user))
        self.limit("partner", Partner.objects.visible_to(self.user))


class PartnerForm(ScopedModelForm):
    area = AreaChoiceField(queryset=Area.objects.none(), label=_("Registered with"))

    class Meta:
        model = Partner
        fields = ["name", "kind", "area", "address", "description", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit(
            "area",
            Area.objects.staffed_by(self.user).of_kind(
                AreaKind.DISTRICT, AreaKind.STREET, AreaKind.TOWN, AreaKind.COMMUNITY
            ),
        )


class PartnerContactForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = PartnerContact
        fields = ["name", "title", "phone"]

    def clean_phone(self) -> str:
        phone: str = self.cleaned_data["phone"]
        return normalize_phone(phone) if phone else ""


class VenueForm(ScopedModelForm):
    area = AreaChoiceField(queryset=Area.objects.none(), label=_("Area"))

    class Meta:
        model = Venue
        fields = [
            "name",
            "kind",
            "area",
            "address",
            "capacity",
            "opening_hours",
            "opens_at",
            "closes_at",
            "groups_may_request",
            "description",
            "is_active",
        ]
        widgets = {
            "opens_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "closes_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit(
            "area",
            Area.objects.staffed_by(self.user).of_kind(
                AreaKind.STREET, AreaKind.TOWN, AreaKind.COMMUNITY, AreaKind.COMPOUND
            ),
        )
        self.fields["opens_at"].help_text = _(
            "Bookings fit between these two hours; leave both blank for any time."
        )


class ResidentForm(ScopedModelForm):
    area = AreaChoiceField(queryset=Area.objects.none(), label=_("Building or compound"))
    phone = forms.CharField(label=_("Phone"), required=False, max_length=30)
    tags = forms.ModelMultipleChoiceField(
        queryset=Tag.objects.all(),
        required=False,
        label=_("Tags"),
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Resident
        fields = ["name", "phone", "area", "room", "consent_to_contact", "tags", "notes"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit("area", Area.objects.homes_for(self.user))
        if self.instance.pk and self.instance.phone:
            # The form never shows the number (seeing it is a logged action of its own):
            # blank keeps it, a new one replaces it, the box clears it.
            self.initial["phone"] = ""
            self.fields["phone"].help_text = _(
                "Now %(masked)s. Leave blank to keep it, or enter a new number."
            ) % {"masked": mask_phone(self.instance.phone)}
            self.fields["clear_phone"] = forms.BooleanField(
                label=_("Remove the phone number"), required=False
            )

    def clean_phone(self) -> str:
        phone: str = self.cleaned_data["phone"]
        return normalize_phone(phone) if phone else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "clear_phone" in self.fields:
            if data.pop("clear_phone", False):
                data["phone"] = ""
            elif not data.get("phone"):
                data.pop("phone", None)  # unchanged
        return data


class SlotForm(BoundedForm):
    """A day and two hours on it, turned into the start and end the booking services take."""

    day = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    start = forms.TimeField(
        label=_("Starts at"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end = forms.TimeField(
        label=_("Ends at"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    title = forms.CharField(label=_("Title"), max_length=100)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day, start, end = data.get("day"), data.get("start"), data.get("end")
        if day and start and end:
            if end <= start:
                raise ValidationError({"end": _("The end must be after the start.")})
            zone = timezone.get_current_timezone()
            data["starts_at"] = datetime.combine(day, start, tzinfo=zone)
            data["ends_at"] = datetime.combine(day, end, tzinfo=zone)
        return data

    def slot(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        for name in ("day", "start", "end"):
            data.pop(name, None)
        return data


class BookingForm(SlotForm):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=BookingPurpose.choices)
    group_name = forms.CharField(
        label=_("Residents' group"),
        max_length=100,
        required=False,
        help_text=_("For a group's booking: its name (shown in the calendar)."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RequestForm(SlotForm):
    group_name = forms.CharField(label=_("Residents' group"), max_length=100)
    note = forms.CharField(
        label=_("What the group will do"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RefuseForm(forms.Form):
    reason = forms.CharField(label=_("Why it is refused"), max_length=200)
