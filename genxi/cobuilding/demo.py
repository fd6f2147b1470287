"""The demo's co-building, from the seeds' five partnerships (loaded by `genxi demo`,
idempotent: each record is found by its title and community):

- 娄北社区 with 苏州市农产品发展有限公司: the agreement, its weekly self-inspection report;
- 和美社区 with 苏州信托: the playground need, claimed and delivered as a project contribution;
- 虎池苑社区's 舍得空间 with 苏州城投再生资源: the recycling point, its prices and home pick-ups;
- 绿色时光社区 with 京师(苏州)律师事务所: legal consultations as a resource;
- in-service party members reporting to 和泰社区, with posts and hours.

Dates are relative to the day the demo is loaded. Each part is its own function below.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone


def load(today: date) -> int:
    """Load every part; returns how many records were created."""
    return _agreements(today) + _members(today) + _lists(today) + _points(today)


# -- Agreements and commitments (娄北 with 苏州市农产品发展有限公司) ----------------------------
#
# 娄北's agreement began ten weeks ago: quarterly joint study (ours), the 元气加油站 to open
# (the partner's, once) and the weekly self-inspection report (the partner's, due the day after
# each week): most weeks filed on time, one late, last week's overdue; one problem became a
# demand. Four short agreements for the other partnerships. The partner's handler `nongchan`
# (the demo password) files the weekly report.


def _backdate(filing: Any, when: datetime) -> None:
    """The demo's history: a filing made on the day it would have been made."""
    from genxi.cobuilding.models import DueItem, Filing

    Filing.objects.filter(pk=filing.pk).update(filed_at=when)
    DueItem.objects.filter(pk=filing.item_id).update(filed_at=when)


def _demo_agreement(
    today: date,
    community_name: str,
    partner_name: str,
    title: str,
    weeks_ago: int,
    commitments: list[dict[str, Any]],
    summary: str,
    liaison: tuple[str, str],
) -> Any:
    """An agreement in force (None when it is there already or its places are missing)."""
    from genxi.cobuilding.models import Agreement
    from genxi.cobuilding.services import agreements as services
    from genxi.places.models import Area, AreaKind, Partner, PartyOrg

    community = Area.objects.filter(kind=AreaKind.COMMUNITY, name=community_name).first()
    partner = Partner.objects.filter(name=partner_name).first()
    if community is None or partner is None:
        return None
    if Agreement.objects.filter(title=title, community=community).exists():
        return None
    starts = today - timedelta(weeks=weeks_ago)
    agreement = services.create_agreement(
        actor=None,
        title=title,
        community=community,
        party_org=PartyOrg.objects.filter(area=community, partner=None).order_by("id").first(),
        starts_on=starts,
        ends_on=starts + timedelta(days=364),
        parties=[
            services.PartySpec(
                partner=partner,
                branch=partner.party_orgs.order_by("id").first(),
                liaison_name=liaison[0],
                liaison_phone=liaison[1],
            )
        ],
        summary=summary,
    )
    for spec in commitments:
        services.add_commitment(actor=None, agreement=agreement, **spec)
    return services.activate_agreement(actor=None, agreement=agreement, signed_on=starts)


