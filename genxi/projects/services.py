"""Writes to funds, projects and votes: each one transaction with an audit entry.

Scarce things are locked before they are checked: a ballot locks its vote's row (so nothing is
counted once the vote closes, and the electorate and limits it checks cannot change under it),
and money locks its fund's row. The database backs both: one `Participation` per elector, one
paper ballot number per vote, positive amounts.
"""

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from genxi.core.audit import acting_user, log_action
from genxi.core.money import money
from genxi.core.services import ServiceError, create_object, update_object
from genxi.demands.models import Category, Demand
from genxi.places.models import Area, AreaKind, Partner
from genxi.projects.models import (
    PHASE_STEPS,
    Acceptance,
    Ballot,
    BallotChoice,
    Channel,
    Elector,
    EntryKind,
    Fund,
    FundEntry,
    Method,
    Milestone,
    Participation,
    Phase,
    Project,
    ProjectPhoto,
    Vote,
    VoteStatus,
)

# ------------------------------------------------------------------ funds


def create_fund(
    *,
    actor: Any,
    community: Area,
    year: int,
    amount: Decimal,
    reserve: Decimal = Decimal(0),
    max_per_project: Decimal | None = None,
    categories: Iterable[Category] = (),
    token: uuid.UUID | None = None,
) -> Fund:
    if community.kind != AreaKind.COMMUNITY:
        raise ServiceError(_("A service fund belongs to a community."), field="community")
    _check_rules(amount, reserve, max_per_project)
    return create_object(
        actor=actor,
        model=Fund,
        fields={
            "community": community,
            "year": year,
            "amount": amount,
            "reserve": reserve,
            "max_per_project": max_per_project,
        },
        m2m={"categories": list(categories)},
        token=token,
        unique_error=_("This community already has a service fund for that year."),
    )


def _check_rules(amount: Decimal, reserve: Decimal, max_per_project: Decimal | None) -> None:
    if amount < 0:
        raise ServiceError(_("The amount cannot be negative."), field="amount")
    if not 0 <= reserve <= amount:
        raise ServiceError(_("The reserve must lie between 0 and the amount."), field="reserve")
    if max_per_project is not None and max_per_project <= 0:
        raise ServiceError(
            _("The most a project may cost must be more than 0."), field="max_per_project"
        )


def update_fund_rules(
    *,
    actor: Any,
    fund: Fund,
    amount: Decimal,
    reserve: Decimal,
    max_per_project: Decimal | None,
    categories: Iterable[Category],
    expected_updated_at: Any = None,
) -> Fund:
    """Change the usage rules; refused once a vote on the fund has opened (rules freeze), and
    when someone else changed them since the form was read (`expected_updated_at`)."""
    _check_rules(amount, reserve, max_per_project)
    with transaction.atomic():
        locked = Fund.objects.select_for_update().get(pk=fund.pk)
        if locked.frozen_at is not None:
            raise ServiceError(_("A vote on this fund has opened: its rules can no longer change."))
        update_object(
            actor=actor,
            instance=fund,
            fields={"amount": amount, "reserve": reserve, "max_per_project": max_per_project},
            m2m={"categories": list(categories)},
            expected_updated_at=expected_updated_at,
        )
    return fund


@dataclass
class Balance:
    amount: Decimal
    reserve: Decimal
    committed: Decimal  # promised to chosen projects (commitments less releases)
    paid: Decimal
    bound: Decimal  # what is spoken for: for each project, the larger of committed and paid

    @property
    def free(self) -> Decimal:
        """What a vote may still give away: the amount less the reserve and what is bound."""
        return self.amount - self.reserve - self.bound


def _ledger(fund: Fund) -> dict[int, tuple[Decimal, Decimal]]:
    """Per project of the fund: (committed, paid)."""
    sums: dict[int, dict[str, Decimal]] = {}
    for project, kind, total in (
        FundEntry.objects.filter(fund=fund)
        .values_list("project", "kind")
        .annotate(total=Sum("amount"))
        .values_list("project", "kind", "total")
    ):
        sums.setdefault(project, {})[kind] = total
    zero = Decimal(0)
    return {
        pk: (
            k.get(EntryKind.COMMITMENT, zero) - k.get(EntryKind.RELEASE, zero),
            k.get(EntryKind.PAYMENT, zero),
        )
        for pk, k in sums.items()
    }


