"""Forms of the agreements' pages: a new agreement (with a few partner rows), a commitment, the
amend / renew / end forms, a joint meeting to link, and a due item's filing."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from genxi.accounts import scoping
from genxi.accounts.models import STAFF_ROLES
from genxi.cobuilding.models import Agreement, Cadence, Commitment, Filing, Side
from genxi.cobuilding.services.agreements import (
    FIRST_YEAR,
    LAST_YEAR,
    MAX_ATTACHMENTS,
    MAX_PROBLEMS,
    ProblemSpec,
    default_owed_from,
)
from genxi.cobuilding.uploads import Document, clean_document
from genxi.core.forms import BoundedForm, BoundedModelForm
from genxi.core.paths import path_range_q
from genxi.places.models import Area, AreaKind, Partner, PartyOrg

# How many partner rows the new-agreement form offers (most agreements have one or two).
PARTNER_ROWS = 3


def staffed_communities(user: Any) -> Any:
    """The communities and streets where the user is staff: where they may enter agreements."""
    if scoping.is_superuser(user):
        qs = Area.objects.all()
    else:
        paths = scoping.scope_paths(user, STAFF_ROLES)
        qs = Area.objects.filter(path_range_q("path", paths)) if paths else Area.objects.none()
    return qs.filter(kind__in=[AreaKind.COMMUNITY, AreaKind.STREET]).order_by("path")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None, format: Any = None) -> None:
        bounds = {"min": f"{FIRST_YEAR}-01-01", "max": f"{LAST_YEAR}-12-31"}
        super().__init__({**bounds, **(attrs or {})}, format)


def bound_dates(form: forms.BaseForm, *names: str) -> None:
    """An agreement's dates lie between the years FIRST_YEAR and LAST_YEAR: a date outside is
    the field's error (a typo like 9999 would break every sum of dates)."""
    for name in names:
        value = form.cleaned_data.get(name)
        if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
            form.add_error(
                name,
                ValidationError(
                    _("Enter a date between the years %(first)s and %(last)s.")
                    % {"first": FIRST_YEAR, "last": LAST_YEAR},
                    code="out_of_range",
                ),
            )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class DocumentField(forms.FileField):
    """A PDF or a photo, checked by `uploads.clean_document`."""

    def clean(self, data: Any, initial: Any = None) -> Document | None:
        upload = super().clean(data, initial)
        return clean_document(upload) if upload else None


class DocumentsField(forms.FileField):
    """Several PDFs or photos in one input (at most `max_count`)."""

    def __init__(self, *args: Any, max_count: int = MAX_ATTACHMENTS, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,application/pdf"}))
        kwargs.setdefault("required", False)
        self.max_count = max_count
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Document]:
        single = super().clean
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        files = [f for f in (single(d, initial) for d in files) if f]
        if len(files) > self.max_count:
            raise ValidationError(
                _("At most %(n)s attachments at a time.") % {"n": self.max_count},
                code="too_many",
            )
        return [clean_document(f) for f in files]


