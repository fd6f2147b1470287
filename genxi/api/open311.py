"""Open311 GeoReport v2 at /open311/v2/, in XML or JSON by suffix, with mySociety's
servicerequestupdates.

- Services are the active demand categories. A category with sub-categories has one attribute,
  `subcategory`, a single-value list of them: the request is filed under the one chosen.
- A request is recorded by `genxi.demands.services.collect_demand`, as the intake form does,
  for the owner of `api_key` (a personal API token) and within their places.
- `service_request_id` is the demand's tracking code, which the public tracking page also takes.
- Answers never carry personal details: no reporter, no title or description a resident wrote
  (the category says what it is about), no room; the address is the compound or community.
  `status_notes` and the updates are the notes staff marked public.
"""

import contextlib
import math
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from genxi.accounts.services import user_for_token
from genxi.api import services as api_services
from genxi.api.models import UnplacedRequest
from genxi.core.paths import path_ids
from genxi.core.services import ServiceError, already_submitted
from genxi.demands import services
from genxi.demands.models import (
    OPEN_STATUSES,
    PUBLIC_NOTE_KINDS,
    Category,
    Channel,
    Demand,
    DemandEvent,
    HandlingPath,
    Status,
)
from genxi.places.models import Area, AreaKind, Resident

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-22T00:00:00+08:00"  # when the answers below last changed shape
MAX_DAYS = 90
MAX_ROWS = 1000
NEAR_DEGREES = 0.02  # lat/long match a place within about 2 km
FORMATS = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}

# mySociety's update statuses, from a demand's.
UPDATE_STATUS = {
    Status.COLLECTED: "open",
    Status.ACCEPTED: "open",
    Status.VERIFIED: "investigating",
    Status.ASSIGNED: "action_scheduled",
    Status.IN_PROGRESS: "in_progress",
    Status.RESOLVED: "fixed",
    Status.CALLED_BACK: "fixed",
    Status.CLOSED: "closed",
    Status.REFERRED: "internal_referral",
    Status.WITHDRAWN: "no_further_action",
    Status.MERGED: "duplicate",
}


