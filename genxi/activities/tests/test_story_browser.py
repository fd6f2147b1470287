"""The senior university's term, end to end, as the people who use it (大公园社区's story: three
courses, seats 一位难求): applications open; 300 applicants for 3 courses of 40; the draw with
its published hash and seed; the public ranking; an admitted resident cancels and the waiting
list promotes the next; check-in at the first session; the attendance sheet.

Every step starts from the person's home page and goes by the menu and links: the resident and
the pioneer on a phone, the staff at a desk.
"""

import itertools
import re
from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import Page, expect

from genxi.activities import draw as rfc3797
from genxi.activities.models import (
    Activity,
    ActivityKind,
    Draw,
    Intake,
    Offering,
    Registration,
    RegistrationStatus,
)
from genxi.activities.services import activities as setup
from genxi.activities.tests.test_draw import apply, close_window
from genxi.conftest import PASSWORD, World
from tests.browser import DESK, PHONE, log_in, menu, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COURSES = [("声乐", 9), ("舞蹈", 13), ("花卉种植", 15)]


def senior_university(world: World) -> tuple[Activity, list[Offering], datetime]:
    """The class as staff set it up (their pages are walked in test_activities_browser): three
    courses, a term each from tomorrow, 40 places, applications open until tomorrow 08:00."""
    tomorrow = timezone.localdate() + timedelta(days=1)
    activity = setup.create_activity(
        actor=world["bob"],
        title="老年大学教学点",
        kind=ActivityKind.CLASS,
        owner=world.hetai,
        open_to=[world.street],
        address="和泰社区党群服务中心三楼",
    )
    offerings = []
    for name, hour in COURSES:
        course = setup.add_course(actor=world["bob"], activity=activity, name=name)
        term = setup.add_term(
            actor=world["bob"],
            course=course,
            name="秋季班",
            first_day=tomorrow,
            starts=time(hour),
            ends=time(hour + 2),
            weeks=4,
        )
        offerings.append(
            setup.create_offering(
                actor=world["bob"],
                activity=activity,
                term=term,
                capacity=40,
                intake=Intake.DRAW,
                opens_at=timezone.now() - timedelta(days=3),
                closes_at=timezone.make_aware(datetime.combine(tomorrow, time(8))),
            )
        )
    setup.publish_activity(actor=world["bob"], activity=activity)
    first = timezone.make_aware(datetime.combine(tomorrow, time(COURSES[0][1])))
    return activity, offerings, first


def values_admitting(draw: Draw, roster_number: int, places: int) -> list[str]:
    """Dice the residents could roll so that `roster_number` is admitted: the story needs the
    resident among the first `places` (any other roll is as valid, and the page would show it)."""
    for dice in itertools.product(range(1, 7), repeat=5):
        values = ["4 4 1 6 3", " ".join(map(str, dice))]
        order = rfc3797.rank(rfc3797.make_key(values), draw.roster)
        if roster_number in order[:places]:
            return values
    raise AssertionError("no roll admits the resident")


