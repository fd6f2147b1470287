"""The demo's peer inspections (loaded by `genxi demo`, idempotent: found by title):

- the 元和 round (走看学做比党建): 娄北, 众泾, 晨曦馨苑 and 依云水岸 in four groups of two, a
  closed loop, its checklist, the scores and findings with photos, the problem lists sent;
- the rectifications: plans and results, one fixed on the spot and one by its deadline, the
  re-check, and the good practices found.

Dates are relative to the day the demo is loaded. Each part is its own function below.
"""

from datetime import date, timedelta


def load(today: date) -> int:
    """Load every part; returns how many records were created."""
    return _round(today) + _rectification(today)


# -- The round, its pairings and what was found on site (helper E) -----------------------------


def _round(today: date) -> int:
    # The seed: 元和街道's four communities inspect each other in groups of two, a closed loop
    # (娄北, 依云水岸, 众泾, 晨曦馨苑: each inspected by the next two), over the checklist of five
    # items; the common problems found were members' weak grasp of theory, cluttered offices
    # and dusty shelves in the activity rooms. The round began ten days ago: every group has
    # scored, recorded what it found and sent its problem list; the round is rectifying.
    from datetime import timedelta

    from genxi.accounts.models import Membership, Role, User
    from genxi.accounts.services import create_user, grant_membership
    from genxi.inspections.models import (
        ChecklistTemplate,
        FixMode,
        Round,
        Severity,
    )
    from genxi.inspections.services import onsite, rounds
    from genxi.places.demo import DEMO_PASSWORD
    from genxi.places.models import Area, AreaKind

    title = "走看学做比党建 互查互评"
    street = Area.objects.filter(kind=AreaKind.STREET, name="元和街道").first()
    if street is None:
        return 0
    names = ["娄北社区", "依云水岸社区", "众泾社区", "晨曦馨苑社区"]  # the loop's order
    by_name = {
        a.name: a
        for a in Area.objects.filter(parent=street, kind=AreaKind.COMMUNITY, name__in=names)
    }
    if len(by_name) != len(names):
        return 0
    communities = [by_name[n] for n in names]
    created = 0

    # Street staff of 元和 and one community worker per community of the round.
    staff: dict[str, User] = {}
    for username, name, where, role in [
        ("yuanhe", "顾晓芸", street, Role.STREET_STAFF),
        ("loubei", "张丽萍", by_name["娄北社区"], Role.COMMUNITY_STAFF),
        ("yiyun", "钱佳慧", by_name["依云水岸社区"], Role.COMMUNITY_STAFF),
        ("zhongjing", "陆志刚", by_name["众泾社区"], Role.COMMUNITY_STAFF),
        ("chenxi", "许文静", by_name["晨曦馨苑社区"], Role.COMMUNITY_STAFF),
    ]:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = create_user(actor=None, username=username, password=DEMO_PASSWORD, name=name)
            created += 1
        if not Membership.objects.filter(user=user, role=role, area=where).exists():
            grant_membership(actor=None, user=user, role=role, area=where)
            created += 1
        staff[username] = user
    yuanhe = staff["yuanhe"]
    by_community = {
        by_name["娄北社区"].pk: staff["loubei"],
        by_name["依云水岸社区"].pk: staff["yiyun"],
        by_name["众泾社区"].pk: staff["zhongjing"],
        by_name["晨曦馨苑社区"].pk: staff["chenxi"],
    }

    if Round.objects.filter(street=street, title=title).exists():
        return created

    template = ChecklistTemplate.objects.filter(street=street, name="党建工作互查互评清单").first()
    if template is None:
        template = rounds.create_template(
            actor=yuanhe,
            street=street,
            name="党建工作互查互评清单",
            items=[
                rounds.ItemSpec("党员应知应会", 20, "随机抽问三名党员党的理论和基本知识"),
                rounds.ItemSpec("办公环境整洁有序", 20, "查看办公室、档案柜，物品摆放和文件归档"),
                rounds.ItemSpec("活动室管理", 20, "查看党员活动室的设施、书架和卫生"),
                rounds.ItemSpec("“三会一课”记录", 20, "查阅本年度支部会议、党课记录是否齐全"),
                rounds.ItemSpec("诉求台账及时更新", 20, "抽查近一个月的居民诉求台账及办理情况"),
            ],
        )
        created += 1
    round_ = rounds.create_round(
        actor=yuanhe,
        street=street,
        title=title,
        starts_on=today - timedelta(days=10),
        ends_on=today + timedelta(days=20),
        communities=communities,
        group_size=2,
        template=template,
        seed=None,
        order=[c.pk for c in communities],
    )
    created += 1 + round_.groups.count()
    rounds.open_round(actor=yuanhe, round=round_)

    theory, office, shelves = (
        "党员理论知识掌握不牢：随机抽问三名党员，一人未能答出“两个确立”的内容",
        "办公室物品摆放杂乱，文件资料堆放在桌面未及时归档",
        "活动室书架积灰，部分学习资料摆放无序",
    )
    fixes = {
        "theory": "组织党员集中学习，开展一次应知应会测试",
        "office": "当场整理桌面，文件按类归档入柜",
        "shelves": "清扫书架，学习资料分类上架，明确专人管理",
    }
    # Per inspected community: (item's position, problem, suggestion, fixed how, days to fix).
    found: dict[str, list[tuple[int, str, str, str, int]]] = {
        "娄北社区": [
            (0, theory, fixes["theory"], FixMode.BY_DEADLINE, 20),
            (1, office, fixes["office"], FixMode.ON_SPOT, 0),
        ],
        "依云水岸社区": [
            (2, shelves, fixes["shelves"], FixMode.ON_SPOT, 0),
            (0, theory, fixes["theory"], FixMode.BY_DEADLINE, 15),
        ],
        "众泾社区": [
            (1, office, fixes["office"], FixMode.ON_SPOT, 0),
            (2, shelves, fixes["shelves"], FixMode.BY_DEADLINE, 10),
        ],
        "晨曦馨苑社区": [
            (0, theory, fixes["theory"], FixMode.BY_DEADLINE, 20),
            (2, shelves, fixes["shelves"], FixMode.BY_DEADLINE, 7),
        ],
    }
    # Full marks but where something was found; a problem costs 3 to 6 points.
    lost = {
        "娄北社区": [5, 3, 1, 0, 2],
        "依云水岸社区": [4, 0, 3, 2, 1],
        "众泾社区": [1, 4, 6, 0, 2],
        "晨曦馨苑社区": [6, 2, 4, 1, 0],
    }
    items = list(round_.items.order_by("position"))
    for group in round_.groups.select_related("inspected").prefetch_related("members"):
        inspector = by_community[group.members.all()[0].community_id]
        name = group.inspected.name
        for item, minus in zip(items, lost[name], strict=True):
            onsite.save_score(actor=inspector, group=group, item=item, score=item.max_score - minus)
            created += 1
        for position, description, suggestion, mode, days in found[name]:
            onsite.create_finding(
                actor=inspector,
                group=group,
                item=items[position],
                description=description,
                suggestion=suggestion,
                severity=Severity.MINOR if mode == FixMode.ON_SPOT else Severity.MODERATE,
                mode=mode,
                deadline=today + timedelta(days=days) if mode == FixMode.BY_DEADLINE else None,
            )
            created += 1
        onsite.send_list(actor=inspector, group=group)
    rounds.start_rectifying(actor=yuanhe, round=round_)
    return created


