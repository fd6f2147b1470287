"""The demo's activities, at different stages, from the seeds' stories (loaded by `genxi demo`,
idempotent: each activity is found by its title and community):

- 和泰社区's senior-university teaching point with the city's 老年大学 (大公园's story): three
  courses; the autumn term was drawn and is under way, with attendance kept; applications for the
  spring term are open;
- 宝祥社区's 健康集市 with 漕湖人民医院 (盛南's free clinic): held, doctors' stalls by department
  with their service counts, most registrations entered by staff from the paper list, a report;
- 和泰社区's winter health lecture: first come, first served, full, with a waiting list;
- 清嘉苑社区's 先锋大篷车 service fair next Saturday: stalls, a haircut stall with time slots;
- 和美社区's children's summer class: a draft.

Dates are relative to the day the demo is loaded, so the stages stay true.
"""

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from itertools import islice

from django.utils import timezone

from genxi.activities.models import (
    Activity,
    ActivityKind,
    Audience,
    Intake,
    Offering,
    Registration,
    RegistrationStatus,
    WaitlistMode,
)
from genxi.activities.services import activities as setup
from genxi.activities.services import checkin as door
from genxi.activities.services import draw as draws
from genxi.activities.services import registration as signup
from genxi.places.models import Area, AreaKind, Partner, Resident, Venue


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _community(name: str) -> Area:
    return Area.objects.get(kind=AreaKind.COMMUNITY, name=name)


def _residents(community: Area) -> Iterator[Resident]:
    return (
        Resident.objects.filter(area__path__startswith=community.path)
        .select_related("area")
        .order_by("id")
        .iterator()
    )


def _venue(community: Area) -> Venue | None:
    return Venue.objects.filter(area__path__startswith=community.path).order_by("id").first()


def _street(community: Area) -> Area:
    assert community.parent is not None
    return community.parent


def _exists(title: str, owner: Area) -> bool:
    return Activity.objects.filter(title=title, owner=owner).exists()


def load(today: date | None = None) -> int:
    """Create the demo's activities; returns how many were created."""
    today = today or timezone.localdate()
    created = 0
    for build in (senior_university, clinic, lecture, fair, summer_class):
        created += build(today)
    return created


