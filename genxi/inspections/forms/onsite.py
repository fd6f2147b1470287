"""On site: a score for one item, and a finding with its photos. The rules (score within the
item's full score, a deadline for 限期整改 within a year) are the services'; the form bounds
what it can before decoding anything."""

from typing import Any

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from genxi.core.forms import BoundedForm, BoundedModelForm, PhotosField
from genxi.inspections.models import MAX_ITEM_SCORE, Finding, FixMode, Group, RoundItem
from genxi.inspections.services.onsite import MAX_TEXT


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None, format: Any = None) -> None:
        super().__init__(attrs, format or "%Y-%m-%d")  # what a date input reads


class ScoreForm(BoundedForm):
    score = forms.IntegerField(label=_("Score"), min_value=0, max_value=MAX_ITEM_SCORE)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    # The score's stamp when the sheet was built; empty when it had no score yet.
    stamp = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args: Any, item: RoundItem, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.item = item
        field = self.fields["score"]
        assert isinstance(field, forms.IntegerField)
        field.max_value = item.max_score
        field.widget.attrs.update({"max": item.max_score, "inputmode": "numeric"})

    def clean_score(self) -> int:
        value: int = self.cleaned_data["score"]
        if value > self.item.max_score:
            raise forms.ValidationError(
                _("At most %(max)s for this item.") % {"max": self.item.max_score}
            )
        return value


class FindingForm(BoundedModelForm):
    photos = PhotosField(label=_("Photos"), max_count=9)

    class Meta:
        model = Finding
        fields = ["item", "description", "suggestion", "severity", "mode", "deadline"]
        widgets = {
            "deadline": DateInput,
            "description": forms.Textarea(attrs={"rows": 3}),
            "suggestion": forms.Textarea(attrs={"rows": 2}),
            "mode": forms.RadioSelect,
        }

    def __init__(self, *args: Any, group: Group, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        item = self.fields["item"]
        assert isinstance(item, forms.ModelChoiceField)
        item.queryset = RoundItem.objects.filter(round_id=group.round_id)
        item.required = True
        for name in ("description", "suggestion"):
            # A validator, not the attribute: setting `max_length` after construction checks
            # nothing (the field built its validators already).
            field = self.fields[name]
            assert isinstance(field, forms.CharField)
            field.max_length = MAX_TEXT
            field.validators.append(MaxLengthValidator(MAX_TEXT))
            field.widget.attrs["maxlength"] = MAX_TEXT
        self.fields["deadline"].help_text = _("Needed for 限期整改: within a year from today.")
        if self.instance.pk:
            photos = list(self.instance.photos.filter(stage="finding"))
            if photos:
                self.fields["remove_photos"] = forms.MultipleChoiceField(
                    label=_("Remove photos"),
                    required=False,
                    choices=[(p.pk, str(n)) for n, p in enumerate(photos, start=1)],
                    widget=forms.CheckboxSelectMultiple,
                )
                self.existing_photos = photos

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("mode") == FixMode.BY_DEADLINE and not data.get("deadline"):
            self.add_error("deadline", _("A problem fixed by a deadline needs the deadline."))
        return data
