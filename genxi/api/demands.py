"""Demand categories and demands: the ledger with every filter and keyset pages, one demand with
its event log, reporters, call-backs, extensions and photos; recording a demand and every step of
its life.

Reads go through `genxi.demands.ledger` and `visible_to`, as the pages do. Writes go through the
very forms, permissions and services of the demand page (`genxi.demands.actions`): the API has no
rules of its own.
"""

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Header, Query, Router, Schema, UploadedFile
from ninja.responses import Status as Answer

from genxi.accounts.rules import require
from genxi.api.errors import FormInvalid
from genxi.api.models import IdempotencyKey
from genxi.core.audit import acting_user
from genxi.core.params import parse_id
from genxi.core.phones import mask_phone
from genxi.core.services import ServiceError
from genxi.demands import actions, figures, forms, ledger, services
from genxi.demands.actions import Id
from genxi.demands.models import (
    REFUSED,
    Category,
    Channel,
    Demand,
    DemandPhoto,
    EventKind,
    PhotoKind,
    Satisfaction,
    Status,
)

router = Router(tags=["demands"])


class CategoryOut(Schema):
    id: int
    name: str
    parent_id: int | None
    depth: int
    response_days: int = Field(description="working days to accept")
    resolution_days: int = Field(description="working days to resolve")
    is_active: bool


@router.get("/categories", response=list[CategoryOut], summary="The demand category tree")
def list_categories(request: HttpRequest) -> Any:
    return Category.objects.visible_to(request.user).order_by("depth", "name")


class DemandOut(Schema):
    id: int
    code: str = Field(description="the tracking code given to reporters")
    title: str
    description: str
    category_id: int
    category: str = Field(alias="category.name")
    community_id: int
    community: str = Field(alias="community.name")
    street_id: int
    area_id: int
    area: str = Field(alias="area.name")
    channel: str
    status: str
    path: str = Field(description="how it is handled, once decided")
    handler_partner_id: int | None
    created_at: datetime
    response_due: date
    resolution_due: date
    due_provisional: bool = Field(description="counted through a year whose holidays are unknown")
    overdue: bool = Field(alias="is_overdue")
    reporters: int = Field(description="how many residents raised it")

    @staticmethod
    def resolve_reporters(demand: Any) -> int:
        counted = getattr(demand, "reporter_count", None)  # the ledger counts in its query
        return int(counted) if counted is not None else demand.reporters.count()


class EventOut(Schema):
    kind: EventKind
    at: datetime
    from_status: str
    to_status: str
    note: str
    public: bool = Field(description="the public sees this step (not necessarily its note)")
    note_public: bool = Field(description="the public reads the note: staff marked it public")
    actor: str | None

    @staticmethod
    def resolve_actor(event: Any) -> str | None:
        return str(event.actor) if event.actor_id else None

    @staticmethod
    def resolve_note_public(event: Any) -> bool:
        return bool(event.public_note)


class DemandDetail(DemandOut):
    events: list[EventOut]
    actions: list[str] = Field(description="the steps the caller may take now")

    @staticmethod
    def resolve_events(demand: Demand) -> Any:
        return list(demand.events.select_related("actor"))

    @staticmethod
    def resolve_actions(demand: Demand, context: Any) -> list[str]:
        return actions.available(demand, context["request"].user)


class DemandFilters(Schema):
    status: str = Field("", description="a status, or `open` for all still open")
    category: str = Field("", description="a category id: it and everything under it")
    channel: str = ""
    handler: str = Field("", description="a partner id, or `community`")
    area: str = Field("", description="a street, community, compound, building or grid id")
    place: str = Field("", description="a compound within `area`")
    overdue: bool = False
    q: str = Field("", description="words in the title, details or place; or a tracking code")
    from_: str = Field("", alias="from", description="YYYY-MM-DD")
    to: str = Field("", description="YYYY-MM-DD")
    event: str = Field("", description="with from/to: when this step happened")
    due: str = Field("", description="with from/to: `response` or `resolution` deadline")
    sort: str = Field("new", description="`new`, `old` or `due`")
    after: str = Field("", description="the `next` cursor of the previous page")
    limit: int = Field(settings.GENXI_PAGE_SIZE, ge=1, le=200)


