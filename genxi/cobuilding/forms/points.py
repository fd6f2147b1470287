"""Forms for service points, their slots and bookings; each hands its data to
`genxi.cobuilding.services.points`."""

from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from genxi.cobuilding.models import PointKind, ServicePoint, VisitSlot
from genxi.cobuilding.services.points import (
    MAX_DAYS_AHEAD,
    Collected,
    Hours,
    Price,
    workers_of,
)
from genxi.core.forms import BoundedForm
from genxi.core.paths import path_range_q
from genxi.core.phones import normalize_phone
from genxi.places.models import Area, AreaKind, Partner, Resident, Venue

WEEKDAYS = [
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
]
TIME = forms.TimeInput(
    attrs={"type": "time", "style": "width: auto; display: inline-block"}, format="%H:%M"
)
DAY = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def parse_prices(text: str) -> list[Price]:
    """One line per material: 纸板, kg, 1.20 (commas, spaces or tabs between)."""
    lines: list[Price] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        parts = [p.strip() for p in raw.replace("，", ",").replace("\t", ",").split(",")]
        parts = [p for p in parts if p]
        if not parts:
            continue
        if len(parts) == 2:
            parts = [parts[0], "kg", parts[1]]
        if len(parts) != 3 or len(parts[0]) > 50 or len(parts[1]) > 10:
            raise forms.ValidationError(
                _("Line %(n)s: write material, unit, price (e.g. 纸板, kg, 1.20)."),
                params={"n": number},
            )
        try:
            price = Decimal(parts[2])
        except InvalidOperation:
            price = Decimal("NaN")
        if not price.is_finite() or price < 0 or price >= Decimal(1000000):
            raise forms.ValidationError(
                _("Line %(n)s: the price is a number from 0 to 999,999.99."), params={"n": number}
            )
        lines.append(Price(material=parts[0], unit=parts[1], price=price.quantize(Decimal("0.01"))))
    return lines


def providers_for(user: Any, communities: Any) -> Any:
    """The units a point may be run by: those the user sees, and any registered in the streets
    of the communities they staff (a street's companies serve all its communities)."""
    streets = {street.path for c in communities if (street := c.street()) is not None}
    return (
        Partner.objects.filter(is_active=True)
        .filter(
            Q(pk__in=Partner.objects.visible_to(user).values("pk"))
            | path_range_q("area__path", streets)
        )
        .order_by("name")
    )


