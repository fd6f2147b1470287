"""Reading a class's terms: each student's attendance and whether they completed the term.

A student is a confirmed registration for the term's offering. Their progress counts the term's
sessions held so far (begun by `now`) and those they were checked in at; they complete the term
when they attended at least the term's `completion_percent` of the held sessions.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from genxi.activities.models import (
    Attendance,
    Registration,
    RegistrationStatus,
    Session,
    Term,
)


@dataclass
class Progress:
    registration: Registration
    attended: set[int] = field(default_factory=set)  # session ids
    held: int = 0
    completion_percent: int = 75

    @property
    def count(self) -> int:
        return len(self.attended)

    @property
    def percent(self) -> int:
        return round(100 * self.count / self.held) if self.held else 0

    @property
    def completed(self) -> bool:
        return self.held > 0 and 100 * self.count >= self.completion_percent * self.held


@dataclass
class TermGrid:
    term: Term
    sessions: list[Session]
    held: int
    rows: list[Progress]


def term_progress(term: Term, *, now: datetime | None = None) -> TermGrid:
    """The term's sessions, and per student the sessions attended of those held (three
    queries whatever the number of students)."""
    now = now or timezone.now()
    sessions = list(term.sessions.order_by("starts_at", "id"))
    held_ids = {s.pk for s in sessions if s.starts_at <= now}
    students = list(
        Registration.objects.filter(
            offering__term=term, status=RegistrationStatus.CONFIRMED
        ).order_by("seat", "id")
    )
    rows = {
        reg.pk: Progress(
            registration=reg, held=len(held_ids), completion_percent=term.completion_percent
        )
        for reg in students
    }
    pairs = Attendance.objects.filter(
        registration_id__in=list(rows), session__term=term
    ).values_list("registration_id", "session_id")
    for registration_id, session_id in pairs:
        if session_id in held_ids:
            rows[registration_id].attended.add(session_id)
    return TermGrid(term=term, sessions=sessions, held=len(held_ids), rows=list(rows.values()))
