"""In headless Chromium on a phone: carol (a pioneer of 和泰) checks people in at the door — a
typed code, a QR code held up to the camera (Chromium's fake camera plays a video of it), scans
made offline queued on the phone and uploaded once when the network is back."""

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import segno
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Page, expect

from genxi.activities import codes
from genxi.activities.models import Attendance, Registration, VolunteerShift
from genxi.activities.tests.test_checkin import Door, door_session, reg
from genxi.conftest import CSP_WATCH, PASSWORD, World
from tests.browser import PHONE, log_in, menu, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The registration the camera sees (a fixed code, so the video can be made before the browser).
CAMERA_CODE = "SCANME23"


def qr_video(payload: str, path: Path, *, frames: int = 10) -> Path:
    """A Y4M video (what Chromium's fake camera plays) of the QR code on white, 640×480."""
    buffer = io.BytesIO()
    segno.make(payload, error="m").save(buffer, kind="png", scale=10, border=4)
    qr = Image.open(io.BytesIO(buffer.getvalue())).convert("L")
    side = min(440, qr.width)
    frame = Image.new("L", (640, 480), 255)
    frame.paste(qr.resize((side, side), Image.Resampling.NEAREST), ((640 - side) // 2, 20))
    y, cb, cr = frame.convert("RGB").convert("YCbCr").split()
    chroma = [c.resize((320, 240)).tobytes() for c in (cb, cr)]
    with path.open("wb") as video:
        video.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n")
        for _ in range(frames):
            video.write(b"FRAME\n" + y.tobytes() + chroma[0] + chroma[1])
    return path


@pytest.fixture
def camera_page(
    browser_type: Any, browser_type_launch_args: dict[str, Any], tmp_path: Path
) -> Iterator[Page]:
    """A phone page in a Chromium whose camera films the QR code of CAMERA_CODE."""
    video = qr_video(codes.qr_payload(CAMERA_CODE), tmp_path / "qr.y4m")
    browser = browser_type.launch(
        **{
            **browser_type_launch_args,
            "args": [
                *browser_type_launch_args.get("args", []),
                "--use-fake-device-for-media-stream",
                "--use-fake-ui-for-media-stream",
                f"--use-file-for-fake-video-capture={video}",
            ],
        }
    )
    context = browser.new_context(
        viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai", permissions=["camera"]
    )
    violations: list[str] = []
    context.add_init_script(CSP_WATCH)
    context.on(
        "console",
        lambda m: (
            violations.append(m.text)
            if m.text.startswith("CSP violation") or "Content Security Policy" in m.text
            else None
        ),
    )
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()
        browser.close()
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)


def test_a_pioneer_checks_people_in_at_the_door_online_and_offline(
    world: World, live_server: Any, camera_page: Page
) -> None:
    page = camera_page
    door: Door = door_session(world, capacity=10)
    typed = reg(door.offering, "张阿姨")
    filmed = reg(door.offering, "李大爷")
    Registration.objects.filter(pk=filmed.pk).update(code=CAMERA_CODE)
    offline = reg(door.offering, "王奶奶")
    batch_posts: list[str] = []
    page.on("request", lambda r: batch_posts.append(r.url) if r.url.endswith("/batch") else None)

    log_in(page, live_server.url, "carol", PASSWORD)
    shot(page, "checkin-01-home")
    menu(page, "door")
    page.click(f"a[data-session='{door.session.pk}']")
    expect(page.locator("h1")).to_have_text("冬季健康讲座")
    expect(page.locator("#door-count")).to_have_text("0 / 3")

    # A typed code, spaced and in lower case as someone reads it out.
    page.fill("input[name=code]", f"{typed.code[:4].lower()} {typed.code[4:].lower()}")
    page.click("#code-form button[type=submit]")
    expect(page.locator("#door-results li").first).to_contain_text("张阿姨 签到成功")
    expect(page.locator("#door-results li .status-resolved").first).to_have_text("已签到")
    expect(page.locator("#door-count")).to_have_text("1 / 3")

    # The same code again: amber, with the time of the first.
    page.fill("input[name=code]", typed.code)
    page.click("#code-form button[type=submit]")
    first_at = timezone.localtime(Attendance.objects.get(registration=typed).checked_in_at)
    expect(page.locator("#door-results li").first).to_contain_text(f"已于 {first_at:%H:%M} 签到过")
    expect(page.locator("#door-results li .chip.warn").first).to_have_text("已签过")

    # A damaged code: red, in Chinese.
    page.fill("input[name=code]", "GX1:ABCDEFGH:AAAAAA")
    page.click("#code-form button[type=submit]")
    expect(page.locator("#door-results li .chip.danger").first).to_have_text("未通过")
    expect(page.locator("#door-results li").first).to_contain_text("二维码已损坏")

    # The camera: Chromium's fake camera films 李大爷's QR code; it is read once.
    page.click("#scanner-start")
    expect(page.locator("#door-results li").first).to_contain_text("李大爷 签到成功", timeout=15000)
    shot(page, "checkin-02-scanned")
    page.wait_for_timeout(1000)  # still in view: not sent again
    assert page.locator("#door-results li", has_text="李大爷").count() == 1
    page.click("#scanner-stop")
    expect(page.locator("#scanner-video")).to_be_hidden()

    # Offline: two scans (a typed code and the camera again) are queued with their times.
    page.context.set_offline(True)
    page.fill("input[name=code]", offline.code)
    page.click("#code-form button[type=submit]")
    page.click("#scanner-start")
    expect(page.locator("#door-queue li")).to_have_count(2, timeout=15000)
    page.click("#scanner-stop")
    expect(page.locator("#door-queue-count")).to_have_text("2")
    expect(page.locator("#door-queue li").first).to_contain_text(offline.code)
    shot(page, "checkin-03-offline-queue")
    assert not Attendance.objects.filter(registration=offline).exists()
    queued_at = timezone.now()

    # Back online: the queue goes up in one batch; 王奶奶 counts at her own time.
    page.wait_for_timeout(500)
    page.context.set_offline(False)
    expect(page.locator("#queue")).to_be_hidden(timeout=15000)
    expect(page.locator("#door-count")).to_have_text("3 / 3")
    expect(page.locator("#door-results")).to_contain_text("王奶奶 签到成功")
    expect(page.locator("#door-results")).to_contain_text("李大爷 已于")
    shot(page, "checkin-04-uploaded")
    assert len(batch_posts) == 1
    attendance = Attendance.objects.get(registration=offline)
    assert attendance.checked_in_at < queued_at
    assert attendance.recorded_at > attendance.checked_in_at
    assert Attendance.objects.filter(session=door.session).count() == 3
    assert page.evaluate("localStorage.length") == 0

    # A reload keeps nothing queued and shows the count.
    page.reload()
    expect(page.locator("#door-count")).to_have_text("3 / 3")
    expect(page.locator("#queue")).to_be_hidden()


def test_a_walk_in_and_a_volunteer_at_the_door(
    world: World, live_server: Any, camera_page: Page
) -> None:
    page = camera_page
    door: Door = door_session(world, capacity=1)
    log_in(page, live_server.url, "carol", PASSWORD)
    menu(page, "door")
    page.click(f"a[data-session='{door.session.pk}']")
    walk_in = page.locator("#walk-in")
    walk_in.locator("input[name=name]").fill("赵六")
    walk_in.locator("input[name=phone]").fill("13812345670")
    walk_in.locator("button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text("赵六 已现场登记（1 号座）并签到")
    expect(page.locator("#door-count")).to_have_text("1 / 1")
    walk_in = page.locator("#walk-in")
    walk_in.locator("input[name=name]").fill("钱七")
    walk_in.locator("input[name=phone]").fill("13812345671")
    walk_in.locator("button[type=submit]").click()
    expect(page.locator("#walk-in .errors")).to_contain_text("已无空余名额")
    shot(page, "checkin-05-walk-in-full")

    volunteers = page.locator("#volunteers")
    volunteers.locator("input[name=name]").fill("志愿者小王")
    volunteers.locator("button[type=submit]").last.click()
    expect(page.locator("#volunteers")).to_contain_text("起在岗")
    page.wait_for_timeout(1100)  # a check-out comes after the check-in
    page.locator("#volunteers button", has_text="签退").click()
    expect(page.locator("#volunteers")).to_contain_text("志愿者小王")
    expect(page.locator("#volunteers")).not_to_contain_text("起在岗")
    shot(page, "checkin-06-volunteers")
    shift = VolunteerShift.objects.get()
    assert shift.checked_out_at is not None and shift.checked_out_at > shift.checked_in_at