def _agreements(today: date) -> int:
    from genxi.accounts.models import Role, User
    from genxi.accounts.services import create_user, grant_membership
    from genxi.cobuilding import schedule
    from genxi.cobuilding.models import Cadence, CommitmentKind, Side
    from genxi.cobuilding.services import agreements as services
    from genxi.demands.models import Category
    from genxi.places.demo import DEMO_PASSWORD
    from genxi.places.models import Area, AreaKind, Partner

    created = 0
    loubei = _demo_agreement(
        today,
        "娄北社区",
        "苏州市农产品发展有限公司",
        "娄北社区与苏州市农产品发展有限公司结对共建协议",
        10,
        [
            {
                "title": "联学共建：联合开展主题党日",
                "kind": CommitmentKind.ACTIVITY,
                "cadence": Cadence.QUARTERLY,
                "owner_side": Side.COMMUNITY,
            },
            {
                "title": "建成新就业群体服务站“元气加油站”",
                "kind": CommitmentKind.FACILITY,
                "cadence": Cadence.ONCE,
                "owner_side": Side.PARTNER,
                "due_on": today + timedelta(weeks=4),
            },
            {
                "title": "文明城市建设问题自查周报",
                "kind": CommitmentKind.REPORT,
                "cadence": Cadence.WEEKLY,
                "owner_side": Side.PARTNER,
                "due_after_days": 1,
                "lists_problems": True,
                "description": "每周对上高路农产品批发市场周边开展自查，次周一前报送问题清单。",
            },
        ],
        "以“双报到双融入”为纽带，与上高路农产品批发市场开展联学共建，共建元气加油站，"
        "落实文明城市建设问题自查周报制度。",
        ("蒋卫东", "13962518801"),
    )
    if loubei is not None:
        created += 1
        partner = Partner.objects.get(name="苏州市农产品发展有限公司")
        if not User.objects.filter(username="nongchan").exists():
            worker = create_user(
                actor=None, username="nongchan", password=DEMO_PASSWORD, name="蒋卫东"
            )
            grant_membership(
                actor=None,
                user=worker,
                role=Role.PARTNER,
                area=loubei.community,
                partner=partner,
            )
            created += 1
        worker = User.objects.get(username="nongchan")
        weekly = loubei.commitments.get(cadence=Cadence.WEEKLY)
        items = [i for i in weekly.items.order_by("period_start") if i.due_on < today]
        compound = (
            Area.objects.filter(path__startswith=loubei.community.path, kind=AreaKind.COMPOUND)
            .order_by("id")
            .first()
        )
        # Every week filed the day after it ended, but one (three days late), and last week's
        # still missing (overdue).
        late = len(items) // 2
        for n, item in enumerate(items[:-1]):
            problems = (
                [services.ProblemSpec("上高路市场东门流动摊贩占道经营", compound)]
                if n == len(items) - 2
                else []
            )
            filing = services.file_item(
                actor=worker,
                item=item,
                text="本周对市场周边开展自查，"
                + ("发现问题已列出。" if problems else "未发现需社区协调的问题。"),
                problems=problems,
            )
            day = item.due_on + timedelta(days=3 if n == late else 0)
            _backdate(filing, timezone.make_aware(datetime.combine(day, time(16, 30))))
            created += 1
            if problems:
                category = (
                    Category.objects.filter(is_active=True, name__contains="占道").first()
                    or Category.objects.filter(is_active=True, children=None).first()
                )
                if category is not None:
                    services.problem_to_demand(
                        actor=None, problem=filing.problems.get(), category=category
                    )
                    created += 1
        schedule.materialise(loubei)

    others = [
        (
            "绿色时光社区",
            "京师(苏州)律师事务所",
            "绿色时光社区与京师(苏州)律师事务所共建协议",
            [
                {
                    "title": "每月公益法律服务",
                    "kind": CommitmentKind.HOURS,
                    "cadence": Cadence.MONTHLY,
                    "owner_side": Side.PARTNER,
                    "due_after_days": 5,
                    "target_hours": Decimal(8),
                }
            ],
            "律师每月到社区提供法律咨询和普法讲座。",
            ("范晓东", "13962518802"),
        ),
        (
            "和美社区",
            "苏州信托有限公司",
            "和美社区与苏州信托共建协议",
            [
                {
                    "title": "出资翻新小游戏园塑胶场地",
                    "kind": CommitmentKind.MONEY,
                    "cadence": Cadence.ONCE,
                    "owner_side": Side.PARTNER,
                    "due_on": today + timedelta(weeks=6),
                    "target_amount": Decimal(50000),
                }
            ],
            "苏州信托出资翻新和美家园小游戏园约100平方米老化塑胶场地。",
            ("顾振宇", "13962518803"),
        ),
        (
            "虎池苑社区",
            "苏州城投再生资源发展有限公司",
            "虎池苑社区与苏州城投再生资源共建协议",
            [
                {
                    "title": "开放“舍得空间”再生资源回收亭",
                    "kind": CommitmentKind.FACILITY,
                    "cadence": Cadence.ONCE,
                    "owner_side": Side.PARTNER,
                    "due_on": today - timedelta(weeks=2),
                }
            ],
            "共同打造“舍得空间”回收亭，专员每天驻点，可电话预约上门回收。",
            ("沈国强", "13962518804"),
        ),
        (
            "清嘉苑社区",
            "苏州市市政设施管理处",
            "清嘉苑社区与苏州市市政设施管理处共建协议",
            [
                {
                    "title": "南门非机动车通道拓宽至120厘米",
                    "kind": CommitmentKind.FACILITY,
                    "cadence": Cadence.ONCE,
                    "owner_side": Side.PARTNER,
                    "due_on": today + timedelta(weeks=3),
                }
            ],
            "联合改造小区南门非机动车出入口。",
            ("吴志明", "13962518805"),
        ),
    ]
    for community, partner_name, title, commitments, summary, liaison in others:
        agreement = _demo_agreement(
            today, community, partner_name, title, 8, commitments, summary, liaison
        )
        if agreement is None:
            continue
        created += 1
        if partner_name == "苏州城投再生资源发展有限公司":
            item = agreement.commitments.get().items.get()
            filing = services.file_item(actor=None, item=item, text="回收亭已开放，专员每天驻点。")
            _backdate(filing, timezone.make_aware(datetime.combine(item.due_on, time(10))))
            created += 1
    return created


