"""Recording a visit on the phone: whom you met, a note, the household's open demands to
follow up, and "add an ask" rows (each becomes a demand)."""

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from genxi.core.forms import BoundedForm
from genxi.demands.models import Category, Demand, category_tree
from genxi.demands.services.visits import MAX_ASKS, MAX_NOTES
from genxi.pioneers.forms import IdsChoiceField
from genxi.places.models import Resident


class VisitForm(BoundedForm):
    met = IdsChoiceField(
        label=_("Whom you met"),
        queryset=Resident.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    nobody_home = forms.BooleanField(label=_("Nobody at home"), required=False)
    notes = forms.CharField(
        label=_("Note"),
        max_length=MAX_NOTES,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # Every demand the household raised, whatever its status: one closed since the page was
    # drawn is refused by the service with a message that says so, not as "an invalid choice".
    follow_ups = IdsChoiceField(
        label=_("Open demands followed up"),
        queryset=Demand.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    visited_on = forms.DateField(
        label=_("Visited on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, residents: Any, demands: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        met = self.fields["met"]
        assert isinstance(met, forms.ModelMultipleChoiceField)
        met.queryset = residents
        follow = self.fields["follow_ups"]
        assert isinstance(follow, forms.ModelMultipleChoiceField)
        follow.queryset = demands
        self.fields["visited_on"].initial = timezone.localdate

    def clean_visited_on(self) -> Any:
        day = self.cleaned_data["visited_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(
                _("A visit cannot be in the future: choose today or an earlier day.")
            )
        return day


class AskForm(BoundedForm):
    """One thing asked on the visit: it becomes a demand. A row left empty is skipped."""

    title = forms.CharField(label=_("What was asked"), max_length=100, required=False)
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("This category is no longer in use; choose another.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category = self.fields["category"]
        assert isinstance(category, forms.ModelChoiceField)
        category.queryset = Category.objects.active()
        category.choices = lambda: (
            [("", _("Category…"))]
            + [(c.pk, "　" * c.depth + c.name) for c in category_tree(Category.objects.active())]
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        title = (data.get("title") or "").strip()
        category = data.get("category")
        if title and category is None and "category" not in self.errors:
            self.add_error("category", _("Choose a category for this ask."))
        if category is not None and not title:
            self.add_error("title", _("Write what was asked, or clear the category."))
        data["title"] = title
        return data


AskFormSet = forms.formset_factory(
    AskForm, extra=3, max_num=MAX_ASKS, validate_max=True, absolute_max=MAX_ASKS
)
