"""The activities API: activities and sessions scoped for each role, registering (with an
Idempotency-Key), refusals in Chinese, reading and cancelling a registration."""

import json
from typing import Any

import pytest

from genxi.accounts.services import create_api_token
from genxi.activities.models import Registration, RegistrationStatus
from genxi.activities.tests.conftest import Lecture, lecture
from genxi.conftest import World

__all__ = ["lecture"]

pytestmark = pytest.mark.django_db

CAST = ("alice", "bob", "carol", "dave", "erin", "frank", "oscar", "nobody")


def bearer(world: World, username: str) -> dict[str, str]:
    _t, token = create_api_token(actor=None, user=world[username], name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def post(client: Any, url: str, body: dict[str, Any], auth: dict[str, str], **headers: str) -> Any:
    return client.post(url, json.dumps(body), "application/json", **auth, **headers)


def register_url(lecture: Lecture) -> str:
    return f"/api/v1/offerings/{lecture.offering.pk}/registrations"


def test_activities_and_sessions_are_scoped_for_each_role(
    world: World, lecture: Lecture, client: Any
) -> None:
    seen = {}
    for username in CAST:
        auth = bearer(world, username)
        listed = client.get("/api/v1/activities", **auth).json()
        seen[username] = [a["id"] for a in listed["items"]]
        detail = client.get(f"/api/v1/activities/{lecture.activity.pk}", **auth)
        session = client.get(f"/api/v1/sessions/{lecture.session.pk}", **auth)
        expected = 200 if seen[username] else 404
        assert (detail.status_code, session.status_code) == (expected, expected), username
    mine = [lecture.activity.pk]
    # Those who run, help at or oversee it; erin because it is open to her street.
    assert seen["alice"] == seen["bob"] == seen["carol"] == seen["frank"] == mine
    assert seen["erin"] == mine
    assert seen["dave"] == seen["oscar"] == seen["nobody"] == []
    outside = client.get(f"/api/v1/activities/{lecture.activity.pk}", **bearer(world, "oscar"))
    assert outside.json()["code"] == "not_found"


def test_an_activity_shows_its_sessions_and_places(
    world: World, lecture: Lecture, client: Any
) -> None:
    auth = bearer(world, "bob")
    for n in range(4):
        post(client, register_url(lecture), {"name": f"居民{n}", "phone": f"1380000{n:04d}"}, auth)
    detail = client.get(f"/api/v1/activities/{lecture.activity.pk}", **auth).json()
    assert [s["id"] for s in detail["sessions"]] == [lecture.session.pk]
    (offering,) = detail["offerings"]
    assert offering["capacity"] == 3
    assert offering["counts"] == {
        "confirmed": 3,
        "offered": 0,
        "waiting": 1,
        "applied": 0,
        "free": 0,
    }
    session = client.get(f"/api/v1/sessions/{lecture.session.pk}", **auth).json()
    assert session["activity"]["title"] == "冬季健康讲座"
    assert session["offering"]["counts"]["waiting"] == 1
    filtered = client.get("/api/v1/activities?kind=clinic", **auth).json()
    assert filtered["items"] == []
    bad = client.get("/api/v1/activities?kind=party&limit=0", **auth)
    assert bad.status_code == 422


def test_a_resident_registers_herself_reads_it_and_cancels(
    world: World, lecture: Lecture, client: Any
) -> None:
    erin = bearer(world, "erin")
    made = post(client, register_url(lecture), {}, erin)
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["name"], body["status"], body["seat"], body["by_staff"]) == (
        "艾琳",
        "confirmed",
        1,
        False,
    )
    assert body["phone"] == "186****5678"
    url = f"/api/v1/registrations/{body['id']}"
    # Her own; staff and leadership of the activity's areas; nobody else.
    for username, status in [
        ("erin", 200),
        ("bob", 200),
        ("alice", 200),
        ("frank", 200),
        ("carol", 404),
        ("dave", 404),
        ("oscar", 404),
        ("nobody", 404),
    ]:
        assert client.get(url, **bearer(world, username)).status_code == status, username
    # Leadership sees it but does not cancel it; oscar does not learn it exists.
    assert post(client, f"{url}/cancel", {}, bearer(world, "frank")).status_code == 404
    assert post(client, f"{url}/cancel", {}, bearer(world, "oscar")).status_code == 404
    cancelled = post(client, f"{url}/cancel", {}, erin)
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled" and cancelled.json()["seat"] is None
    again = post(client, f"{url}/cancel", {}, erin)
    assert again.status_code == 400 and again.json()["code"] == "cancelled"
    assert "已经取消" in again.json()["message"]


