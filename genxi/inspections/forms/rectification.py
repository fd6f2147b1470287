"""Forms of rectification and re-check; each hands its data to
`genxi.inspections.services.rectification`."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from genxi.core.forms import BoundedForm, PhotosField
from genxi.inspections.services.rectification import MAX_RESULT_PHOTOS, MAX_TEXT

TEXT = forms.Textarea(attrs={"rows": 3})


class PlanForm(BoundedForm):
    plan = forms.CharField(
        label=_("Rectification plan"),
        max_length=MAX_TEXT,
        widget=TEXT,
        help_text=_("What will be done, by whom, by when."),
    )


class ResultForm(BoundedForm):
    result = forms.CharField(label=_("Rectification result"), max_length=MAX_TEXT, widget=TEXT)
    photos = PhotosField(label=_("Photos after rectification"), max_count=MAX_RESULT_PHOTOS)


class OnSpotForm(BoundedForm):
    """立行立改: the plan and the result in one submit."""

    plan = forms.CharField(label=_("What was done on the spot"), max_length=MAX_TEXT, widget=TEXT)
    result = forms.CharField(label=_("Rectification result"), max_length=MAX_TEXT, widget=TEXT)
    photos = PhotosField(label=_("Photos after rectification"), max_count=MAX_RESULT_PHOTOS)


class RecheckForm(BoundedForm):
    ACCEPT, RETURN = "accept", "return"
    decision = forms.ChoiceField(
        label=_("Re-check"),
        choices=[(ACCEPT, _("Accept the result")), (RETURN, _("Send it back"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note (required when sending back)"),
        max_length=MAX_TEXT,
        required=False,
        widget=TEXT,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == self.RETURN and not (data.get("note") or "").strip():
            self.add_error("note", _("Say why it is sent back, so the community knows what to do."))
        return data
