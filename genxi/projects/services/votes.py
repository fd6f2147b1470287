"""Writes to votes: creating one with its electorate, opening it, ballots, closing and counting
it, and overriding its result.

A ballot locks its vote's row (`VOTE_STATUSES.lock`), so nothing is counted once the vote
closes, and the electorate and limits it checks cannot change under it; opening and closing
lock the fund too, as they give its money away. The database backs both: one `Participation`
per elector, one paper ballot number per vote.
"""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from genxi.accounts.models import User
from genxi.core.audit import Actor, acting_user, log_action
from genxi.core.money import money
from genxi.core.services import ServiceError, create_object
from genxi.projects.figures import TIE_RULE, balance, costs_of, ledger_of, tally
from genxi.projects.models import (
    PROJECT_PHASES,
    VOTE_STATUSES,
    Ballot,
    BallotChoice,
    Channel,
    Elector,
    EntryKind,
    Fund,
    FundEntry,
    Method,
    Participation,
    Phase,
    Project,
    Vote,
    VoteStatus,
)


def create_vote(
    *,
    actor: Actor,
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
    *, actor: Actor, vote: Vote, electors: Iterable[tuple[str, str, int, User | None]]
) -> list[Elector]:
    """Names (name, kind, weight, user or None) on the electorate, before the vote opens."""
    with transaction.atomic():
        locked = VOTE_STATUSES.lock(vote)
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


def open_vote(*, actor: Actor, vote: Vote) -> Vote:
    """Open the vote: its rules, the fund's rules and the candidates' costs freeze."""
    with transaction.atomic():
        locked = VOTE_STATUSES.lock(vote)
        fund = Fund.objects.select_for_update().get(pk=locked.fund_id)
        if not VOTE_STATUSES.can(locked.status, VoteStatus.OPEN):
            raise ServiceError(_("This vote has opened already."))
        projects = list(locked.projects.select_for_update().order_by("pk"))
        if not projects:
            raise ServiceError(_("Add the candidate projects first."))
        if not locked.electors.exists():
            raise ServiceError(_("Add the electors first."))
        if any(not PROJECT_PHASES.can(p.phase, Phase.VOTING) for p in projects):
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
        frozen = {
            "budget": str(budget),
            "max_choices": locked.max_choices,
            "method": locked.method,
            "quorum": locked.quorum,
            "costs": {str(p.pk): str(p.cost) for p in projects},
            "electors": locked.electors.count(),
        }
        VOTE_STATUSES.move(locked, VoteStatus.OPEN, opened_at=now, budget=budget, frozen=frozen)
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
    actor: Actor,
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
        locked = VOTE_STATUSES.lock(vote)
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


def close_vote(*, actor: Actor, vote: Vote) -> Vote:
    """Close the vote, count it, and move the candidates on: the winners chosen (their cost
    committed from the fund), the others not. Without a quorum nobody is chosen and the
    candidates go back to deliberation."""
    with transaction.atomic():
        locked = VOTE_STATUSES.lock(vote)
        fund = Fund.objects.select_for_update().get(pk=locked.fund_id)
        if not VOTE_STATUSES.can(locked.status, VoteStatus.CLOSED):
            raise ServiceError(_("Only an open vote can be closed."))
        turnout = Participation.objects.filter(vote=locked).count()
        # Never more than is free now: an override elsewhere may have bound money since opening.
        lines = tally(locked, budget=balance(fund).free)
        quorate = turnout >= locked.quorum
        result = {
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
        VOTE_STATUSES.move(locked, VoteStatus.CLOSED, closed_at=timezone.now(), result=result)
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


def override_result(
    *, actor: Actor, vote: Vote, project: Project, selected: bool, reason: str
) -> Vote:
    """Staff choose (or drop) a project against the count, with a recorded reason."""
    reason = reason.strip()
    if not reason:
        raise ServiceError(_("Give the reason for overriding the vote."), field="reason")
    with transaction.atomic():
        locked = VOTE_STATUSES.lock(vote)
        fund = Fund.objects.select_for_update().get(pk=locked.fund_id)
        if locked.status != VoteStatus.CLOSED:
            raise ServiceError(_("Only a closed vote's result can be overridden."))
        costs = costs_of(locked)
        target = PROJECT_PHASES.lock(project)
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
            PROJECT_PHASES.move(target, Phase.SELECTED)
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
            PROJECT_PHASES.move(target, Phase.NOT_SELECTED)
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
