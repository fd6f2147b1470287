"""Co-building's writes: the three lists.

Needs come from demands (one at a time, or every demand of a category a `NeedRule` marks as a
need in an area), from meetings' follow-ups, or are entered directly; each has an exclusive
window (`exclusive_until`) during which only the community's paired partners may claim it.
Partners offer resources. A partner claims a need (the need row is locked first, backed by the
one-live-claim constraint), and a claim ends in a delivery, which meets the need and writes a
line of the contributions ledger (against a project of the community, when it paid for one).
"""

import time
import uuid
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from genxi.accounts import scoping
from genxi.accounts.models import STAFF_ROLES
from genxi.cobuilding.models import (
    NEED_CLAIM_MACHINE,
    NEED_MACHINE,
    Agreement,
    Attachment,
    Claim,
    Contribution,
    ContributionKind,
    Delivery,
    Need,
    NeedClaimStatus,
    NeedRule,
    NeedSource,
    NeedStatus,
    RegistrationStatus,
    Resource,
    ResourceKind,
    Settings,
    UnitRegistration,
)
from genxi.cobuilding.uploads import clean_document
from genxi.core.audit import Actor, acting_user, log_action
from genxi.core.paths import path_ids, path_range_q
from genxi.core.services import (
    UNSET,
    ServiceError,
    create_object,
    given,
    update_object,
)
from genxi.demands.models import Category, Demand
from genxi.demands.models import Status as DemandStatus
from genxi.places.models import Area, AreaKind, Partner
from genxi.projects.models import Project

DEFAULT_EXCLUSIVE_DAYS = 7
# Demands that are over (or not this community's any more) do not become needs.
DEMAND_NOT_A_NEED = [
    DemandStatus.CLOSED,
    DemandStatus.REFERRED,
    DemandStatus.WITHDRAWN,
    DemandStatus.MERGED,
]
MAX_FILES = 9


def _locking() -> bool:
    return bool(getattr(settings, "GENXI_COBUILDING_LOCKING", True))


# ---------------------------------------------------------------------------- settings


def exclusive_days(community: Area) -> int:
    """The exclusive window of a community's needs: the nearest `Settings` up its path."""
    ids = path_ids(community.path)
    found = dict(Settings.objects.filter(area_id__in=ids).values_list("area_id", "exclusive_days"))
    for pk in reversed(ids):
        if pk in found:
            return int(found[pk])
    return DEFAULT_EXCLUSIVE_DAYS


def save_settings(*, actor: Actor, area: Area, exclusive_days: int) -> Settings:
    """A street's (or community's) exclusive window for new needs, in days (0 to 90)."""
    if not 0 <= exclusive_days <= 90:
        raise ServiceError(
            _("Give a number of days from 0 to 90."), field="exclusive_days", code="days"
        )
    with transaction.atomic():
        row, created = Settings.objects.select_for_update().get_or_create(
            area=area, defaults={"exclusive_days": exclusive_days}
        )
        old = row.exclusive_days
        if not created and old != exclusive_days:
            row.exclusive_days = exclusive_days
            row.save(update_fields=["exclusive_days"])
        log_action(
            actor=actor,
            action="settings.update",
            obj=row,
            changes={"exclusive_days": [None if created else old, exclusive_days]},
        )
    return row


# ---------------------------------------------------------------------------- needs


def _check_need(
    community: Area,
    area: Area | None,
    amount: Decimal | None,
    wanted_from: date | None,
    wanted_by: date | None,
) -> None:
    if community.kind != AreaKind.COMMUNITY:
        raise ServiceError(_("Choose a community."), field="community", code="community")
    if area is not None and not area.path.startswith(community.path):
        raise ServiceError(
            _("Choose a place inside the community, or leave it empty."), field="area", code="area"
        )
    if amount is not None and amount < 0:
        raise ServiceError(
            _("An amount cannot be negative. Enter 0 or more."), field="amount", code="negative"
        )
    if wanted_from and wanted_by and wanted_by < wanted_from:
        raise ServiceError(
            _("“Wanted by” comes before “wanted from”. Swap the dates."),
            field="wanted_by",
            code="dates",
        )


