"""The draw: RFC 3797's worked example, tiers, the roster's hash, the published script, the
three steps and their refusals, quotas and the waiting list in the draw's order."""

import hashlib
import json
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from genxi.activities import draw as rfc3797
from genxi.activities.models import (
    HOLDS_SEAT,
    ActivityStatus,
    Draw,
    DrawStatus,
    Offering,
    Quota,
    Registration,
    RegistrationStatus,
)
from genxi.activities.services.draw import announce_draw, freeze_roster, run_draw
from genxi.activities.services.registration import register
from genxi.activities.services.seats import waiting_line
from genxi.conftest import World
from genxi.core.models import Notification
from genxi.core.services import ServiceError
from genxi.places.models import Area, Resident

SCRIPT = Path(rfc3797.__file__).with_name("recompute_draw.py")

# RFC 3797, section 6: the sources' values, the key, the MD5 of each step and the selection.
RFC_VALUES = ["9319", "2 5 12 8 10", "9 18 26 34 41 45"]
RFC_KEY = "9319./2.5.8.10.12./9.18.26.34.41.45./"
RFC_DIGESTS = [
    "990DD0A5692A029A98B5E01AA28F3459",
    "3691E55CB63FCC37914430B2F70B5EC6",
    "FE814EDF564C190AC1D25753979990FA",
    "1863CCACEB568C31D7DDBDF1D4E91387",
    "F4AB33DF4889F0AF29C513905BE1D758",
    "13EAEB529F61ACFB9A29D0BA3A60DE4A",
    "992DB77C382CA2BDB9727001F3CDCCD9",
    "63AB4258ECA922976811C7F55C383CE7",
    "DFBC5AC97CED01B3A6E348E3CC63F40D",
    "31CB111C4A4EBE9287CEAE16FE51B909",
    "07FA46C122F164C215BBC72793B189A3",
    "AC52F8D75CCBE2E61AFEB3387637D501",
    "53306F73E14FC0B2FBF434218D25948E",
    "B5D1403501A81F9A47318BE7893B347C",
    "85B10B356AA06663EF1B1B407765100A",
    "3269E6CE559ABD57E2BA6AAB495EB9BD",
]
RFC_SELECTED = [17, 7, 2, 16, 25, 23, 8, 24, 19, 13, 22]


def script(*args: str) -> dict[str, str]:
    """Run the published script as anyone would, with the system's Python; its lines."""
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    lines = dict(line.split(": ", 1) for line in done.stdout.splitlines())
    return lines


def numbers(rows: Any, field: str) -> list[int]:
    """A column's numbers, sorted."""
    return sorted(n for n in rows.values_list(field, flat=True) if n is not None)


def apply(
    offering: Offering, count: int, *, tier: int = 5, community: Area | None = None, start: int = 0
) -> list[Registration]:
    """`count` applications (before the draw), in sign-up order."""
    now = timezone.now()
    return Registration.objects.bulk_create(
        Registration(
            offering=offering,
            activity_id=offering.activity_id,
            name=f"申请人{start + i}",
            person_key=f"p139{start + i:08d}",
            community=community,
            status=RegistrationStatus.APPLIED,
            tier=tier,
            created_at=now + timedelta(microseconds=start + i),
        )
        for i in range(count)
    )


def announced(world: World, offering: Offering, **kwargs: Any) -> Draw:
    draw = announce_draw(
        actor=world["bob"],
        offering=offering,
        sources="福彩3D 开奖号码\n居民现场掷的五颗骰子",
        draw_at=offering.closes_at + timedelta(days=1),  # type: ignore[operator]
        **kwargs,
    )
    return draw


def close_window(offering: Offering) -> None:
    """Time passes: the application window closes (the draw is still to come)."""
    offering.closes_at = timezone.now() - timedelta(minutes=1)
    Offering.objects.filter(pk=offering.pk).update(closes_at=offering.closes_at)


def frozen(world: World, offering: Offering, applicants: int) -> Draw:
    draw = announced(world, offering)
    apply(offering, applicants)
    close_window(offering)
    return freeze_roster(actor=world["bob"], draw=draw)


# --- The arithmetic -----------------------------------------------------------------------