def test_a_cancelled_seat_goes_to_the_next_in_line(
    world: World, lecture: Lecture, client: Any
) -> None:
    bob = bearer(world, "bob")
    ids = [
        post(
            client, register_url(lecture), {"name": f"居民{n}", "phone": f"1380000{n:04d}"}, bob
        ).json()["id"]
        for n in range(5)
    ]
    post(client, f"/api/v1/registrations/{ids[1]}/cancel", {}, bob)
    fourth = client.get(f"/api/v1/registrations/{ids[3]}", **bob).json()
    assert (fourth["status"], fourth["seat"]) == ("confirmed", 2)
    assert client.get(f"/api/v1/registrations/{ids[4]}", **bob).json()["status"] == "waiting"


def test_staff_register_residents_children_and_walk_ins(
    world: World, lecture: Lecture, client: Any
) -> None:
    lecture.activity.audience = ["residents", "children"]
    lecture.activity.save()
    lecture.offering.capacity = 10
    lecture.offering.save()
    bob = bearer(world, "bob")
    resident = post(client, register_url(lecture), {"resident": world.resident1.pk}, bob).json()
    assert (resident["resident_id"], resident["by_staff"]) == (world.resident1.pk, True)
    child = post(
        client,
        register_url(lecture),
        {"guardian": world.resident2.pk, "child_name": "小明"},
        bob,
    ).json()
    assert (child["name"], child["guardian_id"]) == ("小明", world.resident2.pk)
    walk_in = post(client, register_url(lecture), {"name": "王阿姨", "phone": "13900001111"}, bob)
    assert walk_in.status_code == 201 and walk_in.json()["resident_id"] is None
    # erin's own child, registered by her.
    mine = post(client, register_url(lecture), {"child_name": "小红"}, bearer(world, "erin"))
    assert mine.status_code == 201 and mine.json()["by_staff"] is False
    assert Registration.objects.filter(by_staff=True).count() == 3


def test_refusals_are_clear_and_write_nothing(world: World, lecture: Lecture, client: Any) -> None:
    bob, erin = bearer(world, "bob"), bearer(world, "erin")
    url = register_url(lecture)
    # Input: a resident bob cannot see, two people at once, a child without a guardian.
    for body, field in [
        ({"resident": world.loubei_resident.pk}, "resident"),
        ({"resident": world.resident1.pk, "name": "王阿姨"}, "resident"),
        ({"child_name": "小明"}, "guardian"),
        ({"resident": 0}, "resident"),
        ({"resident": 10**20}, "resident"),
    ]:
        answer = post(client, url, body, bob)
        assert answer.status_code == 422, body
        assert answer.json()["errors"][0]["field"] == f"body.{field}", body
    # A resident registers only herself or her children.
    for body in ({"resident": world.resident1.pk}, {"name": "王阿姨", "phone": "13900001111"}):
        assert post(client, url, body, erin).status_code == 422
    # The service's refusals, in Chinese: no phone, twice, a full list.
    no_phone = post(client, url, {"name": "王阿姨"}, bob)
    assert no_phone.status_code == 400 and no_phone.json()["field"] == "phone"
    assert post(client, url, {}, erin).status_code == 201
    twice = post(client, url, {}, erin)
    assert twice.status_code == 400 and twice.json()["code"] == "already_registered"
    assert "已" in twice.json()["message"]
    lecture.offering.waitlist_size = 0
    lecture.offering.save()
    for n in range(2):
        post(client, url, {"name": f"居民{n}", "phone": f"1380000{n:04d}"}, bob)
    full = post(client, url, {"name": "迟到者", "phone": "13800009999"}, bob)
    assert full.status_code == 400 and full.json()["code"] == "full"
    # Outside the caller's scope: the same 404 as a missing offering.
    for username in ("oscar", "dave", "carol", "frank", "nobody"):
        answer = post(
            client, url, {"name": "王阿姨", "phone": "13900001111"}, bearer(world, username)
        )
        assert answer.status_code == 404, username
    assert post(client, "/api/v1/offerings/999999/registrations", {}, bob).status_code == 404
    assert Registration.objects.count() == 3


