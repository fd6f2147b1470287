"""The simulation's activities: lectures, fairs with stalls, screenings and a monthly class term
in every community, with registrations (residents', and staff-made from the paper list) and
check-ins at the door, through `genxi.activities.services` as the pages call them.

How the year is laid out, so that every figure's definition (docs/figures.md, "The figures of
activities") can be summed day by day from the ledger:

- Every activity is run by one community and holds all its sessions in one calendar month (a
  class term is four weekly sessions in the month's first four weeks), so "activities held" —
  an activity with a session held in the period, once per activity and month — is one ledger
  entry on the local day its first session ended.
- Every person (a resident on the books, or someone known by name and phone) takes part in one
  community's activities in one month of the year only, so "residents reached" — distinct
  people among the check-ins — is one entry on the day of their first check-in.
- A session is held from 14:00 (a class or a fair: 09:30) on its day; the door phone's queue of
  check-ins is uploaded the next morning (`check_in_batch`, each scan with its time at the door),
  which is when the actor records the session: check-ins (participants, one per check-in),
  people reached and the activity held, all dated the session's day. No session falls on the
  simulation's last day, so every session it records has ended before the check reads.
- Sessions are held at an address, not at a venue: a venue booking would count in the venues
  panel, which this actor does not ledger.

Ledger keys: activities.held, activities.participants, activities.residents_reached.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from genxi.activities.models import Activity, ActivityKind, Audience, Offering, Session, Stall
from genxi.activities.services import activities as setup_services
from genxi.activities.services import checkin as door
from genxi.activities.services import registration as signup
from genxi.places.models import Area, Resident
from genxi.simulation.world import World

NAME = "activities"

TOPICS = {
    ActivityKind.LECTURE: ["健康养生讲座", "防范电信诈骗讲座", "垃圾分类宣讲", "法律知识讲座"],
    ActivityKind.SCREENING: ["红色电影放映", "露天电影之夜"],
    ActivityKind.FAIR: ["先锋大篷车·便民集市", "邻里便民服务集市"],
    ActivityKind.CLASS: ["智能手机课堂", "书法兴趣班", "太极拳班"],
}
STALLS = ["理发", "磨刀", "修鞋", "小家电维修", "测血压血糖", "法律咨询"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡"
GIVEN = "秀英桂兰建国志强玉珍美华国平丽娟金根永福凤英建华玉梅国强明华淑英雪芬志明小红"
PREFIXES = ["138", "139", "135", "136", "137", "150", "151", "158", "186", "187", "188"]


@dataclass
class Person:
    key: str  # the registration's person key: "r<resident id>" or "p<phone>"
    resident: Resident | None = None
    name: str = ""
    phone: str = ""


@dataclass
class Plan:
    community: Area
    kind: str
    title: str
    days: list[date]  # the sessions' days, all in one month
    people: list[Person]


@dataclass
class Held:
    """A session to record on the morning after its day."""

    session_id: int
    activity_id: int
    community_id: int
    day: date
    scans: list[tuple[str, str]]  # (registration code, person key) of those who came
    last: bool  # the activity's last session: mark it held afterwards


@dataclass
class State:
    start: date
    last_day: date
    plans: dict[date, list[Plan]] = field(default_factory=dict)  # by the day it is set up
    held: dict[date, list[Held]] = field(default_factory=dict)  # by the day it is recorded
    reached: set[str] = field(default_factory=set)  # person keys reached so far
    held_months: set[tuple[int, date]] = field(default_factory=set)  # (activity, month)
    phones: set[str] = field(default_factory=set)


def last_day(world: World) -> date:
    """The simulation's last day: the engine's `world.end` (or `extra["last_day"]`), else the
    year's last."""
    value = getattr(world, "end", None) or world.extra.get("last_day")
    return value if isinstance(value, date) else date(world.year, 12, 31)


