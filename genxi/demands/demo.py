"""The demo's demands with time in them: the seeds' stories and some six months of history.

Every step goes through the services (events, call-backs and audit entries as in real use);
right after each step, `Timeline` moves what that step wrote to the time the story says it
happened: the demand's own step column (accepted_at, …), its events and its call-backs. The
deadlines are the services' own, computed from the day of collection (`collect_demand(today=)`),
so they follow the working-day calendar. The audit log keeps the real time of the load: it
records when the rows were written, not when the story happened.

The history is planned from a seeded random generator and the load's date alone, never from
what the database holds, and a demand already there (same community, same title) is skipped:
loading twice changes nothing.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from genxi.core.workdays import WorkCalendar
from genxi.demands import services
from genxi.demands.models import (
    Callback,
    Category,
    Demand,
    DemandEvent,
    DemandReporter,
    HandlingPath,
    Satisfaction,
)
from genxi.places.models import Area, AreaKind, Partner, Resident

HISTORY_SEED = 2026_12
HISTORY_DAYS = 182  # about six months
DAY_START, DAY_END = time(8, 30), time(17, 30)


class Timeline:
    """Runs one demand's steps through the services, each at the time given."""

    def __init__(self, demand: Demand, started: datetime) -> None:
        self.demand = demand
        self.started = started  # the load's start: anything written after it is this load's

    @classmethod
    def collect(cls, when: datetime, started: datetime, **fields: Any) -> Timeline:
        demand = services.collect_demand(today=timezone.localdate(when), **fields)
        Demand.objects.filter(pk=demand.pk).update(created_at=when, updated_at=when)
        DemandReporter.objects.filter(demand=demand).update(added_at=when)
        demand.created_at = demand.updated_at = when
        line = cls(demand, started)
        line._stamp_events(when)
        return line

    def step(self, when: datetime, action: Callable[..., Any], column: str = "", **kw: Any) -> None:
        action(demand=self.demand, **kw)
        self._stamp_events(when)
        Callback.objects.filter(demand=self.demand, at__gte=self.started).update(at=when)
        changes: dict[str, Any] = {"updated_at": when}
        if column:
            changes[column] = when
        Demand.objects.filter(pk=self.demand.pk).update(**changes)
        for name, value in changes.items():
            setattr(self.demand, name, value)

    def _stamp_events(self, when: datetime) -> None:
        DemandEvent.objects.filter(demand=self.demand, at__gte=self.started).update(at=when)


def local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=timezone.get_current_timezone())


def office_time(moment: datetime, calendar: WorkCalendar, rng: random.Random) -> datetime:
    """`moment` (to the minute), or the next working morning when it falls outside office
    hours."""
    moment = timezone.localtime(moment).replace(second=0, microsecond=0)
    day = moment.date()
    if calendar.is_workday(day) and DAY_START <= moment.time() <= DAY_END:
        return moment
    if calendar.is_workday(day) and moment.time() < DAY_START:
        return local(day, DAY_START) + timedelta(minutes=rng.randint(0, 50))
    day += timedelta(days=1)
    while not calendar.is_workday(day):
        day += timedelta(days=1)
    return local(day, DAY_START) + timedelta(minutes=rng.randint(0, 90))


