"""The demand pages: intake, the ledger list, the demand page and its actions, who may do what."""

import io
import re
import uuid
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from PIL import Image
from playwright.sync_api import Page, expect

from genxi.accounts.models import Role
from genxi.accounts.services import create_user, grant_membership
from genxi.conftest import PASSWORD, World
from genxi.demands import services
from genxi.demands.models import Demand, HandlingPath, Status
from genxi.demands.tests.conftest import collect
from genxi.places.models import Area
from genxi.places.services import create_partner, create_resident
from tests.browser import PHONE, log_in, shot


def gate_photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 120, 90)).save(out, format="JPEG")
    return out.getvalue()


@pytest.mark.django_db
def test_who_opens_the_demand_pages(world: World, category, client) -> None:
    demand = collect(world, category)
    expected = {
        "alice": (200, 200, 200),
        "bob": (200, 200, 200),
        "carol": (200, 200, 200),
        "dave": (200, 404, 404),
        "erin": (302, 404, 302),  # sent to her own pages (/my/demands/)
        "frank": (200, 200, 404),
        "oscar": (200, 404, 200),
        "nobody": (404, 404, 404),
    }
    for username, (listing, detail, create) in expected.items():
        client.force_login(world[username])
        got = (
            client.get(reverse("demands:demand_list")).status_code,
            client.get(reverse("demands:demand_detail", args=[demand.pk])).status_code,
            client.get(reverse("demands:demand_create")).status_code,
        )
        assert got == (listing, detail, create), username


@pytest.mark.django_db
def test_actions_follow_roles_and_statuses(world: World, category, client) -> None:
    demand = collect(world, category)
    url = reverse("demands:demand_action", args=[demand.pk, "accept"])
    client.force_login(world["carol"])  # a pioneer records, staff accept
    assert client.post(url).status_code == 404
    client.force_login(world["frank"])  # leadership reads only
    assert client.post(url).status_code == 404
    client.force_login(world["bob"])
    assert client.post(url).status_code == 302
    response = client.post(url)  # accepting twice: a clear refusal, nothing written
    assert response.status_code == 400
    assert "不能进行此操作" in response.content.decode()
    response = client.post(
        reverse("demands:demand_action", args=[demand.pk, "verify"]), {"verify-findings": ""}
    )
    assert response.status_code == 400 and "这个字段是必填项" in response.content.decode()
    assert Demand.objects.get(pk=demand.pk).status == Status.ACCEPTED


