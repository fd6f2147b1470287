"""Forms of the appointments: appoint, edit, renew, the reasons of suspend/resume/end, and the
duties templates. They clean fields; the services decide (genxi.pioneers.services)."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from genxi.accounts.models import Role, User
from genxi.core.forms import BoundedForm, BoundedModelForm
from genxi.pioneers.forms import IdsChoiceField
from genxi.pioneers.models import DutyTemplate
from genxi.places.forms import AreaChoiceField
from genxi.places.models import Area, AreaKind, PartyOrg

DATE = {"type": "date"}


class _Scoped:
    user: Any


def _grids_field() -> forms.ModelMultipleChoiceField:  # type: ignore[type-arg]
    return AreaGridsField(
        queryset=Area.objects.none(),
        label=_("Grids"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class AreaGridsField(IdsChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        parent = obj.parent.name if obj.parent_id else ""
        return f"{parent} / {obj.name}" if parent else str(obj.name)


class AppointForm(BoundedForm):
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=50)
    community = AreaChoiceField(queryset=Area.objects.none(), label=_("Community"))
    party_org = forms.ModelChoiceField(
        queryset=PartyOrg.objects.none(),
        label=_("Appointed by"),
        required=False,
        help_text=_("The party organisation named on the certificate."),
    )
    user = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label=_("Account"),
        required=False,
        help_text=_("The pioneer's account, if they have one: it gets the pioneer's pages."),
    )
    grids = _grids_field()
    appointed_on = forms.DateField(label=_("Term starts on"), widget=forms.DateInput(DATE))
    term_ends_on = forms.DateField(label=_("Term ends on"), widget=forms.DateInput(DATE))
    template = forms.ModelChoiceField(
        queryset=DutyTemplate.objects.none(),
        label=_("Duties template"),
        required=False,
        help_text=_("Its duties and assessment rules are copied when the duties are left empty."),
    )
    duties = forms.CharField(
        label=_("Duties"), required=False, max_length=5000, widget=forms.Textarea({"rows": 6})
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)
        staffed = Area.objects.staffed_by(user)
        self.fields["community"].queryset = staffed.of_kind(AreaKind.COMMUNITY)  # type: ignore[attr-defined]
        self.fields["grids"].queryset = (  # type: ignore[attr-defined]
            staffed.of_kind(AreaKind.GRID).select_related("parent").order_by("path")
        )
        self.fields["party_org"].queryset = (  # type: ignore[attr-defined]
            PartyOrg.objects.visible_to(user).select_related("area").order_by("area__path", "name")
        )
        self.fields["user"].queryset = (  # type: ignore[attr-defined]
            User.objects.filter(
                memberships__area__in=staffed,
                memberships__role__in=[Role.RESIDENT, Role.PIONEER],
            )
            .distinct()
            .order_by("username")
        )
        self.fields["user"].label_from_instance = lambda u: f"{u}（{u.username}）"  # type: ignore[attr-defined]
        self.fields["template"].queryset = DutyTemplate.objects.visible_to(user).select_related(  # type: ignore[attr-defined]
            "area"
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("appointed_on"), data.get("term_ends_on")
        if start and end and end < start:
            raise ValidationError({"term_ends_on": _("The term cannot end before it starts.")})
        return data


class EditForm(BoundedForm):
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=50)
    party_org = forms.ModelChoiceField(
        queryset=PartyOrg.objects.none(), label=_("Appointed by"), required=False
    )
    grids = _grids_field()
    appointed_on = forms.DateField(label=_("Term starts on"), widget=forms.DateInput(DATE))
    duties = forms.CharField(
        label=_("Duties"), required=False, max_length=5000, widget=forms.Textarea({"rows": 8})
    )

    def __init__(self, *args: Any, user: Any, pioneer: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        community = pioneer.community
        self.fields["grids"].queryset = (  # type: ignore[attr-defined]
            Area.objects.subtree(community).of_kind(AreaKind.GRID).select_related("parent")
        )
        self.fields["party_org"].queryset = (  # type: ignore[attr-defined]
            PartyOrg.objects.visible_to(user).select_related("area").order_by("area__path", "name")
        )
        if not self.is_bound:
            self.initial.update(
                name=pioneer.name,
                party_org=pioneer.party_org_id,
                grids=[g.pk for g in pioneer.grids.all()],
                appointed_on=pioneer.appointed_on,
                duties=pioneer.duties,
            )


class RenewForm(BoundedForm):
    term_ends_on = forms.DateField(label=_("New end of the term"), widget=forms.DateInput(DATE))
    reason = forms.CharField(label=_("Note"), required=False, max_length=500)


class ReasonForm(BoundedForm):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea({"rows": 3}))

    def __init__(self, *args: Any, required: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = required


class DutyTemplateForm(BoundedModelForm):
    area = AreaChoiceField(queryset=Area.objects.none(), label=_("Street or community"))

    class Meta:
        model = DutyTemplate
        fields = ["area", "name", "duties", "assessment_rules"]
        widgets = {
            "duties": forms.Textarea({"rows": 8}),
            "assessment_rules": forms.Textarea({"rows": 6}),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.staffed_by(user).of_kind(  # type: ignore[attr-defined]
            AreaKind.STREET, AreaKind.TOWN, AreaKind.COMMUNITY
        )
        if self.instance.pk:
            del self.fields["area"]

    def validate_unique(self) -> None:
        pass  # the service checks, inside its transaction

    def _post_clean(self) -> None:
        pass  # the service validates and writes