# What residents of the 白洋湾 communities raise, by category: titles with the place in them.
TOPICS: list[tuple[str, str, str, int]] = [
    # (category, title with {place}, description, weight)
    ("垃圾分类", "{place}垃圾桶满溢", "投放点垃圾桶经常满出来，气味大。", 6),
    ("垃圾分类", "{place}厨余垃圾清运不及时", "厨余垃圾桶晚上还没清运。", 4),
    ("绿化养护", "{place}树枝遮挡窗户", "楼前树枝长到窗户边，影响采光。", 5),
    ("绿化养护", "{place}草坪无人修剪", "草长得很高，蚊虫多。", 3),
    ("房屋维修", "{place}楼顶渗水", "下雨后顶楼墙面渗水发霉。", 5),
    ("房屋维修", "{place}单元门禁损坏", "单元门关不上，外人随意进出。", 4),
    ("楼道扶手", "{place}楼道扶手松动", "老人上下楼扶着不稳。", 3),
    ("休闲座椅", "{place}缺少休息座椅", "老人散步走累了没地方坐。", 2),
    ("出入口与通道", "{place}电动车占用消防通道", "通道被电动车堵住。", 3),
    ("安全隐患", "{place}电动车飞线充电", "楼上拉电线下来给电动车充电，很危险。", 4),
    ("围墙与晾晒点", "{place}缺少晾晒点", "没有地方晒被子。", 2),
    ("再生资源回收", "{place}旧衣物回收箱已满", "回收箱塞满了，衣服堆在地上。", 2),
    ("法律咨询", "{place}居民咨询房屋继承", "老人想了解房屋继承手续。", 1),
    ("儿童游乐设施", "{place}滑梯有裂缝", "儿童滑梯开裂，担心孩子受伤。", 1),
]
CHANNELS = [("visit", 5), ("phone", 3), ("walk_in", 2), ("web", 2), ("inspection", 1)]
RESULTS = {
    "垃圾分类": "已协调保洁公司增加清运频次，每日两次。",
    "绿化养护": "已安排绿化养护队修剪完毕。",
    "房屋维修": "已由物业维修到位，居民确认。",
    "楼道扶手": "已加固扶手，更换松动螺栓。",
    "休闲座椅": "已增设座椅。",
    "出入口与通道": "已清理占道车辆，设置提示牌。",
    "安全隐患": "已劝导拆除飞线，引导到集中充电桩充电。",
    "围墙与晾晒点": "已在空地增设晾晒架。",
    "再生资源回收": "已联系回收单位清运。",
    "法律咨询": "已预约律师解答，居民表示清楚了。",
    "儿童游乐设施": "已停用并更换滑梯部件。",
}
# Per month before now (0 = the current month): how many demands, so the chart has a shape.
MONTHLY = [6, 10, 15, 18, 13, 9, 6]
COMMUNITIES = ["和泰社区", "宝祥社区", "金筑社区", "虎池苑社区", "和美社区", "清嘉苑社区"]


@dataclass
class Plan:
    community: str
    title: str
    category: str
    description: str
    channel: str
    collected: datetime
    place: int  # index into the community's places
    reporters: list[int]  # indexes into the community's residents
    rng_seed: int


def plan(today: date) -> list[Plan]:
    """The history, from the seed and `today` only; titles are unique within a community."""
    rng = random.Random(HISTORY_SEED)
    now = local(today, time(0))
    plans: list[Plan] = []
    for months_ago, count in enumerate(MONTHLY):
        for _n in range(count):
            days_ago = months_ago * 26 + rng.randint(1, 26)
            if days_ago > HISTORY_DAYS:
                days_ago = HISTORY_DAYS - rng.randint(0, 10)
            minute = rng.randint(7 * 60 + 30, 20 * 60)
            collected = now - timedelta(days=days_ago) + timedelta(minutes=minute)
            category, title, description, _w = rng.choices(TOPICS, [t[3] for t in TOPICS])[0]
            community = rng.choice(COMMUNITIES)
            channel = rng.choices([c for c, _ in CHANNELS], [w for _, w in CHANNELS])[0]
            place = rng.randint(0, 10_000)
            reporters = [rng.randint(0, 10_000) for _ in range(rng.choice([1, 1, 1, 2, 3]))]
            seed = rng.randint(0, 2**31)
            plans.append(
                Plan(
                    community,
                    title,
                    category,
                    description,
                    channel,
                    collected,
                    place,
                    reporters,
                    seed,
                )
            )
    return sorted(plans, key=lambda p: p.collected)


def load_history(users: dict[str, Any], started: datetime) -> int:
    """Create the planned demands still missing; return how many were created."""
    calendar = WorkCalendar.load()
    today = timezone.localdate()
    now = timezone.now()
    categories = {c.name: c for c in Category.objects.all()}
    places: dict[str, list[Area]] = {}
    people: dict[str, list[Resident]] = {}
    made = 0
    taken: set[tuple[str, str]] = set()
    for item in plan(today):
        if item.community not in places:
            community = Area.objects.get(kind=AreaKind.COMMUNITY, name=item.community)
            inside = Area.objects.subtree(community)
            places[item.community] = list(
                inside.filter(kind__in=[AreaKind.COMPOUND, AreaKind.BUILDING]).order_by("path")
            ) or [community]
            people[item.community] = list(Resident.objects.filter(area__in=inside).order_by("pk"))
        spot = places[item.community][item.place % len(places[item.community])]
        name = spot.name if spot.kind == AreaKind.COMPOUND else f"{spot.parent}{spot.name}"
        title = item.title.format(place=name)
        key = (item.community, title)
        if key in taken:
            continue
        taken.add(key)
        if Demand.objects.filter(community__name=item.community, title=title).exists():
            continue
        residents = people[item.community]
        reporters = list(dict.fromkeys(residents[i % len(residents)] for i in item.reporters))
        staff = users["community"] if item.community == "和泰社区" else users["street"]
        _live(
            item, title, spot, reporters if residents else [], staff, categories, calendar,
            started, now,
        )  # fmt: skip
        made += 1
    return made


