"""The ledger (台账) as an Excel sheet staff can hand in.

One row a demand: its reporters (masked as on the demand page), the place's full path, the
category's path, each step's date as a real Excel date, the handler, the verification finding,
the handling result, the call-back's answers, overdue and provisional deadlines.

The demands are read as plain values (`values_list`, labels translated once) and, for each
chunk of CHUNK rows, the reporters, the findings and results, and the call-backs are read in
one query each — never a query a row (docs/benchmarks.md has the cost).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from genxi.core.exports import DATE, DATETIME, Column, xlsx_table_response
from genxi.core.paths import path_ids
from genxi.core.phones import mask_phone
from genxi.demands.models import (
    UNRESOLVED_STATUSES,
    Callback,
    Category,
    Channel,
    Demand,
    DemandEvent,
    DemandReporter,
    EventKind,
    HandlingPath,
    Satisfaction,
    Status,
)
from genxi.places.models import STREET_KINDS, Area, AreaKind

CHUNK = 2000
SEPARATOR = " › "
# (title, width, kind), in the sheet's order.
COLUMNS = [
    (gettext_lazy("Tracking code"), 11, "text"),
    (gettext_lazy("Title"), 28, "text"),
    (gettext_lazy("Reporters"), 22, "text"),
    (gettext_lazy("Place"), 34, "text"),
    (gettext_lazy("Channel"), 9, "text"),
    (gettext_lazy("Category"), 26, "text"),
    (gettext_lazy("Status"), 14, "text"),
    (gettext_lazy("Collected at"), 16, DATETIME),
    (gettext_lazy("Accepted at"), 16, DATETIME),
    (gettext_lazy("Verified at"), 16, DATETIME),
    (gettext_lazy("Assigned at"), 16, DATETIME),
    (gettext_lazy("Resolved at"), 16, DATETIME),
    (gettext_lazy("Called back at"), 16, DATETIME),
    (gettext_lazy("Closed out at"), 16, DATETIME),
    (gettext_lazy("Accept by"), 11, DATE),
    (gettext_lazy("Resolve by"), 11, DATE),
    (gettext_lazy("Handler"), 20, "text"),
    (gettext_lazy("Verification finding"), 30, "text"),
    (gettext_lazy("Handling result"), 30, "text"),
    (gettext_lazy("Call-back satisfaction"), 14, "text"),
    (gettext_lazy("Overdue"), 7, "text"),
    (gettext_lazy("Deadline provisional"), 9, "text"),
    (gettext_lazy("Details"), 40, "text"),
]


def ledger_xlsx(queryset: Any) -> FileResponse:
    """The filtered ledger `queryset` (already scoped to the user) as an .xlsx download."""
    return xlsx_table_response(
        filename=str(Demand._meta.verbose_name_plural),
        sheet=str(Demand._meta.verbose_name_plural),
        columns=[Column(str(title), width, kind) for title, width, kind in COLUMNS],
        rows=rows(queryset),
    )


def rows(queryset: Any) -> Iterator[tuple[Any, ...]]:
    labels = {k: str(v) for k, v in (dict(Channel.choices) | dict(Status.choices)).items()}
    answers = {k: str(v) for k, v in Satisfaction.choices}
    community_handles, yes, no = _("The community"), _("yes"), _("no")
    categories = _category_paths()
    places = _PlacePaths()
    today = timezone.localdate()
    late = UNRESOLVED_STATUSES  # as Demand.is_overdue
    values = queryset.values_list(
        "pk", "code", "title", "area_id", "area__path", "channel", "category_id", "status",
        "created_at", "accepted_at", "verified_at", "assigned_at", "resolved_at", "closed_at",
        "response_due", "resolution_due", "handler_partner__name", "path", "due_provisional",
        "description",
    )  # fmt: skip
    iterator = values.iterator(CHUNK)
    while chunk := list(itertools.islice(iterator, CHUNK)):
        ids = [row[0] for row in chunk]
        reporters = _reporters(ids)
        notes = _notes(ids)
        callbacks = _callbacks(ids, answers)
        places.learn([row[4] for row in chunk])
        for row in chunk:
            (pk, code, title, _area, area_path, channel, category, status, created, accepted,
             verified, assigned, resolved, closed, response_due, resolution_due, partner, path,
             provisional, description) = row  # fmt: skip
            overdue = (status == Status.COLLECTED and response_due < today) or (
                status in late and resolution_due < today
            )
            finding, result = notes.get(pk, ("", ""))
            called_at, satisfaction = callbacks.get(pk, (None, ""))
            handler = partner or (community_handles if path == HandlingPath.COMMUNITY else "")
            yield (
                code, title, reporters.get(pk, ""), places.path(area_path),
                labels.get(channel, channel), categories.get(category, ""),
                labels.get(status, status), created, accepted, verified, assigned, resolved,
                called_at, closed, response_due, resolution_due, handler, finding, result,
                satisfaction, yes if overdue else no, yes if provisional else no, description,
            )  # fmt: skip


def _reporters(ids: list[int]) -> dict[int, str]:
    """Each demand's reporters, as the demand page shows them: the name and a masked phone."""
    found: dict[int, list[str]] = {}
    rows = (
        DemandReporter.objects.filter(demand__in=ids)
        .order_by("demand", "added_at", "id")
        .values_list("demand", "resident__name", "resident__phone")
    )
    for demand, name, phone in rows:
        found.setdefault(demand, []).append(" ".join(filter(None, [name, mask_phone(phone)])))
    return {demand: "；".join(names) for demand, names in found.items()}


