"""The dashboards' forms: a street's settings (the weights, the public dashboard). The rules
(weights adding up to 100, only aggregates in public) are the service's."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from genxi.core.forms import BoundedForm
from genxi.dashboards import registry
from genxi.dashboards.public import publishable
from genxi.dashboards.ranking import MAX_ITEMS, weighable


def weighable_choices() -> list[tuple[str, str]]:
    return [(f.key, str(f.label)) for f in registry.figures() if weighable(f)]


def publishable_choices() -> list[tuple[str, str]]:
    return [(f.key, str(f.label)) for f in registry.figures() if publishable(f)]


class SettingsForm(BoundedForm):
    """Up to MAX_ITEMS rows of (indicator, weight), the public switch and its figures."""

    public = forms.BooleanField(label=_("Public dashboard on"), required=False)
    public_figures = forms.MultipleChoiceField(
        label=_("Figures shown in public"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "—"), *weighable_choices()]
        for n in range(MAX_ITEMS):
            self.fields[f"figure_{n}"] = forms.ChoiceField(
                label=_("Indicator"), required=False, choices=choices
            )
            self.fields[f"weight_{n}"] = forms.IntegerField(
                label=_("Weight, %"), required=False, min_value=1, max_value=100
            )
        self.fields["public_figures"].choices = publishable_choices()  # type: ignore[attr-defined]

    def weight_rows(self) -> list[tuple[Any, Any]]:
        return [(self[f"figure_{n}"], self[f"weight_{n}"]) for n in range(MAX_ITEMS)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for n in range(MAX_ITEMS):
            key, weight = data.get(f"figure_{n}"), data.get(f"weight_{n}")
            if bool(key) != (weight is not None):
                self.add_error(f"weight_{n}", _("Give each row both an indicator and its weight."))
        return data

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "weights": [
                (data[f"figure_{n}"], data[f"weight_{n}"])
                for n in range(MAX_ITEMS)
                if data.get(f"figure_{n}")
            ],
            "public": data["public"],
            "public_figures": list(data["public_figures"]),
        }

    @staticmethod
    def initial_from(
        weights: list[tuple[str, int]], public: bool, keys: list[str]
    ) -> dict[str, Any]:
        initial: dict[str, Any] = {"public": public, "public_figures": keys}
        for n, (key, weight) in enumerate(weights[:MAX_ITEMS]):
            initial[f"figure_{n}"] = key
            initial[f"weight_{n}"] = weight
        return initial
