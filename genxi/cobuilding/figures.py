"""Co-building's figures for a user's scope and a period, read from the rows themselves.

One definition per figure (`DEFINITIONS`, docs/figures.md "The figures of co-building"): what
it counts (the numerator), what it is a share of (the denominator, for a rate), and the event
that dates it into a period. Each figure is grouped by street, community, partner unit and
month. The scope is each model's `visible_to(user)`: staff and leadership see their areas'
records; a partner handler sees their own unit's, and only their own unit's row by partner.

A record's community is the community (or street) of the agreement, the need, the member or the
service point; a resource's is where it is offered (its area, or its partner's area). A record
signed at street level counts for the street and not for any community. A record of several
partners (an agreement with two partner units) counts once in the total and once for each of
its partners.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from genxi.accounts import scoping
from genxi.accounts.models import AREA_ROLES
from genxi.cobuilding.models import (
    Agreement,
    AgreementParty,
    AgreementStatus,
    Claim,
    Delivery,
    DueItem,
    MemberRegistration,
    PointBooking,
    PointBookingStatus,
    Resource,
    ServiceHours,
    Side,
)
from genxi.core.paths import path_ids, path_range_q
from genxi.places.models import STREET_KINDS, Area, AreaKind, Partner


@dataclass(frozen=True)
class Definition:
    key: str
    label: Any
    numerator: Any
    denominator: Any  # None: a count or a sum, not a rate
    event: Any  # what dates a record into the period


DEFINITIONS: list[Definition] = [
    Definition(
        "agreements",
        _("Agreements in force"),
        _(
            "agreements signed (signed day recorded) in force on a day of the period: within "
            "their dates and not ended before that day"
        ),
        None,
        _("the agreement's start and end dates (and the day it was ended)"),
    ),
    Definition(
        "on_time",
        _("Commitments met on time"),
        _("due items of signed agreements filed on or before their due day"),
        _("items of signed agreements due so far: due in the period, on or before today"),
        _("the item's due day"),
    ),
    Definition(
        "resources_offered",
        _("Resources offered"),
        _("resources partners recorded"),
        None,
        _("the day the resource was recorded"),
    ),
    Definition(
        "resources_delivered",
        _("Resources delivered"),
        _("deliveries of claims made with a resource"),
        None,
        _("the delivery's date"),
    ),
    Definition(
        "needs_met",
        _("Needs met by partners"),
        _("needs whose claim's delivery was recorded"),
        None,
        _("the delivery's date"),
    ),
    Definition(
        "median_days",
        _("Days from need to delivery (median)"),
        _("the median of (delivery date − the day the need was recorded), in days"),
        _("the needs met in the period"),
        _("the delivery's date"),
    ),
    Definition(
        "hours",
        _("Member volunteer hours"),
        _("hours recorded for in-service party members, summed"),
        None,
        _("the day served"),
    ),
    Definition(
        "bookings",
        _("Service-point bookings served"),
        _("bookings marked done"),
        None,
        _("the time the booking was done"),
    ),
]


@dataclass
class Row:
    """The figures of one group (a street, community, partner or month) or of the scope."""

    agreements: int = 0
    items_due: int = 0
    items_on_time: int = 0
    resources_offered: int = 0
    resources_delivered: int = 0
    needs_met: int = 0
    days: list[int] = field(default_factory=list)
    hours: Decimal = Decimal(0)
    bookings: int = 0

    @property
    def on_time_rate(self) -> float | None:
        """Percent of the items due so far that were filed on time (None: nothing due)."""
        if not self.items_due:
            return None
        return round(100 * self.items_on_time / self.items_due, 1)

    @property
    def median_days(self) -> float | None:
        return statistics.median(self.days) if self.days else None


GROUPS = ("street", "community", "partner", "month")


@dataclass
class Figures:
    start: date
    end: date
    total: Row = field(default_factory=Row)
    groups: dict[str, dict[Any, Row]] = field(
        default_factory=lambda: {g: defaultdict(Row) for g in GROUPS}
    )
    names: dict[str, dict[Any, str]] = field(default_factory=lambda: {g: {} for g in GROUPS})

    def rows(self, group: str) -> list[tuple[Any, str, Row]]:
        """(key, name, figures) of a grouping: by name, months in order (every month of the
        period, empty ones too: a chart's axis has no gaps)."""
        if group == "month":
            return [(m, f"{m:%Y-%m}", self.groups["month"].get(m) or Row()) for m in self.months()]
        names = self.names[group]
        return sorted(
            ((k, names.get(k, ""), row) for k, row in self.groups[group].items()),
            key=lambda item: item[1],
        )

    def months(self) -> list[date]:
        months, month = [], self.start.replace(day=1)
        while month <= self.end:
            months.append(month)
            month = (month + timedelta(days=32)).replace(day=1)
        return months


def bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """From the start of `start` to the end of `end`, local time."""
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )


