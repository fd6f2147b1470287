"""Co-building's writes: 双报到. Units and in-service party members register with a community
(staff confirm, refuse or end each registration through its machine), the community publishes
posts and tasks, confirmed members claim them, and their service hours are recorded: from a
claim marked done, entered by staff, or from the volunteer shifts they checked out of at
activities (`sync_shift_hours`, idempotent: one row per shift).

A post's places are scarce: `claim_post` locks the post row before counting its live claims,
and the unique (post, place) over live claims backs the lock. `GENXI_COBUILDING_LOCKING =
False` skips the lock only so that the concurrency test can show what goes wrong without it
(`GENXI_COBUILDING_RACE_DELAY_MS` then widens the gap between counting and writing).
"""

import time
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from genxi.accounts import scoping
from genxi.accounts.models import STAFF_ROLES, Role, User
from genxi.activities.models import VolunteerShift
from genxi.cobuilding.models import (
    LIVE_REGISTRATION,
    MEMBER_MACHINE,
    POST_CLAIM_MACHINE,
    UNIT_MACHINE,
    ClaimStatus,
    HoursSource,
    MemberRegistration,
    Post,
    PostClaim,
    PostKind,
    RegistrationStatus,
    ServiceHours,
    UnitRegistration,
)
from genxi.core.audit import Actor, acting_user, log_action
from genxi.core.notify import notify
from genxi.core.services import ServiceError, create_object
from genxi.places.models import Area, AreaKind, Partner, Resident

MAX_HOURS = Decimal(24)
LIVE_CLAIM = [ClaimStatus.CLAIMED, ClaimStatus.DONE]


def locking() -> bool:
    return bool(getattr(settings, "GENXI_COBUILDING_LOCKING", True))


def staffs_community(actor: Actor, community: Area) -> bool:
    """Whether the actor is staff of the community (or of the street above it)."""
    user = acting_user(actor)
    if user is None:
        return actor is None  # the system (demo loader, commands) acts as staff
    return scoping.covers(user, community.path, STAFF_ROLES)


def _check_community(community: Area) -> None:
    if community.kind != AreaKind.COMMUNITY:
        raise ServiceError(_("Choose a community."), field="community")


def _check_hours(hours: Decimal | None) -> Decimal:
    if hours is None or hours <= 0 or hours > MAX_HOURS:
        raise ServiceError(
            _("Enter the hours served: more than 0 and at most 24 in a day."), field="hours"
        )
    return hours


# ---------------------------------------------------------------------------------------------
# 单位报到: units


def register_unit(
    *,
    actor: Actor,
    partner: Partner,
    community: Area,
    contact_name: str = "",
    contact_phone: str = "",
    offers: str = "",
    token: uuid.UUID | None = None,
) -> UnitRegistration:
    """A unit reports to a community. Registered by the community's staff it is confirmed at
    once; registered by the unit's own handler it waits for staff to confirm it."""
    _check_community(community)
    if not partner.is_active:
        raise ServiceError(_("This unit is no longer active."), field="partner")
    by_staff = staffs_community(actor, community)
    live = UnitRegistration.objects.filter(
        partner=partner, community=community, status__in=LIVE_REGISTRATION
    ).first()
    duplicate = _("%(unit)s has already reported to %(community)s (%(status)s).")
    if live is not None:
        raise ServiceError(
            duplicate
            % {
                "unit": partner.name,
                "community": community.name,
                "status": live.get_status_display(),
            },
            field="partner",
            code="duplicate",
        )
    fields: dict[str, Any] = {
        "partner": partner,
        "community": community,
        "contact_name": contact_name.strip(),
        "contact_phone": contact_phone.strip(),
        "offers": offers.strip(),
    }
    if by_staff:
        fields.update(status=RegistrationStatus.CONFIRMED, confirmed_at=timezone.now())
    return create_object(
        actor=actor,
        model=UnitRegistration,
        fields=fields,
        token=token,
        unique_error=_("This unit has already reported to this community."),
    )


