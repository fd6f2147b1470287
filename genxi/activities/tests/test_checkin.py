"""Check-in at the door: codes and QR scans, refusals, the offline batch with its times, walk-ins,
volunteers' hours, and the texts (the day-before reminder once, a seat from the waiting list)."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.http import Http404
from django.test import Client
from django.utils import timezone, translation

from genxi.activities import codes
from genxi.activities.models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Attendance,
    CheckInSource,
    Offering,
    Registration,
    RegistrationStatus,
    Reminder,
    Session,
    VolunteerShift,
    WaitlistMode,
)
from genxi.activities.services import checkin
from genxi.activities.tests.conftest import Lecture, at
from genxi.conftest import World
from genxi.core.models import AuditEntry
from genxi.core.services import ServiceError

_serial = iter(range(1, 10**6))


def reg(
    offering: Offering,
    name: str = "张三",
    *,
    phone: str = "13812340000",
    status: str = RegistrationStatus.CONFIRMED,
    seat: int | None = None,
    resident: Any = None,
) -> Registration:
    """A registration made with the ORM (the registration services are another engineer's)."""
    n = next(_serial)
    held = status in (RegistrationStatus.CONFIRMED, RegistrationStatus.OFFERED)
    return Registration.objects.create(
        offering=offering,
        activity=offering.activity,
        resident=resident,
        name=name,
        phone=phone,
        person_key=f"r{resident.pk}" if resident else f"p{phone}-{n}",
        status=status,
        seat=(seat or n) if held else None,
        position=n,
    )


@dataclass
class Door:
    activity: Activity
    session: Session
    offering: Offering


def door_session(world: World, *, capacity: int = 3, title: str = "冬季健康讲座") -> Door:
    """A published lecture at 和泰 that began ten minutes ago."""
    activity = Activity.objects.create(
        title=title,
        kind=ActivityKind.LECTURE,
        owner=world.hetai,
        street=world.street,
        venue=world.venue,
        status=ActivityStatus.PUBLISHED,
    )
    activity.open_to.set([world.street])
    now = timezone.now()
    session = Session.objects.create(
        activity=activity,
        starts_at=now - timedelta(minutes=10),
        ends_at=now + timedelta(hours=2),
        venue=world.venue,
    )
    offering = Offering.objects.create(activity=activity, session=session, capacity=capacity)
    return Door(activity, session, offering)


@pytest.fixture
def door(world: World) -> Door:
    return door_session(world)


def refusal(call: Any) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        call()
    return caught.value


# Codes and scans -------------------------------------------------------------------------------


def test_a_typed_code_checks_in_once_and_a_scan_of_it_is_the_same(world: World, door: Door) -> None:
    r = reg(door.offering)
    carol = world["carol"]
    typed = f"{r.code[:4].lower()} {r.code[4:].lower()}"
    attendance, created = checkin.check_in(actor=carol, session=door.session, text=typed)
    assert created and attendance.registration == r and attendance.by == carol
    again, created = checkin.check_in(
        actor=carol,
        session=door.session,
        text=codes.qr_payload(r.code),
        source=CheckInSource.SCAN,
    )
    assert not created and again.pk == attendance.pk
    assert Attendance.objects.count() == 1
    assert AuditEntry.objects.filter(action="activities.check_in").count() == 1
    outcome = checkin.describe(again, False)
    hhmm = timezone.localtime(attendance.checked_in_at).strftime("%H:%M")
    assert outcome.result == "already" and hhmm in outcome.message
    with translation.override("zh-hans"):
        assert "已于" in checkin.describe(again, False).message


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("GX1:ABCDEFGH:AAAAAA", "bad_code"),  # a damaged QR: its check characters are wrong
        ("GX1:ABCD", "bad_code"),
        ("https://weixin.qq.com/r/abc", "foreign_code"),  # another system's QR
        ("ABC0EFGH", "bad_code"),  # 0 is not in the alphabet
        ("ABC", "bad_code"),
        ("ZZZZZZZZ", "unknown_code"),
    ],
)
def test_damaged_foreign_and_unknown_codes_are_refused_in_chinese(
    world: World, door: Door, text: str, code: str
) -> None:
    reg(door.offering)
    with translation.override("zh-hans"):
        exc = refusal(
            lambda: checkin.check_in(actor=world["carol"], session=door.session, text=text)
        )
    assert exc.code == code and exc.field == "code"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in exc.message), exc.message
    assert not Attendance.objects.exists()


