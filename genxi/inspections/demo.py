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
    return 0


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
