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
    """富元雅苑党支部 appoints 朱巷社区's 海棠先锋 (the pioneer of 朱巷第一网格, who lives in
    富元雅苑) with the community's duties template; every demo appointment without a history
    gets its "appointed" step."""
    from genxi.pioneers.models import AppointmentEvent, AppointmentEventKind, DutyTemplate
    from genxi.pioneers.services import appointments
    from genxi.places.models import Area, AreaKind, PartyOrg, Pioneer

    created = 0
    community = Area.objects.filter(kind=AreaKind.COMMUNITY, name="朱巷社区").first()
    branch = PartyOrg.objects.filter(name="富元雅苑党支部").first()
    if community is None or branch is None:
        return 0
    template = DutyTemplate.objects.filter(area=community, name="海棠先锋职责").first()
    if template is None:
        template = appointments.create_template(
            actor=None,
            area=community,
            name="海棠先锋职责",
            duties=(
                "一、联系网格内住户，每月走访，独居老人、残疾人等重点户优先；\n"
                "二、收集居民诉求，及时录入，跟进办理和回访；\n"
                "三、参与小区议事协商和志愿服务，协调邻里矛盾；\n"
                "四、宣传党的政策和社区通知，发挥党员先锋模范作用。"
            ),
            assessment_rules=(
                "按季度考核：走访完成率40%、诉求办结率30%、居民满意度20%、志愿服务10%；"
                "年度考核优秀的予以表彰，连续两次不合格的不再续聘。"
            ),
        )
        created += 1
    grid = Area.objects.filter(kind=AreaKind.GRID, parent=community).order_by("path").first()
    pioneer = (
        Pioneer.objects.filter(community=community, grids=grid).order_by("id").first()
        if grid is not None
        else None
    )
    if pioneer is not None and pioneer.party_org_id is None:
        appointments.edit(
            actor=None,
            pioneer=pioneer,
            party_org=branch,
            duties=appointments.duties_from(template),
        )
    for pioneer in Pioneer.objects.filter(events__isnull=True).order_by("id"):
        AppointmentEvent.objects.create(
            pioneer=pioneer,
            kind=AppointmentEventKind.APPOINTED,
            on=pioneer.appointed_on,
            term_ends_on=pioneer.term_ends_on,
        )
        created += 1
    return created


# -- Visits (helper B) -------------------------------------------------------------------------


def _visits(today: date) -> int:
    return 0


# -- Assessment (helper C) ---------------------------------------------------------------------


def _assessment(today: date) -> int:
    return 0


# -- Points (helper D) -------------------------------------------------------------------------


def _points(today: date) -> int:
    return 0
