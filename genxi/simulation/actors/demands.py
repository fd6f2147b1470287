"""Demands through their whole life, as staff, pioneers and partners move them on the pages.

Each demand is planned in `setup` (its day, community, category, channel and fate, from the
seeded generator), then lived step by step on the simulated clock:

- recorded: on a pioneer's visit (`record_visit` with the ask) or by staff from a call, a
  walk-in or the web (`collect_demand`);
- accepted by the community's staff within its response days (a few late), verified, and
  assigned: to a partner unit, whose handler takes it on the next working day, or handled by
  the community itself;
- resolved within its resolution days (a few late, a few never: overdue at the year's end);
- called back the next working day: satisfied, basically satisfied or (a few) not satisfied,
  which reopens it for another round; then closed out;
- a few withdrawn before acceptance.

Deadlines are the category's working days (`genxi.core.workdays`), counted here as the intake
counts them, so the holidays move them the same way.

Ledger (docs/figures.md): `demands.collected` on the day recorded; `demands.resolved` on each
day resolved (once per demand and period); `demands.satisfaction_rate` per call-back on its
day; `demands.response_rate` and `demands.resolution_rate` per demand on the day recorded,
written at the end (`finish`), when its fate up to the check's day is known.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from genxi.accounts.models import Membership, Role, User
from genxi.core.workdays import WorkCalendar
from genxi.demands import services
from genxi.demands.models import Category, Channel, Demand, HandlingPath, Satisfaction
from genxi.places.models import Area, Partner
from genxi.simulation.actors import pioneers
from genxi.simulation.world import World

# Demands per community per year at scale 1.
PER_COMMUNITY = 150
CHANNELS = [(Channel.VISIT, 55), (Channel.PHONE, 20), (Channel.WALK_IN, 15), (Channel.WEB, 10)]
WITHDRAWN = 0.03
LATE_ACCEPT = 0.05
LATE_RESOLVE = 0.06
NEVER_RESOLVED = 0.04
NOT_SATISFIED = 0.05
BASICALLY = 0.15
PARTNER_SHARE = 0.4
# In the seeds scenario the demands meant to be resolved are recorded by then.
SEEDS_LAST_INTAKE = (11, 15)

TITLES = {
    "垃圾分类": "{place}垃圾桶满溢",
    "绿化养护": "{place}树枝遮挡窗户",
    "房屋维修": "{place}楼顶渗水",
    "楼道扶手": "{place}楼道扶手松动",
    "休闲座椅": "{place}缺少休息座椅",
    "出入口与通道": "{place}电动车占用消防通道",
    "围墙与晾晒点": "{place}缺少晾晒点",
    "再生资源回收": "{place}旧衣物回收箱已满",
    "儿童游乐设施": "{place}滑梯有裂缝",
    "休憩亭": "{place}休憩亭顶棚破损",
    "理发磨刀修鞋": "{place}老人希望上门理发",
}


@dataclass
class Life:
    """One demand's plan and what happened to it."""

    community: Area
    day: date
    category: Category
    channel: str
    withdraw: bool = False
    accept_lag: int = 0  # working days after recording
    resolve_lag: int | None = 1  # working days after acceptance; None: never
    partner: Partner | None = None
    reopen: bool = False
    verdicts: list[str] = field(default_factory=list)
    # What happened:
    demand: Demand | None = None
    response_due: date | None = None
    accepted: date | None = None
    first_resolved: date | None = None
    withdrawn: bool = False


# A step of a demand's life: what to do, to which life.
Task = tuple[Callable[["World", "State", Life, date], None], Life]


@dataclass
class State:
    calendar: WorkCalendar
    lives: list[Life] = field(default_factory=list)
    tasks: dict[date, list[tuple[int, int, int, Task]]] = field(default_factory=dict)
    seq: int = 0
    handlers: dict[int, User] = field(default_factory=dict)  # partner id -> handler


def state(world: World) -> State:
    found = world.extra["demands"]
    assert isinstance(found, State)
    return found


def schedule(st: State, day: date, hour: int, minute: int, step: Task) -> None:
    st.seq += 1
    st.tasks.setdefault(day, []).append((hour, minute, st.seq, step))


def _categories() -> list[Category]:
    leaves = list(
        Category.objects.filter(is_active=True, children__isnull=True).order_by("pk").distinct()
    )
    if leaves:
        return leaves
    return [
        services.create_category(actor=None, name=name, response_days=1, resolution_days=days)
        for name, days in (("环境卫生", 3), ("房屋维修", 5), ("公共设施", 10))
    ]


def _partners(world: World) -> tuple[list[Partner], dict[int, User]]:
    handlers: dict[int, User] = {}
    for member in (
        Membership.objects.filter(
            role=Role.PARTNER,
            partner__is_active=True,
            partner__area__path__startswith=world.street.path,
            user__is_active=True,
        )
        .select_related("user", "partner")
        .order_by("pk")
    ):
        if member.partner_id is not None:
            handlers.setdefault(member.partner_id, member.user)
    partners = list(Partner.objects.filter(pk__in=handlers).order_by("pk"))
    return partners, handlers


