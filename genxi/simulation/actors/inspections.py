"""The simulation's peer inspection round (互查互评): the street's communities paired by the seeded
generator, each group scoring the checklist and recording what it found, the problem lists sent,
and the inspected communities rectifying, with the inspectors' re-check — through
`genxi.inspections.services` as the pages call them.

- setup: the round's day, early in a month (its 1st to 5th) some weeks into the simulation, so
  that the whole round — findings, plans, results and re-checks — falls within that month.
- the round's day: street staff make the checklist (`create_template`, once per street), the
  round (`create_round`, groups of two inspecting communities, fewer when the street is small)
  and open it (`open_round`).
- one to four days later, each group on its own day: its scores (`save_score`), two to four
  findings (`create_finding`; a third fixed on the spot, the rest by a deadline five to ten
  days on) and its problem list sent (`send_list`) — the findings are recorded and sent the same
  day. When every list is sent the round moves to rectification (`start_rectifying`).
- rectification: on-the-spot findings fixed the next days (`fix_on_spot`); the others planned
  (`record_plan`) and fixed before their deadline (`record_result`, with a photo), one in ten left
  unfixed; each fixed one re-checked (`recheck`) two days later, accepted (or, one in five, sent
  back, fixed again and accepted).

Ledger keys:

- inspections.findings — 1 per finding on the day it was recorded (and its list sent);
- inspections.rectified_rate — per finding: denominator 1 on the day it was recorded, and,
  when it is accepted at the re-check, numerator 1 dated the same recording day. So over any
  period it reads "of the findings recorded in the period, those accepted so far"; all of them
  are settled within the month they were recorded in.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from genxi.core.images import clean_photo
from genxi.inspections.models import ChecklistTemplate, Finding, FixMode, Round, Severity
from genxi.inspections.services import onsite, rounds
from genxi.inspections.services import rectification as fixes
from genxi.places.models import Area
from genxi.simulation.world import World

NAME = "inspections"

CHECKLIST = [
    rounds.ItemSpec("党员应知应会", 20, "随机抽问三名党员党的理论和基本知识"),
    rounds.ItemSpec("办公环境整洁有序", 20, "查看办公室、档案柜，物品摆放和文件归档"),
    rounds.ItemSpec("活动室管理", 20, "查看党员活动室的设施、书架和卫生"),
    rounds.ItemSpec("“三会一课”记录", 20, "查阅本年度支部会议、党课记录是否齐全"),
    rounds.ItemSpec("诉求台账及时更新", 20, "抽查近一个月的居民诉求台账及办理情况"),
]
PROBLEMS = [
    ("党员理论知识掌握不牢，抽问时未能完整作答", "组织集中学习，开展应知应会测试"),
    ("办公室物品摆放杂乱，文件未及时归档", "当场整理，文件按类归档入柜"),
    ("活动室书架积灰，学习资料摆放无序", "清扫书架，资料分类上架，专人管理"),
    ("“三会一课”记录不全，缺少两次支部会议记录", "补齐记录，明确专人每月检查"),
    ("诉求台账更新滞后，部分诉求未登记办理结果", "一周内补齐台账，每日更新"),
]


@dataclass
class Pending:
    """One step of a finding's rectification, on its day."""

    kind: str  # "spot", "plan", "result", "refix", "recheck"
    finding_id: int
    community_id: int
    recorded: date
    accept: bool = True


@dataclass
class State:
    round_day: date
    round: Round | None = None
    send_days: dict[int, date] = field(default_factory=dict)  # group id -> its day
    steps: dict[date, list[Pending]] = field(default_factory=dict)
    sent: set[int] = field(default_factory=set)


def _staff(world: World, community_id: int) -> Any:
    return world.community_staff.get(community_id) or world.street_staff


def last_day(world: World) -> date:
    """The simulation's last day: the engine's `world.end` (or `extra["last_day"]`), else the
    year's last."""
    value = getattr(world, "end", None) or world.extra.get("last_day")
    return value if isinstance(value, date) else date(world.year, 12, 31)


def made(world: World, kind: str, n: int = 1) -> None:
    """Count records made, for the engine's summary (when the world keeps one)."""
    counts = getattr(world, "counts", None)
    if counts is not None:
        counts[kind] += n


def _photo() -> Any:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (60, 140, 80)).save(buffer, "JPEG")
    return clean_photo(SimpleUploadedFile("photo.jpg", buffer.getvalue()))


def setup(world: World) -> None:
    today = timezone.localdate()
    end = last_day(world)
    # The first month starting at least two weeks on (or this month's days left, in a short run).
    month = (today + timedelta(days=14)).replace(day=1)
    if month <= today:
        month = (month + timedelta(days=32)).replace(day=1)
    if month + timedelta(days=25) > end:
        month = today
    day = month + timedelta(days=world.rng.randrange(5))
    world.extra[NAME] = State(round_day=day)


def on_day(world: World, day: date) -> None:
    state: State | None = world.extra.get(NAME)
    if state is None or len(world.communities) < 2:
        return
    if day == state.round_day:
        _open(world, state, day)
    if state.round is not None:
        for group_id, when in list(state.send_days.items()):
            if when == day:
                _inspect(world, state, group_id, day)
    for step in state.steps.pop(day, []):
        _rectify(world, state, step, day)


