"""Writes to service projects: drafting and editing a candidate, the steps staff take by hand,
its milestones, its acceptance and its photos.

A project's row is locked (`PROJECT_PHASES.lock`) before its phase is checked and moved.
"""

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from genxi.core.audit import Actor, acting_user, log_action
from genxi.core.money import money
from genxi.core.services import ServiceError, create_object, update_object
from genxi.demands.models import Category, Demand
from genxi.places.models import Area, AreaKind, Partner
from genxi.projects.models import (
    PROJECT_PHASES,
    STAFF_STEPS,
    Acceptance,
    Fund,
    Milestone,
    Phase,
    Project,
    ProjectPhoto,
)


def propose_project(
    *,
    actor: Actor,
    fund: Fund,
    title: str,
    cost: Decimal,
    description: str = "",
    category: Category | None = None,
    demands: Iterable[Demand] = (),
    micro_renovation: bool = False,
    compound: Area | None = None,
    token: uuid.UUID | None = None,
) -> Project:
    """A candidate project, drafted (by the party members' meeting) with its cost estimate.

    A micro-renovation (微改造) names the residential compound of the community it renovates."""
    _check_project(fund, cost, category)
    demands = list(demands)
    if any(d.community_id != fund.community_id for d in demands):
        raise ServiceError(_("Link only demands of this community."), field="demands")
    if compound is not None and (
        compound.kind != AreaKind.COMPOUND or compound.parent_id != fund.community_id
    ):
        raise ServiceError(_("Choose a compound of this community."), field="compound")
    if micro_renovation and compound is None:
        raise ServiceError(_("Name the compound a micro-renovation renovates."), field="compound")
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
            "micro_renovation": micro_renovation,
            "compound": compound,
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


def take_up(*, projects: Iterable[Project]) -> int:
    """Candidates a meeting discusses: those still being drafted move on to deliberation.

    Compare-and-set on the phase (a project that moved on meanwhile stays where it is); the
    caller's transaction and audit entry cover it (meetings.services.convene)."""
    return Project.objects.filter(pk__in=[p.pk for p in projects], phase=Phase.DRAFTING).update(
        phase=Phase.DELIBERATION
    )


def update_project(
    *,
    actor: Actor,
    project: Project,
    title: str,
    cost: Decimal,
    description: str = "",
    expected_updated_at: datetime | None = None,
) -> Project:
    """Edit a draft; refused once it is being voted on (its cost is what electors saw)."""
    with transaction.atomic():
        locked = PROJECT_PHASES.lock(project)
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
    *, actor: Actor, project: Project, to: str, implementer: Partner | None = None
) -> Project:
    """One step of a project's life that staff take by hand (PHASE_STEPS)."""
    with transaction.atomic():
        locked = PROJECT_PHASES.lock(project)
        STAFF_STEPS.check(locked.phase, to)
        if to == Phase.EXECUTION:
            if implementer is None and locked.implementer_id is None:
                raise ServiceError(_("Choose who implements it."), field="implementer")
            old = PROJECT_PHASES.move(locked, to, implementer=implementer or locked.implementer)
        else:
            old = PROJECT_PHASES.move(locked, to)
        log_action(actor=actor, action="project.phase", obj=locked, changes={"phase": [old, to]})
    project.refresh_from_db()
    return project


def add_milestone(*, actor: Actor, project: Project, title: str, due: date) -> Milestone:
    with transaction.atomic():
        locked = PROJECT_PHASES.lock(project)
        if locked.phase not in (Phase.SELECTED, Phase.EXECUTION):
            raise ServiceError(_("Milestones are planned for a chosen project, before acceptance."))
        milestone = Milestone.objects.create(project=locked, title=title, due=due)
        log_action(actor=actor, action="project.milestone", obj=project, changes={"title": title})
    return milestone


def finish_milestone(*, actor: Actor, milestone: Milestone, on: date | None = None) -> Milestone:
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


def accept_project(
    *,
    actor: Actor,
    project: Project,
    accepted_on: date,
    satisfied: int = 0,
    basically: int = 0,
    unsatisfied: int = 0,
    note: str = "",
) -> Acceptance:
    """验收: a project in execution, its milestones all done, accepted with the residents'
    evaluation."""
    with transaction.atomic():
        locked = PROJECT_PHASES.lock(project)
        if not PROJECT_PHASES.can(locked.phase, Phase.ACCEPTED):
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
        PROJECT_PHASES.move(locked, Phase.ACCEPTED)
        log_action(
            actor=actor,
            action="project.accept",
            obj=locked,
            changes={"satisfied": satisfied, "basically": basically, "unsatisfied": unsatisfied},
        )
    project.refresh_from_db()
    return acceptance


def add_photos(*, actor: Actor, project: Project, photos: Sequence[Any], caption: str = "") -> int:
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
