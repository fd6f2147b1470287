import re
from datetime import date, timedelta
from typing import Any

from django import forms
from django.core import validators
from django.db.backends.base.operations import BaseDatabaseOperations
from django.forms.forms import DeclarativeFieldsMetaclass
from django.forms.models import ModelFormMetaclass
from django.utils.translation import gettext_lazy as _

from genxi.core.images import check_photos, clean_photo

RANGE = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})\s*(?:~|～|至|到|—|--)\s*(\d{4}-\d{1,2}-\d{1,2})$")


def parse_day(text: str) -> date:
    try:
        year, month, day = (int(part) for part in text.split("-"))
        return date(year, month, day)
    except ValueError as exc:
        raise forms.ValidationError(
            _("“%(text)s” is not a date. Write dates as 2027-02-10."), params={"text": text}
        ) from exc


class DateListField(forms.CharField):
    """Dates one per line or separated by commas; a range as 2027-02-10~2027-02-17."""

    widget = forms.Textarea(attrs={"rows": 5})

    def to_python(self, value: Any) -> list[date]:  # type: ignore[override]
        text = super().to_python(value) or ""
        days: list[date] = []
        for item in re.split(r"[\n,，、;；]+", text):
            item = item.strip()
            if not item:
                continue
            match = RANGE.match(item)
            if match:
                start, end = parse_day(match[1]), parse_day(match[2])
                if end < start or (end - start).days > 31:
                    raise forms.ValidationError(
                        _("“%(text)s” is not a range of at most a month."), params={"text": item}
                    )
                days.extend(start + timedelta(days=i) for i in range((end - start).days + 1))
            else:
                days.append(parse_day(item))
        return days


class YearScheduleForm(forms.Form):
    holidays = DateListField(
        label=_("Public holidays"),
        required=False,
        help_text=_(
            "Every day off, weekends inside a holiday included, as the State Council lists them."
        ),
    )
    makeup_workdays = DateListField(
        label=_("Make-up working days (调休)"),
        required=False,
        help_text=_("Saturdays or Sundays that are working days."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["holidays"].widget.attrs["placeholder"] = "2027-01-01\n2027-02-10~2027-02-17"
        self.fields["makeup_workdays"].widget.attrs["placeholder"] = "2027-02-07\n2027-02-20"


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos in one input; each is checked and re-encoded (genxi.core.images)."""

    def __init__(self, *args: Any, max_count: int = 9, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultiplePhotoInput(attrs={"accept": "image/*"}))
        kwargs.setdefault("required", False)
        self.max_count = max_count
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        files = (
            [single(d, initial) for d in data]
            if isinstance(data, (list, tuple))
            else ([single(data, initial)] if data else [])
        )
        files = [f for f in files if f]
        if len(files) > self.max_count:
            raise forms.ValidationError(
                _("At most %(n)s photos at a time.") % {"n": self.max_count}, code="too_many"
            )
        check_photos(files)  # together, before any is decoded
        return [clean_photo(f) for f in files]


# What every supported database holds, per integer column type: the base ranges Django gives for
# PostgreSQL (SQLite holds 64 bits for all of them, which is wider).
INTEGER_RANGES: dict[str, tuple[int, int]] = BaseDatabaseOperations.integer_field_ranges
# A decimal form field declared without digits gets these: the widest money column (yuan).
DEFAULT_DIGITS = (12, 2)


def bound_number(field: forms.Field | None, internal_type: str = "IntegerField") -> None:
    """Give a number field the range its column holds, so that a form refuses, with a message,
    what the database would answer with an error (3000000000 in an IntegerField on PostgreSQL,
    10**20 in any integer on SQLite): the integer range of `internal_type`, intersected with the
    field's own; for a decimal, digits. A float field already refuses NaN and infinities."""
    if isinstance(field, forms.DecimalField):
        if field.max_digits is None:
            field.max_digits, field.decimal_places = DEFAULT_DIGITS
            field.validators.append(validators.DecimalValidator(*DEFAULT_DIGITS))
    elif isinstance(field, forms.IntegerField) and not isinstance(field, forms.FloatField):
        low, high = INTEGER_RANGES.get(internal_type, INTEGER_RANGES["IntegerField"])
        if field.min_value is None or field.min_value < low:
            field.min_value = low
            field.validators.append(validators.MinValueValidator(low))
            field.widget.attrs["min"] = low
        if field.max_value is None or field.max_value > high:
            field.max_value = high
            field.validators.append(validators.MaxValueValidator(high))
            field.widget.attrs["max"] = high


class BoundedModelFormMetaclass(ModelFormMetaclass):
    """Every number field of the form gets its column's range (`bound_number`), whether the
    model gave it or the form declared it, once, when the class is made."""

    def __new__(mcs, name: str, bases: tuple[type, ...], attrs: dict[str, Any]) -> Any:
        new_class = super().__new__(mcs, name, bases, attrs)
        model = getattr(getattr(new_class, "_meta", None), "model", None)
        columns = {f.name: f for f in model._meta.concrete_fields} if model else {}
        for field_name, field in getattr(new_class, "base_fields", {}).items():
            column = columns.get(field_name)
            bound_number(field, column.get_internal_type() if column else "IntegerField")
        return new_class


class BoundedModelForm(forms.ModelForm, metaclass=BoundedModelFormMetaclass):  # type: ignore[type-arg]
    """The base of Genxi's model forms: numbers bounded to what their columns hold."""


class BoundedFormMetaclass(DeclarativeFieldsMetaclass):
    def __new__(mcs, name: str, bases: tuple[type, ...], attrs: dict[str, Any]) -> Any:
        new_class = super().__new__(mcs, name, bases, attrs)
        for field in getattr(new_class, "base_fields", {}).values():
            bound_number(field)
        return new_class


class BoundedForm(forms.Form, metaclass=BoundedFormMetaclass):
    """A plain form whose integer and decimal fields are bounded unless they say tighter."""