class DemandPage(Schema):
    items: list[DemandOut]
    total: int
    next: str = Field(description="pass as `after` for the next page; empty on the last")


@router.get("/demands", response=DemandPage, summary="The ledger, filtered, in keyset pages")
def list_demands(request: HttpRequest, filters: Query[DemandFilters]) -> dict[str, Any]:
    params = {k: v for k, v in filters.dict(by_alias=True).items() if v not in ("", None, False)}
    qs = ledger.filtered(request.user, {k: str(v) for k, v in params.items()}).select_related(
        "category", "community", "area"
    )
    rows, _cursor, next_cursor = ledger.page(
        qs, sort=filters.sort, after=filters.after, size=filters.limit
    )
    return {"items": rows, "total": qs.order_by().count(), "next": next_cursor}


def _demand(request: HttpRequest, demand_id: str) -> Demand:
    """The demand if the caller may see it; 404 otherwise, exactly as its page."""
    pk = parse_id(demand_id)
    if pk is None:
        raise Http404
    return actions.scoped_demand(request.user, pk)


@router.get("/demands/{demand_id}", response=DemandDetail, summary="One demand and its history")
def get_demand(request: HttpRequest, demand_id: str) -> Any:
    return _demand(request, demand_id)


class DemandIn(Schema):
    title: str = Field(min_length=1, max_length=100)
    category: Id
    area: Id = Field(description="a community, or a compound, building or grid within one")
    channel: Channel = Channel.WEB
    description: str = Field("", max_length=5000)
    reporters: list[Id] = Field(default_factory=list, max_length=50, description="resident ids")
    latitude: Decimal | None = Field(None, ge=-90, le=90, max_digits=9, decimal_places=6)
    longitude: Decimal | None = Field(None, ge=-180, le=180, max_digits=9, decimal_places=6)


def _form_data(body: Schema) -> dict[str, Any]:
    """A schema's values as a form's data: JSON types, no nulls."""
    return {k: v for k, v in body.model_dump(mode="json").items() if v is not None}


@router.post(
    "/demands",
    response={201: DemandOut},
    summary="Record a demand",
    description=(
        "Send an `Idempotency-Key` header (any text up to 255 characters, unique per demand): "
        "a retry with the same key and the same body returns the demand the first request made, "
        "with the header `Idempotent-Replayed: true`, and records nothing; the same key with "
        "any other body is refused (409 `idempotency_key_reused`). Keys are per caller."
    ),
)
def create_demand(
    request: HttpRequest,
    response: HttpResponse,
    body: DemandIn,
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", min_length=1, max_length=255)
    ] = None,
) -> Any:
    if not request.user.has_perm("demands.add_demand"):
        raise Http404
    if idempotency_key is None:
        demand = _record(request, body)
        demand.reporter_count = len(body.reporters)  # type: ignore[attr-defined]
        return Answer(201, demand)
    digest = _digest(body)
    if (seen := _seen(request.user, idempotency_key)) is not None:
        return Answer(201, _replayed(request, response, seen, digest))
    try:
        with transaction.atomic():
            demand = _record(request, body)
            IdempotencyKey.objects.create(
                user=acting_user(request.user), key=idempotency_key, digest=digest, demand=demand
            )
    except IntegrityError:
        # The same key sent twice at once: the other request holds it, and this one's demand
        # was rolled back with the key.
        seen = _seen(request.user, idempotency_key)
        if seen is None:
            raise
        return Answer(201, _replayed(request, response, seen, digest))
    demand.reporter_count = len(body.reporters)  # type: ignore[attr-defined]
    return Answer(201, demand)


def _record(request: HttpRequest, body: DemandIn) -> Demand:
    form = forms.DemandForm(_form_data(body), user=request.user)
    if not form.is_valid():
        raise FormInvalid(form)
    data = form.cleaned_data
    return services.collect_demand(
        actor=request.user,
        title=data["title"],
        category=data["category"],
        area=data["area"],
        channel=data["channel"],
        reporters=data["reporters"],
        description=data["description"],
        latitude=body.latitude,
        longitude=body.longitude,
    )