def create_need(
    *,
    actor: Actor,
    community: Area,
    title: str,
    description: str = "",
    category: Category | None = None,
    area: Area | None = None,
    quantity: str = "",
    amount: Decimal | None = None,
    wanted_from: date | None = None,
    wanted_by: date | None = None,
    source: str = NeedSource.DIRECT,
    demand: Demand | None = None,
    follow_up: Any = None,
    token: uuid.UUID | None = None,
) -> Need:
    """A need of `community`; only its paired partners may claim it for the first
    `exclusive_days` (from the community's or street's settings)."""
    _check_need(community, area, amount, wanted_from, wanted_by)
    title = title.strip()
    if not title:
        raise ServiceError(_("Say what is needed."), field="title", code="title")
    until = timezone.now() + timedelta(days=exclusive_days(community))
    return create_object(
        actor=actor,
        model=Need,
        fields={
            "community": community,
            "area": area,
            "title": title[:100],
            "description": description,
            "category": category,
            "quantity": quantity,
            "amount": amount,
            "wanted_from": wanted_from,
            "wanted_by": wanted_by,
            "source": source,
            "demand": demand,
            "follow_up": follow_up,
            "exclusive_until": until,
            "created_by": acting_user(actor),
        },
        token=token,
        unique_error=_("This is on the needs list already."),
    )


def need_from_demand(*, actor: Actor, demand: Demand) -> Need:
    """Put a demand on the needs list (once: a second time gives the same need)."""
    existing = Need.objects.filter(demand=demand).first()
    if existing is not None:
        return existing
    if demand.status in DEMAND_NOT_A_NEED or demand.community_id is None:
        raise ServiceError(
            _("This demand is over or not a community's; it cannot become a need."),
            code="demand_over",
        )
    area = demand.area if demand.area_id else None
    if area is not None and not area.path.startswith(demand.community.path):
        area = None
    return create_need(
        actor=actor,
        community=demand.community,
        area=area,
        title=demand.title,
        description=demand.description,
        category=demand.category,
        source=NeedSource.DEMAND,
        demand=demand,
    )


def need_from_follow_up(*, actor: Actor, follow_up: Any) -> Need:
    """Put a meeting's follow-up action on the needs list (once)."""
    existing = Need.objects.filter(follow_up=follow_up).first()
    if existing is not None:
        return existing
    meeting = follow_up.meeting
    return create_need(
        actor=actor,
        community=meeting.community,
        title=follow_up.title,
        description=_("From the meeting “%(topic)s”; owner %(owner)s.")
        % {"topic": meeting.topic, "owner": follow_up.owner},
        wanted_by=follow_up.due,
        source=NeedSource.FOLLOW_UP,
        follow_up=follow_up,
    )


def add_need_rule(*, actor: Actor, area: Area, category: Category) -> NeedRule:
    """Mark a category as a need in an area: its demands there become needs."""
    return create_object(
        actor=actor,
        model=NeedRule,
        fields={"area": area, "category": category},
        unique_error=_("This category is a need here already."),
    )


def remove_need_rule(*, actor: Actor, rule: NeedRule) -> None:
    with transaction.atomic():
        log_action(actor=actor, action="needrule.delete", obj=rule)
        rule.delete()


def collect_needs(*, actor: Actor, area: Area) -> int:
    """Make a need of every live demand under `area` whose category a rule (at or above the
    demand's community) marks as a need, once per demand; returns how many were made."""
    rules = list(NeedRule.objects.select_related("area"))
    made = 0
    for rule in rules:
        # The rule's area and the given area overlap: the narrower one bounds the demands.
        if area.path.startswith(rule.area.path):
            bound = area.path
        elif rule.area.path.startswith(area.path):
            bound = rule.area.path
        else:
            continue
        demands = (
            Demand.objects.filter(path_range_q("community__path", [bound]))
            .filter(category__in=_category_and_below(rule.category_id))
            .exclude(status__in=DEMAND_NOT_A_NEED)
            .filter(need__isnull=True)
            .select_related("community", "area", "category")
            .order_by("id")
        )
        for demand in demands.iterator(500):
            need_from_demand(actor=actor, demand=demand)
            made += 1
    return made


