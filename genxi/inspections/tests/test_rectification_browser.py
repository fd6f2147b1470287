"""The 元和 round after its problem list, end to end in headless Chromium: oscar (娄北) on his
phone fixes one finding on the spot and plans then fixes the other by its deadline; yi
(依云水岸, inspecting) on her phone re-checks, accepting one and sending the other back; oscar
fixes it again; yi accepts; yuan (street staff, at the desk) closes the round and reads the
results: the ranking, the most common problems and the printed report.

Each walk starts from the user's home page and goes by the menu, links and notifications. The
round list and round page are helper E's: where their link to these pages is not there (E's
pages not merged into this worktree), `follow` opens the same address the link has, and the
round is closed through the service E's button calls.
"""

import io
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from genxi.conftest import PASSWORD
from genxi.core.services import ServiceError
from genxi.inspections.models import ROUND_MACHINE, Finding, FindingStatus, RoundStatus, Score
from genxi.inspections.tests.conftest import YuanHe
from tests.browser import DESK, PHONE, log_in, menu, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def photo(tmp_path: Path, name: str, colour: tuple[int, int, int]) -> str:
    from PIL import Image

    target = tmp_path / name
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(buffer, "JPEG")
    target.write_bytes(buffer.getvalue())
    return str(target)


def follow(page: Page, selector: str, url: str) -> None:
    """Click the link; if the page that carries it (helper E's) is not built here, open the
    address the link has."""
    link = page.locator(selector)
    if link.count():
        link.first.click()
    else:
        page.goto(url)


def open_rectification(page: Page, base: str) -> None:
    menu(page, "inspections")
    follow(page, "a#open-rectify", base + reverse("inspections:rectify_list"))
    expect(page.locator("#to-rectify, #to-recheck").first).to_be_visible()


def log_out(page: Page) -> None:
    page.context.clear_cookies()


