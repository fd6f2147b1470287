"""The rounds' forms: a checklist template and its items (a formset), a new round, another
seed or an order for its groups, and groups set by hand. The rules (pairings, dates, scores)
are the services'; choices come from `Area.objects` under the user's streets."""

from typing import Any

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from genxi.core.forms import BoundedForm
from genxi.inspections.models import MAX_ITEM_SCORE, ChecklistTemplate
from genxi.inspections.pairing import MAX_SEED
from genxi.places.models import Area, AreaKind


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None, format: Any = None) -> None:
        super().__init__(attrs, format or "%Y-%m-%d")  # what a date input reads


def street_communities(streets: Any) -> Any:
    return Area.objects.filter(parent__in=streets, kind=AreaKind.COMMUNITY).order_by("path")


class TemplateForm(BoundedForm):
    street = forms.ModelChoiceField(label=_("Street"), queryset=Area.objects.none())
    name = forms.CharField(label=_("Name"), max_length=60)

    def __init__(self, *args: Any, streets: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["street"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = streets
        if len(streets) == 1:
            field.initial = streets[0].pk
            field.widget = forms.HiddenInput()


class ItemForm(BoundedForm):
    title = forms.CharField(label=_("Item"), max_length=100)
    max_score = forms.IntegerField(label=_("Full score"), min_value=1, max_value=MAX_ITEM_SCORE)
    how_to_check = forms.CharField(
        label=_("How to check"), max_length=500, required=False, widget=forms.TextInput
    )


ItemFormSet = forms.formset_factory(
    ItemForm, extra=2, can_delete=True, max_num=40, absolute_max=40, validate_max=True
)


def item_formset(template: ChecklistTemplate | None, data: Any = None) -> Any:
    initial = (
        [
            {"title": i.title, "max_score": i.max_score, "how_to_check": i.how_to_check}
            for i in template.items.all()
        ]
        if template is not None
        else []
    )
    return ItemFormSet(data, initial=initial, prefix="items")


def kept(formset: Any) -> list[dict[str, Any]]:
    """The rows filled in and not ticked for removal, in order."""
    return [
        f.cleaned_data
        for f in formset.forms
        if f.cleaned_data and not f.cleaned_data.get("DELETE") and f.cleaned_data.get("title")
    ]


class PairingMethod(models.TextChoices):
    SEED = "seed", _("Generate from the seed")
    ORDER = "order", _("A loop in the order I type")


class RoundForm(BoundedForm):
    street = forms.ModelChoiceField(label=_("Street"), queryset=Area.objects.none())
    title = forms.CharField(label=_("Title"), max_length=100)
    starts_on = forms.DateField(label=_("From"), widget=DateInput)
    ends_on = forms.DateField(label=_("To"), widget=DateInput)
    communities = forms.ModelMultipleChoiceField(
        label=_("Communities taking part"),
        queryset=Area.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    group_size = forms.IntegerField(
        label=_("Communities per inspecting group"), min_value=1, max_value=20, initial=2
    )
    template = forms.ModelChoiceField(
        label=_("Checklist"), queryset=ChecklistTemplate.objects.none()
    )
    method = forms.ChoiceField(
        label=_("Pairings"),
        choices=PairingMethod.choices,
        initial=PairingMethod.SEED,
        widget=forms.RadioSelect,
    )
    seed = forms.IntegerField(
        label=_("Seed"),
        min_value=0,
        max_value=MAX_SEED,
        required=False,
        help_text=_("The same seed and communities always give the same groups."),
    )
    order = forms.CharField(
        label=_("Order of the loop"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Community names separated by commas: each is inspected by the next ones in the "
            "loop (with groups of two, by the next two)."
        ),
    )

    def __init__(self, *args: Any, streets: Any, templates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        street = self.fields["street"]
        assert isinstance(street, forms.ModelChoiceField)
        street.queryset = streets
        if len(streets) == 1:
            street.initial = streets[0].pk
            street.widget = forms.HiddenInput()
        communities = self.fields["communities"]
        assert isinstance(communities, forms.ModelMultipleChoiceField)
        communities.queryset = street_communities(streets)
        template = self.fields["template"]
        assert isinstance(template, forms.ModelChoiceField)
        template.queryset = templates

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("method") == PairingMethod.SEED and data.get("seed") is None:
            self.add_error("seed", _("Enter a seed, or choose to type the order."))
        if data.get("method") == PairingMethod.ORDER and not data.get("order", "").strip():
            self.add_error("order", _("Type the communities in the order of the loop."))
        return data


class RegenerateForm(BoundedForm):
    method = forms.ChoiceField(
        label=_("Pairings"), choices=PairingMethod.choices, widget=forms.RadioSelect
    )
    seed = forms.IntegerField(label=_("Seed"), min_value=0, max_value=MAX_SEED, required=False)
    order = forms.CharField(
        label=_("Order of the loop"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("method") == PairingMethod.SEED and data.get("seed") is None:
            self.add_error("seed", _("Enter a seed, or choose to type the order."))
        if data.get("method") == PairingMethod.ORDER and not data.get("order", "").strip():
            self.add_error("order", _("Type the communities in the order of the loop."))
        return data


class PairingsForm(BoundedForm):
    """One row per community of the round: the communities that inspect it."""

    def __init__(
        self, *args: Any, communities: list[Area], current: dict[int, list[int]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.communities = communities
        for c in communities:
            self.fields[f"c{c.pk}"] = forms.MultipleChoiceField(
                label=c.name,
                required=False,
                choices=[(o.pk, o.name) for o in communities if o.pk != c.pk],
                initial=current.get(c.pk, []),
                widget=forms.CheckboxSelectMultiple,
            )

    def groups(self) -> list[tuple[int, list[int]]]:
        return [
            (c.pk, [int(v) for v in self.cleaned_data.get(f"c{c.pk}", [])])
            for c in self.communities
        ]


class StampForm(BoundedForm):
    """A button's form: no fields of its own; `guard_form` gives it the round's `updated_at`,
    so a button pressed on a stale page is refused."""


class ConfirmForm(forms.Form):
    """Staff tick it to go on although not every group has sent its list."""

    force = forms.BooleanField(required=False)
