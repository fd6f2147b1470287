"""Assigning to any unit that serves the community, referring (转办) to another community or the
street, and correcting a demand's place or category with the deadline rule."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from genxi.accounts.models import Role, User
from genxi.accounts.services import create_user, grant_membership
from genxi.api.tests.test_writes import bearer, post
from genxi.conftest import PASSWORD, World
from genxi.core.models import AuditEntry, Notification
from genxi.core.services import ServiceError
from genxi.core.workdays import WorkCalendar
from genxi.demands import actions, forms, services, worklists
from genxi.demands.models import Category, Demand, EventKind, HandlingPath, Status
from genxi.demands.tests.conftest import collect
from genxi.places.models import Area, AreaKind, Partner
from genxi.places.services import create_partner

pytestmark = pytest.mark.django_db


@pytest.fixture
def units(world: World) -> dict[str, Partner]:
    """A unit of 和泰's own, the street's city-management squad and the district's housing
    bureau (the cast's 金阳宝地物业 is 宝祥's, and 娄北's company is another street's)."""
    district = Area.objects.get(name="姑苏区")
    return {
        "own": create_partner(
            actor=None, name="和泰物业服务中心", kind="property", area=world.hetai
        ),
        "street": create_partner(
            actor=None, name="白洋湾街道城管中队", kind="department", area=world.street
        ),
        "district": create_partner(
            actor=None, name="姑苏区住房和建设局", kind="department", area=district
        ),
    }


def verified(world: World, category: Category, **kwargs: object) -> Demand:
    demand = collect(world, category, **kwargs)
    services.accept(actor=world["bob"], demand=demand)
    services.verify(actor=world["bob"], demand=demand, findings="现场属实")
    demand.refresh_from_db()
    return demand


def baoxiang_staff() -> User:
    user = create_user(actor=None, username="baoxiang", password=PASSWORD, name="宝祥社工")
    grant_membership(
        actor=None,
        user=user,
        role=Role.COMMUNITY_STAFF,
        area=Area.objects.get(name="宝祥社区"),
    )
    return user


# ------------------------------------------------------------------ assigning


def test_the_units_offered_are_the_communitys_the_streets_and_the_districts(
    world: World, category, units
) -> None:
    demand = verified(world, category)
    offered = set(forms.assignable_partners(demand, world["bob"]))
    assert offered == set(units.values())  # not 宝祥's property company, not another street's
    # The street's staff may also task a unit of another of its communities.
    assert set(forms.assignable_partners(demand, world["alice"])) == offered | {world.partner}
    form = actions.ACTIONS["assign"].bind(demand, world["bob"])
    assert set(form.fields["partner"].queryset) == offered
    bad = actions.ACTIONS["assign"].bind(
        demand,
        world["bob"],
        {"assign-path": HandlingPath.PARTNER, "assign-partner": world.partner.pk},
    )
    assert not bad.is_valid() and "partner" in bad.errors


@pytest.mark.parametrize("level", ["street", "district"])
def test_a_demand_is_assigned_to_a_street_partner_or_a_district_department(
    world: World, category, units, level, django_capture_on_commit_callbacks
) -> None:
    unit = units[level]
    handler = create_user(actor=None, username="handler", password=PASSWORD, name="经办人")
    grant_membership(actor=None, user=handler, role=Role.PARTNER, area=unit.area, partner=unit)
    demand = verified(world, category)
    form = actions.ACTIONS["assign"].bind(
        demand,
        world["bob"],
        {"assign-path": HandlingPath.PARTNER, "assign-partner": unit.pk, "assign-note": "请处理"},
    )
    assert form.is_valid(), form.errors
    with django_capture_on_commit_callbacks(execute=True):
        actions.perform(
            actions.ACTIONS["assign"], actor=world["bob"], demand=demand, data=form.cleaned_data
        )
    demand.refresh_from_db()
    assert demand.status == Status.ASSIGNED and demand.handler_partner == unit
    assert Notification.objects.filter(user=handler, url=demand.get_absolute_url()).exists()
    assert handler.has_perm("demands.handle_demand", demand)


def test_with_no_unit_to_choose_the_error_says_how_to_add_one(world: World, category) -> None:
    demand = verified(world, category)  # the cast has no unit serving 和泰
    form = actions.ACTIONS["assign"].bind(
        demand, world["bob"], {"assign-path": HandlingPath.PARTNER}
    )
    assert not form.is_valid()
    assert "添加责任单位" in str(form.errors["partner"])


def test_with_no_unit_the_page_says_how_to_add_one_before_asking(
    world: World, category, client
) -> None:
    demand = verified(world, category)
    client.force_login(world["bob"])
    page = client.get(demand.get_absolute_url()).content.decode()
    assert "本社区还没有可交办的单位" in page and "添加责任单位" in page
    step = reverse("demands:demand_action", args=[demand.pk, "assign"])
    refused = client.post(step, {"assign-path": HandlingPath.PARTNER, "assign-note": "请尽快"})
    body = refused.content.decode()
    assert refused.status_code == 400 and "请在下方“添加责任单位”" in body
    assert 'value="请尽快"' in body  # what was typed is kept


def test_the_picker_finds_units_by_name_pinyin_and_initials(
    world: World, category, units, client
) -> None:
    demand = verified(world, category)
    url = reverse("demands:pick_partner", args=[demand.pk])
    client.force_login(world["bob"])
    for text in ("城管", "chengguan", "bywjd", "BYWJDCGZD"):
        page = client.get(url, {"q": text}).content.decode()
        assert "白洋湾街道城管中队" in page and "和泰物业服务中心" not in page, text
    page = client.get(url, {"q": ""}).content.decode()
    assert all(unit.name in page for unit in units.values())
    assert "金阳宝地物业" not in page  # 宝祥's own unit does not serve 和泰
    assert "姑苏区住房和建设局" in client.get(url, {"q": "jianshe"}).content.decode()
    client.force_login(world["oscar"])
    assert client.get(url, {"q": "城管"}).status_code == 404
    client.force_login(world["carol"])  # a pioneer records, she does not assign
    assert client.get(url, {"q": "城管"}).status_code == 404


def test_the_likely_handler_leads_the_list(world: World, category, units, client) -> None:
    for _ in range(3):  # three resolved 出入口 demands in 三花苑, all by the street's squad
        done = verified(world, category)
        services.assign(
            actor=world["bob"], demand=done, path=HandlingPath.PARTNER, partner=units["street"]
        )
        services.start_handling(actor=None, demand=done)
        services.resolve(actor=None, demand=done, result="已修复")
    demand = verified(world, category)
    client.force_login(world["bob"])
    page = client.get(demand.get_absolute_url()).content.decode()
    options = page[page.index('id="id_assign-partner"') :]
    first = units["street"]
    assert options.index(first.name) < options.index(units["own"].name)
    assert f'<option value="{first.pk}" selected>' in options
    assert '<option value="partner" selected>' in page  # handled by a responsible party


def test_community_staff_add_a_unit_on_the_spot(world: World, category, client) -> None:
    demand = verified(world, category)
    url = reverse("demands:add_partner", args=[demand.pk])
    client.force_login(world["carol"])  # staff only
    assert (
        client.post(url, {"new_partner-name": "x", "new_partner-kind": "company"}).status_code
        == 404
    )
    client.force_login(world["bob"])
    page = client.get(demand.get_absolute_url()).content.decode()
    assert "添加责任单位" in page
    response = client.post(
        url, {"new_partner-name": "三花苑业委会维修组", "new_partner-kind": "other"}
    )
    added = Partner.objects.get(name="三花苑业委会维修组")
    assert added.area == world.hetai
    assert response.status_code == 302 and f"partner={added.pk}" in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert f'<option value="{added.pk}" selected>' in page
    assert AuditEntry.objects.for_object(added).get().actor == world["bob"]
    # The same name again: refused in Chinese, what was typed kept.
    again = client.post(
        url, {"new_partner-name": "三花苑业委会维修组", "new_partner-kind": "other"}
    )
    assert again.status_code == 400
    body = again.content.decode()
    assert "已存在" in body and 'value="三花苑业委会维修组"' in body
    step = reverse("demands:demand_action", args=[demand.pk, "assign"])
    assert (
        client.post(
            step, {"assign-path": HandlingPath.PARTNER, "assign-partner": added.pk}
        ).status_code
        == 302
    )
    demand.refresh_from_db()
    assert demand.handler_partner == added


# ------------------------------------------------------------------ referring


def test_referred_to_another_community_with_its_history(
    world: World, category, client, django_capture_on_commit_callbacks
) -> None:
    staff = baoxiang_staff()
    with time_machine.travel("2026-11-20 09:00 +08:00", tick=False):  # a Friday
        demand = collect(world, category)
        services.accept(actor=world["bob"], demand=demand)
    with (
        time_machine.travel("2026-11-24 10:00 +08:00", tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.refer(
            actor=world["bob"], demand=demand, reason="位于宝祥社区辖区", to=world.baoxiang
        )
    demand.refresh_from_db()
    assert (demand.community, demand.street, demand.area) == (
        world.baoxiang,
        world.street,
        world.baoxiang,
    )
    assert demand.status == Status.COLLECTED and demand.accepted_at is None
    calendar = WorkCalendar.load()
    assert demand.response_due == calendar.add_workdays(date(2026, 11, 24), 1).day
    assert demand.resolution_due == calendar.add_workdays(date(2026, 11, 24), 5).day
    kinds = list(demand.events.values_list("kind", "community"))
    assert kinds == [
        (EventKind.COLLECTED, world.hetai.pk),
        (EventKind.ACCEPTED, world.hetai.pk),
        (EventKind.TRANSFERRED, world.hetai.pk),
    ]
    assert demand.reporters.count() == 1
    note = Notification.objects.get(user=staff)
    assert note.url == demand.get_absolute_url() and "和泰社区" in note.title
    audit = AuditEntry.objects.for_object(demand).get(action="demand.transferred")
    assert audit.actor == world["bob"]
    assert audit.changes["community"] == [world.hetai.pk, world.baoxiang.pk]

    # The new owners act on it; the old community reads but cannot act; outsiders see nothing.
    assert staff.has_perm("demands.manage_demand", demand)
    assert "accept" in actions.available(demand, staff)
    bob = world["bob"]
    assert Demand.objects.readable_by(bob).filter(pk=demand.pk).exists()
    assert actions.available(demand, bob) == []
    # Read only: out of 和泰's own ledger and work lists, in its "handed on" list.
    assert not Demand.objects.visible_to(bob).filter(pk=demand.pk).exists()
    counts = {i.key: i.count for i in worklists.work_items(bob)}
    assert counts["accept"] == 0
    client.force_login(bob)
    page = client.get(demand.get_absolute_url())
    assert page.status_code == 200 and "宝祥社区" in page.content.decode()
    assert "你可以查看" in page.content.decode()
    handed_on = client.get(reverse("demands:demand_list"), {"todo": "handed_on"})
    assert demand.title in handed_on.content.decode()
    assert demand.title not in client.get(reverse("demands:demand_list")).content.decode()
    accept = reverse("demands:demand_action", args=[demand.pk, "accept"])
    assert client.post(accept).status_code == 404
    me_too = reverse("demands:demand_action", args=[demand.pk, "add_reporters"])
    assert client.post(me_too, {"add_reporters-reporters": [world.resident2.pk]}).status_code == 404
    client.force_login(world["oscar"])
    assert client.get(demand.get_absolute_url()).status_code == 404
    # 宝祥's own demands stay out of 和泰's sight.
    theirs = collect(world, category, area=world.baoxiang_compound, actor=world["alice"])
    assert not Demand.objects.readable_by(bob).filter(pk=theirs.pk).exists()

    client.force_login(staff)
    assert client.post(accept).status_code == 302
    demand.refresh_from_db()
    assert demand.status == Status.ACCEPTED


def test_referred_to_the_street(
    world: World, category, client, django_capture_on_commit_callbacks
) -> None:
    demand = collect(world, category)
    client.force_login(world["bob"])
    url = reverse("demands:demand_action", args=[demand.pk, "refer"])
    page = client.get(demand.get_absolute_url()).content.decode()
    assert "宝祥社区" in page and "白洋湾街道" in page and "娄北社区" not in page
    unchosen = client.post(url, {"refer-reason": "涉及多个社区"})
    assert unchosen.status_code == 400 and "请选择转办去向" in unchosen.content.decode()
    assert "涉及多个社区" in unchosen.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"refer-to": world.street.pk, "refer-reason": "涉及多个社区"})
    assert response.status_code == 302
    demand.refresh_from_db()
    assert demand.community == world.street and demand.street == world.street
    assert demand.status == Status.COLLECTED
    assert Notification.objects.filter(user=world["alice"], url=demand.get_absolute_url()).exists()
    assert world["alice"].has_perm("demands.manage_demand", demand)
    assert not world["bob"].has_perm("demands.manage_demand", demand)
    assert client.get(demand.get_absolute_url()).status_code == 200
    # The street hands it on to 宝祥 in turn; 和泰 still reads what it handed on.
    services.refer(actor=world["alice"], demand=demand, reason="宝祥负责", to=world.baoxiang)
    demand.refresh_from_db()
    assert demand.community == world.baoxiang
    assert Demand.objects.readable_by(world["bob"]).filter(pk=demand.pk).exists()
    client.force_login(world["oscar"])
    assert client.post(url, {"refer-reason": "x"}).status_code == 404


def test_referral_destinations_are_the_streets_alone(world: World, category) -> None:
    demand = collect(world, category)
    for where in (world.loubei, world.hetai, world.compound):
        with pytest.raises(ServiceError) as caught:
            services.refer(actor=world["bob"], demand=demand, reason="x", to=where)
        assert caught.value.field == "to"
    form = actions.ACTIONS["refer"].bind(
        demand, world["bob"], {"refer-to": world.loubei.pk, "refer-reason": "x"}
    )
    assert not form.is_valid() and "to" in form.errors
    # Outside Genxi, as before: it closes here (chosen explicitly on the page).
    form = actions.ACTIONS["refer"].bind(
        demand, world["bob"], {"refer-to": "outside", "refer-reason": "属法院受理范围"}
    )
    assert form.is_valid() and form.cleaned_data["to"] is None
    actions.perform(
        actions.ACTIONS["refer"], actor=world["bob"], demand=demand, data=form.cleaned_data
    )
    demand.refresh_from_db()
    assert demand.status == Status.REFERRED and demand.community == world.hetai
    verified_demand = verified(world, category)
    with pytest.raises(ServiceError):  # once verified, it is assigned, not referred
        services.refer(actor=world["bob"], demand=verified_demand, reason="x", to=world.baoxiang)


# ------------------------------------------------------------------ correcting


@pytest.fixture
def slower(category: Category) -> Category:
    return services.create_category(
        actor=None,
        name="电梯故障",
        parent=category.parent,
        response_days=2,
        resolution_days=10,
    )


def test_a_correction_recounts_the_deadlines_by_the_rule(
    world: World, category, slower, client
) -> None:
    calendar = WorkCalendar.load()
    collected = date(2026, 11, 20)
    with time_machine.travel("2026-11-20 09:00 +08:00", tick=False):
        demand = collect(world, category)
    assert demand.response_due == calendar.add_workdays(collected, 1).day
    changes = services.correct(
        actor=world["bob"],
        demand=demand,
        reason="实为电梯问题，位置在2幢",
        category=slower,
        area=world.building2,
    )
    demand.refresh_from_db()
    # Not accepted yet: both deadlines from collection, with the new category's days.
    assert demand.category == slower and demand.area == world.building2
    assert demand.response_due == calendar.add_workdays(collected, 2).day
    assert demand.resolution_due == calendar.add_workdays(collected, 10).day
    assert changes["category"] == [category.pk, slower.pk]
    event = demand.events.get(kind=EventKind.CORRECTED)
    assert event.note == "实为电梯问题，位置在2幢" and event.data["area"] == [
        world.building1.pk,
        world.building2.pk,
    ]
    audit = AuditEntry.objects.for_object(demand).get(action="demand.corrected")
    assert audit.actor == world["bob"] and "resolution_due" in audit.changes

    # Accepted: the response deadline stays; the resolution deadline still follows the category.
    services.accept(actor=world["bob"], demand=demand)
    demand.refresh_from_db()
    response_due = demand.response_due
    services.correct(actor=world["bob"], demand=demand, reason="归类有误", category=category)
    demand.refresh_from_db()
    assert demand.response_due == response_due
    assert demand.resolution_due == calendar.add_workdays(collected, 5).day

    # Resolved: no deadline moves any more.
    services.verify(actor=world["bob"], demand=demand, findings="属实")
    services.assign(actor=world["bob"], demand=demand, path=HandlingPath.COMMUNITY)
    services.resolve(actor=world["bob"], demand=demand, result="已修复")
    demand.refresh_from_db()
    before = (demand.response_due, demand.resolution_due)
    services.correct(actor=world["bob"], demand=demand, reason="再改", category=slower)
    demand.refresh_from_db()
    assert (demand.response_due, demand.resolution_due) == before and demand.category == slower


def test_after_a_referral_a_correction_counts_from_the_referral_day(
    world: World, category, slower
) -> None:
    with time_machine.travel("2026-11-20 09:00 +08:00", tick=False):
        demand = collect(world, category)
    with time_machine.travel("2026-11-25 10:00 +08:00", tick=False):
        services.refer(actor=world["bob"], demand=demand, reason="宝祥负责", to=world.baoxiang)
    demand.refresh_from_db()
    services.correct(actor=world["alice"], demand=demand, reason="电梯", category=slower)
    demand.refresh_from_db()
    calendar = WorkCalendar.load()
    assert demand.response_due == calendar.add_workdays(date(2026, 11, 25), 2).day
    assert demand.resolution_due == calendar.add_workdays(date(2026, 11, 25), 10).day


def test_a_correction_stays_within_the_community_and_the_scope(
    world: World, category, slower, client
) -> None:
    demand = collect(world, category)
    for where in (world.loubei_building, world.baoxiang_compound, world.grid1):
        with pytest.raises(ServiceError) as caught:
            services.correct(actor=world["bob"], demand=demand, reason="x", area=where)
        assert caught.value.field == "area"
    with pytest.raises(ServiceError):
        services.correct(actor=world["bob"], demand=demand, reason="", category=slower)
    url = reverse("demands:demand_action", args=[demand.pk, "correct"])
    data = {"correct-area": world.compound.pk, "correct-category": slower.pk, "correct-reason": "x"}
    for outsider in ("oscar", "carol", "frank", "dave"):
        client.force_login(world[outsider])
        assert client.post(url, data).status_code == 404, outsider
    client.force_login(world["bob"])
    bad = client.post(url, {**data, "correct-area": world.baoxiang_compound.pk})
    assert bad.status_code == 400
    assert client.post(url, data).status_code == 302
    demand.refresh_from_db()
    assert demand.area == world.compound and demand.category == slower
    history = client.get(demand.get_absolute_url()).content.decode()
    assert "1幢 → 三花苑" in history and "出入口与通道 → 电梯故障" in history
    assert Area.objects.get(pk=world.compound.pk).kind == AreaKind.COMPOUND


# ------------------------------------------------------------------ the REST API


def test_the_api_assigns_refers_and_corrects_with_the_same_rules(
    world: World, category, slower, units, client
) -> None:
    bob, oscar = bearer(world, "bob"), bearer(world, "oscar")
    lamp = verified(world, category)
    url = f"/api/v1/demands/{lamp.pk}"
    refused = post(client, f"{url}/assign", bob, {"path": "partner", "partner": world.partner.pk})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "partner"
    assigned = post(
        client, f"{url}/assign", bob, {"path": "partner", "partner": units["district"].pk}
    )
    assert assigned.status_code == 200 and assigned.json()["status"] == "assigned"

    demand = collect(world, category)
    url = f"/api/v1/demands/{demand.pk}"
    fixed = post(client, f"{url}/correct", bob, {"reason": "电梯问题", "category": slower.pk})
    assert fixed.status_code == 200, fixed.content
    assert Demand.objects.get(pk=demand.pk).category == slower
    wrong = post(client, f"{url}/refer", bob, {"reason": "x", "to": world.loubei.pk})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "to"
    assert post(client, f"{url}/refer", oscar, {"reason": "x"}).status_code == 404
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]["ReferIn"]
    assert schema["properties"]["to"]["default"] == "outside"
    moved = post(client, f"{url}/refer", bob, {"reason": "宝祥负责", "to": world.baoxiang.pk})
    assert moved.status_code == 200, moved.content
    body = moved.json()
    assert body["status"] == "collected" and body["actions"] == []
    assert client.get(url, **bob).status_code == 200
    assert post(client, f"{url}/accept", bob).status_code == 404


def test_the_pioneer_who_recorded_it_no_longer_acts_on_it_once_referred(
    world: World, category
) -> None:
    """carol recorded it in 和泰; referred to 宝祥 and resolved there, its call-backs are
    宝祥's: she may not record them, and they are not on her work list."""
    demand = collect(world, category)  # recorded by carol
    services.refer(actor=world["bob"], demand=demand, reason="宝祥负责", to=world.baoxiang)
    demand.refresh_from_db()
    alice = world["alice"]
    services.accept(actor=alice, demand=demand)
    services.verify(actor=alice, demand=demand, findings="属实")
    services.assign(actor=alice, demand=demand, path="community")
    services.resolve(actor=alice, demand=demand, result="已修")
    demand.refresh_from_db()
    carol = world["carol"]
    assert not carol.has_perm("demands.call_back_demand", demand)
    assert actions.available(demand, carol) == []
    counts = {i.key: i.count for i in worklists.work_items(carol)}
    assert counts["my_callbacks"] == 0