def _digest(body: DemandIn) -> str:
    """SHA-256 of the request as validated: every field (defaults filled in), sorted keys, the
    texts stripped as the form strips them, the reporters as a set, coordinates to 6 places."""
    canonical = body.model_dump(mode="json")
    for name in ("title", "description"):
        canonical[name] = canonical[name].strip()
    canonical["reporters"] = sorted(set(canonical["reporters"]))
    for name in ("latitude", "longitude"):  # 31.331 and "31.331000" are one point
        value = getattr(body, name)
        canonical[name] = None if value is None else f"{value:.6f}"
    text = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _seen(user: Any, key: str) -> IdempotencyKey | None:
    return IdempotencyKey.objects.filter(user=user, key=key).select_related("demand").first()


def _replayed(
    request: HttpRequest, response: HttpResponse, seen: IdempotencyKey, digest: str
) -> Demand:
    if seen.digest != digest:
        raise ServiceError(
            _("This Idempotency-Key was already used for another request; use a new key."),
            code="idempotency_key_reused",
        )
    response["Idempotent-Replayed"] = "true"
    return actions.scoped_demand(request.user, seen.demand_id)


def _act(
    request: HttpRequest,
    demand_id: str,
    action: actions.Action,
    data: dict[str, Any],
    files: Any = None,
) -> Demand:
    """Take one step on the demand with the demand page's own form, permission and service."""
    demand = _demand(request, demand_id)
    require(request.user, action.permission, demand)
    # Close-out's service says why it is refused (reporters still to call back): let it.
    closing = action.name == "close" and demand.status in action.statuses
    if action.name not in actions.available(demand, request.user) and not closing:
        raise ServiceError(
            str(REFUSED) % {"status": Status(demand.status).label}, code="invalid_transition"
        )
    form = action.bind(demand, request.user, data, files, prefixed=False)
    if not form.is_valid():
        raise FormInvalid(form)
    actions.perform(action, actor=request.user, demand=demand, data=form.cleaned_data)
    return _demand(request, demand_id)


Photos = File[list[UploadedFile]]


def _step(action: actions.Action) -> None:
    """The REST route of one step, from its declaration (genxi.demands.actions): verify and
    resolve take multipart form data so that photos can come along."""
    route = router.post(
        f"/demands/{{demand_id}}/{action.path}",
        response=DemandDetail,
        summary=action.summary,
        operation_id=f"demand_{action.name}",
        tags=["demand steps"],
    )
    schema = action.schema
    if schema is None:

        def step(request: HttpRequest, demand_id: str) -> Any:
            return _act(request, demand_id, action, {})

    elif action.multipart:

        def step(  # type: ignore[misc]
            request: HttpRequest,
            demand_id: str,
            body: Form[schema],  # type: ignore[valid-type]
            photos: Photos = None,  # type: ignore[assignment]
        ) -> Any:
            return _act(request, demand_id, action, _form_data(body), request.FILES)

    else:

        def step(  # type: ignore[misc]
            request: HttpRequest,
            demand_id: str,
            body: schema,  # type: ignore[valid-type]
        ) -> Any:
            return _act(request, demand_id, action, _form_data(body))

    route(step)


# The steps in the order the API has always listed them (the table follows the demand page's
# buttons): the OpenAPI document, and the clients generated from it, stay the same.
API_ORDER: tuple[str, ...] = (
    *("accept", "refer", "correct", "verify", "assign", "start", "send_back", "update"),
    *("resolve", "callback", "unreachable", "close", "add_reporters", "merge", "extend"),
    *("decide_extension", "withdraw"),
)


def _api_rank(action: actions.Action) -> int:
    return API_ORDER.index(action.name) if action.name in API_ORDER else len(API_ORDER)


for _action in sorted(actions.ACTIONS.values(), key=_api_rank):
    _step(_action)


class ReporterOut(Schema):
    resident_id: int
    name: str = Field(alias="resident.name")
    area: str = Field(alias="resident.area.name")
    room: str = Field(alias="resident.room")
    phone: str = Field(description="masked, as on the page")
    added_at: datetime

    @staticmethod
    def resolve_phone(reporter: Any) -> str:
        return mask_phone(reporter.resident.phone)


@router.get("/demands/{demand_id}/reporters", response=list[ReporterOut], summary="Who raised it")
def list_reporters(request: HttpRequest, demand_id: str) -> Any:
    return _demand(request, demand_id).reporters.select_related("resident__area")


