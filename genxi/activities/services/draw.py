"""An offering's draw, in three steps anyone can follow (RFC 3797; the arithmetic is in
`genxi.activities.draw`, the published script in `recompute_draw.py`):

1. `announce_draw`: before the application window closes, staff announce the random sources
   (a lottery result drawn after the freeze, dice rolled by residents at the draw, ...) and
   when the draw takes place.
2. `freeze_roster`: after the window closes and before the draw, every applicant gets a roster
   number 1..N in sign-up order; the roster [[number, tier], ...] (no names) and its SHA-256
   are stored and published. From here on nobody may apply (the registration service checks
   `Draw.status`).
3. `run_draw`: the sources' values, entered at the draw, make the key; the ranking orders the
   roster (tiers first, chance within a tier). Every applicant joins the waiting list at their
   rank, then the places go in that order, within quotas and outside the staff share, as
   `Room` decides for `seat_waiting`. The rest wait in the draw's order: when a place is
   freed later, `seat_waiting` serves them by (tier, position), which is the ranking.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from genxi.activities import draw as rfc3797
from genxi.activities.models import (
    DRAW_MACHINE,
    Draw,
    DrawStatus,
    Intake,
    Offering,
    Registration,
    RegistrationStatus,
    WaitlistMode,
)
from genxi.activities.services.seats import Room, lock_offering
from genxi.core.audit import Actor, acting_user, log_action
from genxi.core.notify import notify
from genxi.core.services import ServiceError, create_object


def announce_draw(
    *,
    actor: Actor,
    offering: Offering,
    sources: str,
    draw_at: datetime,
    now: datetime | None = None,
) -> Draw:
    """Announce the draw of an offering taken by application: its sources and its time."""
    sources = sources.strip()
    now = now or timezone.now()
    if offering.intake != Intake.DRAW:
        raise ServiceError(_("This offering is first come, first served: it has no draw."))
    if offering.closes_at is None:
        raise ServiceError(_("Set when the application window closes first."))
    if now >= offering.closes_at:
        raise ServiceError(
            _("The sources must be announced before the application window closes."),
            field="sources",
        )
    if not sources:
        raise ServiceError(_("Announce the random sources of the draw."), field="sources")
    if draw_at <= offering.closes_at:
        raise ServiceError(
            _("The draw takes place after the application window closes."), field="draw_at"
        )
    return create_object(
        actor=actor,
        model=Draw,
        fields={"offering": offering, "sources": sources, "draw_at": draw_at},
        unique_error=_("This offering's draw has already been announced."),
    )


def freeze_roster(*, actor: Actor, draw: Draw, now: datetime | None = None) -> Draw:
    """Number the applicants 1..N in sign-up order and publish the roster's SHA-256."""
    now = now or timezone.now()
    with transaction.atomic():
        # The offering first, as every seat path locks it: applying waits for the freeze.
        offering = lock_offering(draw.offering_id)
        locked = DRAW_MACHINE.lock(draw)
        if locked.status != DrawStatus.ANNOUNCED:
            raise ServiceError(_("The roster is already frozen."), code="frozen")
        if offering.closes_at is None or now < offering.closes_at:
            raise ServiceError(
                _("The roster can be frozen only once the application window has closed.")
            )
        if now >= locked.draw_at:
            raise ServiceError(
                _(
                    "The draw's time has passed: the roster must be frozen before the sources' "
                    "values can be known. Announce a new draw time."
                )
            )
        applicants = list(
            Registration.objects.filter(offering=offering, status=RegistrationStatus.APPLIED)
            .order_by("created_at", "id")
            .values_list("pk", "tier")
        )
        if not applicants:
            raise ServiceError(_("Nobody has applied: there is no roster to freeze."))
        if len(applicants) > rfc3797.MAX_POOL:
            raise ServiceError(_("A draw takes at most 65536 applicants."))
        _update_rows(
            {"updated_at": now},
            ["roster_number"],
            [(number, pk) for number, (pk, _tier) in enumerate(applicants, 1)],
        )
        roster = [[number, tier] for number, (_pk, tier) in enumerate(applicants, 1)]
        digest = rfc3797.roster_sha256(roster)
        DRAW_MACHINE.move(
            locked, DrawStatus.FROZEN, frozen_at=now, roster=roster, roster_sha256=digest
        )
        log_action(
            actor=actor,
            action="draw.freeze",
            obj=locked,
            changes={"applicants": len(roster), "roster_sha256": digest},
        )
    return locked