def senior_university(today: date) -> int:
    hetai = _community("和泰社区")
    title = "老年大学和泰教学点"
    if _exists(title, hetai):
        return 0
    street = _street(hetai)
    activity = setup.create_activity(
        actor=None,
        title=title,
        kind=ActivityKind.CLASS,
        owner=hetai,
        open_to=[street],
        partners=list(Partner.objects.filter(name="苏州市老年大学")),
        audience=[Audience.ELDERLY, Audience.RESIDENTS],
        description="与苏州市老年大学共建的教学点：声乐、舞蹈、花卉种植三门课，每学期12周。"
        "名额紧张，报名后抽签；独居老人、首次报名和上学期未录取的居民优先。",
        venue=_venue(hetai),
        no_show_limit=3,
    )
    # Autumn: began six weeks ago; spring: begins in eight weeks, applications open now.
    autumn_start = today - timedelta(days=42)
    spring_start = today + timedelta(days=56)
    courses = [("声乐", 1, 9), ("舞蹈", 2, 9), ("花卉种植", 3, 14)]
    autumn: list[Offering] = []
    spring: list[Offering] = []
    for name, weekday, hour in courses:
        course = setup.add_course(actor=None, activity=activity, name=name, teacher="")
        for term_name, start, bucket in (
            ("秋季班", autumn_start, autumn),
            ("春季班", spring_start, spring),
        ):
            first = start + timedelta(days=(weekday - start.weekday()) % 7)
            term = setup.add_term(
                actor=None,
                course=course,
                name=term_name,
                first_day=first,
                starts=time(hour),
                ends=time(hour + 2),
                weeks=12,
                venue=_venue(hetai),
            )
            bucket.append(
                setup.create_offering(
                    actor=None,
                    activity=activity,
                    term=term,
                    capacity=40,
                    intake=Intake.DRAW,
                    opens_at=_at(min(start - timedelta(days=30), today - timedelta(days=2)), 9),
                    closes_at=_at(start - timedelta(days=10), 17),
                )
            )
    setup.publish_activity(actor=None, activity=activity)
    # Applicants: the autumn terms were oversubscribed; the spring applications are coming in.
    people = _residents(street)
    for offering in autumn:
        applied_on = _at(autumn_start - timedelta(days=20), 10)
        for resident in islice(people, 55):
            signup.register(actor=None, offering=offering, resident=resident, now=applied_on)
    for offering in spring:
        for resident in islice(people, 12):
            signup.register(actor=None, offering=offering, resident=resident)
    # The autumn draws: announced while applications were open, the roster frozen when they
    # closed, drawn the next morning with the lottery's numbers and residents' dice.
    for n, offering in enumerate(autumn):
        assert offering.closes_at is not None
        draw = draws.announce_draw(
            actor=None,
            offering=offering,
            sources="福彩3D 开奖号码（名单冻结后的第一期）\n抽签现场三位居民各掷一颗骰子",
            draw_at=offering.closes_at + timedelta(hours=16),
            now=offering.closes_at - timedelta(days=5),
        )
        draw = draws.freeze_roster(actor=None, draw=draw, now=offering.closes_at)
        draws.run_draw(
            actor=None,
            draw=draw,
            values=[f"{n} 5 8", f"{n + 2} 4 6"],
            now=offering.closes_at + timedelta(hours=16),
        )
        # Attendance at the sessions held so far: most come, a few miss one now and then.
        taught = offering.term
        assert taught is not None
        students = list(
            Registration.objects.filter(offering=offering, status=RegistrationStatus.CONFIRMED)
        )
        held = [s for s in taught.sessions.order_by("starts_at") if s.ends_at < timezone.now()]
        for week, session in enumerate(held):
            for k, student in enumerate(students):
                if (k + week) % 9 == 0:
                    continue
                door.check_in(
                    actor=None,
                    session=session,
                    text=student.code,
                    at=session.starts_at - timedelta(minutes=10),
                )
    return 1


def clinic(today: date) -> int:
    baoxiang = _community("宝祥社区")
    title = "健康集市·科普义诊"
    if _exists(title, baoxiang):
        return 0
    day = today - timedelta(days=10)
    activity = setup.create_activity(
        actor=None,
        title=title,
        kind=ActivityKind.CLINIC,
        owner=baoxiang,
        open_to=[baoxiang],
        partners=list(Partner.objects.filter(name="漕湖人民医院")),
        audience=[Audience.RESIDENTS, Audience.ELDERLY],
        description="漕湖人民医院党支部组织五个科室的医生在社区广场义诊：测血压血糖、问诊、健康咨询。",
        address="宝祥苑中心广场",
    )
    session = setup.add_session(
        actor=None, activity=activity, starts_at=_at(day, 18), ends_at=_at(day, 20, 30)
    )
    offering = setup.create_offering(
        actor=None, activity=activity, session=session, capacity=150, staff_share=100
    )
    hospital = Partner.objects.filter(name="漕湖人民医院").first()
    stalls = [("内科", 64), ("中医科", 41), ("眼科", 28), ("口腔科", 22), ("骨科", 35)]
    made = [
        setup.add_stall(actor=None, activity=activity, service=service, provider=hospital)
        for service, _count in stalls
    ]
    setup.publish_activity(actor=None, activity=activity)
    # Most of the list was taken on paper at the community office and entered by staff.
    signed_up = _at(day - timedelta(days=3), 10)
    online = list(islice(_residents(baoxiang), 20))
    taken = {r.pk for r in online}
    on_paper = islice((r for r in _residents(_street(baoxiang)) if r.pk not in taken), 100)
    for resident in online:
        signup.register(actor=None, offering=offering, resident=resident, now=signed_up)
    for resident in on_paper:
        signup.register(
            actor=None, offering=offering, resident=resident, by_staff=True, now=signed_up
        )
    # The evening of the clinic: most came (checked in at the door), it is marked held, the
    # services are counted per stall and the report written.
    for n, registration in enumerate(
        Registration.objects.filter(offering=offering).order_by("seat")
    ):
        if n % 7:
            door.check_in(actor=None, session=session, text=registration.code, at=session.starts_at)
    setup.mark_held(actor=None, activity=activity)
    for stall, (_service, count) in zip(made, stalls, strict=True):
        setup.record_services(actor=None, stall=stall, count=count)
    setup.write_report(
        actor=None,
        activity=activity,
        report="五个科室11名医生到场，为居民测血压血糖、问诊并发放健康手册。"
        "报名120人，当晚签到的居民以签到表为准；下次请眼科多安排一名医生。",
    )
    return 1


