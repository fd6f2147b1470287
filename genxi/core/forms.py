import re
from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

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
        from genxi.core.images import check_photos, clean_photo

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
