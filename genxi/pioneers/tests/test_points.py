"""Points (积分): awarding, correcting, redeeming, handing over and cancelling, through the
services and through the pages; bad input is refused in words with nothing written."""

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from genxi.conftest import World
from genxi.core.models import AuditEntry
from genxi.core.services import ConcurrentEdit, ServiceError
from genxi.pioneers import points as reads
from genxi.pioneers.models import (
    MAX_POINTS,
    PointAccount,
    PointEntry,
    PointItem,
    Redemption,
    RedemptionStatus,
    Reward,
)
from genxi.pioneers.services import points as services

pytestmark = pytest.mark.django_db


@dataclass
class Setup:
    volunteer: PointItem  # 白洋湾街道's, 5 points
    sorting: PointItem  # 和泰社区's, 3 points
    elsewhere: PointItem  # 元和街道's
    soap: Reward  # 白洋湾街道's, 50 points, 2 in stock
    rice: Reward  # 和泰社区's, 100 points, 10 in stock


@pytest.fixture
def setup(world: World) -> Setup:
    alice, bob, oscar = world["alice"], world["bob"], world["oscar"]
    return Setup(
        volunteer=services.create_item(
            actor=alice, area=world.street, name="参加志愿服务", points=5
        ),
        sorting=services.create_item(actor=bob, area=world.hetai, name="垃圾分类督导", points=3),
        elsewhere=services.create_item(
            actor=oscar, area=world.loubei, name="娄北志愿服务", points=4
        ),
        soap=services.create_reward(
            actor=alice, area=world.street, name="洗衣液", cost=50, stock=2
        ),
        rice=services.create_reward(actor=bob, area=world.hetai, name="大米", cost=100, stock=10),
    )


def give(world: World, resident: Any, points: int) -> PointAccount:
    """An account holding `points`, through a correction."""
    services.award(
        actor=world["bob"], resident=resident, item=PointItem.objects.get(name="垃圾分类督导")
    )
    account = PointAccount.objects.get(resident=resident)
    services.adjust(actor=world["bob"], account=account, points=points - 3, reason="补录")
    account.refresh_from_db()
    return account


# ---------------------------------------------------------------- awarding


def test_an_award_opens_the_account_and_writes_the_ledger(world: World, setup: Setup) -> None:
    entry = services.award(
        actor=world["bob"], resident=world.resident1, item=setup.volunteer, reason="学雷锋"
    )
    account = PointAccount.objects.get(resident=world.resident1)
    assert (account.balance, account.earned) == (5, 5)
    assert (entry.points, entry.balance_after, entry.item, entry.by) == (
        5,
        5,
        setup.volunteer,
        world["bob"],
    )
    services.award(actor=world["bob"], resident=world.resident1, item=setup.sorting)
    account.refresh_from_db()
    assert (account.balance, account.earned) == (8, 8)
    assert [e.balance_after for e in account.entries.order_by("id")] == [5, 8]
    assert AuditEntry.objects.filter(action="pointentry.award").count() == 2


def test_a_retried_award_writes_once(world: World, setup: Setup) -> None:
    token = uuid.uuid4()
    first = services.award(
        actor=world["bob"], resident=world.resident1, item=setup.volunteer, token=token
    )
    again = services.award(
        actor=world["bob"], resident=world.resident1, item=setup.volunteer, token=token
    )
    assert first.pk == again.pk
    assert PointAccount.objects.get(resident=world.resident1).balance == 5


def test_one_item_to_several_residents_at_once(world: World, setup: Setup) -> None:
    token = uuid.uuid4()
    entries = services.award_many(
        actor=world["bob"],
        residents=[world.resident1, world.resident2, world.resident1],
        item=setup.volunteer,
        reason="3月5日学雷锋",
        token=token,
    )
    assert len(entries) == 2  # each resident once
    again = services.award_many(
        actor=world["bob"],
        residents=[world.resident1, world.resident2],
        item=setup.volunteer,
        token=token,
    )
    assert {e.pk for e in again} == {e.pk for e in entries}
    assert sorted(PointAccount.objects.values_list("balance", flat=True)) == [5, 5]


def test_an_item_of_another_street_or_not_in_use_is_refused(world: World, setup: Setup) -> None:
    with pytest.raises(ServiceError, match="不是"):
        services.award(actor=world["bob"], resident=world.resident1, item=setup.elsewhere)
    services.update_item(
        actor=world["bob"], item=setup.sorting, name="垃圾分类督导", points=3, is_active=False
    )
    with pytest.raises(ServiceError, match="停用"):
        services.award(actor=world["bob"], resident=world.resident1, item=setup.sorting)
    # One bad resident among several: nobody is awarded.
    with pytest.raises(ServiceError):
        services.award_many(
            actor=world["bob"],
            residents=[world.resident1, world.loubei_resident],
            item=setup.volunteer,
        )
    assert not PointEntry.objects.exists()


