"""Writes to demands: the category tree, and each step of a demand's lifecycle.

Every lifecycle step is one service with a guard (the TRANSITIONS map), applied as a
compare-and-set on the status: of two people acting on one demand at once, one wins and the
other is told plainly what happened. Each step appends a DemandEvent (what the figures are
computed from) and an audit entry, in the same transaction.
"""

import secrets
import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from genxi.core.audit import acting_user, jsonable, log_action
from genxi.core.notify import notify
from genxi.core.services import ServiceError, create_object, update_object
from genxi.core.workdays import WorkCalendar
from genxi.demands.intake import DeadlineCounter, collected_event
from genxi.demands.models import (
    MAX_CATEGORY_DEPTH,
    OPEN_STATUSES,
    TRANSITIONS,
    UNRESOLVED_STATUSES,
    Callback,
    Category,
    Channel,
    Demand,
    DemandEvent,
    DemandPhoto,
    DemandReporter,
    EventKind,
    Extension,
    ExtensionStatus,
    HandlingPath,
    PhotoKind,
    Satisfaction,
    Status,
    Visit,
)
from genxi.places.models import Area, Partner, Resident, Venue

DUPLICATE = _("There is already a category of that name here.")


def _check_days(response_days: int, resolution_days: int) -> None:
    if resolution_days < response_days:
        raise ServiceError(
            _("The resolution deadline cannot be shorter than the response deadline."),
            field="resolution_days",
        )


def create_category(
    *,
    actor: Any,
    name: str,
    parent: Category | None = None,
    response_days: int = 1,
    resolution_days: int = 5,
    token: uuid.UUID | None = None,
    **fields: Any,
) -> Category:
    depth = parent.depth + 1 if parent else 0
    if depth >= MAX_CATEGORY_DEPTH:
        raise ServiceError(
            _("Categories go %(n)s levels deep at most.") % {"n": MAX_CATEGORY_DEPTH},
            field="parent",
        )
    _check_days(response_days, resolution_days)
    return create_object(
        actor=actor,
        model=Category,
        fields={
            "name": name.strip(),
            "parent": parent,
            "depth": depth,
            "response_days": response_days,
            "resolution_days": resolution_days,
            **fields,
        },
        token=token,
        unique_error=str(DUPLICATE),
    )


def update_category(
    *,
    actor: Any,
    category: Category,
    expected_updated_at: datetime | None = None,
    **fields: Any,
) -> dict[str, list[Any]]:
    """Rename a category, change its deadlines or retire it. Moving it is not offered."""
    fields.pop("parent", None)
    _check_days(
        fields.get("response_days", category.response_days),
        fields.get("resolution_days", category.resolution_days),
    )
    if "name" in fields:
        fields["name"] = fields["name"].strip()
    return update_object(
        actor=actor,
        instance=category,
        fields=fields,
        expected_updated_at=expected_updated_at,
        unique_error=str(DUPLICATE),
    )


# ------------------------------------------------------------------ the lifecycle

# No 0/O, 1/I/L: a code read out over the phone must not be misheard.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


class StaleDemand(ServiceError):
    """Someone else moved the demand on while this person was looking at it."""

    def __init__(self, status: str | None) -> None:
        label = Status(status).label if status else _("deleted")
        super().__init__(
            _(
                "Someone else has just acted on this demand; it is now “%(status)s”. "
                "Reload the page to see what happened."
            )
            % {"status": label},
            code="stale",
        )


