"""Writes to deliberation meetings: each one transaction with an audit entry."""

import difflib
import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from genxi.core.audit import Actor, acting_user, log_action
from genxi.core.services import ServiceError, already_submitted, create_object
from genxi.demands.models import Category, Channel, Demand
from genxi.demands.services import collect_demand
from genxi.meetings.models import (
    AgendaItem,
    FollowUp,
    Invitee,
    InviteeKind,
    Meeting,
    Opinion,
    PlanVersion,
    Stance,
)
from genxi.places.models import (
    Area,
    AreaKind,
    BookingPurpose,
    BookingStatus,
    Venue,
    VenueBooking,
)
from genxi.places.services import book_venue, cancel_booking
from genxi.projects.models import Fund, Project
from genxi.projects.services import propose_project, take_up

# A meeting with no end given holds its venue for this long.
MEETING_LENGTH = timedelta(hours=2)


def _book(
    actor: Actor, venue: Venue | None, topic: str, starts_at: datetime, ends_at: datetime
) -> VenueBooking | None:
    if venue is None:
        return None
    return book_venue(
        actor=actor,
        venue=venue,
        starts_at=starts_at,
        ends_at=ends_at,
        purpose=BookingPurpose.MEETING,
        title=topic,
    )


def _check_year(starts_at: datetime) -> None:
    """A meeting between the year 2000 and the year after next (the date arithmetic and the
    database hold nothing near the year 9999)."""
    last = timezone.localdate().year + 2
    if not 2000 <= starts_at.year <= last:
        raise ServiceError(
            _("Dates must fall between %(first)s and %(last)s.") % {"first": 2000, "last": last},
            field="starts_at",
            code="bad_dates",
        )


def convene(
    *,
    actor: Actor,
    community: Area,
    topic: str,
    starts_at: datetime,
    ends_at: datetime | None = None,
    venue: Venue | None = None,
    agenda: Sequence[str] = (),
    invitees: Iterable[tuple[str, str]] = (),
    plan: str = "",
    demands: Iterable[Demand] = (),
    projects: Iterable[Project] = (),
    token: uuid.UUID | None = None,
) -> Meeting:
    """Convene a meeting with its agenda, its invitees (name, kind) and the plan's first version.

    The venue is booked for the meeting's time (two hours when no end is given) in the same
    transaction; a clash with another booking refuses the meeting with the booking's reason.
    Candidate projects it discusses that are still being drafted move on to deliberation.
    """
    if community.kind != AreaKind.COMMUNITY:
        raise ServiceError(_("A meeting belongs to a community."), field="community")
    if venue is not None and not venue.area.path.startswith(community.path):
        raise ServiceError(_("Choose a venue of this community."), field="venue")
    _check_year(starts_at)
    ends_at = ends_at or starts_at + MEETING_LENGTH
    if ends_at <= starts_at:
        raise ServiceError(_("The meeting must end after it starts."), field="ends_at")
    projects = list(projects)
    if any(p.community_id != community.pk for p in projects):
        raise ServiceError(_("Discuss only this community's projects."), field="projects")
    people = list(dict.fromkeys(invitees))
    if len({name for name, _kind in people}) != len(people):
        raise ServiceError(_("Someone is invited twice."), field="invitees")
    if (existing := already_submitted(token, Meeting)) is not None:
        return existing  # a retried form: its venue is booked already

    def attach(meeting: Meeting) -> None:
        AgendaItem.objects.bulk_create(
            [AgendaItem(meeting=meeting, position=i, title=t) for i, t in enumerate(agenda, 1)]
        )
        Invitee.objects.bulk_create([Invitee(meeting=meeting, name=n, kind=k) for n, k in people])
        take_up(projects=projects)
        if plan.strip():
            PlanVersion.objects.create(
                meeting=meeting,
                number=1,
                text=plan.strip(),
                created_by=acting_user(actor),
            )

    with transaction.atomic():
        booking = _book(actor, venue, topic, starts_at, ends_at)
        return create_object(
            actor=actor,
            model=Meeting,
            fields={
                "community": community,
                "venue": venue,
                "topic": topic,
                "starts_at": starts_at,
                "ends_at": ends_at,
                "booking": booking,
            },
            m2m={"demands": list(demands), "projects": projects},
            token=token,
            after_insert=attach,
        )