def made(world: World, kind: str, n: int = 1) -> None:
    """Count records made, for the engine's summary (when the world keeps one)."""
    counts = getattr(world, "counts", None)
    if counts is not None:
        counts[kind] += n


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _staff(world: World, community: Area) -> Any:
    return world.community_staff.get(community.pk) or world.street_staff


def _count(world: World, base: float) -> int:
    return max(1, round(base * world.scale))


def _phone(world: World, state: State) -> str:
    while True:
        phone = world.rng.choice(PREFIXES) + f"{world.rng.randrange(10**8):08d}"
        if phone not in state.phones:
            state.phones.add(phone)
            return phone


def _name(world: World) -> str:
    return world.rng.choice(SURNAMES) + world.rng.choice(GIVEN) + world.rng.choice(GIVEN)


def _months(start: date, end: date) -> list[date]:
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def setup(world: World) -> None:
    """Plan the year: each community's activities month by month, and who takes part."""
    start = timezone.localdate()
    state = State(start=start, last_day=last_day(world))
    world.extra[NAME] = state
    rng = world.rng
    first_session = start + timedelta(days=2)  # set up at least a day before
    final_session = state.last_day - timedelta(days=1)  # recorded on the morning after
    months = _months(first_session, final_session)
    for community in world.communities:
        residents = list(
            Resident.objects.filter(area__path__startswith=community.path)
            .select_related("area")
            .order_by("pk")
        )
        # Each resident takes part in one month of the year, in their own community.
        by_month: dict[date, list[Person]] = {m: [] for m in months}
        for resident in residents:
            if months and rng.random() < 0.6:
                by_month[rng.choice(months)].append(Person(f"r{resident.pk}", resident=resident))
        per_month = _count(world, 1)
        for month in months:
            pool = by_month[month]
            for _i in range(per_month * 20):
                phone = _phone(world, state)
                pool.append(Person(f"p{phone}", name=_name(world), phone=phone))
            rng.shuffle(pool)
            lo = max(month, first_session)
            hi = min(
                month.replace(day=calendar.monthrange(month.year, month.month)[1]), final_session
            )
            if lo > hi:
                continue
            kinds = [
                rng.choice([ActivityKind.LECTURE, ActivityKind.FAIR, ActivityKind.SCREENING])
                for _i in range(per_month)
            ]
            if rng.random() < 0.3:
                kinds[0] = ActivityKind.CLASS
            for kind in kinds:
                if kind == ActivityKind.CLASS:
                    first = month + timedelta(days=rng.randrange(7))
                    days = [first + timedelta(weeks=w) for w in range(4)]
                    if days[0] < lo or days[-1] > hi:
                        kind = ActivityKind.LECTURE
                if kind != ActivityKind.CLASS:
                    days = [lo + timedelta(days=rng.randrange((hi - lo).days + 1))]
                size = {ActivityKind.CLASS: (6, 12), ActivityKind.FAIR: (10, 20)}.get(kind, (8, 18))
                people = rng.sample(pool, min(len(pool), rng.randint(*size)))
                plan = Plan(community, kind, rng.choice(TOPICS[kind]), days, people)
                prepare = max(start, days[0] - timedelta(days=rng.randint(3, 10)))
                state.plans.setdefault(prepare, []).append(plan)


def on_day(world: World, day: date) -> None:
    state: State | None = world.extra.get(NAME)
    if state is None:
        return
    for held in state.held.pop(day, []):
        _record(world, state, held)
    for plan in state.plans.pop(day, []):
        _prepare(world, state, plan, day)


