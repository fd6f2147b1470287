"""Deliberation meetings: convening, attendance, opinions, plan versions and follow-ups."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from genxi.conftest import PASSWORD, World
from genxi.core.services import ServiceError
from genxi.demands import services as demands
from genxi.demands.models import Demand
from genxi.meetings import services
from genxi.meetings.models import InviteeKind, Meeting, Stance
from genxi.projects import services as projects
from tests.browser import PHONE, log_in, shot

AT = datetime(2026, 12, 3, 14, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
PLAN = "在1幢、2幢楼道加装不锈钢扶手\n每层一段，高度90厘米\n费用由为民服务专项经费支付"


def handrails(world: World) -> Meeting:
    return services.convene(
        actor=world["bob"],
        community=world.hetai,
        topic="高层楼道加装扶手",
        starts_at=AT,
        venue=world.venue,
        agenda=["加装扶手的方案", "费用和施工安排"],
        invitees=[("王阿姨", InviteeKind.RESIDENT), ("金阳宝地物业", InviteeKind.PROPERTY)],
        plan=PLAN,
    )


def test_opinions_lead_to_a_revised_plan(world: World) -> None:
    meeting = handrails(world)
    item = meeting.agenda.first()
    aunt = meeting.invitees.get(name="王阿姨")
    with pytest.raises(ServiceError, match="未签到"):
        services.record_opinion(actor=None, item=item, speaker=aunt, stance=Stance.SUPPORT)
    services.mark_attendance(actor=world["bob"], invitee=aunt, present=True)
    aunt.refresh_from_db()
    with pytest.raises(ServiceError, match="写下"):
        services.record_opinion(actor=None, item=item, speaker=aunt, stance=Stance.SUGGESTION)
    lower = services.record_opinion(
        actor=None, item=item, speaker=aunt, stance=Stance.SUGGESTION, text="高度改为85厘米"
    )
    with pytest.raises(ServiceError, match="相同"):
        services.revise_plan(actor=None, meeting=meeting, text=PLAN)
    v2 = services.revise_plan(
        actor=world["bob"],
        meeting=meeting,
        text=PLAN.replace("90厘米", "85厘米"),
        note="采纳王阿姨的建议",
        opinions=[lower],
    )
    assert v2.number == 2 and list(v2.opinions.all()) == [lower]
    diff = services.plan_diff(meeting.plans.get(number=1), v2)
    assert ("removed", "每层一段，高度90厘米") in diff and ("added", "每层一段，高度85厘米") in diff
    other = handrails_elsewhere(world)
    with pytest.raises(ServiceError, match="本次会议"):
        services.revise_plan(actor=None, meeting=other, text="x", opinions=[lower])


def handrails_elsewhere(world: World) -> Meeting:
    return services.convene(
        actor=None, community=world.hetai, topic="另一个会", starts_at=AT, agenda=["议题"],
        invitees=[("张三", InviteeKind.RESIDENT)],
    )  # fmt: skip


def test_a_meeting_discusses_only_its_community_s_projects(world: World) -> None:
    fund = projects.create_fund(
        actor=None, community=world.baoxiang, year=2026, amount=Decimal("100000")
    )
    pavilion = projects.propose_project(actor=None, fund=fund, title="凉亭", cost=Decimal("5"))
    with pytest.raises(ServiceError, match="本社区"):
        services.convene(
            actor=None, community=world.hetai, topic="议事", starts_at=AT, agenda=["x"],
            invitees=[("张三", InviteeKind.RESIDENT)], projects=[pavilion],
        )  # fmt: skip
    assert not Meeting.objects.exists()


def test_a_follow_up_becomes_a_demand_once(world: World) -> None:
    meeting = handrails(world)
    category = demands.create_category(actor=None, name="楼道扶手")
    action = services.add_follow_up(
        actor=None, meeting=meeting, title="联系施工单位报价", owner="鲍勃", due=date(2026, 12, 10)
    )
    demand = services.follow_up_to_demand(actor=world["bob"], action=action, category=category)
    assert demand.community == world.hetai and "高层楼道加装扶手" in demand.description
    assert list(meeting.demands.all()) == [demand]
    with pytest.raises(ServiceError, match="已经"):
        services.follow_up_to_demand(actor=None, action=action, category=category)


def test_a_follow_up_becomes_a_candidate_project_once(world: World, client) -> None:
    meeting = handrails(world)
    fund = projects.create_fund(
        actor=None, community=world.hetai, year=2026, amount=Decimal("100000")
    )
    action = services.add_follow_up(
        actor=None, meeting=meeting, title="楼道扶手加装", owner="鲍勃", due=date(2026, 12, 10)
    )
    elsewhere = projects.create_fund(
        actor=None, community=world.baoxiang, year=2026, amount=Decimal("100000")
    )
    with pytest.raises(ServiceError, match="本社区"):
        services.follow_up_to_project(actor=None, action=action, fund=elsewhere, cost=Decimal(5))
    client.force_login(world["bob"])
    url = reverse("meetings:to_project", args=[meeting.pk, action.pk])
    answer = client.post(url, {"fund": fund.pk, "cost": "60000"})
    project = fund.projects.get()
    assert answer["Location"] == reverse("projects:project_detail", args=[project.pk])
    assert (project.title, project.cost) == ("楼道扶手加装", Decimal("60000"))
    assert list(meeting.projects.all()) == [project]
    client.post(url, {"fund": fund.pk, "cost": "60000"})  # a retry drafts nothing more
    assert fund.projects.count() == 1
    category = demands.create_category(actor=None, name="楼道扶手")
    with pytest.raises(ServiceError, match="已经"):
        services.follow_up_to_demand(actor=None, action=action, category=category)


def test_meetings_are_seen_in_their_community_only(world: World, client) -> None:
    meeting = handrails(world)
    url = meeting.get_absolute_url()
    for username, status in [("bob", 200), ("alice", 200), ("frank", 200), ("oscar", 404),
                             ("carol", 404), ("erin", 404), ("dave", 404)]:  # fmt: skip
        client.force_login(world[username])
        assert client.get(url).status_code == status, username
    client.force_login(world["frank"])  # leadership reads; the forms are not theirs
    assert 'id="opinion"' not in client.get(url).content.decode()
    invitee = meeting.invitees.first()
    mark = reverse("meetings:attendance", args=[meeting.pk, invitee.pk])
    assert client.post(mark, {"present": "1"}).status_code == 404
    client.force_login(world["bob"])
    bad = client.post(
        reverse("meetings:meeting_create"),
        {"community": world.hetai.pk, "topic": "议事", "starts_at": "2026-12-03T14:30",
         "agenda": " ", "invitees": "王阿姨 邻居"},
    )  # fmt: skip
    assert bad.status_code == 400
    assert set(bad.context["form"].errors) == {"agenda", "invitees"}
    long = client.post(
        reverse("meetings:meeting_create"),
        {"community": world.hetai.pk, "topic": "议事", "starts_at": "2026-12-03T14:30",
         "agenda": "议" * 101, "invitees": "名" * 51 + " 居民"},
    )  # fmt: skip
    assert set(long.context["form"].errors) == {"agenda", "invitees"}
    invitee = meeting.invitees.first()
    row = client.post(
        reverse("meetings:attendance", args=[meeting.pk, invitee.pk]),
        {"present": "1"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert 'id="present-count" hx-swap-oob="true"' in row and "已到 1 人" in row
    assert Meeting.objects.count() == 1


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_handrail_meeting_produces_a_revised_plan(
    world: World, live_server, page: Page
) -> None:
    """和泰's staff convene the handrail meeting at 三花半月谈长廊, take the attendance at the
    door on a phone, record the residents' opinions, and integrate them into plan v2."""
    demands.create_category(actor=None, name="楼道扶手")
    fund = projects.create_fund(
        actor=None, community=world.hetai, year=2026, amount=Decimal("100000")
    )
    rails = projects.propose_project(actor=None, fund=fund, title="楼道扶手", cost=Decimal("60000"))
    log_in(page, live_server.url, "bob", PASSWORD)
    page.click("a.stat:has-text('议事会')")
    page.click("text=召开议事会")
    page.select_option("select[name=community]", label="和泰社区")
    page.fill("input[name=topic]", "高层楼道加装扶手")
    page.select_option("select[name=venue]", label="三花半月谈长廊")
    page.fill("input[name=starts_at]", "2026-12-03T14:30")
    page.fill("textarea[name=agenda]", "加装扶手的方案\n费用和施工安排")
    page.fill("textarea[name=invitees]", "王阿姨 居民\n李大爷 代表\n金阳宝地物业 物业")
    page.fill("textarea[name=plan]", PLAN)
    page.check("label:has-text('和泰社区 · 楼道扶手') input")
    page.click("button:has-text('保存')")
    expect(page.locator("h1")).to_have_text("高层楼道加装扶手")
    expect(page.locator("body")).to_contain_text("议事中")  # the candidate is now discussed
    rails.refresh_from_db()
    assert rails.phase == "deliberation"

    page.set_viewport_size(PHONE)  # at the door
    for name in ["王阿姨", "李大爷"]:
        page.locator("li.attendance", has_text=name).get_by_role("button").click()
        expect(page.locator("li.attendance", has_text=name)).to_contain_text("已到 ✓")
    shot(page, "phone-meeting-attendance")

    opinion = page.locator("#opinion")
    opinion.locator("select[name=item]").select_option(label="加装扶手的方案")
    opinion.locator("select[name=speaker]").select_option(label="王阿姨")
    opinion.locator("select[name=stance]").select_option("suggestion")
    opinion.get_by_role("button", name="记录意见").click()
    expect(page.locator("#opinion .error")).to_contain_text("请写下建议")  # nothing lost
    opinion = page.locator("#opinion")
    expect(opinion.locator("select[name=speaker] option:checked")).to_have_text("王阿姨")
    opinion.locator("textarea[name=text]").fill("扶手高度改为85厘米，老人好扶")
    opinion.get_by_role("button", name="记录意见").click()
    opinion = page.locator("#opinion")
    opinion.locator("select[name=item]").select_option(label="加装扶手的方案")
    opinion.locator("select[name=speaker]").select_option(label="李大爷")
    opinion.locator("select[name=stance]").select_option("support")
    opinion.get_by_role("button", name="记录意见").click()
    expect(page.locator("#agenda")).to_contain_text("扶手高度改为85厘米")

    page.set_viewport_size({"width": 1280, "height": 900})
    plan = page.locator("#plan form")
    plan.locator("textarea[name=text]").fill(PLAN.replace("90厘米", "85厘米"))
    plan.locator("input[name=note]").fill("采纳居民建议降低扶手高度")
    plan.locator("label:has-text('扶手高度改为85厘米') input").check()
    plan.get_by_role("button", name="保存新版本").click()
    change = page.locator("details.plan-change").first
    expect(page.locator("#plan h2")).to_contain_text("v2")
    expect(change.locator(".diff-removed")).to_contain_text("90厘米")
    expect(change.locator(".diff-added")).to_contain_text("85厘米")
    expect(change).to_contain_text("王阿姨")
    shot(page, "meeting-revised-plan")

    actions = page.locator("#follow_up form").last
    actions.locator("input[name=title]").fill("联系施工单位报价")
    actions.locator("input[name=owner]").fill("鲍勃")
    actions.locator("input[name=due]").fill("2026-12-10")
    actions.get_by_role("button", name="添加行动").click()
    to_ledger = page.locator("#follow_up form[action$='/demand/']")
    to_ledger.locator("select[name=category]").select_option(label="楼道扶手")
    to_ledger.get_by_role("button", name="列入诉求台账").click()
    demand = Demand.objects.get(title="联系施工单位报价")
    expect(page.locator(".messages")).to_contain_text(demand.code)

    minutes = page.locator("#minutes form")
    minutes.locator("textarea[name=minutes]").fill(
        "到会居民一致同意加装扶手，高度采纳王阿姨的建议。"
    )
    minutes.locator("textarea[name=outcome]").fill("按第2版方案实施，列入为民服务项目候选。")
    minutes.get_by_role("button", name="保存纪要").click()
    expect(page.locator("#minutes")).to_contain_text("一致同意")

    page.click("text=打印通知和纪要")
    expect(page.locator("h1")).to_contain_text("议事会")
    expect(page.locator("body")).to_contain_text("85厘米")
    expect(page.locator("body")).to_contain_text("一致同意")
    page.emulate_media(media="print")
    shot(page, "meeting-print")