def balance(fund: Fund) -> Balance:
    ledger = _ledger(fund).values()
    return Balance(
        amount=fund.amount,
        reserve=fund.reserve,
        committed=sum((c for c, _p in ledger), Decimal(0)),
        paid=sum((p for _c, p in ledger), Decimal(0)),
        bound=sum((max(c, p) for c, p in ledger), Decimal(0)),
    )


def ledger_of(project: Project) -> tuple[Decimal, Decimal]:
    """(committed, paid) for one project."""
    return _ledger(project.fund).get(project.pk, (Decimal(0), Decimal(0)))


def _committed_to(project: Project) -> Decimal:
    return ledger_of(project)[0]


def record_payment(
    *,
    actor: Any,
    project: Project,
    amount: Decimal,
    note: str = "",
    override_reason: str = "",
) -> FundEntry:
    """Pay towards a chosen project from its fund.

    Paying beyond what was committed to the project needs a reason (it comes out of the reserve
    or what is free); nothing is ever paid beyond the fund's whole amount.
    """
    if amount <= 0:
        raise ServiceError(_("Enter an amount above 0."), field="amount")
    with transaction.atomic():
        fund = Fund.objects.select_for_update().get(pk=project.fund_id)  # money: one at a time
        project = Project.objects.get(pk=project.pk)
        if project.phase not in (Phase.SELECTED, Phase.EXECUTION, Phase.ACCEPTED):
            raise ServiceError(_("Only a project that was chosen can be paid for."))
        ledger = _ledger(fund)
        committed, paid = ledger.get(project.pk, (Decimal(0), Decimal(0)))
        if paid + amount > committed and not override_reason.strip():
            raise ServiceError(
                _(
                    "This would pay %(total)s yuan against the %(committed)s committed to the "
                    "project. To spend more, give the reason."
                )
                % {"total": money(paid + amount), "committed": money(committed)},
                field="override_reason",
            )
        bound = sum((max(c, p) for c, p in ledger.values()), Decimal(0))
        after = bound - max(committed, paid) + max(committed, paid + amount)
        if after > fund.amount:
            raise ServiceError(
                _("The fund has only %(left)s yuan that nothing is bound to.")
                % {"left": money(fund.amount - bound)},
                field="amount",
            )
        entry = FundEntry.objects.create(
            fund=fund,
            project=project,
            kind=EntryKind.PAYMENT,
            amount=amount,
            note=note,
            override_reason=override_reason.strip(),
            created_by=acting_user(actor),
        )
        log_action(
            actor=actor,
            action="project.payment",
            obj=project,
            changes={"amount": str(amount), "override_reason": entry.override_reason},
        )
    return entry


# ------------------------------------------------------------------ projects


def propose_project(
    *,
    actor: Any,
    fund: Fund,
    title: str,
    cost: Decimal,
    description: str = "",
    category: Category | None = None,
    demands: Iterable[Demand] = (),
    token: uuid.UUID | None = None,
) -> Project:
    """A candidate project, drafted (by the party members' meeting) with its cost estimate."""
    _check_project(fund, cost, category)
    demands = list(demands)
    if any(d.community_id != fund.community_id for d in demands):
        raise ServiceError(_("Link only demands of this community."), field="demands")
    return create_object(
        actor=actor,
        model=Project,
        fields={
            "fund": fund,
            "community_id": fund.community_id,
            "title": title,
            "description": description,
            "cost": cost,
            "category": category,
        },
        m2m={"demands": demands},
        token=token,
    )


def _check_project(fund: Fund, cost: Decimal, category: Category | None) -> None:
    if cost <= 0:
        raise ServiceError(_("Enter a cost above 0."), field="cost")
    if fund.max_per_project is not None and cost > fund.max_per_project:
        raise ServiceError(
            _("The fund pays at most %(max)s yuan for one project.")
            % {"max": money(fund.max_per_project)},
            field="cost",
        )
    if cost > fund.spendable:
        raise ServiceError(
            _("The fund has %(max)s yuan to give to projects (its reserve kept back).")
            % {"max": money(fund.spendable)},
            field="cost",
        )
    allowed = set(fund.categories.values_list("pk", flat=True))
    if allowed and (category is None or category.pk not in allowed):
        raise ServiceError(_("The fund does not pay for this kind of project."), field="category")