def _move_unit(actor: Actor, registration: UnitRegistration, to: str, **values: Any) -> None:
    with transaction.atomic():
        locked = UNIT_MACHINE.lock(registration.pk)
        old = UNIT_MACHINE.move(locked, to, **values)
        log_action(
            actor=actor,
            action=f"unitregistration.{to}",
            obj=locked,
            changes={"status": [old, to]},
        )
        if old == RegistrationStatus.PENDING:
            # The unit's handlers hear whether its own report was taken.
            handlers = User.objects.filter(
                is_active=True,
                memberships__role=Role.PARTNER,
                memberships__partner=locked.partner_id,
            ).distinct()
            notify(
                users=list(handlers),
                title=_("%(unit)s's report to %(community)s: %(status)s")
                % {
                    "unit": registration.partner.name,
                    "community": registration.community.name,
                    "status": locked.get_status_display(),
                },
            )
    registration.status = to
    for name, value in values.items():
        setattr(registration, name, value)


def confirm_unit(*, actor: Actor, registration: UnitRegistration) -> None:
    _move_unit(actor, registration, RegistrationStatus.CONFIRMED, confirmed_at=timezone.now())


def refuse_unit(*, actor: Actor, registration: UnitRegistration) -> None:
    _move_unit(actor, registration, RegistrationStatus.REFUSED)


def end_unit(*, actor: Actor, registration: UnitRegistration) -> None:
    _move_unit(actor, registration, RegistrationStatus.ENDED)


# ---------------------------------------------------------------------------------------------
# 在职党员报到: members


def serving_partners(communities: Any) -> Any:
    """The active units a member of any of `communities` may name as their work unit: those
    serving the community (registered with it, a compound of it, or its street, district or
    city: `Partner.objects.serving`) and those whose 单位报到 to it is confirmed."""
    q = Q(pk__in=[])
    for community in communities:
        q |= Q(pk__in=Partner.objects.serving(community).values("pk"))
        q |= Q(pk__in=reported_units(community))
    return Partner.objects.filter(q, is_active=True).order_by("name")


def reported_units(community: Area) -> Any:
    return UnitRegistration.objects.filter(
        community=community, status=RegistrationStatus.CONFIRMED
    ).values("partner_id")


def works_with(partner: Partner, community: Area) -> bool:
    """Whether a member of `community` may name `partner` as their work unit."""
    return (
        Partner.objects.serving(community).filter(pk=partner.pk).exists()
        or reported_units(community).filter(partner=partner).exists()
    )


def register_member(
    *,
    actor: Actor,
    community: Area,
    name: str,
    phone: str,
    branch: str,
    partner: Partner | None = None,
    unit_name: str = "",
    skills: str = "",
    available: str = "",
    user: Any = None,
    resident: Resident | None = None,
    confirm: bool | None = None,
    token: uuid.UUID | None = None,
) -> MemberRegistration:
    """A party member reports to the community they live in. Their own registration waits for
    staff; one the community's staff enter for someone who phoned is confirmed at once
    (`confirm=False` leaves it waiting; only staff may confirm)."""
    _check_community(community)
    name, phone, branch = name.strip(), phone.strip(), branch.strip()
    unit_name = unit_name.strip()
    if not name:
        raise ServiceError(_("Enter the member's name."), field="name")
    if not phone:
        raise ServiceError(_("Enter a phone number."), field="phone")
    if not branch:
        raise ServiceError(_("Enter the party branch the member belongs to."), field="branch")
    if partner is None and not unit_name:
        raise ServiceError(_("Choose the work unit, or type its name."), field="unit_name")
    if partner is not None:
        if not works_with(partner, community):
            raise ServiceError(
                _("This unit does not work with the community: choose another, or type its name."),
                field="partner",
            )
        unit_name = ""
    live = MemberRegistration.objects.filter(
        community=community, phone=phone, status__in=LIVE_REGISTRATION
    ).first()
    if live is not None:
        # Not whose it is, nor in what state: anyone may type any number here.
        raise ServiceError(
            _(
                "This phone number is already registered with %(community)s. There is no need "
                "to register again; ask the community's staff if it is not yours."
            )
            % {"community": community.name},
            field="phone",
            code="duplicate",
        )
    fields: dict[str, Any] = {
        "community": community,
        "name": name,
        "phone": phone,
        "branch": branch,
        "partner": partner,
        "unit_name": unit_name,
        "skills": skills.strip(),
        "available": available.strip(),
        "user": user,
        "resident": resident,
    }
    by_staff = staffs_community(actor, community) and (user is None or acting_user(actor) != user)
    if by_staff and confirm is not False:
        fields.update(
            status=RegistrationStatus.CONFIRMED,
            confirmed_at=timezone.now(),
            confirmed_by=acting_user(actor),
        )
    return create_object(
        actor=actor,
        model=MemberRegistration,
        fields=fields,
        token=token,
        unique_error=_("Someone with this phone number has already reported to this community."),
        redact={"phone": lambda _v: "***"},
    )