def run_draw(*, actor: Actor, draw: Draw, values: list[str], now: datetime | None = None) -> Draw:
    """Make the draw from the sources' values: rank the roster, put everyone on the waiting
    list at their rank and give the places in that order."""
    values = [" ".join(v.split()) for v in values]
    if not values or not all(values):
        raise ServiceError(_("Enter the value of every announced source."), field="values")
    try:
        key = rfc3797.make_key(values)
    except rfc3797.BadValue as exc:
        raise ServiceError(
            _("“%(value)s” is not a number. Enter each source's numbers, separated by spaces.")
            % {"value": str(exc)[:40]},
            field="values",
        ) from exc
    now = now or timezone.now()
    with transaction.atomic():
        offering = lock_offering(draw.offering_id)
        locked = DRAW_MACHINE.lock(draw)
        if locked.status == DrawStatus.DRAWN:
            raise ServiceError(_("This draw has already been made."), code="drawn")
        if locked.status != DrawStatus.FROZEN:
            raise ServiceError(_("Freeze the roster before the draw."), code="not_frozen")
        roster: list[list[int]] = locked.roster
        ranking = rfc3797.rank(key, roster)
        tiers = {number: tier for number, tier in roster}
        # Those who cancelled since the freeze keep their number on the roster; they are
        # skipped here, and the next in the ranking moves up.
        applicants = {
            number: (pk, community_id, by_staff)
            for number, pk, community_id, by_staff in Registration.objects.filter(
                offering=offering, status=RegistrationStatus.APPLIED, roster_number__isnull=False
            ).values_list("roster_number", "pk", "community_id", "by_staff")
        }
        line = [(number, *applicants[number]) for number in ranking if number in applicants]
        seats = _seats_in_order(offering, line)
        # Each takes their rank as their place in line, under the frozen tier (the ranking's
        # order, as published); the seated get their seat, the others wait.
        rank = {number: i for i, number in enumerate(ranking, 1)}
        seated: list[tuple[int, ...]] = []
        waiting: list[tuple[int, ...]] = []
        for number, pk, _community, _by_staff in line:
            if pk in seats:
                seated.append((rank[number], tiers[number], seats[pk], pk))
            else:
                waiting.append((rank[number], tiers[number], pk))
        given: dict[str, object] = {"status": RegistrationStatus.CONFIRMED, "updated_at": now}
        activity = offering.activity
        if activity.waitlist_mode == WaitlistMode.OFFER:
            given["status"] = RegistrationStatus.OFFERED
            given["offer_expires_at"] = now + timedelta(hours=activity.offer_hours)
        _update_rows(given, ["position", "tier", "seat"], seated)
        _update_rows(
            {"status": RegistrationStatus.WAITING, "updated_at": now}, ["position", "tier"], waiting
        )
        DRAW_MACHINE.move(
            locked,
            DrawStatus.DRAWN,
            values=values,
            key=key,
            ranking=ranking,
            drawn_at=now,
            drawn_by=acting_user(actor),
        )
        log_action(
            actor=actor,
            action="draw.run",
            obj=locked,
            changes={"values": values, "key": key, "seated": len(seated)},
        )
        _tell(locked, offering)
    return locked