def update_project(
    *,
    actor: Any,
    project: Project,
    title: str,
    cost: Decimal,
    description: str = "",
    expected_updated_at: Any = None,
) -> Project:
    """Edit a draft; refused once it is being voted on (its cost is what electors saw)."""
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        if locked.phase not in (Phase.DRAFTING, Phase.DELIBERATION, Phase.NOT_SELECTED):
            raise ServiceError(
                _("This project is being voted on or was chosen: it stays as it is.")
            )
        _check_project(project.fund, cost, project.category)
        update_object(
            actor=actor,
            instance=project,
            fields={"title": title, "cost": cost, "description": description},
            expected_updated_at=expected_updated_at,
        )
    return project


def move_project(
    *, actor: Any, project: Project, to: str, implementer: Partner | None = None
) -> Project:
    """One step of a project's life that staff take by hand (PHASE_STEPS)."""
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        if to not in PHASE_STEPS.get(locked.phase, frozenset()):
            raise ServiceError(
                _("A project that is “%(now)s” cannot become “%(to)s”.")
                % {"now": Phase(locked.phase).label, "to": Phase(to).label}
            )
        fields: dict[str, Any] = {"phase": to}
        if to == Phase.EXECUTION:
            if implementer is None and locked.implementer_id is None:
                raise ServiceError(_("Choose who implements it."), field="implementer")
            fields["implementer"] = implementer or locked.implementer
        changes = {"phase": [locked.phase, to]}
        Project.objects.filter(pk=locked.pk).update(**fields, updated_at=timezone.now())
        log_action(actor=actor, action="project.phase", obj=locked, changes=changes)
    project.refresh_from_db()
    return project


def add_milestone(*, actor: Any, project: Project, title: str, due: Any) -> Milestone:
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        if locked.phase not in (Phase.SELECTED, Phase.EXECUTION):
            raise ServiceError(_("Milestones are planned for a chosen project, before acceptance."))
        milestone = Milestone.objects.create(project=locked, title=title, due=due)
        log_action(actor=actor, action="project.milestone", obj=project, changes={"title": title})
    return milestone


def finish_milestone(*, actor: Any, milestone: Milestone, on: Any = None) -> Milestone:
    with transaction.atomic():
        changed = Milestone.objects.filter(pk=milestone.pk, done_on__isnull=True).update(
            done_on=on or timezone.localdate()
        )
        if changed:
            log_action(
                actor=actor,
                action="project.milestone_done",
                obj=milestone.project,
                changes={"title": milestone.title},
            )
    milestone.refresh_from_db()
    return milestone


def progress(project: Project) -> int | None:
    """Milestones done, in percent (None without milestones)."""
    counts = project.milestones.aggregate(
        n=Count("pk"), done=Count("pk", filter=Q(done_on__isnull=False))
    )
    return round(100 * counts["done"] / counts["n"]) if counts["n"] else None


def accept_project(
    *,
    actor: Any,
    project: Project,
    accepted_on: Any,
    satisfied: int = 0,
    basically: int = 0,
    unsatisfied: int = 0,
    note: str = "",
) -> Acceptance:
    """验收: a project in execution, its milestones all done, accepted with the residents'
    evaluation."""
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        if locked.phase != Phase.EXECUTION:
            raise ServiceError(_("Only a project in execution can be accepted."))
        if locked.milestones.filter(done_on__isnull=True).exists():
            raise ServiceError(_("Some milestones are not done yet: finish them first."))
        if min(satisfied, basically, unsatisfied) < 0:
            raise ServiceError(_("Enter counts of 0 or more."), field="satisfied")
        acceptance = Acceptance.objects.create(
            project=locked,
            accepted_on=accepted_on,
            satisfied=satisfied,
            basically=basically,
            unsatisfied=unsatisfied,
            note=note,
            accepted_by=acting_user(actor),
        )
        Project.objects.filter(pk=locked.pk).update(phase=Phase.ACCEPTED, updated_at=timezone.now())
        log_action(
            actor=actor,
            action="project.accept",
            obj=locked,
            changes={"satisfied": satisfied, "basically": basically, "unsatisfied": unsatisfied},
        )
    project.refresh_from_db()
    return acceptance


