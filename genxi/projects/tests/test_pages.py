"""Staff pages for funds, projects and votes: scope, refusals, and the whole story in a browser."""

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from playwright.sync_api import Page, expect

from genxi.conftest import PASSWORD, World
from genxi.demands import services as demands
from genxi.demands.tests.test_photos import phone_photo
from genxi.places.services import create_partner
from genxi.projects import services
from genxi.projects.models import EntryKind, FundEntry, Participation, Phase, Project
from tests.browser import log_in, shot


def test_staff_pages_answer_only_in_scope(world: World, client) -> None:
    fund = services.create_fund(
        actor=None, community=world.hetai, year=2026, amount=Decimal("100000")
    )
    project = services.propose_project(actor=None, fund=fund, title="口袋公园", cost=Decimal("5"))
    pages = [
        reverse("projects:fund_list"),
        reverse("projects:fund_detail", args=[fund.pk]),
        reverse("projects:project_detail", args=[project.pk]),
    ]
    for username, status in [("bob", 200), ("alice", 200), ("frank", 200)]:
        client.force_login(world[username])
        assert [client.get(p).status_code for p in pages] == [status] * 3, username
    for username in ["oscar", "carol", "erin", "dave", "nobody"]:
        client.force_login(world[username])
        assert [client.get(p).status_code for p in pages[1:]] == [404, 404], username
    client.force_login(world["frank"])  # leadership reads, never writes
    assert "新的候选项目" not in client.get(pages[1]).content.decode()
    assert client.get(reverse("projects:project_create", args=[fund.pk])).status_code == 404
    assert client.get(reverse("projects:fund_create")).status_code == 404
    client.force_login(world["oscar"])
    step = reverse("projects:project_step", args=[project.pk])
    assert client.post(step, {"to": Phase.DELIBERATION}).status_code == 404


