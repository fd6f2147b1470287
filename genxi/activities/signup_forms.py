"""Forms of the sign-up pages: a resident registering (themselves or a child), staff registering
someone at the desk, a paper list pasted in one go, and an offering's capacity."""

import re
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from genxi.activities.models import ACTIVE, Offering, Registration
from genxi.core.forms import BoundedForm
from genxi.core.phones import mask_phone, normalize_phone
from genxi.places.models import Resident

# A pasted paper list is bounded: a clinic's list has a few hundred lines.
PAPER_MAX_LINES = 1000
PAPER_MAX_CHARS = 100_000


class SelfRegisterForm(forms.Form):
    """A resident registers themselves, or (where the audience includes children) a child."""

    child_name = forms.CharField(label=_("Child's name"), max_length=40, required=False)


class StaffRegisterForm(forms.Form):
    """Staff register a resident found on the books, or someone by name and phone."""

    resident = forms.ModelChoiceField(
        queryset=Resident.objects.none(), required=False, widget=forms.HiddenInput
    )
    name = forms.CharField(label=pgettext_lazy("person", "name"), max_length=50, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["resident"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Resident.objects.visible_to(user)
        self.fields["phone"].widget = forms.TextInput(attrs={"type": "tel", "inputmode": "tel"})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("resident") is None and not (data.get("name") or "").strip():
            raise ValidationError(
                _("Pick a resident from the search, or enter the person's name and phone.")
            )
        return data


class CapacityForm(BoundedForm):
    capacity = forms.IntegerField(label=_("Places"), min_value=0, max_value=100000)
    staff_share = forms.IntegerField(
        label=_("Places kept for staff to fill"),
        min_value=0,
        max_value=100000,
        help_text=_("Residents signing up on their phones cannot take these places."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        capacity, share = data.get("capacity"), data.get("staff_share")
        if capacity is not None and share is not None and share > capacity:
            self.add_error(
                "staff_share", _("Places kept for staff cannot be more than the places.")
            )
        return data


@dataclass
class PaperLine:
    """One line of a paper list, as read: who it names, or what is wrong with it."""

    number: int
    text: str
    name: str = ""
    phone: str = ""
    resident: Resident | None = None
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error

    @property
    def shown_phone(self) -> str:
        return mask_phone(self.phone)


_SPLIT = re.compile(r"[\s,，、;；:：|/]+")
_PHONE_CHARS = re.compile(r"^[\d\-+()]+$")


def _split_line(text: str) -> tuple[str, str]:
    """(name, phone) of a line like "张秀英 13812345678" (either order, any separator)."""
    name_parts: list[str] = []
    phone = ""
    for part in _SPLIT.split(text.strip()):
        if not part:
            continue
        if not phone and _PHONE_CHARS.match(part) and sum(ch.isdigit() for ch in part) >= 5:
            phone = part
        else:
            name_parts.append(part)
    return "".join(name_parts), phone


def parse_paper_list(text: str, *, offering: Offering, user: Any) -> list[PaperLine]:
    """Read a pasted list, one person a line ("姓名 电话"), against the residents the user sees
    and the offering's registrations: each line names a resident on the books (by phone, or
    by a name only one resident has), or a person by name and phone; or says what is wrong."""
    residents = Resident.objects.visible_to(user)
    lines: list[PaperLine] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        line = PaperLine(number=number, text=raw.strip()[:200])
        line.name, phone = _split_line(raw)
        lines.append(line)
        if phone:
            try:
                line.phone = normalize_phone(phone)
            except ValidationError:
                line.error = gettext("“%(value)s” is not a valid phone number.") % {"value": phone}
                continue
        elif not line.name:
            line.error = gettext("Nothing to read on this line.")
            continue
        line.name = line.name[:50]
    # Residents on the books: by phone (one query), or by name for a line without a phone.
    phones = {line.phone for line in lines if line.ok and line.phone}
    by_phone = {r.phone: r for r in residents.filter(phone__in=phones)} if phones else {}
    names = {line.name for line in lines if line.ok and not line.phone}
    by_name: dict[str, list[Resident]] = {}
    if names:
        for resident in residents.filter(name__in=names):
            by_name.setdefault(resident.name, []).append(resident)
    for line in lines:
        if not line.ok:
            continue
        if line.phone:
            line.resident = by_phone.get(line.phone)
            if line.resident is None and not line.name:
                line.error = gettext("Write the person's name before the phone number.")
        else:
            found = by_name.get(line.name, [])
            if len(found) == 1:
                line.resident = found[0]
                line.phone = found[0].phone or ""
            elif not found:
                line.error = gettext(
                    "No resident named %(name)s on your list: add their phone number."
                ) % {"name": line.name}
            else:
                line.error = gettext(
                    "%(n)s residents are named %(name)s: add the phone number."
                ) % {"n": len(found), "name": line.name}
        if line.resident is not None:
            line.name = line.resident.name
    # Twice on the list, or already registered.
    taken = set(
        Registration.objects.filter(offering=offering, status__in=ACTIVE).values_list(
            "person_key", flat=True
        )
    )
    seen: dict[str, int] = {}
    for line in lines:
        if not line.ok:
            continue
        key = person_key(line)
        if key in taken:
            line.error = gettext("%(name)s is already registered.") % {"name": line.name}
        elif key in seen:
            line.error = gettext("The same person as on line %(n)s.") % {"n": seen[key]}
        else:
            seen[key] = line.number
    return lines


def person_key(line: PaperLine) -> str:
    """The registration's once-per-person key for the line (as the registration service makes
    it)."""
    return f"r{line.resident.pk}" if line.resident is not None else f"p{line.phone}"


class PaperListForm(forms.Form):
    lines = forms.CharField(
        label=_("The paper list, one person a line"),
        max_length=PAPER_MAX_CHARS,
        widget=forms.Textarea(
            attrs={"rows": 14, "placeholder": "张秀英 13812345678\n李建国 13912345678"}
        ),
        help_text=_(
            "Name and phone on each line, as on the paper. A resident on the books may be "
            "given by name alone. At most 1,000 lines."
        ),
    )

    def clean_lines(self) -> str:
        text: str = self.cleaned_data["lines"]
        count = sum(1 for line in text.splitlines() if line.strip())
        if count > PAPER_MAX_LINES:
            raise ValidationError(
                _("The list has %(n)s lines; paste at most %(max)s at a time."),
                params={"n": count, "max": PAPER_MAX_LINES},
            )
        return text