@pytest.mark.parametrize("points", [0, -5, MAX_POINTS + 1, 10**12])
def test_item_points_out_of_range_are_refused(world: World, points: int) -> None:
    with pytest.raises(ServiceError) as err:
        services.create_item(actor=world["bob"], area=world.hetai, name="x", points=points)
    assert err.value.field == "points"
    assert not PointItem.objects.exists()


def test_an_item_is_set_by_a_street_or_community_only(world: World) -> None:
    with pytest.raises(ServiceError, match="街道或社区"):
        services.create_item(actor=world["bob"], area=world.building1, name="x", points=1)
    services.create_item(actor=world["bob"], area=world.hetai, name="x", points=1)
    with pytest.raises(ServiceError, match="同名"):
        services.create_item(actor=world["bob"], area=world.hetai, name="x", points=2)


def test_an_item_edited_by_two_at_once_is_refused_to_the_second(world: World, setup: Setup) -> None:
    stamp = setup.sorting.updated_at
    services.update_item(
        actor=world["bob"],
        item=PointItem.objects.get(pk=setup.sorting.pk),
        name="垃圾分类督导",
        points=4,
        is_active=True,
        expected_updated_at=stamp,
    )
    with pytest.raises(ConcurrentEdit):
        services.update_item(
            actor=world["bob"],
            item=PointItem.objects.get(pk=setup.sorting.pk),
            name="垃圾分类",
            points=6,
            is_active=True,
            expected_updated_at=stamp,
        )


# ---------------------------------------------------------------- corrections


def test_a_correction_never_takes_the_balance_below_zero(world: World, setup: Setup) -> None:
    account = give(world, world.resident1, 20)
    with pytest.raises(ServiceError, match="最多扣回 20"):
        services.adjust(actor=world["bob"], account=account, points=-21, reason="误录")
    services.adjust(actor=world["bob"], account=account, points=-20, reason="误录")
    account.refresh_from_db()
    assert (account.balance, account.earned) == (0, 0)
    with pytest.raises(ServiceError, match="原因"):
        services.adjust(actor=world["bob"], account=account, points=5, reason="  ")
    for bad in (0, MAX_POINTS + 1, -(10**12)):
        with pytest.raises(ServiceError):
            services.adjust(actor=world["bob"], account=account, points=bad, reason="x")