def _move_member(actor: Actor, member: MemberRegistration, to: str, **values: Any) -> None:
    with transaction.atomic():
        locked = MEMBER_MACHINE.lock(member.pk)
        old = MEMBER_MACHINE.move(locked, to, **values)
        log_action(
            actor=actor,
            action=f"memberregistration.{to}",
            obj=locked,
            changes={"status": [old, to]},
        )
        if to == RegistrationStatus.CONFIRMED:
            notify(
                users=[locked.user] if locked.user_id else [],
                phones=[locked.phone],
                title=_("Your report to %(community)s is confirmed")
                % {"community": locked.community.name},
                body=_("You can now claim the volunteer posts and tasks it publishes."),
                url=reverse("cobuilding:member_detail", args=[locked.pk]),
            )
        elif to == RegistrationStatus.REFUSED and locked.user_id:
            notify(
                users=[locked.user],
                title=_("Your report to %(community)s was not confirmed")
                % {"community": locked.community.name},
                body=_("Ask the community's staff why, then register again."),
                url=reverse("cobuilding:member_detail", args=[locked.pk]),
            )
    member.status = to
    for name, value in values.items():
        setattr(member, name, value)


def confirm_member(*, actor: Actor, member: MemberRegistration) -> None:
    _move_member(
        actor,
        member,
        RegistrationStatus.CONFIRMED,
        confirmed_at=timezone.now(),
        confirmed_by=acting_user(actor),
    )


def refuse_member(*, actor: Actor, member: MemberRegistration) -> None:
    _move_member(actor, member, RegistrationStatus.REFUSED)


def end_member(*, actor: Actor, member: MemberRegistration) -> None:
    """The member no longer serves (moved away, changed unit): their live claims are withdrawn."""
    with transaction.atomic():
        open_claims = PostClaim.objects.filter(member=member, status=ClaimStatus.CLAIMED)
        # Posts first, then the member, then the claims: the order claiming and marking done
        # take their locks in (a claim's row refers to both), so none waits on another.
        for post_id in sorted(set(open_claims.values_list("post_id", flat=True))):
            lock_post(post_id)
        _move_member(actor, member, RegistrationStatus.ENDED)
        for claim in open_claims.order_by("post_id", "id"):
            _withdraw(actor, claim)


def _withdraw(actor: Actor, claim: PostClaim) -> None:
    """Withdraw a claim through its machine, under the lock on its post (the place it frees is
    counted under that lock). Call inside `atomic`."""
    lock_post(claim.post_id)
    locked = POST_CLAIM_MACHINE.lock(claim.pk)
    old = POST_CLAIM_MACHINE.move(locked, ClaimStatus.WITHDRAWN)
    log_action(
        actor=actor,
        action="postclaim.withdraw",
        obj=locked,
        changes={"status": [old, ClaimStatus.WITHDRAWN]},
    )


# ---------------------------------------------------------------------------------------------
# Posts and tasks (认领岗位)