def _workdays(calendar: WorkCalendar, start: date, end: date) -> list[date]:
    days, day = [], start
    while day <= end:
        if calendar.is_workday(day):
            days.append(day)
        day += timedelta(days=1)
    return days


def setup(world: World) -> None:
    assert world.start is not None and world.end is not None
    st = State(calendar=WorkCalendar.load())
    world.extra["demands"] = st
    rng = world.rng
    categories = _categories()
    partners, st.handlers = _partners(world)
    days = _workdays(st.calendar, world.start, world.end)
    if not days:
        return
    target = world.extra.get("targets", {}).get("demands.resolved")
    communities = world.communities
    plan: list[tuple[Area, int, bool | None]]
    if target is None:
        per = max(1, round(PER_COMMUNITY * world.scale * len(days) / 250))
        plan = [(c, per, None) for c in communities]
    else:
        # The seeds: exactly `target` resolved in the year, spread over the communities, and a
        # few more left open or withdrawn.
        base, extra = divmod(target, len(communities))
        plan = [(c, base + (i < extra), True) for i, c in enumerate(communities)]
        plan += [(c, max(1, round(0.12 * (base + 1))), False) for c in communities]
    cutoff = date(world.year, *SEEDS_LAST_INTAKE)
    early = [d for d in days if d <= cutoff] or days
    for community, count, resolved in plan:
        for _i in range(count):
            category = rng.choice(categories)
            channel = rng.choices([c for c, _w in CHANNELS], [w for _c, w in CHANNELS])[0]
            life = Life(
                community=community,
                day=rng.choice(early if resolved else days),
                category=category,
                channel=channel,
            )
            roll = rng.random()
            if resolved is False:
                # The seeds' extras: open at the year's end, or withdrawn.
                life.withdraw = roll < 0.3
                life.resolve_lag = None
            elif resolved is None and roll < WITHDRAWN:
                life.withdraw = True
            life.accept_lag = (
                category.response_days + rng.randint(1, 3)
                if rng.random() < LATE_ACCEPT
                else rng.choice([0, 0, 0, 1, 1, min(1, category.response_days)])
            )
            if resolved is None and life.resolve_lag is not None:
                late = rng.random()
                if late < NEVER_RESOLVED:
                    life.resolve_lag = None
                elif late < NEVER_RESOLVED + LATE_RESOLVE:
                    life.resolve_lag = category.resolution_days + rng.randint(1, 5)
                else:
                    life.resolve_lag = rng.randint(1, max(1, category.resolution_days))
            elif resolved:
                life.resolve_lag = rng.randint(1, max(1, category.resolution_days))
            if partners and rng.random() < PARTNER_SHARE:
                life.partner = rng.choice(partners)
            life.reopen = rng.random() < NOT_SATISFIED
            verdict = rng.random()
            life.verdicts = [
                Satisfaction.BASICALLY if verdict < BASICALLY else Satisfaction.SATISFIED
            ]
            st.lives.append(life)
    st.lives.sort(key=lambda life: (life.day, life.community.pk))
    for life in st.lives:
        schedule(st, life.day, 9 + rng.randrange(3), rng.randrange(60), (intake, life))


def on_day(world: World, day: date) -> None:
    st = state(world)
    # A step may plan another for later the same day (accepted the day it came in): run until
    # the day has nothing left, in the order of the clock.
    while st.tasks.get(day):
        tasks = sorted(st.tasks.pop(day), key=lambda t: t[:3])
        for hour, minute, _seq, (step, life) in tasks:
            world.at(hour, minute)
            step(world, st, life, day)


def _next_workday(st: State, day: date, lag: int = 1) -> date:
    return st.calendar.add_workdays(day, lag).day


def _staff(world: World, life: Life) -> User:
    return world.community_staff[life.community.pk]