def add_photos(*, actor: Any, project: Project, photos: Sequence[Any], caption: str = "") -> int:
    """Photos already cleaned by genxi.core.images.clean_photo (re-encoded, no EXIF)."""
    if not photos:
        raise ServiceError(_("Choose at least one photo."), field="photos")
    with transaction.atomic():
        for photo in photos:
            ProjectPhoto(
                project=project,
                image=photo,
                caption=caption.strip(),
                uploaded_by=acting_user(actor),
            ).save()
        log_action(actor=actor, action="project.photos", obj=project, changes={"n": len(photos)})
    return len(photos)


# ------------------------------------------------------------------ votes


def create_vote(
    *,
    actor: Any,
    fund: Fund,
    title: str,
    method: str,
    projects: Sequence[Project],
    max_choices: int | None = None,
    quorum: int = 0,
    secret: bool = False,
    token: uuid.UUID | None = None,
) -> Vote:
    if method == Method.APPROVAL and not max_choices:
        raise ServiceError(
            _("Say how many projects a voter may choose at most."), field="max_choices"
        )
    if any(p.fund_id != fund.pk for p in projects):
        raise ServiceError(_("Only projects paid from this fund can stand."), field="projects")
    return create_object(
        actor=actor,
        model=Vote,
        fields={
            "fund": fund,
            "community_id": fund.community_id,
            "title": title,
            "method": method,
            "max_choices": max_choices,
            "quorum": quorum,
            "secret": secret,
        },
        m2m={"projects": list(projects)},
        token=token,
    )


def add_electors(
    *, actor: Any, vote: Vote, electors: Iterable[tuple[str, str, int, Any]]
) -> list[Elector]:
    """Names (name, kind, weight, user or None) on the electorate, before the vote opens."""
    with transaction.atomic():
        locked = Vote.objects.select_for_update().get(pk=vote.pk)
        if locked.status != VoteStatus.DRAFT:
            raise ServiceError(_("The electorate is fixed once the vote has opened."))
        try:
            with transaction.atomic():
                made = [
                    Elector.objects.create(vote=locked, name=n, kind=k, weight=w, user=u)
                    for n, k, w, u in electors
                ]
        except IntegrityError as exc:
            raise ServiceError(_("Someone is on the electorate twice.")) from exc
        log_action(actor=actor, action="vote.electors", obj=locked, changes={"added": len(made)})
    return made


def open_vote(*, actor: Any, vote: Vote) -> Vote:
    """Open the vote: its rules, the fund's rules and the candidates' costs freeze."""
    with transaction.atomic():
        locked = Vote.objects.select_for_update().get(pk=vote.pk)
        fund = Fund.objects.select_for_update().get(pk=locked.fund_id)
        if locked.status != VoteStatus.DRAFT:
            raise ServiceError(_("This vote has opened already."))
        projects = list(locked.projects.select_for_update().order_by("pk"))
        if not projects:
            raise ServiceError(_("Add the candidate projects first."))
        if not locked.electors.exists():
            raise ServiceError(_("Add the electors first."))
        if any(p.phase not in (Phase.DRAFTING, Phase.DELIBERATION) for p in projects):
            raise ServiceError(_("A candidate is already in another vote or was chosen."))
        if Vote.objects.filter(fund=fund, status=VoteStatus.OPEN).exclude(pk=locked.pk).exists():
            # Two votes giving away the same free money at once could promise it twice.
            raise ServiceError(_("Another vote on this fund is open: close it first."))
        weights = set(locked.electors.values_list("weight", flat=True))
        if locked.secret and len(weights) > 1:
            raise ServiceError(
                _("A secret vote needs equal weights: a weight would tell whose ballot it is.")
            )
        budget = balance(fund).free
        now = timezone.now()
        locked.status, locked.opened_at, locked.budget = VoteStatus.OPEN, now, budget
        locked.frozen = {
            "budget": str(budget),
            "max_choices": locked.max_choices,
            "method": locked.method,
            "quorum": locked.quorum,
            "costs": {str(p.pk): str(p.cost) for p in projects},
            "electors": locked.electors.count(),
        }
        locked.save(update_fields=["status", "opened_at", "budget", "frozen", "updated_at"])
        Project.objects.filter(pk__in=[p.pk for p in projects]).update(phase=Phase.VOTING)
        if fund.frozen_at is None:
            Fund.objects.filter(pk=fund.pk).update(frozen_at=now)
        log_action(actor=actor, action="vote.open", obj=locked, changes=locked.frozen)
    return locked