def test_a_code_of_another_activity_is_refused_without_naming_it(world: World, door: Door) -> None:
    other = door_session(world, title="社区电影放映")
    r = reg(other.offering)
    exc = refusal(lambda: checkin.check_in(actor=world["bob"], session=door.session, text=r.code))
    assert exc.code == "other_activity" and "社区电影放映" not in exc.message


def test_cancelled_and_waiting_registrations_are_refused_saying_so(
    world: World, door: Door
) -> None:
    cancelled = reg(door.offering, "李四", status=RegistrationStatus.CANCELLED)
    waiting = reg(door.offering, "王五", status=RegistrationStatus.WAITING)
    bob = world["bob"]
    exc = refusal(lambda: checkin.check_in(actor=bob, session=door.session, text=cancelled.code))
    assert exc.code == "cancelled" and "李四" in exc.message
    exc = refusal(lambda: checkin.check_in(actor=bob, session=door.session, text=waiting.code))
    assert exc.code == "no_seat" and "王五" in exc.message
    assert not Attendance.objects.exists()


def test_check_in_opens_on_the_session_day(world: World, lecture: Lecture) -> None:
    r = reg(lecture.offering)
    exc = refusal(
        lambda: checkin.check_in(actor=world["carol"], session=lecture.session, text=r.code)
    )
    assert exc.code == "too_early"


def test_a_term_registration_checks_in_at_each_of_its_sessions(
    world: World, term_offering: Offering
) -> None:
    r = reg(term_offering)
    sessions = list(term_offering.term.sessions.all())
    first = sessions[0]
    first.starts_at = timezone.now() - timedelta(minutes=5)
    first.ends_at = timezone.now() + timedelta(hours=1)
    first.save()
    _attendance, created = checkin.check_in(actor=world["bob"], session=first, text=r.code)
    assert created
    assert checkin.counts(first) == (1, 1)


def test_only_helpers_of_the_activity_check_in(world: World, door: Door) -> None:
    r = reg(door.offering)
    for name in ("oscar", "erin", "dave", "nobody"):
        with pytest.raises(Http404):
            checkin.check_in(actor=world[name], session=door.session, text=r.code)
    assert not Attendance.objects.exists()


# The offline queue -----------------------------------------------------------------------------


def test_a_batch_keeps_each_scan_time_and_counts_a_code_once(world: World, door: Door) -> None:
    first, second = reg(door.offering, "甲"), reg(door.offering, "乙")
    now = timezone.now()
    t1, t2 = now - timedelta(minutes=8), now - timedelta(minutes=6)
    scans = [
        (codes.qr_payload(first.code), t1),
        (first.code, t2),
        (second.code, t2),
        ("GX1:BROKEN:XXXXXX", t2),
    ]
    outcomes = checkin.check_in_batch(actor=world["carol"], session=door.session, scans=scans)
    assert [o.result for o in outcomes] == ["checked_in", "already", "checked_in", "refused"]
    assert Attendance.objects.get(registration=first).checked_in_at == t1
    assert Attendance.objects.get(registration=second).checked_in_at == t2
    # The same queue uploaded again (its answer was lost): nothing counts twice.
    again = checkin.check_in_batch(actor=world["carol"], session=door.session, scans=scans)
    assert [o.result for o in again] == ["already", "already", "already", "refused"]
    assert Attendance.objects.count() == 2


def test_a_batch_refuses_future_times_times_before_the_day_and_too_many(
    world: World, door: Door
) -> None:
    r = reg(door.offering)
    now = timezone.now()
    day = timezone.localtime(door.session.starts_at).date()
    start_of_day = timezone.make_aware(datetime.combine(day, time.min))
    outcomes = checkin.check_in_batch(
        actor=world["carol"],
        session=door.session,
        scans=[(r.code, now + timedelta(hours=1)), (r.code, start_of_day - timedelta(minutes=1))],
    )
    assert [o.code for o in outcomes] == ["bad_time", "too_early"]
    exc = refusal(
        lambda: checkin.check_in_batch(
            actor=world["carol"], session=door.session, scans=[(r.code, now)] * 501
        )
    )
    assert exc.code == "too_many"
    assert not Attendance.objects.exists()


