from typing import Any

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from genxi.core.forms import BoundedModelForm, PhotosField
from genxi.demands.models import (
    Category,
    Channel,
    Demand,
    HandlingPath,
    Satisfaction,
    category_tree,
)
from genxi.places import forms as places_forms
from genxi.places.models import Area, AreaKind, Partner, PartnerKind, Resident


class CategoryForm(BoundedModelForm):
    class Meta:
        model = Category
        fields = [
            "name",
            "parent",
            "response_days",
            "resolution_days",
            "description",
            "keywords",
            "is_active",
        ]
        widgets = {"keywords": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("response_days", "resolution_days"):
            # The model's bounds, checked on the form (the model's own clean is not run).
            model_field = Category._meta.get_field(name)
            assert isinstance(model_field, models.Field)
            self.fields[name].validators += model_field.validators
        if self.instance.pk:
            del self.fields["parent"]  # moving a category would re-file its demands: not offered
        else:
            parent = self.fields["parent"]
            assert isinstance(parent, forms.ModelChoiceField)
            parent.queryset = Category.objects.active().filter(depth__lt=2)

    def _post_clean(self) -> None:
        # The service validates and writes; the form only cleans fields.
        pass


class DemandForm(forms.Form):
    """Intake, phone first: who, where, what."""

    title = forms.CharField(label=_("What is it about"), max_length=100)
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none())
    area = forms.ModelChoiceField(label=_("Where"), queryset=Area.objects.none())
    channel = forms.ChoiceField(
        label=_("How it came in"), choices=Channel.choices, initial=Channel.VISIT
    )
    # Chosen with the resident picker (htmx) on the form, which renders the picked ones itself.
    reporters = forms.ModelMultipleChoiceField(
        label=_("Raised by"),
        queryset=Resident.objects.none(),
        required=False,
        widget=forms.MultipleHiddenInput,
    )
    photos = PhotosField(label=_("Photos"))
    description = forms.CharField(
        label=_("Details"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        kwargs.pop("instance", None)
        super().__init__(*args, **kwargs)
        from genxi.places.forms import AreaChoiceField

        category_field = self.fields["category"]
        assert isinstance(category_field, forms.ModelChoiceField)
        category_field.queryset = Category.objects.active()
        # The indented tree, built only when the form is drawn: checking a choice needs only
        # the queryset (so the REST API, which uses this form too, never builds it).
        category_field.choices = lambda: (
            [("", "---------")]
            + [(c.pk, "　" * c.depth + c.name) for c in category_tree(Category.objects.active())]
        )
        self.fields["area"] = AreaChoiceField(
            label=_("Where"), queryset=places_forms.collect_areas(user)
        )
        reporters = self.fields["reporters"]
        assert isinstance(reporters, forms.ModelMultipleChoiceField)
        reporters.queryset = Resident.objects.visible_to(user).select_related("area")


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class FindingsForm(forms.Form):
    findings = forms.CharField(
        label=_("Findings on site"), widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = PhotosField(label=_("Photos"))


def assignable_partners(demand: Demand, user: Any) -> Any:
    """The active units that may take `demand`: its community's own, and those registered with
    its street, district or city (ancestors of the community); street staff may also choose the
    units of the street's other communities, which they see."""
    return (
        (Partner.objects.serving(demand.community) | Partner.objects.visible_to(user))
        .filter(is_active=True)
        .select_related("area")
        .order_by("area__path", "name")
    )


def matching_partners(partners: Any, text: str, first: Partner | None = None) -> list[Partner]:
    """`partners` whose name contains `text`, or whose pinyin contains it, or whose initials
    start with it (金阳宝地物业: "金阳", "jinyang", "jybd"); `first` (the likely handler) leads.

    Filtered in Python: a community's candidates are tens of units, not thousands.
    """
    from genxi.core.pinyin import pinyin_keys

    words = text.strip().lower().replace(" ", "")
    found = []
    for partner in partners:
        full, initials = pinyin_keys(partner.name)
        if (
            not words
            or words in partner.name.lower()
            or words in full
            or initials.startswith(words)
        ):
            found.append(partner)
    if first is not None:
        found.sort(key=lambda p: p.pk != first.pk)
    return found


def partner_groups(
    partners: list[Partner], first: Partner | None, community: Area
) -> list[tuple[str, list[Any]]]:
    """The units grouped by where they are registered — the community's own first, then the
    street's, the district's, the city's (and, for street staff, the other communities') —
    after the likely handler from triage in a group of its own."""

    def nearness(partner: Partner) -> tuple[int, int, str]:
        path = partner.area.path
        if path.startswith(community.path):
            return (0, 0, path)
        if community.path.startswith(path):
            return (1, -len(path), path)  # the street before the district before the city
        return (2, 0, path)

    groups: dict[str, list[Any]] = {}
    if first is not None and any(p.pk == first.pk for p in partners):
        groups[str(_("Likely handler"))] = [first]
    for partner in sorted(partners, key=nearness):
        if first is None or partner.pk != first.pk:
            groups.setdefault(partner.area.name, []).append(partner)
    return list(groups.items())


class AssignForm(forms.Form):
    path = forms.ChoiceField(label=_("Handled by"), choices=HandlingPath.choices)
    partner = forms.ModelChoiceField(
        label=_("Responsible party"), queryset=Partner.objects.none(), required=False
    )
    note = forms.CharField(label=_("Note"), required=False)

    def __init__(
        self, *args: Any, user: Any, demand: Demand, first: Partner | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        partner = self.fields["partner"]
        assert isinstance(partner, forms.ModelChoiceField)
        partner.queryset = queryset = assignable_partners(demand, user)
        # Grouped by where each unit is registered, the likely handler from triage first (and
        # chosen already); built only when the form is drawn.
        partner.choices = lambda: (
            [("", "---------")]
            + [
                (label, [(p.pk, p.name) for p in units])
                for label, units in partner_groups(list(queryset), first, demand.community)
            ]
        )
        if first is not None and not self.is_bound:
            self.initial.setdefault("path", HandlingPath.PARTNER)
            self.initial.setdefault("partner", first.pk)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("path") == HandlingPath.PARTNER and not data.get("partner"):
            partner = self.fields["partner"]
            assert isinstance(partner, forms.ModelChoiceField)
            if not self.has_error("partner"):
                self.add_error(
                    "partner",
                    _("Choose the responsible party from the list, or add one below.")
                    if partner.queryset.exists()  # type: ignore[union-attr]
                    else _(
                        "No responsible party serves this community yet. Add one below "
                        "(“Add a responsible party”), or ask the street to register its "
                        "departments and companies."
                    ),
                )
        return data


class ReferForm(forms.Form):
    """转办: to another community of the street or to the street (it moves there and stays
    open), or outside Genxi (it closes here). Chosen explicitly: nothing closes by default."""

    OUTSIDE = "outside"

    to = forms.ChoiceField(
        label=_("Refer to"),
        error_messages={"required": _("Choose where to refer it.")},
        help_text=_(
            "A community or the street takes it over with its history; you can still read it."
        ),
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, demand: Demand, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from genxi.demands.services import transfer_destinations

        self.destinations = transfer_destinations(demand)
        to = self.fields["to"]
        assert isinstance(to, forms.ChoiceField)
        to.choices = lambda: [
            ("", "---------"),
            *[(str(a.pk), a.name) for a in self.destinations],
            (self.OUTSIDE, _("Outside Genxi (closes it here)")),
        ]

    def clean_to(self) -> Area | None:
        value = self.cleaned_data["to"]
        if value == self.OUTSIDE:
            return None
        area: Area | None = self.destinations.filter(pk=int(value)).first()
        if area is None:  # the choice was valid when the page was drawn
            raise forms.ValidationError(_("Choose where to refer it."))
        return area


class CorrectForm(forms.Form):
    """Staff correct the place (within the community) or the category, with a reason."""

    area = forms.ModelChoiceField(label=_("Where"), queryset=Area.objects.none())
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none())
    reason = forms.CharField(
        label=_("Reason for the correction"), widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, user: Any, demand: Demand, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from genxi.accounts.scoping import path_range_q
        from genxi.places.forms import AreaChoiceField

        places = places_forms.collect_areas(user).filter(
            path_range_q("path", [demand.community.path])
        )
        if demand.community.kind != AreaKind.COMMUNITY:
            places = places.none()  # held by the street: refer it to a community first
        self.fields["area"] = AreaChoiceField(
            label=_("Where"),
            queryset=places,
            initial=demand.area_id,
            required=False,  # left out (the API): unchanged
        )
        category = self.fields["category"]
        assert isinstance(category, forms.ModelChoiceField)
        category.queryset = Category.objects.filter(
            models.Q(is_active=True) | models.Q(pk=demand.category_id)
        )
        category.choices = lambda: (
            [("", "---------")]
            + [(c.pk, "　" * c.depth + c.name) for c in category_tree(category.queryset)]
        )
        category.initial = demand.category_id
        category.required = False


class NewPartnerForm(forms.Form):
    """A unit added on the spot from the assign step; it is registered with the community."""

    name = forms.CharField(label=_("Name of the unit"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=PartnerKind.choices)


class StartForm(forms.Form):
    expected_on = forms.DateField(
        label=_("Expected completion"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class UpdateForm(forms.Form):
    text = forms.CharField(label=_("Progress"), widget=forms.Textarea(attrs={"rows": 2}))
    public = forms.BooleanField(label=_("Reporters and the public may read it"), required=False)


class ResolveForm(forms.Form):
    result = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 3}))
    photos = PhotosField(label=_("Photos"))


class CallbackForm(forms.Form):
    resident = forms.ModelChoiceField(label=_("Reporter"), queryset=Resident.objects.none())
    result = forms.ChoiceField(
        label=_("Their answer"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(label=_("Comment"), required=False)

    def __init__(self, *args: Any, demand: Demand, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        resident = self.fields["resident"]
        assert isinstance(resident, forms.ModelChoiceField)
        done = demand.callbacks.filter(round=demand.callback_round).values("resident")
        resident.queryset = Resident.objects.filter(reported__demand=demand).exclude(pk__in=done)


class EmptyForm(forms.Form):
    pass


class ExtensionForm(forms.Form):
    new_due = forms.DateField(label=_("New date"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("refuse", _("Refuse"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), required=False)


class AddReportersForm(forms.Form):
    """ "Me too": more residents raised the same thing (chosen with the resident picker)."""

    reporters = forms.ModelMultipleChoiceField(
        label=_("Raised by"), queryset=Resident.objects.none(), widget=forms.MultipleHiddenInput
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        reporters = self.fields["reporters"]
        assert isinstance(reporters, forms.ModelMultipleChoiceField)
        reporters.queryset = Resident.objects.visible_to(user)


class MergeForm(forms.Form):
    into = forms.CharField(
        label=_("Tracking code of the demand it repeats"),
        max_length=12,
        help_text=_("Its reporters and history move there; this one is closed as merged."),
    )

    def __init__(self, *args: Any, user: Any, demand: Demand, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user, self.demand = user, demand

    def clean_into(self) -> Demand:
        code = self.cleaned_data["into"].strip().upper()
        target = (
            Demand.objects.visible_to(self.user)
            .filter(code=code)
            .exclude(pk=self.demand.pk)
            .first()
        )
        if target is None:
            raise forms.ValidationError(_("No other demand you can see has this code."))
        return target
