from typing import Any

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from genxi.core.forms import BoundedModelForm, PhotosField
from genxi.core.paths import path_range_q
from genxi.core.pinyin import pinyin_keys
from genxi.demands import services
from genxi.demands.models import (
    Category,
    Channel,
    Demand,
    HandlingPath,
    Satisfaction,
    category_tree,
)
from genxi.places import forms as places_forms
from genxi.places.models import Area, AreaKind, Partner, PartnerKind, Resident, Venue


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
    area = forms.ModelChoiceField(label=_("Where"), queryset=Area.objects.none(), required=False)
    venue = forms.ModelChoiceField(
        label=_("Or a venue"), queryset=Venue.objects.none(), required=False
    )
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
        category_field = self.fields["category"]
        assert isinstance(category_field, forms.ModelChoiceField)
        category_field.queryset = Category.objects.active()
        # The indented tree, built only when the form is drawn: checking a choice needs only
        # the queryset (so the REST API, which uses this form too, never builds it).
        category_field.choices = lambda: (
            [("", "---------")]
            + [(c.pk, "　" * c.depth + c.name) for c in category_tree(Category.objects.active())]
        )
        self.fields["area"] = PlaceChoiceField(
            label=_("Where"),
            queryset=Area.objects.collected_by(user),
            required=False,
            help_text=_("Type part of a name (or its pinyin initials) to narrow the list."),
        )
        venue = self.fields["venue"]
        assert isinstance(venue, forms.ModelChoiceField)
        venue.queryset = (
            Venue.objects.filter(is_active=True, area__in=Area.objects.collected_by(user))
            .select_related("area")
            .order_by("area__path", "name")
        )
        reporters = self.fields["reporters"]
        assert isinstance(reporters, forms.ModelMultipleChoiceField)
        reporters.queryset = Resident.objects.visible_to(user).select_related("area")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("area") and not data.get("venue") and "area" not in self.errors:
            self.add_error("area", _("Choose where: a place, or a venue."))
        return data


class PlaceSelect(forms.Select):
    """The place picker's options carry their whole path and its pinyin, for the filter box."""

    search: dict[str, str]  # option value → its words, set when the choices are built

    def create_option(self, name: str, value: Any, label: Any, *args: Any, **kwargs: Any) -> Any:
        option = super().create_option(name, value, label, *args, **kwargs)
        search = self.search.get(str(value), "") if hasattr(self, "search") else ""
        if search:
            option["attrs"]["data-search"] = search
        return option


class PlaceChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """Where a demand is, grouped by compound so that a whole community stays usable on a
    phone: each compound (or the community itself) is a group holding the compound itself, its
    buildings and its common areas. Built only when drawn, like the category menu."""

    widget = PlaceSelect

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choices = self.grouped

    def grouped(self) -> list[Any]:
        areas = list(self.queryset.order_by("path")) if self.queryset is not None else []
        by_id = {a.pk: a for a in areas}
        groups: dict[int, list[tuple[int, str]]] = {}
        titles: dict[int, str] = {}
        search: dict[str, str] = {}
        for area in areas:
            # A compound or a community heads its own group; the rest join their parent's.
            head = area if area.kind in (AreaKind.COMMUNITY, AreaKind.COMPOUND) else None
            if head is None:
                head = by_id.get(area.parent_id or 0) or area.parent
            if head is None:
                continue
            if head.pk not in titles:
                community = head.community() if head.kind == AreaKind.COMPOUND else None
                titles[head.pk] = " / ".join(
                    n for n in (community.name if community else "", head.name) if n
                )
            # The whole path in each option too (和泰社区 / 三花苑 / 1幢): a phone's picker may
            # not show the group's heading beside the option chosen.
            label = titles[head.pk]
            if area.pk != head.pk:
                name = area.name
                if area.kind == AreaKind.COMMON_AREA:
                    name = str(_("%(name)s (common area)") % {"name": area.name})
                label = f"{label} / {name}"
            groups.setdefault(head.pk, []).append((area.pk, label))
            full, initials = pinyin_keys(titles[head.pk] + area.name)
            search[str(area.pk)] = " ".join((titles[head.pk], area.name, full, initials))
        assert isinstance(self.widget, PlaceSelect)
        self.widget.search = search
        return [("", "---------")] + [(titles[pk], options) for pk, options in groups.items()]


