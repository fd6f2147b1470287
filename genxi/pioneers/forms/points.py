"""Forms for points (积分); each hands its data to `genxi.pioneers.services.points`."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from genxi.core.forms import BoundedForm, BoundedModelForm
from genxi.pioneers import points as reads
from genxi.pioneers.forms import IdsChoiceField
from genxi.pioneers.models import MAX_POINTS, PointItem, Reward
from genxi.places.models import Area, Resident


class AreaChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Area) -> str:
        return obj.name


class ItemForm(BoundedModelForm):
    area = AreaChoice(queryset=Area.objects.none(), label=_("Set by"))

    class Meta:
        model = PointItem
        fields = ["area", "name", "points", "is_active"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["area"]  # an item stays with the area that set it
        else:
            areas = reads.staff_areas(user)
            cast(
                "forms.ModelChoiceField[Area]", self.fields["area"]
            ).queryset = Area.objects.filter(pk__in=[a.pk for a in areas])
            if len(areas) == 1:
                self.fields["area"].initial = areas[0].pk
        self.fields["points"].help_text = _("Points each time it is awarded, 1 to %(n)s.") % {
            "n": MAX_POINTS
        }

    def _get_validation_exclusions(self) -> set[str]:
        # The name's unique constraint is the service's to check, after it has recognised a
        # retried submission by its token: checked here, a retry would be refused instead.
        return {*super()._get_validation_exclusions(), "name"}  # type: ignore[misc]


class RewardForm(BoundedModelForm):
    area = AreaChoice(queryset=Area.objects.none(), label=_("Offered by"))

    class Meta:
        model = Reward
        fields = ["area", "name", "description", "cost", "stock", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # The stock changes by restocking (a count added under the lock), not by this form.
            del self.fields["area"], self.fields["stock"]
        else:
            areas = reads.staff_areas(user)
            cast(
                "forms.ModelChoiceField[Area]", self.fields["area"]
            ).queryset = Area.objects.filter(pk__in=[a.pk for a in areas])
            if len(areas) == 1:
                self.fields["area"].initial = areas[0].pk
            self.fields["stock"].help_text = _("How many there are to give out now.")
        self.fields["cost"].label = _("Cost in points")

    def _get_validation_exclusions(self) -> set[str]:
        # The name's unique constraint is the service's to check, after it has recognised a
        # retried submission by its token: checked here, a retry would be refused instead.
        return {*super()._get_validation_exclusions(), "name"}  # type: ignore[misc]


class RestockForm(BoundedForm):
    change = forms.IntegerField(
        label=_("Add to the stock"),
        min_value=-MAX_POINTS,
        max_value=MAX_POINTS,
        help_text=_("How many came in; with a minus sign, how many were taken away."),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class ResidentChoice(IdsChoiceField):
    def label_from_instance(self, obj: Resident) -> str:
        return f"{obj.name} · {obj.address}"


class AwardForm(BoundedForm):
    """One item to one resident or to several (everyone who volunteered at an activity): the
    residents are ticked from the list the search shows."""

    item = forms.ModelChoiceField(queryset=PointItem.objects.none(), label=_("Points item"))
    residents = ResidentChoice(
        queryset=Resident.objects.none(),
        label=_("Residents"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick at least one resident.")},
    )
    reason = forms.CharField(
        label=_("What for"),
        max_length=200,
        required=False,
        help_text=_("e.g. the activity: 3月5日学雷锋志愿服务"),
    )

    def __init__(self, *args: Any, user: Any, shown: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        item = cast(forms.ModelChoiceField, self.fields["item"])  # type: ignore[type-arg]
        item.queryset = reads.awardable_items(user)
        item.label_from_instance = lambda i: f"{i.name}（{i.points}）· {i.area.name}"  # type: ignore[method-assign,assignment]
        everyone = Resident.objects.visible_to(user).select_related("area__parent")
        # Validation takes any resident the user sees; the page lists the ones searched for.
        cast(forms.ModelMultipleChoiceField, self.fields["residents"]).queryset = everyone  # type: ignore[type-arg]
        self.shown = shown if shown is not None else everyone[:0]


class AdjustForm(BoundedForm):
    points = forms.IntegerField(
        label=_("Points"),
        min_value=-MAX_POINTS,
        max_value=MAX_POINTS,
        help_text=_("Points to add; with a minus sign, points to take back."),
    )
    reason = forms.CharField(label=_("Why"), max_length=200)


class HandOverForm(BoundedForm):
    code = forms.CharField(label=_("Pick-up code"), max_length=20)


class CancelForm(BoundedForm):
    reason = forms.CharField(label=_("Why"), max_length=200, required=False)


class RedeemForm(BoundedForm):
    """A redeem button's one-time token (a retried tap redeems once)."""

    form_token = forms.UUIDField(required=False)