def test_bad_input_is_said_and_loses_nothing(world: World, client) -> None:
    client.force_login(world["bob"])
    url = reverse("projects:fund_create")
    data = {"community": world.hetai.pk, "year": 2026, "amount": "1000", "reserve": "2000"}
    answer = client.post(url, data)
    assert answer.status_code == 400 and "预留金须在 0 与总金额之间" in answer.content.decode()
    data["reserve"] = "100"
    assert client.post(url, data).status_code == 302
    again = client.post(url, data)  # the same fund twice
    assert again.status_code == 400 and "当年已有" in again.content.decode()
    data["community"] = world.loubei.pk  # not bob's
    assert "community" in client.post(url, data).context["form"].errors
    fund = world.hetai.funds.get()
    vote_url = reverse("projects:vote_create", args=[fund.pk])
    project = services.propose_project(actor=None, fund=fund, title="座椅", cost=Decimal("5"))
    answer = client.post(
        vote_url,
        {"title": "票决", "method": "approval", "max_choices": 1, "projects": [project.pk],
         "electors": "王建国 党员\n李秀英 群众\n赵六 居民 nosuchuser"},
    )  # fmt: skip
    html = answer.content.decode()
    assert answer.status_code == 400
    assert "第 2 行" in html and "第 3 行：没有用户 nosuchuser" in html
    assert not fund.vote_set.exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_pocket_park_from_the_needs_survey_to_a_paid_project(
    world: World, live_server, page: Page
) -> None:
    """和泰's staff set up the year's fund, draft the pocket park from residents' demands, run
    the representatives' vote with paper ballots, and pay the implementer as it is built."""
    category = demands.create_category(actor=None, name="公共设施")
    create_partner(actor=None, name="苏州园林绿化工程公司", kind="company", area=world.street)
    wish = demands.collect_demand(
        actor=world["bob"], title="空地杂草丛生，想建个小公园", category=category,
        area=world.building1, channel="visit",
    )  # fmt: skip
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, live_server.url, "bob", PASSWORD)
    page.click("a.stat:has-text('为民服务专项经费')")
    page.click("text=新建为民服务专项经费")
    page.select_option("select[name=community]", label="和泰社区")
    page.fill("input[name=amount]", "200000")
    page.fill("input[name=reserve]", "20000")
    page.fill("input[name=max_per_project]", "150000")
    page.click("button:has-text('保存')")
    expect(page.locator("#fund-free")).to_have_text("180,000.00")
    page.click("text=修改使用规则")  # a larger reserve, agreed before any vote
    page.fill("input[name=reserve]", "30000")
    page.click("button:has-text('保存')")
    expect(page.locator("#fund-free")).to_have_text("170,000.00")

    for title, cost in [("口袋公园", "120000"), ("楼道扶手", "30000"), ("地下车库改造", "160000")]:
        page.click("text=新的候选项目")
        page.fill("input[name=title]", title)
        page.fill("input[name=cost]", cost)
        if title == "口袋公园":
            page.check(f"input[name=demands][value='{wish.pk}']")
        page.click("button:has-text('保存')")
        if title == "地下车库改造":
            expect(page.locator(".error")).to_contain_text("最多支付 150,000.00")
            page.click("text=取消")
        else:
            expect(page.locator("h1")).to_have_text(title)
            page.click(".pagehead a")  # back to the fund
    page.click("text=新建票决")
    page.fill("input[name=title]", "和泰社区2026年为民服务项目票决")
    page.select_option("select[name=method]", "approval")
    page.fill("input[name=max_choices]", "1")
    page.check("label:has-text('口袋公园') input")
    page.check("label:has-text('楼道扶手') input")
    page.fill("textarea[name=electors]", "党员代表甲 党员\n居民代表乙 居民\n居民代表丙 居民 2")
    page.click("button:has-text('保存')")
    page.click("button:has-text('开始票决')")
    expect(page.locator(".messages")).to_contain_text("完成")

    paper = page.locator("#paper")
    tries = [("党员代表甲", "P-001", "口袋公园"), ("居民代表乙", "P-001", "楼道扶手")]
    for name, ref, title in tries:
        paper.locator("select[name=elector]").select_option(label=name)
        paper.locator("input[name=paper_ref]").fill(ref)
        paper.locator(f"label:has-text('{title}') input").check()
        paper.locator("button").click()
        paper = page.locator("#paper")
    expect(page.locator(".messages")).to_contain_text("纸质选票 P-001 已经录入过")
    # The refused ballot is still on the form, as entered: correct it and use the right paper.
    expect(paper.locator("label:has-text('楼道扶手') input")).to_be_checked()
    paper.locator("select[name=elector]").select_option(label="居民代表丙")
    paper.locator("input[name=paper_ref]").fill("P-003")
    paper.locator("label:has-text('楼道扶手') input").uncheck()
    paper.locator("label:has-text('口袋公园') input").check()
    paper.locator("button").click()
    expect(page.locator("#staff")).to_contain_text("居民代表丙")
    assert Participation.objects.count() == 2
    shot(page, "vote-staff-open")
    page.click("button:has-text('结束并计票')")
    result = page.locator("#result")
    expect(result.locator("tr", has_text="口袋公园")).to_contain_text("入选")
    expect(result.locator("tr", has_text="口袋公园")).to_contain_text("3")
    shot(page, "vote-staff-result")

    park = Project.objects.get(title="口袋公园")
    page.goto(f"{live_server.url}{reverse('projects:project_detail', args=[park.pk])}")
    page.select_option("select[name=implementer]", label="苏州园林绿化工程公司")
    page.click("button:has-text('实施中')")
    expect(page.locator("#phase")).to_have_text("实施中")
    page.fill("input[name=amount]", "100000")
    page.fill("input[name=note]", "首期")
    page.click("button:has-text('记录支付')")
    expect(page.locator("#paid")).to_have_text("100,000.00")
    page.fill("input[name=amount]", "30000")
    page.click("button:has-text('记录支付')")
    expect(page.locator(".error")).to_contain_text("如需超支，请填写理由")
    page.fill("input[name=override_reason]", "地下管线改道")
    page.click("button:has-text('记录支付')")
    expect(page.locator("#paid")).to_have_text("130,000.00")
    photo = phone_photo("park.jpg", (800, 600))
    page.set_input_files(
        "#photos input[name=photos]",
        files=[{"name": "park.jpg", "mimeType": "image/jpeg", "buffer": photo.read()}],
    )
    page.fill("#photos input[name=caption]", "步道铺设中")
    page.locator("#photos").get_by_role("button", name="上传").click()
    expect(page.locator("#photos img")).to_have_count(1)
    milestones = page.locator("#milestones")
    for title, due in [("场地平整", "2026-12-10"), ("绿化种植", "2026-12-20")]:
        milestones.locator("input[name=title]").fill(title)
        milestones.locator("input[name=due]").fill(due)
        milestones.get_by_role("button", name="添加节点").click()
        milestones = page.locator("#milestones")
    milestones.get_by_role("button", name="标记完成").first.click()
    expect(page.locator("#milestones")).to_contain_text("已完成 50%")
    accept = page.locator("#accept")
    accept.locator("input[name=satisfied]").fill("18")
    accept.locator("input[name=basically]").fill("2")
    accept.get_by_role("button", name="验收项目").click()
    expect(page.locator(".errors")).to_contain_text("还有节点没有完成")  # nothing accepted
    page.locator("#milestones").get_by_role("button", name="标记完成").click()
    accept = page.locator("#accept")
    accept.locator("input[name=satisfied]").fill("18")
    accept.locator("input[name=basically]").fill("2")
    accept.locator("input[name=unsatisfied]").fill("1")
    accept.get_by_role("button", name="验收项目").click()
    expect(page.locator("#phase")).to_have_text("已验收")
    expect(page.locator("#acceptance")).to_contain_text("满意率 95%")
    shot(page, "project-accepted")

    page.context.clear_cookies()  # residents and anyone: the public results page
    page.goto(f"{live_server.url}{reverse('projects:public_results', args=[world.hetai.pk])}")
    row = page.locator("tr", has_text="口袋公园")
    expect(row).to_contain_text("已验收")
    expect(row).to_contain_text("130,000.00")
    expect(row).to_contain_text("95%")
    expect(page.locator("body")).not_to_contain_text("党员代表甲")
    shot(page, "public-results")
    paid = FundEntry.objects.filter(kind=EntryKind.PAYMENT)
    assert sum(e.amount for e in paid) == Decimal("130000")
    assert list(park.demands.all()) == [wish]