def test_rfc3797_worked_example_reproduces_exactly() -> None:
    assert rfc3797.make_key(RFC_VALUES) == RFC_KEY
    assert [rfc3797.digest(RFC_KEY, i).hex().upper() for i in range(16)] == RFC_DIGESTS
    assert rfc3797.rfc3797_order(RFC_KEY, 25)[:11] == RFC_SELECTED
    order = rfc3797.rank(RFC_KEY, [[n, 5] for n in range(1, 26)])
    assert order[:11] == RFC_SELECTED
    assert sorted(order) == list(range(1, 26))


def test_the_script_reproduces_the_worked_example(tmp_path: Path) -> None:
    roster = tmp_path / "roster.json"
    roster.write_bytes(rfc3797.roster_json([[n, 5] for n in range(1, 26)]))
    out = script(str(roster), *RFC_VALUES)
    assert out["key"] == RFC_KEY
    assert [int(n) for n in out["ranking"].split()][:11] == RFC_SELECTED
    assert out["roster_sha256"] == hashlib.sha256(roster.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    ("value", "part"),
    [
        ("9319", "9319./"),
        ("12 5 2 10 8", "2.5.8.10.12./"),
        ("007, 3，1、2", "1.2.3.7./"),
        ("0 10 03", "0.3.10./"),
        ("  4\t6 \n", "4.6./"),
    ],
)
def test_canonical_form_of_a_source(value: str, part: str, tmp_path: Path) -> None:
    assert rfc3797.source_key(value) == part
    roster = tmp_path / "roster.json"
    roster.write_bytes(rfc3797.roster_json([[1, 5], [2, 5]]))
    assert script(str(roster), value)["key"] == part


@pytest.mark.parametrize("value", ["", "  ", "abc", "-3", "1e5", "3.", "0.5", "１２", "1" * 31])
def test_a_value_that_is_not_numbers_is_refused(value: str) -> None:
    with pytest.raises(rfc3797.BadValue):
        rfc3797.source_key(value)


def test_tiers_come_first_and_chance_orders_within_them() -> None:
    roster = [[n, 5] for n in range(1, 26)]
    for n in (2, 13, 22):
        roster[n - 1][1] = 0
    roster[16][1] = 9  # 17, chance's first, served last
    ranking = rfc3797.rank(RFC_KEY, roster)
    plain = rfc3797.rfc3797_order(RFC_KEY, 25)
    assert ranking[:3] == [n for n in plain if n in (2, 13, 22)] == [2, 13, 22]
    assert ranking[-1] == 17
    assert ranking[3:-1] == [n for n in plain if n not in (2, 13, 22, 17)]


def test_roster_json_and_hash_are_canonical() -> None:
    roster = [[1, 5], [2, 0], [3, 9]]
    assert rfc3797.roster_json(roster) == b"[[1,5],[2,0],[3,9]]"
    assert rfc3797.roster_sha256(roster) == hashlib.sha256(b"[[1,5],[2,0],[3,9]]").hexdigest()


def test_a_pool_larger_than_the_index_allows_is_refused() -> None:
    with pytest.raises(ValueError, match="65536"):
        rfc3797.rfc3797_order(RFC_KEY, rfc3797.MAX_POOL + 1)


# --- The three steps ----------------------------------------------------------------------


