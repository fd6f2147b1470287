from decimal import Decimal
from typing import Any

from django import forms
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from genxi.accounts.models import User
from genxi.core.forms import BoundedForm, PhotosField
from genxi.demands.models import Category, Demand
from genxi.places.models import Area, AreaKind, Partner
from genxi.projects.models import Channel, Elector, ElectorKind, Fund, Method, Phase, Project

MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": Decimal("0.01")}


class FundForm(BoundedForm):
    community = forms.ModelChoiceField(label=_("Community"), queryset=Area.objects.none())
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    amount = forms.DecimalField(label=_("Amount (yuan)"), **MONEY)  # type: ignore[arg-type]
    reserve = forms.DecimalField(
        label=_("Reserve (yuan)"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal(0),
        initial=Decimal(0),
        help_text=_("Kept back for the unforeseen: votes can choose projects only with the rest."),
    )
    max_per_project = forms.DecimalField(
        label=_("Most a project may cost (yuan)"),
        required=False,
        **MONEY,  # type: ignore[arg-type]
    )
    categories = forms.ModelMultipleChoiceField(
        label=_("What it may pay for"),
        queryset=Category.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty for any kind of project."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = Area.objects.run_by(user)  # type: ignore[attr-defined]
        self.fields["categories"].queryset = Category.objects.active().filter(depth=0)  # type: ignore[attr-defined]


class ProjectForm(BoundedForm):
    title = forms.CharField(label=_("Title"), max_length=100)
    cost = forms.DecimalField(label=_("Estimated cost (yuan)"), **MONEY)  # type: ignore[arg-type]
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.none(), required=False
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    demands = forms.ModelMultipleChoiceField(
        label=_("From the demands"),
        queryset=Demand.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The community's demands of the last year that this project answers."),
    )
    micro_renovation = forms.BooleanField(
        label=_("Micro-renovation"),
        required=False,
        help_text=_("Renovates one residential compound: name it below."),
    )
    compound = forms.ModelChoiceField(
        label=_("Compound"), queryset=Area.objects.none(), required=False
    )

    def __init__(self, *args: Any, user: Any, fund: Fund, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.active()  # type: ignore[attr-defined]
        self.fields["compound"].queryset = Area.objects.filter(  # type: ignore[attr-defined]
            parent=fund.community_id, kind=AreaKind.COMPOUND
        ).order_by("name")
        newest = (
            Demand.objects.visible_to(user)
            .filter(community=fund.community_id)
            .exclude(status__in=["merged", "withdrawn"])
            .order_by("-created_at")
            .values_list("pk", flat=True)[:100]
        )
        # The newest 100 as a plain list: a sliced queryset cannot validate a choice.
        self.fields["demands"].queryset = Demand.objects.filter(  # type: ignore[attr-defined]
            pk__in=list(newest)
        ).order_by("-created_at")


ELECTOR_KINDS = {
    "党员": ElectorKind.PARTY,
    "党员代表": ElectorKind.PARTY,
    "居民": ElectorKind.RESIDENT,
}


def parse_electors(text: str) -> list[tuple[str, str, int, Any]]:
    """One elector a line: name, kind (党员 or 居民), optional weight, optional username or phone
    for voting on the web. Separated by commas or spaces."""
    electors: list[tuple[str, str, int, Any]] = []
    errors = []
    for number, line in enumerate(text.splitlines(), start=1):
        parts = [p for p in line.replace("，", ",").replace(",", " ").split() if p]
        if not parts:
            continue
        if len(parts) < 2 or parts[1] not in ELECTOR_KINDS:
            errors.append(_("Line %(n)s: write the name, then 党员 or 居民.") % {"n": number})
            continue
        weight, user = 1, None
        for extra in parts[2:]:
            if extra.isascii() and extra.isdigit() and len(extra) <= 2:
                weight = max(1, int(extra))
            else:
                user = (
                    User.objects.filter(username=extra).first()
                    or User.objects.filter(phone=extra).first()
                )
                if user is None:
                    errors.append(_("Line %(n)s: no user %(u)s.") % {"n": number, "u": extra})
        if len(parts[0]) > 50:
            errors.append(_("Line %(n)s: a name of at most 50 characters.") % {"n": number})
            continue
        electors.append((parts[0], ELECTOR_KINDS[parts[1]], weight, user))
    if errors:
        raise forms.ValidationError(errors)
    if not electors:
        raise forms.ValidationError(_("Name at least one elector."))
    return electors


class VoteForm(BoundedForm):
    title = forms.CharField(label=_("Title"), max_length=100)
    method = forms.ChoiceField(label=_("Method"), choices=Method.choices)
    max_choices = forms.IntegerField(
        label=_("Most projects a voter may choose"), min_value=1, max_value=50, required=False
    )
    quorum = forms.IntegerField(
        label=_("Quorum (electors who must vote)"),
        min_value=0,
        max_value=100_000,
        initial=0,
        required=False,
    )
    secret = forms.BooleanField(
        label=_("Secret ballot"),
        required=False,
        help_text=_("Nobody, administrators included, can see who chose what."),
    )
    projects = forms.ModelMultipleChoiceField(
        label=_("Candidate projects"),
        queryset=Project.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    electors = forms.CharField(
        label=_("Electors"),
        widget=forms.Textarea(
            attrs={"rows": 6, "placeholder": "王建国 党员\n李秀英 居民 1 13962510005"}
        ),
        help_text=_(
            "One a line: the name, 党员 or 居民, then optionally a weight and the username or "
            "phone with which they vote on the web."
        ),
    )

    def __init__(self, *args: Any, user: Any, fund: Fund, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["projects"].queryset = fund.projects.filter(  # type: ignore[attr-defined]
            phase__in=[Phase.DRAFTING, Phase.DELIBERATION]
        )
        if not self.fields["projects"].queryset.exists():  # type: ignore[attr-defined]
            # Say why the list is empty and where candidates come from.
            self.fields["projects"].help_text = format_html(
                '{} <a href="{}">{}</a>',
                _(
                    "This fund has no candidate project yet (being drafted or deliberated). "
                    "Add the projects first, then create the vote."
                ),
                reverse("projects:project_create", args=[fund.pk]),
                _("Add a candidate project"),
            )

    def clean_electors(self) -> list[tuple[str, str, int, Any]]:
        return parse_electors(self.cleaned_data["electors"])


class PaperBallotForm(forms.Form):
    elector = forms.ModelChoiceField(label=_("Elector"), queryset=Elector.objects.none())
    channel = forms.ChoiceField(
        label=_("How"),
        choices=[(Channel.PAPER, Channel.PAPER.label), (Channel.ASSISTED, Channel.ASSISTED.label)],
    )
    paper_ref = forms.CharField(label=_("Paper ballot number"), max_length=40, required=False)
    projects = forms.ModelMultipleChoiceField(
        label=_("Chosen projects"),
        queryset=Project.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, vote: Any, assisted_only: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["elector"].queryset = vote.electors.filter(  # type: ignore[attr-defined]
            participation__isnull=True
        )
        if assisted_only:  # a pioneer helps those who cannot vote on the web themselves
            self.fields["elector"].queryset = vote.electors.filter(  # type: ignore[attr-defined]
                participation__isnull=True, user__isnull=True
            )
            self.fields["channel"].choices = [(Channel.ASSISTED, Channel.ASSISTED.label)]  # type: ignore[attr-defined]
            del self.fields["paper_ref"]
        self.fields["projects"].queryset = vote.projects.all()  # type: ignore[attr-defined]


class OverrideForm(forms.Form):
    project = forms.ModelChoiceField(label=_("Project"), queryset=Project.objects.none())
    selected = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("1", _("Choose it")), ("0", _("Drop it"))],
        coerce=lambda v: v == "1",
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def __init__(self, *args: Any, vote: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = vote.projects.all()  # type: ignore[attr-defined]


class PaymentForm(BoundedForm):
    amount = forms.DecimalField(label=_("Amount (yuan)"), **MONEY)  # type: ignore[arg-type]
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    override_reason = forms.CharField(
        label=_("Reason for spending more"),
        max_length=200,
        required=False,
        help_text=_("Only when this pays more than was committed to the project."),
    )


class StepForm(forms.Form):
    implementer = forms.ModelChoiceField(
        label=_("Implementer"), queryset=Partner.objects.none(), required=False
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["implementer"].queryset = Partner.objects.visible_to(user).filter(  # type: ignore[attr-defined]
            is_active=True
        )


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=100)
    due = forms.DateField(
        label=_("Due"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class AcceptanceForm(BoundedForm):
    accepted_on = forms.DateField(
        label=_("Accepted on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    satisfied = forms.IntegerField(
        label=_("Residents satisfied"), min_value=0, max_value=1_000_000, initial=0
    )
    basically = forms.IntegerField(
        label=_("Basically satisfied"), min_value=0, max_value=1_000_000, initial=0
    )
    unsatisfied = forms.IntegerField(
        label=_("Not satisfied"), min_value=0, max_value=1_000_000, initial=0
    )
    note = forms.CharField(
        label=_("What was inspected"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class PhotoForm(forms.Form):
    photos = PhotosField(label=_("Photos"))
    caption = forms.CharField(label=_("Caption"), max_length=100, required=False)


class StampedForm(forms.Form):
    """An edit form that carries the record's `updated_at`: a concurrent edit is refused."""

    updated_at = forms.DateTimeField(widget=forms.HiddenInput)


class FundRulesForm(StampedForm):
    amount = FundForm.base_fields["amount"]
    reserve = FundForm.base_fields["reserve"]
    max_per_project = FundForm.base_fields["max_per_project"]
    categories = forms.ModelMultipleChoiceField(
        label=_("What it may pay for"),
        queryset=Category.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty for any kind of project."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["categories"].queryset = Category.objects.active().filter(depth=0)  # type: ignore[attr-defined]


class ProjectEditForm(StampedForm):
    title = ProjectForm.base_fields["title"]
    cost = ProjectForm.base_fields["cost"]
    description = ProjectForm.base_fields["description"]
