"""The assessment's writes: the scheme (shares, indicators with weights and targets, grades),
the community's rating, a resident's stars, and computing a period's results.

How the figures are worked out is `genxi.pioneers.assessment`; these only validate and store.
"""

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from genxi.accounts.models import User
from genxi.core.audit import Actor, log_action
from genxi.core.services import ConcurrentEdit, ServiceError, create_object, update_object
from genxi.pioneers import assessment as engine
from genxi.pioneers.models import (
    COUNTED_INDICATORS,
    MAX_POINTS,
    Assessment,
    Grade,
    IndicatorKey,
    PeriodKind,
    Rating,
    ResidentRating,
    Scheme,
    SchemeIndicator,
)
from genxi.places.models import Area, Pioneer, Resident


def _user(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) else None


def check_shares(street: int, community: int, resident: int) -> None:
    for value in (street, community, resident):
        if not 0 <= value <= 100:
            raise ServiceError(_("Enter each share as a whole number from 0 to 100."))
    total = street + community + resident
    if total != 100:
        raise ServiceError(
            _("The three shares must add up to 100; now they add up to %(sum)s.") % {"sum": total},
            field="shares",
        )


def check_indicators(
    indicators: Sequence[tuple[str, int, int | None]],
) -> list[tuple[str, int, int | None]]:
    """(key, weight, monthly target): known keys once each, weights 1–100 adding up to 100, a
    target for a counted indicator."""
    if not indicators:
        raise ServiceError(_("Choose at least one indicator."), field="indicators")
    seen: set[str] = set()
    out = []
    for key, weight, target in indicators:
        if key not in IndicatorKey.values:
            raise ServiceError(_("Choose each indicator from the list."), field="indicators")
        label = IndicatorKey(key).label
        if key in seen:
            raise ServiceError(
                _("“%(label)s” is listed twice.") % {"label": label}, field="indicators"
            )
        seen.add(key)
        if not 1 <= int(weight) <= 100:
            raise ServiceError(
                _("“%(label)s”: enter a weight from 1 to 100.") % {"label": label},
                field="indicators",
            )
        if key in COUNTED_INDICATORS:
            if target is None or not 1 <= int(target) <= MAX_POINTS:
                raise ServiceError(
                    _("“%(label)s”: enter the monthly target that earns full marks (1 or more).")
                    % {"label": label},
                    field="indicators",
                )
        else:
            target = None
        out.append((key, int(weight), None if target is None else int(target)))
    total = sum(w for _k, w, _t in out)
    if total != 100:
        raise ServiceError(
            _("The indicators' weights must add up to 100; now they add up to %(sum)s.")
            % {"sum": total},
            field="indicators",
        )
    return out


