"""The REST API's writes: recording a demand (with Idempotency-Key) and every step of its life,
through the demand page's own forms, permissions and services; partners, venues, residents and
figures, scoped for the whole cast."""

import io
import json
import threading
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished
from django.db import close_old_connections, connection
from django.test import Client
from PIL import Image

from genxi.accounts.services import create_api_token
from genxi.conftest import World
from genxi.demands import services
from genxi.demands.models import Demand, DemandPhoto, Status
from genxi.demands.tests.conftest import collect

pytestmark = pytest.mark.django_db

CAST = ("alice", "bob", "carol", "dave", "erin", "frank", "oscar", "nobody")


def bearer(world: World, username: str) -> dict[str, str]:
    _t, token = create_api_token(actor=None, user=world[username], name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def post(client: Any, path: str, auth: dict[str, str], body: Any = None, **extra: Any) -> Any:
    return client.post(
        path, json.dumps(body or {}), content_type="application/json", **auth, **extra
    )


def jpeg() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (90, 120, 90)).save(out, format="JPEG")
    return SimpleUploadedFile("gate.jpg", out.getvalue(), content_type="image/jpeg")


def new_demand(world: World, category: Any, **extra: Any) -> dict[str, Any]:
    return {
        "title": "南门非机动车道太窄",
        "category": category.pk,
        "area": world.building1.pk,
        "channel": "phone",
        "reporters": [world.resident1.pk],
        **extra,
    }


def test_a_retried_create_returns_the_first_demand(world: World, category, client) -> None:
    auth = bearer(world, "bob")
    key = {"HTTP_IDEMPOTENCY_KEY": "intake-2026-11-22-0001"}
    first = post(client, "/api/v1/demands", auth, new_demand(world, category), **key)
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["status"] == "collected" and body["reporters"] == 1
    detail = client.get(f"/api/v1/demands/{body['id']}", **auth).json()
    assert detail["actions"] == ["accept", "refer", "add_reporters", "merge", "correct", "withdraw"]
    again = post(client, "/api/v1/demands", auth, new_demand(world, category), **key)
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == body["id"]
    assert Demand.objects.count() == 1
    # The same key for something else is refused; another caller's key is their own.
    other = post(
        client, "/api/v1/demands", auth, new_demand(world, category, title="路灯不亮"), **key
    )
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"
    alice = post(
        client, "/api/v1/demands", bearer(world, "alice"), new_demand(world, category), **key
    )
    assert alice.status_code == 201 and alice.json()["id"] != body["id"]
    # A title the form strips still matches its retry.
    padded = {"HTTP_IDEMPOTENCY_KEY": "intake-2026-11-22-0002"}
    spaced = new_demand(world, category, title="  楼道灯不亮  ")
    made = post(client, "/api/v1/demands", auth, spaced, **padded)
    retried = post(client, "/api/v1/demands", auth, spaced, **padded)
    assert made.status_code == retried.status_code == 201
    assert retried["Idempotent-Replayed"] == "true" and retried.json()["id"] == made.json()["id"]
    # Without a key each request records one.
    post(client, "/api/v1/demands", auth, new_demand(world, category))
    assert Demand.objects.count() == 4