def _category_and_below(category_id: int) -> list[int]:
    """The category and its subcategories (the tree is shallow: a few levels)."""
    ids = [category_id]
    frontier = [category_id]
    while frontier:
        frontier = list(
            Category.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
        )
        ids.extend(frontier)
    return ids


def close_need(*, actor: Actor, need: Need) -> Need:
    """Take a need off the list (it was met some other way, or is not wanted any more)."""
    with transaction.atomic():
        locked = NEED_MACHINE.lock(need.pk)
        if Claim.objects.filter(need=locked, status=NeedClaimStatus.CLAIMED).exists():
            raise ServiceError(
                _("A partner has claimed this need. Ask them to withdraw the claim first."),
                code="claimed",
            )
        NEED_MACHINE.move(locked, NeedStatus.CLOSED)
        log_action(actor=actor, action="need.close", obj=locked)
    return locked


def reopen_need(*, actor: Actor, need: Need) -> Need:
    with transaction.atomic():
        locked = NEED_MACHINE.lock(need.pk)
        NEED_MACHINE.move(locked, NeedStatus.OPEN)
        log_action(actor=actor, action="need.reopen", obj=locked)
    return locked


# ---------------------------------------------------------------------------- resources


def may_act_for(user: Any, partner: Partner) -> bool:
    """A handler of the partner, or staff of an area that sees the partner (or the system: the
    demo loader, a command)."""
    if user is None:
        return True
    if partner.pk in scoping.partner_ids(user):
        return True
    if not scoping.has_role(user, *STAFF_ROLES):
        return False
    staff_paths = scoping.scope_paths(user, STAFF_ROLES)
    if scoping.is_superuser(user):
        return True
    # The partner is registered in the staff's area, or above it (a street's unit serves all).
    return any(
        partner.area.path.startswith(p) or p.startswith(partner.area.path) for p in staff_paths
    )


def resource_areas(user: Any) -> Any:
    """The areas a user may have a resource reach: their partner units' areas and below, and
    the areas they staff (not grids)."""
    own = Partner.objects.filter(pk__in=scoping.partner_ids(user)).values_list(
        "area__path", flat=True
    )
    return (
        Area.objects.filter(
            path_range_q("path", list(own)) | Q(pk__in=Area.objects.staffed_by(user).values("pk"))
        )
        .exclude(kind=AreaKind.GRID)
        .order_by("path")
    )


def _check_area(actor: Actor, partner: Partner, area: Area | None) -> None:
    """A resource reaches the partner's own area or below, or an area the staff member staffs."""
    user = acting_user(actor)
    if area is None or user is None or area.path.startswith(partner.area.path):
        return
    if scoping.covers(user, area.path, STAFF_ROLES):
        return
    raise ServiceError(
        _(
            "A resource can reach only the unit's own area and what lies in it. Choose "
            "“%(area)s” or an area in it, or leave the area empty."
        )
        % {"area": partner.area},
        field="area",
        code="area",
    )


def _check_resource(
    partner: Partner,
    area: Area | None,
    amount: Decimal | None,
    available_from: date | None,
    available_until: date | None,
) -> None:
    if amount is not None and amount < 0:
        raise ServiceError(
            _("An amount cannot be negative. Enter 0 or more."), field="amount", code="negative"
        )
    if available_from and available_until and available_until < available_from:
        raise ServiceError(
            _("“Available until” comes before “available from”. Swap the dates."),
            field="available_until",
            code="dates",
        )
    if not partner.is_active:
        raise ServiceError(_("This partner unit is no longer active."), code="inactive")


def create_resource(
    *,
    actor: Actor,
    partner: Partner,
    kind: str,
    title: str,
    description: str = "",
    category: Category | None = None,
    quantity: str = "",
    amount: Decimal | None = None,
    when: str = "",
    available_from: date | None = None,
    available_until: date | None = None,
    audience: str = "",
    area: Area | None = None,
    token: uuid.UUID | None = None,
) -> Resource:
    """What a partner offers; it reaches `area` and below (the partner's own area if none)."""
    _check_resource(partner, area, amount, available_from, available_until)
    _check_area(actor, partner, area)
    where = area or partner.area
    return create_object(
        actor=actor,
        model=Resource,
        fields={
            "partner": partner,
            "kind": kind,
            "title": title.strip()[:100],
            "description": description,
            "category": category,
            "quantity": quantity,
            "amount": amount,
            "when": when,
            "available_from": available_from,
            "available_until": available_until,
            "audience": audience,
            "area": area,
            "area_path": where.path,
        },
        token=token,
    )