def test_a_senior_university_term_from_applications_to_attendance(
    world: World, live_server, page: Page
) -> None:
    base = live_server.url
    activity, offerings, first_session = senior_university(world)
    singing = offerings[0]
    # 299 others apply (the 大公园 story: 300 for 3 courses of 40); 艾琳 applies on her phone.
    apply(singing, 99)
    apply(offerings[1], 100, start=100)
    apply(offerings[2], 100, start=200)

    page.set_viewport_size(PHONE)
    log_in(page, base, "erin", PASSWORD)
    menu(page, "signup")
    page.click(f"text={activity.title}")
    page.locator("section.offering", has_text="声乐").locator(
        "button:has-text('为自己申请')"
    ).click()
    expect(page.locator("h1")).to_have_text("我的报名")
    shot(page, "story-university-1-applied-phone")
    erin = Registration.objects.get(resident__user=world["erin"])
    assert erin.status == RegistrationStatus.APPLIED and erin.offering_id == singing.pk

    # The street staff's draw for 声乐: announce the sources while applications are open.
    page.context.clear_cookies()
    page.set_viewport_size(DESK)
    log_in(page, base, "bob", PASSWORD)
    menu(page, "activities")
    page.click(f"text={activity.title}")
    page.locator(f"a[href$='/offerings/{singing.pk}/draw/']").click()
    page.fill("textarea[name=sources]", "福彩3D 开奖号码\n居民在抽签现场掷的五颗骰子")
    draw_at = timezone.localtime(first_session - timedelta(minutes=30))
    page.fill("input[name=draw_at]", draw_at.strftime("%Y-%m-%dT%H:%M"))
    page.click("#announce button[type=submit]")
    expect(page.locator(".msg")).to_contain_text("抽签已公布")
    # The window closes; the roster is frozen and its hash published.
    close_window(singing)
    page.reload()
    expect(page.locator("#applied")).to_have_text("100")
    page.check("input[name=confirm]")
    page.click("#freeze button[type=submit]")
    expect(page.locator(".msg")).to_contain_text("名单已冻结")
    draw = Draw.objects.get(offering=singing)
    expect(page.locator("#roster-hash")).to_have_text(draw.roster_sha256)
    # At the draw: the lottery's numbers and the residents' dice.
    erin.refresh_from_db()
    assert erin.roster_number is not None
    values = values_admitting(draw, erin.roster_number, 40)
    page.fill("textarea[name=values]", "\n".join(values))
    page.click("#run button[type=submit]")
    expect(page.locator("#result")).to_contain_text("已录取 40 人，候补 60 人")
    draw.refresh_from_db()
    shot(page, "story-university-2-drawn-desk")
    # The public page: seed and full ranking, for anyone.
    page.click("#public-link")
    expect(page.locator("#roster-hash")).to_have_text(draw.roster_sha256)
    expect(page.locator("#key")).to_have_text(draw.key)
    expect(page.locator("#ranking .chip, #ranking .status")).to_have_count(100)
    shot(page, "story-university-3-public-desk")
    assert (
        Registration.objects.filter(offering=singing, status=RegistrationStatus.CONFIRMED).count()
        == 40
    )
    next_in_line = (
        Registration.objects.filter(offering=singing, status=RegistrationStatus.WAITING)
        .order_by("tier", "position")
        .first()
    )
    assert next_in_line is not None

    # 艾琳 was admitted; she cannot come after all and gives her seat back on her phone.
    page.context.clear_cookies()
    page.set_viewport_size(PHONE)
    log_in(page, base, "erin", PASSWORD)
    menu(page, "my_registrations")
    mine = page.locator(f"#registration-{erin.pk}")
    expect(mine).to_contain_text("已确认")
    expect(mine.locator("#roster-number")).to_contain_text(str(erin.roster_number))
    expect(mine.locator(".ticket svg")).to_be_visible()
    shot(page, "story-university-4-admitted-phone")
    mine.locator("text=取消报名").click()
    page.click("button:has-text('确定取消')")
    expect(page.locator(".messages")).to_contain_text("的报名已取消")
    next_in_line.refresh_from_db()
    assert next_in_line.status == RegistrationStatus.CONFIRMED
    assert (
        Registration.objects.filter(offering=singing, status=RegistrationStatus.CONFIRMED).count()
        == 40
    )

    # The staff see the seat taken by the next in line.
    page.context.clear_cookies()
    page.set_viewport_size(DESK)
    log_in(page, base, "bob", PASSWORD)
    menu(page, "activities")
    page.click(f"text={activity.title}")
    page.click(f"a[href='{singing.get_absolute_url()}']")
    expect(page.locator("#counts")).to_contain_text("40")
    expect(page.locator("#counts")).to_contain_text("59")
    shot(page, "story-university-5-promoted-desk")

    # The first session: the pioneer checks students in at the door on her phone.
    admitted = list(
        Registration.objects.filter(offering=singing, status=RegistrationStatus.CONFIRMED).order_by(
            "seat"
        )[:2]
    )
    with time_machine.travel(first_session - timedelta(minutes=5), tick=True):
        page.context.clear_cookies()
        page.set_viewport_size(PHONE)
        log_in(page, base, "carol", PASSWORD)
        menu(page, "door")
        page.locator("a[data-session]", has_text=activity.title).first.click()
        expect(page.locator("#door-count")).to_have_text("0 / 40")
        for n, person in enumerate(admitted, start=1):
            page.fill("#code-form input[name=code]", person.code)
            page.click("#code-form button[type=submit]")
            expect(page.locator("#door-count")).to_have_text(f"{n} / 40")
        shot(page, "story-university-6-door-phone")

    # After the session: the attendance sheet of the term, at the desk.
    with time_machine.travel(first_session + timedelta(hours=2, minutes=30), tick=True):
        page.context.clear_cookies()
        page.set_viewport_size(DESK)
        log_in(page, base, "bob", PASSWORD)
        menu(page, "activities")
        page.click(f"text={activity.title}")
        term = singing.term
        assert term is not None
        page.locator(f"#term-{term.pk}").locator("text=考勤表").click()
        rows = page.locator("tbody tr", has_text=re.compile("✓"))
        expect(rows).to_have_count(2)
        shot(page, "story-university-7-attendance-desk")
