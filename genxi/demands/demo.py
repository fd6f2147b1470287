"""The demo's demands (loaded by `genxi demo`, idempotent): the category tree, then the demands
with time in them: the seeds' stories and some six months of history.

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

from genxi.accounts.models import User
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
from genxi.places.demo import DEMO_USERS
from genxi.places.models import Area, AreaKind, Partner, Resident

HISTORY_SEED = 2026_12
HISTORY_DAYS = 182  # about six months
DAY_START, DAY_END = time(8, 30), time(17, 30)


# --- The category tree ----------------------------------------------------------------------

# Demand categories with (response, resolution) deadlines in working days: what the seeds'
# residents asked for — seats, pavilions, a narrow gate, handrails, a playground, recycling.
DEMAND_CATEGORIES: list[tuple[str, int, int, list[tuple[str, int, int]]]] = [
    (
        "公共设施",
        1,
        10,
        [
            ("休闲座椅", 1, 5),
            ("休憩亭", 1, 10),
            ("出入口与通道", 1, 5),
            ("楼道扶手", 1, 10),
            ("儿童游乐设施", 1, 10),
        ],
    ),
    ("环境卫生", 1, 3, [("垃圾分类", 1, 3), ("绿化养护", 1, 5)]),
    ("物业服务", 1, 5, [("房屋维修", 1, 5), ("围墙与晾晒点", 1, 10)]),
    ("便民服务", 1, 5, [("理发磨刀修鞋", 1, 5), ("再生资源回收", 1, 3)]),
    ("法律咨询", 1, 5, []),
    ("安全隐患", 1, 2, []),
]

# What triage suggests each category by until it has learned from accepted demands; staff edit
# them on the category's page.
CATEGORY_KEYWORDS: dict[str, str] = {
    "休闲座椅": "座椅 长椅 凳子 坐一坐 歇脚",
    "休憩亭": "亭子 凉亭 休憩亭 廊架",
    "出入口与通道": "大门 南门 北门 通道 出入口 非机动车道 门禁",
    "楼道扶手": "扶手 楼道 楼梯 栏杆",
    "儿童游乐设施": "滑梯 秋千 游乐 儿童 沙坑",
    "垃圾分类": "垃圾 分类 垃圾桶 厨余 清运",
    "绿化养护": "树 树枝 草坪 绿化 修剪 花坛",
    "房屋维修": "漏水 渗水 墙皮 屋顶 外墙 电梯 维修",
    "围墙与晾晒点": "围墙 晾晒 晾衣 晒被子",
    "理发磨刀修鞋": "理发 磨刀 修鞋 配钥匙",
    "再生资源回收": "回收 废品 旧衣 纸板",
    "法律咨询": "法律 律师 纠纷 合同 继承 咨询",
    "安全隐患": "隐患 危险 电线 飞线 消防 充电 火",
}


def load_categories() -> int:
    """Create the categories still missing; return how many were created."""
    made = 0
    known = {(c.parent_id, c.name): c for c in Category.objects.all()}
    for name, response, resolution, children in DEMAND_CATEGORIES:
        root = known.get((None, name))
        if root is None:
            root = services.create_category(
                actor=None,
                name=name,
                response_days=response,
                resolution_days=resolution,
                keywords=CATEGORY_KEYWORDS.get(name, ""),
            )
            made += 1
        for child_name, child_response, child_resolution in children:
            if (root.pk, child_name) not in known:
                services.create_category(
                    actor=None,
                    name=child_name,
                    parent=root,
                    response_days=child_response,
                    resolution_days=child_resolution,
                    keywords=CATEGORY_KEYWORDS.get(child_name, ""),
                )
                made += 1
    return made


# --- The seeds' stories ----------------------------------------------------------------------


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


def load() -> int:
    """The seeds' stories as demands, each left at a telling step of its lifecycle, at the
    times the story gives (`Timeline`), then some six months of history. Return how many
    demands were created (0 on a second run)."""
    started = timezone.now()
    users = {u.username: User.objects.get(username=u.username) for u in DEMO_USERS}
    categories = {c.name: c for c in Category.objects.all()}
    created: list[str] = []
    ago = working_days_ago

    def community(name: str) -> Area:
        return Area.objects.get(kind=AreaKind.COMMUNITY, name=name)

    def common_area(community_name: str, name: str) -> Area:
        return Area.objects.get(
            kind=AreaKind.COMMON_AREA, name=name, parent__parent=community(community_name)
        )

    def residents(community_name: str, *names: str, count: int = 0) -> list[Resident]:
        place = community(community_name)
        found = list(Resident.objects.filter(name__in=names, area__in=Area.objects.subtree(place)))
        if count:
            found += list(
                Resident.objects.filter(area__in=Area.objects.subtree(place))
                .exclude(pk__in=[r.pk for r in found])
                .order_by("id")[:count]
            )
        return found

    def story(
        when: datetime,
        title: str,
        community_name: str,
        category: str,
        place: Area,
        channel: str,
        by: str,
        reporters: list[Resident],
        description: str,
    ) -> Timeline | None:
        if Demand.objects.filter(community=community(community_name), title=title).exists():
            return None
        created.append(title)
        return Timeline.collect(
            when,
            started,
            actor=users[by],
            title=title,
            category=categories[category],
            area=place,
            channel=channel,
            reporters=reporters,
            description=description,
        )

    # About five months ago: raised on a home visit, closed out within the week.
    seats = story(
        ago(105, time(9, 40)),
        "三花半月谈长廊座椅不够",
        "和泰社区",
        "休闲座椅",
        common_area("和泰社区", "半月谈长廊"),
        "visit",
        "pioneer",
        residents("和泰社区", "沈玉兰", count=2),
        "居民反映长廊内座椅不够，活动不方便。",
    )
    if seats:
        staff = users["community"]
        seats.step(ago(105, time(14, 5)), services.accept, "accepted_at", actor=staff)
        seats.step(
            ago(104, time(10, 30)),
            services.verify,
            "verified_at",
            actor=staff,
            findings="社区党委实地考察：长廊内仅有少量座椅。",
        )
        seats.step(
            ago(104, time(15, 10)),
            services.assign,
            "assigned_at",
            actor=staff,
            path=HandlingPath.COMMUNITY,
        )
        seats.step(
            ago(101, time(16, 20)),
            services.resolve,
            "resolved_at",
            actor=staff,
            result="在长廊内增设休闲座椅16个，已安装完毕。",
        )
        for minutes, reporter in enumerate(seats.demand.reporters.order_by("pk")):
            seats.step(
                ago(99, time(10, 5 + 10 * minutes)),
                services.record_callback,
                actor=users["pioneer"],
                resident=reporter.resident,
                result=Satisfaction.SATISFIED,
            )
        seats.step(ago(99, time(15, 0)), services.close_out, "closed_at", actor=staff)

    # Two weeks ago: 宝祥's own property company is renovating the pavilions.
    pavilions = story(
        ago(10, time(10, 15)),
        "小区休憩亭破损严重",
        "宝祥社区",
        "休憩亭",
        common_area("宝祥社区", "小区休憩亭"),
        "visit",
        "street",
        residents("宝祥社区", count=6),
        "多位居民反映小区内休憩亭破损，希望修缮。",
    )
    if pavilions:
        staff = users["street"]
        pavilions.step(ago(10, time(15, 30)), services.accept, "accepted_at", actor=staff)
        pavilions.step(
            ago(9, time(11, 0)),
            services.verify,
            "verified_at",
            actor=staff,
            findings="小区内23个休憩亭均有不同程度破损。居民议事会商定修缮方案。",
        )
        pavilions.step(
            ago(8, time(9, 20)),
            services.assign,
            "assigned_at",
            actor=staff,
            path=HandlingPath.PARTNER,
            partner=Partner.objects.get(name="金阳宝地物业"),
        )
        pavilions.step(ago(8, time(14, 0)), services.start_handling, actor=users["partner"])
        pavilions.step(
            ago(2, time(17, 0)),
            services.post_update,
            actor=users["partner"],
            text="已完成12个休憩亭的翻新。",
            public=True,
        )

    # Last week: the narrow gate, widened in two days, now waiting for its call-back.
    gate = story(
        ago(6, time(8, 50)),
        "南门非机动车道太窄",
        "清嘉苑社区",
        "出入口与通道",
        common_area("清嘉苑社区", "南门"),
        "phone",
        "street",
        residents("清嘉苑社区", "高福妹"),
        "电瓶车出入不方便也不安全。",
    )
    if gate:
        staff = users["street"]
        gate.step(ago(6, time(10, 40)), services.accept, "accepted_at", actor=staff)
        gate.step(
            ago(5, time(9, 30)),
            services.verify,
            "verified_at",
            actor=staff,
            findings="现场核实：西侧出口最窄处仅50厘米左右。",
        )
        gate.step(
            ago(5, time(14, 0)),
            services.assign,
            "assigned_at",
            actor=staff,
            path=HandlingPath.PARTNER,
            partner=Partner.objects.get(name="苏州市市政设施管理处"),
        )
        gate.step(ago(4, time(9, 0)), services.start_handling, actor=staff)
        gate.step(
            ago(2, time(16, 30)),
            services.resolve,
            "resolved_at",
            actor=staff,
            result="经过2天施工，通道拓宽至120厘米，并按新尺寸重新安装智能电动门。",
        )

    # Raised this morning (or the last working morning): waiting to be accepted.
    story(
        ago(0, time(8, 45)) if timezone.localtime().time() > time(9, 0) else ago(1, time(15, 20)),
        "小游园塑胶场地老化",
        "和美社区",
        "儿童游乐设施",
        common_area("和美社区", "小游园"),
        "walk_in",
        "street",
        residents("和美社区", "许向前"),
        "100平方米的塑胶场地老化，孩子玩耍不安全。",
    )
    return len(created) + load_history(users, started)


# --- Six months of history ------------------------------------------------------------------

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


def load_history(users: dict[str, User], started: datetime) -> int:
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
    staff: User,
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