def update_resource(
    *,
    actor: Actor,
    resource: Resource,
    expected_updated_at: datetime | None = None,
    kind: Any = UNSET,
    title: Any = UNSET,
    description: Any = UNSET,
    category: Any = UNSET,
    quantity: Any = UNSET,
    amount: Any = UNSET,
    when: Any = UNSET,
    available_from: Any = UNSET,
    available_until: Any = UNSET,
    audience: Any = UNSET,
    area: Any = UNSET,
) -> Resource:
    fields = given(
        kind=kind,
        title=title,
        description=description,
        category=category,
        quantity=quantity,
        amount=amount,
        when=when,
        available_from=available_from,
        available_until=available_until,
        audience=audience,
        area=area,
    )
    merged = {
        name: fields.get(name, getattr(resource, name))
        for name in ("area", "amount", "available_from", "available_until")
    }
    _check_resource(
        resource.partner,
        merged["area"],
        merged["amount"],
        merged["available_from"],
        merged["available_until"],
    )
    if "area" in fields:
        _check_area(actor, resource.partner, fields["area"])
        fields["area_path"] = (fields["area"] or resource.partner.area).path
    update_object(
        actor=actor, instance=resource, fields=fields, expected_updated_at=expected_updated_at
    )
    return resource


def withdraw_resource(*, actor: Actor, resource: Resource) -> Resource:
    """The partner stops offering it (claims made with it keep it)."""
    update_object(actor=actor, instance=resource, fields={"is_active": False})
    return resource


# ---------------------------------------------------------------------------- claims


def paired_partner_ids(community: Area) -> set[int]:
    """Partner units in an agreement in force (`Agreement.objects.in_force`) with the community
    or an area above it (a street's agreement covers every community of the street): the same
    definition `Need.objects.claimable_by` reads."""
    return set(
        Agreement.objects.in_force()
        .filter(community_id__in=path_ids(community.path))
        .values_list("parties__partner_id", flat=True)
    ) - {None}


def serves(partner: Partner, community: Area) -> bool:
    """Whether the unit serves the community (as `Need.objects.claimable_by` says)."""
    if not partner.is_active:
        return False
    if community.path.startswith(partner.area.path):
        return True
    if UnitRegistration.objects.filter(
        partner=partner, community=community, status=RegistrationStatus.CONFIRMED
    ).exists():
        return True
    return partner.pk in paired_partner_ids(community)


def check_window(need: Need, partner: Partner, now: datetime | None = None) -> None:
    """During the exclusive window only the community's paired partners may claim."""
    now = now or timezone.now()
    if need.exclusive_until is None or now >= need.exclusive_until:
        return
    if partner.pk in paired_partner_ids(need.community):
        return
    opens = date_format(timezone.localtime(need.exclusive_until), "Y-m-d H:i")
    raise ServiceError(
        _(
            "Until %(when)s only the community's paired partners may claim this need. "
            "Your unit may claim it from %(when)s."
        )
        % {"when": opens},
        code="exclusive",
    )