def _month(value: date | datetime) -> date:
    day = value.date() if isinstance(value, datetime) else value
    return day.replace(day=1)


class _Places:
    """Each area id's street and community, from two queries for all of them."""

    def __init__(self, area_ids: Iterable[int | None]) -> None:
        ids = {pk for pk in area_ids if pk is not None}
        paths = dict(Area.objects.filter(pk__in=ids).values_list("pk", "path"))
        every = {pk for path in paths.values() for pk in path_ids(path)}
        kinds = {
            pk: (kind, name)
            for pk, kind, name in Area.objects.filter(
                pk__in=every, kind__in=[*STREET_KINDS, AreaKind.COMMUNITY]
            ).values_list("pk", "kind", "name")
        }
        self.street: dict[int, int | None] = {}
        self.community: dict[int, int | None] = {}
        self.names: dict[int, str] = {pk: name for pk, (_kind, name) in kinds.items()}
        for pk, path in paths.items():
            chain = [a for a in path_ids(path) if a in kinds]
            self.street[pk] = next((a for a in chain if kinds[a][0] in STREET_KINDS), None)
            self.community[pk] = next((a for a in chain if kinds[a][0] == AreaKind.COMMUNITY), None)


class _Adder:
    def __init__(self, figures: Figures, partners_shown: set[int] | None) -> None:
        self.figures = figures
        self.partners_shown = partners_shown
        self.pending: list[tuple[str, Any, int | None, list[int], date | None]] = []

    def add(
        self,
        name: str,
        value: Any,
        *,
        area: int | None,
        partners: Iterable[int | None] = (),
        month: date | None = None,
    ) -> None:
        """Count `value` into field `name` of the total, and of the groups of `area` (resolved
        to its street and community at the end), each partner and the month."""
        shown = [p for p in dict.fromkeys(partners) if p is not None]
        if self.partners_shown is not None:
            shown = [p for p in shown if p in self.partners_shown]
        self.pending.append((name, value, area, shown, month))

    def finish(self) -> None:
        f = self.figures
        places = _Places(area for _n, _v, area, _p, _m in self.pending)
        partner_ids = {p for *_rest, shown, _m in self.pending for p in shown}
        f.names["partner"] = dict(
            Partner.objects.filter(pk__in=partner_ids).values_list("pk", "name")
        )
        for name, value, area, shown, month in self.pending:
            rows = [f.total]
            if area is not None:
                for group, of in (("street", places.street), ("community", places.community)):
                    key = of.get(area)
                    if key is not None:
                        rows.append(f.groups[group][key])
                        f.names[group][key] = places.names[key]
            rows += [f.groups["partner"][p] for p in shown]
            if month is not None:
                rows.append(f.groups["month"][month])
            for row in rows:
                if name == "days":
                    row.days.append(value)
                else:
                    setattr(row, name, getattr(row, name) + value)


