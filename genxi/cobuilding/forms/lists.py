"""Forms of the three lists: a need, the exclusive window, a resource, a claim, a delivery and a
contribution. Each hands its cleaned data to a service in services/lists.py."""

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from genxi.accounts import scoping
from genxi.cobuilding.models import (
    Contribution,
    ContributionKind,
    Need,
    Resource,
)
from genxi.cobuilding.services.lists import delivery_projects, resource_areas
from genxi.core.forms import BoundedForm, BoundedModelForm, MultiplePhotoInput
from genxi.demands.models import Category
from genxi.places.models import Area, AreaKind, Partner
from genxi.projects.models import Project

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_FILES = 9


def _categories() -> Any:
    return Category.objects.active().order_by("name")


def partners_for(user: Any) -> Any:
    """The units a user acts for: a handler's own; staff's the units they see."""
    own = scoping.partner_ids(user)
    if own:
        return Partner.objects.filter(pk__in=own, is_active=True).order_by("name")
    return Partner.objects.visible_to(user).filter(is_active=True).order_by("name")


class NeedForm(BoundedModelForm):
    class Meta:
        model = Need
        fields = [
            "community",
            "area",
            "title",
            "description",
            "category",
            "quantity",
            "amount",
            "wanted_from",
            "wanted_by",
        ]
        widgets = {"wanted_from": DATE, "wanted_by": DATE}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        communities = Area.objects.run_by(user)
        self.fields["community"].queryset = communities  # type: ignore[attr-defined]
        if communities.count() == 1:
            self.fields["community"].initial = communities.first()
        self.fields["area"].queryset = (  # type: ignore[attr-defined]
            Area.objects.staffed_by(user)
            .of_kind(AreaKind.COMPOUND, AreaKind.BUILDING)
            .order_by("path")
        )
        self.fields["category"].queryset = _categories()  # type: ignore[attr-defined]


class SettingsForm(BoundedForm):
    area = forms.ModelChoiceField(label=_("Street or community"), queryset=Area.objects.none())
    exclusive_days = forms.IntegerField(
        label=_("Days only the paired partners may claim a new need"),
        min_value=0,
        max_value=90,
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = (  # type: ignore[attr-defined]
            Area.objects.staffed_by(user)
            .of_kind(AreaKind.STREET, AreaKind.COMMUNITY)
            .order_by("path")
        )


class NeedRuleForm(forms.Form):
    area = forms.ModelChoiceField(label=_("Street or community"), queryset=Area.objects.none())
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none())

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = (  # type: ignore[attr-defined]
            Area.objects.staffed_by(user)
            .of_kind(AreaKind.STREET, AreaKind.COMMUNITY)
            .order_by("path")
        )
        self.fields["category"].queryset = _categories()  # type: ignore[attr-defined]


class ResourceForm(BoundedModelForm):
    partner = forms.ModelChoiceField(label=_("Partner unit"), queryset=Partner.objects.none())

    class Meta:
        model = Resource
        fields = [
            "partner",
            "kind",
            "title",
            "description",
            "category",
            "quantity",
            "amount",
            "when",
            "available_from",
            "available_until",
            "audience",
            "area",
        ]
        widgets = {"available_from": DATE, "available_until": DATE}
        help_texts = {
            "area": _("It reaches this area and everything in it; empty: the unit's own area."),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        partners = partners_for(user)
        self.fields["partner"].queryset = partners  # type: ignore[attr-defined]
        if self.instance.pk:
            del self.fields["partner"]
        elif partners.count() == 1:
            self.fields["partner"].initial = partners.first()
        self.fields["category"].queryset = _categories()  # type: ignore[attr-defined]
        self.fields["area"].queryset = resource_areas(user)  # type: ignore[attr-defined]


class ClaimForm(forms.Form):
    partner = forms.ModelChoiceField(label=_("Partner unit"), queryset=Partner.objects.none())
    resource = forms.ModelChoiceField(
        label=_("With the resource"), queryset=Resource.objects.none(), required=False
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        partners = Partner.objects.filter(pk__in=scoping.partner_ids(user), is_active=True)
        self.fields["partner"].queryset = partners  # type: ignore[attr-defined]
        if partners.count() == 1:
            self.fields["partner"].initial = partners.first()
            self.fields["partner"].widget = forms.HiddenInput()
        self.fields["resource"].queryset = Resource.objects.filter(  # type: ignore[attr-defined]
            partner__in=partners, is_active=True
        ).order_by("title")


class FilesField(forms.FileField):
    """PDFs or photos, several in one input; checked by the service (uploads.clean_document)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultiplePhotoInput(attrs={"accept": "image/*,application/pdf"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        items = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        files = [f for f in (single(d, initial) for d in items) if f]
        if len(files) > MAX_FILES:
            raise forms.ValidationError(
                _("Attach at most %(n)s files.") % {"n": MAX_FILES}, code="too_many"
            )
        return files


class DeliveryForm(BoundedForm):
    what = forms.CharField(label=_("What was delivered"), widget=forms.Textarea(attrs={"rows": 3}))
    delivered_on = forms.DateField(label=_("Delivered on"), widget=DATE)
    hours = forms.DecimalField(label=_("Hours"), max_digits=8, decimal_places=2, required=False)
    amount = forms.DecimalField(
        label=_("Money or value (yuan)"),
        max_digits=12,
        decimal_places=2,
        required=False,
    )
    kind = forms.ChoiceField(
        label=_("Recorded on the ledger as"),
        choices=[("", _("As the resource says")), *ContributionKind.choices],
        required=False,
    )
    project = forms.ModelChoiceField(
        label=_("For the project"),
        queryset=Project.objects.none(),
        required=False,
        help_text=_("When the unit paid for a project of the community."),
    )
    evidence = FilesField(label=_("Evidence (PDF or photos)"))

    def __init__(self, *args: Any, user: Any, community: Area, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["delivered_on"].initial = timezone.localdate()
        self.fields["project"].queryset = delivery_projects(  # type: ignore[attr-defined]
            user, community
        ).order_by("-created_at")


class ContributionForm(BoundedModelForm):
    class Meta:
        model = Contribution
        fields = ["partner", "community", "kind", "description", "on", "hours", "amount", "project"]
        widgets = {"on": DATE}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners_for(user)  # type: ignore[attr-defined]
        communities = Area.objects.run_by(user)
        self.fields["community"].queryset = communities  # type: ignore[attr-defined]
        self.fields["project"].queryset = Project.objects.filter(  # type: ignore[attr-defined]
            community__in=communities
        ).order_by("-created_at")
        self.fields["on"].initial = timezone.localdate()
