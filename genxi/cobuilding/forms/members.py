"""Forms of 双报到: a unit's and a member's registration, a post, hours."""

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from genxi.cobuilding.models import PostKind
from genxi.cobuilding.services.members import serving_partners, works_with
from genxi.core.forms import BoundedForm
from genxi.core.phones import normalize_phone
from genxi.places.models import Area, Partner


class PhoneField(forms.CharField):
    def clean(self, value: Any) -> str:
        text = super().clean(value)
        return normalize_phone(text) if text else text


class UnitForm(BoundedForm):
    partner = forms.ModelChoiceField(label=_("Partner unit"), queryset=Partner.objects.none())
    community = forms.ModelChoiceField(label=_("Community"), queryset=Area.objects.none())
    contact_name = forms.CharField(label=_("Contact"), max_length=50, required=False)
    contact_phone = PhoneField(label=_("Contact's phone"), max_length=20, required=False)
    offers = forms.CharField(
        label=_("What the unit can offer"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, partners: Any, communities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners  # type: ignore[attr-defined]
        self.fields["community"].queryset = communities  # type: ignore[attr-defined]


class MemberForm(BoundedForm):
    """A member's registration. `community` is shown only to staff, chosen among
    `communities`; a resident reports to their own `community`. The work units offered are
    those serving the community (`Partner.objects.serving`)."""

    community = forms.ModelChoiceField(label=_("Community"), queryset=Area.objects.none())
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=50)
    phone = PhoneField(label=_("Phone"), max_length=20)
    partner = forms.ModelChoiceField(
        label=_("Work unit"),
        queryset=Partner.objects.none(),
        required=False,
        empty_label=_("Not in the list: type it below"),
    )
    unit_name = forms.CharField(
        label=_("Work unit (if not in the list)"), max_length=100, required=False
    )
    branch = forms.CharField(label=_("Party branch"), max_length=100)
    skills = forms.CharField(
        label=_("Skills"),
        max_length=200,
        required=False,
        help_text=_("e.g. first aid, law, repairs, calligraphy"),
    )
    available = forms.CharField(
        label=_("Available times"),
        max_length=200,
        required=False,
        help_text=_("e.g. weekends, weekday evenings"),
    )

    def __init__(
        self, *args: Any, communities: Any = None, community: Area | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if communities is None:
            if community is None:
                raise TypeError("MemberForm needs `communities` (staff) or `community`.")
            del self.fields["community"]
            communities = [community]
        else:
            self.fields["community"].queryset = communities  # type: ignore[attr-defined]
        self.home = community
        self.fields["partner"].queryset = serving_partners(communities)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        community = data.get("community") or self.home
        partner = data.get("partner")
        if partner is not None and community is not None and not works_with(partner, community):
            self.add_error(
                "partner",
                _("This unit does not work with the community: choose another, or type its name."),
            )
        if not data.get("partner") and not (data.get("unit_name") or "").strip():
            self.add_error("unit_name", _("Choose the work unit, or type its name."))
        return data


class PostForm(BoundedForm):
    community = forms.ModelChoiceField(label=_("Community"), queryset=Area.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=PostKind.choices)
    title = forms.CharField(label=_("Title"), max_length=100)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    places = forms.IntegerField(label=_("People wanted"), min_value=1, max_value=1000, initial=1)
    starts_on = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    when = forms.CharField(
        label=_("When"),
        max_length=100,
        required=False,
        help_text=_("e.g. Saturdays 9:00–11:00"),
    )

    def __init__(self, *args: Any, communities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities  # type: ignore[attr-defined]
        if communities.count() == 1:
            self.fields["community"].initial = communities.first()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The last day cannot be before the first."))
        return data


class HoursForm(BoundedForm):
    on = forms.DateField(
        label=_("Date"), initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"})
    )
    hours = forms.DecimalField(
        label=_("Hours"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal(24))],
        widget=forms.NumberInput(attrs={"step": "0.5", "min": "0.5", "max": "24"}),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def clean_on(self) -> Any:
        on = self.cleaned_data["on"]
        if on > timezone.localdate():
            raise ValidationError(_("Hours cannot be recorded for a day still to come."))
        return on