# Walk-ins --------------------------------------------------------------------------------------


def test_a_walk_in_takes_a_free_seat_and_is_checked_in(world: World, door: Door) -> None:
    reg(door.offering, seat=1)
    r, attendance = checkin.walk_in(
        actor=world["carol"], session=door.session, name="赵六", phone="138 1234 5670"
    )
    assert r.status == RegistrationStatus.CONFIRMED and r.seat == 2 and r.by_staff
    assert r.phone == "13812345670" and attendance.source == CheckInSource.WALK_IN
    resident = world.resident1
    r2, _a = checkin.walk_in(
        actor=world["carol"], session=door.session, name="", phone="", resident=resident
    )
    assert r2.resident == resident and r2.seat == 3 and r2.community == world.hetai
    assert checkin.counts(door.session) == (2, 3)


def test_no_walk_in_when_full_or_when_someone_waits(world: World, door: Door) -> None:
    carol = world["carol"]
    for seat in (1, 2, 3):
        reg(door.offering, seat=seat)
    exc = refusal(
        lambda: checkin.walk_in(actor=carol, session=door.session, name="赵六", phone="13812345670")
    )
    assert exc.code == "full"
    other = door_session(world, title="书法体验")
    reg(other.offering, seat=1)
    reg(other.offering, status=RegistrationStatus.WAITING)
    exc = refusal(
        lambda: checkin.walk_in(
            actor=carol, session=other.session, name="赵六", phone="13812345670"
        )
    )
    assert exc.code == "people_waiting"
    exc = refusal(
        lambda: checkin.walk_in(actor=carol, session=other.session, name="赵六", phone="12")
    )
    assert exc.field == "phone"
    assert Registration.objects.filter(name="赵六").count() == 0
    assert not Attendance.objects.exists()


def test_the_same_person_cannot_walk_in_twice(world: World, door: Door) -> None:
    carol = world["carol"]
    checkin.walk_in(actor=carol, session=door.session, name="赵六", phone="13812345670")
    exc = refusal(
        lambda: checkin.walk_in(actor=carol, session=door.session, name="赵六", phone="13812345670")
    )
    assert exc.code == "already_registered"


# Volunteers ------------------------------------------------------------------------------------


def test_volunteer_hours_add_up_and_bad_check_outs_are_refused(world: World, door: Door) -> None:
    carol = world["carol"]
    now = timezone.now()
    shift = checkin.volunteer_check_in(
        actor=carol, session=door.session, name="志愿者小王", at=now - timedelta(minutes=9)
    )
    exc = refusal(
        lambda: checkin.volunteer_check_in(actor=carol, session=door.session, name="志愿者小王")
    )
    assert exc.code == "already_in"
    exc = refusal(
        lambda: checkin.volunteer_check_out(
            actor=carol, shift=shift, at=shift.checked_in_at - timedelta(minutes=1)
        )
    )
    assert exc.code == "bad_time"
    checkin.volunteer_check_out(actor=carol, shift=shift, at=now - timedelta(minutes=3))
    exc = refusal(lambda: checkin.volunteer_check_out(actor=carol, shift=shift))
    assert exc.code == "already_out"
    stale = VolunteerShift.objects.get(pk=shift.pk)
    stale.checked_out_at = None  # a second phone that still shows the shift open
    exc = refusal(lambda: checkin.volunteer_check_out(actor=carol, shift=stale))
    assert exc.code == "already_out"
    second = checkin.volunteer_check_in(
        actor=carol, session=door.session, name="志愿者小王", at=now - timedelta(minutes=2)
    )
    checkin.volunteer_check_out(actor=carol, shift=second, at=now - timedelta(minutes=1))
    checkin.volunteer_check_in(actor=carol, session=door.session, user=world["erin"])
    hours = {v.name: v for v in checkin.volunteer_hours(VolunteerShift.objects.all())}
    assert hours["志愿者小王"].shifts == 2
    assert hours["志愿者小王"].hours == pytest.approx(0.1 + 0.02, abs=0.011)
    assert hours["志愿者小王"].open_shift is None
    erin = hours[str(world["erin"])]
    assert erin.open_shift is not None and erin.hours == 0


