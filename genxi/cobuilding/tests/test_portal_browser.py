"""The pages of issue 15's portal, figures and evaluations, walked in a browser from each
person's home page: dave (a partner unit's handler, on his phone) sees his unit's work on his
home page; alice (street staff, at a desk) opens 共建 → 共建统计 and sees the chart; bob
(community staff) sets up the year's evaluation of the units, works out the scores and prints a
unit's letter."""

import pytest
from playwright.sync_api import Page, expect

from genxi.cobuilding.models import EvaluationScheme
from genxi.cobuilding.tests.conftest import Pairing
from genxi.cobuilding.tests.test_evaluations import build_records
from genxi.cobuilding.tests.test_figures import build
from genxi.cobuilding.tests.test_portal import build_portal
from genxi.conftest import PASSWORD, World
from tests.browser import DESK, PHONE, log_in, menu, shot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_dave_sees_his_units_work_on_his_phone(
    world: World, pairing: Pairing, live_server, page: Page
) -> None:
    portal = build_portal(world)
    page.set_viewport_size(PHONE)
    log_in(page, live_server.url, "dave", PASSWORD)
    due = page.locator("#portal-due")
    expect(due).to_contain_text(pairing.weekly.title)
    expect(due.locator("[data-flag=overdue]").first).to_be_visible()
    needs = page.locator("#portal-needs")
    expect(needs.locator(f"[data-need='{portal.near.pk}']")).to_contain_text("可以认领")
    expect(needs.locator(f"[data-need='{portal.far.pk}'] [data-window=closed]")).to_be_visible()
    expect(page.locator("#portal-projects")).to_contain_text(portal.project.title)
    expect(page.locator("#portal-demands")).to_contain_text(portal.demand.title)
    expect(page.locator("#portal-claims")).to_contain_text(portal.claimed.title)
    # Nothing runs off the side of a phone.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width
    shot(page, "phone-partner-home-portal")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_street_staff_open_the_cobuilding_figures(
    world: World, point, live_server, page: Page
) -> None:
    build(world, point)
    page.set_viewport_size(DESK)
    log_in(page, live_server.url, "alice", PASSWORD)
    menu(page, "cobuilding")
    page.click("nav.subnav a[data-tab=figures]")
    expect(page.locator("h1")).to_have_text("共建统计")
    page.fill("input[name=year]", "2025")
    page.click(".period-picker button[type=submit]")
    expect(page.locator("[data-figure=on_time]")).to_have_text("50.0%")
    expect(page.locator("[data-figure=needs_met]")).to_have_text("3")
    expect(page.locator("table[data-table=community]")).to_contain_text("和泰社区")
    expect(page.locator("#cobuilding-chart[data-drawn='1'] canvas")).to_have_count(1)
    shot(page, "desk-cobuilding-figures")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_set_up_an_evaluation_and_print_a_letter(
    world: World, live_server, page: Page
) -> None:
    build_records(world)
    page.set_viewport_size(DESK)
    log_in(page, live_server.url, "bob", PASSWORD)
    menu(page, "cobuilding")
    page.click("nav.subnav a[data-tab=evaluation_list]")
    form = page.locator("#new-scheme form")
    form.locator("select[name=area]").select_option(label="和泰社区")
    form.locator("input[name=year]").fill("2025")
    form.locator("select[name=subject]").select_option("unit")
    form.locator("button[type=submit]").click()
    # The items: a weight off by ten is refused in Chinese; put right, it saves.
    weight = page.locator("input[name='items-0-weight']")
    weight.fill("5")
    page.click("[data-form=scheme] button.primary")
    expect(page.locator("[data-error]")).to_contain_text("各项权重之和须为100，现为90。")
    page.locator("input[name='items-0-weight']").fill("15")
    page.click("[data-form=scheme] button.primary")
    page.click("[data-action=compute]")
    ranking = page.locator("table[data-table=ranking]")
    expect(ranking).to_contain_text("金阳宝地物业")
    expect(page.locator("#tie-break")).to_be_visible()
    shot(page, "desk-evaluation-ranking")
    scheme = EvaluationScheme.objects.get()
    first = scheme.results.get(partner=world.partner)
    page.click(f"[data-result='{first.pk}'] a[href$='/results/{first.pk}/']")
    page.fill("input[name=manual1]", "95")
    page.fill("textarea[name=comment]", "积极参与社区共建，表现突出。")
    page.click("[data-form=scores] button.primary")
    page.click(f"a[data-letter='{first.pk}']")
    letter = page.locator("[data-letter]")
    expect(letter).to_contain_text("金阳宝地物业")
    expect(letter).to_contain_text("积极参与社区共建")
    first.refresh_from_db()
    expect(letter.locator("[data-total]")).to_have_text(str(first.total))
    page.emulate_media(media="print")
    expect(page.locator(".noprint")).to_be_hidden()
    shot(page, "desk-evaluation-letter-print")