def _notes(ids: list[int]) -> dict[int, tuple[str, str]]:
    """Each demand's latest verification finding and latest handling result."""
    found: dict[int, list[str]] = {}
    rows = (
        DemandEvent.objects.filter(
            demand__in=ids, kind__in=[EventKind.VERIFIED, EventKind.RESOLVED]
        )
        .order_by("at", "id")
        .values_list("demand", "kind", "note")
    )
    for demand, kind, note in rows:
        pair = found.setdefault(demand, ["", ""])
        pair[0 if kind == EventKind.VERIFIED else 1] = note
    return {demand: (pair[0], pair[1]) for demand, pair in found.items()}


def _callbacks(ids: list[int], answers: dict[str, str]) -> dict[int, tuple[Any, str]]:
    """Each demand's last call-back time and its latest round's answers (one per reporter
    called back, in the order given; the same answer once, with a count when repeated)."""
    rounds: dict[int, tuple[int, Any, list[str]]] = {}
    rows = (
        Callback.objects.filter(demand__in=ids)
        .order_by("at", "id")
        .values_list("demand", "round", "at", "result")
    )
    for demand, number, at, result in rows:
        kept = rounds.get(demand)
        if kept is not None and number < kept[0]:
            continue
        if kept is None or number > kept[0]:
            kept = (number, at, [])
        kept[2].append(result)
        rounds[demand] = (number, max(at, kept[1]), kept[2])
    found: dict[int, tuple[Any, str]] = {}
    for demand, (_number, at, results) in rounds.items():
        counted = {r: results.count(r) for r in dict.fromkeys(results)}
        text = "、".join(answers.get(r, r) + (f"×{n}" if n > 1 else "") for r, n in counted.items())
        found[demand] = (at, text)
    return found


def _category_paths() -> dict[int, str]:
    """Every category's path from its root, e.g. 公共设施 › 出入口与通道 (three levels at most)."""
    rows = {
        pk: (name, parent)
        for pk, name, parent in Category.objects.values_list("pk", "name", "parent_id")
    }
    paths: dict[int, str] = {}
    for pk in rows:
        names: list[str] = []
        current: int | None = pk
        while current is not None and current in rows and len(names) < 5:
            name, parent = rows[current]
            names.append(name)
            current = parent
        paths[pk] = SEPARATOR.join(reversed(names))
    return paths


class _PlacePaths:
    """The place's full path below the street (community › compound › building, or › common
    area), from the areas' materialised paths; each area's name is read once for the sheet."""

    def __init__(self) -> None:
        self.names: dict[int, str] = {}
        self.hidden: set[int] = set()  # districts and streets: the path starts at the community

    def learn(self, paths: list[str | None]) -> None:
        wanted = {pk for path in paths if path for pk in path_ids(path)}
        wanted -= self.names.keys() | self.hidden
        if not wanted:
            return
        for pk, name, kind in Area.objects.filter(pk__in=wanted).values_list("pk", "name", "kind"):
            if kind in STREET_KINDS or kind == AreaKind.DISTRICT:
                self.hidden.add(pk)
            else:
                self.names[pk] = name

    def path(self, path: str | None) -> str:
        if not path:
            return ""
        return SEPARATOR.join(self.names[pk] for pk in path_ids(path) if pk in self.names)