def create_post(
    *,
    actor: Actor,
    community: Area,
    kind: str,
    title: str,
    places: int,
    description: str = "",
    starts_on: date | None = None,
    ends_on: date | None = None,
    when: str = "",
    token: uuid.UUID | None = None,
) -> Post:
    _check_community(community)
    if kind not in PostKind.values:
        raise ServiceError(_("Choose a volunteer post or a task."), field="kind")
    if not title.strip():
        raise ServiceError(_("Enter the post's title."), field="title")
    if not 1 <= places <= 1000:
        raise ServiceError(_("Enter how many people are wanted: 1 to 1000."), field="places")
    if starts_on and ends_on and ends_on < starts_on:
        raise ServiceError(_("The last day cannot be before the first."), field="ends_on")
    return create_object(
        actor=actor,
        model=Post,
        fields={
            "community": community,
            "kind": kind,
            "title": title.strip(),
            "description": description.strip(),
            "places": places,
            "starts_on": starts_on,
            "ends_on": ends_on,
            "when": when.strip(),
        },
        token=token,
    )


def set_post_open(*, actor: Actor, post: Post, is_open: bool) -> None:
    with transaction.atomic():
        changed = Post.objects.filter(pk=post.pk).update(is_open=is_open, updated_at=timezone.now())
        if changed:
            log_action(
                actor=actor,
                action="post.open" if is_open else "post.close",
                obj=post,
                changes={"is_open": [post.is_open, is_open]},
            )
    post.is_open = is_open


def lock_post(post_id: int) -> Post:
    """The post row, locked until the transaction ends (call inside `atomic`)."""
    queryset = Post.objects.select_related("community")
    if locking():
        queryset = queryset.select_for_update(of=("self",))
    return queryset.get(pk=post_id)


def claim_post(*, actor: Actor, post: Post, member: MemberRegistration) -> PostClaim:
    """The member takes one of the post's places: the lowest place number free, counted from
    the live claims under the lock on the post row."""
    if member.status != RegistrationStatus.CONFIRMED:
        raise ServiceError(
            _("Only a confirmed member can claim posts. Wait for the community to confirm."),
            code="not_confirmed",
        )
    full = _("All %(n)s places of “%(post)s” are taken.")
    try:
        with transaction.atomic():
            locked = lock_post(post.pk)
            if locked.community_id != member.community_id:
                raise ServiceError(
                    _("This post is for members of another community."), code="other_community"
                )
            if not locked.is_open or (locked.ends_on and locked.ends_on < timezone.localdate()):
                raise ServiceError(_("This post is closed for claims."), code="post_closed")
            rows = list(
                PostClaim.objects.filter(post=locked, status__in=LIVE_CLAIM)
                .order_by()
                .values_list("place", "member_id")
            )
            if any(member_id == member.pk for _p, member_id in rows):
                raise ServiceError(_("You have already claimed this post."), code="duplicate")
            taken = {place for place, _m in rows}
            if len(taken) >= locked.places:
                raise ServiceError(
                    full % {"n": locked.places, "post": locked.title}, code="post_full"
                )
            delay = getattr(settings, "GENXI_COBUILDING_RACE_DELAY_MS", 0)
            if not locking() and delay:
                time.sleep(delay / 1000)  # the unlocked demonstration only
            place = next(n for n in range(1, locked.places + 1) if n not in taken)
            claim = PostClaim.objects.create(post=locked, member=member, place=place)
            log_action(
                actor=actor,
                action="postclaim.create",
                obj=claim,
                changes={"post": locked.pk, "member": member.pk, "place": place},
            )
    except IntegrityError as exc:
        raise ServiceError(
            _("Someone claimed the same place a moment ago. Try again."), code="place_taken"
        ) from exc
    return claim


def withdraw_claim(*, actor: Actor, claim: PostClaim) -> None:
    with transaction.atomic():
        _withdraw(actor, claim)
    claim.status = ClaimStatus.WITHDRAWN


