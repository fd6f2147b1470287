"""Deliberation meetings (议事会): about one a month in each community, convened in the
morning for the afternoon (`meetings.services.convene`, with its agenda, invitees and first
plan), held, its minutes recorded; at about half of them the residents' suggestion revises
the plan (`revise_plan`, citing the opinion).

Ledger: `meetings.held` +1 on the day the meeting starts; `meetings.plans_revised` +1 on the
day a plan's new version is saved (once per meeting and period).
"""

from __future__ import annotations

from datetime import date

from genxi.core.workdays import WorkCalendar
from genxi.meetings import services
from genxi.meetings.models import InviteeKind, Stance
from genxi.simulation.world import World

PER_COMMUNITY_MONTH = 1.0
REVISED = 0.5
TOPICS = [
    ("楼道加装扶手", "每个单元楼道加装不锈钢扶手，高度90厘米"),
    ("非机动车棚改造", "车棚加装充电桩20个，顶棚更换"),
    ("小区停车规划", "划定停车位，外来车辆限时停放"),
    ("口袋公园提升", "增设座椅6张、健身器材2套"),
    ("垃圾投放点调整", "投放点移至北门外空地，定时定点投放"),
    ("楼顶防水维修", "顶层渗水楼栋统一做防水，费用从专项经费列支"),
]


def setup(world: World) -> None:
    world.extra["meetings"] = WorkCalendar.load()


def on_day(world: World, day: date) -> None:
    calendar = world.extra["meetings"]
    if not calendar.is_workday(day):
        return
    # Each community meets on working days with odds that make about one a month.
    odds = PER_COMMUNITY_MONTH * world.scale / 21
    for community in world.communities:
        if world.rng.random() >= odds:
            continue
        for _n in range(max(1, int(odds))):
            hold(world, community, day)


def hold(world: World, community, day: date) -> None:  # type: ignore[no-untyped-def]
    staff = world.community_staff[community.pk]
    topic, plan = world.rng.choice(TOPICS)
    world.at(9, 30)
    meeting = services.convene(
        actor=staff,
        community=community,
        topic=topic,
        starts_at=world.at(14, 30),
        agenda=[f"{topic}方案", "施工安排和费用"],
        invitees=[
            ("居民代表", InviteeKind.REPRESENTATIVE),
            ("物业公司", InviteeKind.PROPERTY),
            ("社区党委", InviteeKind.STAFF),
        ],
        plan=plan,
    )
    world.ledger.add("meetings.held", community.pk, day)
    world.counts["meetings"] += 1
    world.at(16, 0)
    people = {i.name: i for i in meeting.invitees.all()}
    for person in people.values():
        services.mark_attendance(actor=staff, invitee=person, present=True)
    item = meeting.agenda.get(position=1)
    opinion = services.record_opinion(
        actor=staff,
        item=item,
        speaker=people["居民代表"],
        stance=Stance.SUGGESTION,
        text="建议先征求楼栋居民意见，分两期实施。",
    )
    if world.rng.random() < REVISED:
        world.at(16, 30)
        services.revise_plan(
            actor=staff,
            meeting=meeting,
            text=plan + "\n征求楼栋居民意见后分两期实施",
            note="采纳居民代表建议",
            opinions=[opinion],
        )
        world.ledger.add("meetings.plans_revised", community.pk, day, item=meeting.pk)
        world.counts["plans revised"] += 1
    world.at(17, 0)
    services.record_minutes(
        actor=staff,
        meeting=meeting,
        minutes=f"居民代表、物业和社区党委到会，讨论{topic}。",
        outcome="按最新版方案实施。",
    )
