from typing import Any

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from genxi.core.forms import PhotosField
from genxi.demands.models import (
    Category,
    Channel,
    Demand,
    HandlingPath,
    Satisfaction,
    category_tree,
)
from genxi.places import forms as places_forms
from genxi.places.models import Area, Partner, Resident


class CategoryForm(forms.ModelForm):  # type: ignore[type-arg]
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


class AssignForm(forms.Form):
    path = forms.ChoiceField(label=_("Handled by"), choices=HandlingPath.choices)
    partner = forms.ModelChoiceField(
        label=_("Responsible party"), queryset=Partner.objects.none(), required=False
    )
    note = forms.CharField(label=_("Note"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        partner = self.fields["partner"]
        assert isinstance(partner, forms.ModelChoiceField)
        partner.queryset = Partner.objects.visible_to(user).filter(is_active=True)


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
    from genxi.places.models import AreaKind

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
    from genxi.places.models import AreaKind

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