def complete_claim(
    *,
    actor: Actor,
    claim: PostClaim,
    hours: Decimal,
    on: date | None = None,
    note: str = "",
) -> ServiceHours:
    """Staff mark a claim done; the hours served are recorded against the member."""
    hours = _check_hours(hours)
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise ServiceError(_("Hours cannot be recorded for a day still to come."), field="on")
    with transaction.atomic():
        # The post before the claim, as withdrawing does (the hours' row refers to the post).
        lock_post(claim.post_id)
        locked = POST_CLAIM_MACHINE.lock(claim.pk)
        old = POST_CLAIM_MACHINE.move(locked, ClaimStatus.DONE)
        row = ServiceHours.objects.create(
            member_id=claim.member_id,
            source=HoursSource.TASK,
            post_id=claim.post_id,
            on=on,
            hours=hours,
            note=note.strip(),
            recorded_by=acting_user(actor),
        )
        log_action(
            actor=actor,
            action="postclaim.done",
            obj=locked,
            changes={"status": [old, ClaimStatus.DONE], "hours": str(hours)},
        )
    claim.status = ClaimStatus.DONE
    return row


# ---------------------------------------------------------------------------------------------
# Hours


def add_hours(
    *,
    actor: Actor,
    member: MemberRegistration,
    on: date,
    hours: Decimal,
    note: str = "",
    token: uuid.UUID | None = None,
) -> ServiceHours:
    """Hours staff enter for a member (service the platform did not see)."""
    hours = _check_hours(hours)
    if on > timezone.localdate():
        raise ServiceError(_("Hours cannot be recorded for a day still to come."), field="on")
    if member.status not in (RegistrationStatus.CONFIRMED, RegistrationStatus.ENDED):
        raise ServiceError(_("Confirm the member's registration first."), code="not_confirmed")
    return create_object(
        actor=actor,
        model=ServiceHours,
        fields={
            "member": member,
            "source": HoursSource.STAFF,
            "on": on,
            "hours": hours,
            "note": note.strip(),
            "recorded_by": acting_user(actor),
        },
        token=token,
    )


def sync_shift_hours(*, actor: Actor = None, members: Any = None) -> int:
    """Record the checked-out volunteer shifts of confirmed members as their service hours:
    a shift is theirs when its user is the member's account or its resident their resident row.
    Idempotent (a shift becomes hours once, for one member); returns how many rows were added.
    `members`: a queryset or list of members (all confirmed members when None). The member
    pages call it as they open; a daily command may call it for everyone."""
    queryset = MemberRegistration.objects.confirmed()
    if isinstance(members, QuerySet):
        queryset = queryset.filter(pk__in=members.values("pk"))
    elif members is not None:
        queryset = queryset.filter(pk__in=[m.pk for m in members])
    wanted = list(
        queryset.filter(Q(user__isnull=False) | Q(resident__isnull=False)).values_list(
            "pk", "user_id", "resident_id"
        )
    )
    if not wanted:
        return 0
    by_user = {u: pk for pk, u, _r in wanted if u}
    by_resident = {r: pk for pk, _u, r in wanted if r}
    shifts = (
        VolunteerShift.objects.filter(checked_out_at__isnull=False)
        .filter(Q(user_id__in=list(by_user)) | Q(resident_id__in=list(by_resident)))
        .exclude(pk__in=ServiceHours.objects.filter(shift__isnull=False).values("shift_id"))
        .select_related("activity")
        .order_by("checked_in_at", "id")
    )
    rows = []
    for shift in shifts:
        member_id = by_user.get(shift.user_id or 0) or by_resident.get(shift.resident_id or 0)
        hours = min(Decimal(str(shift.hours)), MAX_HOURS)
        if member_id is None or hours <= 0:
            continue
        rows.append(
            ServiceHours(
                member_id=member_id,
                source=HoursSource.ACTIVITY,
                shift=shift,
                on=timezone.localtime(shift.checked_in_at).date(),
                hours=hours,
                note=shift.activity.title[:200],
            )
        )
    if not rows:
        return 0
    with transaction.atomic():
        # Two pages opened at once may both see a shift: the one-to-one keeps it once.
        shift_ids = [r.shift_id for r in rows]
        before = ServiceHours.objects.filter(shift_id__in=shift_ids).count()
        ServiceHours.objects.bulk_create(rows, ignore_conflicts=True)
        made = ServiceHours.objects.filter(shift_id__in=shift_ids).count() - before
        if made:
            log_action(actor=actor, action="servicehours.sync", changes={"shifts": shift_ids})
    return made