class CallbackOut(Schema):
    resident_id: int
    round: int
    result: Satisfaction
    comment: str
    at: datetime


@router.get("/demands/{demand_id}/callbacks", response=list[CallbackOut], summary="Call-backs")
def list_callbacks(request: HttpRequest, demand_id: str) -> Any:
    return _demand(request, demand_id).callbacks.order_by("at", "id")


class ExtensionOut(Schema):
    id: int
    requested_at: datetime
    old_due: date
    new_due: date
    reason: str
    status: str
    decided_at: datetime | None
    decision_note: str


@router.get(
    "/demands/{demand_id}/extensions", response=list[ExtensionOut], summary="Requests for time"
)
def list_extensions(request: HttpRequest, demand_id: str) -> Any:
    return _demand(request, demand_id).extensions.order_by("requested_at", "id")


class PhotoOut(Schema):
    id: int
    kind: PhotoKind
    uploaded_at: datetime
    url: str = Field(description="the JPEG, for the same credentials")

    @staticmethod
    def resolve_url(photo: DemandPhoto) -> str:
        return f"/api/v1/demands/{photo.demand_id}/photos/{photo.pk}"


@router.get("/demands/{demand_id}/photos", response=list[PhotoOut], summary="Its photos")
def list_photos(request: HttpRequest, demand_id: str) -> Any:
    return _demand(request, demand_id).photos.order_by("uploaded_at", "id")


@router.get(
    "/demands/{demand_id}/photos/{photo_id}",
    summary="One photo (JPEG, without location data)",
    response={200: None},
    openapi_extra={
        "responses": {200: {"description": "image/jpeg", "content": {"image/jpeg": {}}}}
    },
)
def get_photo(request: HttpRequest, demand_id: str, photo_id: str) -> FileResponse:
    photo = get_object_or_404(
        DemandPhoto, demand=_demand(request, demand_id), pk=parse_id(photo_id)
    )
    response = FileResponse(photo.image.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


class RatioOut(Schema):
    numerator: int
    denominator: int
    percent: float | None


class CategoryCount(Schema):
    category: str
    demands: int


class DayCount(Schema):
    day: date
    collected: int
    resolved: int


class FiguresOut(Schema):
    area_id: int = Field(alias="area.pk")
    area: str = Field(alias="area.name")
    start: date
    end: date
    collected: int
    accepted: int
    resolved: int
    closed: int
    response: RatioOut = Field(description="accepted or referred by the response deadline")
    on_time: RatioOut = Field(description="resolved by the resolution deadline")
    resolution: RatioOut = Field(description="resolved by the end of the period (办结率)")
    satisfaction: RatioOut
    reopen: RatioOut
    median_days_to_resolve: float | None
    overdue_now: int
    by_category: list[CategoryCount]
    by_day: list[DayCount]

    @staticmethod
    def resolve_by_category(result: Any) -> list[dict[str, Any]]:
        return [{"category": name, "demands": n} for name, n in result.by_category]

    @staticmethod
    def resolve_by_day(result: Any) -> list[dict[str, Any]]:
        return [{"day": d, "collected": c, "resolved": r} for d, c, r in result.by_day]


class FiguresQuery(Schema):
    area: str = Field(description="a street or community id the caller holds a role in")
    from_: date | None = Field(None, alias="from", description="default: the 1st of this month")
    to: date | None = Field(None, description="default: today; at most 366 days after `from`")


@router.get(
    "/figures",
    response=FiguresOut,
    summary="The demand figures of a street or community for a period",
    description="Definitions: docs/figures.md. The same numbers as the figures page.",
)
def get_figures(request: HttpRequest, query: Query[FiguresQuery]) -> Any:
    area = get_object_or_404(figures.areas_for(request.user), pk=parse_id(query.area))
    end = query.to or timezone.localdate()
    start = query.from_ or end.replace(day=1)
    if end < start:
        start, end = end, start
    if start.year < 2000 or end.year > 2100:
        raise ServiceError(_("Choose dates between 2000 and 2100."), field="from")
    if (end - start).days > 366:
        raise ServiceError(_("Choose a period of at most 366 days."), field="from")
    return figures.compute(user=request.user, area=area, start=start, end=end)
