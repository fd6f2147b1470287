"""Fixtures shared by peer inspections' tests.

- `yuanhe`: the seed's four communities of 元和街道 (the world's other street, with 娄北社区
  and oscar, its staff): 众泾, 晨曦馨苑 and 依云水岸 added, each with one staff user (`zhong`,
  `chen`, `yi`), a street staff user `yuan`, and the street's checklist template of five items.
- `paired_round`: the 元和 round on site, its items copied and its groups as in the seed, a
  closed loop: 依云水岸+众泾 inspect 娄北, 众泾+晨曦馨苑 inspect 依云水岸, 晨曦馨苑+娄北 inspect
  众泾, 娄北+依云水岸 inspect 晨曦馨苑.
- `sent_findings`: the round rectifying; group 1 (inspecting 娄北) has sent its problem list:
  a finding to fix on the spot (office order) and one by a deadline in ten days (dusty
  shelves in the activity room).
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from genxi.accounts.models import Role, User
from genxi.accounts.services import create_user, grant_membership
from genxi.conftest import PASSWORD, World, area
from genxi.inspections.models import (
    ChecklistTemplate,
    Finding,
    FindingStatus,
    FixMode,
    Group,
    GroupMember,
    GroupStatus,
    Round,
    RoundItem,
    RoundStatus,
    Severity,
    TemplateItem,
)
from genxi.places.models import Area, AreaKind

ITEMS = [
    ("党员应知应会", 20, "随机抽问三名党员"),
    ("办公环境整洁有序", 20, "查看办公室、档案柜"),
    ("活动室管理", 20, "查看活动室设施与卫生"),
    ("“三会一课”记录", 20, "查阅本年度会议记录"),
    ("诉求台账及时更新", 20, "抽查近一个月的诉求台账"),
]


@dataclass
class YuanHe:
    street: Area
    loubei: Area
    zhongjing: Area
    chenxi: Area
    yiyun: Area
    template: ChecklistTemplate
    users: dict[str, User]

    def __getitem__(self, name: str) -> User:
        return self.users[name]

    @property
    def communities(self) -> list[Area]:
        return [self.loubei, self.zhongjing, self.chenxi, self.yiyun]


@pytest.fixture
def yuanhe(world: World) -> YuanHe:
    street = world.other_street
    zhongjing = area(AreaKind.COMMUNITY, "众泾社区", street)
    chenxi = area(AreaKind.COMMUNITY, "晨曦馨苑社区", street)
    yiyun = area(AreaKind.COMMUNITY, "依云水岸社区", street)
    users = {"oscar": world["oscar"]}
    for username, name, where, role in [
        ("yuan", "袁主任", street, Role.STREET_STAFF),
        ("zhong", "钟书记", zhongjing, Role.COMMUNITY_STAFF),
        ("chen", "陈书记", chenxi, Role.COMMUNITY_STAFF),
        ("yi", "易书记", yiyun, Role.COMMUNITY_STAFF),
    ]:
        users[username] = create_user(actor=None, username=username, password=PASSWORD, name=name)
        grant_membership(actor=None, user=users[username], role=role, area=where)
    template = ChecklistTemplate.objects.create(street=street, name="党建工作互查清单")
    for position, (title, score, how) in enumerate(ITEMS):
        TemplateItem.objects.create(
            template=template, title=title, max_score=score, how_to_check=how, position=position
        )
    return YuanHe(street, world.loubei, zhongjing, chenxi, yiyun, template, users)


def loop(y: YuanHe) -> list[tuple[Area, list[Area]]]:
    """The seed's closed loop: (inspected, its inspectors)."""
    return [
        (y.loubei, [y.yiyun, y.zhongjing]),
        (y.yiyun, [y.zhongjing, y.chenxi]),
        (y.zhongjing, [y.chenxi, y.loubei]),
        (y.chenxi, [y.loubei, y.yiyun]),
    ]


@pytest.fixture
def paired_round(yuanhe: YuanHe) -> Round:
    today = timezone.localdate()
    round_ = Round.objects.create(
        street=yuanhe.street,
        title="走看学做比党建 互查互评",
        starts_on=today - timedelta(days=3),
        ends_on=today + timedelta(days=30),
        group_size=2,
        template=yuanhe.template,
        status=RoundStatus.ON_SITE,
        created_by=yuanhe["yuan"],
    )
    round_.communities.set(yuanhe.communities)
    for item in yuanhe.template.items.all():
        RoundItem.objects.create(
            round=round_,
            title=item.title,
            max_score=item.max_score,
            how_to_check=item.how_to_check,
            position=item.position,
        )
    for number, (inspected, inspectors) in enumerate(loop(yuanhe), start=1):
        group = Group.objects.create(round=round_, number=number, inspected=inspected)
        for community in inspectors:
            GroupMember.objects.create(group=group, community=community)
    return round_


@pytest.fixture
def sent_findings(paired_round: Round, yuanhe: YuanHe) -> list[Finding]:
    today = timezone.localdate()
    group = paired_round.groups.get(number=1)
    items = list(paired_round.items.all())
    on_spot = Finding.objects.create(
        group=group,
        round=paired_round,
        community=group.inspected,
        item=items[1],
        description="办公室桌面杂乱，文件未归档",
        suggestion="当场整理归档",
        severity=Severity.MINOR,
        mode=FixMode.ON_SPOT,
        status=FindingStatus.OPEN,
        created_by=yuanhe["yi"],
    )
    by_deadline = Finding.objects.create(
        group=group,
        round=paired_round,
        community=group.inspected,
        item=items[2],
        description="活动室书架积灰",
        suggestion="建立保洁制度，每周清洁",
        severity=Severity.MODERATE,
        mode=FixMode.BY_DEADLINE,
        deadline=today + timedelta(days=10),
        status=FindingStatus.OPEN,
        created_by=yuanhe["zhong"],
    )
    Group.objects.filter(pk=group.pk).update(
        status=GroupStatus.SUBMITTED, submitted_at=timezone.now(), submitted_by=yuanhe["yi"]
    )
    Round.objects.filter(pk=paired_round.pk).update(status=RoundStatus.RECTIFYING)
    paired_round.refresh_from_db()
    return [on_spot, by_deadline]