@dataclass
class Cast:
    receipt: str  # for the voter: finds their ballot among those counted
    ballot: Ballot


def cast_ballot(
    *,
    actor: Any,
    vote: Vote,
    elector: Elector,
    projects: Sequence[Project],
    channel: str = Channel.WEB,
    paper_ref: str = "",
) -> Cast:
    """Record one elector's ballot. Every refusal is a ServiceError and records nothing."""
    paper_ref = paper_ref.strip()
    if channel == Channel.PAPER and not paper_ref:
        raise ServiceError(_("Enter the paper ballot's number."), field="paper_ref")
    with transaction.atomic():
        # The lock comes before every check: the vote cannot close, nor its limits change,
        # between what is checked here and what is written.
        locked = Vote.objects.select_for_update().get(pk=vote.pk)
        if locked.status != VoteStatus.OPEN:
            raise ServiceError(_("This vote is not open: nothing was recorded."), code="closed")
        if elector.vote_id != locked.pk:
            raise ServiceError(_("This person is not an elector of this vote."), code="elector")
        if Participation.objects.filter(elector=elector).exists():
            raise ServiceError(_("This elector has voted already."), code="voted")
        chosen = _check_choices(locked, projects)
        # In a secret vote the paper's number goes on the ballot, never beside the elector.
        beside, on_ballot = ("", paper_ref) if locked.secret else (paper_ref, "")
        if paper_ref and (
            Participation.objects.filter(vote=locked, paper_ref=paper_ref).exists()
            or Ballot.objects.filter(vote=locked, paper_ref=paper_ref).exists()
        ):
            raise ServiceError(
                _("Paper ballot %(ref)s has been entered already.") % {"ref": paper_ref},
                field="paper_ref",
                code="paper",
            )
        try:
            with transaction.atomic():
                Participation.objects.create(
                    vote=locked,
                    elector=elector,
                    channel=channel,
                    paper_ref=beside,
                    recorded_by=acting_user(actor),
                )
                ballot = Ballot.objects.create(
                    vote=locked,
                    elector=None if locked.secret else elector,
                    weight=elector.weight,
                    paper_ref=on_ballot,
                )
        except IntegrityError as exc:  # the database's own guard, should two arrive at once
            raise ServiceError(_("This elector has voted already."), code="voted") from exc
        BallotChoice.objects.bulk_create([BallotChoice(ballot=ballot, project=p) for p in chosen])
        # Who voted, and how; never what they chose.
        log_action(
            actor=actor,
            action="vote.ballot",
            obj=locked,
            changes={"elector": elector.pk, "channel": channel, "paper_ref": beside},
        )
    return Cast(ballot.receipt, ballot)


def _check_choices(vote: Vote, projects: Sequence[Project]) -> list[Project]:
    ids = [p.pk for p in projects]
    if not ids:
        raise ServiceError(_("Choose at least one project."), field="projects")
    if len(set(ids)) != len(ids):
        raise ServiceError(_("Each project can be chosen once."), field="projects")
    costs = {int(k): Decimal(v) for k, v in vote.frozen["costs"].items()}
    if any(pk not in costs for pk in ids):
        raise ServiceError(_("Choose only among this vote's projects."), field="projects")
    if vote.max_choices and len(ids) > vote.max_choices:
        raise ServiceError(
            _("Choose at most %(n)s projects.") % {"n": vote.max_choices}, field="projects"
        )
    if vote.method == Method.BUDGET:
        total = sum((costs[pk] for pk in ids), Decimal(0))
        budget = Decimal(vote.frozen["budget"])
        if total > budget:
            raise ServiceError(
                _("The chosen projects cost %(total)s yuan; the budget is %(budget)s.")
                % {"total": money(total), "budget": money(budget)},
                field="projects",
            )
    return list(projects)


def check_receipt(*, vote: Vote, receipt: str) -> list[str] | None:
    """The titles chosen on the ballot with this receipt, if it was counted in this vote."""
    ballot = Ballot.objects.filter(vote=vote, receipt=receipt.strip().upper()).first()
    if ballot is None:
        return None
    return list(
        BallotChoice.objects.filter(ballot=ballot)
        .order_by("project__title")
        .values_list("project__title", flat=True)
    )