# -- 双报到: units and in-service party members -------------------------------------------------
#
# 金阳宝地物业 reports to 和泰社区 on its own (waiting for staff), 苏州市市政设施管理处 was
# registered by staff; five party members living in 和泰社区 (one waiting) claim its posts
# (楼道文明引导员, 周末环境整治, 反诈宣传进小区) and have hours. The demo resident 沈玉兰 is left
# to report herself.

MEMBER_UNITS = [
    # (name, unit, party branch, skills, available)
    ("区税务局", "区税务局第二党支部", "财务咨询", "周末"),
    ("苏州市市政设施管理处", "市政设施管理处机关党支部", "水电维修", "工作日晚上"),
    ("金阳宝地物业", "金阳宝地物业党支部", "物业管理、消防", "周六上午"),
    ("姑苏区人民医院", "区人民医院门诊党支部", "急救、健康咨询", "周日"),
    ("平江实验学校", "平江实验学校党支部", "书法、辅导功课", "周末下午"),
]

MEMBER_POSTS = [
    # (kind, title, places, when, first day offset, last day offset, description)
    (
        "post",
        "楼道文明引导员",
        4,
        "每周六 9:00–11:00",
        -30,
        60,
        "引导文明停车、楼道不堆物，劝导高空抛物。",
    ),
    ("task", "周末环境整治", 6, "本周六 8:30–10:30", 2, 2, "清理三花苑公共区域卫生死角和乱张贴。"),
    ("task", "反诈宣传进小区", 2, "下周三晚 19:00", 8, 8, "在半月谈长廊发放反诈宣传资料。"),
]


def _members(today: date) -> int:
    from decimal import Decimal

    from genxi.accounts.models import User
    from genxi.cobuilding.models import MemberRegistration, UnitRegistration
    from genxi.cobuilding.services import members as service
    from genxi.places.models import Area, AreaKind, Partner, Resident

    hetai = Area.objects.filter(kind=AreaKind.COMMUNITY, name="和泰社区").first()
    if hetai is None or MemberRegistration.objects.filter(community=hetai).exists():
        return 0
    made = 0
    partners = {p.name: p for p in Partner.objects.filter(is_active=True)}
    handler = User.objects.filter(username="partner").first()
    if "金阳宝地物业" in partners and not UnitRegistration.objects.filter(community=hetai).exists():
        service.register_unit(
            actor=handler,
            partner=partners["金阳宝地物业"],
            community=hetai,
            contact_name="陆建华",
            contact_phone="13962510004",
            offers="每月一次小区消防安全检查；周六可出4名志愿者。",
        )
        made += 1
    if "苏州市市政设施管理处" in partners:
        service.register_unit(
            actor=None,
            partner=partners["苏州市市政设施管理处"],
            community=hetai,
            contact_name="吴志明",
            offers="小区道路、路灯维修咨询。",
        )
        made += 1
    residents = list(
        Resident.objects.filter(area__path__startswith=hetai.path, phone__isnull=False)
        .exclude(user__username="resident")
        .order_by("id")[: len(MEMBER_UNITS)]
    )
    members = []
    for n, (resident, (unit, branch, skills, available)) in enumerate(
        zip(residents, MEMBER_UNITS, strict=False)
    ):
        # A unit is named from the list only if it works with 和泰 (else its name is typed).
        partner = partners.get(unit)
        if partner is not None and not service.works_with(partner, hetai):
            partner = None
        members.append(
            service.register_member(
                actor=None,
                community=hetai,
                name=resident.name,
                phone=resident.phone or "",
                branch=branch,
                partner=partner,
                unit_name="" if partner else unit,
                skills=skills,
                available=available,
                resident=resident,
                user=resident.user,
                confirm=n < len(MEMBER_UNITS) - 1,  # the last one waits for staff
            )
        )
        made += 1
    posts = []
    for kind, title, places, when, first, last, description in MEMBER_POSTS:
        posts.append(
            service.create_post(
                actor=None,
                community=hetai,
                kind=kind,
                title=title,
                places=places,
                when=when,
                starts_on=today + timedelta(days=first),
                ends_on=today + timedelta(days=last),
                description=description,
            )
        )
        made += 1
    confirmed = [m for m in members if m.status == "confirmed"]
    # The first post: three guides, two of them with a month of Saturdays done.
    for i, member in enumerate(confirmed[:3]):
        claim = service.claim_post(actor=None, post=posts[0], member=member)
        made += 1
        if i < 2:
            service.complete_claim(
                actor=None,
                claim=claim,
                hours=Decimal(2),
                on=today - timedelta(days=7 * (i + 1)),
                note="文明引导",
            )
            made += 1
    for member in confirmed[1:4]:
        service.claim_post(actor=None, post=posts[1], member=member)
        made += 1
    if confirmed:
        service.add_hours(
            actor=None,
            member=confirmed[0],
            on=today - timedelta(days=3),
            hours=Decimal("1.5"),
            note="电话核实：协助社区义诊现场秩序维护",
        )
        made += 1
    made += service.sync_shift_hours(actor=None)
    return made