def test_the_database_refuses_a_negative_balance_or_stock(world: World, setup: Setup) -> None:
    account = give(world, world.resident1, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        PointAccount.objects.filter(pk=account.pk).update(balance=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Reward.objects.filter(pk=setup.rice.pk).update(stock=-1)


# ---------------------------------------------------------------- redeeming


def test_a_redemption_spends_points_and_one_of_the_stock(world: World, setup: Setup) -> None:
    account = give(world, world.resident1, 120)
    redemption = services.redeem(actor=world["erin"], account=account, reward=setup.rice)
    account.refresh_from_db()
    setup.rice.refresh_from_db()
    assert (account.balance, account.earned, setup.rice.stock) == (20, 120, 9)
    assert redemption.status == RedemptionStatus.HELD and len(redemption.code) == 8
    spent = PointEntry.objects.get(redemption=redemption)
    assert (spent.points, spent.balance_after) == (-100, 20)


def test_redeeming_what_cannot_be_had_is_refused_with_nothing_written(
    world: World, setup: Setup
) -> None:
    account = give(world, world.resident1, 60)
    with pytest.raises(ServiceError, match="积分不足") as err:
        services.redeem(actor=world["erin"], account=account, reward=setup.rice)
    assert err.value.code == "not_enough"
    services.update_reward(
        actor=world["bob"], reward=setup.rice, name="大米", cost=10, is_active=False
    )
    with pytest.raises(ServiceError, match="暂不提供") as err:
        services.redeem(actor=world["erin"], account=account, reward=setup.rice)
    services.restock(actor=world["alice"], reward=setup.soap, change=-2)
    with pytest.raises(ServiceError, match="已兑完") as err:
        services.redeem(actor=world["erin"], account=account, reward=setup.soap)
    assert err.value.code == "out_of_stock"
    # Another street's reward is not offered to a resident of 和泰.
    theirs = services.create_reward(
        actor=world["oscar"], area=world.loubei, name="娄北大米", cost=1, stock=5
    )
    with pytest.raises(ServiceError, match="暂不提供"):
        services.redeem(actor=world["erin"], account=account, reward=theirs)
    assert not Redemption.objects.exists()
    account.refresh_from_db()
    assert account.balance == 60


def test_a_retried_redemption_redeems_once(world: World, setup: Setup) -> None:
    account = give(world, world.resident1, 200)
    token = uuid.uuid4()
    first = services.redeem(actor=world["erin"], account=account, reward=setup.rice, token=token)
    again = services.redeem(actor=world["erin"], account=account, reward=setup.rice, token=token)
    assert first.pk == again.pk
    account.refresh_from_db()
    setup.rice.refresh_from_db()
    assert (account.balance, setup.rice.stock, Redemption.objects.count()) == (100, 9, 1)


def test_hand_over_once_and_never_cancel_what_was_handed(world: World, setup: Setup) -> None:
    account = give(world, world.resident1, 100)
    redemption = services.redeem(actor=world["erin"], account=account, reward=setup.soap)
    services.hand_over(actor=world["bob"], redemption=redemption)
    redemption.refresh_from_db()
    assert redemption.status == RedemptionStatus.HANDED and redemption.handed_by == world["bob"]
    with pytest.raises(ServiceError, match="已经交付"):
        services.hand_over(actor=world["bob"], redemption=redemption)
    with pytest.raises(ServiceError, match="不能取消"):
        services.cancel(actor=world["bob"], redemption=redemption)


def test_cancelling_gives_the_points_and_the_item_back(world: World, setup: Setup) -> None:
    account = give(world, world.resident1, 100)
    redemption = services.redeem(actor=world["erin"], account=account, reward=setup.soap)
    services.cancel(actor=world["bob"], redemption=redemption, reason="居民不要了")
    account.refresh_from_db()
    setup.soap.refresh_from_db()
    assert (account.balance, account.earned, setup.soap.stock) == (100, 100, 2)
    assert [e.balance_after for e in account.entries.order_by("id")][-2:] == [50, 100]
    with pytest.raises(ServiceError):
        services.cancel(actor=world["bob"], redemption=redemption)
    with pytest.raises(ServiceError, match="已取消"):
        services.hand_over(actor=world["bob"], redemption=redemption)


@pytest.mark.parametrize("change", [0, MAX_POINTS + 1, 10**12])
def test_restocking_out_of_range_is_refused(world: World, setup: Setup, change: int) -> None:
    with pytest.raises(ServiceError):
        services.restock(actor=world["bob"], reward=setup.rice, change=change)


def test_restocking_never_takes_the_stock_below_zero(world: World, setup: Setup) -> None:
    with pytest.raises(ServiceError, match="最多减 10"):
        services.restock(actor=world["bob"], reward=setup.rice, change=-11)
    services.restock(actor=world["bob"], reward=setup.rice, change=5)
    setup.rice.refresh_from_db()
    assert setup.rice.stock == 15


@pytest.mark.parametrize(("field", "value"), [("cost", 0), ("cost", 10**12), ("stock", -1)])
def test_a_reward_out_of_range_is_refused(world: World, field: str, value: int) -> None:
    values = {"cost": 10, "stock": 1, field: value}
    with pytest.raises(ServiceError):
        services.create_reward(actor=world["bob"], area=world.hetai, name="x", **values)
    assert not Reward.objects.exists()


# ---------------------------------------------------------------- who sees what


def test_scopes(world: World, setup: Setup) -> None:
    give(world, world.resident1, 10)
    assert set(reads.items_for(world["bob"])) == {setup.volunteer, setup.sorting}
    assert set(reads.items_for(world["oscar"])) == {setup.elsewhere}
    assert set(reads.items_for(world["alice"])) == {setup.volunteer, setup.sorting}
    assert set(reads.rewards_offered_to(world.resident1)) == {setup.soap, setup.rice}
    assert list(PointAccount.objects.visible_to(world["oscar"])) == []
    assert PointAccount.objects.visible_to(world["frank"]).count() == 1
    assert not world["bob"].has_perm("pioneers.manage", setup.volunteer)  # the street's
    assert world["alice"].has_perm("pioneers.manage", setup.sorting)


# ---------------------------------------------------------------- pages


def client_for(world: World, name: str) -> Client:
    client = Client()
    client.force_login(world[name])
    return client


def test_staff_pages_open_and_others_get_404(world: World, setup: Setup) -> None:
    account = give(world, world.resident1, 10)
    pages = [
        reverse("pioneers:points_home"),
        reverse("pioneers:points_account", args=[account.pk]),
        reverse("pioneers:points_items"),
        reverse("pioneers:points_rewards"),
        reverse("pioneers:points_redemptions"),
    ]
    bob, frank = client_for(world, "bob"), client_for(world, "frank")
    for url in pages:
        assert bob.get(url).status_code == 200, url
        assert frank.get(url).status_code == 200, url
    for name in ("erin", "carol", "nobody"):
        client = client_for(world, name)
        for url in pages:
            assert client.get(url).status_code == 404, (name, url)
    assert client_for(world, "oscar").get(pages[1]).status_code == 404
    assert bob.get(reverse("pioneers:points_award")).status_code == 200
    assert frank.get(reverse("pioneers:points_award")).status_code == 404
    assert client_for(world, "erin").get(reverse("pioneers:my_points")).status_code == 200
    assert bob.get(reverse("pioneers:my_points")).status_code == 404


def test_the_accounts_list_searches_sorts_and_exports(world: World, setup: Setup) -> None:
    give(world, world.resident1, 30)
    give(world, world.resident2, 80)
    bob = client_for(world, "bob")
    page = bob.get(reverse("pioneers:points_home"), {"order": "balance"}).content.decode()
    assert page.index("许向前") < page.index("周福珍")
    found = bob.get(reverse("pioneers:points_home"), {"q": "周福"}).content.decode()
    assert "周福珍" in found and "许向前" not in found
    sheet = bob.get(reverse("pioneers:points_home"), {"format": "xlsx"})
    assert sheet.status_code == 200 and sheet["Content-Type"].startswith("application/vnd")
    assert b"".join(sheet.streaming_content).startswith(b"PK")
    sheet.close()


def test_awarding_from_the_page(world: World, setup: Setup) -> None:
    bob = client_for(world, "bob")
    url = reverse("pioneers:points_award")
    assert "周福珍" in bob.get(url, {"q": "周"}).content.decode()
    token = str(uuid.uuid4())
    data = {
        "item": setup.volunteer.pk,
        "residents": [world.resident1.pk, world.resident2.pk],
        "reason": "学雷锋",
        "form_token": token,
    }
    assert bob.post(url, data).status_code == 302
    assert bob.post(url, data).status_code == 302  # retried: written once
    assert sorted(PointAccount.objects.values_list("balance", flat=True)) == [5, 5]
    # Nobody ticked, another street's item, a resident outside bob's community: refused.
    refused = bob.post(url, {**data, "residents": [], "form_token": str(uuid.uuid4())})
    assert refused.status_code == 400 and "请至少勾选一位居民" in refused.content.decode()
    other = bob.post(url, {**data, "item": setup.elsewhere.pk, "form_token": str(uuid.uuid4())})
    assert other.status_code == 400
    outsider = bob.post(
        url, {**data, "residents": [world.loubei_resident.pk], "form_token": str(uuid.uuid4())}
    )
    assert outsider.status_code == 400
    assert PointEntry.objects.count() == 2


def test_forms_refuse_huge_and_negative_numbers(world: World, setup: Setup) -> None:
    bob = client_for(world, "bob")
    for points in ("-1", "0", str(10**12), "abc"):
        answer = bob.post(
            reverse("pioneers:points_item_create"),
            {"area": world.hetai.pk, "name": "入户走访协助", "points": points, "is_active": "on"},
        )
        assert answer.status_code == 400, points
    for stock in ("-1", str(10**12)):
        answer = bob.post(
            reverse("pioneers:points_reward_create"),
            {"area": world.hetai.pk, "name": "理发券", "cost": "30", "stock": stock},
        )
        assert answer.status_code == 400, stock
    restock = bob.post(reverse("pioneers:points_restock", args=[setup.rice.pk]), {"change": "-11"})
    assert restock.status_code == 400 and "最多减 10" in restock.content.decode()
    # bob cannot set items for the street (alice's), nor for 娄北.
    answer = bob.post(
        reverse("pioneers:points_item_create"),
        {"area": world.street.pk, "name": "x", "points": "1"},
    )
    assert answer.status_code == 400
    assert (
        bob.get(reverse("pioneers:points_item_edit", args=[setup.volunteer.pk])).status_code == 404
    )
    assert PointItem.objects.count() == 3 and Reward.objects.count() == 2


def test_creating_and_editing_from_the_pages(world: World, setup: Setup) -> None:
    bob = client_for(world, "bob")
    form = bob.get(reverse("pioneers:points_item_create")).content.decode()
    token = form.split('name="form_token" value="')[1].split('"')[0]
    data = {"area": world.hetai.pk, "name": "入户走访协助", "points": "2", "is_active": "on"}
    for _retry in range(2):
        answer = bob.post(reverse("pioneers:points_item_create"), {**data, "form_token": token})
        assert answer.status_code == 302, answer.content.decode()
    assert PointItem.objects.filter(name="入户走访协助").count() == 1
    edit = reverse("pioneers:points_reward_edit", args=[setup.rice.pk])
    stamp = setup.rice.updated_at.isoformat()
    changed = {"name": "大米5斤", "cost": "120", "is_active": "on", "updated_at": stamp}
    assert bob.post(edit, changed).status_code == 302
    stale = bob.post(edit, {**changed, "cost": "90"})
    assert stale.status_code == 400 and "他人已修改" in stale.content.decode()
    setup.rice.refresh_from_db()
    assert (setup.rice.name, setup.rice.cost, setup.rice.stock) == ("大米5斤", 120, 10)


def test_a_resident_redeems_and_bob_hands_over_by_code(world: World, setup: Setup) -> None:
    erin_resident = reads.resident_of(world["erin"])
    assert erin_resident is not None
    give(world, erin_resident, 60)
    erin = client_for(world, "erin")
    page = erin.get(reverse("pioneers:my_points")).content.decode()
    assert "洗衣液" in page and "大米" in page
    token = str(uuid.uuid4())
    url = reverse("pioneers:my_points_redeem", args=[setup.soap.pk])
    assert erin.post(url, {"form_token": token}).status_code == 302
    assert erin.post(url, {"form_token": token}).status_code == 302  # a double tap
    redemption = Redemption.objects.get()
    page = erin.get(reverse("pioneers:my_points")).content.decode()
    assert redemption.code in page
    # Not enough for rice: refused in words.
    erin.post(reverse("pioneers:my_points_redeem", args=[setup.rice.pk]), {})
    assert "积分不足" in erin.get(reverse("pioneers:my_points")).content.decode()
    # Another street's reward is a 404 for her.
    theirs = services.create_reward(
        actor=world["oscar"], area=world.loubei, name="娄北大米", cost=1, stock=5
    )
    assert erin.post(reverse("pioneers:my_points_redeem", args=[theirs.pk])).status_code == 404

    bob = client_for(world, "bob")
    desk = reverse("pioneers:points_redemptions")
    wrong = bob.post(desk, {"code": "ZZZZZZZZ"})
    assert wrong.status_code == 400 and "核对" in wrong.content.decode()
    # oscar (娄北) cannot hand over 和泰's code.
    assert client_for(world, "oscar").post(desk, {"code": redemption.code}).status_code == 400
    assert bob.post(desk, {"code": redemption.code.lower()}).status_code == 302
    twice = bob.post(desk, {"code": redemption.code})
    assert twice.status_code == 400 and "已经交付" in twice.content.decode()
    cancel = bob.post(reverse("pioneers:points_redemption_cancel", args=[redemption.pk]))
    assert cancel.status_code == 302
    redemption.refresh_from_db()
    assert redemption.status == RedemptionStatus.HANDED


def test_the_resident_card(world: World, setup: Setup) -> None:
    assert reads.resident_card(world["bob"]) is None
    card = reads.resident_card(world["erin"])
    assert card == {"balance": 0, "affordable": 0, "to_collect": 0}
    erin_resident = reads.resident_of(world["erin"])
    assert erin_resident is not None
    give(world, erin_resident, 60)
    assert reads.resident_card(world["erin"]) == {"balance": 60, "affordable": 1, "to_collect": 0}
    home = client_for(world, "erin").get("/").content.decode()
    assert 'id="my-points-card"' in home


def test_the_accounts_list_queries_do_not_grow(world: World, setup: Setup) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from genxi.places import services as places

    give(world, world.resident1, 10)
    bob = client_for(world, "bob")
    bob.get(reverse("pioneers:points_home"))
    with CaptureQueriesContext(connection) as few:
        bob.get(reverse("pioneers:points_home"))
    for n in range(4):
        resident = places.create_resident(
            actor=None, name=f"居民{n}", phone=f"1370000000{n}", area=world.building1, room=str(n)
        )
        give(world, resident, 10)
    with CaptureQueriesContext(connection) as many:
        bob.get(reverse("pioneers:points_home"))
    assert len(many) == len(few)