class AgreementForm(BoundedModelForm):
    document = DocumentField(
        label=_("Signed agreement (PDF or photo)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*,application/pdf"}),
    )

    class Meta:
        model = Agreement
        fields = [
            "title",
            "community",
            "party_org",
            "starts_on",
            "ends_on",
            "liaison",
            "liaison_name",
            "liaison_phone",
            "meeting_cadence",
            "summary",
        ]
        widgets = {
            "starts_on": DateInput,
            "ends_on": DateInput,
            "summary": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from genxi.accounts.models import User

        communities = staffed_communities(user)
        self.fields["community"].queryset = communities  # type: ignore[attr-defined]
        fields: dict[str, Any] = self.fields
        fields["party_org"].queryset = PartyOrg.objects.visible_to(user).filter(partner=None)
        fields["liaison"].queryset = User.objects.filter(
            memberships__area__in=communities, memberships__role__in=STAFF_ROLES
        ).distinct()
        self.fields["liaison"].label = _("Our liaison's account")
        self.fields["liaison"].help_text = _("Their inbox gets the reminders of our side.")
        # Units the staff work with: registered in their areas or above them.
        partners = Partner.objects.visible_to(user).filter(is_active=True).order_by("name")
        branches = PartyOrg.objects.filter(partner__in=partners).order_by("name")
        for i in range(PARTNER_ROWS):
            first = i == 0
            self.fields[f"partner_{i}"] = forms.ModelChoiceField(
                partners, label=_("Partner unit %(n)s") % {"n": i + 1}, required=first
            )
            self.fields[f"branch_{i}"] = forms.ModelChoiceField(
                branches, label=_("Its party branch"), required=False
            )
            self.fields[f"liaison_name_{i}"] = forms.CharField(
                label=_("Its liaison"), max_length=50, required=False
            )
            self.fields[f"liaison_phone_{i}"] = forms.CharField(
                label=_("Liaison's phone"), max_length=20, required=False
            )

    def clean(self) -> dict[str, Any]:
        super().clean()
        bound_dates(self, "starts_on", "ends_on")
        return self.cleaned_data

    def party_rows(self) -> list[list[Any]]:
        return [
            [self[f"{name}_{i}"] for name in ("partner", "branch", "liaison_name", "liaison_phone")]
            for i in range(PARTNER_ROWS)
        ]

    def main_fields(self) -> list[Any]:
        return [self[name] for name in [*self.Meta.fields, "document"]]

    def parties(self) -> list[Any]:
        from genxi.cobuilding.services.agreements import PartySpec

        data = self.cleaned_data
        return [
            PartySpec(
                partner=data[f"partner_{i}"],
                branch=data.get(f"branch_{i}"),
                liaison_name=data.get(f"liaison_name_{i}", ""),
                liaison_phone=data.get(f"liaison_phone_{i}", ""),
            )
            for i in range(PARTNER_ROWS)
            if data.get(f"partner_{i}")
        ]


class CommitmentForm(BoundedModelForm):
    class Meta:
        model = Commitment
        fields = [
            "title",
            "kind",
            "cadence",
            "owner_side",
            "owner_partner",
            "due_after_days",
            "due_on",
            "starts_on",
            "target_hours",
            "target_amount",
            "lists_problems",
            "description",
        ]
        widgets = {
            "due_on": DateInput,
            "starts_on": DateInput,
            "description": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, agreement: Agreement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner_partner"].queryset = agreement.partners.all()  # type: ignore[attr-defined]
        self.fields["owner_side"].initial = Side.PARTNER
        self.fields["cadence"].initial = Cadence.WEEKLY
        self.fields["due_after_days"].help_text = _(
            "Days after each period's last day (a weekly report due on Monday: 1)."
        )
        self.agreement = agreement
        owed = self.fields["starts_on"]
        owed.initial = default_owed_from(agreement)
        owed.help_text = _("Items fall due from this day; the periods before it owe nothing.")
        bounds = {"min": agreement.starts_on.isoformat(), "max": agreement.ends_on.isoformat()}
        owed.widget.attrs.update(bounds)
        self.fields["due_on"].widget.attrs.update(bounds)

    def clean(self) -> dict[str, Any]:
        super().clean()
        for name in ("due_on", "starts_on"):
            value = self.cleaned_data.get(name)
            if (
                value is not None
                and not self.agreement.starts_on <= value <= self.agreement.ends_on
            ):
                self.add_error(
                    name,
                    ValidationError(
                        _("Choose a day from %(start)s to %(end)s, within the agreement's dates.")
                        % {
                            "start": self.agreement.starts_on.isoformat(),
                            "end": self.agreement.ends_on.isoformat(),
                        },
                        code="out_of_range",
                    ),
                )
        return self.cleaned_data


class AmendForm(BoundedForm):
    reason = forms.CharField(label=_("What changes, and why"), max_length=200)
    ends_on = forms.DateField(label=_("Ends on"), required=False, widget=DateInput)
    summary = forms.CharField(
        label=_("What the parties agree"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    document = DocumentField(label=_("Signed amendment (PDF or photo)"), required=False)

    def clean(self) -> dict[str, Any]:
        super().clean()
        bound_dates(self, "ends_on")
        return self.cleaned_data


class RenewForm(BoundedForm):
    starts_on = forms.DateField(label=_("Starts on"), widget=DateInput)
    ends_on = forms.DateField(label=_("Ends on"), widget=DateInput)

    def clean(self) -> dict[str, Any]:
        super().clean()
        bound_dates(self, "starts_on", "ends_on")
        return self.cleaned_data


class EndForm(BoundedForm):
    reason = forms.CharField(label=_("Why it ends"), max_length=200)


class MeetingLinkForm(BoundedForm):
    meeting: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None, label=_("Joint meeting")
    )

    def __init__(self, *args: Any, meetings: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = meetings  # type: ignore[attr-defined]


class FilingForm(BoundedModelForm):
    attachments = DocumentsField(label=_("Photos or PDFs"))
    problems = forms.CharField(
        label=_("Problems found"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One per line. To say where, begin the line with the place and a colon, "
            "e.g. “1幢：楼道堆放杂物”."
        ),
    )

    class Meta:
        model = Filing
        fields = ["text", "hours", "amount"]
        widgets = {"text": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, item: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.item = item
        commitment = item.commitment
        if not commitment.lists_problems:
            del self.fields["problems"]
        for name in ("hours", "amount"):
            # The model's validator refuses negatives too; this says so in plain words first.
            self.fields[name].widget.attrs["min"] = 0

    def clean_amount(self) -> Any:
        value = self.cleaned_data.get("amount")
        if value is not None and value < 0:
            raise ValidationError(
                _("The amount cannot be negative: enter 0 or more."), code="negative"
            )
        return value

    def clean_hours(self) -> Any:
        value = self.cleaned_data.get("hours")
        if value is not None and value < 0:
            raise ValidationError(_("Hours cannot be negative: enter 0 or more."), code="negative")
        return value

    def clean_problems(self) -> list[ProblemSpec]:
        text = self.cleaned_data.get("problems") or ""
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if len(lines) > MAX_PROBLEMS:
            raise ValidationError(_("At most %(n)s problems in one report.") % {"n": MAX_PROBLEMS})
        community = self.item.commitment.agreement.community
        places = {
            a.name: a
            for a in Area.objects.filter(path__startswith=community.path).exclude(pk=community.pk)
        }
        out = []
        for line in lines:
            head, sep, rest = line.replace(":", "：").partition("：")
            if sep and head.strip() in places and rest.strip():
                out.append(ProblemSpec(text=rest.strip()[:200], area=places[head.strip()]))
            else:
                out.append(ProblemSpec(text=line[:200]))
        return out


class DemandForm(BoundedForm):
    category: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None, label=_("Category")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from genxi.demands.models import Category

        self.fields["category"].queryset = Category.objects.active().order_by("name")  # type: ignore[attr-defined]