def test_rectify_recheck_and_results(
    sent_findings: list[Finding], yuanhe: YuanHe, live_server: object, page: Page, tmp_path: Path
) -> None:
    base = str(live_server.url)
    on_spot, by_deadline = sent_findings
    round_ = on_spot.round
    # The groups' scores from the visit (helper E's scoring sheet).
    for group, points in zip(
        round_.groups.order_by("number"),
        [[18, 15, 16, 20, 19], [20, 20, 18, 19, 20], [17, 18, 18, 16, 20], [15, 16, 14, 18, 17]],
        strict=True,
    ):
        for item, score in zip(round_.items.all(), points, strict=True):
            Score.objects.create(group=group, item=item, score=score, by=yuanhe["yi"])

    # oscar, 娄北's staff, on his phone.
    page.set_viewport_size(PHONE)
    log_in(page, base, "oscar", PASSWORD)
    open_rectification(page, base)
    expect(page.locator(f"[data-finding='{on_spot.pk}']")).to_be_visible()
    shot(page, "phone-rectify-list")
    page.click(f"[data-finding='{on_spot.pk}'] a")
    form = page.locator("#form-on_spot")
    form.locator("textarea[name=plan]").fill("当场清理桌面，文件按年度归档")
    form.locator("textarea[name=result]").fill("桌面已清理，文件已装盒归档")
    form.locator("input[name=photos]").set_input_files(photo(tmp_path, "desk.jpg", (30, 160, 60)))
    shot(page, "phone-finding-on-spot-form")
    form.locator("button[data-submit=on_spot]").click()
    expect(page.locator("#result-photos img")).to_have_count(1)
    assert Finding.objects.get(pk=on_spot.pk).status == FindingStatus.FIXED
    shot(page, "phone-finding-on-spot-done")

    page.click("#back-to-list")
    page.click(f"[data-finding='{by_deadline.pk}'] a")
    expect(page.locator("#form-result")).to_have_count(0)  # no result before a plan
    page.fill("#form-plan textarea[name=plan]", "购置除尘工具，建立每周五保洁制度")
    page.click("#form-plan button[data-submit=plan]")
    expect(page.locator("#finding-plan")).to_contain_text("每周五保洁")
    page.fill("#form-result textarea[name=result]", "书架已清洁，保洁制度已上墙")
    page.set_input_files(
        "#form-result input[name=photos]", photo(tmp_path, "shelf.jpg", (90, 90, 200))
    )
    page.click("#form-result button[data-submit=result]")
    expect(page.locator("#finding-result")).to_contain_text("保洁制度已上墙")
    assert Finding.objects.get(pk=by_deadline.pk).status == FindingStatus.FIXED
    shot(page, "phone-finding-by-deadline-done")

    # yi, 依云水岸 (inspecting 娄北), on her phone: both results await her re-check.
    log_out(page)
    log_in(page, base, "yi", PASSWORD)
    open_rectification(page, base)
    expect(page.locator("#to-recheck [data-finding]")).to_have_count(2)
    shot(page, "phone-recheck-list")
    page.click(f"#to-recheck [data-finding='{on_spot.pk}'] a")
    page.check("#form-recheck input[value=accept]")
    page.click("#form-recheck button[data-submit=recheck]")
    expect(page.locator("#finding-recheck")).to_be_visible()
    page.click("#back-to-list")
    page.click(f"#to-recheck [data-finding='{by_deadline.pk}'] a")
    page.check("#form-recheck input[value=return]")
    page.click("#form-recheck button[data-submit=recheck]")  # no reason: refused
    expect(page.locator("#form-recheck .error")).to_be_visible()
    page.fill("#form-recheck textarea[name=note]", "书架顶层仍有积灰，请补拍照片")
    shot(page, "phone-recheck-send-back")
    page.click("#form-recheck button[data-submit=recheck]")
    expect(page.locator("#finding-recheck")).to_contain_text("书架顶层仍有积灰")
    assert Finding.objects.get(pk=by_deadline.pk).status == FindingStatus.RETURNED

    # oscar is told; from his notifications he fixes it again.
    log_out(page)
    log_in(page, base, "oscar", PASSWORD)
    page.click("details.usermenu summary")
    page.click("details.usermenu .menu a >> nth=0")  # 通知
    page.click(f"a[href='{by_deadline.get_absolute_url()}']")
    expect(page.locator("#finding-recheck")).to_contain_text("书架顶层仍有积灰")
    page.fill("#form-result textarea[name=result]", "顶层已清洁，补拍照片")
    page.set_input_files(
        "#form-result input[name=photos]", photo(tmp_path, "top.jpg", (200, 200, 60))
    )
    page.click("#form-result button[data-submit=result]")
    expect(page.locator("#result-photos img")).to_have_count(2)
    shot(page, "phone-finding-fixed-again")

    # yi accepts it, from her notification.
    log_out(page)
    log_in(page, base, "yi", PASSWORD)
    page.click("details.usermenu summary")
    page.click("details.usermenu .menu a >> nth=0")
    page.locator(f"a[href='{by_deadline.get_absolute_url()}']").first.click()
    page.check("#form-recheck input[value=accept]")
    page.click("#form-recheck button[data-submit=recheck]")
    expect(page.locator("#finding-recheck")).to_be_visible()
    assert Finding.objects.get(pk=by_deadline.pk).status == FindingStatus.ACCEPTED

    # yuan, street staff, at the desk: closes the round and reads the results.
    log_out(page)
    page.set_viewport_size(DESK)
    log_in(page, base, "yuan", PASSWORD)
    menu(page, "inspections")
    follow(page, f"a[href='{round_.get_absolute_url()}']", base + round_.get_absolute_url())
    close = page.locator("#close-round")
    if close.count():
        close.click()
    else:  # E's round page is not in this worktree: the service its button calls.
        try:
            ROUND_MACHINE.swap(round_, RoundStatus.CLOSED)
        except ServiceError:
            pytest.fail("the round could not be closed")
    follow(page, "a#open-results", base + reverse("inspections:round_results", args=[round_.pk]))
    expect(page.locator("#ranking-chart[data-drawn='1']")).to_be_visible()
    rows = page.locator("[data-table=ranking] tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.first).to_contain_text("依云水岸社区")
    expect(page.locator("[data-community='娄北社区']")).to_contain_text("2/2")
    expect(page.locator("[data-table=common-problems]")).to_contain_text("办公环境整洁有序")
    shot(page, "desk-round-results")
    page.click("#open-report")
    expect(page.locator("#report-title")).to_have_text(round_.title)
    expect(page.locator("[data-table=problem-list] tbody tr")).to_have_count(2)
    expect(page.locator("[data-table=problem-list]")).to_contain_text("顶层已清洁")
    page.emulate_media(media="print")
    expect(page.locator(".noprint")).to_be_hidden()
    shot(page, "desk-round-report-print")
    page.pdf(path=str(tmp_path / "report.pdf"), format="A4", landscape=True)
    assert (tmp_path / "report.pdf").stat().st_size > 1000
