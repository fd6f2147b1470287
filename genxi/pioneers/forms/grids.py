"""Forms of the grids page (moving a building) and the settings page."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from genxi.core.forms import BoundedForm, BoundedModelForm
from genxi.pioneers.models import Settings
from genxi.places.models import Area, AreaKind


class MoveBuildingForm(BoundedForm):
    building = forms.ModelChoiceField(queryset=Area.objects.none(), label=_("Building"))
    grid = forms.ModelChoiceField(queryset=Area.objects.none(), label=_("Move to grid"))

    def __init__(self, *args: Any, grid: Area, community: Area, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["building"].queryset = grid.grid_buildings.filter(  # type: ignore[attr-defined]
            kind=AreaKind.BUILDING
        ).select_related("parent")
        self.fields["building"].label_from_instance = (  # type: ignore[attr-defined]
            lambda b: f"{b.parent.name} {b.name}" if b.parent_id else b.name
        )
        # Every grid of the community is offered; one of another community is refused by the
        # service too (a forged post).
        self.fields["grid"].queryset = (  # type: ignore[attr-defined]
            Area.objects.subtree(community).of_kind(AreaKind.GRID).exclude(pk=grid.pk)
        )


class SettingsForm(BoundedModelForm):
    class Meta:
        model = Settings
        fields = ["grid_households_limit", "revisit_days", "priority_tags", "callback_days"]
        help_texts = {
            "grid_households_limit": _("More than this in a grid shows a warning."),
            "priority_tags": _("Tag names, separated by commas."),
        }