def _live(
    item: Plan,
    title: str,
    spot: Area,
    reporters: list[Resident],
    staff: Any,
    categories: dict[str, Category],
    calendar: WorkCalendar,
    started: datetime,
    now: datetime,
) -> None:
    """One demand through as many steps as its age allows, each at a realistic time."""
    rng = random.Random(item.rng_seed)
    category = categories[item.category]
    line = Timeline.collect(
        item.collected,
        started,
        actor=staff,
        title=title,
        category=category,
        area=spot,
        channel=item.channel,
        reporters=reporters,
        description=item.description,
    )
    demand = line.demand
    when = office_time(item.collected + timedelta(hours=rng.uniform(0.3, 5)), calendar, rng)
    # Accepted within its response day, nearly always.
    if rng.random() < 0.08:
        when = office_time(when + timedelta(days=rng.randint(1, 3)), calendar, rng)
    if when >= now:
        return
    line.step(when, services.accept, "accepted_at", actor=staff)
    when = office_time(when + timedelta(hours=rng.uniform(1, 26)), calendar, rng)
    if when >= now:
        return
    line.step(when, services.verify, "verified_at", actor=staff, findings="现场核实：情况属实。")
    when = office_time(when + timedelta(hours=rng.uniform(0.5, 4)), calendar, rng)
    if when >= now:
        return
    partner = (
        Partner.objects.filter(area=demand.community, is_active=True).order_by("pk").first()
        if rng.random() < 0.4
        else None
    )
    if partner is not None:
        line.step(
            when, services.assign, "assigned_at", actor=staff, path=HandlingPath.PARTNER,
            partner=partner,
        )  # fmt: skip
        when = office_time(when + timedelta(hours=rng.uniform(1, 20)), calendar, rng)
        if when >= now:
            return
        line.step(when, services.start_handling, actor=staff)
    else:
        line.step(when, services.assign, "assigned_at", actor=staff, path=HandlingPath.COMMUNITY)
    # Resolved within the category's working days (one in eight late, by a few days).
    days = rng.randint(1, max(1, category.resolution_days - 1))
    if rng.random() < 0.125:
        days = category.resolution_days + rng.randint(1, 4)
    due = calendar.add_workdays(timezone.localdate(item.collected), days).day
    done = local(due, time(9)) + timedelta(hours=rng.uniform(0, 8))
    when = office_time(max(done, when + timedelta(hours=rng.uniform(2, 6))), calendar, rng)
    answers = (
        [Satisfaction.SATISFIED] * 7 + [Satisfaction.BASICALLY] * 2 + [Satisfaction.NOT_SATISFIED]
    )
    result = RESULTS[item.category]
    for round_ in range(2):  # a "not satisfied" sends it back once; the second round holds
        if when >= now:
            return
        line.step(when, services.resolve, "resolved_at", actor=staff, result=result)
        when = office_time(when + timedelta(days=rng.uniform(0.5, 4)), calendar, rng)
        if when >= now or not reporters:
            return
        unhappy = False
        for resident in reporters:
            answer = rng.choice(answers if round_ == 0 else answers[:-1])
            line.step(when, services.record_callback, actor=staff, resident=resident, result=answer)
            when += timedelta(minutes=rng.randint(5, 40))
            if answer == Satisfaction.NOT_SATISFIED:  # reopened: the rest wait for next round
                unhappy = True
                break
        if not unhappy:
            break
        result = "返工整改：" + result
        when = office_time(
            when + timedelta(days=rng.uniform(1, 4)), calendar, rng
        )  # back with the handler
    when = office_time(when + timedelta(hours=rng.uniform(1, 30)), calendar, rng)
    if when >= now:
        return
    line.step(when, services.close_out, "closed_at", actor=staff)


def working_days_ago(count: int, at: time, calendar: WorkCalendar | None = None) -> datetime:
    """The `count`-th working day before today (0: today), at `at` local time."""
    calendar = calendar or WorkCalendar.load()
    day = timezone.localdate()
    while count > 0 or not calendar.is_workday(day):
        day -= timedelta(days=1)
        if calendar.is_workday(day):
            count -= 1
    return local(day, at)
