from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from genxi.core.forms import BoundedForm
from genxi.demands.models import Category
from genxi.meetings.models import AgendaItem, Invitee, Meeting, Opinion, Stance
from genxi.meetings.services import KINDS
from genxi.places.models import Area, Venue
from genxi.projects.models import Fund, Phase, Project

LOCAL = {"type": "datetime-local"}


class MeetingForm(forms.Form):
    community = forms.ModelChoiceField(label=_("Community"), queryset=Area.objects.none())
    topic = forms.CharField(label=_("Topic"), max_length=100)
    venue = forms.ModelChoiceField(label=_("Venue"), queryset=Venue.objects.none(), required=False)
    starts_at = forms.DateTimeField(
        label=_("Starts at"), widget=forms.DateTimeInput(attrs=LOCAL, format="%Y-%m-%dT%H:%M")
    )
    ends_at = forms.DateTimeField(
        label=_("Ends at"),
        required=False,
        widget=forms.DateTimeInput(attrs=LOCAL, format="%Y-%m-%dT%H:%M"),
        help_text=_("Blank: two hours after the start. The venue is booked for this time."),
    )
    agenda = forms.CharField(
        label=_("Agenda"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One item a line."),
    )
    invitees = forms.CharField(
        label=_("Invitees"),
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": "王阿姨 居民\n金阳宝地物业 物业"}),
        help_text=_("One a line: the name, then 居民, 代表, 共建单位, 物业 or 社区."),
    )
    projects = forms.ModelMultipleChoiceField(
        label=_("Candidate projects it discusses"),
        queryset=Project.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    plan = forms.CharField(
        label=_("The plan to discuss (version 1)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = Area.objects.run_by(user)  # type: ignore[attr-defined]
        self.fields["venue"].queryset = Venue.objects.visible_to(user)  # type: ignore[attr-defined]
        self.fields["projects"].queryset = (  # type: ignore[attr-defined]
            Project.objects.visible_to(user)
            .filter(phase__in=[Phase.DRAFTING, Phase.DELIBERATION])
            .select_related("community")
        )
        self.fields["projects"].label_from_instance = (  # type: ignore[attr-defined]
            lambda p: f"{p.community.name} · {p.title}"
        )

    def clean_agenda(self) -> list[str]:
        items = [line.strip() for line in self.cleaned_data["agenda"].splitlines() if line.strip()]
        if not items:
            raise forms.ValidationError(_("Write at least one agenda item."))
        if any(len(item) > 100 for item in items):
            raise forms.ValidationError(_("Keep each agenda item to 100 characters."))
        return items

    def clean_invitees(self) -> list[tuple[str, str]]:
        people: list[tuple[str, str]] = []
        errors = []
        for number, line in enumerate(self.cleaned_data["invitees"].splitlines(), start=1):
            parts = line.replace("，", " ").replace(",", " ").split()
            if not parts:
                continue
            if len(parts) != 2 or parts[1] not in KINDS:
                errors.append(
                    _("Line %(n)s: the name, then 居民, 代表, 共建单位, 物业 or 社区.")
                    % {"n": number}
                )
                continue
            if len(parts[0]) > 50:
                errors.append(_("Line %(n)s: a name of at most 50 characters.") % {"n": number})
                continue
            people.append((parts[0], KINDS[parts[1]]))
        if errors:
            raise forms.ValidationError(errors)
        if not people:
            raise forms.ValidationError(_("Invite at least one person."))
        return people


class RescheduleForm(forms.Form):
    venue = forms.ModelChoiceField(label=_("Venue"), queryset=Venue.objects.none(), required=False)
    starts_at = forms.DateTimeField(
        label=_("Starts at"), widget=forms.DateTimeInput(attrs=LOCAL, format="%Y-%m-%dT%H:%M")
    )
    ends_at = forms.DateTimeField(
        label=_("Ends at"),
        required=False,
        widget=forms.DateTimeInput(attrs=LOCAL, format="%Y-%m-%dT%H:%M"),
        help_text=_("Blank: two hours after the start. The venue is booked for this time."),
    )

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["venue"].queryset = Venue.objects.filter(  # type: ignore[attr-defined]
            area__path__startswith=meeting.community.path
        )


class OpinionForm(forms.Form):
    item = forms.ModelChoiceField(label=_("Agenda item"), queryset=AgendaItem.objects.none())
    speaker = forms.ModelChoiceField(label=_("Who"), queryset=Invitee.objects.none())
    stance = forms.ChoiceField(label=_("Stance"), choices=Stance.choices)
    text = forms.CharField(
        label=_("Opinion"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = meeting.agenda.all()  # type: ignore[attr-defined]
        # Everyone invited: someone marked present a moment ago (by htmx) is on the menu too;
        # the service refuses anyone not present, saying so.
        self.fields["speaker"].queryset = meeting.invitees.all()  # type: ignore[attr-defined]


class PlanForm(forms.Form):
    text = forms.CharField(label=_("Revised plan"), widget=forms.Textarea(attrs={"rows": 5}))
    note = forms.CharField(label=_("What changed"), max_length=200, required=False)
    opinions = forms.ModelMultipleChoiceField(
        label=_("Opinions it takes in"),
        queryset=Opinion.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["opinions"].queryset = Opinion.objects.filter(  # type: ignore[attr-defined]
            item__meeting=meeting
        ).select_related("speaker")
        self.fields["opinions"].label_from_instance = (  # type: ignore[attr-defined]
            lambda o: f"{o.speaker.name}（{o.get_stance_display()}）{o.text}"
        )


class MinutesForm(forms.Form):
    minutes = forms.CharField(label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 5}))
    outcome = forms.CharField(
        label=_("Outcome"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class FollowUpForm(forms.Form):
    title = forms.CharField(label=_("Action"), max_length=100)
    owner = forms.CharField(label=_("Owner"), max_length=50)
    due = forms.DateField(
        label=_("Due"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class ToDemandForm(forms.Form):
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.active()  # type: ignore[attr-defined]


class ToProjectForm(BoundedForm):
    fund = forms.ModelChoiceField(label=_("Fund"), queryset=Fund.objects.none())
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.none(), required=False
    )
    cost = forms.DecimalField(
        label=_("Estimated cost (yuan)"), max_digits=12, decimal_places=2, min_value=Decimal("0.01")
    )

    def __init__(self, *args: Any, meeting: Meeting, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["fund"].queryset = Fund.objects.visible_to(user).filter(  # type: ignore[attr-defined]
            community=meeting.community_id, frozen_at__isnull=True
        )
        self.fields["category"].queryset = Category.objects.active()  # type: ignore[attr-defined]
