"""The demo's deliberation meeting, from the seeds (loaded by `genxi demo`, idempotent): 金筑社区
debated handrails for its high-rise stairwells at 金言议事角 and revised the plan from the
residents' opinions."""

from datetime import datetime
from zoneinfo import ZoneInfo

from genxi.meetings import services
from genxi.meetings.models import InviteeKind, Meeting, Stance
from genxi.places.models import Area, AreaKind, Venue

TOPIC = "高层楼道加装扶手"
PLAN = (
    "金筑家园10幢高层楼道每层加装不锈钢扶手\n"
    "扶手高度90厘米\n"
    "施工由物业统一组织，费用从为民服务专项经费列支"
)


def load() -> int:
    community = Area.objects.get(kind=AreaKind.COMMUNITY, name="金筑社区")
    if Meeting.objects.filter(community=community, topic=TOPIC).exists():
        return 0
    meeting = services.convene(
        actor=None,
        community=community,
        topic=TOPIC,
        starts_at=datetime(2024, 5, 16, 14, 30, tzinfo=ZoneInfo("Asia/Shanghai")),
        venue=Venue.objects.filter(name="金言议事角").first(),
        agenda=["扶手加装方案", "施工安排和费用"],
        invitees=[
            ("金筑家园居民代表", InviteeKind.REPRESENTATIVE),
            ("10幢居民", InviteeKind.RESIDENT),
            ("物业公司", InviteeKind.PROPERTY),
            ("社区党委", InviteeKind.STAFF),
        ],
        plan=PLAN,
    )
    people = {i.name: i for i in meeting.invitees.all()}
    for person in people.values():
        services.mark_attendance(actor=None, invitee=person, present=True)
        person.attended = True
    item = meeting.agenda.get(position=1)
    suggestion = services.record_opinion(
        actor=None,
        item=item,
        speaker=people["10幢居民"],
        stance=Stance.SUGGESTION,
        text="老人多，扶手高度降到85厘米，楼梯两侧都装",
    )
    services.record_opinion(
        actor=None, item=item, speaker=people["物业公司"], stance=Stance.SUPPORT, text="可统一施工"
    )
    services.revise_plan(
        actor=None,
        meeting=meeting,
        text=PLAN.replace("每层加装", "每层楼梯两侧加装").replace("90厘米", "85厘米"),
        note="采纳居民建议：两侧加装，高度降低",
        opinions=[suggestion],
    )
    services.record_minutes(
        actor=None,
        meeting=meeting,
        minutes="居民代表、物业和社区党委到会，一致同意加装扶手，采纳居民关于高度和两侧加装的建议。",
        outcome="按第2版方案实施。",
    )
    return 1