def _in_area(queryset: Any, field_path: str, area: Area | None) -> Any:
    return queryset if area is None else queryset.filter(path_range_q(field_path, [area.path]))


def signed(agreements: Any) -> Any:
    """The agreements that were signed: in force, or ended after signing (not drafts, and not
    those ended before they were signed, which owed nothing)."""
    return agreements.exclude(status=AgreementStatus.DRAFT).filter(signed_on__isnull=False)


def partners_shown(user: Any) -> set[int] | None:
    """Whose rows by partner the user sees: every partner of the records in scope for staff and
    leadership; a partner handler only their own units (not the other parties of a shared
    agreement)."""
    if scoping.is_superuser(user) or scoping.has_role(user, *AREA_ROLES):
        return None
    return set(scoping.partner_ids(user))


def compute(*, user: Any, start: date, end: date, area: Area | None = None) -> Figures:
    """The co-building figures of what `user` sees (in `area` and below, if given) for the days
    `start` to `end`, both included: one aggregate query per figure, grouped in Python."""
    tz = timezone.get_current_timezone()
    figures = Figures(start=start, end=end)
    adder = _Adder(figures, partners_shown(user))
    add = adder.add
    lo, hi = bounds(start, end)
    today = timezone.localdate()

    # Agreements in force on a day of the period: `Agreement.objects.in_force(day)` over the
    # period — signed (`signed_on` set; one ended before signing never was), within its dates,
    # and not ended before that day (one ended since was in force until its end). Each counts
    # in every month of the period it was in force.
    agreements = list(
        agreements_in_force(user=user, start=start, end=end, area=area).values(
            "pk", "community_id", "starts_on", "ends_on", "ended_on"
        )
    )
    parties: dict[int, list[int]] = defaultdict(list)
    for agreement_id, partner_id in AgreementParty.objects.filter(
        agreement__in=[a["pk"] for a in agreements]
    ).values_list("agreement_id", "partner_id"):
        parties[agreement_id].append(partner_id)
    months = figures.months()
    for a in agreements:
        add("agreements", 1, area=a["community_id"], partners=parties[a["pk"]])
        last = min(a["ends_on"], a["ended_on"] or a["ends_on"])
        for month in months:
            month_end = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
            if a["starts_on"] <= min(month_end, end) and last >= max(month, start):
                figures.groups["month"][month].agreements += 1

    # Commitments met on time: items due in the period so far, and those filed by their day.
    # A partner's row counts its own side's items (the commitment's partner, or every partner
    # of the agreement when the commitment names none).
    items = (
        items_due(user=user, start=start, end=end, area=area, today=today)
        .values(
            agreement=F("commitment__agreement_id"),
            community=F("commitment__agreement__community_id"),
            side=F("commitment__owner_side"),
            owner=F("commitment__owner_partner_id"),
            month=TruncMonth("due_on"),
        )
        .annotate(
            n=Count("pk"),
            on_time=Count("pk", filter=ON_TIME),
        )
        .order_by()
    )
    item_rows = list(items)
    missing = {r["agreement"] for r in item_rows} - set(parties)
    for agreement_id, partner_id in AgreementParty.objects.filter(
        agreement__in=missing
    ).values_list("agreement_id", "partner_id"):
        parties[agreement_id].append(partner_id)
    for r in item_rows:
        owners: list[int | None] = []
        if r["side"] == Side.PARTNER:
            owners = [r["owner"]] if r["owner"] else list(parties[r["agreement"]])
        month = _month(r["month"])
        add("items_due", r["n"], area=r["community"], partners=owners, month=month)
        add("items_on_time", r["on_time"], area=r["community"], partners=owners, month=month)

    # Resources offered: recorded in the period, where they are offered.
    resources = (
        _in_area(Resource.objects.visible_to(user), "area_path", area)
        .filter(created_at__gte=lo, created_at__lt=hi)
        .values(
            "partner_id",
            place=F("area_id"),
            home=F("partner__area_id"),
            month=TruncMonth("created_at", tzinfo=tz),
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    for r in resources:
        add(
            "resources_offered",
            r["n"],
            area=r["place"] or r["home"],
            partners=[r["partner_id"]],
            month=_month(r["month"]),
        )

    # Needs met and resources delivered: deliveries dated in the period.
    deliveries = delivered(user=user, start=start, end=end, area=area).values(
        "delivered_on",
        community=F("claim__need__community_id"),
        partner=F("claim__partner_id"),
        resource=F("claim__resource_id"),
        recorded=F("claim__need__created_at"),
    )
    for r in deliveries:
        month = _month(r["delivered_on"])
        where = {"area": r["community"], "partners": [r["partner"]], "month": month}
        add("needs_met", 1, **where)
        if r["resource"] is not None:
            add("resources_delivered", 1, **where)
        recorded = timezone.localtime(r["recorded"], tz).date()
        add("days", max(0, (r["delivered_on"] - recorded).days), **where)

    # Member volunteer hours: by the day served.
    members = _in_area(MemberRegistration.objects.visible_to(user), "community__path", area)
    hours = (
        ServiceHours.objects.filter(member__in=members.values("pk"), on__gte=start, on__lte=end)
        .values(
            community=F("member__community_id"),
            partner=F("member__partner_id"),
            month=TruncMonth("on"),
        )
        .annotate(n=Sum("hours"))
        .order_by()
    )
    for r in hours:
        add(
            "hours",
            r["n"] or Decimal(0),
            area=r["community"],
            partners=[r["partner"]],
            month=_month(r["month"]),
        )

    # Bookings served: done in the period.
    bookings = (
        _in_area(PointBooking.objects.visible_to(user), "point__community__path", area)
        .filter(status=PointBookingStatus.DONE, done_at__gte=lo, done_at__lt=hi)
        .values(
            community=F("point__community_id"),
            partner=F("point__provider_id"),
            month=TruncMonth("done_at", tzinfo=tz),
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    for r in bookings:
        add(
            "bookings",
            r["n"],
            area=r["community"],
            partners=[r["partner"]],
            month=_month(r["month"]),
        )

    adder.finish()
    return figures


# The records behind the figures (the dashboards' lists): `compute` counts these same querysets.

# An item filed on or before its due day (local date); needs `items_due`'s `filed_on`.
ON_TIME = Q(filed_at__isnull=False, filed_on__lte=F("due_on"))


def agreements_in_force(*, user: Any, start: date, end: date, area: Area | None = None) -> Any:
    """The agreements behind "agreements in force": signed, within their dates on a day of the
    period, and not ended before it."""
    return (
        _in_area(signed(Agreement.objects.visible_to(user)), "community__path", area)
        .filter(starts_on__lte=end, ends_on__gte=start)
        .exclude(ended_on__lt=start)
    )


def items_due(
    *, user: Any, start: date, end: date, area: Area | None = None, today: date | None = None
) -> Any:
    """The items of signed agreements due in the period so far (on or before `today`), each
    with `filed_on`, the local day of its first filing (`ON_TIME` reads it)."""
    today = today or timezone.localdate()
    return (
        _in_area(DueItem.objects.visible_to(user), "commitment__agreement__community__path", area)
        .filter(
            commitment__agreement__in=signed(Agreement.objects.all()),
            due_on__gte=start,
            due_on__lte=min(end, today),
        )
        .alias(filed_on=TruncDate("filed_at", tzinfo=timezone.get_current_timezone()))
    )


def delivered(*, user: Any, start: date, end: date, area: Area | None = None) -> Any:
    """The deliveries dated in the period of the claims `user` sees (in `area`): the needs met;
    those of a claim made with a resource are the resources delivered."""
    claims = _in_area(Claim.objects.visible_to(user), "need__community__path", area)
    return Delivery.objects.filter(
        claim__in=claims.values("pk"), delivered_on__gte=start, delivered_on__lte=end
    )