def test_a_draw_from_announcement_to_waiting_list(
    world: World, term_offering: Offering, django_capture_on_commit_callbacks: Any
) -> None:
    offering = term_offering
    draw = announced(world, offering)
    assert draw.status == DrawStatus.ANNOUNCED
    erin = Resident.objects.get(user=world["erin"])
    mine = Registration.objects.create(
        offering=offering,
        activity_id=offering.activity_id,
        resident=erin,
        name=erin.name,
        person_key=f"r{erin.pk}",
        status=RegistrationStatus.APPLIED,
        created_at=timezone.now() - timedelta(hours=1),  # the first to sign up
    )
    apply(offering, 59)
    close_window(offering)

    draw = freeze_roster(actor=world["bob"], draw=draw)
    assert draw.status == DrawStatus.FROZEN
    assert draw.roster == [[n, 5] for n in range(1, 61)]
    assert draw.roster_sha256 == hashlib.sha256(rfc3797.roster_json(draw.roster)).hexdigest()
    mine.refresh_from_db()
    assert mine.roster_number == 1  # sign-up order, not names

    with django_capture_on_commit_callbacks(execute=True):
        draw = run_draw(actor=world["bob"], draw=draw, values=["3 8 1", "6 2 5 5 1"])
    draw.refresh_from_db()
    assert draw.status == DrawStatus.DRAWN
    assert draw.key == "1.3.8./1.2.5.5.6./"
    assert draw.ranking == rfc3797.rank(draw.key, draw.roster)
    pk_of = dict(Registration.objects.filter(offering=offering).values_list("roster_number", "pk"))
    seated = Registration.objects.filter(offering=offering, status__in=HOLDS_SEAT)
    assert numbers(seated, "roster_number") == sorted(draw.ranking[:40])
    assert numbers(seated, "seat") == list(range(1, 41))
    line = waiting_line(offering)
    assert [r.roster_number for r in line] == draw.ranking[40:]
    assert [r.position for r in line] == list(range(41, 61))
    assert {pk_of[n] for n in draw.ranking[:40]} == set(seated.values_list("pk", flat=True))
    # Erin hears the outcome in her inbox, with the public page's address.
    note = Notification.objects.get(user=world["erin"])
    assert note.url == f"/draws/{draw.pk}/"