def reschedule(
    *,
    actor: Actor,
    meeting: Meeting,
    starts_at: datetime,
    ends_at: datetime | None = None,
    venue: Venue | None,
) -> Meeting:
    """Move the meeting (to another time, another venue, or none): its old booking is cancelled
    and the new time booked, both or neither; a clash leaves the meeting as it was."""
    _check_year(starts_at)
    ends_at = ends_at or starts_at + MEETING_LENGTH
    if ends_at <= starts_at:
        raise ServiceError(_("The meeting must end after it starts."), field="ends_at")
    if venue is not None and not venue.area.path.startswith(meeting.community.path):
        raise ServiceError(_("Choose a venue of this community."), field="venue")
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        old = locked.booking
        if old is not None and old.status == BookingStatus.CONFIRMED:
            cancel_booking(actor=actor, booking=old, reason=_("The meeting was moved."))
        booking = _book(actor, venue, locked.topic, starts_at, ends_at)
        before = {"starts_at": str(locked.starts_at), "venue": locked.venue_id}
        locked.starts_at, locked.ends_at, locked.venue, locked.booking = (
            starts_at,
            ends_at,
            venue,
            booking,
        )
        locked.save(update_fields=["starts_at", "ends_at", "venue", "booking", "updated_at"])
        log_action(
            actor=actor,
            action="meeting.reschedule",
            obj=locked,
            changes={
                "starts_at": [before["starts_at"], str(starts_at)],
                "venue": [before["venue"], venue.pk if venue else None],
            },
        )
    return locked


def mark_attendance(*, actor: Actor, invitee: Invitee, present: bool) -> Invitee:
    with transaction.atomic():
        Invitee.objects.filter(pk=invitee.pk).update(attended=present)
        log_action(
            actor=actor,
            action="meeting.attendance",
            obj=invitee.meeting,
            changes={"invitee": invitee.name, "present": present},
        )
    invitee.attended = present
    return invitee


def record_opinion(
    *, actor: Actor, item: AgendaItem, speaker: Invitee, stance: str, text: str = ""
) -> Opinion:
    if speaker.meeting_id != item.meeting_id:
        raise ServiceError(_("This person is not invited to this meeting."), field="speaker")
    if not speaker.attended:
        raise ServiceError(
            _("%(name)s is not marked present: take the attendance first.")
            % {"name": speaker.name},
            field="speaker",
        )
    if stance not in Stance.values:
        raise ServiceError(_("Choose support, oppose or a suggestion."), field="stance")
    if stance == Stance.SUGGESTION and not text.strip():
        raise ServiceError(_("Write the suggestion down."), field="text")
    with transaction.atomic():
        opinion = Opinion.objects.create(
            item=item, speaker=speaker, stance=stance, text=text.strip()
        )
        log_action(
            actor=actor,
            action="meeting.opinion",
            obj=item.meeting,
            changes={"item": item.title, "speaker": speaker.name, "stance": stance},
        )
    return opinion


def revise_plan(
    *, actor: Actor, meeting: Meeting, text: str, note: str = "", opinions: Iterable[Opinion] = ()
) -> PlanVersion:
    """The committee's next version of the plan, citing the opinions it took in."""
    text = text.strip()
    if not text:
        raise ServiceError(_("Write the plan."), field="text")
    cited = list(opinions)
    if any(o.item.meeting_id != meeting.pk for o in cited):
        raise ServiceError(_("Cite only this meeting's opinions."), field="opinions")
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)  # one number at a time
        last = locked.plans.aggregate(n=Max("number"))["n"] or 0
        if last and locked.plans.get(number=last).text == text:
            raise ServiceError(_("This is the same as the current version."), field="text")
        try:
            version = PlanVersion.objects.create(
                meeting=locked,
                number=last + 1,
                text=text,
                note=note.strip(),
                created_by=acting_user(actor),
            )
        except IntegrityError as exc:  # pragma: no cover - the lock above orders writers
            raise ServiceError(_("Someone saved a version just now; reload.")) from exc
        version.opinions.set(cited)
        log_action(
            actor=actor,
            action="meeting.plan",
            obj=locked,
            changes={"version": version.number, "opinions": [o.pk for o in cited]},
        )
    return version