@dataclass
class Line:
    project_id: int
    title: str
    cost: Decimal
    votes: int
    selected: bool
    reason: str


TIE_RULE = _(
    "More votes first; on equal votes, the cheaper project first (it leaves more for the "
    "others); on equal cost too, the one proposed first."
)


def tally(vote: Vote, budget: Decimal | None = None) -> list[Line]:
    """Each candidate's votes, in the order the winners are taken, and why each was or was not.

    Winners are taken by votes, adding each project that still fits what is left of the budget
    (TIE_RULE orders equal votes). Reads the costs and the budget frozen when the vote opened;
    `budget` may lower the latter (what is free when the vote closes).
    """
    costs = {int(k): Decimal(v) for k, v in vote.frozen["costs"].items()}
    titles = dict(Project.objects.filter(pk__in=costs).values_list("pk", "title"))
    votes = dict.fromkeys(costs, 0)
    for pk, weight in BallotChoice.objects.filter(ballot__vote=vote).values_list(
        "project_id", "ballot__weight"
    ):
        votes[pk] += weight
    order = sorted(costs, key=lambda pk: (-votes[pk], costs[pk], pk))
    left = Decimal(vote.frozen["budget"])
    if budget is not None:
        left = min(left, budget)
    lines = []
    for pk in order:
        if votes[pk] == 0:
            chosen, reason = False, _("No votes.")
        elif costs[pk] <= left:
            left -= costs[pk]
            chosen, reason = True, _("Fits: %(left)s yuan left after it.") % {"left": money(left)}
        else:
            chosen, reason = (
                False,
                _("Does not fit: it costs %(cost)s yuan, %(left)s yuan were left.")
                % {"cost": money(costs[pk]), "left": money(left)},
            )
        lines.append(Line(pk, titles.get(pk, ""), costs[pk], votes[pk], chosen, str(reason)))
    return lines


def close_vote(*, actor: Any, vote: Vote) -> Vote:
    """Close the vote, count it, and move the candidates on: the winners chosen (their cost
    committed from the fund), the others not. Without a quorum nobody is chosen and the
    candidates go back to deliberation."""
    with transaction.atomic():
        locked = Vote.objects.select_for_update().get(pk=vote.pk)
        fund = Fund.objects.select_for_update().get(pk=locked.fund_id)
        if locked.status != VoteStatus.OPEN:
            raise ServiceError(_("Only an open vote can be closed."))
        turnout = Participation.objects.filter(vote=locked).count()
        # Never more than is free now: an override elsewhere may have bound money since opening.
        lines = tally(locked, budget=balance(fund).free)
        quorate = turnout >= locked.quorum
        locked.status, locked.closed_at = VoteStatus.CLOSED, timezone.now()
        locked.result = {
            "turnout": turnout,
            "electors": locked.electors.count(),
            "quorate": quorate,
            "tie_rule": str(TIE_RULE),
            "lines": [
                {
                    "project": line.project_id,
                    "title": line.title,
                    "cost": str(line.cost),
                    "votes": line.votes,
                    "selected": line.selected and quorate,
                    "reason": line.reason if quorate else str(_("No quorum.")),
                }
                for line in lines
            ],
            "overrides": [],
        }
        locked.save(update_fields=["status", "closed_at", "result", "updated_at"])
        chosen = [line for line in lines if line.selected and quorate]
        ids = list(costs_of(locked))
        if quorate:
            Project.objects.filter(pk__in=ids).update(phase=Phase.NOT_SELECTED)
            Project.objects.filter(pk__in=[c.project_id for c in chosen]).update(
                phase=Phase.SELECTED
            )
            FundEntry.objects.bulk_create(
                [
                    FundEntry(
                        fund=fund,
                        project_id=c.project_id,
                        kind=EntryKind.COMMITMENT,
                        amount=c.cost,
                        note=str(locked),
                    )
                    for c in chosen
                ]
            )
        else:
            Project.objects.filter(pk__in=ids).update(phase=Phase.DELIBERATION)
        log_action(
            actor=actor,
            action="vote.close",
            obj=locked,
            changes={
                "turnout": turnout,
                "quorate": quorate,
                "chosen": [c.project_id for c in chosen],
            },
        )
    return locked


def costs_of(vote: Vote) -> dict[int, Decimal]:
    return {int(k): Decimal(v) for k, v in vote.frozen.get("costs", {}).items()}


