"""The 元和 round, end to end in headless Chromium: yuan (street staff, at the desk) creates it
from the menu with the four communities and groups of two, typing the seed's order so the
groups are exactly the seed's loop, and opens it; yi (依云水岸, on her phone) opens her group
inspecting 娄北 from the menu, scores two items, records two findings with photos (one fixed on
the spot, one by a deadline) and sends the problem list; oscar (娄北) sees the two findings.
Each walk starts from the user's home page and goes by the menu, links and buttons."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Page, expect

from genxi.conftest import PASSWORD
from genxi.inspections.models import Finding, FindingStatus, Round, RoundStatus
from genxi.inspections.tests.conftest import YuanHe
from tests.browser import DESK, PHONE, log_in, menu, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def photo(tmp_path: Path, name: str, colour: tuple[int, int, int]) -> str:
    path = tmp_path / name
    Image.new("RGB", (120, 90), colour).save(path, format="PNG")
    return str(path)


def test_the_yuanhe_round(yuanhe: YuanHe, live_server, page: Page, tmp_path: Path) -> None:
    base = live_server.url
    # yuan at the desk creates the round.
    page.set_viewport_size(DESK)
    log_in(page, base, "yuan", PASSWORD)
    menu(page, "inspections")
    page.click("a[data-action=new-round]")
    page.fill("input[name=title]", "走看学做比党建 互查互评")
    page.check("input[name=method][value=order]")
    page.fill("textarea[name=order]", "娄北, 依云水岸, 众泾, 晨曦馨苑")
    page.click("button[data-action=preview]")
    expect(page.locator("table[data-table=preview] tbody tr")).to_have_count(4)
    shot(page, "inspections-round-preview")
    page.click("button[data-action=create-round]")
    rows = page.locator("table[data-table=groups] tbody tr")
    expect(rows).to_have_count(4)
    expected = [
        ("娄北社区", "依云水岸社区 + 众泾社区"),
        ("依云水岸社区", "众泾社区 + 晨曦馨苑社区"),
        ("众泾社区", "晨曦馨苑社区 + 娄北社区"),
        ("晨曦馨苑社区", "娄北社区 + 依云水岸社区"),
    ]
    for n, (inspected, members) in enumerate(expected):
        expect(rows.nth(n).locator("[data-inspected]")).to_have_text(inspected)
        expect(rows.nth(n).locator("[data-members]")).to_have_text(members)
    page.click("button[data-action=open-round]")
    expect(page.locator("[data-round-status]")).to_have_attribute("data-round-status", "on_site")
    shot(page, "inspections-round-open")
    assert Round.objects.get().status == RoundStatus.ON_SITE

    # yi on her phone: her group inspects 娄北.
    page.context.clear_cookies()
    page.set_viewport_size(PHONE)
    log_in(page, base, "yi", PASSWORD)
    menu(page, "inspections")
    page.click("[data-section=my-groups] a:has-text('娄北社区')")
    items = page.locator("[data-item]")
    for n, score in [(0, "16"), (1, "12")]:
        items.nth(n).locator("input[type=number]").fill(score)
        items.nth(n).locator("button[data-action=save-score]").click()
        expect(page.locator("[data-item]").nth(n).locator("[data-saved]")).to_contain_text(score)
    shot(page, "inspections-sheet-phone")
    for description, mode, colour in [
        ("办公室桌面杂乱，文件未归档", "on_spot", (90, 90, 200)),
        ("活动室书架积灰", "by_deadline", (160, 120, 60)),
    ]:
        page.click("a[data-action=new-finding]")
        page.select_option("select[name=item]", index=2 if mode == "by_deadline" else 1)
        page.fill("textarea[name=description]", description)
        page.fill("textarea[name=suggestion]", "立即整理" if mode == "on_spot" else "建立保洁制度")
        page.check(f"input[name=mode][value={mode}]")
        if mode == "by_deadline":
            deadline = timezone.localdate() + timedelta(days=10)
            page.fill("input[name=deadline]", deadline.isoformat())
        page.set_input_files("input[name=photos]", [photo(tmp_path, f"{mode}.png", colour)])
        if mode == "by_deadline":
            shot(page, "inspections-finding-form-phone")
        page.click("button[data-action=save-finding]")
        expect(page.locator(f"[data-finding]:has-text('{description}')")).to_be_visible()
    expect(page.locator("[data-finding] img[data-photo]")).to_have_count(2)
    shot(page, "inspections-findings-phone")
    page.click("a[data-action=send-list]")
    expect(page.locator("[data-unscored]")).to_be_visible()  # three items not scored
    shot(page, "inspections-send-confirm-phone")
    page.click("button[data-action=confirm]")
    expect(page.locator("[data-sent]")).to_be_visible()
    assert set(Finding.objects.values_list("status", flat=True)) == {FindingStatus.OPEN}

    # oscar (娄北) sees the list.
    page.context.clear_cookies()
    page.set_viewport_size(DESK)
    log_in(page, base, "oscar", PASSWORD)
    menu(page, "inspections")
    page.click("a[data-round]")
    page.click("table[data-table=groups] tr[data-group-row='1'] a[data-group]")
    expect(page.locator("[data-finding]")).to_have_count(2)
    expect(page.locator("[data-finding]").first).to_contain_text("办公室桌面杂乱")
    expect(page.locator("[data-finding] img[data-photo]")).to_have_count(2)
    shot(page, "inspections-problem-list-inspected")