def _prepare(world: World, state: State, plan: Plan, today: date) -> None:
    """Set the activity up, publish it and take the registrations."""
    rng = world.rng
    staff = _staff(world, plan.community)
    street = plan.community.parent
    assert street is not None
    address = f"{plan.community.name}党群服务中心"
    activity = setup_services.create_activity(
        actor=staff,
        title=f"{plan.title}（{plan.days[0]:%m月}）",
        kind=plan.kind,
        owner=plan.community,
        open_to=[plan.community],
        audience=[Audience.RESIDENTS],
        description=f"{plan.community.name}{plan.title}。",
        address=address,
    )
    made(world, "activities")
    sessions = []
    offering: Any
    if plan.kind == ActivityKind.CLASS:
        course = setup_services.add_course(actor=staff, activity=activity, name=plan.title)
        term = setup_services.add_term(
            actor=staff,
            course=course,
            name=f"{plan.days[0]:%Y年%m月}班",
            first_day=plan.days[0],
            starts=time(9, 30),
            ends=time(11),
            weeks=len(plan.days),
            capacity=len(plan.people) + 5,
        )
        sessions = list(term.sessions.order_by("starts_at"))
        offering = Offering.objects.get(term=term)  # add_term opened its places
    else:
        hour = 9 if plan.kind == ActivityKind.FAIR else 14
        day = plan.days[0]
        session = setup_services.add_session(
            actor=staff,
            activity=activity,
            starts_at=_at(day, hour, 30 if hour == 9 else 0),
            ends_at=_at(day, hour + 2, 30 if hour == 9 else 0),
        )
        sessions = [session]
        offering = setup_services.create_offering(
            actor=staff, activity=activity, session=session, capacity=len(plan.people) + 10
        )
        if plan.kind == ActivityKind.FAIR:
            for service in rng.sample(STALLS, 3):
                setup_services.add_stall(
                    actor=staff, activity=activity, service=service, volunteers="党员志愿者"
                )
    setup_services.publish_activity(actor=staff, activity=activity)
    codes: list[tuple[str, str]] = []
    for person in plan.people:
        if person.resident is not None:
            by_staff = rng.random() < 0.3
            reg = signup.register(
                actor=staff if by_staff else None,
                offering=offering,
                resident=person.resident,
                by_staff=by_staff,
            )
        else:  # on the paper list at the community office, entered by staff
            reg = signup.register(
                actor=staff, offering=offering, name=person.name, phone=person.phone, by_staff=True
            )
        codes.append((reg.code, person.key))
    made(world, "activity registrations", len(codes))
    for n, session in enumerate(sessions):
        came = [c for c in codes if rng.random() < 0.85]
        day = timezone.localtime(session.ends_at).date()
        state.held.setdefault(day + timedelta(days=1), []).append(
            Held(session.pk, activity.pk, plan.community.pk, day, came, n == len(sessions) - 1)
        )


def _record(world: World, state: State, held: Held) -> None:
    """The morning after: upload the door's check-ins, and write down what the figures count."""
    session = Session.objects.select_related("activity").get(pk=held.session_id)
    community = held.community_id
    staff = world.community_staff.get(community) or world.street_staff
    month = held.day.replace(day=1)
    if (held.activity_id, month) not in state.held_months:
        state.held_months.add((held.activity_id, month))
        world.ledger.add("activities.held", community, held.day)
    if held.scans:
        at = session.starts_at - timedelta(minutes=5)
        outcomes = door.check_in_batch(
            actor=staff, session=session, scans=[(code, at) for code, _key in held.scans]
        )
        checked = [
            key
            for (_code, key), outcome in zip(held.scans, outcomes, strict=True)
            if outcome.result == "checked_in"
        ]
        made(world, "check-ins", len(checked))
        if checked:
            world.ledger.add("activities.participants", community, held.day, len(checked))
        for key in checked:
            if key not in state.reached:
                state.reached.add(key)
                world.ledger.add("activities.residents_reached", community, held.day)
    if held.last:
        activity = Activity.objects.get(pk=held.activity_id)
        for stall in Stall.objects.filter(activity=activity):
            setup_services.record_services(actor=staff, stall=stall, count=world.rng.randint(5, 30))
        setup_services.mark_held(actor=staff, activity=activity)
