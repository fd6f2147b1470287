"""Activities, sessions and registrations (create with Idempotency-Key, cancel), scoped like
the pages; the writes call genxi.activities.services.

Who sees an activity: staff, leadership, pioneers and partner handlers of the areas or units
that run it (`Activity.objects.visible_to`), and residents it is open to (`open_to`). Who sees a
registration: staff and leadership of the activity's areas, and the person (or guardian) it is
for (`Registration.objects.visible_to`). Staff who run the activity register anyone (recorded as
done by staff); a resident registers themselves or, with `child_name`, a child of theirs.
"""

from collections import defaultdict
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import ValidationError
from ninja.responses import Status as Answer

from genxi.activities.models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Intake,
    Offering,
    Registration,
    RegistrationStatus,
    Session,
)
from genxi.activities.services import registration as signup
from genxi.api import idempotency
from genxi.api.places import PageQuery, id_page
from genxi.core.params import parse_id
from genxi.core.phones import mask_phone
from genxi.core.services import ServiceError, already_submitted
from genxi.places.models import Resident

router = Router(tags=["activities"])

MAX_ID = 2**63 - 1


def _activities(user: Any) -> QuerySet[Activity]:
    """Activities the caller sees: those of their areas or units, and those open to them."""
    seen = Activity.objects.visible_to(user).values("pk")
    open_to = Activity.objects.open_to(user).values("pk")
    return Activity.objects.filter(Q(pk__in=seen) | Q(pk__in=open_to))


class ActivityOut(Schema):
    id: int
    title: str
    kind: ActivityKind
    status: ActivityStatus
    owner_id: int = Field(description="the community or street that runs it")
    owner: str = Field(alias="owner.name")
    street_id: int
    venue_id: int | None
    address: str
    audience: list[str]
    waitlist_mode: str = Field(description="`confirm` a freed seat at once, or `offer` it")
    created_at: datetime


class ActivityQuery(PageQuery):
    q: str = Field("", max_length=50, description="words in the title")
    kind: ActivityKind | None = None
    status: ActivityStatus | None = None


class ActivityPage(Schema):
    items: list[ActivityOut]
    next_after: int | None = Field(description="pass as `after` for the next page")


@router.get(
    "/activities",
    response=ActivityPage,
    summary="Activities the caller runs, helps at, oversees or may sign up for, by id",
)
def list_activities(request: HttpRequest, query: Query[ActivityQuery]) -> dict[str, Any]:
    qs = _activities(request.user).select_related("owner")
    text = query.q.replace("\x00", "").strip()
    if text:
        qs = qs.filter(title__contains=text)
    if query.kind:
        qs = qs.filter(kind=query.kind)
    if query.status:
        qs = qs.filter(status=query.status)
    return id_page(qs, query)


class CountsOut(Schema):
    confirmed: int
    offered: int
    waiting: int
    applied: int
    free: int = Field(description="places neither confirmed nor on offer")


class OfferingOut(Schema):
    id: int
    session_id: int | None
    term_id: int | None
    slot_id: int | None
    intake: Intake
    capacity: int
    staff_share: int = Field(description="places kept for registrations made by staff")
    household_limit: int | None
    waitlist_size: int | None = Field(description="none: no limit; 0: no waiting list")
    opens_at: datetime | None
    closes_at: datetime | None
    counts: CountsOut = Field(description="counted from the registrations now")

    @staticmethod
    def resolve_counts(offering: Offering) -> dict[str, int]:
        counted = getattr(offering, "counted", None)
        if counted is None:
            counted = _counts([offering])[offering.pk]
        return counted