class Open311Error(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


# ---------------------------------------------------------------- rendering


# The element each list's entries take in XML.
SINGULAR = {
    "attributes": "attribute",
    "values": "value",
    "formats": "format",
    "endpoints": "endpoint",
}


def _fill(element: ET.Element, row: dict[str, Any]) -> None:
    """`<field>value</field>` for each field of `row`; dicts and lists nest as the spec shows."""
    for name, value in row.items():
        child = ET.SubElement(element, name)
        if isinstance(value, dict):
            _fill(child, value)
        elif isinstance(value, list):
            for entry in value:
                sub = ET.SubElement(child, SINGULAR[name])
                if isinstance(entry, dict):
                    _fill(sub, entry)
                else:
                    sub.text = str(entry)
        elif isinstance(value, bool):
            child.text = "true" if value else "false"
        elif value is not None:
            child.text = str(value)


# What XML 1.0 cannot carry (its Char production): one such character in a note would make the
# whole answer unreadable for every client.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    return NOT_XML.sub("", text)


def _render(fmt: str, top: ET.Element, body: Any, status: int) -> HttpResponse:
    if fmt == "json":
        return JsonResponse(
            body, safe=False, status=status, json_dumps_params={"ensure_ascii": False}
        )
    for element in top.iter():
        if element.text:
            element.text = xml_text(element.text)
    xml = ET.tostring(top, encoding="utf-8", xml_declaration=True)
    return HttpResponse(xml, content_type=FORMATS["xml"], status=status)


def _answer(
    fmt: str, root: str, item: str, rows: Sequence[dict[str, Any]], status: int = 200
) -> HttpResponse:
    """A list: `<root><item>…</item>…</root>`, or a JSON array."""
    top = ET.Element(root)
    for row in rows:
        _fill(ET.SubElement(top, item), row)
    return _render(fmt, top, list(rows), status)


def _document(fmt: str, root: str, body: dict[str, Any]) -> HttpResponse:
    """One object: `<root>…</root>`, or a JSON object."""
    top = ET.Element(root)
    _fill(top, body)
    return _render(fmt, top, body, 200)


def errors_response(
    request: HttpRequest, status: int, errors: list[tuple[int, str]]
) -> HttpResponse:
    """The spec's error list, in the format the path asks for (XML unless it ends in .json)."""
    fmt = "json" if request.path.endswith(".json") else "xml"
    # Never echo control characters back, in either format.
    rows = [{"code": code, "description": xml_text(text)} for code, text in errors]
    return _answer(fmt, "errors", "error", rows, status=status)


def _local(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def _end_of(day: date) -> str:
    return datetime.combine(
        day, time(23, 59, 59), tzinfo=timezone.get_current_timezone()
    ).isoformat()


# ---------------------------------------------------------------- requests in


def _views(handler: Any, methods: tuple[str, ...] = ("GET", "HEAD")) -> Any:
    """Wrap an Open311 view: the format from the suffix, jurisdiction_id checked, errors listed."""

    def view(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
        try:
            if request.method not in methods:
                raise Open311Error(
                    405,
                    _("This address takes %(methods)s.")
                    % {"methods": " or ".join(m for m in methods if m != "HEAD")},
                )
            if fmt not in FORMATS:
                raise Open311Error(404, _("Unknown format: use .xml or .json."))
            jurisdiction = request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id")
            if jurisdiction and jurisdiction != settings.GENXI_OPEN311_JURISDICTION:
                raise Open311Error(
                    404, _("Unknown jurisdiction_id: %(id)s.") % {"id": jurisdiction}
                )
            response: HttpResponse = handler(request, fmt, **kwargs)
            return response
        except Open311Error as exc:
            return errors_response(request, exc.status, [(exc.status, exc.description)])

    view.__name__ = handler.__name__
    view.__doc__ = handler.__doc__
    return csrf_exempt(view)


def _dates(request: HttpRequest) -> tuple[datetime, datetime]:
    """start_date and end_date (W3C date-times), at most 90 days apart; the last 90 by default."""
    parsed = []
    for name in ("start_date", "end_date"):
        text = request.GET.get(name, "").strip()
        value = None
        if text:
            with contextlib.suppress(ValueError):
                value = parse_datetime(text.replace(" ", "+"))
            if value is None or not 2000 <= value.year <= 2100:
                raise Open311Error(
                    400,
                    _("%(name)s is not a date and time like 2026-11-01T00:00:00+08:00.")
                    % {"name": name},
                )
            if timezone.is_naive(value):
                value = timezone.make_aware(value)
        parsed.append(value)
    start, end = parsed
    if end is None:
        end = timezone.now() if start is None else start + timedelta(days=MAX_DAYS)
    if start is None:
        start = end - timedelta(days=MAX_DAYS)
    if end < start:
        raise Open311Error(400, _("end_date is before start_date."))
    if end - start > timedelta(days=MAX_DAYS):
        raise Open311Error(400, _("start_date and end_date may be at most 90 days apart."))
    return start, end


# ---------------------------------------------------------------- discovery and services


@_views
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri("/open311/v2")
    body = {
        "changeset": CHANGESET,
        "contact": settings.GENXI_OPEN311_CONTACT,
        "key_service": request.build_absolute_uri("/accounts/me/"),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return _document(fmt, "discovery", body)


def _tree() -> tuple[dict[int, Category], dict[int | None, list[Category]]]:
    categories = {c.pk: c for c in Category.objects.active().order_by("depth", "name")}
    children: dict[int | None, list[Category]] = {}
    for category in categories.values():
        children.setdefault(category.parent_id, []).append(category)
    return categories, children


def _service(
    category: Category, categories: dict[int, Category], children: dict[int | None, list[Category]]
) -> dict[str, Any]:
    lineage = [category]
    while lineage[-1].parent_id in categories:
        lineage.append(categories[lineage[-1].parent_id or 0])
    return {
        "service_code": str(category.pk),
        "service_name": category.name,
        "description": category.description
        or _("Resolved within %(days)s working days.") % {"days": category.resolution_days},
        "metadata": bool(children.get(category.pk)),
        "type": "realtime",
        "keywords": ", ".join(c.name for c in reversed(lineage)),
        "group": lineage[-1].name,
    }


@_views
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    categories, children = _tree()
    rows = [_service(c, categories, children) for c in categories.values()]
    return _answer(fmt, "services", "service", rows)


def _category(code: str) -> Category:
    category = (
        Category.objects.active().filter(pk=int(code)).first()
        if code.isascii() and code.isdigit() and len(code) <= 18
        else None
    )
    if category is None:
        raise Open311Error(404, _("No service has the code %(code)s.") % {"code": code[:50]})
    return category


@_views
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    category = _category(code)
    _categories, children = _tree()
    attributes = []
    if children.get(category.pk):
        attributes.append(
            {
                "variable": True,
                "code": "subcategory",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": _("The exact kind, if known."),
                "order": 1,
                "description": _("Which kind of %(name)s?") % {"name": category.name},
                "values": [{"key": str(c.pk), "name": c.name} for c in children[category.pk]],
            }
        )
    body = {"service_code": str(category.pk), "attributes": attributes}
    return _document(fmt, "service_definition", body)


# ---------------------------------------------------------------- requests


def _coordinate(request: HttpRequest, name: str, limit: int) -> Decimal | None:
    text = request.POST.get(name, "").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or abs(value) > limit:
        raise Open311Error(400, _("%(name)s is not a coordinate.") % {"name": name})
    return value.quantize(Decimal("0.000001"))


def _place(
    request: HttpRequest, user: Any, lat: Decimal | None, long: Decimal | None
) -> Area | None:
    """Where: address_id (an area); else address_string: the most specific place whose name it
    contains, or a place's street address; else the nearest place to lat/long — among the
    places the key's owner may record demands in. None: free text that names no place (the
    request waits for staff to place it)."""
    places: QuerySet[Area] = Area.objects.collected_by(user)
    address_id = request.POST.get("address_id", "").strip()
    address = request.POST.get("address_string", "").strip().replace("\x00", "")
    if address_id:
        area = (
            places.filter(pk=int(address_id)).first()
            if address_id.isascii() and address_id.isdigit() and len(address_id) <= 18
            else None
        )
        if area is None:
            raise Open311Error(400, _("address_id is not a place you may report in."))
        return area
    if address:
        named = api_services.match_place(places, address)
        if named is not None:
            return named
        by_address = list(places.filter(address__contains=address[:500])[:2])
        if len(by_address) == 1:
            return by_address[0]
    if lat is not None and long is not None:
        near = places.filter(
            latitude__range=(lat - Decimal(NEAR_DEGREES), lat + Decimal(NEAR_DEGREES)),
            longitude__range=(long - Decimal(NEAR_DEGREES), long + Decimal(NEAR_DEGREES)),
        ).exclude(kind=AreaKind.BUILDING)
        y, x = float(lat), float(long)
        scale = math.cos(math.radians(y))
        best = min(
            near,
            key=lambda a: (
                (float(a.latitude or 0) - y) ** 2 + (scale * (float(a.longitude or 0) - x)) ** 2
            ),
            default=None,
        )
        if best is not None:
            return best
        if not address:
            raise Open311Error(400, _("No place you may report in lies near lat/long."))
    if address:
        return None
    raise Open311Error(400, _("Give the location: lat and long, address_string or address_id."))


def _reporter(request: HttpRequest, user: Any) -> list[Resident]:
    """The resident behind the request, if the phone is one the key's owner already knows."""
    return api_services.reporters_by_phone(user, request.POST.get("phone", ""))


def request_list(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _post_request(request, fmt)
    qs = Demand.objects.select_related("category", "community", "area", "handler_partner")
    ids = request.GET.get("service_request_id", "").strip()
    if ids:
        codes = [c.strip().upper() for c in ids.split(",") if c.strip()][:MAX_ROWS]
        rows = qs.filter(code__in=codes).order_by("-created_at", "-id")
        return _answer(fmt, "service_requests", "request", _requests(rows))
    start, end = _dates(request)
    qs = qs.filter(created_at__gte=start, created_at__lte=end)
    codes = [c for c in request.GET.get("service_code", "").split(",") if c.strip()]
    if codes:
        qs = qs.filter(category__in=[_category(c.strip()) for c in codes[:50]])
    wanted = {s.strip() for s in request.GET.get("status", "").split(",") if s.strip()}
    if wanted - {"open", "closed"}:
        raise Open311Error(400, _("status is open or closed."))
    if wanted == {"open"}:
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif wanted == {"closed"}:
        qs = qs.exclude(status__in=OPEN_STATUSES)
    rows = qs.order_by("-created_at", "-id")[:MAX_ROWS]
    return _answer(fmt, "service_requests", "request", _requests(rows))


request_list = _views(request_list, methods=("GET", "HEAD", "POST"))


@_views
def request_detail(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    qs = Demand.objects.select_related("category", "community", "area", "handler_partner")
    rows = _requests(qs.filter(code=code.strip().upper()[:12]))
    if not rows:
        raise Open311Error(404, _("No request has the id %(id)s.") % {"id": code[:50]})
    return _answer(fmt, "service_requests", "request", rows)


@_views
def token_detail(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    """The request a token names: its id once there is a demand; before that (a request waiting
    for staff to place it), only the token."""
    try:
        key = uuid.UUID(token)
    except ValueError:
        key = None
    demand = already_submitted(key, Demand) if key is not None else None
    if demand is not None:
        row = {"service_request_id": demand.code, "token": str(key)}
    elif key is not None and UnplacedRequest.objects.filter(token=key).exists():
        row = {"token": str(key)}
    else:
        raise Open311Error(404, _("No request has the token %(token)s.") % {"token": token[:50]})
    return _answer(fmt, "service_requests", "request", [row])


def _post_request(request: HttpRequest, fmt: str) -> HttpResponse:
    user = user_for_token(request.POST.get("api_key", "").strip())
    if user is None:
        raise Open311Error(403, _("The api_key is missing, wrong or revoked."))
    if not user.has_perm("demands.add_demand"):
        raise Open311Error(403, _("The api_key's owner may not record demands."))
    category = _category(request.POST.get("service_code", "").strip())
    choice = request.POST.get("attribute[subcategory]", "").strip()
    if choice:
        sub = (
            category.children.filter(is_active=True, pk=int(choice)).first()
            if (choice.isascii() and choice.isdigit() and len(choice) <= 18)
            else None
        )
        if sub is None:
            raise Open311Error(400, _("attribute[subcategory] is not one of the listed values."))
        category = sub
    lat = _coordinate(request, "lat", 90)
    long = _coordinate(request, "long", 180)
    area = _place(request, user, lat, long)
    media_url = request.POST.get("media_url", "").strip()
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError as exc:
            raise Open311Error(400, _("media_url is not a web address.")) from exc
        if len(media_url) > 500:
            raise Open311Error(400, _("media_url is too long."))
    description = request.POST.get("description", "").replace("\x00", "").strip()
    if not description:
        raise Open311Error(400, _("Describe the problem in description."))
    token = uuid.uuid4()
    if area is None:
        return _keep_unplaced(request, fmt, user, token, category, description, lat, long)
    try:
        demand = services.collect_demand(
            actor=user,
            title=description.splitlines()[0][:100],
            description=description[:5000],
            category=category,
            area=area,
            channel=Channel.WEB,
            reporters=_reporter(request, user),
            latitude=lat,
            longitude=long,
            media_url=media_url,
            token=token,
        )
    except ServiceError as exc:
        raise Open311Error(400, exc.message) from exc
    notice = _("Accepted within %(days)s working days; resolved by %(day)s.") % {
        "days": category.response_days,
        "day": demand.resolution_due.isoformat(),
    }
    row = {
        "service_request_id": demand.code,
        "token": str(token),
        "service_notice": notice,
        "account_id": None,
    }
    return _answer(fmt, "service_requests", "request", [row], status=201)


# What an unplaced request keeps of the post: every field but the key.
KEPT_FIELDS = (
    "service_code", "attribute[subcategory]", "address_string", "lat", "long", "email",
    "device_id", "account_id", "first_name", "last_name", "phone", "description", "media_url",
)  # fmt: skip


def _keep_unplaced(
    request: HttpRequest,
    fmt: str,
    user: Any,
    token: uuid.UUID,
    category: Category,
    description: str,
    lat: Decimal | None,
    long: Decimal | None,
) -> HttpResponse:
    """An address that names no place: keep the request for staff and answer with its token
    (the specification's answer for a request not yet given an id)."""
    fields = {
        name: request.POST.get(name, "").replace("\x00", "")[:5000]
        for name in KEPT_FIELDS
        if request.POST.get(name, "").strip()
    }
    try:
        api_services.keep_unplaced(
            actor=user,
            token=token,
            category=category,
            address=fields.get("address_string", ""),
            description=description[:5000],
            latitude=lat,
            longitude=long,
            media_url=fields.get("media_url", "")[:500],
            fields=fields,
        )
    except ServiceError as exc:
        raise Open311Error(400, exc.message) from exc
    notice = _("Received: staff will place it and give it an id; ask tokens/%(token)s.") % {
        "token": token
    }
    row = {"token": str(token), "service_notice": notice, "account_id": None}
    return _answer(fmt, "service_requests", "request", [row], status=201)


def _agency(demand: Demand) -> str:
    if demand.path == HandlingPath.PARTNER and demand.handler_partner is not None:
        return demand.handler_partner.name
    if demand.path:
        return demand.community.name
    return ""


def _requests(demands: Iterable[Demand]) -> list[dict[str, Any]]:
    demands = list(demands)
    notes: dict[int, str] = {}
    public = (
        DemandEvent.objects.public()
        .filter(demand__in=demands, kind__in=PUBLIC_NOTE_KINDS)
        .exclude(note="")
    )
    for demand_id, note in public.order_by("at", "id").values_list("demand", "note"):
        notes[demand_id] = note  # the latest public note wins
    areas = _public_areas(demands)
    rows = []
    for demand in demands:
        area = areas[demand.area_id]
        # The compound's own point, never where the resident stood (that is a home's door).
        lat, long = area.latitude, area.longitude
        rows.append(
            {
                "service_request_id": demand.code,
                "status": "open" if demand.status in OPEN_STATUSES else "closed",
                "status_notes": notes.get(demand.pk, ""),
                "service_name": demand.category.name,
                "service_code": str(demand.category_id),
                "description": None,
                "agency_responsible": _agency(demand),
                "service_notice": _("Resolve by %(day)s") % {"day": demand.resolution_due},
                "requested_datetime": _local(demand.created_at),
                "updated_datetime": _local(demand.updated_at),
                "expected_datetime": _end_of(demand.expected_on or demand.resolution_due),
                "address": area.address
                or (
                    area.name
                    if area.pk == demand.community_id
                    else f"{demand.community.name} {area.name}"
                ),
                "address_id": area.pk,
                "zipcode": None,
                "lat": lat,
                "long": long,
                "media_url": demand.media_url or None,
            }
        )
    return rows


# The places an answer may name: a building, a common area or a grid would point at a home.
PUBLIC_KINDS = frozenset(
    {AreaKind.COMPOUND, AreaKind.COMMUNITY, AreaKind.STREET, AreaKind.TOWN, AreaKind.DISTRICT}
)


def _public_areas(demands: list[Demand]) -> dict[int, Area]:
    """Each demand's place as far down as a compound: its nearest such ancestor or itself."""
    by_id = {d.area_id: d.area for d in demands}
    ancestors = Area.objects.in_bulk(
        {
            part
            for area in by_id.values()
            if area.kind not in PUBLIC_KINDS
            for part in path_ids(area.path)
        }
    )
    public = {}
    for pk, area in by_id.items():
        chain = [ancestors.get(i) for i in path_ids(area.path)]
        shown = [a for a in chain if a is not None and a.kind in PUBLIC_KINDS]
        public[pk] = area if area.kind in PUBLIC_KINDS or not shown else shown[-1]
    return public


# ---------------------------------------------------------------- mySociety updates


@_views
def update_list(request: HttpRequest, fmt: str) -> HttpResponse:
    """The public steps of every demand in a period, oldest first (mySociety's extension)."""
    start, end = _dates(request)
    events: QuerySet[DemandEvent] = (
        DemandEvent.objects.public().filter(at__gte=start, at__lte=end).select_related("demand")
    )
    ids = request.GET.get("service_request_id", "").strip()
    if ids:
        events = events.filter(demand__code__in=[c.strip().upper() for c in ids.split(",")][:100])
    rows = [
        {
            "update_id": str(event.pk),
            "service_request_id": event.demand.code,
            "status": UPDATE_STATUS.get(event.to_status or event.demand.status, "open"),  # type: ignore[call-overload]
            "updated_datetime": _local(event.at),
            "description": event.public_note,
            "media_url": None,
        }
        for event in events.order_by("at", "id")[:MAX_ROWS]
    ]
    return _answer(fmt, "service_request_updates", "request_update", rows)


FMT = "<str:fmt>"
urlpatterns = [
    path(f"discovery.{FMT}", discovery, name="discovery"),
    path(f"services.{FMT}", service_list, name="services"),
    path(f"services/<str:code>.{FMT}", service_definition, name="service"),
    path(f"requests.{FMT}", request_list, name="requests"),
    path(f"requests/<str:code>.{FMT}", request_detail, name="request"),
    path(f"tokens/<str:token>.{FMT}", token_detail, name="token"),
    path(f"servicerequestupdates.{FMT}", update_list, name="updates"),
]