def override_result(
    *, actor: Any, vote: Vote, project: Project, selected: bool, reason: str
) -> Vote:
    """Staff choose (or drop) a project against the count, with a recorded reason."""
    reason = reason.strip()
    if not reason:
        raise ServiceError(_("Give the reason for overriding the vote."), field="reason")
    with transaction.atomic():
        locked = Vote.objects.select_for_update().get(pk=vote.pk)
        fund = Fund.objects.select_for_update().get(pk=locked.fund_id)
        if locked.status != VoteStatus.CLOSED:
            raise ServiceError(_("Only a closed vote's result can be overridden."))
        costs = costs_of(locked)
        target = Project.objects.select_for_update().get(pk=project.pk)
        if target.pk not in costs:
            raise ServiceError(_("This project did not stand in this vote."))
        if selected:
            if target.phase != Phase.NOT_SELECTED:
                raise ServiceError(_("This project is chosen already."))
            if costs[target.pk] > balance(fund).free:
                raise ServiceError(_("The fund has not that much free."))
            FundEntry.objects.create(
                fund=fund,
                project=target,
                kind=EntryKind.COMMITMENT,
                amount=costs[target.pk],
                note=reason,
                created_by=acting_user(actor),
            )
            target.phase = Phase.SELECTED
        else:
            if target.phase != Phase.SELECTED:
                raise ServiceError(_("Only a chosen project that has not started can be dropped."))
            committed, paid = ledger_of(target)
            if paid:
                raise ServiceError(_("Money has been paid for this project: it cannot be dropped."))
            if committed:
                FundEntry.objects.create(
                    fund=fund,
                    project=target,
                    kind=EntryKind.RELEASE,
                    amount=committed,
                    note=reason,
                    created_by=acting_user(actor),
                )
            target.phase = Phase.NOT_SELECTED
        target.save(update_fields=["phase", "updated_at"])
        locked.result["overrides"].append(
            {"project": target.pk, "selected": selected, "reason": reason}
        )
        locked.save(update_fields=["result", "updated_at"])
        log_action(
            actor=actor,
            action="vote.override",
            obj=locked,
            changes={"project": target.pk, "selected": selected, "reason": reason},
        )
    return locked


def pabulib(vote: Vote) -> str:
    """The closed vote in Pabulib's text format (pabulib.org), for participatory-budgeting
    tools: META, PROJECTS, VOTES sections, semicolon-separated. Voters are numbered, never named.
    """
    costs = costs_of(vote)
    lines = tally(vote) if vote.frozen else []
    selected = {int(x["project"]) for x in vote.result.get("lines", []) if x["selected"]}
    for o in vote.result.get("overrides", []):
        (selected.add if o["selected"] else selected.discard)(int(o["project"]))
    ballots = Ballot.objects.filter(vote=vote).order_by("receipt").prefetch_related("choices")
    out = [
        "META",
        "key;value",
        f"description;{_clean(vote.title)}",
        "country;China",
        f"unit;{_clean(vote.community.name if vote.community_id else '')}",
        f"instance;{vote.fund.year}",
        f"num_projects;{len(costs)}",
        f"num_votes;{vote.ballots.count()}",
        f"budget;{vote.frozen.get('budget', '')}",
        f"vote_type;{'approval'}",
        "rule;greedy",
        f"max_length;{vote.max_choices or len(costs)}",
        "PROJECTS",
        "project_id;cost;votes;name;selected",
    ]
    for line in sorted(lines, key=lambda x: x.project_id):
        out.append(
            f"{line.project_id};{line.cost:f};{line.votes};{_clean(line.title)};"
            f"{1 if line.project_id in selected else 0}"
        )
    out += ["VOTES", "voter_id;vote;weight"]
    for i, ballot in enumerate(ballots, start=1):
        chosen = ",".join(
            str(c.project_id) for c in sorted(ballot.choices.all(), key=lambda c: c.project_id)
        )
        out.append(f"{i};{chosen};{ballot.weight}")
    return "\n".join(out) + "\n"


# Control characters (\r, \n, tabs, …) and Unicode's line and paragraph separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def _clean(text: str) -> str:
    """One field of a Pabulib line: no separator, no control character, no line break."""
    return _CONTROL.sub(" ", text.replace(";", "，")).strip()
