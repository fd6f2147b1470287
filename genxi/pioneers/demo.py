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
    """This month's and last month's plans of 和泰's demo pioneer 周建昌 and two other pioneers
    of 和泰; visits to about half their households over the past month, through the same
    service the phone uses (one raises a demand, one follows an open demand up). Pioneers
    without an account have plans but no visits (a visit is recorded by a person)."""
    from datetime import timedelta

    from genxi.demands.models import Category, Demand, Visit
    from genxi.demands.services import Ask, record_visit
    from genxi.pioneers.households import households_in
    from genxi.pioneers.models import VisitPlan
    from genxi.pioneers.services.plans import month_start, plan_for
    from genxi.places.models import Pioneer

    serving = Pioneer.objects.active(today).filter(community__name="和泰社区").order_by("id")
    main = serving.filter(user__username="pioneer").first()
    if main is None:
        return 0
    pioneers = [main, *serving.exclude(pk=main.pk)[:2]]
    this_month = month_start(today)
    last_month = month_start(this_month - timedelta(days=1))
    category = Category.objects.active().filter(depth__gt=0).order_by("id").first()
    created = 0

    def plan(pioneer: Pioneer, month: date) -> None:
        nonlocal created
        if not VisitPlan.objects.filter(pioneer=pioneer, month=month).exists():
            plan_for(pioneer, month, actor=None)
            created += 1

    for pioneer in pioneers:
        # Last month's plan as it was made then, before the visits of the past month.
        plan(pioneer, last_month)
        user = pioneer.user
        if user is None:
            plan(pioneer, this_month)
            continue
        grids = list(pioneer.grids.values_list("pk", flat=True))
        households = households_in(grids)[::2][:24]
        follow = (
            Demand.objects.open()
            .filter(reporters__resident__area__grid__in=grids)
            .order_by("id")
            .first()
        )
        for i, household in enumerate(households):
            day = today - timedelta(days=30 - (i * 30) // max(len(households), 1))
            if Visit.objects.filter(
                pioneer=user, area=household.building, room=household.room, visited_on=day
            ).exists():
                continue
            asks = []
            if i == 0 and category is not None:
                asks = [Ask("楼道声控灯不亮，晚上上下楼看不清", category)]
            record_visit(
                actor=user,
                area=household.building,
                room=household.room,
                visited_on=day,
                met=household.residents[:1],
                notes="身体状况良好，家中无安全隐患" if i % 3 else "",
                asks=asks,
                today=today,
            )
            created += 1
        if follow is not None and not Visit.objects.filter(follow_ups=follow).exists():
            reporter = follow.reporters.select_related("resident__area").first()
            if reporter is not None:
                record_visit(
                    actor=user,
                    area=reporter.resident.area,
                    room=reporter.resident.room,
                    visited_on=today - timedelta(days=2),
                    met=[reporter.resident],
                    notes="询问诉求办理进度，居民表示知情",
                    follow_ups=[follow],
                    today=today,
                )
                created += 1
        plan(pioneer, this_month)
    return created


# -- Assessment (helper C) ---------------------------------------------------------------------


def _assessment(today: date) -> int:
    return 0


# -- Points (helper D) -------------------------------------------------------------------------


def _points(today: date) -> int:
    return 0