# -- The three lists (和美's playground, 绿色时光's legal consultations) ---------------------

PLAYGROUND_PROJECT = "和美家园小游园塑胶场地翻新"
PLAYGROUND_RESOURCE = "出资翻新社区儿童游乐场地"
LEGAL_RESOURCE = "每月两次免费法律咨询"
# Live demands of these categories go on the needs list (a few of the latest each).
NEED_CATEGORIES = ["休闲座椅", "楼道扶手", "绿化养护", "休憩亭", "房屋维修", "围墙与晾晒点"]


def _playground_project(hemei: Any, category: Any, today: date) -> Any:
    from genxi.projects.models import Fund, Project
    from genxi.projects.services import funds, projects

    found = Project.objects.filter(community=hemei, title=PLAYGROUND_PROJECT).first()
    if found is not None:
        return found
    fund = Fund.objects.filter(community=hemei, year=today.year).first() or funds.create_fund(
        actor=None, community=hemei, year=today.year, amount=Decimal(200000)
    )
    return projects.propose_project(
        actor=None,
        fund=fund,
        title=PLAYGROUND_PROJECT,
        cost=Decimal(50000),
        category=category,
        description="小游园100平方米塑胶场地老化开裂，由共建单位苏州信托出资翻新。",
    )


def _lists(today: date) -> int:
    from genxi.cobuilding.models import Need, NeedStatus, Resource, ResourceKind
    from genxi.cobuilding.services import lists as services
    from genxi.demands.models import Category, Demand
    from genxi.places.models import Area, AreaKind, Partner

    hemei = Area.objects.filter(kind=AreaKind.COMMUNITY, name="和美社区").first()
    green = Area.objects.filter(kind=AreaKind.COMMUNITY, name="绿色时光社区").first()
    trust = Partner.objects.filter(name="苏州信托有限公司").first()
    lawyers = Partner.objects.filter(name="京师(苏州)律师事务所").first()
    if not (hemei and green and trust and lawyers):
        return 0
    categories = {c.name: c for c in Category.objects.all()}
    play = categories.get("儿童游乐设施")
    made = 0

    # 苏州信托 offers money for playgrounds; 和美's worn playground is claimed and delivered.
    offer = Resource.objects.filter(partner=trust, title=PLAYGROUND_RESOURCE).first()
    if offer is None:
        offer = services.create_resource(
            actor=None,
            partner=trust,
            kind=ResourceKind.MONEY,
            title=PLAYGROUND_RESOURCE,
            description="为社区儿童游乐场地、小游园改造出资，每年一处。",
            category=play,
            quantity="每年一处",
            amount=Decimal(50000),
            available_from=today - timedelta(days=90),
            available_until=today + timedelta(days=275),
            audience="社区儿童及家长",
            area=hemei,
        )
        made += 1
    demand = Demand.objects.filter(community=hemei, title="小游园塑胶场地老化").first()
    need = Need.objects.filter(community=hemei, title__contains="小游园塑胶场地").first()
    if need is None:
        if demand is not None:
            need = services.need_from_demand(actor=None, demand=demand)
        else:
            need = services.create_need(
                actor=None,
                community=hemei,
                title="小游园塑胶场地老化",
                category=play,
                description="100平方米的塑胶场地老化，孩子玩耍不安全。",
            )
        # Recorded a month ago: its paired partners' window has long passed.
        then = timezone.now() - timedelta(days=30)
        Need.objects.filter(pk=need.pk).update(
            created_at=then,
            quantity="约100平方米",
            amount=Decimal(50000),
            wanted_by=today + timedelta(days=30),
            exclusive_until=then + timedelta(days=services.exclusive_days(hemei)),
        )
        need.refresh_from_db()
        made += 1
    if need.status == NeedStatus.OPEN:
        claim = services.claim_need(actor=None, need=need, partner=trust, resource=offer)
        services.record_delivery(
            actor=None,
            claim=claim,
            what="出资5万元翻新小游园100平方米塑胶场地，已完工验收。",
            delivered_on=today - timedelta(days=3),
            amount=Decimal(50000),
            project=_playground_project(hemei, play, today),
        )
        made += 2

    # 京师(苏州)律师事务所: free legal consultations twice a month for 绿色时光's residents.
    if not Resource.objects.filter(partner=lawyers, title=LEGAL_RESOURCE).exists():
        services.create_resource(
            actor=None,
            partner=lawyers,
            kind=ResourceKind.SERVICE,
            title=LEGAL_RESOURCE,
            description="律师驻点解答婚姻家庭、物业纠纷、劳动用工等法律问题。",
            category=categories.get("法律咨询"),
            quantity="每月2次，每次半天",
            when="每月第一、第三个周六上午",
            available_from=today - timedelta(days=30),
            audience="绿色时光社区居民",
            area=green,
        )
        made += 1

    # A few open needs from the latest live demands of the categories partners help with.
    if not Need.objects.filter(demand__isnull=False).exclude(pk=need.pk).exists():
        latest = (
            Demand.objects.filter(
                category__name__in=NEED_CATEGORIES, community__isnull=False, need__isnull=True
            )
            .exclude(status__in=services.DEMAND_NOT_A_NEED)
            .select_related("community", "area", "category")
            .order_by("-created_at")[:3]
        )
        for d in latest:
            services.need_from_demand(actor=None, demand=d)
            made += 1
    return made


