from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from genxi.places.models import Area


class SettingsForm(forms.Form):
    community = forms.ModelChoiceField(label=_("Community"), queryset=Area.objects.none())
    auto_apply = forms.BooleanField(
        label=_("Fill in the category automatically"),
        required=False,
        help_text=_("When triage is at least this sure; the person can still change it."),
    )
    threshold = forms.FloatField(
        label=_("Confidence at least"),
        min_value=0.5,
        max_value=0.99,
        initial=0.9,
        widget=forms.NumberInput(attrs={"step": "0.01"}),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        community = self.fields["community"]
        assert isinstance(community, forms.ModelChoiceField)
        community.queryset = Area.objects.run_by(user)
