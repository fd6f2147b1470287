"""The evaluations' forms: a new scheme, its items and grades (formsets), and a result's manual
scores. The rules (weights summing to 100, grades from the best down) are the service's."""

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from genxi.cobuilding import evaluation as ev
from genxi.cobuilding.models import EvaluationScheme, Subject
from genxi.core.forms import BoundedForm
from genxi.places.models import Area


class SchemeForm(BoundedForm):
    area = forms.ModelChoiceField(label=_("Community or street"), queryset=Area.objects.none())
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    subject = forms.ChoiceField(label=_("Who is evaluated"), choices=Subject.choices)

    def __init__(self, *args: Any, areas: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["area"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = areas


def source_choices(subject: str) -> list[tuple[str, Any]]:
    return [(ev.MANUAL, _("Manual score (0–100)"))] + [
        (key, i.label) for key, i in ev.INDICATORS.items() if subject in i.subjects
    ]


class ItemForm(BoundedForm):
    # The item's stable key, carried across edits so a manual item keeps its scores (the
    # service keeps only keys the scheme already has).
    key = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    label = forms.CharField(label=_("Item"), max_length=50)
    # An extra row's select sends its first choice: the same as its initial, so an untouched
    # extra row stays empty (not "changed") and is skipped.
    source = forms.ChoiceField(label=_("Scored by"), initial=ev.MANUAL)
    weight = forms.IntegerField(label=_("Weight"), min_value=0, max_value=100)
    target = forms.DecimalField(
        label=_("Full marks at"),
        required=False,
        min_value=Decimal("0.01"),
        max_value=Decimal(100000),
        max_digits=8,
        decimal_places=2,
        help_text=_("For a computed count: the count that earns 100."),
    )

    def __init__(self, *args: Any, subject: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = source_choices(subject)  # type: ignore[attr-defined]


class GradeForm(BoundedForm):
    name = forms.CharField(label=_("Grade"), max_length=20)
    lowest = forms.DecimalField(
        label=_("Lowest total"),
        min_value=Decimal(0),
        max_value=Decimal(100),
        max_digits=5,
        decimal_places=2,
    )


ItemFormSet = forms.formset_factory(ItemForm, extra=1, can_delete=True, max_num=20, absolute_max=20)
GradeFormSet = forms.formset_factory(
    GradeForm, extra=1, can_delete=True, max_num=10, absolute_max=10
)


def item_formset(scheme: EvaluationScheme, data: Any = None) -> Any:
    initial = [
        {
            "key": i["key"],
            "label": i["label"],
            "source": i["source"],
            "weight": i["weight"],
            "target": i.get("target"),
        }
        for i in scheme.items
    ]
    return ItemFormSet(
        data, initial=initial, prefix="items", form_kwargs={"subject": scheme.subject}
    )


def grade_formset(scheme: EvaluationScheme, data: Any = None) -> Any:
    initial = [{"name": name, "lowest": lowest} for name, lowest in scheme.grades]
    return GradeFormSet(data, initial=initial, prefix="grades")


def kept(formset: Any) -> list[dict[str, Any]]:
    """The filled rows not marked for deletion."""
    return [
        f.cleaned_data for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")
    ]


class ScoresForm(BoundedForm):
    """A field per manual item, and the comment (the letter's words)."""

    comment = forms.CharField(
        label=_("Comment (printed on the letter)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self, *args: Any, scheme: EvaluationScheme, scores: dict[str, Any], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.manual = [i for i in scheme.items if i["source"] == ev.MANUAL]
        for item in self.manual:
            self.fields[item["key"]] = forms.DecimalField(
                label=item["label"],
                required=False,
                min_value=Decimal(0),
                max_value=Decimal(100),
                max_digits=5,
                decimal_places=2,
                initial=scores.get(item["key"]),
            )
        self.order_fields([*(i["key"] for i in self.manual), "comment"])
