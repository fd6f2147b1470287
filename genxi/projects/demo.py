"""The demo's funds, projects and votes, from the seeds (loaded by `genxi demo`, idempotent).

- 果园社区's 2023 pocket park (口袋公园): chosen by the party-member and resident representatives'
  vote, built, accepted and paid from the year's service fund.
- 和泰社区's fund of this year with three candidates and an open vote, in which the demo's
  resident (沈玉兰) is an elector: log in as `resident` to vote on the web.
Amounts and counts are illustrative; the seeds give none.
"""

from datetime import date
from decimal import Decimal

from genxi.accounts.models import User
from genxi.places.models import Area, AreaKind, Partner
from genxi.projects import services
from genxi.projects.models import Channel, Fund, Method

# The representatives who vote: eight party members, then residents' representatives.
GUOYUAN_ELECTORS = [
    "陈建国", "王秀英", "张志强", "李桂芳", "刘德明", "杨玉珍", "黄卫东", "赵美华",
    "周国平", "吴小红", "徐金根", "孙丽娟", "朱永福", "马桂兰", "胡建新", "郭秀珍",
    "何志明", "林凤英", "高建华", "罗玉梅", "郑国强",
]  # fmt: skip
HETAI_ELECTORS = [
    ("顾明华", "party"), ("钱淑英", "resident"), ("蒋志刚", "party"),
    ("陆美琴", "resident"), ("费建荣", "party"), ("唐雪芬", "resident"),
]  # fmt: skip


def load(today: date) -> int:
    """Create what is missing; return how many funds were created (0 on a second run)."""
    made = 0
    guoyuan = Area.objects.get(kind=AreaKind.COMMUNITY, name="果园社区")
    if not Fund.objects.filter(community=guoyuan, year=2023).exists():
        _pocket_park(guoyuan)
        made += 1
    hetai = Area.objects.get(kind=AreaKind.COMMUNITY, name="和泰社区")
    if not Fund.objects.filter(community=hetai, year=today.year).exists():
        _hetai_vote(hetai, today.year)
        made += 1
    return made


def _pocket_park(community: Area) -> None:
    fund = services.create_fund(
        actor=None,
        community=community,
        year=2023,
        amount=Decimal("500000"),
        reserve=Decimal("50000"),
        max_per_project=Decimal("300000"),
    )
    park, lights, _bikes = (
        services.propose_project(
            actor=None, fund=fund, title=title, cost=Decimal(cost), description=text
        )
        for title, cost, text in [
            ("口袋公园", "280000", "果园新村闲置空地改造为口袋公园：步道、座椅、健身器材和绿化。"),
            ("楼道照明改造", "90000", "果园花苑6幢楼道更换声控节能灯。"),
            ("非机动车棚", "150000", "果园新村新建非机动车棚和充电桩。"),
        ]
    )
    vote = services.create_vote(
        actor=None,
        fund=fund,
        title="果园社区2023年为民服务项目票决",
        method=Method.BUDGET,
        projects=[park, lights, _bikes],
        quorum=15,
    )
    electors = services.add_electors(
        actor=None,
        vote=vote,
        electors=[
            (name, "party" if i < 8 else "resident", 1, None)
            for i, name in enumerate(GUOYUAN_ELECTORS)
        ],
    )
    services.open_vote(actor=None, vote=vote)
    for i, elector in enumerate(electors[:19]):
        chosen = [park, lights] if i % 3 else [park]
        if i % 5 == 4:
            chosen = [lights, _bikes]
        services.cast_ballot(
            actor=None,
            vote=vote,
            elector=elector,
            projects=chosen,
            channel=Channel.PAPER,
            paper_ref=f"GY2023-{i + 1:03d}",
        )
    services.close_vote(actor=None, vote=vote)
    # A builder of 望亭镇 itself, not another street's property company.
    builder = Partner.objects.get(name="苏州望亭园林建设有限公司")
    services.move_project(actor=None, project=park, to="execution", implementer=builder)
    for title, due in [("场地平整", date(2023, 9, 15)), ("步道和座椅", date(2023, 10, 20))]:
        milestone = services.add_milestone(actor=None, project=park, title=title, due=due)
        services.finish_milestone(actor=None, milestone=milestone, on=due)
    services.record_payment(actor=None, project=park, amount=Decimal("140000"), note="首期")
    services.record_payment(actor=None, project=park, amount=Decimal("126000"), note="尾款")
    services.accept_project(
        actor=None,
        project=park,
        accepted_on=date(2023, 11, 8),
        satisfied=42,
        basically=5,
        unsatisfied=1,
        note="党员群众代表现场验收：步道平整，座椅牢固，夜间照明到位。",
    )


def _hetai_vote(community: Area, year: int) -> None:
    fund = services.create_fund(
        actor=None,
        community=community,
        year=year,
        amount=Decimal("300000"),
        reserve=Decimal("30000"),
        max_per_project=Decimal("150000"),
    )
    projects = [
        services.propose_project(
            actor=None, fund=fund, title=title, cost=Decimal(cost), description=text
        )
        for title, cost, text in [
            ("三花苑长廊遮阳棚", "80000", "三花半月谈长廊加装遮阳棚，夏天也能坐。"),
            ("小区健身角", "120000", "三花苑空地设健身角，配适老器材。"),
            ("楼道扶手加装", "60000", "三花苑高层楼道加装扶手。"),
        ]
    ]
    vote = services.create_vote(
        actor=None,
        fund=fund,
        title=f"和泰社区{year}年为民服务项目票决",
        method=Method.APPROVAL,
        projects=projects,
        max_choices=2,
        quorum=5,
        secret=True,
    )
    resident = User.objects.filter(username="resident").first()
    services.add_electors(
        actor=None,
        vote=vote,
        electors=[("沈玉兰", "resident", 1, resident)]
        + [(name, code, 1, None) for name, code in HETAI_ELECTORS],
    )
    services.open_vote(actor=None, vote=vote)