def test_a_partner_sees_the_projects_it_implements(world: World, client) -> None:
    fund = services.create_fund(
        actor=None, community=world.hetai, year=2026, amount=Decimal("100000")
    )
    built = services.propose_project(actor=None, fund=fund, title="长廊座椅", cost=Decimal("9"))
    other = services.propose_project(actor=None, fund=fund, title="健身角", cost=Decimal("9"))
    Project.objects.filter(pk=built.pk).update(phase=Phase.EXECUTION, implementer=world.partner)
    services.record_payment(actor=None, project=built, amount=Decimal("5"), override_reason="预付")
    client.force_login(world["dave"])  # 金阳宝地物业's handler
    listing = client.get(reverse("projects:project_list")).content.decode()
    assert "长廊座椅" in listing and "健身角" not in listing
    assert "我们实施的项目" in client.get(reverse("home:home")).content.decode()
    page = client.get(reverse("projects:project_detail", args=[built.pk])).content.decode()
    assert "长廊座椅" in page and "记录支付" not in page
    assert "经费支出台账" not in page and "预付" not in page and "已支付" not in page
    assert client.get(reverse("projects:project_detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("projects:fund_detail", args=[fund.pk])).status_code == 404
    payment = reverse("projects:project_payment", args=[built.pk])
    assert client.post(payment, {"amount": "1"}).status_code == 404


def test_the_implementer_adds_progress_photos_seen_only_in_scope(world: World, client) -> None:
    fund = services.create_fund(
        actor=None, community=world.hetai, year=2026, amount=Decimal("100000")
    )
    built = services.propose_project(actor=None, fund=fund, title="长廊座椅", cost=Decimal("9"))
    Project.objects.filter(pk=built.pk).update(phase=Phase.EXECUTION, implementer=world.partner)
    url = reverse("projects:project_photos", args=[built.pk])
    client.force_login(world["dave"])
    bad = client.post(url, {"photos": [SimpleUploadedFile("a.jpg", b"not an image")]})
    assert bad.status_code == 400 and not built.photos.exists()
    empty = client.post(url, {"caption": "x"})
    assert empty.status_code == 400 and "请至少选择一张照片" in empty.content.decode()
    done = client.post(url, {"photos": [phone_photo("p.jpg", (800, 600))], "caption": "座椅安装"})
    assert done.status_code == 302
    photo = built.photos.get()
    seen = reverse("projects:project_photo", args=[built.pk, photo.pk])
    got = client.get(seen)
    assert b"".join(got.streaming_content).startswith(b"\xff\xd8")  # a re-encoded JPEG
    client.force_login(world["bob"])
    got = client.get(seen)
    assert got.status_code == 200
    b"".join(got.streaming_content)  # read to the end, which closes the file
    for username in ["oscar", "erin", "carol"]:
        client.force_login(world[username])
        assert client.get(seen).status_code == 404, username
    client.force_login(world["frank"])  # leadership sees, but does not upload
    assert client.post(url, {"caption": "x"}).status_code == 404


def test_odd_input_is_a_clear_error_never_a_crash(world: World, client) -> None:
    fund = services.create_fund(
        actor=None, community=world.hetai, year=2026, amount=Decimal("100000")
    )
    project = services.propose_project(actor=None, fund=fund, title="座椅", cost=Decimal("5"))
    client.force_login(world["bob"])
    answer = client.post(
        reverse("projects:vote_create", args=[fund.pk]),
        {"title": "票决", "method": "approval", "max_choices": 1, "projects": [project.pk],
         "quorum": "99999999999", "electors": "名" * 60 + " 居民"},
    )  # fmt: skip
    assert answer.status_code == 400
    assert set(answer.context["form"].errors) == {"quorum", "electors"}
    step = client.post(reverse("projects:project_step", args=[project.pk]), {"to": "nonsense"})
    assert step.status_code == 400 and "请用按钮选择下一步" in step.content.decode()


def test_rules_and_drafts_are_edited_until_the_vote_and_never_over_someone_else(
    world: World, client
) -> None:
    fund = services.create_fund(
        actor=None, community=world.hetai, year=2026, amount=Decimal("100000")
    )
    project = services.propose_project(actor=None, fund=fund, title="座椅", cost=Decimal("5"))
    client.force_login(world["bob"])

    def stamp(url: str) -> str:
        html = client.get(url).content.decode()
        return re.search(r'name="updated_at" value="([^"]+)"', html).group(1)

    edit = reverse("projects:fund_edit", args=[fund.pk])
    seen = stamp(edit)
    rules = {"amount": "120000", "reserve": "1000", "updated_at": seen}
    assert client.post(edit, rules).status_code == 302
    fund.refresh_from_db()
    assert (fund.amount, fund.reserve) == (Decimal("120000"), Decimal("1000"))
    stale = client.post(edit, {**rules, "amount": "130000"})  # read before the save above
    assert stale.status_code == 400 and "他人已修改了这条记录" in stale.content.decode()

    page = reverse("projects:project_edit", args=[project.pk])
    answer = client.post(page, {"title": "长廊座椅", "cost": "8", "updated_at": stamp(page)})
    assert answer.status_code == 302
    project.refresh_from_db()
    assert (project.title, project.cost) == ("长廊座椅", Decimal("8"))
    vote = services.create_vote(
        actor=None, fund=fund, title="票决", method="approval", projects=[project], max_choices=1
    )
    services.add_electors(actor=None, vote=vote, electors=[("甲", "party", 1, None)])
    services.open_vote(actor=None, vote=vote)
    frozen = client.post(edit, {**rules, "updated_at": stamp(edit)})
    assert frozen.status_code == 400 and "不能再改" in frozen.content.decode()
    late = client.post(page, {"title": "x", "cost": "1", "updated_at": stamp(page)})
    assert late.status_code == 400 and "不能再修改" in late.content.decode()
    client.force_login(world["frank"])
    assert client.get(edit).status_code == 404