def lecture(today: date) -> int:
    hetai = _community("和泰社区")
    title = "冬季慢病防治健康讲座"
    if _exists(title, hetai):
        return 0
    day = today + timedelta(days=5)
    activity = setup.create_activity(
        actor=None,
        title=title,
        kind=ActivityKind.LECTURE,
        owner=hetai,
        open_to=[hetai],
        audience=[Audience.RESIDENTS, Audience.ELDERLY],
        description="社区卫生服务中心医生讲解冬季高血压、糖尿病的防治。",
        venue=_venue(hetai),
        waitlist_mode=WaitlistMode.OFFER,
        offer_hours=12,
    )
    session = setup.add_session(
        actor=None, activity=activity, starts_at=_at(day, 19), ends_at=_at(day, 20, 30)
    )
    offering = setup.create_offering(
        actor=None, activity=activity, session=session, capacity=30, staff_share=5
    )
    setup.publish_activity(actor=None, activity=activity)
    # Full, with three waiting: the demo resident (沈玉兰) is among the confirmed.
    demo_resident = Resident.objects.filter(user__username="resident").first()
    people = [r for r in [demo_resident] if r is not None]
    people += [r for r in islice(_residents(hetai), 40) if r.pk not in {p.pk for p in people}]
    for resident in people[:28]:
        signup.register(actor=None, offering=offering, resident=resident)
    for resident in people[28:33]:
        signup.register(actor=None, offering=offering, resident=resident, by_staff=True)
    return 1


def fair(today: date) -> int:
    qingjia = _community("清嘉苑社区")
    title = "先锋大篷车·海棠集市"
    if _exists(title, qingjia):
        return 0
    saturday = today + timedelta(days=(5 - today.weekday()) % 7 or 7)
    activity = setup.create_activity(
        actor=None,
        title=title,
        kind=ActivityKind.FAIR,
        owner=qingjia,
        open_to=[_street(qingjia)],
        audience=[Audience.RESIDENTS],
        description="党员先锋和共建单位摆摊服务：磨刀、理发、修鞋、小家电维修、测血压血糖。",
        address="清嘉苑南门广场",
    )
    setup.add_session(
        actor=None, activity=activity, starts_at=_at(saturday, 9), ends_at=_at(saturday, 11, 30)
    )
    for service in ("磨刀", "修鞋", "小家电维修", "测血压血糖"):
        setup.add_stall(actor=None, activity=activity, service=service, volunteers="党员先锋队")
    haircut = setup.add_stall(
        actor=None, activity=activity, service="理发", volunteers="社区理发志愿者"
    )
    slots = []
    for hour, minute in ((9, 0), (9, 45), (10, 30)):
        start = _at(saturday, hour, minute)
        slots.append(
            setup.add_slot(
                actor=None,
                stall=haircut,
                starts_at=start,
                ends_at=start + timedelta(minutes=45),
                capacity=8,
            )
        )
    setup.publish_activity(actor=None, activity=activity)
    first_slot = Offering.objects.get(slot=slots[0])
    for resident in islice(_residents(qingjia), 6):
        signup.register(actor=None, offering=first_slot, resident=resident)
    return 1


def summer_class(today: date) -> int:
    hemei = _community("和美社区")
    title = "暑期少儿托管班"
    if _exists(title, hemei):
        return 0
    setup.create_activity(
        actor=None,
        title=title,
        kind=ActivityKind.CLASS,
        owner=hemei,
        open_to=[hemei],
        audience=[Audience.CHILDREN],
        description="暑期为双职工家庭的孩子开设托管班，大学生志愿者辅导作业、开设科普课。草稿，待排课。",
        address="和美家园党群服务站",
    )
    return 1