class PointForm(BoundedForm):
    community = forms.ModelChoiceField(label=_("Community"), queryset=Area.objects.none())
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=PointKind.choices)
    provider = forms.ModelChoiceField(label=_("Provider"), queryset=Partner.objects.none())
    venue = forms.ModelChoiceField(label=_("Venue"), queryset=Venue.objects.none(), required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    home_visits = forms.BooleanField(label=_("Books home visits"), required=False)
    is_active = forms.BooleanField(label=_("Open"), required=False, initial=True)
    prices = forms.CharField(
        label=_("Price list"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": "纸板, kg, 1.20\n塑料瓶, kg, 1.50"}),
        help_text=_("One line per material: material, unit, price paid per unit (yuan)."),
    )

    def __init__(
        self, *args: Any, user: Any, instance: ServicePoint | None = None, **kwargs: Any
    ) -> None:
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_from(instance)
        super().__init__(*args, **kwargs)
        self.instance = instance
        communities = Area.objects.staffed_by(user).of_kind(AreaKind.COMMUNITY).order_by("path")
        self.fields["community"].queryset = communities  # type: ignore[attr-defined]
        self.fields["provider"].queryset = providers_for(user, communities)  # type: ignore[attr-defined]
        self.fields["venue"].queryset = Venue.objects.filter(  # type: ignore[attr-defined]
            area__in=Area.objects.staffed_by(user), is_active=True
        )
        if instance is not None:
            del self.fields["community"]  # a point stays in its community
        else:
            del self.fields["is_active"]
        # Two opening ranges a day at most (morning and afternoon, as 舍得空间 keeps).
        for day in range(7):
            for n in ("", "2"):
                self.fields[f"opens{n}_{day}"] = forms.TimeField(
                    label=_("%(day)s opens") % {"day": WEEKDAYS[day]}, required=False, widget=TIME
                )
                self.fields[f"closes{n}_{day}"] = forms.TimeField(
                    label=_("%(day)s closes") % {"day": WEEKDAYS[day]}, required=False, widget=TIME
                )

    @staticmethod
    def initial_from(point: ServicePoint) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "name": point.name,
            "kind": point.kind,
            "provider": point.provider_id,
            "venue": point.venue_id,
            "address": point.address,
            "phone": point.phone,
            "description": point.description,
            "home_visits": point.home_visits,
            "is_active": point.is_active,
            "prices": "\n".join(
                f"{p.material}, {p.unit}, {p.price}" for p in point.prices.filter(is_active=True)
            ),
        }
        for h in point.hours.all():
            n = "2" if f"opens_{h.weekday}" in initial else ""
            initial.setdefault(f"opens{n}_{h.weekday}", h.opens)
            initial.setdefault(f"closes{n}_{h.weekday}", h.closes)
        return initial

    def clean_phone(self) -> str:
        phone: str = self.cleaned_data.get("phone", "")
        if phone:
            return normalize_phone(phone)
        return phone

    def clean_prices(self) -> list[Price]:
        return parse_prices(self.cleaned_data.get("prices") or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        hours: list[Hours] = []
        for day in range(7):
            for n in ("", "2"):
                opens = data.pop(f"opens{n}_{day}", None)
                closes = data.pop(f"closes{n}_{day}", None)
                if opens is None and closes is None:
                    continue
                if opens is None or closes is None or closes <= opens:
                    self.add_error(
                        f"closes{n}_{day}",
                        _("Give both times, closing after opening, or neither (closed)."),
                    )
                    continue
                hours.append(Hours(weekday=day, opens=opens, closes=closes))
        data["hours"] = hours
        return data

    def weekday_rows(self) -> list[tuple[Any, ...]]:
        """Per weekday: its name, then the first range's fields, then the second's."""
        return [
            (
                WEEKDAYS[d],
                self[f"opens_{d}"],
                self[f"closes_{d}"],
                self[f"opens2_{d}"],
                self[f"closes2_{d}"],
            )
            for d in range(7)
        ]


class SlotForm(BoundedForm):
    first_day = forms.DateField(label=_("Day"), widget=DAY)
    starts = forms.TimeField(label=_("From"), widget=TIME)
    ends = forms.TimeField(label=_("Until"), widget=TIME)
    capacity = forms.IntegerField(label=_("Households"), min_value=1, max_value=500, initial=4)
    weeks = forms.IntegerField(
        label=_("Weeks"),
        min_value=1,
        max_value=12,
        initial=1,
        help_text=_("1 for one slot; more for the same weekday and time each week."),
    )

    def clean_first_day(self) -> Any:
        day = self.cleaned_data["first_day"]
        today = timezone.localdate()
        if day < today:
            raise forms.ValidationError(_("Choose today or a later day."))
        if day > today + timedelta(days=MAX_DAYS_AHEAD):
            raise forms.ValidationError(
                _("Slots are planned at most a year ahead. Choose an earlier day.")
            )
        return day


def future_slots(point: ServicePoint) -> Any:
    return VisitSlot.objects.filter(point=point, starts_at__gt=timezone.now()).order_by("starts_at")


class BookForm(BoundedForm):
    """A booking taken for a resident: by staff or the provider on the phone, or a pioneer on a
    visit. Either a resident found in the register, or a name, phone and address."""

    slot = forms.ModelChoiceField(label=_("Slot"), queryset=VisitSlot.objects.none())
    resident = forms.ModelChoiceField(
        label=_("Resident"),
        queryset=Resident.objects.none(),
        required=False,
        widget=forms.RadioSelect,
    )
    name = forms.CharField(
        label=pgettext_lazy("person", "Name"),
        max_length=50,
        required=False,
        help_text=_("When the resident is not found above: their name, phone and address."),
    )
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    what = forms.CharField(
        label=_("What to collect"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "旧冰箱一台、纸板两捆"}),
    )

    def __init__(self, *args: Any, point: ServicePoint, residents: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slot"].queryset = future_slots(point)  # type: ignore[attr-defined]
        self.fields["slot"].label_from_instance = lambda s: (  # type: ignore[attr-defined]
            f"{timezone.localtime(s.starts_at):%m-%d %H:%M}–{timezone.localtime(s.ends_at):%H:%M}"
        )
        self.fields["resident"].queryset = residents  # type: ignore[attr-defined]
        self.fields["resident"].label_from_instance = lambda r: f"{r.name} · {r.address}"  # type: ignore[attr-defined]

    def clean_phone(self) -> str:
        phone: str = self.cleaned_data.get("phone", "")
        return normalize_phone(phone) if phone else phone

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("resident") is None and not (
            data.get("name") and data.get("phone") and data.get("address")
        ):
            raise forms.ValidationError(
                _("Choose the resident, or enter their name, phone and address.")
            )
        return data


class ResidentBookForm(BoundedForm):
    slot = forms.ModelChoiceField(queryset=VisitSlot.objects.none(), widget=forms.HiddenInput)
    what = forms.CharField(label=_("What to collect"), max_length=200, required=False)

    def __init__(self, *args: Any, slots: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slot"].queryset = slots  # type: ignore[attr-defined]


class AssignForm(forms.Form):
    worker: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Worker"), queryset=Resident.objects.none()
    )

    def __init__(self, *args: Any, partner_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = workers_of(partner_id).order_by("name", "username")  # type: ignore[attr-defined]


class DoneForm(forms.Form):
    """What was collected: a weight (and, if not price × weight, an amount) per material of the
    price list; the total paid, if not the sum."""

    def __init__(self, *args: Any, prices: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.prices = list(prices)
        for item in self.prices:
            self.fields[f"kg_{item.pk}"] = forms.DecimalField(
                label=_("%(material)s (kg)") % {"material": item.material},
                required=False,
                min_value=Decimal("0.01"),
                max_value=Decimal(10000),
                max_digits=9,
                decimal_places=2,
            )
            self.fields[f"amount_{item.pk}"] = forms.DecimalField(
                label=_("%(material)s paid (yuan)") % {"material": item.material},
                required=False,
                min_value=Decimal(0),
                max_digits=12,
                decimal_places=2,
                help_text=_("Blank: %(price)s yuan per %(unit)s.")
                % {"price": item.price, "unit": item.unit},
            )
        self.fields["amount_paid"] = forms.DecimalField(
            label=_("Total paid to the resident (yuan)"),
            required=False,
            min_value=Decimal(0),
            max_digits=12,
            decimal_places=2,
            help_text=_("Blank: the sum of the lines."),
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        items = [
            Collected(
                material=item.material,
                kg=data[f"kg_{item.pk}"],
                amount=data.get(f"amount_{item.pk}"),
            )
            for item in self.prices
            if data.get(f"kg_{item.pk}") is not None
        ]
        if not items and not self.errors:
            raise forms.ValidationError(_("Enter the weight of at least one material."))
        data["items"] = items
        return data

    def rows(self) -> list[tuple[Any, Any, Any]]:
        return [(p, self[f"kg_{p.pk}"], self[f"amount_{p.pk}"]) for p in self.prices]