def test_the_published_script_recomputes_a_stored_draw(
    world: World, term_offering: Offering, tmp_path: Path
) -> None:
    # More than one UPDATE statement's worth of rows (SQLite takes 999 parameters).
    draw = frozen(world, term_offering, 1200)
    draw = run_draw(actor=world["bob"], draw=draw, values=["0 8 9", "4 4 1 6 3"])
    line = waiting_line(term_offering)
    assert [(r.roster_number, r.position) for r in line] == [
        (n, rank) for rank, n in enumerate(draw.ranking, 1)
    ][40:]
    client = Client()
    roster = client.get(reverse("activities:draw_roster", args=[draw.pk]))
    everything = client.get(reverse("activities:draw_json", args=[draw.pk]))
    source = client.get(reverse("activities:draw_script"))
    (tmp_path / "roster.json").write_bytes(roster.content)
    (tmp_path / "draw.json").write_bytes(everything.content)
    (tmp_path / "recompute_draw.py").write_bytes(source.content)
    assert hashlib.sha256(roster.content).hexdigest() == draw.roster_sha256
    for args in (["roster.json", "0 8 9", "4 4 1 6 3"], ["draw.json"]):
        done = subprocess.run(
            [sys.executable, "recompute_draw.py", *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=True,
        )
        out = dict(line.split(": ", 1) for line in done.stdout.splitlines())
        assert out["roster_sha256"] == draw.roster_sha256
        assert out["key"] == draw.key
        assert [int(n) for n in out["ranking"].split()] == draw.ranking
    # A ranking someone tampered with is caught.
    published = json.loads(everything.content)
    published["ranking"][:2] = published["ranking"][1::-1]
    (tmp_path / "draw.json").write_text(json.dumps(published))
    tampered = subprocess.run(
        [sys.executable, "recompute_draw.py", "draw.json"], cwd=tmp_path, capture_output=True
    )
    assert tampered.returncode != 0
    assert b"DIFFERENT" in tampered.stderr


def test_priority_tiers_are_served_before_chance(world: World, term_offering: Offering) -> None:
    offering = term_offering
    draw = announced(world, offering)
    apply(offering, 50)
    priority = apply(offering, 10, tier=0, start=50)
    lowered = apply(offering, 5, tier=9, start=60)
    close_window(offering)
    draw = freeze_roster(actor=world["bob"], draw=draw)
    draw = run_draw(actor=world["bob"], draw=draw, values=["1 2 3"])
    statuses = dict(Registration.objects.filter(offering=offering).values_list("pk", "status"))
    assert all(statuses[r.pk] in HOLDS_SEAT for r in priority)
    assert all(statuses[r.pk] == RegistrationStatus.WAITING for r in lowered)
    assert [r.tier for r in waiting_line(offering)][-5:] == [9] * 5
    assert draw.ranking[:10] == [n for n in rfc3797.rfc3797_order(draw.key, 65) if 50 < n <= 60]


def test_quotas_and_the_staff_share_are_respected(world: World, term_offering: Offering) -> None:
    offering = term_offering
    offering.capacity, offering.staff_share = 10, 2
    offering.save(update_fields=["capacity", "staff_share"])
    Quota.objects.create(offering=offering, community=world.hetai, places=3)
    draw = announced(world, offering)
    apply(offering, 30, community=world.hetai)
    apply(offering, 5, community=world.baoxiang, start=30)
    close_window(offering)
    draw = run_draw(
        actor=world["bob"], draw=freeze_roster(actor=world["bob"], draw=draw), values=["7"]
    )
    seated = Counter(
        Registration.objects.filter(offering=offering, status__in=HOLDS_SEAT).values_list(
            "community_id", flat=True
        )
    )
    # 和泰 is held to its quota; 2 places stay for staff to fill.
    assert seated == {world.hetai.pk: 3, world.baoxiang.pk: 5}
    # Within each community the places went in the draw's order.
    by_number = dict(
        Registration.objects.filter(offering=offering).values_list("roster_number", "status")
    )
    hetai = [n for n in draw.ranking if n <= 30]
    assert [by_number[n] for n in hetai[:3]] == [RegistrationStatus.CONFIRMED] * 3
    assert all(by_number[n] == RegistrationStatus.WAITING for n in hetai[3:])
    assert [r.roster_number for r in waiting_line(offering)] == [
        n for n in draw.ranking if by_number[n] == RegistrationStatus.WAITING
    ]


def test_fewer_applicants_than_places_all_get_one(world: World, term_offering: Offering) -> None:
    draw = run_draw(actor=world["bob"], draw=frozen(world, term_offering, 7), values=["5"])
    assert len(draw.ranking) == 7
    assert Registration.objects.filter(offering=term_offering, status__in=HOLDS_SEAT).count() == 7


def test_someone_who_cancelled_after_the_freeze_stays_on_the_roster(
    world: World, term_offering: Offering
) -> None:
    term_offering.capacity = 3
    term_offering.save(update_fields=["capacity"])
    draw = frozen(world, term_offering, 6)
    first = rfc3797.rank(rfc3797.make_key(["4"]), draw.roster)[0]
    Registration.objects.filter(offering=term_offering, roster_number=first).update(
        status=RegistrationStatus.CANCELLED
    )
    draw = run_draw(actor=world["bob"], draw=draw, values=["4"])
    assert draw.ranking[0] == first and len(draw.ranking) == 6
    seated = Registration.objects.filter(offering=term_offering, status__in=HOLDS_SEAT)
    assert numbers(seated, "roster_number") == sorted(draw.ranking[1:4])


# --- Refusals: a clear message, nothing written --------------------------------------------


def test_announcing_is_refused_when_it_makes_no_sense(
    world: World, term_offering: Offering, lecture: Any
) -> None:
    bob = world["bob"]
    with pytest.raises(ServiceError, match="先到先得"):
        announce_draw(actor=bob, offering=lecture.offering, sources="骰子", draw_at=timezone.now())
    with pytest.raises(ServiceError, match="请公布抽签的随机来源") as exc:
        announce_draw(
            actor=bob, offering=term_offering, sources=" ", draw_at=timezone.now() + timedelta(7)
        )
    assert exc.value.field == "sources"
    with pytest.raises(ServiceError, match="抽签须在报名截止之后进行") as exc:
        announce_draw(actor=bob, offering=term_offering, sources="骰子", draw_at=timezone.now())
    assert exc.value.field == "draw_at"
    announced(world, term_offering)
    with pytest.raises(ServiceError, match="已经公布"):
        announced(world, term_offering)
    assert Draw.objects.count() == 1


def test_announcing_after_the_window_closed_is_refused(
    world: World, term_offering: Offering
) -> None:
    close_window(term_offering)
    with pytest.raises(ServiceError, match="须在报名截止前公布"):
        announced(world, term_offering)
    assert not Draw.objects.exists()


def test_freezing_is_refused_before_the_window_closes_twice_or_empty(
    world: World, term_offering: Offering
) -> None:
    draw = announced(world, term_offering)
    apply(term_offering, 5)
    with pytest.raises(ServiceError, match="报名截止后才能冻结名单"):
        freeze_roster(actor=world["bob"], draw=draw)
    draw.refresh_from_db()
    assert draw.status == DrawStatus.ANNOUNCED and draw.roster == []
    assert not Registration.objects.filter(roster_number__isnull=False).exists()
    close_window(term_offering)
    Draw.objects.filter(pk=draw.pk).update(draw_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ServiceError, match="抽签时间已过"):
        freeze_roster(actor=world["bob"], draw=draw)
    Draw.objects.filter(pk=draw.pk).update(draw_at=timezone.now() + timedelta(days=1))
    freeze_roster(actor=world["bob"], draw=draw)
    with pytest.raises(ServiceError, match="名单已经冻结"):
        freeze_roster(actor=world["bob"], draw=draw)


def test_freezing_nobody_is_refused(world: World, term_offering: Offering) -> None:
    draw = announced(world, term_offering)
    close_window(term_offering)
    with pytest.raises(ServiceError, match="还没有人报名"):
        freeze_roster(actor=world["bob"], draw=draw)


@pytest.mark.parametrize(
    ("values", "message"),
    [([], "每个已公布随机来源"), (["3", "  "], "每个已公布随机来源"), (["3 x"], "不是数字")],
)
def test_running_with_bad_values_is_refused(
    world: World, term_offering: Offering, values: list[str], message: str
) -> None:
    draw = frozen(world, term_offering, 5)
    with pytest.raises(ServiceError, match=message) as exc:
        run_draw(actor=world["bob"], draw=draw, values=values)
    assert exc.value.field == "values"
    draw.refresh_from_db()
    assert draw.status == DrawStatus.FROZEN and draw.ranking == []
    assert set(Registration.objects.values_list("status", flat=True)) == {"applied"}


def test_running_before_the_freeze_or_twice_is_refused(
    world: World, term_offering: Offering
) -> None:
    draw = announced(world, term_offering)
    apply(term_offering, 5)
    with pytest.raises(ServiceError, match="抽签前请先冻结名单"):
        run_draw(actor=world["bob"], draw=draw, values=["1"])
    close_window(term_offering)
    draw = run_draw(
        actor=world["bob"], draw=freeze_roster(actor=world["bob"], draw=draw), values=["1"]
    )
    with pytest.raises(ServiceError, match="已经进行过了"):
        run_draw(actor=world["bob"], draw=draw, values=["2"])
    draw.refresh_from_db()
    assert draw.values == ["1"]


# --- Pages ---------------------------------------------------------------------------------


def manage_url(offering: Offering) -> str:
    return reverse("activities:draw_manage", args=[offering.activity_id, offering.pk])


def test_staff_page_steps_and_a_refusal_in_chinese(
    world: World, term_offering: Offering, client: Client
) -> None:
    client.force_login(world["bob"])
    url = manage_url(term_offering)
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"step": "announce", "sources": "骰子", "draw_at": "2020-01-01T10:00"}
    )
    assert response.status_code == 400
    assert "抽签须在报名截止之后进行" in response.content.decode()
    draw_at = (term_offering.closes_at + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")  # type: ignore[operator]
    response = client.post(url, {"step": "announce", "sources": "骰子", "draw_at": draw_at})
    assert response.status_code == 302
    apply(term_offering, 3)
    response = client.post(url, {"step": "freeze", "confirm": "on"})
    assert "报名截止后才能冻结名单" in response.content.decode()
    close_window(term_offering)
    assert client.post(url, {"step": "freeze", "confirm": "on"}).status_code == 302
    response = client.post(url, {"step": "run", "values": "1 2\n三"})
    assert "不是数字" in response.content.decode()
    assert client.post(url, {"step": "run", "values": "1 2\n3"}).status_code == 302
    page = client.get(url).content.decode()
    draw = Draw.objects.get()
    assert draw.key == "1.2./3./" and draw.roster_sha256 in page


def test_staff_page_is_404_outside_scope(
    world: World, term_offering: Offering, client: Client
) -> None:
    for name in ("oscar", "erin", "carol", "dave"):
        client.force_login(world[name])
        assert client.get(manage_url(term_offering)).status_code == 404
    client.logout()
    assert client.get(manage_url(term_offering)).status_code == 302


def test_public_page_shows_everything_without_a_login(
    world: World, term_offering: Offering, client: Client
) -> None:
    draw = frozen(world, term_offering, 45)
    page = client.get(draw.get_absolute_url()).content.decode()
    assert draw.roster_sha256 in page and "尚未" in page
    draw = run_draw(actor=world["bob"], draw=draw, values=["3 1 4", "1 5"])
    page = client.get(draw.get_absolute_url()).content.decode()
    assert (
        draw.key in page
        and "recompute_draw.py roster.json &#x27;3 1 4&#x27; &#x27;1 5&#x27;" in page
    )
    assert "申请人" not in page  # numbers, never names
    assert "40 / 45" in page or "45 人中 40" in page
    # A draft activity's draw is not public.
    term_offering.activity.status = ActivityStatus.DRAFT
    term_offering.activity.save(update_fields=["status"])
    assert client.get(draw.get_absolute_url()).status_code == 404


def test_roster_is_not_published_before_the_freeze(
    world: World, term_offering: Offering, client: Client
) -> None:
    draw = announced(world, term_offering)
    assert client.get(reverse("activities:draw_roster", args=[draw.pk])).status_code == 404
    assert client.get(draw.get_absolute_url()).status_code == 200


def test_with_offers_the_drawn_places_are_offered_until_the_deadline(
    world: World, term_offering: Offering
) -> None:
    activity = term_offering.activity
    activity.waitlist_mode, activity.offer_hours = "offer", 48
    activity.save(update_fields=["waitlist_mode", "offer_hours"])
    draw = run_draw(actor=world["bob"], draw=frozen(world, term_offering, 50), values=["2 6"])
    offered = Registration.objects.filter(offering=term_offering, status="offered")
    assert offered.count() == 40
    deadline = draw.drawn_at + timedelta(hours=48)  # type: ignore[operator]
    assert set(offered.values_list("offer_expires_at", flat=True)) == {deadline}


def test_an_applicant_sees_their_roster_number(world: World, term_offering: Offering) -> None:
    draw = frozen(world, term_offering, 3)
    registration = Registration.objects.get(offering=term_offering, roster_number=2)
    html = render_to_string("activities/draw/roster_number.html", {"registration": registration})
    assert "您在抽签名单上的编号：<strong>2</strong>" in html
    assert f'href="/draws/{draw.pk}/"' in html
    registration.roster_number = None
    assert (
        render_to_string(
            "activities/draw/roster_number.html", {"registration": registration}
        ).strip()
        == ""
    )


def test_applications_through_register_and_none_after_the_freeze(
    world: World, term_offering: Offering
) -> None:
    offering = term_offering
    offering.capacity = 2
    offering.save(update_fields=["capacity"])
    draw = announced(world, offering)
    erin = Resident.objects.get(user=world["erin"])
    for resident in (erin, world.resident1, world.resident2):
        registration = register(actor=world["bob"], offering=offering, resident=resident)
        assert registration.status == RegistrationStatus.APPLIED
    close_window(offering)
    draw = freeze_roster(actor=world["bob"], draw=draw)
    assert len(draw.roster) == 3
    # Even were the window reopened, the frozen roster takes nobody more.
    Offering.objects.filter(pk=offering.pk).update(closes_at=timezone.now() + timedelta(hours=1))
    offering.refresh_from_db()
    with pytest.raises(ServiceError, match=r"frozen|冻结") as exc:
        register(
            actor=world["bob"], offering=offering, name="新来的", phone="13700000000", by_staff=True
        )
    assert exc.value.code == "closed"
    assert Registration.objects.filter(offering=offering).count() == 3
    draw = run_draw(actor=world["bob"], draw=draw, values=["5 5"])
    assert Registration.objects.filter(offering=offering, status__in=HOLDS_SEAT).count() == 2
