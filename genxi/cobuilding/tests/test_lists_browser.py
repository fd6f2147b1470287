"""和美's story, as the people who live it (here in 和泰社区): staff put the worn playground on
the needs list at their desk and the page suggests 苏州信托's offer with its reasons; the
partner's handler, on a phone, claims it from the co-building hub's needs and records the
delivery, with the acceptance PDF, as a contribution to the community's playground project;
the project's page shows the money beside the fund's.

Every step starts from the person's home page and goes by the menu, tabs and links."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from genxi.accounts.models import Role
from genxi.accounts.services import create_user, grant_membership
from genxi.cobuilding.models import (
    Agreement,
    AgreementParty,
    AgreementStatus,
    Contribution,
    Need,
    NeedStatus,
    ResourceKind,
)
from genxi.cobuilding.services import lists as services
from genxi.cobuilding.tests.test_uploads import pdf
from genxi.conftest import PASSWORD, World
from genxi.demands.models import Category
from genxi.places import services as places
from genxi.projects.services.funds import create_fund
from genxi.projects.services.projects import propose_project
from tests.browser import DESK, PHONE, log_in, menu, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_playground_need_is_matched_claimed_and_delivered_as_a_project_contribution(
    world: World, greening: Category, live_server, page: Page
) -> None:
    base = live_server.url
    today = timezone.localdate()
    page.on("dialog", lambda dialog: dialog.accept())
    # 苏州信托 is 和泰's paired partner, with an offer of money for playgrounds; the community
    # has its playground project in this year's fund.
    trust = places.create_partner(actor=None, name="苏州信托", kind="company", area=world.hetai)
    handler = create_user(actor=None, username="gu", password=PASSWORD, name="顾振宇")
    grant_membership(actor=None, user=handler, role=Role.PARTNER, area=world.hetai, partner=trust)
    agreement = Agreement.objects.create(
        title="和泰社区与苏州信托结对共建协议",
        community=world.hetai,
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=335),
        status=AgreementStatus.ACTIVE,
    )
    AgreementParty.objects.create(agreement=agreement, partner=trust)
    offer = services.create_resource(
        actor=handler,
        partner=trust,
        kind=ResourceKind.MONEY,
        title="出资翻新社区儿童游乐场地",
        category=greening,
        amount=Decimal(50000),
        available_from=today,
        available_until=today + timedelta(days=300),
    )
    fund = create_fund(actor=None, community=world.hetai, year=today.year, amount=Decimal(200000))
    project = propose_project(
        actor=None, fund=fund, title="三花苑小游园塑胶场地翻新", cost=Decimal(50000)
    )
    # 苏州信托 implements it: a partner books a delivery only against a project it implements.
    type(project).objects.filter(pk=project.pk).update(implementer=trust)

    # Staff enter the need at their desk; the page suggests 苏州信托's offer, with its reasons.
    page.set_viewport_size(DESK)
    log_in(page, base, "bob", PASSWORD)
    menu(page, "cobuilding")
    page.click("nav.subnav a[data-tab=need_list]")
    page.click("text=+ 新需求")
    page.select_option("select[name=area]", label="三花苑")
    page.fill("input[name=title]", "小游园塑胶场地老化，需翻新约100平方米")
    page.select_option("select[name=category]", label="绿化养护")
    page.fill("input[name=amount]", "50000")
    page.fill("input[name=wanted_by]", (today + timedelta(days=60)).isoformat())
    page.click("button:has-text('保存')")
    suggestion = page.locator(f"#suggestions li[data-resource='{offer.pk}']")
    expect(suggestion).to_contain_text("苏州信托")
    for reason in ("分类相符", "地点可及", "时间合适"):
        expect(suggestion).to_contain_text(reason)
    shot(page, "lists-1-need-suggests-desk")
    need = Need.objects.get()
    assert need.status == NeedStatus.OPEN and need.exclusive_until is not None

    # The partner's handler claims it on a phone, from the hub's needs.
    page.context.clear_cookies()
    page.set_viewport_size(PHONE)
    log_in(page, base, "gu", PASSWORD)
    menu(page, "cobuilding")
    page.click("nav.subnav a[data-tab=need_list]")
    page.click(f"text={need.title}")
    page.select_option("#claim select[name=resource]", label=offer.title)
    shot(page, "lists-2-claim-phone")
    page.click("#claim button:has-text('认领')")
    expect(page.locator("#claim-status")).to_have_text("已认领")

    # ... and records the delivery, with the acceptance PDF, for the playground project.
    page.fill("textarea[name=what]", "出资5万元翻新小游园100平方米塑胶场地，已完工验收。")
    page.fill("input[name=amount]", "50000")
    page.select_option("select[name=project]", label=project.title)
    page.set_input_files(
        "input[name=evidence]",
        files=[{"name": "验收单.pdf", "mimeType": "application/pdf", "buffer": pdf()}],
    )
    page.click("#deliver button:has-text('登记交付')")
    expect(page.locator("#claim-status")).to_have_text("已交付")
    expect(page.locator("#delivery")).to_contain_text(project.title)
    shot(page, "lists-3-delivered-phone")
    need.refresh_from_db()
    assert need.status == NeedStatus.MET
    contribution = Contribution.objects.get()
    assert (contribution.partner, contribution.project, contribution.amount) == (
        trust,
        project,
        Decimal(50000),
    )

    # Staff find it on the ledger, and the project's page shows it beside the fund's money.
    page.context.clear_cookies()
    page.set_viewport_size(DESK)
    log_in(page, base, "bob", PASSWORD)
    menu(page, "cobuilding")
    page.click("nav.subnav a[data-tab=need_list]")
    page.click("nav.subnav a[data-section=contributions]")
    expect(page.locator("#totals")).to_contain_text("50,000.00")
    shot(page, "lists-4-ledger-desk")
    page.click(f"#results a:has-text('{project.title}')")
    card = page.locator("#contributions")
    expect(card).to_contain_text("共建单位出资")
    expect(card).to_contain_text("苏州信托")
    expect(card).to_contain_text("50,000.00")
    shot(page, "lists-5-project-desk")
