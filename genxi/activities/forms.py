"""Staff forms for setting up activities; each hands its cleaned data to a service."""

from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from genxi.activities.models import (
    Activity,
    ActivityKind,
    Audience,
    Intake,
    Offering,
    Session,
    Slot,
    Stall,
    Term,
    WaitlistMode,
)
from genxi.core.forms import BoundedForm, PhotosField
from genxi.places.models import STREET_KINDS, Area, AreaKind, Partner, Venue

LOCAL = {"type": "datetime-local"}

# The audience as the form and the activity's page name it ("Party members" elsewhere is a
# count in the figures, translated as such).
AUDIENCE_CHOICES = [
    (value, pgettext_lazy("audience", "Party members") if value == "party_members" else label)
    for value, label in Audience.choices
]
DATETIME = forms.DateTimeInput(attrs=LOCAL, format="%Y-%m-%dT%H:%M")


def _when(label: Any, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        widget=forms.DateTimeInput(attrs=LOCAL, format="%Y-%m-%dT%H:%M"),
    )


def owners_for(user: Any) -> Any:
    """Where the user may run an activity: the communities they staff, and their street."""
    return Area.objects.staffed_by(user).of_kind(AreaKind.COMMUNITY, *STREET_KINDS).order_by("path")


def street_areas_for(user: Any) -> Any:
    """The streets the user works in and their communities: what an activity may be open to or
    co-organised by (a community's activity may be open to its neighbours)."""
    streets: set[int] = set()
    for area in owners_for(user):
        streets.add(area.pk if area.kind in STREET_KINDS else area.parent_id)
    return Area.objects.filter(
        Q(pk__in=streets) | Q(parent__in=streets, kind=AreaKind.COMMUNITY)
    ).order_by("path")


def bookable_venues(user: Any) -> Any:
    """The venues the user may book: those of the areas they staff."""
    return Venue.objects.filter(area__in=Area.objects.staffed_by(user), is_active=True)