def claim_need(
    *,
    actor: Actor,
    need: Need,
    partner: Partner,
    resource: Resource | None = None,
    note: str = "",
) -> Claim:
    """The partner claims the need (认领). The need row is locked before anything is read, so of
    two partners claiming at once one wins and the other is told the need is taken."""
    if not may_act_for(actor, partner):
        raise ServiceError(_("You cannot claim for this partner unit."), code="not_yours")
    if resource is not None and (resource.partner_id != partner.pk or not resource.is_active):
        raise ServiceError(
            _("Choose one of your unit's resources on offer, or none."),
            field="resource",
            code="resource",
        )
    with transaction.atomic():
        if _locking():
            locked = NEED_MACHINE.lock(need.pk)
        else:
            locked = Need.objects.get(pk=need.pk)
            delay = int(getattr(settings, "GENXI_COBUILDING_RACE_DELAY_MS", 0) or 0)
            if delay:
                time.sleep(delay / 1000)  # widen the race the lock closes (tests only)
        if locked.status != NeedStatus.OPEN:
            raise ServiceError(
                _("Another partner has claimed this need, or it is no longer open."),
                code="taken",
            )
        community = Area.objects.get(pk=locked.community_id)
        locked.community = community
        if not serves(partner, community):
            raise ServiceError(
                _("Your unit does not serve this community, so it cannot claim this need."),
                code="not_served",
            )
        check_window(locked, partner)
        claim = Claim.objects.create(
            need=locked,
            partner=partner,
            resource=resource,
            note=note[:200],
            claimed_by=acting_user(actor),
        )
        NEED_MACHINE.move(locked, NeedStatus.CLAIMED)
        log_action(
            actor=actor,
            action="claim.create",
            obj=claim,
            changes={
                "need": locked.pk,
                "partner": partner.pk,
                "resource": resource and resource.pk,
            },
        )
    return claim


def withdraw_claim(*, actor: Actor, claim: Claim) -> Claim:
    """The partner gives the need back: it is open again (to every partner, if its window has
    passed)."""
    if not may_act_for(actor, claim.partner) and not _staffs(actor, claim.need):
        raise ServiceError(_("You cannot withdraw this claim."), code="not_yours")
    with transaction.atomic():
        need = NEED_MACHINE.lock(claim.need_id)
        locked = NEED_CLAIM_MACHINE.lock(claim.pk)
        if locked.status != NeedClaimStatus.CLAIMED:
            raise ServiceError(
                _("Only a claim not yet delivered can be withdrawn."), code="not_claimed"
            )
        NEED_CLAIM_MACHINE.move(locked, NeedClaimStatus.WITHDRAWN)
        NEED_MACHINE.move(need, NeedStatus.OPEN)
        claim.status = locked.status
        log_action(actor=actor, action="claim.withdraw", obj=claim)
    return claim


def _staffs(user: Any, need: Need) -> bool:
    return scoping.covers(user, need.community.path, STAFF_ROLES)


def record_delivery(
    *,
    actor: Actor,
    claim: Claim,
    what: str,
    delivered_on: date,
    hours: Decimal | None = None,
    amount: Decimal | None = None,
    kind: str = "",
    project: Any = None,
    files: Iterable[Any] = (),
) -> Delivery:
    """What the claim delivered, when, with evidence (PDFs or photos): the need is met, and a
    line goes on the contributions ledger (against `project`, a project of the community)."""
    if not may_act_for(actor, claim.partner) and not _staffs(actor, claim.need):
        raise ServiceError(_("You cannot record this delivery."), code="not_yours")
    for name, value in (("hours", hours), ("amount", amount)):
        if value is not None and value < 0:
            raise ServiceError(
                _("Hours and amounts cannot be negative. Enter 0 or more."),
                field=name,
                code="negative",
            )
    what = what.strip()
    if not what:
        raise ServiceError(_("Say what was delivered."), field="what", code="what")
    if delivered_on > timezone.localdate():
        raise ServiceError(
            _("A delivery cannot be dated in the future."), field="delivered_on", code="future"
        )
    if project is not None and project.community_id != claim.need.community_id:
        raise ServiceError(
            _("Choose a project of the need's community."), field="project", code="project"
        )
    if (
        project is not None
        and not delivery_projects(actor, claim.need.community).filter(pk=project.pk).exists()
    ):
        raise ServiceError(
            _(
                "You can book a delivery only against a project you may open: for a partner "
                "unit, one it implements. Choose another project, or none."
            ),
            field="project",
            code="project",
        )
    files = list(files)
    if len(files) > MAX_FILES:
        raise ServiceError(
            _("Attach at most %(n)s files.") % {"n": MAX_FILES}, field="files", code="files"
        )
    # Every file is checked before anything is written.
    documents = [clean_document(f) for f in files]
    kind = kind or _kind_for(claim, hours, amount)
    saved: list[str] = []  # files written so far: deleted again if the transaction fails
    try:
        with transaction.atomic():
            need = NEED_MACHINE.lock(claim.need_id)
            locked = NEED_CLAIM_MACHINE.lock(claim.pk)
            if locked.status != NeedClaimStatus.CLAIMED:
                raise ServiceError(
                    _("This claim was withdrawn or delivered already."), code="not_claimed"
                )
            NEED_CLAIM_MACHINE.move(locked, NeedClaimStatus.DELIVERED)
            delivery = Delivery.objects.create(
                claim=claim,
                what=what,
                delivered_on=delivered_on,
                hours=hours,
                amount=amount,
                recorded_by=acting_user(actor),
            )
            for doc in documents:
                attachment = Attachment(delivery=delivery, name=doc.name, is_pdf=doc.is_pdf)
                attachment.file.save(
                    doc.name if doc.is_pdf else "photo.jpg", doc.content, save=False
                )
                saved.append(attachment.file.name)
                attachment.save()
            NEED_MACHINE.move(need, NeedStatus.MET, met_at=timezone.now())
            contribution = Contribution.objects.create(
                partner_id=claim.partner_id,
                community_id=need.community_id,
                kind=kind,
                description=f"{need.title}：{what}"[:200],
                on=delivered_on,
                hours=hours,
                amount=amount,
                project=project,
                delivery=delivery,
                recorded_by=acting_user(actor),
            )
            claim.status = NeedClaimStatus.DELIVERED
            log_action(
                actor=actor,
                action="delivery.create",
                obj=delivery,
                changes={
                    "claim": claim.pk,
                    "hours": str(hours) if hours is not None else None,
                    "amount": str(amount) if amount is not None else None,
                    "contribution": contribution.pk,
                    "project": project.pk if project is not None else None,
                    "files": len(documents),
                },
            )
    except BaseException:
        storage = Attachment._meta.get_field("file").storage
        for name in saved:
            storage.delete(name)
        raise
    return delivery


