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
#
#


def _members(today: date) -> int:
    return 0


# -- The three lists (和美's playground, 绿色时光's legal consultations) ---------------------
#
#
#


def _lists(today: date) -> int:
    return 0


# -- Service points (虎池苑's 舍得空间) ------------------------------------------------------
#
#
#


def _points(today: date) -> int:
    return 0