@pytest.mark.django_db
def test_the_ledger_filters_and_exports(world: World, category, client) -> None:
    late = collect(world, category, title="休憩亭破损", today=date(2026, 1, 5))
    collect(world, category, title="座椅不够", today=timezone.localdate())  # due days from now
    client.force_login(world["bob"])
    url = reverse("demands:demand_list")
    html = client.get(url, {"overdue": "1"}).content.decode()
    assert "休憩亭破损" in html and "座椅不够" not in html
    html = client.get(url, {"q": late.code}).content.decode()
    assert "休憩亭破损" in html and "座椅不够" not in html
    response = client.get(url, {"format": "xlsx", "q": "座椅"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert b"".join(response.streaming_content).startswith(b"PK")  # a zip: the xlsx


@pytest.mark.django_db
def test_the_ledger_narrows_by_each_filter_and_sorts(world: World, category, client) -> None:
    gate = collect(world, category, description="电动车进不去")
    child = services.create_category(
        actor=None, name="凉亭", parent=category.parent, response_days=1, resolution_days=3
    )
    pavilion = collect(
        world,
        child,
        title="宝祥苑凉亭破损",
        area=world.baoxiang_compound,
        channel="phone",
        actor=world["alice"],
        today=date(2026, 11, 2),
    )
    for step, kwargs in [
        (services.accept, {}),
        (services.verify, {"findings": "顶棚漏雨"}),
        (services.assign, {"path": HandlingPath.PARTNER, "partner": world.partner}),
    ]:
        step(actor=world["alice"], demand=pavilion, **kwargs)  # type: ignore[operator]
    hidden = collect(world, category, title="娄北的诉求", area=world.loubei, actor=world["oscar"])
    client.force_login(world["alice"])  # street staff: both communities, not 娄北
    url = reverse("demands:demand_list")

    def titles(**params: object) -> list[str]:
        html = client.get(url, params).content.decode()
        return re.findall(r'<a href="/demands/\d+/">([^<]+)</a>', html)

    both = ["宝祥苑凉亭破损", "南门非机动车道太窄"]
    assert titles() == both  # newest first
    assert titles(sort="old") == both[::-1]
    assert titles(sort="due") == both  # 宝祥苑's deadline is earlier
    assert titles(status="open") == both
    assert titles(status="assigned") == ["宝祥苑凉亭破损"]
    assert titles(status="nonsense") == []
    assert titles(category=category.parent.pk) == both  # a parent takes its children
    assert titles(category=child.pk) == ["宝祥苑凉亭破损"]
    assert titles(channel="phone") == ["宝祥苑凉亭破损"]
    assert titles(handler=world.partner.pk) == ["宝祥苑凉亭破损"]
    assert titles(handler="community") == []
    assert titles(area=world.street.pk) == both
    assert titles(area=world.hetai.pk) == ["南门非机动车道太窄"]
    assert titles(area=world.baoxiang.pk, place=world.baoxiang_compound.pk) == ["宝祥苑凉亭破损"]
    assert titles(area=world.grid1.pk) == ["南门非机动车道太窄"]
    assert titles(area=world.loubei.pk) == []  # outside the street: nothing, not an error
    assert titles(area="9" * 30, handler="9" * 30, category="9" * 30) == []
    # Bad parameters are ignored or match nothing; never a server error.
    for params in [
        {"handler": "²", "area": "²", "place": "²", "category": "²"},
        {"after": "0001-01-01T00:00:00+01:00_5"},
        {"after": "9999-12-31T23:59:59-05:00_5"},
        {"after": "2026-11-01T00:00:00_5"},  # no offset
        {"after": "2026-11-01T00:00:00+08:00_²"},
        {"sort": "due", "after": "2026-13-01_1"},
        {"from": "0001-01-01", "to": "9999-12-31", "event": "resolved"},
    ]:
        assert client.get(url, params).status_code == 200, params
    assert client.get(reverse("demands:figures"), {"to": "9999-12-31"}).status_code == 200
    assert titles(q="电动车") == ["南门非机动车道太窄"]  # words in the details
    assert titles(q="宝祥苑 破损") == ["宝祥苑凉亭破损"]  # every word must match
    assert titles(q="三花苑") == ["南门非机动车道太窄"]  # the place's name
    assert titles(q=gate.code.lower()) == ["南门非机动车道太窄"]
    assert titles(q=hidden.code) == []
    # Choosing a community offers its compounds.
    html = client.get(url, {"area": world.baoxiang.pk}).content.decode()
    assert 'name="place"' in html and "宝祥苑</option>" in html
    # The export takes exactly the filtered rows, with the handler's name.
    response = client.get(url, {"format": "xlsx", "handler": world.partner.pk})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][1] == "宝祥苑凉亭破损" and "金阳宝地物业" in rows[1]


@pytest.mark.django_db
def test_intake_with_a_retry_and_bad_input(world: World, category, client) -> None:
    client.force_login(world["carol"])
    data = {
        "title": "长廊座椅不够",
        "category": category.pk,
        "area": world.building1.pk,
        "channel": "visit",
        "reporters": [world.resident1.pk],
        "form_token": str(uuid.uuid4()),
    }
    first = client.post(reverse("demands:demand_create"), data)
    again = client.post(reverse("demands:demand_create"), data)
    assert first.status_code == again.status_code == 302 and first["Location"] == again["Location"]
    assert Demand.objects.count() == 1
    # A building outside the pioneer's community, and no title.
    bad = client.post(
        reverse("demands:demand_create"),
        {**data, "title": "", "area": world.loubei_building.pk, "form_token": str(uuid.uuid4())},
    )
    assert bad.content.decode().count("这个字段是必填项") == 1
    assert "选择一个有效的选项" in bad.content.decode()
    assert Demand.objects.count() == 1


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_narrow_gate_story_in_the_browser(
    world: World, category, live_server, page: Page
) -> None:
    """清嘉苑: a pioneer records it on a phone; staff verify and assign it to the city's
    facilities office; its handler widens the gate; the reporter is called back; closed out."""
    office = create_partner(
        actor=None, name="苏州市市政设施管理处", kind="department", area=world.street
    )
    handler = create_user(actor=None, username="shizheng", password=PASSWORD, name="市政处经办人")
    grant_membership(actor=None, user=handler, role=Role.PARTNER, area=world.street, partner=office)

    page.set_viewport_size(PHONE)
    log_in(page, live_server.url, "carol", PASSWORD)
    page.click("nav.tabbar >> text=诉求")
    page.click("text=+ 登记诉求")
    page.fill("#pick", "zfz")
    page.click("#matches >> text=周福珍")
    expect(page.locator("#picked")).to_contain_text("周福珍")
    page.fill("input[name=title]", "南门非机动车道太窄")
    page.select_option("select[name=category]", label="　出入口与通道")
    page.select_option("select[name=area]", label="和泰社区 / 三花苑 / 1幢")
    page.fill("textarea[name=description]", "西侧出口最窄处仅50厘米，电动车进出不便")
    shot(page, "phone-demand-intake")
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("南门非机动车道太窄")
    expect(page.locator(".pagehead .status")).to_have_text("待受理")
    shot(page, "phone-demand-collected")
    demand = Demand.objects.get()
    assert list(demand.reporters.values_list("resident__name", flat=True)) == ["周福珍"]

    page.context.clear_cookies()
    log_in(page, live_server.url, "bob", PASSWORD)
    page.goto(f"{live_server.url}{demand.get_absolute_url()}")
    page.click("#act-accept button[type=submit]")
    page.fill("#act-verify textarea", "现场核实：最窄处约50厘米")
    page.set_input_files(
        "#act-verify input[type=file]",
        files=[{"name": "gate.jpg", "mimeType": "image/jpeg", "buffer": gate_photo()}],
    )
    page.click("#act-verify button[type=submit]")
    expect(page.locator(".photos img")).to_have_count(1)
    page.select_option("#act-assign select[name=assign-path]", HandlingPath.PARTNER)
    page.select_option("#act-assign select[name=assign-partner]", label="苏州市市政设施管理处")
    page.click("#act-assign button[type=submit]")
    expect(page.locator(".pagehead .status")).to_have_text("已交办（待接单）")

    page.context.clear_cookies()
    log_in(page, live_server.url, "shizheng", PASSWORD)
    page.goto(f"{live_server.url}{demand.get_absolute_url()}")
    page.click("#act-start button[type=submit]")
    page.fill("#act-resolve textarea", "经过2天施工，通道拓宽至120厘米，重装智能电动门")
    page.click("#act-resolve button[type=submit]")
    expect(page.locator(".pagehead .status")).to_have_text("已办结（待回访）")

    page.context.clear_cookies()
    log_in(page, live_server.url, "carol", PASSWORD)
    page.goto(f"{live_server.url}{demand.get_absolute_url()}")
    page.select_option("#act-callback select", label="周福珍")
    page.check("#act-callback >> text=满意")
    page.click("#act-callback button[type=submit]")
    # Let the answer land before switching users: clearing cookies mid-request breaks CSRF.
    expect(page.locator(".messages")).to_contain_text("记录回访")

    page.context.clear_cookies()
    log_in(page, live_server.url, "bob", PASSWORD)
    page.goto(f"{live_server.url}{demand.get_absolute_url()}")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#act-close button[type=submit]")
    expect(page.locator(".pagehead .status")).to_have_text("已销号")
    expect(page.locator(".timeline")).to_contain_text("通道拓宽至120厘米")
    shot(page, "phone-demand-closed")
    demand.refresh_from_db()
    assert demand.status == Status.CLOSED


@pytest.mark.django_db
def test_anyone_tracks_a_demand_by_code_and_learns_nothing_personal(
    world: World, category, client
) -> None:
    demand = collect(world, category, description="周福珍家门口，电话13812345678")
    services.accept(actor=world["bob"], demand=demand)
    services.verify(actor=world["bob"], demand=demand, findings="内部核实记录：不公开")
    url = reverse("demands:track")
    html = client.get(url, {"code": demand.code.lower()}).content.decode()  # no log-in needed
    assert "处理中" in html and "受理" in html
    for private in (
        "周福珍",
        "13812345678",
        "内部核实记录",
        "卡罗尔",
        "鲍勃",
        "南门非机动车道太窄",
    ):
        assert private not in html, private
    assert "没有找到" in client.get(url, {"code": "ZZZZZZZZ"}).content.decode()
    duplicate = collect(world, category, title="重复")
    services.merge(actor=world["bob"], duplicate=duplicate, into=demand)
    html = client.get(url, {"code": duplicate.code}).content.decode()
    assert demand.community.name in html and "处理中" in html  # followed to the demand carrying on


@pytest.mark.django_db
def test_me_too_and_merge_from_the_demand_page(world: World, category, client) -> None:
    first = collect(world, category)
    duplicate = collect(
        world, category, title="南门太窄了", reporters=[world.resident2], actor=world["bob"]
    )
    client.force_login(world["bob"])
    url = reverse("demands:demand_action", args=[first.pk, "add_reporters"])
    assert client.post(url, {"add_reporters-reporters": [world.resident2.pk]}).status_code == 302
    assert (
        client.post(url, {"add_reporters-reporters": [world.loubei_resident.pk]}).status_code == 400
    )
    assert first.reporters.count() == 2
    merge = reverse("demands:demand_action", args=[duplicate.pk, "merge"])
    response = client.post(merge, {"merge-into": "NOPE1234"})
    assert "没有其他" in response.content.decode()
    assert client.post(merge, {"merge-into": first.code.lower()}).status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.status == Status.MERGED and duplicate.merged_into == first


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_pavilions_raised_by_many_and_repaired_by_the_property_company(
    world: World, category, live_server, page: Page
) -> None:
    """宝祥社区: residents report the broken pavilions; more say "me too"; the property company
    金阳宝地物业 repairs them."""
    building = Area.objects.get(name="1幢", parent__name="宝祥苑")
    for name, phone in [
        ("陈阿姨", "13700000001"),
        ("王师傅", "13700000002"),
        ("李奶奶", "13700000003"),
    ]:
        create_resident(actor=None, name=name, phone=phone, area=building)
    log_in(page, live_server.url, "alice", PASSWORD)
    page.goto(f"{live_server.url}/demands/new/")
    page.fill("#pick", "陈阿姨")
    page.click("#matches >> text=陈阿姨")
    page.fill("input[name=title]", "小区休憩亭破损严重")
    page.select_option("select[name=category]", label="　出入口与通道")
    page.select_option("select[name=area]", label="宝祥社区 / 宝祥苑 / 1幢")
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("小区休憩亭破损严重")
    for name in ("王师傅", "李奶奶"):
        page.fill("#pick", name)
        page.click(f"#matches >> text={name}")
    page.click("#act-add_reporters button[type=submit]")
    expect(page.locator(".facts")).to_contain_text("李奶奶")
    page.click("#act-accept button[type=submit]")
    page.fill("#act-verify textarea", "小区内23个休憩亭破损")
    page.click("#act-verify button[type=submit]")
    page.select_option("#act-assign select[name=assign-path]", HandlingPath.PARTNER)
    page.select_option("#act-assign select[name=assign-partner]", label="金阳宝地物业")
    page.click("#act-assign button[type=submit]")
    expect(page.locator(".pagehead .status")).to_have_text("已交办（待接单）")
    shot(page, "desk-demand-assigned")
    demand = Demand.objects.get()
    page.context.clear_cookies()
    log_in(page, live_server.url, "dave", PASSWORD)
    page.click("nav.mainnav >> text=诉求")
    page.click("text=小区休憩亭破损严重")
    page.click("#act-start button[type=submit]")
    page.fill("#act-resolve textarea", "23个休憩亭已由金阳宝地“红色物业”翻新完毕")
    page.click("#act-resolve button[type=submit]")
    expect(page.locator(".pagehead .status")).to_have_text("已办结（待回访）")
    demand.refresh_from_db()
    assert demand.reporters.count() == 3 and demand.status == Status.RESOLVED


@pytest.mark.django_db
def test_more_time_is_asked_by_the_handler_and_decided_by_staff(
    world: World, category, client
) -> None:
    demand = collect(world, category)
    services.accept(actor=world["bob"], demand=demand)
    services.verify(actor=world["bob"], demand=demand, findings="x")
    services.assign(
        actor=world["alice"], demand=demand, path=HandlingPath.PARTNER, partner=world.partner
    )
    client.force_login(world["dave"])
    extend = reverse("demands:demand_action", args=[demand.pk, "extend"])
    assert (
        client.post(
            extend, {"extend-new_due": "2026-12-31", "extend-reason": "材料未到"}
        ).status_code
        == 302
    )
    decide = reverse("demands:demand_action", args=[demand.pk, "decide_extension"])
    assert (
        client.post(decide, {"decide_extension-decision": "approve"}).status_code == 404
    )  # not staff
    client.force_login(world["bob"])
    page = client.get(demand.get_absolute_url()).content.decode()
    assert "材料未到" in page and "act-decide_extension" in page
    assert client.post(decide, {"decide_extension-decision": "approve"}).status_code == 302
    demand.refresh_from_db()
    assert demand.resolution_due.isoformat() == "2026-12-31"


@pytest.mark.django_db
def test_the_ledger_pages_by_keyset_without_gaps_or_repeats(
    world: World, category, client, settings
) -> None:
    settings.GENXI_PAGE_SIZE = 4
    for i in range(10):
        collect(world, category, title=f"诉求{i:02d}")
    client.force_login(world["bob"])
    url, seen, queries = reverse("demands:demand_list") + "?status=collected", [], []
    while url:
        with CaptureQueriesContext(connection) as ctx:
            html = client.get(url).content.decode()
        queries.append(len(ctx.captured_queries))
        seen += re.findall(r">(诉求\d\d)</a>", html)
        assert "共 10 条结果" in html
        found = re.search(r'href="(\?[^"]*after=[^"]+)">下一页</a>', html)
        url = reverse("demands:demand_list") + found.group(1).replace("&amp;", "&") if found else ""
        assert not found or "status=collected" in found.group(1)  # filters survive paging
    assert seen == [f"诉求{i:02d}" for i in range(9, -1, -1)]
    assert len(set(queries)) == 1  # a deep page costs what the first one does
    # A damaged cursor starts again from the top rather than failing.
    assert (
        "诉求09"
        in client.get(reverse("demands:demand_list"), {"after": "garbage_x"}).content.decode()
    )


@pytest.mark.django_db
def test_the_demand_page_does_not_grow_with_its_history(world: World, category, client) -> None:
    small, large = collect(world, category), collect(world, category, title="大")
    for i in range(6):
        resident = create_resident(
            actor=None, name=f"居民{i}", phone=f"1370000{i:04d}", area=world.building1
        )
        services.add_reporter(actor=None, demand=large, resident=resident)
    services.post_update(actor=world["bob"], demand=large, text="进展")
    client.force_login(world["bob"])

    def cost(demand: Demand) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(demand.get_absolute_url()).status_code == 200
        return len(ctx.captured_queries)

    assert cost(small) == cost(large)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_more_time_asked_refused_then_approved_in_the_browser(
    world: World, category, live_server, page: Page
) -> None:
    """The property company asks for more time; 和泰's staff refuse once, then approve."""
    demand = collect(world, category, area=world.baoxiang, reporters=[])
    services.accept(actor=world["alice"], demand=demand)
    services.verify(actor=world["alice"], demand=demand, findings="门宽50厘米")
    services.assign(
        actor=world["alice"], demand=demand, path=HandlingPath.PARTNER, partner=world.partner
    )
    due = demand.resolution_due
    requests = page.locator(".card", has_text="延期申请")

    def open_as(username: str) -> None:
        page.wait_for_load_state("networkidle")  # the last step has landed
        page.context.clear_cookies()
        log_in(page, live_server.url, username, PASSWORD)
        page.goto(live_server.url + demand.get_absolute_url())

    def ask(day: str, reason: str) -> None:
        if not page.locator("#act-extend[open]").count():
            page.click("#act-extend summary")
        page.fill("#act-extend input[name=extend-new_due]", day)
        page.fill("#act-extend textarea", reason)
        page.once("dialog", lambda dialog: dialog.accept())
        page.click("#act-extend button[type=submit]")

    def decide(choice: str, note: str = "") -> None:
        page.check(f"#act-decide_extension input[value={choice}]")
        page.fill("#act-decide_extension input[name=decide_extension-note]", note)
        page.click("#act-decide_extension button[type=submit]")

    open_as("dave")
    ask(due.isoformat(), "材料未到")  # not later than the deadline: refused, nothing lost
    expect(page.locator("#act-extend")).to_contain_text(f"请选择晚于当前时限（{due.isoformat()}）")
    expect(page.locator("#act-extend textarea")).to_have_value("材料未到")
    ask("2026-12-31", "材料未到")
    expect(requests).to_contain_text("待审批")

    open_as("alice")
    decide("refuse", "请先联系供货方")
    expect(requests).to_contain_text("请先联系供货方")
    demand.refresh_from_db()
    assert demand.resolution_due == due

    open_as("dave")
    ask("2026-12-15", "供货方12月初到货")
    expect(requests).to_contain_text("供货方12月初到货")

    open_as("alice")
    decide("approve")
    expect(page.locator(".facts")).to_contain_text("2026-12-15")
    shot(page, "desk-extension-approved")
    demand.refresh_from_db()
    assert demand.resolution_due.isoformat() == "2026-12-15"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_street_staff_narrow_the_ledger_in_the_browser(
    world: World, category, live_server, page: Page
) -> None:
    """A street's staff member narrows the ledger to a community, then a compound, a channel
    and a word; the export link carries the same filters."""
    collect(world, category, title="南门非机动车道太窄")
    collect(
        world,
        category,
        title="宝祥苑凉亭破损",
        area=world.baoxiang_compound,
        channel="phone",
        actor=world["alice"],
    )
    collect(world, category, title="宝祥社区路灯不亮", area=world.baoxiang, actor=world["alice"])
    log_in(page, live_server.url, "alice", PASSWORD)
    page.goto(f"{live_server.url}/demands/")
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(3)
    page.select_option("select[name=area]", label="　宝祥社区")  # reloads: compounds appear
    expect(page.locator("select[name=place]")).to_be_visible()
    expect(rows).to_have_count(2)
    page.select_option("select[name=place]", label="宝祥苑")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("宝祥苑凉亭破损")
    page.select_option("select[name=place]", value="")
    expect(rows).to_have_count(2)
    page.select_option("select[name=channel]", label="电话")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("宝祥苑凉亭破损")
    page.select_option("select[name=channel]", value="")
    expect(rows).to_have_count(2)
    page.fill("input[name=q]", "路灯")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("宝祥社区路灯不亮")
    # The filters are in the address, to share or come back to.
    expect(page).to_have_url(re.compile(r"q=%E8%B7%AF%E7%81%AF.*area="))
    shot(page, "desk-ledger-filtered")
    href = page.locator("a[download]").get_attribute("href") or ""
    assert f"area={world.baoxiang.pk}" in href and "format=xlsx" in href
    page.fill("input[name=q]", "没有这样的诉求")
    expect(page.locator("#results")).to_contain_text("没有匹配的结果")