def _open(world: World, state: State, day: date) -> None:
    street = world.street
    staff = world.street_staff
    template = ChecklistTemplate.objects.filter(street=street, name="党建工作互查互评清单").first()
    if template is None:
        template = rounds.create_template(
            actor=staff, street=street, name="党建工作互查互评清单", items=CHECKLIST
        )
    communities: list[Area] = list(world.communities)
    round_ = rounds.create_round(
        actor=staff,
        street=street,
        title=f"{street.name}{day:%Y年%m月}党建工作互查互评",
        starts_on=day,
        ends_on=day + timedelta(days=30),
        communities=communities,
        group_size=min(2, len(communities) - 1),
        template=template,
        seed=world.rng.randrange(1, 10**6),
    )
    rounds.open_round(actor=staff, round=round_)
    made(world, "inspection rounds")
    state.round = round_
    for group in round_.groups.order_by("number"):
        state.send_days[group.pk] = day + timedelta(days=world.rng.randint(1, 4))


def _inspect(world: World, state: State, group_id: int, day: date) -> None:
    rng = world.rng
    assert state.round is not None
    group = state.round.groups.select_related("round").get(pk=group_id)
    inspector = _staff(world, group.members.order_by("pk").first().community_id)  # type: ignore[union-attr]
    items = list(state.round.items.order_by("position"))
    found = rng.sample(range(len(items)), rng.randint(2, min(4, len(items))))
    for position, item in enumerate(items):
        lost = rng.randint(2, 6) if position in found else rng.randint(0, 1)
        onsite.save_score(actor=inspector, group=group, item=item, score=item.max_score - lost)
    made_findings = []
    for position in found:
        description, suggestion = PROBLEMS[position % len(PROBLEMS)]
        spot = rng.random() < 0.35
        finding = onsite.create_finding(
            actor=inspector,
            group=group,
            item=items[position],
            description=description,
            suggestion=suggestion,
            severity=Severity.MINOR if spot else Severity.MODERATE,
            mode=FixMode.ON_SPOT if spot else FixMode.BY_DEADLINE,
            deadline=None if spot else day + timedelta(days=rng.randint(5, 10)),
        )
        made_findings.append(finding)
    onsite.send_list(actor=inspector, group=group)
    made(world, "findings", len(made_findings))
    state.sent.add(group_id)
    community = group.inspected_id
    for finding in made_findings:
        world.ledger.add("inspections.findings", community, day)
        world.ledger.add("inspections.rectified_rate", community, day, 0, 1)
        if finding.mode == FixMode.ON_SPOT:
            step = Pending("spot", finding.pk, community, day)
            state.steps.setdefault(day + timedelta(days=rng.randint(1, 2)), []).append(step)
        elif rng.random() < 0.9:  # one in ten is left unfixed
            step = Pending("plan", finding.pk, community, day)
            state.steps.setdefault(day + timedelta(days=rng.randint(1, 3)), []).append(step)
    if len(state.sent) == len(state.send_days):
        rounds.start_rectifying(actor=world.street_staff, round=state.round)


def _rectify(world: World, state: State, step: Pending, day: date) -> None:
    rng = world.rng
    finding = Finding.objects.select_related("group").get(pk=step.finding_id)
    staff = _staff(world, step.community_id)
    later = state.steps.setdefault
    if step.kind == "spot":
        fixes.fix_on_spot(
            actor=staff,
            finding=finding,
            plan="当场整改，指定专人负责",
            result="已当场整改到位，拍照留存",
            photos=[_photo()],
        )
        later(day + timedelta(days=2), []).append(
            Pending("recheck", finding.pk, step.community_id, step.recorded)
        )
    elif step.kind == "plan":
        fixes.record_plan(actor=staff, finding=finding, plan=finding.suggestion or "限期整改")
        assert finding.deadline is not None
        fix_on = min(finding.deadline, day + timedelta(days=rng.randint(1, 5)))
        later(fix_on, []).append(Pending("result", finding.pk, step.community_id, step.recorded))
    elif step.kind in ("result", "refix"):
        fixes.record_result(
            actor=staff, finding=finding, result="已按计划整改到位", photos=[_photo()]
        )
        # One in five is sent back at its first re-check; fixed again, it is accepted.
        accept = step.kind == "refix" or rng.random() < 0.8
        later(day + timedelta(days=2), []).append(
            Pending("recheck", finding.pk, step.community_id, step.recorded, accept)
        )
    elif step.kind == "recheck":
        members = list(finding.group.members.values_list("community_id", flat=True))
        inspector = _staff(world, members[0])
        if step.accept:
            fixes.recheck(actor=inspector, finding=finding, accepted=True, note="复核已整改到位")
            world.ledger.add("inspections.rectified_rate", step.community_id, step.recorded, 1, 0)
        else:
            fixes.recheck(
                actor=inspector, finding=finding, accepted=False, note="整改不彻底，请继续整改"
            )
            later(day + timedelta(days=2), []).append(
                Pending("refix", finding.pk, step.community_id, step.recorded)
            )
