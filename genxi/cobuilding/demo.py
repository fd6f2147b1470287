"""The demo's co-building, from the seeds' five partnerships (loaded by `genxi demo`,
idempotent: each record is found by its title and community):

- 娄北社区 with 苏州市农产品发展有限公司: the agreement, its weekly self-inspection report;
- 和美社区 with 苏州信托: the playground need, claimed and delivered as a project contribution;
- 虎池苑社区's 舍得空间 with 苏州城投再生资源: the recycling point, its prices and home pick-ups;
- 绿色时光社区 with 京师(苏州)律师事务所: legal consultations as a resource;
- in-service party members reporting to 和泰社区, with posts and hours.

Dates are relative to the day the demo is loaded. Each part is its own function below.
"""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone


def load(today: date) -> int:
    """Load every part; returns how many records were created."""
    return _agreements(today) + _members(today) + _lists(today) + _points(today)


# -- Agreements and commitments (娄北 with 苏州市农产品发展有限公司) ----------------------------
#
#
#


def _agreements(today: date) -> int:
    return 0


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
        members.append(
            service.register_member(
                actor=None,
                community=hetai,
                name=resident.name,
                phone=resident.phone or "",
                branch=branch,
                partner=partners.get(unit),
                unit_name="" if unit in partners else unit,
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


def _points(today: date) -> int:
    return 0