class ActionForm(forms.Form):
    """The form of a step on one demand (genxi.demands.actions), built for that demand and the
    person taking the step: every step's form takes the same arguments. `first` is the likely
    handler a suggestion names (the assign step puts it first)."""

    def __init__(
        self, *args: Any, demand: Demand, user: Any, first: Partner | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.demand, self.user, self.first = demand, user, first


class ReasonForm(ActionForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class FindingsForm(ActionForm):
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


class AssignForm(ActionForm):
    path = forms.ChoiceField(label=_("Handled by"), choices=HandlingPath.choices)
    partner = forms.ModelChoiceField(
        label=_("Responsible party"), queryset=Partner.objects.none(), required=False
    )
    note = forms.CharField(label=_("Note"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        demand, first = self.demand, self.first
        partner = self.fields["partner"]
        assert isinstance(partner, forms.ModelChoiceField)
        partner.queryset = queryset = assignable_partners(demand, self.user)
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


class ReferForm(ActionForm):
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.destinations = services.transfer_destinations(self.demand)
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


class CorrectForm(ActionForm):
    """Staff correct the place (within the community) or the category, with a reason."""

    area = forms.ModelChoiceField(label=_("Where"), queryset=Area.objects.none())
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none())
    reason = forms.CharField(
        label=_("Reason for the correction"), widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        demand = self.demand
        places = Area.objects.collected_by(self.user).filter(
            path_range_q("path", [demand.community.path])
        )
        if demand.community.kind != AreaKind.COMMUNITY:
            places = places.none()  # held by the street: refer it to a community first
        self.fields["area"] = places_forms.AreaChoiceField(
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


class StartForm(ActionForm):
    expected_on = forms.DateField(
        label=_("Expected completion"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class UpdateForm(ActionForm):
    text = forms.CharField(label=_("Progress"), widget=forms.Textarea(attrs={"rows": 2}))
    public = forms.BooleanField(label=_("Reporters and the public may read it"), required=False)


class ResolveForm(ActionForm):
    result = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 3}))
    photos = PhotosField(label=_("Photos"))


class CallbackForm(ActionForm):
    resident = forms.ModelChoiceField(label=_("Reporter"), queryset=Resident.objects.none())
    result = forms.ChoiceField(
        label=_("Their answer"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(label=_("Comment"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _offer_those_still_to_call(self, self.demand)


def _offer_those_still_to_call(form: forms.Form, demand: Demand) -> None:
    """A call-back form's reporters: those still to call in this round (not answered, not given
    up on as unreachable)."""
    resident = form.fields["resident"]
    assert isinstance(resident, forms.ModelChoiceField)
    resident.queryset = Resident.objects.filter(
        pk__in=services._still_to_call(demand).values("resident")
    )


class EmptyForm(ActionForm):
    pass


class CallbackAttemptForm(ActionForm):
    """A call-back that did not reach the reporter."""

    resident = forms.ModelChoiceField(label=_("Reporter"), queryset=Resident.objects.none())
    note = forms.CharField(
        label=_("What happened"),
        required=False,
        help_text=_("e.g. no answer, number out of service"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _offer_those_still_to_call(self, self.demand)


class CloseForm(ActionForm):
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.demand.reporters.exists():
            # Nobody to call back: what staff checked stands in for the call-back.
            note = self.fields["note"]
            note.required = True
            note.label = _("What you checked of the work")
            note.help_text = _("Nobody raised this demand, so nobody is called back.")


class ExtensionForm(ActionForm):
    new_due = forms.DateField(label=_("New date"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class DecisionForm(ActionForm):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("refuse", _("Refuse"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), required=False)


class AddReportersForm(ActionForm):
    """ "Me too": more residents raised the same thing (chosen with the resident picker)."""

    reporters = forms.ModelMultipleChoiceField(
        label=_("Raised by"), queryset=Resident.objects.none(), widget=forms.MultipleHiddenInput
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        reporters = self.fields["reporters"]
        assert isinstance(reporters, forms.ModelMultipleChoiceField)
        reporters.queryset = Resident.objects.visible_to(self.user)


class MergeForm(ActionForm):
    into = forms.CharField(
        label=_("Tracking code of the demand it repeats"),
        max_length=12,
        help_text=_("Its reporters and history move there; this one is closed as merged."),
    )

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


class ResidentDemandForm(forms.Form):
    """A resident raises a demand on their phone: what, where (their home by default), a photo.
    They are its reporter; the channel is the web."""

    title = forms.CharField(label=_("What is it about"), max_length=100)
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none())
    area = forms.ModelChoiceField(label=_("Where"), queryset=Area.objects.none())
    photos = PhotosField(label=_("Photos"), max_count=3)
    description = forms.CharField(
        label=_("Details"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )

    def __init__(self, *args: Any, resident: Resident, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category = self.fields["category"]
        assert isinstance(category, forms.ModelChoiceField)
        category.queryset = Category.objects.active()
        category.choices = lambda: (
            [("", "---------")]
            + [(c.pk, "　" * c.depth + c.name) for c in category_tree(Category.objects.active())]
        )
        places = resident_places(resident)
        area = self.fields["area"]
        assert isinstance(area, forms.ModelChoiceField)
        area.queryset = Area.objects.filter(pk__in=[p.pk for p in places])
        area.choices = [(p.pk, label) for p, label in labelled_places(resident, places)]
        area.initial = resident.area_id
        area.help_text = _("Your home is chosen; pick another place of your community if needed.")


def resident_places(resident: Resident) -> list[Area]:
    """Where a resident may raise a demand: their home, the parts of their compound (its
    buildings and common areas) and the compound itself, and the other compounds of their
    community."""
    home = resident.area
    community = home.community()
    if community is None:
        return [home]
    compound = next((a for a in [home, *home.ancestors()] if a.kind == AreaKind.COMPOUND), None)
    places: list[Area] = [home]
    if compound is not None:
        if compound.pk != home.pk:
            places.append(compound)
        places += list(Area.objects.filter(parent=compound).exclude(pk=home.pk).order_by("name"))
    places += list(
        Area.objects.filter(parent=community, kind=AreaKind.COMPOUND)
        .exclude(pk__in=[compound.pk] if compound is not None else [])
        .order_by("name")
    )
    return places


def labelled_places(resident: Resident, places: list[Area]) -> list[tuple[Area, str]]:
    """Each place named as a resident says it: "My home: 三花苑 2幢", "三花苑 凉亭", "宝祥苑"."""
    compounds = {a.pk: a.name for a in places if a.kind == AreaKind.COMPOUND}
    labels = []
    for place in places:
        name = f"{compounds.get(place.parent_id or 0, '')} {place.name}".strip()
        if place.pk == resident.area_id:
            name = str(_("My home: %(place)s")) % {"place": name}
        labels.append((place, name))
    return labels


class MyCallbackForm(forms.Form):
    """The resident's own answer to the call-back."""

    result = forms.ChoiceField(
        label=_("Are you satisfied with how it was handled?"),
        choices=Satisfaction.choices,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only the community's staff read it."),
    )
