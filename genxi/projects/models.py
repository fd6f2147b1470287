"""Service funds, projects and representatives' votes (为民服务专项经费, 为民服务项目, 票决).

A community's yearly `Fund` pays for `Project`s that its representatives chose in a `Vote`.
Money moves only through `FundEntry` rows (commitments when a project is chosen, payments as it
is built), written under a lock on the fund, so the same money is never spent twice.

One ballot per elector and vote is enforced by the database: `Participation` (that an elector
voted, and how) is one-to-one with the `Elector`. The choices are a `Ballot` of their own; in a
secret vote nothing links a ballot to its elector (a random primary key, no time), and only the
receipt handed to the voter finds it again.
"""

import secrets
import uuid
from dataclasses import replace
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from genxi.accounts import scoping
from genxi.accounts.models import AREA_ROLES, Role
from genxi.accounts.scoping import ScopedQuerySet
from genxi.core.models import TimeStamped
from genxi.core.states import Machine


class FundQuerySet(ScopedQuerySet["Fund"]):
    def visible_to(self, user: Any) -> "FundQuerySet":
        """Staff and leadership: their communities' funds."""
        return self.restrict(user, "community__path")


class Fund(TimeStamped):
    """A community's service fund for one year, with its usage rules."""

    community = models.ForeignKey(
        "places.Area", verbose_name=_("community"), on_delete=models.PROTECT, related_name="funds"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    amount = models.DecimalField(
        _("amount (yuan)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    reserve = models.DecimalField(
        _("reserve (yuan)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(0)],
        help_text=_("Kept back for the unforeseen: votes can choose projects only with the rest."),
    )
    max_per_project = models.DecimalField(
        _("most a project may cost (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    categories = models.ManyToManyField(
        "demands.Category",
        verbose_name=_("what it may pay for"),
        blank=True,
        related_name="+",
        help_text=_("Leave empty for any kind of project."),
    )
    # Set when a vote on the fund's projects opens: from then on its rules stay as they are.
    frozen_at = models.DateTimeField(_("rules frozen at"), null=True, blank=True)

    objects = FundQuerySet.as_manager()

    class Meta:
        verbose_name = _("service fund")
        verbose_name_plural = _("service funds")
        ordering = ["-year", "community__path"]
        constraints = [
            models.UniqueConstraint(fields=["community", "year"], name="fund_once_a_year"),
            models.CheckConstraint(
                condition=Q(amount__gte=0) & Q(reserve__gte=0) & Q(reserve__lte=models.F("amount")),
                name="fund_reserve_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.community} {self.year}"

    @property
    def spendable(self) -> Decimal:
        return self.amount - self.reserve


class Phase(models.TextChoices):
    DRAFTING = "drafting", _("Drafting")
    DELIBERATION = "deliberation", _("Under deliberation")
    VOTING = "voting", _("Being voted on")
    SELECTED = "selected", _("Selected")
    NOT_SELECTED = "not_selected", _("Not selected")
    EXECUTION = "execution", _("In execution")
    ACCEPTED = "accepted", _("Accepted on inspection")
    CLOSED = "closed", _("Closed and published")


# Every move of a project's phase, and the services (projects.services) that make it.
PHASES: dict[str, frozenset[str]] = {
    # move_project by hand, or take_up (a meeting discusses it); open_vote.
    Phase.DRAFTING: frozenset({Phase.DELIBERATION, Phase.VOTING}),
    # move_project; open_vote.
    Phase.DELIBERATION: frozenset({Phase.DRAFTING, Phase.VOTING}),
    # close_vote: chosen or not, or back to deliberation without a quorum.
    Phase.VOTING: frozenset({Phase.SELECTED, Phase.NOT_SELECTED, Phase.DELIBERATION}),
    # move_project; override_result (chosen against the count, or dropped).
    Phase.NOT_SELECTED: frozenset({Phase.DRAFTING, Phase.SELECTED}),
    Phase.SELECTED: frozenset({Phase.EXECUTION, Phase.NOT_SELECTED}),
    # accept_project, with the residents' evaluation.
    Phase.EXECUTION: frozenset({Phase.ACCEPTED}),
    # move_project.
    Phase.ACCEPTED: frozenset({Phase.CLOSED}),
}

# The steps staff take by hand (the project page's buttons): a part of PHASES.
PHASE_STEPS: dict[str, frozenset[str]] = {
    Phase.DRAFTING: frozenset({Phase.DELIBERATION}),
    Phase.DELIBERATION: frozenset({Phase.DRAFTING}),
    Phase.NOT_SELECTED: frozenset({Phase.DRAFTING}),
    Phase.SELECTED: frozenset({Phase.EXECUTION}),
    Phase.ACCEPTED: frozenset({Phase.CLOSED}),
}


class ProjectQuerySet(ScopedQuerySet["Project"]):
    def visible_to(self, user: Any) -> "ProjectQuerySet":
        """Staff and leadership: their communities'. Partners: what they implement."""
        return self.restrict(user, "community__path", also=self._implemented_by(user))

    def implemented_by(self, user: Any) -> "ProjectQuerySet":
        """The projects the user's partner units implement."""
        return self.filter(self._implemented_by(user))

    @staticmethod
    def _implemented_by(user: Any) -> Q:
        return Q(implementer__in=scoping.partner_ids(user))


class Project(TimeStamped):
    """A candidate service project, drafted with its cost, and — if chosen — built and accepted."""

    fund = models.ForeignKey(
        Fund, verbose_name=_("fund"), on_delete=models.PROTECT, related_name="projects"
    )
    community = models.ForeignKey(
        "places.Area", on_delete=models.PROTECT, related_name="+", editable=False
    )
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    cost = models.DecimalField(_("estimated cost (yuan)"), max_digits=12, decimal_places=2)
    category = models.ForeignKey(
        "demands.Category",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    demands = models.ManyToManyField(
        "demands.Demand", verbose_name=_("from the demands"), blank=True, related_name="projects"
    )
    phase = models.CharField(
        _("phase"), max_length=16, choices=Phase.choices, default=Phase.DRAFTING
    )
    implementer = models.ForeignKey(
        "places.Partner",
        verbose_name=_("implementer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
    )
    # A micro-renovation (微改造) of one residential compound of the community: the dashboards
    # count them by compound (projects.figures.micro_renovations).
    micro_renovation = models.BooleanField(_("micro-renovation"), default=False)
    compound = models.ForeignKey(
        "places.Area",
        verbose_name=_("compound"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The residential compound it renovates."),
    )

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("service project")
        verbose_name_plural = _("service projects")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(cost__gt=0), name="project_cost_positive"),
        ]

    def __str__(self) -> str:
        return self.title


# A project's phases. One project's move locks its row (`lock` + `move`): money, milestones
# and the acceptance hang on it. A vote moves its candidates together, under the vote's lock.
PROJECT_PHASES = Machine(
    Project,
    PHASES,
    Phase,
    field="phase",
    refused=_("A project that is “%(now)s” cannot become “%(to)s”."),
    refused_code="invalid",  # what move_project has always answered
)
# The same machine, limited to the steps staff take by hand.
STAFF_STEPS = replace(PROJECT_PHASES, transitions=PHASE_STEPS)


class Method(models.TextChoices):
    APPROVAL = "approval", _("Approval: up to a number of projects")
    BUDGET = "budget", _("Within the budget: the chosen projects' costs must fit the fund")


class VoteStatus(models.TextChoices):
    DRAFT = "draft", _("Being prepared")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


# A vote's statuses: prepared, opened (its rules freeze), closed (counted).
VOTE_STEPS: dict[str, frozenset[str]] = {
    VoteStatus.DRAFT: frozenset({VoteStatus.OPEN}),
    VoteStatus.OPEN: frozenset({VoteStatus.CLOSED}),
}


class VoteQuerySet(ScopedQuerySet["Vote"]):
    def visible_to(self, user: Any) -> "VoteQuerySet":
        """Staff and leadership: their communities' votes. Representatives: the votes they are
        electors in. Pioneers: their communities' votes, to assist electors."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        mine = Elector.objects.filter(user=user).values("vote")
        # Pioneers of the community: they help electors who cannot vote alone (assisted ballots).
        return self.restrict(
            user, "community__path", roles=AREA_ROLES | {Role.PIONEER}, also=Q(pk__in=mine)
        )


class Vote(TimeStamped):
    """The representatives' vote (票决) on a fund's candidate projects."""

    fund = models.ForeignKey(Fund, verbose_name=_("fund"), on_delete=models.PROTECT)
    community = models.ForeignKey(
        "places.Area", on_delete=models.PROTECT, related_name="+", editable=False
    )
    title = models.CharField(_("title"), max_length=100)
    method = models.CharField(_("method"), max_length=12, choices=Method.choices)
    max_choices = models.PositiveSmallIntegerField(
        _("most projects a voter may choose"), null=True, blank=True
    )
    quorum = models.PositiveIntegerField(
        _("quorum (electors who must vote)"), default=0, help_text=_("0: no quorum.")
    )
    secret = models.BooleanField(
        _("secret ballot"),
        default=False,
        help_text=_("Nobody, administrators included, can see who chose what."),
    )
    projects = models.ManyToManyField(Project, verbose_name=_("candidate projects"))
    status = models.CharField(
        _("status"), max_length=8, choices=VoteStatus.choices, default=VoteStatus.DRAFT
    )
    # What the vote opened with (budget, costs, limits): the count reads these, not live rows.
    budget = models.DecimalField(
        _("budget (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    frozen = models.JSONField(default=dict, blank=True, editable=False)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True, editable=False)

    objects = VoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


# A vote's row is locked for every move: no ballot is counted once it closes.
VOTE_STATUSES = Machine(Vote, VOTE_STEPS, VoteStatus)


class ElectorKind(models.TextChoices):
    PARTY = "party", _("Party members' representative")
    RESIDENT = "resident", _("Residents' representative")


class Elector(models.Model):
    """One name on a vote's electorate."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="electors")
    name = models.CharField(_("name"), max_length=50)
    kind = models.CharField(_("kind"), max_length=10, choices=ElectorKind.choices)
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=1, validators=[MinValueValidator(1)]
    )
    # Votes on the web as this user; without one, the elector votes on paper or assisted.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("elector")
        ordering = ["kind", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["vote", "user"], condition=Q(user__isnull=False), name="elector_user_once"
            ),
            models.CheckConstraint(condition=Q(weight__gte=1), name="elector_weight_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class Channel(models.TextChoices):
    WEB = "web", _("On the web")
    PAPER = "paper", _("On paper, entered by staff")
    ASSISTED = "assisted", _("Assisted by a pioneer")


class Participation(models.Model):
    """That an elector voted, how and when: one per elector, by the database."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="participations")
    elector = models.OneToOneField(Elector, on_delete=models.CASCADE, related_name="participation")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    paper_ref = models.CharField(_("paper ballot number"), max_length=40, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        constraints = [
            models.UniqueConstraint(
                fields=["vote", "paper_ref"],
                condition=~Q(paper_ref=""),
                name="paper_ballot_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.elector} ({self.channel})"


def new_receipt() -> str:
    return secrets.token_hex(5).upper()


class Ballot(models.Model):
    """What one elector chose. A random key and no time: in a secret vote its order and id say
    nothing of whose it is."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="ballots")
    # Open votes only: whose ballot it is.
    elector = models.OneToOneField(
        Elector, null=True, blank=True, on_delete=models.CASCADE, related_name="ballot"
    )
    weight = models.PositiveSmallIntegerField(default=1)
    receipt = models.CharField(max_length=12, unique=True, default=new_receipt)
    # A secret vote's paper ballot number lives here, never beside the elector who cast it.
    paper_ref = models.CharField(max_length=40, blank=True)
    projects: "models.ManyToManyField[Project, BallotChoice]" = models.ManyToManyField(
        Project, through="BallotChoice", related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["vote", "paper_ref"],
                condition=~Q(paper_ref=""),
                name="secret_paper_ballot_once",
            )
        ]

    def __str__(self) -> str:
        return self.receipt


class BallotChoice(models.Model):
    # A random key too: sequential ids would give away the order ballots were cast in.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="choices")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ballot", "project"], name="choice_once_per_ballot")
        ]

    def __str__(self) -> str:
        return str(self.project_id)


class EntryKind(models.TextChoices):
    COMMITMENT = "commitment", _("Committed")
    PAYMENT = "payment", _("Paid")
    RELEASE = "release", _("Released")


class FundEntry(models.Model):
    """A line of a fund's spending ledger: money committed to a project, paid, or released."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="entries")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("kind"), max_length=12, choices=EntryKind.choices)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    note = models.CharField(_("note"), max_length=200, blank=True)
    # Spending past the commitment (into the reserve) needs a reason, kept here.
    override_reason = models.CharField(_("reason for spending more"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("fund entry")
        verbose_name_plural = _("spending ledger")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="fund_entry_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}"


class Milestone(models.Model):
    """A step of a project's execution with its date; the project's progress is the share done."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=100)
    due = models.DateField(_("due"))
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        ordering = ["due", "id"]

    def __str__(self) -> str:
        return self.title


class Acceptance(models.Model):
    """验收: the finished project inspected, with the residents' evaluation."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="acceptance")
    accepted_on = models.DateField(_("accepted on"))
    satisfied = models.PositiveIntegerField(_("satisfied"), default=0)
    basically = models.PositiveIntegerField(_("basically satisfied"), default=0)
    unsatisfied = models.PositiveIntegerField(_("not satisfied"), default=0)
    note = models.TextField(_("what was inspected"), blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.project} {self.accepted_on}"

    @property
    def answers(self) -> int:
        return self.satisfied + self.basically + self.unsatisfied

    @property
    def satisfaction(self) -> int | None:
        """Satisfied or basically satisfied, in percent of those asked (as demands count it)."""
        return (
            round(100 * (self.satisfied + self.basically) / self.answers) if self.answers else None
        )


def project_photo_path(instance: Any, filename: str) -> str:
    return f"projects/{instance.project_id}/{filename}"


class ProjectPhoto(models.Model):
    """A photo of a project being built or accepted. Served only through a view that checks who
    may see the project."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("photo"), upload_to=project_photo_path)
    caption = models.CharField(_("caption"), max_length=100, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.caption or str(self.pk)
