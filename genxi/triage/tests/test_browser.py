import pytest
from playwright.sync_api import Page, expect

from genxi.conftest import PASSWORD, World
from genxi.demands.models import Demand, DemandReporter
from genxi.triage.models import Feedback
from genxi.triage.services import train
from genxi.triage.tests.test_services import history, record
from tests.browser import PHONE, log_in, shot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_pioneer_is_told_the_category_and_joins_a_repeat(
    world: World, topics, live_server, page: Page
) -> None:
    """A pioneer types 周福珍's lift complaint on a phone; triage suggests 电梯维修 and finds the
    open demand a neighbour raised in the same building; one tap adds 周福珍 to it."""
    existing = record(world, topics["电梯维修"], "1幢电梯又坏了", description="电梯停在三楼")
    moved = record(world, topics["电梯维修"], "1幢电梯坏了没人修")

    page.set_viewport_size(PHONE)
    log_in(page, live_server.url, "carol", PASSWORD)
    page.goto(f"{live_server.url}/demands/new/")
    page.fill("#pick", "zfz")
    page.click("#matches >> text=周福珍")
    page.select_option("select[name=area]", label="和泰社区 / 三花苑 / 1幢")
    page.fill("input[name=title]", "电梯坏了，老人下不了楼")
    box = page.locator("#triage-suggestions")
    expect(box).to_contain_text("推荐分类")
    expect(box.locator(".triage-pick").first).to_contain_text("电梯维修")
    expect(box).to_contain_text(existing.code)
    expect(box).to_contain_text("同一楼栋")
    # Taking the category asks triage again; its answer must be in before the repeat moves
    # away, or the box could be redrawn without it.
    with page.expect_response(lambda r: "/triage/suggest" in r.url):
        box.locator(".triage-pick").first.click()
    expect(page.locator("select[name=category]")).to_have_value(str(topics["电梯维修"].pk))
    page.wait_for_function("!document.querySelector('#triage-suggestions.htmx-request')")
    expect(box.locator(f"#dup-{moved.pk}")).to_be_visible()
    shot(page, "phone-triage-suggestions")

    # A repeat that has since moved out of the pioneer's grids: said where the button was.
    Demand.objects.filter(pk=moved.pk).update(area=world.building2)
    box.locator(f"#dup-{moved.pk}").get_by_role("button").click()
    expect(box.locator(f"#join-{moved.pk}")).to_contain_text("找不到这条诉求了")
    box.locator(f"#dup-{existing.pk}").get_by_role("button").click()
    expect(page.locator("h1")).to_have_text("1幢电梯又坏了")
    expect(page.locator(".messages")).to_contain_text("已将周福珍添加为")
    shot(page, "phone-triage-joined")
    assert list(
        DemandReporter.objects.filter(demand=existing).values_list("resident__name", flat=True)
    ) == ["周福珍"]
    assert Demand.objects.count() == 2  # nothing new was recorded
    assert not Feedback.objects.exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_turn_on_auto_apply_and_read_the_hot_topics(
    world: World, topics, live_server, page: Page
) -> None:
    """和泰's staff let a sure suggestion fill the category in, a pioneer sees it do so, and the
    community's page shows the broken pavilion as its hot topic."""
    for title in ["三花苑凉亭顶棚破了", "凉亭顶棚漏雨", "凉亭顶棚破损严重"]:
        record(world, topics["绿化养护"], title)

    log_in(page, live_server.url, "bob", PASSWORD)
    page.goto(f"{live_server.url}/settings/")
    page.click("text=智能分拣")
    expect(page.locator("h1")).to_have_text("智能分拣")
    expect(page.locator("body")).to_contain_text("尚未训练模型")
    page.select_option("select[name=community]", label="和泰社区")
    page.check("input[name=auto_apply]")
    page.fill("input[name=threshold]", "0.8")
    page.click("form:has(input[name=threshold]) button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("已保存")
    expect(page.locator("body")).to_contain_text("和泰社区：已开启，把握不低于 0.80")
    shot(page, "triage-settings")

    page.goto(f"{live_server.url}/areas/{world.hetai.pk}/")
    topics_card = page.locator("#topics")
    expect(topics_card).to_contain_text("热点话题")
    expect(topics_card.locator(".topics li").first).to_contain_text("3 条诉求")
    expect(topics_card.locator(".topics li").first).to_contain_text("三花苑 3")
    expect(topics_card).to_contain_text("高频需求")
    topics_card.get_by_role("button", name="90 天").click()
    expect(page.locator("#topics")).to_contain_text("3 条诉求")
    shot(page, "community-hot-topics")

    # Keywords fill nothing in: only a trained model's confidences are probabilities.
    history(world, topics)
    train()
    page.context.clear_cookies()
    page.set_viewport_size(PHONE)
    log_in(page, live_server.url, "carol", PASSWORD)
    page.goto(f"{live_server.url}/demands/new/")
    page.select_option("select[name=area]", label="和泰社区 / 三花苑 / 1幢")
    page.fill("input[name=title]", "电梯停运了")
    expect(page.locator("#triage-auto")).to_contain_text("已自动填写：电梯维修")
    expect(page.locator("select[name=category]")).to_have_value(str(topics["电梯维修"].pk))
    page.fill("textarea[name=description]", "三天了")
    page.click("button[type=submit]:has-text('保存')")
    expect(page.locator(".messages")).to_be_visible()
    kept = Feedback.objects.get(kind="category")
    assert (kept.outcome, kept.model_version) == ("auto", 1)