def delivery_projects(user: Any, community: Area) -> Any:
    """The projects a delivery for `community` may be booked against: those of the community
    the user may open (`Project.objects.visible_to`: for a partner unit's handler, the projects
    it implements); any of the community's for the system."""
    projects = Project.objects.filter(community=community)
    user = acting_user(user)
    return projects if user is None else projects.filter(pk__in=Project.objects.visible_to(user))


def _kind_for(claim: Claim, hours: Decimal | None, amount: Decimal | None) -> str:
    resource_kind = claim.resource.kind if claim.resource_id and claim.resource else ""
    if resource_kind == ResourceKind.MONEY or (amount and not hours and not resource_kind):
        return ContributionKind.MONEY
    if resource_kind == ResourceKind.GOODS:
        return ContributionKind.GOODS
    if hours and not amount:
        return ContributionKind.HOURS
    return ContributionKind.SERVICE


# ---------------------------------------------------------------------------- contributions


def record_contribution(
    *,
    actor: Actor,
    partner: Partner,
    community: Area,
    kind: str,
    description: str,
    on: date,
    hours: Decimal | None = None,
    amount: Decimal | None = None,
    project: Any = None,
    token: uuid.UUID | None = None,
) -> Contribution:
    """A line of the ledger entered by staff (given outside a claim)."""
    for name, value in (("hours", hours), ("amount", amount)):
        if value is not None and value < 0:
            raise ServiceError(
                _("Hours and amounts cannot be negative. Enter 0 or more."),
                field=name,
                code="negative",
            )
    if community.kind != AreaKind.COMMUNITY:
        raise ServiceError(_("Choose a community."), field="community", code="community")
    if project is not None and project.community_id != community.pk:
        raise ServiceError(
            _("Choose a project of that community."), field="project", code="project"
        )
    if kind == ContributionKind.MONEY and not amount:
        raise ServiceError(_("Enter the amount given."), field="amount", code="amount")
    if kind == ContributionKind.HOURS and not hours:
        raise ServiceError(_("Enter the hours given."), field="hours", code="hours")
    return create_object(
        actor=actor,
        model=Contribution,
        fields={
            "partner": partner,
            "community": community,
            "kind": kind,
            "description": description.strip()[:200],
            "on": on,
            "hours": hours,
            "amount": amount,
            "project": project,
            "recorded_by": acting_user(actor),
        },
        token=token,
    )
