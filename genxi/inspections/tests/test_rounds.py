"""Rounds: templates, creating a round with its pairings, hand-set groups, the states."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from genxi.core.services import ConcurrentEdit, ServiceError
from genxi.inspections.models import (
    ChecklistTemplate,
    Finding,
    FindingStatus,
    FixMode,
    Group,
    GroupStatus,
    Round,
    RoundStatus,
    Score,
    Severity,
    staffed_community_ids,
)
from genxi.inspections.services import rounds as services
from genxi.inspections.tests.conftest import YuanHe

pytestmark = pytest.mark.django_db


def groups_of(round_: Round) -> list[tuple[str, list[str]]]:
    return [
        (g.inspected.name, [m.community.name for m in g.members.all()])
        for g in round_.groups.select_related("inspected").prefetch_related("members__community")
    ]


SEED_LOOP = [
    ("娄北社区", ["依云水岸社区", "众泾社区"]),
    ("依云水岸社区", ["众泾社区", "晨曦馨苑社区"]),
    ("众泾社区", ["晨曦馨苑社区", "娄北社区"]),
    ("晨曦馨苑社区", ["娄北社区", "依云水岸社区"]),
]


def new_round(y: YuanHe, **kw: object) -> Round:
    today = timezone.localdate()
    args: dict[str, object] = {
        "actor": y["yuan"],
        "street": y.street,
        "title": "走看学做比党建 互查互评",
        "starts_on": today,
        "ends_on": today + timedelta(days=30),
        "communities": y.communities,
        "group_size": 2,
        "template": y.template,
        "seed": 12345,
    }
    args.update(kw)
    return services.create_round(**args)


def test_the_typed_order_gives_the_seeds_loop(yuanhe: YuanHe) -> None:
    order = services.order_from_names("娄北, 依云水岸、众泾社区，晨曦馨苑", yuanhe.communities)
    round_ = new_round(yuanhe, order=order)
    assert groups_of(round_) == SEED_LOOP
    assert round_.seed is None
    assert round_.items.count() == 5


def test_the_same_seed_gives_the_same_groups(yuanhe: YuanHe) -> None:
    a = new_round(yuanhe, seed=99)
    b = new_round(yuanhe, seed=99, title="again")
    assert groups_of(a) == groups_of(b)
    assert a.seed == 99


def test_one_community_cannot_be_paired(yuanhe: YuanHe) -> None:
    with pytest.raises(ServiceError, match="至少需要两个社区"):
        new_round(yuanhe, communities=[yuanhe.loubei])
    with pytest.raises(ServiceError, match="至少需要 5 个社区"):
        new_round(yuanhe, group_size=4)
    assert not Round.objects.exists()


def test_a_community_of_another_street_is_refused(yuanhe: YuanHe, world) -> None:
    with pytest.raises(ServiceError):
        new_round(yuanhe, communities=[*yuanhe.communities, world.hetai])


def test_the_order_must_name_every_community_once(yuanhe: YuanHe) -> None:
    with pytest.raises(ServiceError, match="缺少"):
        services.order_from_names("娄北, 众泾", yuanhe.communities)
    with pytest.raises(ServiceError, match="不是本轮"):
        services.order_from_names("娄北, 和泰, 众泾, 晨曦馨苑, 依云水岸", yuanhe.communities)


def test_hand_set_pairings_are_checked(yuanhe: YuanHe) -> None:
    round_ = new_round(yuanhe)
    y = yuanhe
    bad = [
        (y.loubei.pk, [y.zhongjing.pk, y.chenxi.pk]),
        (y.zhongjing.pk, [y.chenxi.pk, y.yiyun.pk]),
        (y.chenxi.pk, [y.zhongjing.pk, y.yiyun.pk]),
        (y.yiyun.pk, [y.zhongjing.pk, y.chenxi.pk]),
    ]
    before = groups_of(round_)
    with pytest.raises(ServiceError, match="娄北社区"):  # 娄北 sits in no group
        services.set_pairings(actor=y["yuan"], round=round_, groups=bad)
    assert groups_of(round_) == before
    good = [
        (y.loubei.pk, [y.yiyun.pk, y.zhongjing.pk]),
        (y.zhongjing.pk, [y.chenxi.pk, y.loubei.pk]),
        (y.chenxi.pk, [y.loubei.pk, y.yiyun.pk]),
        (y.yiyun.pk, [y.zhongjing.pk, y.chenxi.pk]),
    ]
    services.set_pairings(actor=y["yuan"], round=round_, groups=good)
    assert sorted(groups_of(round_)) == sorted(SEED_LOOP)
    round_.refresh_from_db()
    assert round_.seed is None


def test_a_stale_pairing_edit_is_refused(yuanhe: YuanHe) -> None:
    round_ = new_round(yuanhe)
    stamp = round_.updated_at
    services.regenerate(actor=yuanhe["yuan"], round=round_, seed=7)
    with pytest.raises(ConcurrentEdit):
        services.regenerate(actor=yuanhe["yuan"], round=round_, seed=8, expected_updated_at=stamp)


def test_the_states(yuanhe: YuanHe) -> None:
    round_ = new_round(yuanhe)
    services.open_round(actor=yuanhe["yuan"], round=round_)
    assert round_.status == RoundStatus.ON_SITE
    with pytest.raises(ServiceError, match="准备阶段"):
        services.regenerate(actor=yuanhe["yuan"], round=round_, seed=3)
    with pytest.raises(ServiceError, match="还没有提交问题清单"):
        services.start_rectifying(actor=yuanhe["yuan"], round=round_)
    Group.objects.filter(round=round_).update(status=GroupStatus.SUBMITTED)
    services.start_rectifying(actor=yuanhe["yuan"], round=round_)
    services.close_round(actor=yuanhe["yuan"], round=round_)
    round_.refresh_from_db()
    assert round_.status == RoundStatus.CLOSED


def test_forcing_rectification_without_every_list(yuanhe: YuanHe) -> None:
    round_ = new_round(yuanhe)
    services.open_round(actor=yuanhe["yuan"], round=round_)
    services.start_rectifying(actor=yuanhe["yuan"], round=round_, force=True)
    assert round_.status == RoundStatus.RECTIFYING


def test_a_round_without_items_does_not_open(yuanhe: YuanHe) -> None:
    round_ = new_round(yuanhe, template=None)
    with pytest.raises(ServiceError, match="清单"):
        services.open_round(actor=yuanhe["yuan"], round=round_)


def test_templates_and_their_items(yuanhe: YuanHe) -> None:
    t = services.create_template(
        actor=yuanhe["yuan"],
        street=yuanhe.street,
        name="简表",
        items=[services.ItemSpec("党员应知应会", 30, "抽问")],
    )
    assert [i.title for i in t.items.all()] == ["党员应知应会"]
    with pytest.raises(ServiceError, match="满分"):
        services.update_template(
            actor=yuanhe["yuan"], template=t, name="简表", items=[services.ItemSpec("x", 5000)]
        )
    with pytest.raises(ServiceError, match="同名"):
        services.create_template(
            actor=yuanhe["yuan"],
            street=yuanhe.street,
            name="党建工作互查清单",
            items=[services.ItemSpec("x", 5)],
        )


# -- Pages ------------------------------------------------------------------------------------


def test_street_staff_create_a_round_from_the_page(yuanhe: YuanHe, client) -> None:
    client.force_login(yuanhe["yuan"])
    page = client.get(reverse("inspections:round_create"))
    assert page.status_code == 200
    token = page.context["form"]["form_token"].value()
    today = timezone.localdate()
    data = {
        "street": yuanhe.street.pk,
        "title": "走看学做比党建 互查互评",
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=20)).isoformat(),
        "communities": [c.pk for c in yuanhe.communities],
        "group_size": 2,
        "template": yuanhe.template.pk,
        "method": "order",
        "seed": "",
        "order": "娄北, 依云水岸, 众泾, 晨曦馨苑",
        "form_token": token,
    }
    preview = client.post(reverse("inspections:round_create"), {**data, "preview": "1"})
    assert preview.status_code == 200 and not Round.objects.exists()
    assert len(preview.context["preview"]) == 4
    done = client.post(reverse("inspections:round_create"), data)
    assert done.status_code == 302
    again = client.post(reverse("inspections:round_create"), data)  # retried: nothing twice
    assert again.status_code == 302 and Round.objects.count() == 1
    round_ = Round.objects.get()
    assert groups_of(round_) == SEED_LOOP
    html = client.get(round_.get_absolute_url()).content.decode()
    assert "依云水岸社区 + 众泾社区" in html


def test_bad_round_forms_say_what_to_do(yuanhe: YuanHe, client) -> None:
    client.force_login(yuanhe["yuan"])
    today = timezone.localdate()
    page = client.post(
        reverse("inspections:round_create"),
        {
            "street": yuanhe.street.pk,
            "title": "x",
            "starts_on": today.isoformat(),
            "ends_on": today.isoformat(),
            "communities": [yuanhe.loubei.pk],
            "group_size": 99999999999,
            "template": yuanhe.template.pk,
            "method": "seed",
            "seed": 10**12,
        },
    )
    assert page.status_code == 200 and not Round.objects.exists()
    assert page.context["form"].errors["group_size"] and page.context["form"].errors["seed"]
    page = client.post(
        reverse("inspections:round_create"),
        {
            "street": yuanhe.street.pk,
            "title": "x",
            "starts_on": today.isoformat(),
            "ends_on": today.isoformat(),
            "communities": [yuanhe.loubei.pk],
            "group_size": 1,
            "template": yuanhe.template.pk,
            "method": "seed",
            "seed": 1,
        },
    )
    assert "至少需要两个社区" in page.content.decode()


def test_who_opens_the_round_pages(paired_round: Round, yuanhe: YuanHe, world, client) -> None:
    url = paired_round.get_absolute_url()
    for user, code in [("yuan", 200), ("oscar", 200), ("yi", 200)]:
        client.force_login(yuanhe[user])
        assert client.get(url).status_code == code
    for name in ("alice", "bob", "erin", "nobody"):
        client.force_login(world[name])
        assert client.get(url).status_code == 404
    client.force_login(yuanhe["yi"])
    assert client.get(reverse("inspections:round_create")).status_code == 404
    assert client.post(reverse("inspections:round_open", args=[paired_round.pk])).status_code == 404
    client.force_login(world["alice"])  # street staff of another street
    assert client.get(reverse("inspections:round_close", args=[paired_round.pk])).status_code == 404


def test_the_list_searches_and_filters(paired_round: Round, yuanhe: YuanHe, client) -> None:
    client.force_login(yuanhe["yuan"])
    url = reverse("inspections:round_list")
    assert paired_round.title in client.get(url, {"q": "走看"}).content.decode()
    assert paired_round.title not in client.get(url, {"q": "别的"}).content.decode()
    assert paired_round.title not in client.get(url, {"status": "closed"}).content.decode()


def test_template_pages(yuanhe: YuanHe, client) -> None:
    client.force_login(yuanhe["yuan"])
    assert "党建工作互查清单" in client.get(reverse("inspections:template_list")).content.decode()
    url = reverse("inspections:template_edit", args=[yuanhe.template.pk])
    page = client.get(url)
    stamp = page.context["form"]["updated_at"].value()
    data = {
        "name": "党建工作互查清单",
        "updated_at": stamp,
        "items-TOTAL_FORMS": 2,
        "items-INITIAL_FORMS": 0,
        "items-0-title": "党员应知应会",
        "items-0-max_score": 50,
        "items-0-how_to_check": "抽问",
        "items-1-title": "办公环境",
        "items-1-max_score": 1001,
    }
    bad = client.post(url, data)
    assert bad.status_code == 200
    assert client.post(url, {**data, "items-1-max_score": 50}).status_code == 302
    assert [i.max_score for i in ChecklistTemplate.objects.get().items.all()] == [50, 50]
    stale = client.post(url, {**data, "items-1-max_score": 40})
    assert "重新加载" in stale.content.decode() or "刷新" in stale.content.decode()
    client.force_login(yuanhe["yi"])
    assert client.get(url).status_code == 404


# -- Review fixes: stale buttons, who sees a group's running score, prepared rounds -------------


def test_stale_regenerate_and_open_buttons_are_refused(yuanhe: YuanHe, client) -> None:
    round_ = new_round(yuanhe)
    client.force_login(yuanhe["yuan"])
    page = client.get(round_.get_absolute_url())
    stamp = page.context["regenerate"]["updated_at"].value()
    assert page.context["open_form"]["updated_at"].value() == stamp
    # Someone else sets other groups meanwhile.
    services.regenerate(actor=yuanhe["yuan"], round=round_, seed=7)
    before = groups_of(round_)
    regenerate = reverse("inspections:round_regenerate", args=[round_.pk])
    stale = client.post(regenerate, {"method": "seed", "seed": 8, "updated_at": stamp}, follow=True)
    assert "刷新页面" in stale.content.decode()
    assert groups_of(round_) == before
    opened = client.post(
        reverse("inspections:round_open", args=[round_.pk]), {"updated_at": stamp}, follow=True
    )
    assert "刷新页面" in opened.content.decode()
    round_.refresh_from_db()
    assert round_.status == RoundStatus.DRAFT
    # From a fresh page both go through.
    page = client.get(round_.get_absolute_url())
    stamp = page.context["regenerate"]["updated_at"].value()
    client.post(regenerate, {"method": "seed", "seed": 8, "updated_at": stamp})
    round_.refresh_from_db()
    assert round_.seed == 8
    stamp = client.get(round_.get_absolute_url()).context["open_form"]["updated_at"].value()
    client.post(reverse("inspections:round_open", args=[round_.pk]), {"updated_at": stamp})
    round_.refresh_from_db()
    assert round_.status == RoundStatus.ON_SITE


def group_cells(html: str, number: int) -> str:
    start = html.index(f'data-group-row="{number}"')
    return html[start : html.index("</tr>", start)]


def test_a_groups_running_score_is_kept_from_other_communities(
    paired_round: Round, yuanhe: YuanHe, client
) -> None:
    group = paired_round.groups.get(number=1)  # 依云水岸+众泾 inspect 娄北 (oscar)
    item = paired_round.items.first()
    assert item is not None
    Score.objects.create(group=group, item=item, score=7)
    Finding.objects.create(
        group=group,
        round=paired_round,
        community=group.inspected,
        description="草稿",
        severity=Severity.MINOR,
        mode=FixMode.ON_SPOT,
    )
    url = paired_round.get_absolute_url()
    for name, sees in [("yuan", True), ("yi", True), ("oscar", False), ("chen", False)]:
        client.force_login(yuanhe[name])
        row = group_cells(client.get(url).content.decode(), 1)
        assert ("7/100" in row) is sees, name
        assert (">1</td>" in row) is sees, name
    # Sent: the inspected community sees its score and the sent findings; chen still does not.
    Group.objects.filter(pk=group.pk).update(status=GroupStatus.SUBMITTED)
    Finding.objects.filter(group=group).update(status=FindingStatus.OPEN)
    client.force_login(yuanhe["oscar"])
    row = group_cells(client.get(url).content.decode(), 1)
    assert "7/100" in row and ">1</td>" in row
    client.force_login(yuanhe["chen"])
    assert "7/100" not in group_cells(client.get(url).content.decode(), 1)


def test_a_prepared_rounds_groups_do_not_open_to_their_inspectors(yuanhe: YuanHe, client) -> None:
    round_ = new_round(yuanhe, order=None, seed=12345)
    group = round_.groups.select_related("round").first()
    assert group is not None
    inspector = next(
        u
        for u in (yuanhe["oscar"], yuanhe["zhong"], yuanhe["chen"], yuanhe["yi"])
        if set(staffed_community_ids(u)) & {m.community_id for m in group.members.all()}
    )
    assert not inspector.has_perm("inspections.inspect", group)
    assert not Group.objects.visible_to(inspector).filter(pk=group.pk).exists()
    client.force_login(inspector)
    assert client.get(group.get_absolute_url()).status_code == 404
    practice = reverse("inspections:practice_create", args=[round_.pk])
    assert client.get(practice).status_code == 404
    services.open_round(actor=yuanhe["yuan"], round=round_)
    round_.refresh_from_db()
    group.round = round_
    assert inspector.has_perm("inspections.inspect", group)
    assert client.get(practice).status_code == 200