# Texts -----------------------------------------------------------------------------------------


@pytest.fixture
def texts(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []
    monkeypatch.setattr(checkin, "notify", lambda **kwargs: sent.append(kwargs))
    return sent


def test_the_day_before_reminder_goes_once_to_seated_people_who_agree(
    world: World, lecture: Lecture, texts: list[dict[str, Any]]
) -> None:
    seated = reg(lecture.offering, "甲", phone="13812340001")
    reg(lecture.offering, "乙", phone="13812340002", status=RegistrationStatus.WAITING)
    reg(lecture.offering, "丙", phone="")
    world.resident2.consent_to_contact = False
    world.resident2.save()
    reg(lecture.offering, "丁", resident=world.resident2)
    # The lecture is in three days: the day before is two days from now.
    day_before = lecture.session.starts_at - timedelta(days=1)
    assert checkin.send_day_before_reminders(timezone.now()) == 0
    assert checkin.send_day_before_reminders(day_before) == 1
    assert checkin.send_day_before_reminders(day_before) == 0
    assert len(texts) == 1 and texts[0]["phones"] == ["13812340001"]
    assert "冬季健康讲座" in texts[0]["title"] and seated.code in texts[0]["body"]
    assert "明天" in texts[0]["title"]  # sent in Chinese whoever runs the command
    assert Reminder.objects.filter(kind=Reminder.Kind.DAY_BEFORE).count() == 1


def test_the_daily_command_sends_the_reminders(
    world: World, lecture: Lecture, texts: list[dict[str, Any]]
) -> None:
    from django.core.management import call_command

    lecture.session.starts_at = timezone.now() + timedelta(days=1)
    lecture.session.ends_at = lecture.session.starts_at + timedelta(hours=1)
    lecture.session.save()
    reg(lecture.offering)
    call_command("remind_activities")
    call_command("remind_activities")
    assert len(texts) == 1


def test_a_seat_opening_is_texted_with_the_deadline_or_the_confirmation(
    world: World, lecture: Lecture, texts: list[dict[str, Any]]
) -> None:
    offered = reg(lecture.offering, "甲", phone="13812340001", status=RegistrationStatus.OFFERED)
    offered.offer_expires_at = timezone.now() + timedelta(hours=24)
    confirmed = reg(lecture.offering, "乙", resident=world.resident1)
    erin = world.users["erin"]
    resident = world.resident1
    resident.user = erin
    checkin.notify_seat_opened([offered, confirmed])
    assert texts[0]["phones"] == ["13812340001"] and "名额" in texts[0]["title"]
    deadline = timezone.localtime(offered.offer_expires_at).strftime("%H:%M")
    assert deadline in texts[0]["body"]
    assert confirmed.code in texts[1]["body"] and texts[1]["users"] == [erin]
    kinds = sorted(Reminder.objects.values_list("kind", flat=True))
    assert kinds == [Reminder.Kind.SEAT_CONFIRMED, Reminder.Kind.SEAT_OFFERED]
    assert lecture.activity.waitlist_mode == WaitlistMode.CONFIRM


# The API and the pages --------------------------------------------------------------------------


def client_for(world: World, name: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(world[name])
    return client


def test_the_api_checks_in_answers_repeats_and_refuses_in_chinese(world: World, door: Door) -> None:
    r = reg(door.offering, "甲")
    carol = client_for(world, "carol")
    url = f"/api/v1/sessions/{door.session.pk}/check-ins"
    first = carol.post(url, {"code": r.code, "source": "scan"}, content_type="application/json")
    assert first.status_code == 201, first.content
    assert first.json()["result"] == "checked_in" and first.json()["count"] == 1
    again = carol.post(url, {"code": r.code}, content_type="application/json")
    assert again.status_code == 200 and again.json()["result"] == "already"
    bad = carol.post(url, {"code": "GX1:ABCDEFGH:AAAAAA"}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "bad_code"
    assert "二维码" in bad.json()["message"]
    oscar = client_for(world, "oscar")
    assert oscar.post(url, {"code": r.code}, content_type="application/json").status_code == 404
    assert (
        carol.post(
            "/api/v1/sessions/999999/check-ins", {"code": r.code}, content_type="application/json"
        ).status_code
        == 404
    )


def test_the_api_uploads_a_batch(world: World, door: Door) -> None:
    r = reg(door.offering, "甲")
    carol = client_for(world, "carol")
    at = (timezone.now() - timedelta(minutes=5)).isoformat()
    url = f"/api/v1/sessions/{door.session.pk}/check-ins/batch"
    body = [{"code": r.code, "at": at}, {"code": r.code, "at": at}, {"code": "nonsense!", "at": at}]
    answer = carol.post(url, body, content_type="application/json")
    assert answer.status_code == 200, answer.content
    data = answer.json()
    assert (data["checked_in"], data["already"], data["refused"]) == (1, 1, 1)
    assert (data["count"], data["registered"]) == (1, 1)
    too_many = carol.post(url, [body[0]] * 501, content_type="application/json")
    assert too_many.status_code == 400 and too_many.json()["code"] == "too_many"
    oscar = client_for(world, "oscar")
    assert oscar.post(url, body, content_type="application/json").status_code == 404


def test_the_door_list_keeps_a_session_that_runs_past_midnight(world: World) -> None:
    """An evening session that began yesterday and ends after midnight is still at the door."""
    spans = {
        "跨夜观影": (at(-1, 23), at(0, 0, 30)),
        "昨晚讲座": (at(-1, 20), at(-1, 22)),
        "后天课程": (at(2, 0), at(2, 2)),
        "明晚义诊": (at(1, 19), at(1, 21)),
    }
    for title, (starts, ends) in spans.items():
        Session.objects.filter(pk=door_session(world, title=title).session.pk).update(
            starts_at=starts, ends_at=ends
        )
    listing = client_for(world, "carol").get("/activities/door/").content.decode()
    assert "跨夜观影" in listing and "明晚义诊" in listing
    assert "昨晚讲座" not in listing and "后天课程" not in listing


def test_the_door_page_without_script_types_walks_in_and_tracks_volunteers(
    world: World, door: Door
) -> None:
    r = reg(door.offering, "甲", seat=1)
    carol = client_for(world, "carol")
    page = f"/activities/sessions/{door.session.pk}/door/"
    assert carol.get(page).status_code == 200
    assert client_for(world, "oscar").get(page).status_code == 404
    assert client_for(world, "erin").get(page).status_code == 404
    listing = carol.get("/activities/door/")
    assert page in listing.content.decode()
    done = carol.post(page + "code/", {"code": r.code}, follow=True)
    assert "甲" in done.content.decode() and Attendance.objects.count() == 1
    bad = carol.post(page + "code/", {"code": "GX1:ABCDEFGH:AAAAAA"})
    assert bad.status_code == 400 and "二维码" in bad.content.decode()
    walked = carol.post(page + "walk-in/", {"name": "赵六", "phone": "13812345670"}, follow=True)
    assert "赵六" in walked.content.decode() and Attendance.objects.count() == 2
    carol.post(page + "volunteers/", {"name": "志愿者小王"})
    shift = VolunteerShift.objects.get()
    carol.post(page + f"volunteers/{shift.pk}/out/")
    shift.refresh_from_db()
    assert shift.checked_out_at is not None


def test_the_ticket_shows_the_qr_code_and_the_code_in_two_groups(world: World, door: Door) -> None:
    from django.template.loader import render_to_string

    r = reg(door.offering)
    with translation.override("zh-hans"):
        html = render_to_string("activities/checkin/_ticket.html", {"registration": r})
    assert "<svg" in html and f"{r.code[:4]} {r.code[4:]}" in html and "签到码" in html
    assert "<script" not in html and "style=" not in html