def _seats_in_order(
    offering: Offering, line: Sequence[tuple[int, int, int | None, bool]]
) -> dict[int, int]:
    """The free places given to the line (roster number, pk, community, by staff), in its
    order, each as the community's quota and the staff share allow: `seat_waiting`'s decision,
    taken by the same `Room`, over the rows as read (10,000 registrations loaded as objects
    take seconds). Returns {pk: seat}."""
    room = Room.load(offering)
    seats: dict[int, int] = {}
    for _number, pk, community_id, by_staff in line:
        if room.free == 0:
            break
        if room.open_to(by_staff=by_staff, community_id=community_id):
            seats[pk] = room.take(community_id=community_id)
    return seats


def _update_rows(
    same: dict[str, object], columns: list[str], rows: Sequence[tuple[int, ...]]
) -> None:
    """Set the `same` values, and per row (whole numbers for `columns`..., pk) those columns, on
    many registrations: UPDATE ... FROM (VALUES ...) (PostgreSQL, and SQLite ≥ 3.33).
    bulk_update's CASE WHEN grows with the square of the batch (20 s for 10,000 applicants on
    SQLite) and a statement per row costs a round trip each (2.6 s on PostgreSQL)."""
    meta = Registration._meta
    by_name = {f.name: f for f in meta.concrete_fields}
    quote = connection.ops.quote_name
    table, pk = quote(meta.db_table), quote(by_name["id"].column)
    assignments = ", ".join(
        [f"{quote(by_name[c].column)} = %s" for c in same]
        + [f"{quote(by_name[c].column)} = v.column{i}" for i, c in enumerate(columns, 2)]
    )
    prepared = [by_name[c].get_db_prep_value(v, connection) for c, v in same.items()]
    row_marks = "(" + ", ".join(["%s"] * (len(columns) + 1)) + ")"
    # As many rows a statement as the database takes parameters (each statement scans the
    # table once): 10,000 applicants in one on PostgreSQL and on SQLite ≥ 3.32.
    limit = connection.features.max_query_params or 65535
    size = max(1, min(10000, (limit - len(same)) // (len(columns) + 1)))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            sql = (
                f"UPDATE {table} SET {assignments} "
                f"FROM (VALUES {', '.join([row_marks] * len(chunk))}) AS v "
                f"WHERE {table}.{pk} = v.column1"
            )
            cursor.execute(sql, [*prepared, *(x for row in chunk for x in (row[-1], *row[:-1]))])


@dataclass(frozen=True)
class _Account:
    """A user as notify() needs one: by id (10,000 full User rows would cost a second)."""

    pk: int


def _tell(draw: Draw, offering: Offering) -> None:
    """Texts after commit, one to each outcome: a place, a place to accept, the waiting list.
    Each person is told in their inbox if they have an account, and by text at the number they
    registered with, or their resident record's if they agreed to be contacted."""
    bodies = {
        RegistrationStatus.CONFIRMED: _("The draw gave you a place."),
        RegistrationStatus.OFFERED: _(
            "The draw gave you a place: accept it within %(hours)s hours."
        )
        % {"hours": offering.activity.offer_hours},
        RegistrationStatus.WAITING: _(
            "The draw is done: you are on the waiting list, in the draw's order. You will "
            "be told if a place opens."
        ),
    }
    for status, body in bodies.items():
        rows = Registration.objects.filter(
            offering=offering, status=status, roster_number__isnull=False
        ).values_list(
            "phone",
            "resident_id",
            "resident__phone",
            "resident__consent_to_contact",
            "resident__user_id",
            "guardian__phone",
            "guardian__consent_to_contact",
            "guardian__user_id",
        )
        users: list[object] = []
        phones: list[str] = []
        for phone, resident, *people in rows.iterator(2000):
            own_phone, consent, user_id = people[:3] if resident else people[3:]
            if user_id:
                users.append(_Account(int(user_id)))
            if phone:
                phones.append(phone)
            elif own_phone and consent:
                phones.append(str(own_phone))
        if users or phones:
            notify(
                users=users,
                phones=phones,
                title=str(offering.activity),
                body=body,
                url=draw.get_absolute_url(),
            )