def _required(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ServiceError(_("Please write the reason or the findings."), field=field)
    return value


def _attach_photos(demand: Demand, *, actor: Any, photos: Iterable[Any], kind: str) -> int:
    """Store photos already cleaned by genxi.core.images.clean_photo (re-encoded, no EXIF)."""
    rows = [
        DemandPhoto(demand=demand, kind=kind, image=photo, uploaded_by=acting_user(actor))
        for photo in photos
    ]
    for row in rows:
        row.save()
    return len(rows)


def _event(demand: Demand, *, actor: Any, kind: str, note: str = "", **extra: Any) -> DemandEvent:
    return DemandEvent.objects.create(
        demand=demand,
        community_id=demand.community_id,
        kind=kind,
        actor=acting_user(actor),
        note=note,
        **extra,
    )


def _move(
    demand: Demand,
    *,
    actor: Any,
    to: str,
    kind: str,
    note: str = "",
    public: bool = False,
    data: dict[str, Any] | None = None,
    **fields: Any,
) -> None:
    """Move `demand` to status `to` if the map allows it and nobody moved it first."""
    old = demand.status
    if to not in TRANSITIONS[old]:
        raise ServiceError(
            _("This cannot be done to a demand that is “%(status)s”.")
            % {"status": Status(old).label},
            code="invalid_transition",
        )
    now = timezone.now()
    with transaction.atomic():
        changed = Demand.objects.filter(pk=demand.pk, status=old).update(
            status=to, updated_at=now, **fields
        )
        if changed != 1:
            raise StaleDemand(
                Demand.objects.filter(pk=demand.pk).values_list("status", flat=True).first()
            )
        demand.refresh_from_db()
        _event(
            demand,
            actor=actor,
            kind=kind,
            note=note,
            from_status=old,
            to_status=to,
            public=public,
            data=data or {},
        )
        log_action(
            actor=actor,
            action=f"demand.{kind}",
            obj=demand,
            changes={"status": [old, to], **{k: jsonable(v) for k, v in fields.items()}},
        )


def collect_demand(
    *,
    actor: Any,
    title: str,
    category: Category,
    area: Area | None = None,
    channel: str,
    reporters: Iterable[Resident] = (),
    venue: Venue | None = None,
    description: str = "",
    visit: Visit | None = None,
    token: uuid.UUID | None = None,
    today: date | None = None,
    photos: Iterable[Any] = (),
    **location: Any,
) -> Demand:
    """Record a demand from a visit, a call, a walk-in, the web or an inspection.

    Its deadlines are the category's working days from today. A retried submission (the same
    `token`) returns the demand the first one made.

    The place is an area (a community, compound, building or common area) or a `venue`, whose
    own area it then takes. Who may record where is `demands.add_demand` with the place
    (`genxi.places.forms.collect_areas`: staff in their communities, a pioneer anywhere in the
    communities they serve), which the intake form, the REST API and Open311 apply by offering
    only those places.
    """
    area = area or (venue.area if venue is not None else None)
    if area is None:
        raise ServiceError(_("Choose where: a place, or a venue."), field="area")
    community = area.community()
    if community is None:
        raise ServiceError(_("Choose a place inside a community."), field="area")
    if not category.is_active:
        raise ServiceError(
            _("This category is no longer in use; choose another."), field="category"
        )
    if channel not in Channel.values:
        raise ServiceError(_("Choose how the demand came in."), field="channel")
    title = _required(title, "title")
    deadlines = DeadlineCounter().count(
        today or timezone.localdate(), category.response_days, category.resolution_days
    )
    people = list(dict.fromkeys(reporters))

    def attach(demand: Demand) -> None:
        DemandReporter.objects.bulk_create(
            [DemandReporter(demand=demand, resident=r) for r in people]
        )
        _attach_photos(demand, actor=actor, photos=photos, kind=PhotoKind.INTAKE)
        _event(demand, actor=actor, **collected_event(channel, len(people)))

    return create_object(
        actor=actor,
        model=Demand,
        fields={
            "code": new_code(),
            "title": title,
            "description": description.strip(),
            "category": category,
            "community": community,
            "street_id": community.parent_id,
            "area": area,
            "venue": venue,
            "channel": channel,
            "visit": visit,
            "created_by": acting_user(actor),
            **deadlines._asdict(),
            **location,
        },
        token=token,
        after_insert=attach,
    )


def add_reporter(*, actor: Any, demand: Demand, resident: Resident) -> bool:
    """ "Me too": one more resident raised the same thing. False when they already had.
    Not once it is resolved: a reporter who joins then would never be called back."""
    if demand.status not in UNRESOLVED_STATUSES:
        raise ServiceError(
            _("This demand is no longer open; record a new one instead."), code="closed"
        )
    try:
        with transaction.atomic():
            _reporter, created = DemandReporter.objects.get_or_create(
                demand=demand, resident=resident
            )
            if created:
                _event(
                    demand,
                    actor=actor,
                    kind=EventKind.REPORTER_ADDED,
                    data={"resident": resident.pk},
                )
                log_action(
                    actor=actor,
                    action="demand.reporter_added",
                    obj=demand,
                    changes={"resident": resident.pk},
                )
    except IntegrityError:
        return False  # the same resident added twice at once: the other request did it
    return created


def _tell_reporters(demand: Demand, title: str, people: list[Resident] | None = None) -> None:
    """Reporters (all, or `people`) with an account get it in their inbox; those who agreed to
    be contacted, a text."""
    from django.urls import reverse

    if people is None:
        people = [r.resident for r in demand.reporters.select_related("resident")]
    notify(
        users=[p.user for p in people if p.user_id],
        phones=[p.phone for p in people if p.phone and p.consent_to_contact],
        title=title,
        body=_("Tracking code %(code)s") % {"code": demand.code},
        url=f"{reverse('demands:track')}?code={demand.code}",
    )


def _tell_handlers(demand: Demand) -> None:
    notify(
        users=_handlers_of(demand),
        title=_("New demand assigned to you: %(title)s") % {"title": demand.title},
        body=_("Resolve by %(day)s") % {"day": demand.resolution_due.isoformat()},
        url=demand.get_absolute_url(),
    )


def accept(*, actor: Any, demand: Demand, note: str = "") -> None:
    with transaction.atomic():
        _move(
            demand,
            actor=actor,
            to=Status.ACCEPTED,
            kind=EventKind.ACCEPTED,
            note=note,
            public=True,
            accepted_at=timezone.now(),
        )
        _tell_reporters(demand, _("Your demand has been accepted"))


def refer(*, actor: Any, demand: Demand, reason: str, to: Area | None = None) -> None:
    """Not this community's to handle: say where it went and why.

    With `to` (another community of the street, or the street) the demand moves there and
    stays open (see `transfer`); without it, it went outside Genxi and is closed here.
    """
    if to is not None:
        transfer(actor=actor, demand=demand, to=to, reason=reason)
        return
    reason = _required(reason, "reason")
    _move(
        demand,
        actor=actor,
        to=Status.REFERRED,
        kind=EventKind.REFERRED,
        note=reason,
        public=True,
        accepted_at=demand.accepted_at or timezone.now(),
        closed_at=timezone.now(),
    )


def verify(*, actor: Any, demand: Demand, findings: str, photos: Iterable[Any] = ()) -> None:
    """What was found on site (实地核实), with photos if any."""
    findings = _required(findings, "findings")
    with transaction.atomic():
        _move(
            demand,
            actor=actor,
            to=Status.VERIFIED,
            kind=EventKind.VERIFIED,
            note=findings,
            verified_at=timezone.now(),
        )
        _attach_photos(demand, actor=actor, photos=photos, kind=PhotoKind.VERIFICATION)


def assign(
    *, actor: Any, demand: Demand, path: str, partner: Partner | None = None, note: str = ""
) -> None:
    """Decide who handles it: a responsible party (it must accept), or the community itself,
    a deliberation meeting or a service project (handling starts at once)."""
    if path not in HandlingPath.values:
        raise ServiceError(_("Choose how the demand will be handled."), field="path")
    now = timezone.now()
    if path == HandlingPath.PARTNER:
        if partner is None:
            raise ServiceError(_("Choose the responsible party."), field="partner")
        with transaction.atomic():
            _move(
                demand,
                actor=actor,
                to=Status.ASSIGNED,
                kind=EventKind.ASSIGNED,
                note=note,
                data={"path": path, "partner": partner.pk},
                path=path,
                handler_partner=partner,
                assigned_at=now,
            )
            _tell_handlers(demand)
    else:
        _move(
            demand,
            actor=actor,
            to=Status.IN_PROGRESS,
            kind=EventKind.ASSIGNED,
            note=note,
            public=True,
            data={"path": path},
            path=path,
            handler_partner=None,
            assigned_at=now,
        )


def start_handling(
    *, actor: Any, demand: Demand, expected_on: date | None = None, note: str = ""
) -> None:
    """The responsible party takes the demand on, with the date it expects to finish."""
    _move(
        demand,
        actor=actor,
        to=Status.IN_PROGRESS,
        kind=EventKind.HANDLING,
        note=note,
        public=True,
        data={"expected_on": expected_on.isoformat() if expected_on else None},
        expected_on=expected_on,
    )


def send_back(*, actor: Any, demand: Demand, reason: str) -> None:
    """The handler hands it back (not theirs, cannot do it): the community decides again."""
    reason = _required(reason, "reason")
    _move(
        demand,
        actor=actor,
        to=Status.VERIFIED,
        kind=EventKind.RETURNED,
        note=reason,
        data={"partner": demand.handler_partner_id},
        path="",
        handler_partner=None,
        expected_on=None,
    )


def post_update(*, actor: Any, demand: Demand, text: str, public: bool = False) -> DemandEvent:
    text = _required(text, "text")
    if demand.status not in OPEN_STATUSES:
        raise ServiceError(_("This demand is no longer open."), code="closed")
    with transaction.atomic():
        event = _event(demand, actor=actor, kind=EventKind.UPDATE, note=text, public=public)
        log_action(actor=actor, action="demand.update_posted", obj=demand)
    return event


def resolve(*, actor: Any, demand: Demand, result: str, photos: Iterable[Any] = ()) -> None:
    """Finished, with what was done (the gate widened to 120 cm) and photos of it:
    call-backs come next."""
    result = _required(result, "result")
    with transaction.atomic():
        _attach_photos(demand, actor=actor, photos=photos, kind=PhotoKind.EVIDENCE)
        _move(
            demand,
            actor=actor,
            to=Status.RESOLVED,
            kind=EventKind.RESOLVED,
            note=result,
            public=True,
            resolved_at=timezone.now(),
        )
        _tell_reporters(
            demand, _("Your demand has been resolved; the community will call you back")
        )


def record_callback(
    *, actor: Any, demand: Demand, resident: Resident, result: str, comment: str = ""
) -> Callback:
    """A reporter's verdict. "Not satisfied" reopens the demand for another round; the last
    reporter of the round to answer moves it on to "called back, to close out"."""
    if result not in Satisfaction.values:
        raise ServiceError(_("Choose the resident's answer."), field="result")
    if demand.status != Status.RESOLVED:
        raise ServiceError(
            _("Call-backs are made once a demand is resolved."), code="invalid_transition"
        )
    if not demand.reporters.filter(resident=resident).exists():
        raise ServiceError(_("Only the residents who raised it are called back."), field="resident")
    note = comment.strip()
    data = {"resident": resident.pk, "result": result, "round": demand.callback_round}
    try:
        with transaction.atomic():
            # Two reporters' answers at once: the second sees the first, and one of them moves on.
            Demand.objects.select_for_update().filter(pk=demand.pk).first()
            callback = Callback.objects.create(
                demand=demand,
                community_id=demand.community_id,
                resident=resident,
                round=demand.callback_round,
                result=result,
                comment=note,
                by=acting_user(actor),
            )
            log_action(
                actor=actor,
                action="demand.callback",
                obj=demand,
                changes={"resident": resident.pk, "result": result},
            )
            if result == Satisfaction.NOT_SATISFIED:
                _event(demand, actor=actor, kind=EventKind.CALLBACK, note=note, data=data)
                _move(
                    demand,
                    actor=actor,
                    to=Status.IN_PROGRESS,
                    kind=EventKind.REOPENED,
                    note=note,
                    public=True,
                    resolved_at=None,
                    callback_round=F("callback_round") + 1,
                )
            elif _still_to_call(demand).exists():
                _event(demand, actor=actor, kind=EventKind.CALLBACK, note=note, data=data)
            else:
                # The round's last answer: the call-back event itself moves the status on.
                _move(demand, actor=actor, to=Status.CALLED_BACK, kind=EventKind.CALLBACK,
                      note=note, data=data)  # fmt: skip
    except IntegrityError as exc:
        raise ServiceError(
            _("This resident has already been called back."), field="resident"
        ) from exc
    return callback


def _unreachable_ids(demand: Demand) -> set[int]:
    """Reporters who could not be reached GENXI_CALLBACK_MAX_TRIES times in the current round."""
    from collections import Counter

    from django.conf import settings

    tries = Counter(
        data.get("resident")
        for data in demand.events.filter(kind=EventKind.UNREACHABLE).values_list("data", flat=True)
        if data.get("round") == demand.callback_round
    )
    return {pk for pk, n in tries.items() if n >= settings.GENXI_CALLBACK_MAX_TRIES}


def _still_to_call(demand: Demand) -> Any:
    """The reporters still to call in the demand's current round: not answered yet, and not
    given up on as unreachable after GENXI_CALLBACK_MAX_TRIES attempts."""
    answered = Callback.objects.filter(demand=demand, round=demand.callback_round)
    return demand.reporters.exclude(resident__in=answered.values("resident")).exclude(
        resident__in=_unreachable_ids(demand)
    )


def record_unreachable(*, actor: Any, demand: Demand, resident: Resident, note: str = "") -> int:
    """A call-back attempt that did not reach the reporter (no answer, number out of service).

    After GENXI_CALLBACK_MAX_TRIES such attempts in a round the reporter is no longer waited
    for; when nobody is left to call, the demand moves on to "called back, to close out", and
    the close-out records who could not be reached. Returns the reporter's attempts so far.
    """
    from django.conf import settings

    if demand.status != Status.RESOLVED:
        raise ServiceError(
            _("Call-backs are made once a demand is resolved."), code="invalid_transition"
        )
    if not _still_to_call(demand).filter(resident=resident).exists():
        raise ServiceError(
            _("This resident is not waiting for a call-back in this round."), field="resident"
        )
    with transaction.atomic():
        # One attempt at a time per demand: the count and the move below read a settled history.
        Demand.objects.select_for_update().filter(pk=demand.pk).first()
        attempt = 1 + sum(
            1
            for data in demand.events.filter(kind=EventKind.UNREACHABLE).values_list(
                "data", flat=True
            )
            if data.get("round") == demand.callback_round and data.get("resident") == resident.pk
        )
        data = {"resident": resident.pk, "round": demand.callback_round, "attempt": attempt}
        log_action(actor=actor, action="demand.callback_unreachable", obj=demand, changes=data)
        last = attempt >= settings.GENXI_CALLBACK_MAX_TRIES
        if last and not _still_to_call(demand).exclude(resident=resident).exists():
            _move(demand, actor=actor, to=Status.CALLED_BACK, kind=EventKind.UNREACHABLE,
                  note=note.strip(), data=data)  # fmt: skip
        else:
            _event(demand, actor=actor, kind=EventKind.UNREACHABLE, note=note.strip(), data=data)
    return attempt


def close_out(*, actor: Any, demand: Demand, note: str = "") -> None:
    """Strike it off the ledger (销号).

    - Once every reporter of the current round has been called back ("called back, to close
      out"), or given up on after GENXI_CALLBACK_MAX_TRIES unreachable attempts: the close-out
      event records who could not be reached, as its reason.
    - A demand nobody raised (recorded from an inspection, or a meeting's follow-up) has nobody
      to call back: staff close it out straight from "resolved, to call back" once they have
      checked the work, and must write what they checked (the note is required).
    """
    note = note.strip()
    data: dict[str, Any] = {}
    if demand.status == Status.RESOLVED:
        waiting = _still_to_call(demand).count()
        if waiting:
            raise ServiceError(
                _("%(n)s reporter(s) still to call back before this demand can be closed out.")
                % {"n": waiting},
                code="callbacks_missing",
            )
        if not demand.reporters.exists():
            if not note:
                raise ServiceError(
                    _(
                        "Nobody raised this demand, so nobody can be called back: write what "
                        "you checked of the work before closing it out."
                    ),
                    field="note",
                )
            data["no_reporter"] = True
    unreachable = sorted(_unreachable_ids(demand))
    if unreachable:
        data["unreachable"] = unreachable
    _move(
        demand,
        actor=actor,
        to=Status.CLOSED,
        kind=EventKind.CLOSED,
        note=note,
        public=True,
        data=data,
        closed_at=timezone.now(),
    )


def can_call_back(demand: Demand) -> bool:
    """Whether anyone is left to call back: the call-back forms are offered only then."""
    return demand.status == Status.RESOLVED and _still_to_call(demand).exists()


def can_close_out(demand: Demand) -> bool:
    """Whether close-out may be offered: called back, or resolved with nobody left to call."""
    if demand.status == Status.CALLED_BACK:
        return True
    return demand.status == Status.RESOLVED and not _still_to_call(demand).exists()


def withdraw(*, actor: Any, demand: Demand, reason: str) -> None:
    reason = _required(reason, "reason")
    _move(
        demand,
        actor=actor,
        to=Status.WITHDRAWN,
        kind=EventKind.WITHDRAWN,
        note=reason,
        public=True,
        closed_at=timezone.now(),
    )


def merge(*, actor: Any, duplicate: Demand, into: Demand) -> None:
    """The same thing recorded twice: the duplicate's reporters and history join `into`."""
    if duplicate.pk == into.pk:
        raise ServiceError(_("A demand cannot be merged into itself."), field="into")
    if into.status not in UNRESOLVED_STATUSES:  # resolved: its reporters are being called back
        raise ServiceError(_("Merge into a demand that is still open."), field="into")
    if into.community_id != duplicate.community_id:
        raise ServiceError(_("Only demands of the same community can be merged."), field="into")
    with transaction.atomic():
        existing = set(into.reporters.values_list("resident", flat=True))
        moved = [r for r in duplicate.reporters.all() if r.resident_id not in existing]
        DemandReporter.objects.bulk_create(
            [DemandReporter(demand=into, resident_id=r.resident_id) for r in moved]
        )
        _move(
            duplicate,
            actor=actor,
            to=Status.MERGED,
            kind=EventKind.MERGED,
            public=True,
            data={"into": into.pk},
            merged_into=into,
            closed_at=timezone.now(),
        )
        _event(
            into,
            actor=actor,
            kind=EventKind.MERGED,
            data={"from": duplicate.pk, "reporters": len(moved)},
        )


# ------------------------------------------------------------------ deadlines


def _handlers_of(demand: Demand) -> Any:
    """Who handles it now: the partner's handlers, or the community's staff."""
    from genxi.accounts.models import Role, User

    if demand.path == HandlingPath.PARTNER and demand.handler_partner_id:
        return User.objects.filter(
            is_active=True,
            memberships__role=Role.PARTNER,
            memberships__partner_id=demand.handler_partner_id,
        )
    return _handlers_of_community(demand)


def remind_and_escalate(*, today: date | None = None) -> dict[str, int]:
    """The periodic deadline sweep (`manage.py remind_demands`, daily from a scheduler).

    Handlers hear about a demand due by the next working day; an overdue demand is escalated
    to the staff of its street. Each demand is reminded and escalated once per deadline: the
    sweep records an event and skips demands that already have one.
    """
    from genxi.accounts.models import Role, User

    day = today or timezone.localdate()
    next_workday = WorkCalendar.load().add_workdays(day, 1).day
    open_ = (
        Demand.objects.open()
        .exclude(status__in=(Status.RESOLVED, Status.CALLED_BACK))
        .select_related("community")
    )
    counts = {"reminded": 0, "escalated": 0}
    # One small query per candidate: a daily sweep over the demands due or late that day.
    for demand in open_.filter(resolution_due__gte=day, resolution_due__lte=next_workday):
        if demand.events.filter(
            kind=EventKind.REMINDED, data__due=demand.resolution_due.isoformat()
        ).exists():
            continue
        with transaction.atomic():
            _event(
                demand,
                actor=None,
                kind=EventKind.REMINDED,
                data={"due": demand.resolution_due.isoformat()},
            )
            notify(
                users=_handlers_of(demand),
                title=_("Due soon: %(title)s") % {"title": demand.title},
                body=_("Resolve by %(day)s") % {"day": demand.resolution_due.isoformat()},
                url=demand.get_absolute_url(),
            )
        counts["reminded"] += 1
    for demand in open_.overdue(day):
        due = (
            demand.response_due if demand.status == Status.COLLECTED else demand.resolution_due
        ).isoformat()
        if demand.events.filter(kind=EventKind.ESCALATED, data__due=due).exists():
            continue
        street = demand.community.street()
        with transaction.atomic():
            _event(demand, actor=None, kind=EventKind.ESCALATED, data={"due": due})
            notify(
                users=User.objects.filter(
                    is_active=True, memberships__role=Role.STREET_STAFF, memberships__area=street
                ),
                title=_("Overdue in %(community)s: %(title)s")
                % {"community": demand.community.name, "title": demand.title},
                body=_("It was due on %(day)s.") % {"day": due},
                url=demand.get_absolute_url(),
            )
        counts["escalated"] += 1
    counts["callbacks_due"] = _callbacks_due(day)
    return counts


CALLBACK_WINDOW_DAYS = 30


def _callbacks_due(day: date) -> int:
    """Resolved demands whose call-back falls due (GENXI_CALLBACK_DAYS working days after the
    resolution) by `day` and who still have reporters to call: the community's staff are
    reminded to call, those reporters told to expect the call. Once per resolution; demands
    resolved more than CALLBACK_WINDOW_DAYS ago are left to the ledger (status "resolved, to
    call back"), so a first run on old data texts nobody about long-past work."""
    from datetime import datetime, time, timedelta

    from django.conf import settings
    from django.db.models import Exists, OuterRef
    from django.db.models.functions import Coalesce

    calendar = WorkCalendar.load()
    days = settings.GENXI_CALLBACK_DAYS
    since = datetime.combine(
        day - timedelta(days=CALLBACK_WINDOW_DAYS), time.min, tzinfo=timezone.get_current_timezone()
    )
    # Reminded since it was last resolved (a reopened demand is resolved again later).
    reminded = DemandEvent.objects.filter(
        demand=OuterRef("pk"), kind=EventKind.CALLBACK_DUE, at__gte=OuterRef("resolved_on")
    )
    waiting = (
        Demand.objects.filter(status=Status.RESOLVED)
        .annotate(resolved_on=Coalesce("resolved_at", "updated_at"))
        .filter(resolved_on__gte=since)
        .exclude(Exists(reminded))
        .select_related("community")
        .order_by("resolved_on", "id")
    )
    count = 0
    for demand in waiting.iterator(500):
        resolved_on = timezone.localdate(demand.resolved_on)  # type: ignore[attr-defined]
        due = calendar.add_workdays(resolved_on, days).day
        if due > day:
            continue
        to_call = [r.resident for r in _still_to_call(demand).select_related("resident")]
        if not to_call:
            continue  # everyone has been called back: closing out is next, no reminder
        with transaction.atomic():
            _event(
                demand,
                actor=None,
                kind=EventKind.CALLBACK_DUE,
                data={"round": demand.callback_round, "due": due.isoformat(),
                      "to_call": len(to_call)},
            )  # fmt: skip
            notify(
                users=_handlers_of_community(demand),
                title=_("Call-back due: %(title)s") % {"title": demand.title},
                body=_("Resolved on %(day)s: call every reporter back, then close it out.")
                % {"day": resolved_on.isoformat()},
                url=demand.get_absolute_url(),
            )
            _tell_reporters(
                demand,
                _("The community will call you to ask whether your demand was resolved well"),
                to_call,
            )
        count += 1
    return count


# ------------------------------------------------------------------ extensions


def request_extension(*, actor: Any, demand: Demand, new_due: date, reason: str) -> Extension:
    """The handler asks to move the resolution deadline to `new_due`."""
    reason = _required(reason, "reason")
    if demand.status not in (Status.ASSIGNED, Status.IN_PROGRESS):
        raise ServiceError(
            _("Only a demand being handled can be given more time."), code="invalid_transition"
        )
    if new_due <= demand.resolution_due:
        raise ServiceError(
            _("Choose a date after the current deadline, %(day)s.")
            % {"day": demand.resolution_due.isoformat()},
            field="new_due",
        )
    try:
        with transaction.atomic():
            extension = Extension.objects.create(
                demand=demand,
                requested_by=acting_user(actor),
                old_due=demand.resolution_due,
                new_due=new_due,
                reason=reason,
            )
            _event(
                demand,
                actor=actor,
                kind=EventKind.DEADLINE,
                note=reason,
                data={"requested": new_due.isoformat()},
            )
            log_action(
                actor=actor,
                action="demand.extension_requested",
                obj=demand,
                changes={"new_due": new_due.isoformat()},
            )
            notify(
                users=_handlers_of_community(demand),
                title=_("More time asked for: %(title)s") % {"title": demand.title},
                body=_("Until %(day)s: %(reason)s")
                % {"day": new_due.isoformat(), "reason": reason},
                url=demand.get_absolute_url(),
            )
    except IntegrityError as exc:
        raise ServiceError(
            _("A request for more time is already waiting for a decision."), code="pending"
        ) from exc
    return extension


def decide_extension(*, actor: Any, extension: Extension, approve: bool, note: str = "") -> None:
    """Approve (the deadline moves) or refuse a pending request, once."""
    now = timezone.now()
    status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
    with transaction.atomic():
        changed = Extension.objects.filter(pk=extension.pk, status=ExtensionStatus.PENDING).update(
            status=status, decided_by=acting_user(actor), decided_at=now, decision_note=note.strip()
        )
        if changed != 1:
            raise ServiceError(_("This request has already been decided."), code="stale")
        demand = extension.demand
        data = {"requested": extension.new_due.isoformat(), "approved": approve}
        if approve:
            Demand.objects.filter(pk=demand.pk).update(
                resolution_due=extension.new_due, updated_at=now
            )
            data["old"] = demand.resolution_due.isoformat()
            demand.resolution_due = extension.new_due
        _event(demand, actor=actor, kind=EventKind.DEADLINE, note=note.strip(), data=data)
        log_action(actor=actor, action="demand.extension_decided", obj=demand, changes=data)
        if extension.requested_by_id:
            from genxi.accounts.models import User

            notify(
                users=User.objects.filter(pk=extension.requested_by_id),
                title=(
                    _("More time approved: %(title)s")
                    if approve
                    else _("More time refused: %(title)s")
                )
                % {"title": demand.title},
                url=demand.get_absolute_url(),
            )


def _handlers_of_community(demand: Demand) -> Any:
    """The staff of whoever holds the demand: its community's, or the street's when it was
    referred to the street."""
    return _staff_of(demand.community)


# ------------------------------------------------------------------ referral and corrections
#
# The deadline rule, in force for referrals and corrections (docs/architecture.md, "Demands"):
#
# - A demand's clock starts on its start day: the day it was collected, or the day of its latest
#   referral (转办) to another community or the street, whose owner then gets the full time.
# - The response deadline is the category's response days after the start day, the resolution
#   deadline its resolution days after it (working days, genxi.core.workdays).
# - A referral recounts both from the referral day (the demand awaits acceptance again).
# - A correction of the category recounts them from the start day with the new category's days,
#   but never moves the deadline of a step already done: the response deadline once the demand
#   is accepted, the resolution deadline once it is resolved or when an approved request for
#   more time set it. Correcting only the place moves no deadline.


def start_day(demand: Demand) -> date:
    """The day the demand's clock started: collection, or its latest referral here."""
    moved = (
        demand.events.filter(kind=EventKind.TRANSFERRED)
        .order_by("-at", "-id")
        .values_list("at", flat=True)
        .first()
    )
    return timezone.localdate(moved or demand.created_at)


def transfer_destinations(demand: Demand) -> Any:
    """Where a demand can be referred within Genxi: the other communities of its street, and
    the street itself (a demand the street holds can go to any of its communities)."""
    from django.db.models import Q

    from genxi.places.models import AreaKind

    street_id = demand.street_id
    return (
        Area.objects.filter(Q(kind=AreaKind.COMMUNITY, parent_id=street_id) | Q(pk=street_id))
        .exclude(pk=demand.community_id)
        .order_by("path")
    )


def _staff_of(area: Area) -> Any:
    from genxi.accounts.models import Role, User
    from genxi.places.models import STREET_KINDS

    role = Role.STREET_STAFF if area.kind in STREET_KINDS else Role.COMMUNITY_STAFF
    return User.objects.filter(is_active=True, memberships__role=role, memberships__area=area)


def transfer(
    *, actor: Any, demand: Demand, to: Area, reason: str, today: date | None = None
) -> None:
    """Refer (转办) the demand to another community of its street, or to the street itself.

    It moves there with its history: its community, street and place become the destination's
    (whose staff narrow the place down with a correction), it awaits acceptance again, and both
    deadlines are recounted from today (the deadline rule above). Its events stay as they were,
    each with the community that took the step; the referral's own event is the old
    community's, which therefore keeps reading the demand (`Demand.objects.visible_to`) but can
    no longer act on it. The destination's staff are told.
    """
    reason = _required(reason, "reason")
    if not transfer_destinations(demand).filter(pk=to.pk).exists():
        raise ServiceError(
            _("Refer it to another community of the same street, or to the street."), field="to"
        )
    old_status = demand.status
    if old_status not in (Status.COLLECTED, Status.ACCEPTED):
        raise ServiceError(
            _("This cannot be done to a demand that is “%(status)s”.")
            % {"status": Status(old_status).label},
            code="invalid_transition",
        )
    day = today or timezone.localdate()
    calendar = WorkCalendar.load()
    response = calendar.add_workdays(day, demand.category.response_days)
    resolution = calendar.add_workdays(day, demand.category.resolution_days)
    old = demand.community
    fields: dict[str, Any] = {
        "community": to,
        "street_id": demand.street_id,
        "area": to,
        "venue": None,  # a venue of the old community's
        "status": Status.COLLECTED,
        "accepted_at": None,
        "response_due": response.day,
        "resolution_due": resolution.day,
        "due_provisional": response.provisional or resolution.provisional,
    }
    changes = {
        "status": [old_status, Status.COLLECTED],
        "community": [old.pk, to.pk],
        "area": [demand.area_id, to.pk],
        "response_due": [demand.response_due.isoformat(), response.day.isoformat()],
        "resolution_due": [demand.resolution_due.isoformat(), resolution.day.isoformat()],
    }
    with transaction.atomic():
        changed = Demand.objects.filter(
            pk=demand.pk, status=old_status, community_id=old.pk
        ).update(updated_at=timezone.now(), **fields)
        if changed != 1:
            raise StaleDemand(
                Demand.objects.filter(pk=demand.pk).values_list("status", flat=True).first()
            )
        # The old community's step, in its own history and figures.
        _event(
            demand,
            actor=actor,
            kind=EventKind.TRANSFERRED,
            note=reason,
            from_status=old_status,
            to_status=Status.COLLECTED,
            data={"from": old.pk, "from_name": old.name, "to": to.pk, "to_name": to.name},
        )
        demand.refresh_from_db()
        log_action(actor=actor, action="demand.transferred", obj=demand, changes=changes)
        notify(
            users=_staff_of(to),
            title=_("Referred to you by %(community)s: %(title)s")
            % {"community": old.name, "title": demand.title},
            body=_("Accept by %(day)s") % {"day": demand.response_due.isoformat()},
            url=demand.get_absolute_url(),
        )


def correct(
    *,
    actor: Any,
    demand: Demand,
    reason: str,
    area: Area | None = None,
    category: Category | None = None,
) -> dict[str, list[Any]]:
    """Correct the demand's place (within its community) or category after intake, with a reason.

    Deadlines follow the deadline rule above: a new category recounts them from the start day,
    except those of steps already done. Returns what changed (also in the event and the audit).
    """
    reason = _required(reason, "reason")
    if demand.status not in OPEN_STATUSES:
        raise ServiceError(_("This demand is no longer open."), code="closed")
    area = area or demand.area
    category = category or demand.category
    if area.pk != demand.area_id and not _in_community(area, demand.community):
        raise ServiceError(
            _("Choose a place in %(community)s; to move it to another community, refer it.")
            % {"community": demand.community.name},
            field="area",
        )
    if category.pk != demand.category_id and not category.is_active:
        raise ServiceError(
            _("This category is no longer in use; choose another."), field="category"
        )
    changes: dict[str, list[Any]] = {}
    fields: dict[str, Any] = {}
    old_area, old_category = demand.area, demand.category
    if area.pk != demand.area_id:
        changes["area"] = [demand.area_id, area.pk]
        fields["area"] = area
        fields["venue"] = None  # the corrected place stands alone
    if category.pk != demand.category_id:
        changes["category"] = [demand.category_id, category.pk]
        fields["category"] = category
        fields.update(_recounted(demand, category, changes))
    if not changes:
        raise ServiceError(_("Change the place or the category, or leave it as it is."))
    with transaction.atomic():
        changed = Demand.objects.filter(
            pk=demand.pk, status=demand.status, updated_at=demand.updated_at
        ).update(updated_at=timezone.now(), **fields)
        if changed != 1:
            raise StaleDemand(
                Demand.objects.filter(pk=demand.pk).values_list("status", flat=True).first()
            )
        demand.refresh_from_db()
        # What the history shows: each change by name or date, old → new.
        shown = {
            "area": [str(old_area), str(area)] if "area" in changes else None,
            "category": [old_category.name, category.name] if "category" in changes else None,
        }
        _event(
            demand,
            actor=actor,
            kind=EventKind.CORRECTED,
            note=reason,
            data={**changes, "shown": {k: v for k, v in shown.items() if v}},
        )
        log_action(actor=actor, action="demand.corrected", obj=demand, changes=changes)
    return changes


def _in_community(area: Area, community: Area) -> bool:
    from genxi.places.models import AreaKind

    return (
        area.kind != AreaKind.GRID
        and community.kind == AreaKind.COMMUNITY
        and community.contains(area)
    )


def _recounted(demand: Demand, category: Category, changes: dict[str, list[Any]]) -> dict[str, Any]:
    """The deadlines under `category`, by the deadline rule; records what moved in `changes`."""
    calendar = WorkCalendar.load()
    start = start_day(demand)
    fields: dict[str, Any] = {}
    provisional = False
    kept = False
    if demand.accepted_at is None:
        response = calendar.add_workdays(start, category.response_days)
        fields["response_due"], provisional = response.day, response.provisional
    else:
        kept = True
    extended = demand.extensions.filter(status=ExtensionStatus.APPROVED).exists()
    if demand.resolved_at is None and demand.status != Status.RESOLVED and not extended:
        resolution = calendar.add_workdays(start, category.resolution_days)
        fields["resolution_due"] = resolution.day
        provisional |= resolution.provisional
    else:
        kept = True
    if not fields:
        return {}
    fields["due_provisional"] = provisional or (kept and demand.due_provisional)
    for name in ("response_due", "resolution_due"):
        if name in fields and fields[name] != getattr(demand, name):
            changes[name] = [getattr(demand, name).isoformat(), fields[name].isoformat()]
    return fields


# ------------------------------------------------------------------ the calendar


def recompute_provisional_deadlines(*, actor: Any, year: int) -> int:
    """Once `year`'s holidays are known (entered on 设置 › 工作日历), recount the deadlines of the
    open demands that were counted through it by the weekday rule: from each demand's start day
    (collection, or its latest referral), with its category's working days, as at intake. The
    deadline rule holds: a response deadline once accepted, and a resolution deadline once
    resolved or moved by an approved extension, stay where they were. Each changed demand
    gets a DUE_RECOMPUTED event (old and new deadlines) and an audit entry; it stays provisional
    only if its deadlines still run through another year nobody has published. Returns how many
    demands changed.

    Called by `genxi.core.services.set_year_schedule` inside its transaction.
    """
    calendar = WorkCalendar.load()
    extended = set(
        Extension.objects.filter(status=ExtensionStatus.APPROVED).values_list("demand", flat=True)
    )
    candidates = (
        Demand.objects.open()
        .filter(due_provisional=True, resolution_due__year__gte=year)
        .select_related("category")
        .order_by("pk")
    )
    changed = 0
    with transaction.atomic():
        for demand in candidates:
            start = start_day(demand)  # collection, or the latest referral (the deadline rule)
            if start.year > year:
                continue  # counted wholly after `year`: this year's holidays change nothing

            def still_provisional(day: date, start: date = start) -> bool:
                """A deadline left where it is: does it still count through an unknown year?"""
                years = range(start.year, day.year + 1)
                return any(calendar.status(date(y, 6, 1)).provisional for y in years)

            # The deadline rule: a step already done keeps its deadline (as `correct` does).
            if demand.accepted_at is not None:
                response_day = demand.response_due
                response_provisional = still_provisional(response_day)
            else:
                response = calendar.add_workdays(start, demand.category.response_days)
                response_day, response_provisional = response.day, response.provisional
            if demand.pk in extended or demand.status in (Status.RESOLVED, Status.CALLED_BACK):
                resolution_day = demand.resolution_due
                resolution_provisional = still_provisional(resolution_day)
            else:
                resolution = calendar.add_workdays(start, demand.category.resolution_days)
                resolution_day, resolution_provisional = resolution.day, resolution.provisional
            provisional = response_provisional or resolution_provisional
            new = {
                "response_due": response_day,
                "resolution_due": resolution_day,
                "due_provisional": provisional,
            }
            old = {
                "response_due": demand.response_due,
                "resolution_due": demand.resolution_due,
                "due_provisional": demand.due_provisional,
            }
            if new == old:
                continue
            # Compare-and-set on the deadlines read: a deadline moved meanwhile is left alone.
            if not Demand.objects.filter(pk=demand.pk, **old).update(
                updated_at=timezone.now(), **new
            ):
                continue
            data = {
                "year": year,
                **{f"old_{k}": jsonable(v) for k, v in old.items()},
                **{k: jsonable(v) for k, v in new.items()},
            }
            _event(demand, actor=actor, kind=EventKind.DUE_RECOMPUTED, data=data)
            log_action(
                actor=actor,
                action="demand.due_recomputed",
                obj=demand,
                changes={k: [jsonable(old[k]), jsonable(new[k])] for k in new},
            )
            changed += 1
    return changed
