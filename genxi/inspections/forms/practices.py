"""The good-practice form; it hands its data to `genxi.inspections.services.practices`."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from genxi.core.forms import BoundedForm
from genxi.core.images import check_photos, clean_photo
from genxi.inspections.models import Group, Round, RoundItem
from genxi.places.models import Area


class PracticeForm(BoundedForm):
    community = forms.ModelChoiceField(label=_("Community"), queryset=Area.objects.none())
    item = forms.ModelChoiceField(
        label=_("Checklist item"), queryset=RoundItem.objects.none(), required=False
    )
    title = forms.CharField(label=_("Title"), max_length=100)
    description = forms.CharField(
        label=_("What they do"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5})
    )
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )

    def __init__(self, *args: Any, round: Round, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The communities whose groups the user may record for (theirs to inspect, or all of
        # the round's for street staff).
        groups = [
            g
            for g in Group.objects.filter(round=round).select_related("round__street")
            if user.has_perm("inspections.record_practice", g)
        ]
        community = self.fields["community"]
        assert isinstance(community, forms.ModelChoiceField)
        community.queryset = Area.objects.filter(pk__in=[g.inspected_id for g in groups]).order_by(
            "path"
        )
        item = self.fields["item"]
        assert isinstance(item, forms.ModelChoiceField)
        item.queryset = round.items.all()

    def clean_photo(self) -> Any:
        upload = self.cleaned_data.get("photo")
        if not upload:
            return None
        check_photos([upload])  # bounded before decoding
        return clean_photo(upload)