# -- Rectification, re-check and good practices (helper F) -------------------------------------


def _rectification(today: date) -> int:
    """The 元和 round's rectifications (helper F): of its sent findings, the first to fix on
    the spot is fixed and accepted; the first by a deadline is planned, fixed and accepted; the
    second planned, fixed and sent back at the re-check; the third planned and overdue (its
    deadline moved three days back); the rest left open. Three good practices. Skipped when
    the round is not there or not rectifying, or its practices are there already."""
    import io
    from typing import Any

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from genxi.core.images import clean_photo
    from genxi.core.services import update_object
    from genxi.inspections.models import (
        FindingStatus,
        FixMode,
        GoodPractice,
        Round,
        RoundStatus,
    )
    from genxi.inspections.services import practices
    from genxi.inspections.services import rectification as services

    round_ = Round.objects.filter(title="走看学做比党建 互查互评").first()
    if round_ is None or round_.status != RoundStatus.RECTIFYING:
        return 0
    if GoodPractice.objects.filter(round=round_).exists():
        return 0

    def photo(colour: tuple[int, int, int]) -> Any:
        buffer = io.BytesIO()
        Image.new("RGB", (640, 480), colour).save(buffer, "JPEG")
        return clean_photo(SimpleUploadedFile("photo.jpg", buffer.getvalue()))

    def staff(community_id: int) -> Any:
        people = services.staff_of([community_id])
        return people[0] if people else None

    def inspector(finding: Any) -> Any:
        members = list(finding.group.members.values_list("community_id", flat=True))
        people = services.staff_of(members)
        return people[0] if people else None

    made = 0
    open_findings = list(
        round_.findings.filter(status=FindingStatus.OPEN)
        .select_related("group", "community")
        .order_by("group__number", "id")
    )
    on_spot = [f for f in open_findings if f.mode == FixMode.ON_SPOT]
    by_deadline = [f for f in open_findings if f.mode == FixMode.BY_DEADLINE]
    if on_spot:
        f = on_spot[0]
        services.fix_on_spot(
            actor=staff(f.community_id),
            finding=f,
            plan="当场整改，指定专人负责",
            result="已当场整改到位，并拍照留存",
            photos=[photo((40, 150, 70))],
        )
        services.recheck(actor=inspector(f), finding=f, accepted=True, note="现场复核已整改")
        made += 1
    steps = [
        ("购置工具，建立每周保洁和检查制度", "已整改，制度已上墙", True),
        ("一周内补齐台账，明确专人每日更新", "台账已补齐", False),
    ]
    for f, (plan, result, accepted) in zip(by_deadline, steps, strict=False):
        who = staff(f.community_id)
        services.record_plan(actor=who, finding=f, plan=plan)
        services.record_result(actor=who, finding=f, result=result, photos=[photo((70, 90, 200))])
        services.recheck(
            actor=inspector(f),
            finding=f,
            accepted=accepted,
            note="" if accepted else "近两周的记录仍不完整，请补全后重新上传照片",
        )
        made += 1
    if len(by_deadline) > 2:
        f = by_deadline[2]
        services.record_plan(actor=staff(f.community_id), finding=f, plan="下周内完成整改")
        update_object(actor=None, instance=f, fields={"deadline": today - timedelta(days=3)})
        made += 1
    items = list(round_.items.all())
    good = [
        ("党员积分公示上墙", "每月在党群服务中心公示党员积分，居民扫码可查。"),
        ("诉求台账“日清周结”", "每天下班前清点当天诉求，每周五汇总未办结事项并逐条跟进。"),
        ("楼道党建微阵地", "在楼道设置党员示范岗和议事角，小事不出楼道。"),
    ]
    communities = list(round_.communities.order_by("path"))
    for n, (title, description) in enumerate(good):
        if not communities:
            break
        practices.create_practice(
            actor=None,
            round=round_,
            community=communities[n % len(communities)],
            item=items[(n * 2) % len(items)] if items else None,
            title=title,
            description=description,
        )
        made += 1
    return made
