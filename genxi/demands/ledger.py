"""The ledger's query (台账): every filter, the word search, the sort orders and keyset pages.

One function each, used by the ledger page, its Excel export and the API alike: the rules of
what a filter means live here once. `filtered` starts from `Demand.objects.visible_to(user)`,
so whatever a parameter asks for, nothing outside the user's scope comes back; a parameter
that makes no sense matches nothing (or, for a cursor or a date, is ignored) — never an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy

from genxi.core.params import parse_id
from genxi.core.paths import path_range_q
from genxi.demands import figures, worklists
from genxi.demands.models import (
    Category,
    Channel,
    Demand,
    DemandEvent,
    DemandQuerySet,
    DemandReporter,
    EventKind,
    HandlingPath,
    Status,
    handed_on_by,
)
from genxi.places.models import STREET_KINDS, Area, AreaKind

# The sort orders: (field, descending, label). Each pages by keyset on (field, id).
SORTS: dict[str, tuple[str, bool, Any]] = {
    "new": ("created_at", True, gettext_lazy("Newest first")),
    "old": ("created_at", False, gettext_lazy("Oldest first")),
    "due": ("resolution_due", False, gettext_lazy("Due soonest")),
}
OPEN_FILTER = "open"
COMMUNITY_HANDLER = "community"
HANDED_ON = "handed_on"  # `todo`: what the user's communities referred elsewhere (read only)
# The parameters, each meaning what `filtered` says.
FILTERS = ("status", "category", "channel", "handler", "area", "place", "overdue", "q", "from",
           "to", "event", "due", "sort", "todo")  # fmt: skip


def sort_of(key: str) -> tuple[str, bool]:
    field, descending, _label = SORTS.get(key, SORTS["new"])
    return field, descending


def filtered(user: Any, params: Mapping[str, str]) -> DemandQuerySet:
    """The demands `user` may see that match `params`, in the chosen order, each with its
    reporter count."""
    get = params.get
    field, descending = sort_of(get("sort", "") or "")
    sign = "-" if descending else ""
    todo = get("todo", "") or ""
    if todo == HANDED_ON:  # what the user's communities referred elsewhere: read only
        base = Demand.objects.readable_by(user).filter(pk__in=handed_on_by(user))
    else:
        base = Demand.objects.visible_to(user)
    qs = (
        base
        # Counted per row shown (a correlated subquery), not grouped over the whole scope.
        .annotate(
            reporter_count=Coalesce(
                Subquery(
                    DemandReporter.objects.filter(demand=OuterRef("pk"))
                    .order_by()
                    .values("demand")
                    .annotate(n=Count("id"))
                    .values("n")
                ),
                0,
            )
        ).order_by(f"{sign}{field}", f"{sign}id")
    )
    status = get("status", "") or ""
    if status == OPEN_FILTER:
        qs = qs.open()
    elif status in Status.values:
        qs = qs.filter(status=status)
    elif status:
        qs = qs.none()
    category = get("category", "") or ""
    if category:
        qs = qs.filter(category__in=with_descendants(category))
    channel = get("channel", "") or ""
    if channel:
        qs = qs.filter(channel=channel) if channel in Channel.values else qs.none()
    handler = get("handler", "") or ""
    if handler == COMMUNITY_HANDLER:
        qs = qs.filter(path=HandlingPath.COMMUNITY)
    elif handler:
        qs = qs.filter(handler_partner=parse_id(handler)) if parse_id(handler) else qs.none()
    if get("overdue"):
        qs = qs.overdue()
    if todo and todo != HANDED_ON:  # a home page's work list (genxi.demands.worklists)
        qs = qs.filter(worklists.todo_q(user, todo))
    for param in ("place", "area"):  # a compound chosen within a community wins
        if get(param, ""):
            qs = qs.filter(in_area(user, get(param, "") or ""))
            break
    text = (get("q", "") or "").strip()
    if text:
        qs = search(qs, text)
    return in_period(qs, user, params)


def search(queryset: DemandQuerySet, text: str) -> DemandQuerySet:
    """Every word (separated by spaces) in the title, the details or the place's name (or its
    compound's); or a tracking code. Plain substring matching: Chinese has no spaces between
    words, and the scope and filters have already narrowed the rows by index."""
    words = text.split()[:5]
    if len(words) == 1 and words[0].upper().isalnum() and len(words[0]) == 8:
        code = Q(code=words[0].upper())
    else:
        code = Q(pk__in=[])
    match = Q()
    for word in words:
        match &= (
            Q(title__contains=word)
            | Q(description__contains=word)
            | Q(area__name__contains=word)
            | Q(area__parent__name__contains=word)  # a building's compound
        )
    return queryset.filter(match | code)


def in_period(qs: DemandQuerySet, user: Any, params: Mapping[str, str]) -> DemandQuerySet:
    """`from`/`to` bound when the demand was recorded — or, with `event=<kind>`, when that
    step happened, or with `due=response|resolution`, when it fell due. The figures page
    links here with the same parameters, so each figure opens the rows behind it."""
    start, end = parse_day(params.get("from")), parse_day(params.get("to"))
    if not (start or end):
        return qs
    start, end = start or date(2000, 1, 1), end or date(2100, 12, 31)
    lo, hi = figures.bounds(start, end)
    event, due = params.get("event", "") or "", params.get("due", "") or ""
    if event in EventKind.values:
        matching = DemandEvent.objects.filter(kind=event, at__gte=lo, at__lt=hi)
        area = visible_area(user, params.get("area", "") or "")
        if area is not None:  # the figures' links: the area's communities, by index
            # Communities, and a street itself: it holds the demands referred to it, and the
            # figures count its events too (figures.compute).
            matching = matching.filter(
                community__in=Area.objects.subtree(area).filter(
                    kind__in=[AreaKind.COMMUNITY, *STREET_KINDS]
                )
            )
        return qs.filter(pk__in=matching.values("demand"))
    if due in ("response", "resolution"):
        return qs.filter(**{f"{due}_due__gte": start, f"{due}_due__lte": end})
    return qs.filter(created_at__gte=lo, created_at__lt=hi)


def page(
    queryset: DemandQuerySet, *, sort: str, after: str, size: int
) -> tuple[list[Demand], str, str]:
    """One page after the cursor `after` (the sort field's value and the id of the last row
    seen, `<value>_<id>`), in the ledger's order; returns (rows, this cursor, next cursor). A
    damaged cursor starts from the first page."""
    field, descending = sort_of(sort)
    cursor = after
    qs = queryset
    text, _sep, last_id = cursor.rpartition("_")
    try:
        value: Any = (
            datetime.fromisoformat(text) if field == "created_at" else date.fromisoformat(text)
        )
        if isinstance(value, datetime) and value.tzinfo is None:
            raise ValueError("a cursor's time carries its offset")
        pk = parse_id(last_id)
        if pk is None:
            raise ValueError("a cursor ends with an id")
        if isinstance(value, datetime):  # at the calendar's edge this overflows: here, not
            value = value.astimezone(UTC)  # in the database layer
        op = "lt" if descending else "gt"
        qs = qs.filter(Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"id__{op}": pk}))
    except (ValueError, OverflowError):
        cursor = ""
    rows = list(qs[: size + 1])
    next_cursor = ""
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        next_cursor = f"{getattr(last, field).isoformat()}_{last.pk}"
    return rows, cursor, next_cursor


def parse_day(text: str | None) -> date | None:
    """A date from a query parameter, within 2000–2100 (None otherwise)."""
    try:
        day = date.fromisoformat(text) if text else None
    except ValueError:
        return None
    return day if day is not None and date(2000, 1, 1) <= day <= date(2100, 12, 31) else None


def with_descendants(category_id: str) -> list[int]:
    """A category and everything under it (the tree is three levels at most)."""
    root = parse_id(category_id)
    if root is None:
        return []
    children: dict[int | None, list[int]] = {}
    for pk, parent in Category.objects.values_list("id", "parent_id"):
        children.setdefault(parent, []).append(pk)
    found, frontier = [root], [root]
    while frontier:
        frontier = [c for p in frontier for c in children.get(p, [])]
        found += frontier
    return found


def visible_area(user: Any, area_id: str) -> Area | None:
    pk = parse_id(area_id)
    return Area.objects.visible_to(user).filter(pk=pk).first() if pk else None


def in_area(user: Any, area_id: str) -> Q:
    """Demands in an area the user may see: a street or a community by its own column (an
    index in ledger order), a compound, building or grid by the place's path."""
    area = visible_area(user, area_id)
    if area is None:
        return Q(pk__in=[])
    if area.kind in STREET_KINDS:
        return Q(street=area)
    if area.kind == AreaKind.COMMUNITY:
        return Q(community=area)
    if area.kind == AreaKind.GRID:
        return Q(area__grid=area)
    return path_range_q("area__path", [area.path])


def compounds_of(user: Any, area_id: str) -> Any:
    """The compounds offered once a community is chosen."""
    pk = parse_id(area_id)
    if pk is None:
        return Area.objects.none()
    return (
        Area.objects.visible_to(user)
        .filter(parent_id=pk, parent__kind=AreaKind.COMMUNITY, kind=AreaKind.COMPOUND)
        .order_by("name")
    )