def _counts(offerings: list[Offering]) -> dict[int, dict[str, int]]:
    """Each offering's registrations by status, in one query."""
    found: dict[int, dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(RegistrationStatus.values, 0)
    )
    rows = (
        Registration.objects.filter(offering__in=[o.pk for o in offerings])
        .values("offering_id", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        found[row["offering_id"]][row["status"]] = row["n"]
    for offering in offerings:
        mine = found[offering.pk]
        mine["free"] = max(0, offering.capacity - mine["confirmed"] - mine["offered"])
    return found


def _counted(offerings: list[Offering]) -> list[Offering]:
    counts = _counts(offerings)
    for offering in offerings:
        offering.counted = counts[offering.pk]  # type: ignore[attr-defined]
    return offerings


class SessionOut(Schema):
    id: int
    activity_id: int
    term_id: int | None
    title: str
    starts_at: datetime
    ends_at: datetime
    venue_id: int | None


class ActivityDetail(ActivityOut):
    description: str
    sessions: list[SessionOut]
    offerings: list[OfferingOut]

    @staticmethod
    def resolve_sessions(activity: Activity) -> Any:
        return activity.sessions.order_by("starts_at", "id")

    @staticmethod
    def resolve_offerings(activity: Activity) -> Any:
        return _counted(list(activity.offerings.order_by("id")))


def _activity(request: HttpRequest, activity_id: str) -> Activity:
    return get_object_or_404(
        _activities(request.user).select_related("owner"), pk=parse_id(activity_id)
    )


@router.get(
    "/activities/{activity_id}",
    response=ActivityDetail,
    summary="One activity, with its sessions and what people register for (places and counts)",
)
def get_activity(request: HttpRequest, activity_id: str) -> Activity:
    return _activity(request, activity_id)


class SessionDetail(SessionOut):
    activity: ActivityOut
    offering: OfferingOut | None = Field(description="registration for this session alone")

    @staticmethod
    def resolve_offering(session: Session) -> Offering | None:
        return Offering.objects.filter(session=session).first()


@router.get("/sessions/{session_id}", response=SessionDetail, summary="One session")
def get_session(request: HttpRequest, session_id: str) -> Session:
    return get_object_or_404(
        Session.objects.filter(activity__in=_activities(request.user).values("pk")).select_related(
            "activity__owner"
        ),
        pk=parse_id(session_id),
    )


class RegistrationOut(Schema):
    id: int
    offering_id: int
    activity_id: int
    resident_id: int | None
    guardian_id: int | None = Field(description="for a child: the resident who registered them")
    name: str
    phone: str = Field(description="masked")
    status: RegistrationStatus
    seat: int | None = Field(description="the seat number, while confirmed or on offer")
    position: int = Field(description="place in the sign-up order (or the draw's rank)")
    by_staff: bool = Field(description="registered by staff (a call, a walk-in, a paper list)")
    code: str = Field(description="the check-in code")
    offer_expires_at: datetime | None
    cancelled_at: datetime | None
    created_at: datetime

    @staticmethod
    def resolve_phone(registration: Registration) -> str:
        return mask_phone(registration.phone)


class RegistrationIn(Schema):
    resident: int | None = Field(None, ge=1, le=MAX_ID, description="staff: a resident to register")
    guardian: int | None = Field(
        None, ge=1, le=MAX_ID, description="staff: the guardian of the child (a resident)"
    )
    child_name: str = Field("", max_length=50, description="a child, registered by a guardian")
    name: str = Field("", max_length=50, description="staff: someone not on the residents' list")
    phone: str = Field("", max_length=20, description="with `name`")


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError([{"loc": ("body", "body", field), "msg": message}])


def _own_resident(user: Any) -> Resident | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Resident.objects.filter(user=user).select_related("area").first()


def _person(request: HttpRequest, offering: Offering, body: RegistrationIn) -> dict[str, Any]:
    """The register() arguments for whom the request names, as the caller may name them:
    staff who run the activity anyone in their scope or by name and phone; a resident
    themselves or their child. Anyone else is answered 404."""
    user = request.user
    if user.has_perm("activities.manage", offering.activity):
        visible = Resident.objects.visible_to(user).select_related("area")
        person: dict[str, Any] = {"by_staff": True}
        if body.guardian is not None:
            if body.resident is not None or body.name:
                raise _invalid("guardian", _("Name one person: a resident, a child or a name."))
            person["guardian"] = visible.filter(pk=body.guardian).first()
            if person["guardian"] is None:
                raise _invalid("guardian", _("Choose a resident you can see."))
            person["child_name"] = body.child_name
        elif body.resident is not None:
            if body.name or body.child_name:
                raise _invalid("resident", _("Name one person: a resident, a child or a name."))
            person["resident"] = visible.filter(pk=body.resident).first()
            if person["resident"] is None:
                raise _invalid("resident", _("Choose a resident you can see."))
        else:
            if body.child_name:
                raise _invalid("guardian", _("Choose the child's guardian."))
            person["name"], person["phone"] = body.name, body.phone
        return person
    me = _own_resident(user)
    if (
        me is None
        or not user.has_perm("activities.open_signup")
        or not Activity.objects.open_to(user).filter(pk=offering.activity_id).exists()
    ):
        raise Http404
    if body.resident not in (None, me.pk) or body.guardian not in (None, me.pk):
        raise _invalid("resident", _("You can register yourself or your children."))
    if body.name or body.phone:
        raise _invalid("name", _("You can register yourself or your children."))
    if body.child_name:
        return {"guardian": me, "child_name": body.child_name}
    return {"resident": me}


def _same_request(registration: Registration, offering: Offering, person: dict[str, Any]) -> bool:
    """Whether a registration made with a key is what this request asks for: the same
    offering and the same person, as the service records them."""
    try:
        name, _phone, key, _household, _community = signup.identify(
            resident=person.get("resident"),
            guardian=person.get("guardian"),
            child_name=person.get("child_name", ""),
            name=person.get("name", ""),
            phone=person.get("phone", ""),
        )
    except ServiceError:
        return False
    return (registration.offering_id, registration.person_key, registration.name) == (
        offering.pk,
        key,
        name,
    )


@router.post(
    "/offerings/{offering_id}/registrations",
    response={201: RegistrationOut},
    summary="Register someone for a session, a term or a slot",
    description=(
        "First come: a free place is confirmed at once, otherwise the person waits in line "
        "(`status`). A draw: the person applies. Staff who run the activity register a "
        "resident (`resident`), a child (`guardian` and `child_name`) or someone by `name` and "
        "`phone`; a resident registers themselves (an empty body) or their child "
        "(`child_name`). " + idempotency.DESCRIPTION
    ),
)
def create_registration(
    request: HttpRequest,
    response: HttpResponse,
    offering_id: str,
    body: RegistrationIn,
    idempotency_key: idempotency.KeyHeader = None,
) -> Any:
    # Who may register decides the scope (`_person`: staff who run it, or a resident it is
    # open to; a 404 to everyone else), so the offering is read without a scope of its own.
    offering = get_object_or_404(
        Offering.objects.select_related("activity__owner", "session"), pk=parse_id(offering_id)
    )
    person = _person(request, offering, body)
    token = None
    if idempotency_key is not None:
        token = idempotency.token_for(request.user, "registration", idempotency_key)
        seen = already_submitted(token, Registration)
        if seen is not None:
            idempotency.replay(response, same_request=_same_request(seen, offering, person))
            return Answer(201, seen)
    registration = signup.register(actor=request.user, offering=offering, token=token, **person)
    if token is not None and not _same_request(registration, offering, person):
        # The same key, sent at the same moment with another request, won the race.
        idempotency.replay(response, same_request=False)
    return Answer(201, registration)


def _registration(request: HttpRequest, registration_id: str) -> Registration:
    return get_object_or_404(
        Registration.objects.visible_to(request.user).select_related(
            "activity", "offering__activity", "resident", "guardian"
        ),
        pk=parse_id(registration_id),
    )


@router.get(
    "/registrations/{registration_id}",
    response=RegistrationOut,
    summary="One registration: the caller's own (or their child's), or one in their areas",
)
def get_registration(request: HttpRequest, registration_id: str) -> Registration:
    return _registration(request, registration_id)


def _own(user: Any, registration: Registration) -> bool:
    return any(
        person is not None and person.user_id == user.pk
        for person in (registration.resident, registration.guardian)
    )


@router.post(
    "/registrations/{registration_id}/cancel",
    response=RegistrationOut,
    summary="Cancel a registration; its seat goes to the next person waiting",
    description=(
        "A resident cancels their own (or their child's) until the activity's cut-off; staff "
        "who run the activity cancel any until it begins."
    ),
)
def cancel_registration(request: HttpRequest, registration_id: str) -> Registration:
    registration = _registration(request, registration_id)
    by_staff = request.user.has_perm("activities.manage", registration.activity)
    if not by_staff and not _own(request.user, registration):
        raise Http404
    signup.cancel(actor=request.user, registration=registration, by_staff=by_staff)
    return registration
