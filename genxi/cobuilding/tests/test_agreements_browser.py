"""娄北's story, as the people who live it: oscar (staff of 娄北社区) enters the agreement with
苏州市农产品发展有限公司 and its weekly self-inspection report, starting two weeks back, and
signs it; the report shows overdue; the partner's user, on a phone, reaches it from the hub's
due list and files it with a photo and a problem; oscar turns the problem into a demand in one
step; the agreement page counts the quarter's commitments as they are.

Every step starts from the person's home page and goes by the menu, the tabs and the links."""

import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Page, expect
from pypdf import PdfWriter

from genxi.accounts.models import Role
from genxi.accounts.services import create_user, grant_membership
from genxi.cobuilding import schedule
from genxi.cobuilding.models import Agreement, DueItem, ReportProblem
from genxi.conftest import PASSWORD, World
from genxi.demands.models import Channel, Demand
from genxi.demands.services.categories import create_category
from tests.browser import DESK, PHONE, log_in, menu, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def pdf_file() -> dict[str, object]:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return {"name": "结对共建协议.pdf", "mimeType": "application/pdf", "buffer": out.getvalue()}


def photo_file() -> dict[str, object]:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (120, 160, 90)).save(out, "JPEG")
    return {"name": "门口.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def test_loubei_weekly_report_from_agreement_to_demand(
    world: World, live_server: object, page: Page
) -> None:
    base = live_server.url
    today = timezone.localdate()
    category = create_category(actor=None, name="市容环境", keywords="占道 经营 垃圾")
    worker = create_user(actor=None, username="nongchan", password=PASSWORD, name="张经理")
    grant_membership(
        actor=None, user=worker, role=Role.PARTNER, area=world.loubei, partner=world.other_partner
    )

    # oscar enters the agreement at his desk: menu → 共建 → 协议 → 新建.
    page.set_viewport_size(DESK)
    log_in(page, base, "oscar", PASSWORD)
    menu(page, "cobuilding")
    page.click("nav.subnav a[data-tab=agreement_list]")
    page.click("a.button.primary")
    page.fill("#id_title", "娄北社区与苏州市农产品发展有限公司结对共建协议")
    page.select_option("#id_community", str(world.loubei.pk))
    page.fill("#id_starts_on", (today - timedelta(weeks=2)).isoformat())
    page.fill("#id_ends_on", (today + timedelta(days=365)).isoformat())
    page.fill("#id_liaison_name", "欧阳主任")
    page.fill("#id_liaison_phone", "13962519999")
    page.select_option("#id_partner_0", str(world.other_partner.pk))
    page.fill("#id_liaison_name_0", "张经理")
    page.fill("#id_liaison_phone_0", "13900000009")
    page.fill("#id_summary", "联学共建、元气加油站、文明城市建设问题自查周报制度。")
    page.set_input_files("#id_document", pdf_file())
    shot(page, "cobuilding-agreement-new")
    page.click("button[type=submit].primary")
    expect(page.locator("#agreement-status")).to_be_visible()

    # The weekly report, the partner's, listing problems, due the day after each week.
    if not page.locator("details.inline-add[open]").count():
        page.click("details.inline-add summary")
    page.fill("#id_title", "文明城市建设问题自查周报")
    page.select_option("#id_kind", "report")
    page.select_option("#id_cadence", "weekly")
    page.select_option("#id_owner_side", "partner")
    page.fill("#id_due_after_days", "1")
    page.check("#id_lists_problems")
    page.click("details.inline-add button[type=submit]")
    page.click("text=已签订，生效")
    expect(page.locator("#agreement-status")).to_have_text("生效中")
    overdue_cells = page.locator("#commitments .cal a[data-outcome=overdue]")
    expect(overdue_cells.first).to_be_visible()
    shot(page, "cobuilding-agreement-overdue")
    agreement = Agreement.objects.get(community=world.loubei)
    assert agreement.document_name == "结对共建协议.pdf"

    # The partner's user, on a phone, from the hub's due list.
    page.context.clear_cookies()
    page.set_viewport_size(PHONE)
    log_in(page, base, "nongchan", PASSWORD)
    menu(page, "cobuilding")
    due = page.locator("#due-items a[href*='/cobuilding/items/']")
    expect(due.first).to_be_visible()
    shot(page, "cobuilding-partner-due")
    due.first.click()
    expect(page.locator("#item-outcome")).to_have_attribute("data-outcome", "overdue")
    page.fill("#id_text", "本周对上高路市场周边开展自查，发现问题一处。")
    page.set_input_files("#id_attachments", photo_file())
    page.fill("#id_problems", "娄北苑：上高路市场东门占道经营")
    page.click("#filing-form button[type=submit]")
    expect(page.locator(".filing[data-version='1']")).to_be_visible()
    expect(page.locator("#item-outcome")).to_have_attribute("data-outcome", "late")
    expect(page.locator(".filing img")).to_be_visible()
    shot(page, "cobuilding-partner-filed")
    problem = ReportProblem.objects.get()
    # This week's report, filed before it is due: met on time.
    menu(page, "cobuilding")
    page.locator("#due-items a[href*='/cobuilding/items/']").last.click()
    expect(page.locator("#item-outcome")).to_have_attribute(
        "data-outcome", re.compile("^(coming|due)$")
    )
    page.fill("#id_text", "本周自查已完成，未发现新问题。")
    page.click("#filing-form button[type=submit]")
    expect(page.locator("#item-outcome")).to_have_attribute("data-outcome", "on_time")
    assert problem.area is not None and problem.area.name == "娄北苑"

    # oscar turns the problem into a demand in one step, from the agreement's calendar.
    page.context.clear_cookies()
    page.set_viewport_size(DESK)
    log_in(page, base, "oscar", PASSWORD)
    menu(page, "cobuilding")
    page.click("nav.subnav a[data-tab=agreement_list]")
    page.click(f"text={agreement.title}")
    page.click("#commitments .cal a[data-outcome=late]")
    page.select_option("form.to-demand select", str(category.pk))
    page.click("form.to-demand button")
    link = page.locator(f"li[data-problem='{problem.pk}'] a")
    expect(link).to_be_visible()
    shot(page, "cobuilding-problem-demand")
    demand = Demand.objects.get()
    assert demand.channel == Channel.INSPECTION and demand.title == "上高路市场东门占道经营"
    link.click()
    expect(page.locator("body")).to_contain_text("上高路市场东门占道经营")

    # The agreement page: the quarter's commitments as they are.
    menu(page, "cobuilding")
    page.click("nav.subnav a[data-tab=agreement_list]")
    page.click(f"text={agreement.title}")
    items = DueItem.objects.filter(commitment__agreement=agreement)
    quarter_from = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    counts = {o.value: 0 for o in schedule.Outcome}
    for item in items:
        if item.due_on >= quarter_from:
            counts[schedule.outcome(item).value] += 1
    quarter = page.locator("#commitments p[data-scope=quarter]")
    for outcome in ("on_time", "late", "overdue"):
        expect(quarter.locator(f"b[data-count={outcome}]")).to_have_text(str(counts[outcome]))
    outcomes = [schedule.outcome(item) for item in items]
    assert outcomes.count(schedule.Outcome.ON_TIME) == 1
    assert outcomes.count(schedule.Outcome.LATE) == 1
    shot(page, "cobuilding-agreement-quarter")