# -- Service points (虎池苑's 舍得空间) ------------------------------------------------------
#
#
#


# 舍得空间's prices per kg (a little above the market, as the seeds say).
_POINT_PRICES = [
    ("纸板", "kg", "1.20"),
    ("塑料瓶", "kg", "1.50"),
    ("旧衣物", "kg", "0.60"),
    ("金属", "kg", "2.50"),
    ("旧家电", "kg", "1.00"),
    ("废旧书报", "kg", "1.10"),
]
_POINT_NAME = "舍得空间"
_POINT_COMMUNITY = "虎池苑社区"
_POINT_PROVIDER = "苏州城投再生资源发展有限公司"


def _recycler(provider: Any, community: Any) -> Any:
    """The provider's worker who makes the home pick-ups (demo user `recycler`)."""
    from genxi.accounts.models import Membership, Role, User
    from genxi.accounts.services import create_user, grant_membership
    from genxi.places.demo import DEMO_PASSWORD

    user = User.objects.filter(username="recycler").first()
    if user is None:
        user = create_user(actor=None, username="recycler", password=DEMO_PASSWORD, name="沈国强")
    if not Membership.objects.filter(user=user, role=Role.PARTNER, partner=provider).exists():
        grant_membership(actor=None, user=user, role=Role.PARTNER, area=community, partner=provider)
    return user