def plan_diff(old: PlanVersion, new: PlanVersion) -> list[tuple[str, str]]:
    """Line by line: ("same" | "removed" | "added", text)."""
    lines: list[tuple[str, str]] = []
    for line in difflib.ndiff(old.text.splitlines(), new.text.splitlines()):
        code, body = line[:2], line[2:]
        if code == "  ":
            lines.append(("same", body))
        elif code == "- ":
            lines.append(("removed", body))
        elif code == "+ ":
            lines.append(("added", body))
    return lines


def record_minutes(*, actor: Actor, meeting: Meeting, minutes: str, outcome: str) -> Meeting:
    with transaction.atomic():
        Meeting.objects.filter(pk=meeting.pk).update(minutes=minutes, outcome=outcome)
        log_action(actor=actor, action="meeting.minutes", obj=meeting)
    meeting.refresh_from_db()
    return meeting


def add_follow_up(*, actor: Actor, meeting: Meeting, title: str, owner: str, due: date) -> FollowUp:
    with transaction.atomic():
        action = FollowUp.objects.create(meeting=meeting, title=title, owner=owner, due=due)
        log_action(actor=actor, action="meeting.follow_up", obj=meeting, changes={"title": title})
    return action


def follow_up_to_demand(*, actor: Actor, action: FollowUp, category: Category) -> Demand:
    """Put a follow-up action on the demand ledger (once), at the meeting's community."""
    with transaction.atomic():
        locked = FollowUp.objects.select_for_update().get(pk=action.pk)
        if locked.demand_id is not None or locked.project_id is not None:
            raise ServiceError(_("This action has been taken up already."))
        meeting = locked.meeting
        demand = collect_demand(
            actor=actor,
            title=locked.title,
            description=_("Agreed at the deliberation meeting “%(topic)s”; owner: %(owner)s.")
            % {"topic": meeting.topic, "owner": locked.owner},
            category=category,
            area=meeting.community,
            channel=Channel.WALK_IN,
        )
        locked.demand = demand
        locked.save(update_fields=["demand"])
        meeting.demands.add(demand)
    action.refresh_from_db()
    return demand


def follow_up_to_project(
    *, actor: Actor, action: FollowUp, fund: Fund, cost: Decimal, category: Category | None = None
) -> Project:
    """Draft a follow-up action as a candidate service project of the community's fund (once);
    the meeting is recorded as having discussed it."""
    with transaction.atomic():
        locked = FollowUp.objects.select_for_update().get(pk=action.pk)
        if locked.project_id is not None or locked.demand_id is not None:
            raise ServiceError(_("This action has been taken up already."))
        meeting = locked.meeting
        if fund.community_id != meeting.community_id:
            raise ServiceError(_("Choose a fund of this community."), field="fund")
        project = propose_project(
            actor=actor,
            fund=fund,
            title=locked.title,
            cost=cost,
            category=category,
            description=_("Agreed at the deliberation meeting “%(topic)s”; owner: %(owner)s.")
            % {"topic": meeting.topic, "owner": locked.owner},
        )
        locked.project = project
        locked.save(update_fields=["project"])
        meeting.projects.add(project)
    action.refresh_from_db()
    return project


KINDS = {
    "居民": InviteeKind.RESIDENT,
    "代表": InviteeKind.REPRESENTATIVE,
    "共建单位": InviteeKind.PARTNER,
    "物业": InviteeKind.PROPERTY,
    "社区": InviteeKind.STAFF,
}