def check_grades(grades: Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
    """Grades with different names and floors 0–100; the lowest must start at 0 so that every
    total has a grade."""
    if not grades:
        raise ServiceError(_("Add at least one grade."), field="grades")
    cleaned = sorted(((str(n).strip(), int(f)) for n, f in grades), key=lambda g: -g[1])
    names = [n for n, _f in cleaned]
    floors = [f for _n, f in cleaned]
    if any(not n for n in names):
        raise ServiceError(_("Give each grade a name."), field="grades")
    if any(len(n) > 20 for n in names):
        raise ServiceError(_("Keep each grade's name to 20 characters."), field="grades")
    if any(not 0 <= f <= 100 for f in floors):
        raise ServiceError(
            _("Enter each grade's lowest score as a number from 0 to 100."), field="grades"
        )
    if len(set(names)) != len(names):
        raise ServiceError(_("Give each grade a different name."), field="grades")
    if len(set(floors)) != len(floors):
        raise ServiceError(
            _("Two grades start at the same score: their ranges overlap. Give each its own."),
            field="grades",
        )
    if floors[-1] != 0:
        raise ServiceError(
            _("The lowest grade must start at 0, so that every total has a grade."),
            field="grades",
        )
    return cleaned


def save_scheme(
    *,
    actor: Actor,
    area: Area,
    street_share: int,
    community_share: int,
    resident_share: int,
    indicators: Sequence[tuple[str, int, int | None]],
    grades: Sequence[tuple[str, int]],
    expected_updated_at: datetime | None = None,
) -> Scheme:
    """Create or replace `area`'s scheme. Editing an existing one is a compare-and-set on its
    `updated_at` (None when the editor saw no scheme yet: another one saved first is stale)."""
    check_shares(street_share, community_share, resident_share)
    rules = check_indicators(indicators)
    levels = check_grades(grades)
    shares = {
        "street_share": street_share,
        "community_share": community_share,
        "resident_share": resident_share,
    }
    with transaction.atomic():
        scheme = Scheme.objects.select_for_update().filter(area=area).first()
        if scheme is None:
            if expected_updated_at is not None:
                raise ConcurrentEdit()
            try:
                with transaction.atomic():
                    scheme = create_object(
                        actor=actor, model=Scheme, fields={"area": area, **shares}
                    )
            except ServiceError as exc:
                raise ConcurrentEdit() from exc
        else:
            if expected_updated_at is None or scheme.updated_at != expected_updated_at:
                raise ConcurrentEdit()
            update_object(actor=actor, instance=scheme, fields=shares)
            # The indicators and grades are part of the scheme: its stamp moves with them.
            Scheme.objects.filter(pk=scheme.pk).update(updated_at=timezone.now())
        scheme.indicators.all().delete()
        scheme.grades.all().delete()
        SchemeIndicator.objects.bulk_create(
            [SchemeIndicator(scheme=scheme, key=k, weight=w, monthly_target=t) for k, w, t in rules]
        )
        Grade.objects.bulk_create([Grade(scheme=scheme, name=n, min_score=f) for n, f in levels])
        log_action(
            actor=actor,
            action="scheme.rules",
            obj=scheme,
            changes={"indicators": [list(r) for r in rules], "grades": [list(g) for g in levels]},
        )
    scheme.refresh_from_db()
    return scheme


def check_period(kind: str, start: date, *, today: date | None = None) -> engine.Period:
    if kind not in PeriodKind.values:
        raise ServiceError(_("Choose a month, a quarter or a year."), field="period")
    if start < engine.EARLIEST:
        raise ServiceError(
            _("Choose a period from %(year)s on.") % {"year": engine.EARLIEST.year},
            field="period",
        )
    period = engine.period_of(kind, start)
    if period.start != start:
        raise ServiceError(_("Choose a period from the list."), field="period")
    if period.start > (today or timezone.localdate()):
        raise ServiceError(
            _("That period has not started yet: choose this one or one before."), field="period"
        )
    return period


def rate(
    *,
    actor: Actor,
    pioneer: Pioneer,
    period_kind: str,
    period_start: date,
    score: int,
    comment: str = "",
    expected_updated_at: datetime | None = None,
) -> Rating:
    """The community's rating of a pioneer's period (0–100), created or changed. A change is a
    compare-and-set on the rating's `updated_at` (None: the editor saw no rating yet, so one
    made meanwhile by someone else is refused as stale, not overwritten)."""
    check_period(period_kind, period_start)
    if not 0 <= int(score) <= 100:
        raise ServiceError(_("Enter a score from 0 to 100."), field="score")
    fields = {"score": int(score), "comment": comment.strip()}
    with transaction.atomic():
        found: Rating | None = (
            Rating.objects.select_for_update()
            .filter(pioneer=pioneer, period_kind=period_kind, period_start=period_start)
            .first()
        )
        if found is None:
            if expected_updated_at is not None:
                raise ConcurrentEdit()
            try:
                with transaction.atomic():
                    made: Rating = create_object(
                        actor=actor,
                        model=Rating,
                        fields={
                            "pioneer": pioneer,
                            "period_kind": period_kind,
                            "period_start": period_start,
                            "by": _user(actor),
                            **fields,
                        },
                    )
                    return made
            except ServiceError as exc:
                raise ConcurrentEdit() from exc  # someone rated in the same instant
        if expected_updated_at is None or found.updated_at != expected_updated_at:
            raise ConcurrentEdit()
        update_object(
            actor=actor,
            instance=found,
            fields={**fields, "by": _user(actor)},
        )
        return found


def rate_pioneer(
    *,
    actor: Actor,
    resident: Resident,
    pioneer: Pioneer,
    stars: int,
    comment: str = "",
    token: uuid.UUID | None = None,
) -> ResidentRating:
    """A resident's stars (1–5) for the pioneer of their grid, once a month. A retried form
    (same token) returns the first rating; a second rating of the month is refused."""
    if not 1 <= int(stars) <= 5:
        raise ServiceError(_("Choose from 1 to 5 stars."), field="stars")
    grid = resident.area.grid_id
    if grid is None or not pioneer.grids.filter(pk=grid).exists() or not pioneer.is_active:
        raise ServiceError(_("You can rate only the pioneer of your own grid."))
    month = timezone.localdate().replace(day=1)
    try:
        return create_object(
            actor=actor,
            model=ResidentRating,
            fields={
                "pioneer": pioneer,
                "resident": resident,
                "month": month,
                "stars": int(stars),
                "comment": comment.strip()[:200],
            },
            token=token,
            unique_error=_(
                "You have already rated your pioneer this month. You can rate again next month."
            ),
        )
    except IntegrityError as exc:  # pragma: no cover - create_object turns these into errors
        raise ServiceError(str(exc)) from exc


def compute(*, actor: Actor, area: Area, period_kind: str, period_start: date) -> int:
    """Compute and store every pioneer's result under `area` for the period (replacing what an
    earlier computation stored); returns how many were assessed."""
    period = check_period(period_kind, period_start)
    results = engine.assess_area(area, period)
    now = timezone.now()
    rows = [
        Assessment(
            pioneer=r.pioneer,
            period_kind=period.kind,
            period_start=period.start,
            period_end=period.end,
            indicators=[f.as_json() for f in r.figures],
            street_score=r.street if r.street is not None else 0,
            community_score=r.community,
            resident_score=r.resident,
            total=r.total,
            grade=r.grade,
            computed_at=now,
        )
        for r in results
    ]
    with transaction.atomic():
        Assessment.objects.bulk_create(
            rows,
            batch_size=500,
            update_conflicts=True,
            unique_fields=["pioneer", "period_kind", "period_start"],
            update_fields=[
                "period_end",
                "indicators",
                "street_score",
                "community_score",
                "resident_score",
                "total",
                "grade",
                "computed_at",
            ],
        )
        log_action(
            actor=actor,
            action="assessment.compute",
            obj=area,
            changes={"period": [period.kind, period.start.isoformat()], "pioneers": len(rows)},
        )
    return len(rows)


def latest_computed(area: Area, period: engine.Period) -> Any:
    return (
        Assessment.objects.filter(
            pioneer__in=engine.pioneers_in(area, period).values("pk"),
            period_kind=period.kind,
            period_start=period.start,
        )
        .order_by("-computed_at")
        .values_list("computed_at", flat=True)
        .first()
    )