def _points(today: date) -> int:
    """虎池苑社区's 舍得空间 with 苏州城投再生资源: open every day 8:00–11:00 and 14:00–17:00,
    recycling prices per kg, home pick-up slots for the coming two weeks (booked through
    `book_visit`), and five months of past pick-ups done with kg and amounts (written as
    history: the services refuse to book the past), a few cancelled or missed."""
    import random
    from datetime import datetime, time, timedelta
    from decimal import Decimal

    from django.db.models import Q
    from django.utils import timezone

    from genxi.cobuilding.models import (
        BookingChannel,
        CollectedItem,
        PointBooking,
        PointBookingStatus,
        PointKind,
        ServicePoint,
        VisitSlot,
    )
    from genxi.cobuilding.services import points as services
    from genxi.core.paths import path_range_q
    from genxi.places.models import Area, Partner, Resident, Venue

    community = Area.objects.filter(name=_POINT_COMMUNITY).first()
    provider = Partner.objects.filter(name=_POINT_PROVIDER).first()
    if community is None or provider is None:
        return 0
    created = 0
    worker = _recycler(provider, community)
    point = ServicePoint.objects.filter(community=community, name=_POINT_NAME).first()
    if point is not None:
        return created
    hours = [
        services.Hours(weekday=day, opens=opens, closes=closes)
        for day in range(7)
        for opens, closes in [(time(8), time(11)), (time(14), time(17))]
    ]
    point = services.create_point(
        actor=None,
        community=community,
        name=_POINT_NAME,
        kind=PointKind.RECYCLING,
        provider=provider,
        venue=Venue.objects.filter(name=_POINT_NAME).first(),
        address="虎池苑4幢旁",
        phone="051265230000",
        description="再生资源回收亭，回收专员每天驻点，以略高于市场的价格回收塑料、纸、金属、"
        "纺织品和废旧电器；大件可电话预约上门回收。",
        home_visits=True,
        hours=hours,
        prices=[services.Price(m, u, Decimal(p)) for m, u, p in _POINT_PRICES],
    )
    created += 1
    residents = list(
        Resident.objects.filter(path_range_q("area__path", [community.path]))
        .exclude(Q(phone__isnull=True) | Q(phone=""))
        .select_related("area__parent")
        .order_by("id")[:40]
    )
    if not residents:
        return created
    rng = random.Random(15)
    zone = timezone.get_current_timezone()
    prices = {m: Decimal(p) for m, _u, p in _POINT_PRICES}
    # The coming two weeks: a morning and an afternoon pick-up round each day, a few booked.
    tomorrow = today + timedelta(days=1)
    services.add_slots(
        actor=None,
        point=point,
        first_day=tomorrow,
        starts=time(9),
        ends=time(11),
        capacity=4,
        weeks=2,
    )
    for offset in range(1, 15):
        day = today + timedelta(days=offset)
        if day.weekday() == tomorrow.weekday():
            continue
        services.add_slots(
            actor=None, point=point, first_day=day, starts=time(14), ends=time(16), capacity=4
        )
    coming = list(VisitSlot.objects.filter(point=point).order_by("starts_at")[:6])
    channels = [BookingChannel.STAFF_CALL, BookingChannel.PROVIDER_CALL, BookingChannel.APP]
    for n, slot in enumerate(coming):
        services.book_visit(
            actor=None,
            slot=slot,
            channel=channels[n % 3],
            resident=residents[n % len(residents)],
            what=rng.choice(["旧冰箱一台", "纸板三捆", "旧衣物两袋", "旧洗衣机一台"]),
        )
    # History: five months of done pick-ups, so the figures have a shape.
    first = (today.replace(day=1) - timedelta(days=130)).replace(day=1)
    day = first
    n = 0
    while day < today:
        if day.weekday() in (1, 4):  # Tuesdays and Fridays
            start = datetime.combine(day, time(9), tzinfo=zone)
            slot = VisitSlot.objects.create(
                point=point, starts_at=start, ends_at=start + timedelta(hours=2), capacity=4
            )
            for place in range(1, rng.randint(1, 4) + 1):
                resident = residents[n % len(residents)]
                n += 1
                fate = rng.random()
                status = (
                    PointBookingStatus.CANCELLED
                    if fate < 0.05
                    else PointBookingStatus.MISSED
                    if fate < 0.09
                    else PointBookingStatus.DONE
                )
                booking = PointBooking.objects.create(
                    point=point,
                    slot=slot,
                    place=place,
                    resident=resident,
                    name=resident.name,
                    phone=resident.phone or "",
                    area=resident.area,
                    address=resident.address,
                    channel=rng.choice(channels),
                    status=status,
                    worker=worker,
                    done_at=start + timedelta(hours=1) if status == "done" else None,
                )
                if status != PointBookingStatus.DONE:
                    continue
                items = []
                for material in rng.sample(list(prices), rng.randint(1, 3)):
                    kg = Decimal(rng.randint(20, 400)) / 10
                    items.append(
                        CollectedItem(
                            booking=booking,
                            material=material,
                            kg=kg,
                            amount=(prices[material] * kg).quantize(Decimal("0.01")),
                        )
                    )
                CollectedItem.objects.bulk_create(items)
                booking.amount_paid = sum((i.amount for i in items), Decimal(0))
                booking.save(update_fields=["amount_paid"])
                created += 1
        day += timedelta(days=1)
    return created
