"""What a demand gets at creation besides what the person wrote, for every way a demand comes in:
one at a time (`services.collect_demand`), a ledger imported from Excel (`imports.write`) and
synthetic demands (`generate`).

- its deadlines: the category's working days from the day it was recorded (`DeadlineCounter`);
- its street: the parent of its community;
- its status and handling path: "collected", not yet decided;
- its first event: "collected", public, with the channel and the number of reporters.

The bulk paths build named rows (`DemandRow`, `EventRow`, `ReporterRow`) for the bulk writer;
their field names are the columns written, so no 29-place tuple crosses a module.
"""

from collections.abc import Iterable
from datetime import date
from typing import Any, NamedTuple

from genxi.core.bulk import BulkWriter
from genxi.core.workdays import Deadline, WorkCalendar
from genxi.demands.models import EventKind, Status


class Deadlines(NamedTuple):
    response_due: date
    resolution_due: date
    # True when either deadline counted through a year whose holidays are not known yet.
    due_provisional: bool


class DeadlineCounter:
    """The deadlines of a demand recorded on `start`: its category's working days from then.

    Each (day, working days) is counted once, so a bulk load asks the calendar once per day and
    category length, not once per demand.
    """

    def __init__(self, calendar: WorkCalendar | None = None) -> None:
        self.calendar = calendar or WorkCalendar.load()
        self._counted: dict[tuple[date, int], Deadline] = {}

    def count(self, start: date, response_days: int, resolution_days: int) -> Deadlines:
        response = self._add(start, response_days)
        resolution = self._add(start, resolution_days)
        return Deadlines(
            response.day, resolution.day, response.provisional or resolution.provisional
        )

    def _add(self, start: date, days: int) -> Deadline:
        found = self._counted.get((start, days))
        if found is None:
            found = self._counted[(start, days)] = self.calendar.add_workdays(start, days)
        return found


def collected_event(channel: str, reporters: int, **data: Any) -> dict[str, Any]:
    """A demand's first event, as DemandEvent fields: "collected", public, with how it came in
    and how many people reported it (and `data`, if any)."""
    return {
        "kind": EventKind.COLLECTED,
        "from_status": "",
        "to_status": Status.COLLECTED,
        "public": True,
        "data": {"channel": channel, "reporters": reporters, **data},
    }


# --- rows for the bulk writer -----------------------------------------------------------------


class DemandRow(NamedTuple):
    """One Demand row as the bulk writer sends it (dates and times already in its form)."""

    id: int
    code: str
    title: str
    description: str
    category_id: int
    community_id: int
    street_id: int | None
    area_id: int
    channel: str
    created_by_id: int | None
    response_due: Any
    resolution_due: Any
    due_provisional: bool
    created_at: Any
    updated_at: Any
    latitude: Any = None
    longitude: Any = None
    status: str = Status.COLLECTED
    path: str = ""  # how it will be handled: decided when it is assigned
    handler_partner_id: int | None = None
    visit_id: int | None = None
    merged_into_id: int | None = None
    accepted_at: Any = None
    verified_at: Any = None
    assigned_at: Any = None
    resolved_at: Any = None
    closed_at: Any = None
    expected_on: Any = None
    callback_round: int = 0


class EventRow(NamedTuple):
    demand_id: int
    community_id: int
    kind: str
    actor_id: int | None
    at: Any
    from_status: str
    to_status: str
    note: str
    public: bool
    data: Any  # as BulkWriter.json gives it


class ReporterRow(NamedTuple):
    demand_id: int
    resident_id: int
    added_at: Any


DEMAND_FIELDS = DemandRow._fields
EVENT_FIELDS = EventRow._fields
REPORTER_FIELDS = ReporterRow._fields


class Collected(NamedTuple):
    """A new demand's rows: the demand, its "collected" event and its reporters."""

    demand: DemandRow
    event: EventRow
    reporters: list[ReporterRow]


def collected_rows(
    w: BulkWriter,
    *,
    pk: int,
    code: str,
    title: str,
    description: str,
    category_id: int,
    community_id: int,
    street_id: int | None,
    area_id: int,
    channel: str,
    reporters: Iterable[int],
    deadlines: Deadlines,
    at: Any,
    created_by_id: int | None = None,
    latitude: Any = None,
    longitude: Any = None,
    **event_data: Any,
) -> Collected:
    """The rows `services.collect_demand` would write for a demand recorded at `at` (already
    stamped by `w`), without photos or notifications. `event_data` joins the event's data."""
    people = list(dict.fromkeys(reporters))
    demand = DemandRow(
        id=pk,
        code=code,
        title=title,
        description=description,
        category_id=category_id,
        community_id=community_id,
        street_id=street_id,
        area_id=area_id,
        channel=channel,
        created_by_id=created_by_id,
        response_due=w.day(deadlines.response_due),
        resolution_due=w.day(deadlines.resolution_due),
        due_provisional=deadlines.due_provisional,
        created_at=at,
        updated_at=at,
        latitude=latitude,
        longitude=longitude,
    )
    first = collected_event(channel, len(people), **event_data)
    event = EventRow(
        demand_id=pk,
        community_id=community_id,
        kind=first["kind"],
        actor_id=created_by_id,
        at=at,
        from_status=first["from_status"],
        to_status=first["to_status"],
        note="",
        public=first["public"],
        data=w.json(first["data"]),
    )
    return Collected(demand, event, [ReporterRow(pk, resident, at) for resident in people])
