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
        # Chosen after the visits, so that a second load finds the same demand already followed.
        follow = (
            Demand.objects.open()
            .filter(reporters__resident__area__grid__in=grids)
            .order_by("id")
            .first()
        )
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
    """白洋湾街道's items and rewards, 和泰社区's own, residents of 和泰 who earned points by
    volunteering (the demo resident 沈玉兰 among them, with points to spend), and a couple of
    redemptions: one handed over at the counter, one waiting with its pick-up code. Loaded once
    (the street's first item marks it done)."""
    from datetime import datetime, time, timedelta

    from genxi.accounts.models import User
    from genxi.pioneers.models import PointAccount, PointEntry, PointItem
    from genxi.pioneers.services import points as service
    from genxi.places.models import Area, AreaKind, Resident

    street = Area.objects.filter(kind=AreaKind.STREET, name="白洋湾街道").first()
    hetai = Area.objects.filter(kind=AreaKind.COMMUNITY, name="和泰社区").first()
    if street is None or hetai is None or PointItem.objects.filter(area=street).exists():
        return 0
    street_staff = User.objects.filter(username="street").first()
    staff = User.objects.filter(username="community").first()
    made = 0
    items = {}
    for area, name, points in [
        (street, "参加志愿服务", 5),
        (street, "入户走访协助", 2),
        (street, "垃圾分类督导", 3),
        (street, "文明劝导", 2),
        (hetai, "楼道清洁", 2),
        (hetai, "议事会列席", 1),
    ]:
        items[name] = service.create_item(actor=street_staff, area=area, name=name, points=points)
        made += 1
    rewards = {}
    for area, name, cost, stock, description in [
        (street, "洗衣液", 50, 20, "2 公斤装一瓶"),
        (street, "大米", 100, 10, "5 公斤一袋"),
        (street, "理发券", 30, 40, "社区便民理发点使用"),
        (hetai, "环保购物袋", 10, 60, ""),
    ]:
        rewards[name] = service.create_reward(
            actor=street_staff,
            area=area,
            name=name,
            cost=cost,
            stock=stock,
            description=description,
        )
        made += 1
    residents = list(Resident.objects.filter(area__path__startswith=hetai.path).order_by("id")[:12])
    me = Resident.objects.filter(user__username="resident").first()
    if me is not None and me not in residents:
        residents.insert(0, me)
    # A few activities over the last months, each awarded to the residents who came.
    done = [
        ("参加志愿服务", "学雷锋志愿服务", residents[::1]),
        ("垃圾分类督导", "垃圾分类桶边督导", residents[::2]),
        ("参加志愿服务", "重阳节敬老活动", residents[::3]),
        ("入户走访协助", "协助走访独居老人", residents[:4]),
        ("楼道清洁", "三花苑楼道清洁日", residents[1::2]),
        ("参加志愿服务", "社区运动会志愿者", residents[:8]),
    ]
    zone = datetime.now().astimezone().tzinfo
    for n, (item, reason, who) in enumerate(done):
        if not who:
            continue
        entries = service.award_many(actor=staff, residents=who, item=items[item], reason=reason)
        # Dated back over the last months, oldest first, so the ledger reads as it happened.
        day = today - timedelta(days=15 * (len(done) - n))
        at = datetime.combine(day, time(16, 30), tzinfo=zone)
        PointEntry.objects.filter(pk__in=[e.pk for e in entries]).update(at=at)
        made += len(entries)
    if me is not None:
        account = PointAccount.objects.get(resident=me)
        service.adjust(
            actor=staff, account=account, points=40, reason="补录上半年志愿服务（纸质台账）"
        )
        handed = service.redeem(
            actor=User.objects.filter(username="resident").first(),
            account=account,
            reward=rewards["理发券"],
        )
        service.hand_over(actor=staff, redemption=handed)
        service.redeem(actor=None, account=account, reward=rewards["环保购物袋"])
        made += 3
    return made