def intake(world: World, st: State, life: Life, day: date) -> None:
    homes = pioneers.households(world, life.community)
    title_form = TITLES.get(life.category.name, "{place}" + life.category.name + "问题")
    if homes and life.channel == Channel.VISIT:
        building, room, people = world.rng.choice(homes)
        title = title_form.format(place=building.name)
        visit = services.record_visit(
            actor=pioneers.visitor(world, life.community),
            area=building,
            room=room,
            visited_on=day,
            met=[people[0]],
            notes="入户走访，居民反映问题。",
            asks=[services.Ask(title=title, category=life.category, description=title + "。")],
        )
        world.ledger.add("pioneers.visits", life.community.pk, day)
        world.counts["visits"] += 1
        life.demand = Demand.objects.get(visit=visit)
    else:
        if homes:
            building, _room, people = world.rng.choice(homes)
            area, reporters = building, [people[0]]
        else:
            area, reporters = life.community, []
        channel = life.channel if life.channel != Channel.VISIT else Channel.PHONE
        life.demand = services.collect_demand(
            actor=_staff(world, life),
            title=title_form.format(place=area.name),
            category=life.category,
            area=area,
            channel=channel,
            reporters=reporters,
        )
    world.counts["demands"] += 1
    life.response_due = st.calendar.add_workdays(day, life.category.response_days).day
    world.ledger.add("demands.collected", life.community.pk, day)
    if life.withdraw:
        schedule(st, _next_workday(st, day), 10, 0, (withdraw, life))
    else:
        accept_on = st.calendar.add_workdays(day, life.accept_lag).day
        schedule(st, accept_on, 14, world.rng.randrange(30), (accept, life))


def withdraw(world: World, st: State, life: Life, day: date) -> None:
    assert life.demand is not None
    services.withdraw(actor=_staff(world, life), demand=life.demand, reason="居民表示已自行解决。")
    life.withdrawn = True


def accept(world: World, st: State, life: Life, day: date) -> None:
    demand = life.demand
    assert demand is not None
    staff = _staff(world, life)
    services.accept(actor=staff, demand=demand)
    life.accepted = day
    world.at(14, 40)
    services.verify(actor=staff, demand=demand, findings="现场核实，情况属实。")
    world.at(15, 0)
    if life.partner is not None:
        services.assign(actor=staff, demand=demand, path=HandlingPath.PARTNER, partner=life.partner)
        schedule(st, _next_workday(st, day), 10, 0, (handle, life))
    else:
        services.assign(actor=staff, demand=demand, path=HandlingPath.COMMUNITY)
        _plan_resolution(st, life, day)


def handle(world: World, st: State, life: Life, day: date) -> None:
    assert life.demand is not None and life.partner is not None
    services.start_handling(
        actor=st.handlers[life.partner.pk],
        demand=life.demand,
        expected_on=_next_workday(st, day, max(1, life.resolve_lag or 1)),
    )
    _plan_resolution(st, life, day)


def _plan_resolution(st: State, life: Life, day: date) -> None:
    if life.resolve_lag is not None:
        assert life.accepted is not None
        on = max(_next_workday(st, life.accepted, life.resolve_lag), _next_workday(st, day))
        schedule(st, on, 16, 0, (resolve, life))


def resolve(world: World, st: State, life: Life, day: date) -> None:
    demand = life.demand
    assert demand is not None
    by = st.handlers[life.partner.pk] if life.partner is not None else _staff(world, life)
    services.resolve(actor=by, demand=demand, result="已处理完毕，居民确认。")
    world.ledger.add("demands.resolved", life.community.pk, day, item=demand.pk)
    if life.first_resolved is None:
        life.first_resolved = day
    schedule(st, _next_workday(st, day), 10, 0, (call_back, life))


def call_back(world: World, st: State, life: Life, day: date) -> None:
    demand = life.demand
    assert demand is not None
    staff = _staff(world, life)
    if life.reopen:
        life.reopen = False
        result: str = Satisfaction.NOT_SATISFIED
    else:
        result = life.verdicts[0]
    demand.refresh_from_db()
    for reporter in demand.reporters.select_related("resident").order_by("pk"):
        services.record_callback(
            actor=staff, demand=demand, resident=reporter.resident, result=result
        )
        satisfied = result in (Satisfaction.SATISFIED, Satisfaction.BASICALLY)
        world.ledger.add("demands.satisfaction_rate", life.community.pk, day, int(satisfied), 1)
        world.counts["call-backs"] += 1
        demand.refresh_from_db()
        if result == Satisfaction.NOT_SATISFIED:
            world.counts["reopened"] += 1
            schedule(st, _next_workday(st, day, 2), 16, 0, (resolve, life))
            return
    world.at(16, 30)
    demand.refresh_from_db()
    services.close_out(actor=staff, demand=demand, note="已核实整改到位。")
    world.counts["closed out"] += 1


def finish(world: World, today: date) -> None:
    """The rates, per demand on the day it was recorded, as the check's `today` reads them."""
    st = state(world)
    for life in st.lives:
        if life.demand is None or life.withdrawn:
            continue  # not recorded (after the last day), or left out of the rates
        community, day = life.community.pk, life.day
        assert life.response_due is not None
        if life.accepted is not None or life.response_due < today:
            met = life.accepted is not None and life.accepted <= life.response_due
            world.ledger.add("demands.response_rate", community, day, int(met), 1)
        world.ledger.add("demands.resolution_rate", community, day, 0, 1)
        if life.first_resolved is not None:
            world.ledger.add(
                "demands.resolution_rate", community, day, 1, 0, until=life.first_resolved
            )
