"""Check-in at the door: one code, or a batch of scans queued offline with their times.

The door page posts here too. A session is found among the activities the caller sees, and
acting on it needs `activities.check_in` (staff who run it, pioneers of its communities):
otherwise 404, as everywhere. A repeated scan is not an error: it answers `already` with the
time of the first.
"""

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Body, Field, Router, Schema
from ninja.responses import Status as Answer

from genxi.activities.models import CheckInSource
from genxi.activities.services import checkin

router = Router(tags=["check-in"])


class CheckInIn(Schema):
    code: str = Field(
        min_length=1, max_length=200, description="the 8-character code, or the QR's text"
    )
    source: Literal["scan", "code"] = Field("code", description="scanned, or typed")


class ScanIn(Schema):
    code: str = Field(min_length=1, max_length=200)
    at: datetime = Field(description="when it was scanned at the door (a naive time is local)")


class CheckInOut(Schema):
    result: str = Field(description="`checked_in`, `already` or `refused`")
    message: str
    code: str = Field("", description="why it was refused (`bad_code`, `other_activity`, …)")
    registration_id: int | None = None
    name: str = ""
    checked_in_at: datetime | None = None
    count: int | None = Field(None, description="checked in at the session so far")
    registered: int | None = Field(None, description="registrations with a seat at the session")


class BatchOut(Schema):
    results: list[CheckInOut]
    checked_in: int
    already: int
    refused: int
    count: int = Field(description="checked in at the session so far")
    registered: int = Field(description="registrations with a seat at the session")


def _out(outcome: checkin.Outcome) -> dict[str, Any]:
    attendance = outcome.attendance
    return {
        "result": outcome.result,
        "message": outcome.message,
        "code": outcome.code,
        "registration_id": attendance.registration_id if attendance else None,
        "name": attendance.registration.name if attendance else "",
        "checked_in_at": attendance.checked_in_at if attendance else None,
    }


@router.post(
    "/sessions/{session_id}/check-ins",
    response={201: CheckInOut, 200: CheckInOut},
    summary="Check a registration in at a session",
    description=(
        "201 when this request checked the person in; 200 with `already` when they were "
        "checked in before (a repeated scan never counts twice). A damaged or foreign QR code, "
        "a code of another activity, a cancelled or waiting registration: 400 with the reason."
    ),
)
def post_check_in(request: HttpRequest, session_id: str, body: CheckInIn) -> Any:
    session = checkin.door_session(request.user, session_id)
    attendance, created = checkin.check_in(
        actor=request.user, session=session, text=body.code, source=CheckInSource(body.source)
    )
    count, registered = checkin.counts(session)
    answer = _out(checkin.describe(attendance, created, body.code))
    return Answer(201 if created else 200, {**answer, "count": count, "registered": registered})


@router.post(
    "/sessions/{session_id}/check-ins/batch",
    response=BatchOut,
    summary="Upload scans queued offline, each with its time",
    description=(
        "Up to 500 scans; each is checked in at its own time (not in the future, not before "
        "the session's day) and answered on its own, in order. Uploading the same queue twice "
        "counts nothing twice."
    ),
)
def post_check_in_batch(request: HttpRequest, session_id: str, scans: Body[list[ScanIn]]) -> Any:
    session = checkin.door_session(request.user, session_id)
    items = [
        (scan.code, scan.at if timezone.is_aware(scan.at) else timezone.make_aware(scan.at))
        for scan in scans
    ]
    outcomes = checkin.check_in_batch(
        actor=request.user, session=session, scans=items, source=CheckInSource.SCAN
    )
    count, registered = checkin.counts(session)
    return {
        "results": [_out(o) for o in outcomes],
        "checked_in": sum(o.result == "checked_in" for o in outcomes),
        "already": sum(o.result == "already" for o in outcomes),
        "refused": sum(o.result == "refused" for o in outcomes),
        "count": count,
        "registered": registered,
    }
