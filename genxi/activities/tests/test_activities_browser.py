"""Bob, 和泰社区's staff, sets up activities at his desk through the pages: a senior university
like 大公园's (three courses, a term each of weekly sessions, 40 places, a quota for 宝祥社区),
and a service fair with stalls and time slots, whose services and report he records after it."""

from datetime import timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.db.models import F
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Page, expect

from genxi.activities.models import (
    Activity,
    ActivityPhoto,
    ActivityStatus,
    Attendance,
    Offering,
    Quota,
    Registration,
    RegistrationStatus,
    ServiceTally,
    Session,
)
from genxi.conftest import PASSWORD, World
from tests.browser import DESK, log_in, menu, shot


def open_activities(page: Page, base_url: str) -> None:
    """From the home page: the menu's 活动 entry."""
    menu(page, "activities")
    expect(page.locator("h1")).to_have_text("活动")


def day(offset: int) -> str:
    return (timezone.localdate() + timedelta(days=offset)).isoformat()


def save(page: Page) -> None:
    page.click("form button.primary:has-text('保存')")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_bob_sets_up_a_senior_university_and_a_service_fair(
    world: World, live_server: Any, page: Page, tmp_path: Path
) -> None:
    page.set_viewport_size(DESK)
    log_in(page, live_server.url, "bob", PASSWORD)
    open_activities(page, live_server.url)

    # The senior university: a class with three courses.
    page.click("a.button:has-text('新建活动')")
    page.fill("input[name=title]", "和泰老年大学")
    page.select_option("select[name=kind]", "class")
    page.select_option("select[name=owner]", label="和泰社区")
    page.check(f"input[name=open_to][value='{world.hetai.pk}']")
    page.check(f"input[name=open_to][value='{world.baoxiang.pk}']")
    page.check("input[name=audience][value=elderly]")
    page.select_option("select[name=venue]", label="三花半月谈长廊")
    page.fill("textarea[name=description]", "声乐、舞蹈、花卉种植，每周一次。")
    page.mouse.wheel(0, -20000)
    shot(page, "activities-01-new-class")
    save(page)
    expect(page.locator("h1")).to_contain_text("和泰老年大学")
    for offset, course in enumerate(["声乐", "舞蹈", "花卉种植"]):
        page.click("a.button:has-text('添加课程')")
        page.fill("input[name=name]", course)
        page.fill("input[name=teacher]", "王老师")
        save(page)
        page.click(f"a.button:has-text('{course}')")
        page.fill("input[name=name]", "2027 春季")
        page.fill("input[name=first_day]", day(7 + offset))
        page.fill("input[name=starts]", "09:00")
        page.fill("input[name=ends]", "11:00")
        page.fill("input[name=weeks]", "8")
        page.fill("input[name=capacity]", "40")
        save(page)
        expect(page.locator("#courses")).to_contain_text(course)
    page.locator("#courses a:has-text('按社区分配名额')").first.click()
    page.select_option("select[name=community]", label="宝祥社区")
    page.fill("input[name=places]", "10")
    save(page)
    expect(page.locator("#courses")).to_contain_text("宝祥社区 10")
    page.click("button:has-text('发布')")
    expect(page.locator("h1 .chip")).to_have_text("已发布")
    page.mouse.wheel(0, -20000)
    shot(page, "activities-02-senior-university")
    school = Activity.objects.get(title="和泰老年大学")
    assert school.status == ActivityStatus.PUBLISHED
    assert Offering.objects.filter(activity=school, term__isnull=False, capacity=40).count() == 3
    assert Session.objects.filter(activity=school).count() == 24
    assert Quota.objects.get().community == world.baoxiang

    # The service fair, held yesterday on the square.
    page.click("nav.crumbs a:has-text('活动')")
    page.click("a.button:has-text('新建活动')")
    page.fill("input[name=title]", "便民服务集市")
    page.select_option("select[name=kind]", "fair")
    page.select_option("select[name=owner]", label="和泰社区")
    page.check(f"input[name=open_to][value='{world.street.pk}']")
    page.fill("input[name=address]", "三花苑中心广场")
    save(page)
    page.click("a.button:has-text('添加场次')")
    page.fill("input[name=starts_at]", f"{day(-1)}T09:00")
    page.fill("input[name=ends_at]", f"{day(-1)}T11:30")
    save(page)
    for service, who in [
        ("磨刀", "志愿者老李"),
        ("理发", "理发志愿队"),
        ("测血压", "社区卫生服务站"),
    ]:
        page.click("a.button:has-text('添加摊位')")
        page.fill("input[name=service]", service)
        page.fill("input[name=volunteers]", who)
        save(page)
    for start, end in [("09:00", "10:00"), ("10:00", "11:00")]:
        page.locator("#stalls tr:has-text('测血压') a:has-text('添加时段')").click()
        page.fill("input[name=starts_at]", f"{day(-1)}T{start}")
        page.fill("input[name=ends_at]", f"{day(-1)}T{end}")
        page.fill("input[name=capacity]", "15")
        save(page)
    expect(page.locator("#stalls")).to_contain_text("0 / 15")
    page.click("button:has-text('发布')")
    expect(page.locator("h1 .chip")).to_have_text("已发布")
    page.click("button:has-text('标记为已举办')")
    expect(page.locator("h1 .chip")).to_have_text("已举办")
    for service, count in [("磨刀", "23"), ("理发", "12"), ("测血压", "30")]:
        page.click("a.button:has-text('登记服务人次')")
        page.select_option("select[name=stall]", label=service)
        page.fill("input[name=count]", count)
        save(page)
    expect(page.locator("#stalls tr:has-text('磨刀')")).to_contain_text("23")

    photo = tmp_path / "fair.jpg"
    buffer = BytesIO()
    Image.new("RGB", (320, 240), (200, 30, 30)).save(buffer, "JPEG")
    photo.write_bytes(buffer.getvalue())
    page.click("a.button:has-text('撰写活动报告')")
    page.fill("textarea[name=report]", "集市服务居民65人次，磨刀最受欢迎。")
    page.click("button:has-text('保存报告')")
    page.click("#report a:has-text('撰写活动报告')")
    page.set_input_files("input[name=photos]", str(photo))
    page.fill("input[name=caption]", "集市现场")
    page.click("button:has-text('添加照片')")
    expect(page.locator("#report")).to_contain_text("磨刀最受欢迎")
    expect(page.locator("#report img")).to_have_count(1)
    page.mouse.wheel(0, -20000)
    shot(page, "activities-03-fair-report")
    fair = Activity.objects.get(title="便民服务集市")
    assert (
        sum(ServiceTally.objects.filter(stall__activity=fair).values_list("count", flat=True)) == 65
    )
    assert ActivityPhoto.objects.filter(activity=fair).count() == 1


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_bob_reads_a_terms_attendance_sheet(
    world: World, term_offering: Offering, live_server: Any, page: Page
) -> None:
    """Four weekly sessions, three held; 周福珍 came to all three and completes the term."""
    term = term_offering.term
    assert term is not None
    # Three weeks ago, two, one, and tomorrow (not today: at 09:00–11:00 today would count as
    # held or not by the hour the test runs).
    Session.objects.filter(term=term).update(
        starts_at=F("starts_at") - timedelta(days=27), ends_at=F("ends_at") - timedelta(days=27)
    )
    sessions = list(term.sessions.order_by("starts_at"))
    for seat, (name, came) in enumerate([("周福珍", 3), ("许向前", 1)], start=1):
        reg = Registration.objects.create(
            offering=term_offering,
            activity=term_offering.activity,
            name=name,
            person_key=f"n{seat}",
            status=RegistrationStatus.CONFIRMED,
            seat=seat,
        )
        for session in sessions[:came]:
            Attendance.objects.create(
                registration=reg, session=session, checked_in_at=session.starts_at, source="scan"
            )
    page.set_viewport_size(DESK)
    log_in(page, live_server.url, "bob", PASSWORD)
    open_activities(page, live_server.url)
    page.click("a:has-text('老年大学')")
    page.click("a:has-text('考勤表')")
    rows = page.locator("table.attendance-grid tbody tr")
    expect(rows.filter(has_text="周福珍")).to_contain_text("已结业")
    expect(rows.filter(has_text="许向前")).to_contain_text("未结业")
    expect(rows.filter(has_text="周福珍")).to_contain_text("3/3")
    shot(page, "activities-04-attendance-sheet")
