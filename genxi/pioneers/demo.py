"""The demo's pioneers' work (loaded by `genxi demo`, idempotent: each record is found by its
stable names):

- appointments: 富元雅苑党支部's 海棠先锋 appointed at the ceremony, with the duties template
  and the assessment rules, a grid and a certificate; the history of the other appointments;
- visits: a month of visits by the demo pioneer 周建昌 and others, from their visit plans;
- assessment: the street's scheme, the communities' ratings, residents' stars, the ranking;
- points: items that earn points, rewards in stock, some earned and spent.

Dates are relative to the day the demo is loaded. Each part is its own function below.
"""

from datetime import date


def load(today: date) -> int:
    """Load every part; returns how many records were created."""
    return _appointments(today) + _visits(today) + _assessment(today) + _points(today)


# -- Appointments (helper A) -------------------------------------------------------------------


def _appointments(today: date) -> int:
    return 0


# -- Visits (helper B) -------------------------------------------------------------------------


def _visits(today: date) -> int:
    return 0


# -- Assessment (helper C) ---------------------------------------------------------------------


def _assessment(today: date) -> int:
    """白洋湾街道's scheme (60/30/10, the seven indicators, 优秀95/合格80/基本合格70/不合格0),
    和泰's ratings of its pioneers for last month, some residents' stars this month and last,
    and last month's ranking computed. Found again by area, pioneer and month on a reload."""
    import random
    from datetime import timedelta

    from genxi.pioneers import assessment as engine
    from genxi.pioneers.models import Assessment, PeriodKind, Rating, ResidentRating, Scheme
    from genxi.pioneers.services import assessment as services
    from genxi.places.models import Area, AreaKind, Resident

    street = Area.objects.filter(kind=AreaKind.STREET, name="白洋湾街道").first()
    hetai = Area.objects.filter(kind=AreaKind.COMMUNITY, name="和泰社区").first()
    if street is None or hetai is None:
        return 0
    made = 0
    if not Scheme.objects.filter(area=street).exists():
        services.save_scheme(
            actor=None,
            area=street,
            street_share=60,
            community_share=30,
            resident_share=10,
            indicators=engine.DEFAULT_INDICATORS,
            grades=engine.DEFAULT_GRADES,
        )
        made += 1
    last_month = engine.period_of(PeriodKind.MONTH, today.replace(day=1) - timedelta(days=1))
    rng = random.Random(16)
    pioneers = list(engine.pioneers_in(hetai, last_month))
    for pioneer in pioneers:
        score = rng.choice([78, 85, 88, 90, 92, 95, 98])
        if not Rating.objects.filter(
            pioneer=pioneer, period_kind=PeriodKind.MONTH, period_start=last_month.start
        ).exists():
            services.rate(
                actor=None,
                pioneer=pioneer,
                period_kind=PeriodKind.MONTH,
                period_start=last_month.start,
                score=score,
                comment="走访扎实，群众认可" if score >= 90 else "",
            )
            made += 1
        # Residents of the pioneer's grids give their stars (last month's are written as they
        # were then: a resident rates once a month, as the service allows for the current one).
        grids = list(pioneer.grids.values_list("pk", flat=True))
        residents = list(Resident.objects.filter(area__grid__in=grids).order_by("pk")[:6])
        for resident in residents:
            for month in (last_month.start, today.replace(day=1)):
                # Drawn first, so a reload draws the same numbers for the same rows.
                stars, rates = rng.choice([3, 4, 4, 5, 5, 5]), rng.random() < 0.5
                if ResidentRating.objects.filter(
                    pioneer=pioneer, resident=resident, month=month
                ).exists():
                    continue
                if month == today.replace(day=1):
                    if rates:
                        services.rate_pioneer(
                            actor=None, resident=resident, pioneer=pioneer, stars=stars
                        )
                        made += 1
                else:
                    ResidentRating.objects.create(
                        pioneer=pioneer, resident=resident, month=month, stars=stars
                    )
                    made += 1
    stored = Assessment.objects.filter(
        pioneer__in=engine.pioneers_in(street, last_month).values("pk"),
        period_kind=PeriodKind.MONTH,
        period_start=last_month.start,
    )
    if not stored.exists():
        made += services.compute(
            actor=None,
            area=street,
            period_kind=PeriodKind.MONTH,
            period_start=last_month.start,
        )
    return made


# -- Points (helper D) -------------------------------------------------------------------------


def _points(today: date) -> int:
    return 0