def test_the_same_key_with_any_other_body_is_refused(world: World, category, client) -> None:
    """A digest of the whole request is kept with the key: every field counts, not the title."""
    auth = bearer(world, "bob")
    key = {"HTTP_IDEMPOTENCY_KEY": "intake-2026-11-22-0003"}
    body = new_demand(world, category, description="南门太窄", latitude="31.331000")
    first = post(client, "/api/v1/demands", auth, body, **key)
    assert first.status_code == 201, first.content
    changed: list[dict[str, Any]] = [
        {"description": "北门太窄"},
        {"channel": "visit"},
        {"reporters": []},
        {"reporters": [world.resident1.pk, world.resident2.pk]},
        {"latitude": "31.331001"},
        {"longitude": "120.5"},
        {"area": world.compound.pk},
    ]
    for change in changed:
        other = post(client, "/api/v1/demands", auth, {**body, **change}, **key)
        assert other.status_code == 409, change
        assert other.json()["code"] == "idempotency_key_reused"
        assert "Idempotent-Replayed" not in other
    # The same request, written differently (key order, a number for the latitude), replays.
    same = {k: body[k] for k in reversed(list(body))} | {"latitude": 31.331}
    again = post(client, "/api/v1/demands", auth, same, **key)
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert Demand.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_ten_retries_at_once_make_one_demand_and_every_replay_says_so(
    world: World, category
) -> None:
    """A phone on a bad network sends one create ten times at once: one demand, and the nine
    others are all marked replays (also those that lost the race at the database)."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises the writers: the race needs PostgreSQL")
    auth = bearer(world, "bob")
    body = json.dumps(new_demand(world, category))
    barrier = threading.Barrier(10)
    answers: list[Any] = []
    lock = threading.Lock()

    def send() -> None:
        try:
            barrier.wait(timeout=30)
            response = Client().post(
                "/api/v1/demands",
                body,
                content_type="application/json",
                HTTP_IDEMPOTENCY_KEY="race-1",
                **auth,
            )
            with lock:
                answers.append(response)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [201] * 10
    assert len({a.json()["id"] for a in answers}) == 1
    assert Demand.objects.count() == 1
    replayed = [a for a in answers if a.get("Idempotent-Replayed") == "true"]
    assert len(replayed) == 9


def test_a_session_write_without_its_csrf_token_is_refused_in_chinese(
    world: World, category
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["bob"])
    body = json.dumps(new_demand(world, category))
    refused = client.post("/api/v1/demands", body, content_type="application/json")
    assert refused.status_code == 403
    answer = refused.json()
    assert answer["code"] == "csrf_failed" and "安全令牌" in answer["message"]
    english = client.post(
        "/api/v1/demands", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert english.json()["message"].startswith("The page's security token")
    assert Demand.objects.count() == 0


def test_create_refuses_bad_input_with_the_fields_named(world: World, category, client) -> None:
    auth = bearer(world, "bob")
    outside = post(
        client, "/api/v1/demands", auth, new_demand(world, category, area=world.loubei_building.pk)
    )
    assert outside.status_code == 422
    assert [e["field"] for e in outside.json()["errors"]] == ["area"]
    english = post(
        client,
        "/api/v1/demands",
        auth,
        new_demand(world, category, reporters=[world.loubei_resident.pk]),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert english.status_code == 422 and english.json()["message"].startswith("Some of the input")
    typed = post(client, "/api/v1/demands", auth, {"title": "", "category": "x"})
    assert typed.status_code == 422 and typed.json()["code"] == "invalid"
    long_key = post(
        client, "/api/v1/demands", auth, new_demand(world, category), HTTP_IDEMPOTENCY_KEY="k" * 256
    )
    assert long_key.status_code == 422
    assert Demand.objects.count() == 0


def test_who_may_record_demands(world: World, category, client) -> None:
    made = {}
    for username in CAST:
        response = post(
            client, "/api/v1/demands", bearer(world, username), new_demand(world, category)
        )
        made[username] = response.status_code
    # Staff of the community and street, and the pioneer of grid 1, record; the rest cannot.
    assert made == {
        "alice": 201,
        "bob": 201,
        "carol": 201,
        "dave": 404,
        "erin": 404,
        "frank": 404,
        "oscar": 422,  # may record, but not in 和泰
        "nobody": 404,
    }


def test_the_whole_life_of_a_demand_over_the_api(world: World, category, client) -> None:
    bob, alice, dave = (bearer(world, u) for u in ("bob", "alice", "dave"))
    demand = collect(world, category)
    url = f"/api/v1/demands/{demand.pk}"
    assert post(client, f"{url}/accept", bob).json()["status"] == "accepted"
    verified = client.post(f"{url}/verify", {"findings": "门宽 80 cm", "photos": [jpeg()]}, **bob)
    assert verified.status_code == 200, verified.content
    assert verified.json()["status"] == "verified"
    # Only the street sees 金阳宝地物业 (registered with 宝祥): bob's choice of it is refused.
    refused = post(client, f"{url}/assign", bob, {"path": "partner", "partner": world.partner.pk})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "partner"
    assigned = post(
        client, f"{url}/assign", alice, {"path": "partner", "partner": world.partner.pk}
    )
    assert assigned.json()["status"] == "assigned"
    assert post(client, f"{url}/start", dave, {"expected_on": "2026-11-26"}).json()["status"] == (
        "in_progress"
    )
    noted = post(client, f"{url}/updates", dave, {"text": "已联系施工队", "public": True})
    assert noted.json()["events"][-1]["note"] == "已联系施工队"
    assert noted.json()["events"][-1]["note_public"] is True
    steps = [e for e in noted.json()["events"] if e["kind"] != "update"]
    assert any(e["public"] for e in steps) and not any(e["note_public"] for e in steps)
    resolved = client.post(
        f"{url}/resolve", {"result": "门已拓宽到 120 cm", "photos": [jpeg()]}, **dave
    )
    assert resolved.json()["status"] == "resolved"
    early = post(client, f"{url}/close", bob)
    assert early.status_code == 400 and early.json()["code"] == "callbacks_missing"
    called = post(
        client, f"{url}/callbacks", bob, {"resident": world.resident1.pk, "result": "satisfied"}
    )
    assert called.status_code == 200
    closed = post(client, f"{url}/close", bob).json()
    assert closed["status"] == "closed" and closed["actions"] == []
    kinds = [e["kind"] for e in closed["events"]]
    assert kinds == [
        "collected", "accepted", "verified", "assigned", "handling", "update", "resolved",
        "callback", "closed",
    ]  # fmt: skip
    callbacks = client.get(f"{url}/callbacks", **bob).json()
    assert [(c["resident_id"], c["result"]) for c in callbacks] == [
        (world.resident1.pk, "satisfied")
    ]
    photos = client.get(f"{url}/photos", **bob).json()
    assert [p["kind"] for p in photos] == ["verification", "evidence"]
    image = client.get(photos[0]["url"], **bob)
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    assert b"".join(image.streaming_content).startswith(b"\xff\xd8")
    # Closing a response signals the request's end, and with it Django would close the test's
    # PostgreSQL connection, as the test client itself avoids.
    request_finished.disconnect(close_old_connections)
    try:
        image.close()  # the photo's file
    finally:
        request_finished.connect(close_old_connections)
    assert client.get(photos[0]["url"], **bearer(world, "oscar")).status_code == 404


def test_steps_out_of_turn_or_out_of_scope(world: World, category, client) -> None:
    demand = collect(world, category)
    url = f"/api/v1/demands/{demand.pk}"
    bob = bearer(world, "bob")
    wrong = post(client, f"{url}/start", bob)
    assert wrong.status_code == 409 and wrong.json()["code"] == "invalid_transition"
    assert wrong.json()["message"] == "诉求当前为“待受理”，不能进行此操作。"
    # The partner may not accept, oscar may not see it: both 404, as on the pages.
    assert post(client, f"{url}/accept", bearer(world, "dave")).status_code == 404
    assert post(client, f"{url}/accept", bearer(world, "oscar")).status_code == 404
    empty = post(client, f"{url}/refer", bob, {"reason": " "})
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "reason"
    assert Demand.objects.get().status == Status.COLLECTED
    # Two people accept at once: one wins, the other hears it has moved on.
    assert post(client, f"{url}/accept", bob).status_code == 200
    again = post(client, f"{url}/accept", bearer(world, "alice"))
    assert again.status_code == 409


def test_reporters_extensions_merge_and_withdraw(world: World, category, client) -> None:
    demand = collect(world, category)
    url = f"/api/v1/demands/{demand.pk}"
    bob, alice = bearer(world, "bob"), bearer(world, "alice")
    added = post(client, f"{url}/reporters", bob, {"reporters": [world.resident2.pk]})
    assert added.json()["reporters"] == 2
    reporters = client.get(f"{url}/reporters", **bob).json()
    assert [r["phone"] for r in reporters] == ["138****5678", "139****5678"]
    assert "13812345678" not in json.dumps(reporters)
    services.accept(actor=world["bob"], demand=demand)
    services.verify(actor=world["bob"], demand=demand, findings="属实")
    post(client, f"{url}/assign", alice, {"path": "partner", "partner": world.partner.pk})
    dave = bearer(world, "dave")
    asked = post(client, f"{url}/extensions", dave, {"new_due": "2026-12-31", "reason": "等材料"})
    assert "extend" not in asked.json()["actions"]  # one request at a time
    assert "decide_extension" in client.get(url, **bob).json()["actions"]
    assert (
        post(
            client, f"{url}/extensions", dave, {"new_due": "2027-01-05", "reason": "x"}
        ).status_code
        == 409
    )
    decided = post(client, f"{url}/extensions/decision", bob, {"decision": "approve"})
    assert decided.json()["resolution_due"] == "2026-12-31"
    assert [e["status"] for e in client.get(f"{url}/extensions", **bob).json()] == ["approved"]
    other = collect(world, category, title="南门太窄（重复）")
    merged = post(client, f"/api/v1/demands/{other.pk}/merge", bob, {"into": demand.code})
    assert merged.json()["status"] == "merged"
    gone = post(client, f"{url}/withdraw", bob, {"reason": "居民撤回"})
    assert gone.json()["status"] == "withdrawn"


def test_partners_venues_residents_scoped_for_the_cast(world: World, client) -> None:
    seen: dict[str, dict[str, Any]] = {}
    for username in CAST:
        auth = bearer(world, username)
        seen[username] = {}
        for resource in ("partners", "venues", "residents"):
            response = client.get(f"/api/v1/{resource}/", **auth)
            seen[username][resource] = (
                {row["name"] for row in response.json()["items"]}
                if response.status_code == 200
                else response.status_code
            )
    assert seen["alice"]["partners"] == {"金阳宝地物业"}
    assert seen["bob"]["partners"] == set()
    assert seen["dave"]["partners"] == {"金阳宝地物业"}
    assert seen["oscar"]["partners"] == {"苏州市农产品发展有限公司"}
    assert seen["erin"]["partners"] == seen["nobody"]["partners"] == 404
    assert seen["bob"]["venues"] == {"三花半月谈长廊"} == seen["erin"]["venues"]
    assert seen["oscar"]["venues"] == {"上高路会议室"}
    assert seen["bob"]["residents"] == {"周福珍", "许向前", "艾琳"} == seen["alice"]["residents"]
    assert seen["carol"]["residents"] == {"周福珍"}  # her grid
    assert seen["oscar"]["residents"] == {"高福妹"}
    assert seen["dave"]["residents"] == seen["erin"]["residents"] == 404
    # Phones masked everywhere; one by id; outside the scope 404.
    bob = bearer(world, "bob")
    one = client.get(f"/api/v1/residents/{world.resident1.pk}", **bob).json()
    assert one["phone"] == "138****5678" and one["room"] == "302"
    assert client.get(f"/api/v1/residents/{world.loubei_resident.pk}", **bob).status_code == 404
    assert client.get("/api/v1/residents/", {"q": "5678"}, **bob).json()["items"]
    assert client.get(f"/api/v1/venues/{world.other_venue.pk}", **bob).status_code == 404
    assert client.get(f"/api/v1/partners/{world.partner.pk}", **bob).status_code == 404
    # Pages by id.
    page = client.get("/api/v1/residents/", {"limit": 2}, **bob).json()
    rest = client.get("/api/v1/residents/", {"after": page["next_after"]}, **bob).json()
    assert len(page["items"]) == 2 and len(rest["items"]) == 1 and rest["next_after"] is None


def test_figures_for_those_with_an_area_role(world: World, category, client) -> None:
    demand = collect(world, category)
    services.accept(actor=world["bob"], demand=demand)
    period = {"from": "2026-11-01", "to": "2026-11-30"}
    for username in CAST:
        auth = bearer(world, username)
        response = client.get("/api/v1/figures", {"area": world.hetai.pk, **period}, **auth)
        expected = 200 if username in ("alice", "bob", "frank") else 404
        assert response.status_code == expected, username
    street = client.get(
        "/api/v1/figures", {"area": world.street.pk, **period}, **bearer(world, "alice")
    ).json()
    assert street["collected"] >= 0 and street["area"] == "白洋湾街道"
    assert {"numerator", "denominator", "percent"} <= set(street["response"])
    too_long = client.get(
        "/api/v1/figures",
        {"area": world.hetai.pk, "from": "2025-01-01", "to": "2026-11-30"},
        **bearer(world, "bob"),
    )
    assert too_long.status_code == 400 and too_long.json()["field"] == "from"
    assert DemandPhoto.objects.count() == 0
