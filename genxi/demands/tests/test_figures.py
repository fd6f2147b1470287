"""The figures, from the event log, on a month whose every step happens at a known time."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from playwright.sync_api import expect

from genxi.accounts.models import Role
from genxi.accounts.services import grant_membership
from genxi.conftest import PASSWORD, World
from genxi.demands import figures, services
from genxi.demands.models import HandlingPath, Satisfaction
from genxi.demands.tests.conftest import collect
from tests.browser import DESK, log_in, shot

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int = 10):
    return time_machine.travel(datetime(2026, 11, day, hour, tzinfo=SH), tick=False)


@pytest.fixture
def month(world: World, category):
    """November 2026 in 和泰: three demands, one of them in 娄北 (another street) for contrast.

    gate:   collected Mon 2 → accepted Mon 2 (on time) → resolved Wed 4 → satisfied → closed
    seats:  collected Tue 3 → accepted Thu 5 (late: due Wed 4) → resolved Mon 16 (due Tue 10:
            late) → not satisfied (reopened) → resolved Tue 17
    lamp:   collected Fri 20, never accepted (due Mon 23): overdue on the 25th
    """
    with at(2):
        gate = collect(world, category, title="南门太窄", today=date(2026, 11, 2))
        services.accept(actor=world["bob"], demand=gate)
        services.verify(actor=world["bob"], demand=gate, findings="50厘米")
        services.assign(actor=world["bob"], demand=gate, path=HandlingPath.COMMUNITY)
    with at(3):
        seats = collect(world, category, title="座椅不够", today=date(2026, 11, 3))
    with at(4):
        services.resolve(actor=world["bob"], demand=gate, result="拓宽")
        services.record_callback(
            actor=world["bob"], demand=gate, resident=world.resident1, result=Satisfaction.SATISFIED
        )
        services.close_out(actor=world["bob"], demand=gate)
    with at(5):
        services.accept(actor=world["bob"], demand=seats)
        services.verify(actor=world["bob"], demand=seats, findings="x")
        services.assign(actor=world["bob"], demand=seats, path=HandlingPath.COMMUNITY)
    with at(16):
        services.resolve(actor=world["bob"], demand=seats, result="增设")
        services.record_callback(
            actor=world["bob"],
            demand=seats,
            resident=world.resident1,
            result=Satisfaction.NOT_SATISFIED,
        )
    with at(17):
        services.resolve(actor=world["bob"], demand=seats, result="调整位置")
    with at(20):
        collect(world, category, title="路灯不亮", today=date(2026, 11, 20))
        collect(
            world,
            category,
            actor=world["oscar"],
            title="别处",
            area=world.loubei_building,
            reporters=[world.loubei_resident],
            today=date(2026, 11, 20),
        )
    return gate, seats


def test_each_figure_from_the_event_log(world: World, month) -> None:
    with at(25):
        f = figures.compute(
            user=world["alice"],
            area=world.street,
            start=date(2026, 11, 1),
            end=date(2026, 11, 30),
        )
    assert (f.collected, f.accepted, f.resolved, f.closed) == (3, 2, 2, 1)
    assert (f.response.numerator, f.response.denominator) == (
        1,
        3,
    )  # gate on time; seats late; lamp not yet
    assert (f.on_time.numerator, f.on_time.denominator) == (
        1,
        2,
    )  # gate by Mon 9; seats after Tue 10
    assert (f.satisfaction.numerator, f.satisfaction.denominator) == (1, 2)
    assert (f.reopen.numerator, f.reopen.denominator) == (1, 2)
    assert f.median_days_to_resolve == 7.5  # gate 2 days, seats 13 days
    assert f.overdue_now == 1  # the lamp: not accepted by Mon 23
    assert f.by_category == [("出入口与通道", 3)]
    assert sum(c for _d, c, _r in f.by_day) == 3 and sum(r for _d, _c, r in f.by_day) == 3


def test_a_period_counts_only_what_happened_in_it(world: World, month) -> None:
    f = figures.compute(
        user=world["bob"],
        area=world.hetai,
        start=date(2026, 11, 16),
        end=date(2026, 11, 17),
    )
    assert (f.collected, f.accepted, f.resolved) == (0, 0, 1)
    assert (f.satisfaction.numerator, f.satisfaction.denominator) == (0, 1)


def test_the_figures_page_links_each_figure_to_its_rows(world: World, month, client) -> None:
    client.force_login(world["bob"])
    with at(25):
        html = client.get(
            reverse("demands:figures"),
            {"area": world.hetai.pk, "from": "2026-11-01", "to": "2026-11-30"},
        ).content.decode()
    assert "echarts.min.js" in html and "chart-data" in html
    assert "33.3%" in html  # the response rate, 1 of 3
    ledger = reverse("demands:demand_list")
    rows = client.get(
        ledger,
        {"area": world.hetai.pk, "from": "2026-11-01", "to": "2026-11-30", "event": "resolved"},
    ).content.decode()
    assert "南门太窄" in rows and "座椅不够" in rows and "路灯不亮" not in rows
    rows = client.get(
        ledger,
        {"area": world.hetai.pk, "from": "2026-11-01", "to": "2026-11-30", "due": "response"},
    ).content.decode()
    assert "共 3 条结果" in rows
    client.force_login(world["carol"])  # pioneers do not read the figures
    assert client.get(reverse("demands:figures")).status_code == 404
    client.force_login(world["oscar"])  # another street: only his own areas are offered
    html = client.get(reverse("demands:figures"), {"area": world.hetai.pk}).content.decode()
    assert "娄北社区" in html and "和泰社区" not in html


def test_street_and_community_pages_carry_this_months_figures(world: World, month, client) -> None:
    client.force_login(world["alice"])  # street staff
    for area in (world.street, world.hetai):
        page = client.get(area.get_absolute_url()).content.decode()
        assert "panel=1" in page and f"area={area.pk}" in page, area
    assert "panel=1" not in client.get(world.compound.get_absolute_url()).content.decode()
    with at(25):
        panel = client.get(reverse("demands:figures"), {"area": world.street.pk, "panel": "1"})
    html = panel.content.decode()
    assert "<html" not in html and "chart-data" in html  # the panel alone, for htmx
    assert "全部数据" in html and "/demands/?area=" in html  # links to the page and the rows
    # Outside the user's areas, or for someone who does not read figures: nothing.
    client.force_login(world["oscar"])
    assert (
        client.get(reverse("demands:figures"), {"area": world.hetai.pk, "panel": "1"}).status_code
        == 404
    )
    client.force_login(world["carol"])
    assert "panel=1" not in client.get(world.hetai.get_absolute_url()).content.decode()
    assert (
        client.get(reverse("demands:figures"), {"area": world.hetai.pk, "panel": "1"}).status_code
        == 404
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_community_page_draws_its_figures_in_the_browser(
    world: World, month, live_server, page
) -> None:
    log_in(page, live_server.url, "bob", PASSWORD)
    page.goto(live_server.url + world.hetai.get_absolute_url())
    panel = page.locator(".figures-panel")
    expect(panel).to_contain_text("响应率")
    expect(panel.locator("#chart-days canvas")).to_have_count(1)
    shot(page, "community-page-figures")
    panel.locator("text=全部数据").click()
    expect(page.locator("h1")).to_contain_text("和泰社区")


def test_figures_count_only_the_users_own_communities(world: World, month) -> None:
    period = {"start": date(2026, 11, 1), "end": date(2026, 11, 30)}
    assert figures.compute(user=world["bob"], area=world.street, **period).collected == 3
    for outsider in ("oscar", "carol", "dave", "nobody"):  # another street; no area role
        f = figures.compute(user=world[outsider], area=world.street, **period)
        assert (f.collected, f.resolved, f.overdue_now, f.by_category) == (0, 0, 0, []), outsider


@pytest.fixture
def six(world: World):
    """Six demands recorded in 和泰 on Mon 2 Nov 2026 at 9:00, counted by hand below.

    categories: 路面 ×3 (d1–d3), 照明 ×2 (d4, d5), 文化 ×1 (d6); each accept within 1 working
    day (by Tue 3), resolve within 5 (by Mon 9).
    d1–d5 accepted the same day at 11:00; d6 never.
    d1 resolved Wed 4 9:00 (2 days), satisfied, closed out;
    d2 resolved Fri 6 9:00 (4 days), basically satisfied;
    d3 resolved Thu 12 9:00 (10 days, late), not satisfied: reopened.
    """
    root = services.create_category(actor=None, name="公共事务", response_days=1, resolution_days=5)
    kinds = {
        name: services.create_category(
            actor=None, name=name, parent=root, response_days=1, resolution_days=5
        )
        for name in ("路面", "照明", "文化")
    }
    plan = ["路面", "路面", "路面", "照明", "照明", "文化"]
    with at(2, 9):
        demands = [
            collect(world, kinds[kind], title=f"诉求{n}", today=date(2026, 11, 2))
            for n, kind in enumerate(plan, start=1)
        ]
    with at(2, 11):
        for demand in demands[:5]:
            services.accept(actor=world["bob"], demand=demand)
            services.verify(actor=world["bob"], demand=demand, findings="属实")
            services.assign(actor=world["bob"], demand=demand, path=HandlingPath.COMMUNITY)
    answers = [Satisfaction.SATISFIED, Satisfaction.BASICALLY, Satisfaction.NOT_SATISFIED]
    for demand, day, answer in zip(demands[:3], (4, 6, 12), answers, strict=True):
        with at(day, 9):
            services.resolve(actor=world["bob"], demand=demand, result="已处理")
            services.record_callback(
                actor=world["bob"], demand=demand, resident=world.resident1, result=answer
            )
    with at(4, 10):
        services.close_out(actor=world["bob"], demand=demands[0])
    return demands


def test_each_figure_by_hand_counted_numbers(world: World, six) -> None:
    with at(25):
        f = figures.compute(
            user=world["bob"], area=world.hetai, start=date(2026, 11, 1), end=date(2026, 11, 30)
        )
    assert (f.collected, f.accepted, f.resolved, f.closed) == (6, 5, 3, 1)
    # Response: d1–d5 accepted by Tue 3; d6 never, and its day has passed.
    assert (f.response.numerator, f.response.denominator, f.response.percent) == (5, 6, 83.3)
    # Resolution (办结率): d1–d3 of the six.
    assert (f.resolution.numerator, f.resolution.denominator, f.resolution.percent) == (3, 6, 50)
    # On time: d1, d2 by Mon 9; d3 late; d4–d6 not resolved and their day has passed.
    assert (f.on_time.numerator, f.on_time.denominator) == (2, 6)
    assert (f.satisfaction.numerator, f.satisfaction.denominator) == (2, 3)
    assert (f.reopen.numerator, f.reopen.denominator) == (1, 3)
    assert f.median_days_to_resolve == 4.0  # 2, 4 and 10 days
    # Six demands: rare means raised once (max(1, min(3, ⌊2% of 6⌋))); high-frequency more.
    assert f.high_frequency == [("路面", 3), ("照明", 2)]
    assert f.rare == [("文化", 1)]
    assert not {n for n, _c in f.high_frequency} & {n for n, _c in f.rare}


def test_the_response_rate_counts_demands_accepted_the_same_day(world: World, six) -> None:
    """The day they were recorded, five of six accepted: 5 of 5 decided, not "—（0/0）"."""
    with at(2, 15):
        f = figures.compute(
            user=world["bob"], area=world.hetai, start=date(2026, 11, 1), end=date(2026, 11, 2)
        )
    assert (f.response.numerator, f.response.denominator) == (5, 5)  # d6: due tomorrow


def test_high_frequency_and_rare_never_overlap() -> None:
    for counts in [
        {"a": 1, "b": 1, "c": 1},
        {"a": 1},
        {"a": 5, "b": 1},
        {f"c{i}": i for i in range(1, 40)},
        {f"c{i}": 2 for i in range(60)},
    ]:
        frequent, rare = figures.needs(counts)
        assert not {n for n, _c in frequent} & {n for n, _c in rare}, counts
        assert len(frequent) <= figures.TOP_CATEGORIES
    assert figures.needs({"a": 1, "b": 1, "c": 1}) == ([], [("a", 1), ("b", 1), ("c", 1)])
    # 200 demands: rare means at most 3 (2% is 4, capped at 3).
    frequent, rare = figures.needs({"x": 150, "y": 30, "z": 16, "w": 3, "v": 1})
    assert frequent == [("x", 150), ("y", 30), ("z", 16)] and rare == [("v", 1), ("w", 3)]


def test_the_area_pages_panels_agree_and_leadership_picks_its_district(
    world: World, six, client
) -> None:
    client.force_login(world["bob"])
    with at(25):
        page = client.get(
            reverse("demands:figures"),
            {"area": world.hetai.pk, "from": "2026-10-27", "to": "2026-11-25"},
        ).content.decode()
        topics = client.get(
            reverse("triage:topics"), {"area": world.hetai.pk, "days": 30}
        ).content.decode()
        panel = client.get(
            reverse("demands:figures"), {"area": world.hetai.pk, "panel": "1"}
        ).content.decode()
    for html in (page, topics):  # the same period, the same definition: the same lists
        frequent = html.split("needs-frequent", 1)[1].split("needs-rare", 1)[0]
        rare = html.split("needs-rare", 1)[1]
        assert "路面" in frequent and "照明" in frequent and "文化" not in frequent
        assert "文化" in rare
    assert "高频需求" not in panel  # on the area page, the hot-topics panel lists them once
    # Leadership of the district picks the whole district.
    district = world.street.parent
    assert district is not None
    grant_membership(actor=None, user=world["frank"], role=Role.LEADERSHIP, area=district)
    client.force_login(world["frank"])
    with at(25):
        html = client.get(
            reverse("demands:figures"),
            {"area": district.pk, "from": "2026-11-01", "to": "2026-11-30"},
        ).content.decode()
    assert f'<option value="{district.pk}" selected>姑苏区</option>' in html
    assert '<span class="value">6</span>' in html
    with at(25):
        topics = client.get(
            reverse("triage:topics"), {"area": district.pk, "days": 30}
        ).content.decode()
    assert "路面" in topics.split("needs-frequent", 1)[1]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_leadership_picks_its_whole_district_on_the_figures_page(
    world: World, six, live_server, page
) -> None:
    district = world.street.parent
    assert district is not None
    grant_membership(actor=None, user=world["frank"], role=Role.LEADERSHIP, area=district)
    page.set_viewport_size(DESK)
    log_in(page, live_server.url, "frank", PASSWORD)
    page.click("nav.mainnav >> text=数据")
    form = page.locator("form.searchbar")
    form.locator("select[name=area]").select_option(label="姑苏区")
    form.locator("input[name=from]").fill("2026-11-01")
    form.locator("input[name=to]").fill("2026-11-30")
    form.locator("button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("姑苏区")
    expect(page.locator(".stats").first).to_contain_text("6")
    expect(page.locator("#chart-days canvas")).to_have_count(1)
    expect(page.locator("#chart-categories canvas")).to_have_count(1)
    expect(page.locator(".needs-frequent")).to_contain_text("路面")
    expect(page.locator(".needs-rare")).to_contain_text("文化")
    expect(page.locator(".needs-frequent")).not_to_contain_text("文化")
    shot(page, "desk-figures-district-leadership")