def test_residents_cannot_cancel_after_the_cutoff(
    world: World, lecture: Lecture, client: Any
) -> None:
    erin = bearer(world, "erin")
    made = post(client, register_url(lecture), {}, erin).json()
    lecture.activity.cancel_cutoff_hours = 24 * 7
    lecture.activity.save()
    late = post(client, f"/api/v1/registrations/{made['id']}/cancel", {}, erin)
    assert late.status_code == 400 and late.json()["code"] == "cancel_closed"
    assert "取消" in late.json()["message"]
    assert Registration.objects.get(pk=made["id"]).status == RegistrationStatus.CONFIRMED
    # Staff who run it still can.
    staff = post(client, f"/api/v1/registrations/{made['id']}/cancel", {}, bearer(world, "bob"))
    assert staff.status_code == 200 and staff.json()["status"] == "cancelled"


def test_an_idempotency_key_replays_and_is_not_reused(
    world: World, lecture: Lecture, client: Any
) -> None:
    bob = bearer(world, "bob")
    url = register_url(lecture)
    walk_in = {"name": "王阿姨", "phone": "13900001111"}
    first = post(client, url, walk_in, bob, HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    # The same request again, even spelled differently: the same registration, nothing new.
    again = post(
        client, url, {"name": " 王阿姨 ", "phone": "139 0000 1111"}, bob, HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert again.status_code == 201, again.content
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert Registration.objects.count() == 1
    # The same key with another person: refused.
    other = post(
        client, url, {"name": "李师傅", "phone": "13900002222"}, bob, HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"
    # Keys are per caller: alice's k-1 is hers.
    alice = post(
        client,
        url,
        {"name": "李师傅", "phone": "13900002222"},
        bearer(world, "alice"),
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    assert alice.status_code == 201 and "Idempotent-Replayed" not in alice.headers
    assert Registration.objects.count() == 2
    # A refused request keeps no key: the retry is refused for the same reason.
    empty = post(client, url, {"name": "无号码"}, bob, HTTP_IDEMPOTENCY_KEY="k-2")
    assert empty.status_code == 400
    assert post(client, url, {"name": "无号码"}, bob, HTTP_IDEMPOTENCY_KEY="k-2").status_code == 400
    too_long = post(client, url, walk_in, bob, HTTP_IDEMPOTENCY_KEY="k" * 256)
    assert too_long.status_code == 422


def test_one_registration_costs_few_queries(
    world: World, lecture: Lecture, client: Any, django_assert_num_queries: Any
) -> None:
    """The token, the offering, the caller's memberships and the organisers, the key, then
    under the lock: the offering, one pass over its registrations, the seats and quotas, and
    three inserts (the registration, its key, the audit entry) — 15 with the savepoints."""
    bob = bearer(world, "bob")
    url = register_url(lecture)
    post(client, url, {"name": "王阿姨", "phone": "13900001111"}, bob, HTTP_IDEMPOTENCY_KEY="a")
    with django_assert_num_queries(15):
        made = post(
            client, url, {"name": "李师傅", "phone": "13900002222"}, bob, HTTP_IDEMPOTENCY_KEY="b"
        )
    assert made.status_code == 201
