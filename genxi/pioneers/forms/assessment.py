"""The assessment's forms: the scheme (shares, indicators, grades), the community's rating and
a resident's stars. The rules (sums of 100, grades that do not overlap) are the service's."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from genxi.core.forms import BoundedForm
from genxi.pioneers.models import COUNTED_INDICATORS, MAX_POINTS, IndicatorKey

GRADE_ROWS = 6


class SchemeForm(BoundedForm):
    """Three shares; for each indicator whether it counts, its weight and (for a count) its
    monthly target; up to six grades."""

    street_share = forms.IntegerField(
        label=_("Street (the indicators), %"), min_value=0, max_value=100
    )
    community_share = forms.IntegerField(
        label=_("Community (its rating), %"), min_value=0, max_value=100
    )
    resident_share = forms.IntegerField(
        label=_("Residents (their stars), %"), min_value=0, max_value=100
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, label in IndicatorKey.choices:
            self.fields[f"use_{key}"] = forms.BooleanField(label=label, required=False)
            self.fields[f"weight_{key}"] = forms.IntegerField(
                label=_("Weight, %"), required=False, min_value=1, max_value=100
            )
            if key in COUNTED_INDICATORS:
                self.fields[f"target_{key}"] = forms.IntegerField(
                    label=_("Monthly target"), required=False, min_value=1, max_value=MAX_POINTS
                )
        for n in range(GRADE_ROWS):
            self.fields[f"grade_name_{n}"] = forms.CharField(
                label=_("Grade"), required=False, max_length=20
            )
            self.fields[f"grade_min_{n}"] = forms.IntegerField(
                label=_("From score"), required=False, min_value=0, max_value=100
            )

    def indicator_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "key": key,
                "label": label,
                "use": self[f"use_{key}"],
                "weight": self[f"weight_{key}"],
                "target": self[f"target_{key}"] if key in COUNTED_INDICATORS else None,
            }
            for key, label in IndicatorKey.choices
        ]

    def grade_rows(self) -> list[tuple[Any, Any]]:
        return [(self[f"grade_name_{n}"], self[f"grade_min_{n}"]) for n in range(GRADE_ROWS)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for key, label in IndicatorKey.choices:
            if data.get(f"use_{key}") and data.get(f"weight_{key}") is None:
                self.add_error(
                    f"weight_{key}", _("“%(label)s”: enter its weight.") % {"label": label}
                )
        for n in range(GRADE_ROWS):
            name, low = data.get(f"grade_name_{n}"), data.get(f"grade_min_{n}")
            if bool(name) != (low is not None):
                self.add_error(
                    f"grade_min_{n}", _("Give each grade both a name and its lowest score.")
                )
        return data

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "street_share": data["street_share"],
            "community_share": data["community_share"],
            "resident_share": data["resident_share"],
            "indicators": [
                (key, data[f"weight_{key}"], data.get(f"target_{key}"))
                for key in IndicatorKey.values
                if data.get(f"use_{key}")
            ],
            "grades": [
                (data[f"grade_name_{n}"], data[f"grade_min_{n}"])
                for n in range(GRADE_ROWS)
                if data.get(f"grade_name_{n}")
            ],
        }


class RatingForm(BoundedForm):
    score = forms.IntegerField(label=_("Community's rating (0–100)"), min_value=0, max_value=100)
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    # The rating's updated_at when the form was built ("" when there was none yet).
    updated_at = forms.CharField(widget=forms.HiddenInput, required=False)


class StarsForm(BoundedForm):
    stars = forms.TypedChoiceField(
        label=_("Stars"),
        coerce=int,
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("A word for your pioneer"), required=False, max_length=200)