class ActivityForm(BoundedForm):
    title = forms.CharField(label=_("Title"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=ActivityKind.choices)
    owner = forms.ModelChoiceField(label=_("Run by"), queryset=Area.objects.none())
    organisers = forms.ModelMultipleChoiceField(
        label=_("Co-organising communities"),
        queryset=Area.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    partners = forms.ModelMultipleChoiceField(
        label=_("Co-organising partner units"),
        queryset=Partner.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    audience = forms.MultipleChoiceField(
        label=_("Audience"),
        choices=AUDIENCE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    open_to = forms.ModelMultipleChoiceField(
        label=_("Open to"),
        queryset=Area.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose the street to open it to all of its communities."),
    )
    venue = forms.ModelChoiceField(label=_("Venue"), queryset=Venue.objects.none(), required=False)
    address = forms.CharField(
        label=_("Address"),
        max_length=200,
        required=False,
        help_text=_("Where it takes place, if not at a venue."),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    waitlist_mode = forms.ChoiceField(
        label=_("When a seat is freed"), choices=WaitlistMode.choices, initial=WaitlistMode.CONFIRM
    )
    offer_hours = forms.IntegerField(
        label=_("Hours to accept an offered seat"), min_value=1, max_value=336, initial=24
    )
    cancel_cutoff_hours = forms.IntegerField(
        label=_("Residents may cancel until (hours before the start)"),
        min_value=0,
        max_value=720,
        initial=2,
    )
    no_show_limit = forms.IntegerField(
        label=_("No-shows that lower priority"),
        min_value=1,
        max_value=100,
        required=False,
        help_text=_("Leave empty: no-shows change nothing."),
    )

    def __init__(self, *args: Any, user: Any, instance: Activity | None = None, **kwargs: Any):
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    "title": instance.title,
                    "kind": instance.kind,
                    "owner": instance.owner_id,
                    "organisers": list(instance.organisers.values_list("pk", flat=True)),
                    "partners": list(instance.partners.values_list("pk", flat=True)),
                    "audience": instance.audience,
                    "open_to": list(instance.open_to.values_list("pk", flat=True)),
                    "venue": instance.venue_id,
                    "address": instance.address,
                    "description": instance.description,
                    "waitlist_mode": instance.waitlist_mode,
                    "offer_hours": instance.offer_hours,
                    "cancel_cutoff_hours": instance.cancel_cutoff_hours,
                    "no_show_limit": instance.no_show_limit,
                },
            )
        super().__init__(*args, **kwargs)
        areas = street_areas_for(user)
        self.fields["owner"].queryset = owners_for(user)  # type: ignore[attr-defined]
        self.fields["organisers"].queryset = areas.filter(kind=AreaKind.COMMUNITY)  # type: ignore[attr-defined]
        self.fields["open_to"].queryset = areas  # type: ignore[attr-defined]
        self.fields["partners"].queryset = Partner.objects.visible_to(user)  # type: ignore[attr-defined]
        self.fields["venue"].queryset = bookable_venues(user)  # type: ignore[attr-defined]
        if instance is not None:
            # The owner decides who sees the activity: it is chosen once.
            del self.fields["owner"]


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is it cancelled?"),
        max_length=200,
        help_text=_("Everyone registered is told, with this reason."),
    )


class SessionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=100, required=False)
    starts_at = _when(_("Starts at"))
    ends_at = _when(_("Ends at"))
    venue = forms.ModelChoiceField(
        label=_("Venue"),
        queryset=Venue.objects.none(),
        required=False,
        help_text=_("Leave empty for the activity's own venue or address."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["venue"].queryset = bookable_venues(user)  # type: ignore[attr-defined]


class MoveSessionForm(SessionForm):
    def __init__(self, *args: Any, session: Session, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {"starts_at": session.starts_at, "ends_at": session.ends_at, "venue": session.venue_id},
        )
        super().__init__(*args, **kwargs)
        del self.fields["title"]


class CourseForm(forms.Form):
    name = forms.CharField(label=_("Course"), max_length=100)
    teacher = forms.CharField(label=_("Teacher"), max_length=100, required=False)


class TermForm(BoundedForm):
    name = forms.CharField(label=_("Term"), max_length=100)
    first_day = forms.DateField(
        label=_("First session on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The term meets weekly on this day of the week."),
    )
    starts = forms.TimeField(
        label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    ends = forms.TimeField(
        label=_("Until"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    weeks = forms.IntegerField(label=_("Number of weeks"), min_value=1, max_value=52, initial=12)
    venue = forms.ModelChoiceField(
        label=_("Venue"),
        queryset=Venue.objects.none(),
        required=False,
        help_text=_("Leave empty for the activity's own venue or address."),
    )
    completion_percent = forms.IntegerField(
        label=_("Attendance to complete (%)"), min_value=1, max_value=100, initial=75
    )
    capacity = forms.IntegerField(
        label=_("Places"),
        min_value=1,
        max_value=100000,
        required=False,
        help_text=_("Opens the term for registration, first come first served."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["venue"].queryset = bookable_venues(user)  # type: ignore[attr-defined]


class QuotaForm(BoundedForm):
    community = forms.ModelChoiceField(label=_("Community"), queryset=Area.objects.none())
    places = forms.IntegerField(
        label=_("Places"), min_value=0, max_value=100000, help_text=_("0 removes the quota.")
    )

    def __init__(self, *args: Any, activity: Activity, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        communities = Area.objects.subtree(activity.street).of_kind(AreaKind.COMMUNITY)
        self.fields["community"].queryset = (  # type: ignore[attr-defined]
            communities.order_by("path")
        )


class StallForm(forms.Form):
    service = forms.CharField(label=_("Service"), max_length=100)
    provider = forms.ModelChoiceField(
        label=_("Provided by (partner unit)"), queryset=Partner.objects.none(), required=False
    )
    volunteers = forms.CharField(label=_("Or by volunteers"), max_length=200, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = Partner.objects.visible_to(user)  # type: ignore[attr-defined]


class SlotForm(BoundedForm):
    starts_at = _when(_("Starts at"))
    ends_at = _when(_("Ends at"))
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=100000)


class OfferingForm(BoundedForm):
    target = forms.ChoiceField(label=_("Register for"))
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=100000)
    staff_share = forms.IntegerField(
        label=_("Places kept for staff to fill"), min_value=0, max_value=100000, initial=0
    )
    household_limit = forms.IntegerField(
        label=_("Registrations per household"),
        min_value=1,
        max_value=100,
        required=False,
        help_text=_("Leave empty: no limit."),
    )
    intake = forms.ChoiceField(label=_("Intake"), choices=Intake.choices)
    opens_at = _when(_("Registration opens"), required=False)
    closes_at = _when(_("Registration closes"), required=False)

    def __init__(self, *args: Any, activity: Activity, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        taken = Offering.objects.filter(activity=activity)
        choices: list[tuple[str, Any]] = []
        for session in activity.sessions.filter(term=None).exclude(
            pk__in=taken.filter(session__isnull=False).values("session_id")
        ):
            choices.append((f"session:{session.pk}", _session_label(session)))
        for term in (
            Term.objects.filter(course__activity=activity)
            .exclude(pk__in=taken.filter(term__isnull=False).values("term_id"))
            .select_related("course")
        ):
            choices.append((f"term:{term.pk}", str(term)))
        for slot in (
            Slot.objects.filter(stall__activity=activity)
            .exclude(pk__in=taken.filter(slot__isnull=False).values("slot_id"))
            .select_related("stall")
        ):
            choices.append((f"slot:{slot.pk}", str(slot)))
        self.activity = activity
        self.fields["target"].choices = choices  # type: ignore[attr-defined]

    def clean_target(self) -> dict[str, Any]:
        kind, _sep, pk = self.cleaned_data["target"].partition(":")
        model = {"session": Session, "term": Term, "slot": Slot}[kind]
        return {kind: model._default_manager.get(pk=int(pk))}


def _session_label(session: Session) -> str:
    local = timezone.localtime(session.starts_at)
    return f"{session.title or ''} {local:%Y-%m-%d %H:%M}".strip()


class TallyForm(BoundedForm):
    stall = forms.ModelChoiceField(label=_("Stall"), queryset=Stall.objects.none())
    count = forms.IntegerField(label=_("Services delivered"), min_value=1, max_value=100000)

    def __init__(self, *args: Any, activity: Activity, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stall"].queryset = activity.stalls.all()  # type: ignore[attr-defined]


class ReportForm(forms.Form):
    report = forms.CharField(label=_("Report"), widget=forms.Textarea(attrs={"rows": 6}))


class PhotoForm(forms.Form):
    photos = PhotosField(label=_("Photos"))
    caption = forms.CharField(label=_("Caption"), max_length=100, required=False)
