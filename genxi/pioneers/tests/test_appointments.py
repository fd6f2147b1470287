"""Appointments: appoint with a term and a template's duties, renew, suspend, resume, end (the
ended pioneer loses access at once), the certificate, the list's filters, bad input."""

import uuid
from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse

from genxi.accounts.models import Membership, Role
from genxi.conftest import World
from genxi.core.models import AuditEntry
from genxi.core.services import ServiceError
from genxi.home.navigation import navigation_for
from genxi.pioneers.models import AppointmentEvent, AppointmentEventKind, DutyTemplate
from genxi.pioneers.services import appointments as services
from genxi.places import services as places
from genxi.places.models import AreaKind, Pioneer, PioneerStatus

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 2)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(TODAY):
        yield


@pytest.fixture
def template(world: World) -> DutyTemplate:
    return services.create_template(
        actor=world["bob"],
        area=world.hetai,
        name="网格先锋职责",
        duties="每月走访网格内住户，收集诉求。",
        assessment_rules="走访完成率占40%。",
    )


def appoint(world: World, **kwargs):
    values = {
        "actor": world["bob"],
        "name": "周建昌",
        "community": world.hetai,
        "appointed_on": TODAY,
        "term_ends_on": date(2029, 3, 1),
        "grids": [world.grid2],
    }
    values.update(kwargs)
    return services.appoint(**values)


# ---------------------------------------------------------------- services


def test_appoint_copies_the_template_and_writes_the_history(world: World, template) -> None:
    pioneer = appoint(world, template=template, party_org=world.org, user=world["erin"])
    assert "每月走访" in pioneer.duties and "走访完成率占40%" in pioneer.duties
    assert pioneer.party_org == world.org
    assert [e.kind for e in pioneer.events.all()] == [AppointmentEventKind.APPOINTED]
    assert pioneer.events.get().term_ends_on == date(2029, 3, 1)
    # erin's account gets the pioneer's role at the community, so the pioneer pages open.
    assert Membership.objects.filter(
        user=world["erin"], role=Role.PIONEER, area=world.hetai
    ).exists()
    assert AuditEntry.objects.filter(action="pioneer.create", object_id=str(pioneer.pk)).exists()


def test_written_duties_win_over_the_template(world: World, template) -> None:
    pioneer = appoint(world, template=template, duties="只负责2幢。")
    assert pioneer.duties == "只负责2幢。"


def test_a_new_appointment_needs_the_term_end(world: World) -> None:
    with pytest.raises(ServiceError) as exc:
        appoint(world, term_ends_on=None)
    assert exc.value.field == "term_ends_on"


def test_a_term_cannot_end_before_it_starts(world: World) -> None:
    with pytest.raises(ServiceError) as exc:
        appoint(world, term_ends_on=TODAY - timedelta(days=1))
    assert exc.value.field == "term_ends_on"
    assert not Pioneer.objects.filter(name="周建昌").exists()


def test_a_grid_of_another_community_is_refused(world: World) -> None:
    other = places.create_area(actor=None, kind=AreaKind.GRID, name="娄北网格", parent=world.loubei)
    with pytest.raises(ServiceError) as exc:
        appoint(world, grids=[other])
    assert exc.value.field == "grids"


def test_an_org_of_another_community_is_refused(world: World) -> None:
    far = places.create_party_org(actor=None, name="娄北党委", kind="committee", area=world.loubei)
    with pytest.raises(ServiceError) as exc:
        appoint(world, party_org=far)
    assert exc.value.field == "party_org"


def test_a_retried_appointment_makes_one(world: World) -> None:
    token = uuid.uuid4()
    first = appoint(world, token=token)
    again = appoint(world, token=token)
    assert first.pk == again.pk
    assert Pioneer.objects.filter(name="周建昌").count() == 1
    assert AppointmentEvent.objects.filter(pioneer=first).count() == 1


def test_renew_moves_the_end_later_only(world: World) -> None:
    pioneer = appoint(world)
    with pytest.raises(ServiceError) as exc:
        services.renew(actor=world["bob"], pioneer=pioneer, term_ends_on=date(2028, 1, 1))
    assert exc.value.field == "term_ends_on"
    with pytest.raises(ServiceError):
        services.renew(actor=world["bob"], pioneer=pioneer, term_ends_on=date(2029, 3, 1))
    services.renew(actor=world["bob"], pioneer=pioneer, term_ends_on=date(2032, 3, 1))
    pioneer.refresh_from_db()
    assert pioneer.term_ends_on == date(2032, 3, 1)
    assert pioneer.events.last().kind == AppointmentEventKind.RENEWED


def test_suspend_resume_end(world: World) -> None:
    pioneer = world.pioneer
    with pytest.raises(ServiceError) as exc:
        services.suspend(actor=world["bob"], pioneer=pioneer, reason="  ")
    assert exc.value.field == "reason"
    services.suspend(actor=world["bob"], pioneer=pioneer, reason="外出务工三个月")
    assert not Pioneer.objects.active().filter(pk=pioneer.pk).exists()
    services.resume(actor=world["bob"], pioneer=pioneer)
    assert Pioneer.objects.active().filter(pk=pioneer.pk).exists()
    services.end(actor=world["bob"], pioneer=pioneer, reason="搬离社区")
    pioneer.refresh_from_db()
    assert pioneer.status == PioneerStatus.ENDED and pioneer.ended_on == TODAY
    kinds = list(pioneer.events.values_list("kind", flat=True))
    assert kinds == ["suspended", "resumed", "ended"]
    # Ending is final; ending again says it has ended.
    with pytest.raises(ServiceError, match=r"already|已"):
        services.end(actor=world["bob"], pioneer=pioneer, reason="再次")
    with pytest.raises(ServiceError):
        services.resume(actor=world["bob"], pioneer=pioneer)
    with pytest.raises(ServiceError):
        services.renew(actor=world["bob"], pioneer=pioneer, term_ends_on=date(2030, 1, 1))


def test_ending_with_a_stale_copy_is_told_it_has_ended(world: World) -> None:
    stale = Pioneer.objects.get(pk=world.pioneer.pk)
    services.end(actor=world["bob"], pioneer=world.pioneer, reason="搬离社区")
    with pytest.raises(ServiceError) as exc:
        services.end(actor=world["alice"], pioneer=stale, reason="同一件事")
    assert exc.value.code == "invalid_transition"
    assert world.pioneer.events.filter(kind="ended").count() == 1


def test_a_change_of_grids_is_a_step_in_the_history(world: World) -> None:
    pioneer = world.pioneer
    services.edit(actor=world["bob"], pioneer=pioneer, grids=[world.grid1, world.grid2])
    event = pioneer.events.get()
    assert event.kind == AppointmentEventKind.GRIDS and "和泰二网格" in event.reason
    services.edit(actor=world["bob"], pioneer=pioneer, duties="新职责")
    assert pioneer.events.count() == 1


def test_an_edit_with_a_stale_form_is_refused(world: World) -> None:
    pioneer = world.pioneer
    stamp = pioneer.updated_at
    services.edit(actor=world["bob"], pioneer=pioneer, duties="一", expected_updated_at=stamp)
    with pytest.raises(ServiceError) as exc:
        services.edit(actor=world["alice"], pioneer=pioneer, duties="二", expected_updated_at=stamp)
    assert exc.value.code == "concurrent_edit"


# ---------------------------------------------------------------- access ends at once


def test_an_ended_pioneer_loses_access_in_the_same_request_cycle(world: World, client) -> None:
    carol = world["carol"]
    client.force_login(carol)
    detail = reverse("pioneers:appointment_detail", args=[world.pioneer.pk])
    resident = reverse("places:resident_detail", args=[world.resident1.pk])
    grids = reverse("pioneers:grid_list")
    assert client.get(detail).status_code == 200
    assert client.get(resident).status_code == 200
    assert client.get(grids).status_code == 200
    keys = {item.key for item in navigation_for(carol)}
    assert "pioneers" in keys
    services.end(actor=world["bob"], pioneer=world.pioneer, reason="搬离社区")
    # The same user object (its per-request caches filled above) no longer opens anything.
    assert "pioneers" not in {item.key for item in navigation_for(carol)}
    assert Pioneer.objects.grid_ids_of(carol) == []
    for url in (detail, resident, grids, reverse("pioneers:certificate", args=[world.pioneer.pk])):
        assert client.get(url).status_code == 404, url


# ---------------------------------------------------------------- pages


def test_the_list_filters_and_chips(world: World, client) -> None:
    soon = appoint(world, name="快到期", term_ends_on=TODAY + timedelta(days=20))
    later = appoint(world, name="还早", term_ends_on=TODAY + timedelta(days=400))
    client.force_login(world["bob"])
    url = reverse("pioneers:appointment_list")
    html = client.get(url).content.decode()
    assert "快到期" in html and "还早" in html and "data-ending" in html
    html = client.get(url, {"ending": "1"}).content.decode()
    assert "快到期" in html and "还早" not in html
    services.end(actor=world["bob"], pioneer=later, reason="调离")
    html = client.get(url, {"status": "ended"}).content.decode()
    assert "还早" in html and "快到期" not in html
    assert client.get(url, {"community": "9" * 30}).status_code == 200
    assert client.get(url, {"q": "快到"}).content.decode().count(f'data-pioneer="{soon.pk}"') == 1
    response = client.get(url, {"format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxml")
    response.close()


def test_appoint_through_the_form_with_a_template(world: World, client, template) -> None:
    client.force_login(world["bob"])
    url = reverse("pioneers:appointment_create")
    assert client.get(url).status_code == 200
    data = {
        "name": "海棠一号",
        "community": world.hetai.pk,
        "grids": [world.grid2.pk],
        "appointed_on": "2026-03-02",
        "term_ends_on": "2029-03-01",
        "template": template.pk,
        "party_org": world.org.pk,
        "form_token": str(uuid.uuid4()),
    }
    response = client.post(url, data)
    pioneer = Pioneer.objects.get(name="海棠一号")
    assert response.status_code == 302 and response["Location"] == pioneer.get_absolute_url()
    assert client.post(url, data).status_code == 302  # the same form again
    assert Pioneer.objects.filter(name="海棠一号").count() == 1
    html = client.get(pioneer.get_absolute_url()).content.decode()
    assert "每月走访" in html and "和泰社区党委" in html


def test_the_form_refuses_bad_terms(world: World, client) -> None:
    client.force_login(world["bob"])
    url = reverse("pioneers:appointment_create")
    base = {"name": "甲", "community": world.hetai.pk, "appointed_on": "2026-03-02"}
    response = client.post(url, {**base, "term_ends_on": "2026-01-01"})
    assert response.status_code == 400 and "term_ends_on" in response.context["form"].errors
    assert client.post(url, base).status_code == 400  # no end
    assert client.post(url, {**base, "term_ends_on": "99999-01-01"}).status_code == 400
    assert not Pioneer.objects.filter(name="甲").exists()


def test_grid_over_the_limit_is_a_warning_on_the_saved_page(world: World, client) -> None:
    from genxi.pioneers.services.grids import save_settings

    save_settings(actor=world["bob"], area=world.hetai, grid_households_limit=1)
    for room in ("101", "201"):
        places.create_resident(actor=None, name=f"住户{room}", area=world.building2, room=room)
    client.force_login(world["bob"])
    response = client.post(
        reverse("pioneers:appointment_create"),
        {
            "name": "超限",
            "community": world.hetai.pk,
            "grids": [world.grid2.pk],
            "appointed_on": "2026-03-02",
            "term_ends_on": "2027-03-01",
            "form_token": str(uuid.uuid4()),
        },
        follow=True,
    )
    html = response.content.decode()
    assert Pioneer.objects.filter(name="超限").exists()
    assert "和泰二网格" in html
    assert [m.level_tag for m in response.context["messages"]] == ["success", "warning"]


def test_actions_through_the_pages(world: World, client) -> None:
    pioneer = world.pioneer
    client.force_login(world["bob"])
    detail = client.get(pioneer.get_absolute_url()).content.decode()
    for name in ("renew", "suspend", "end"):
        assert reverse(f"pioneers:appointment_{name}", args=[pioneer.pk]) in detail
    suspend = reverse("pioneers:appointment_suspend", args=[pioneer.pk])
    assert client.get(suspend).status_code == 200
    assert client.post(suspend, {"reason": ""}).status_code == 400
    assert client.post(suspend, {"reason": "住院"}).status_code == 302
    resume = reverse("pioneers:appointment_resume", args=[pioneer.pk])
    assert client.post(resume, {}).status_code == 302
    renew = reverse("pioneers:appointment_renew", args=[pioneer.pk])
    assert client.post(renew, {"term_ends_on": "2028-12-31"}).status_code == 302
    pioneer.refresh_from_db()
    assert pioneer.term_ends_on == date(2028, 12, 31)
    assert client.post(renew, {"term_ends_on": "2027-01-01"}).status_code == 400
    end = reverse("pioneers:appointment_end", args=[pioneer.pk])
    assert client.post(end, {"reason": "搬离"}).status_code == 302
    again = client.post(end, {"reason": "搬离"})
    assert again.status_code == 400 and "已" in again.content.decode()
    # carol reads her own appointment but manages nothing; oscar (another street) sees nothing.
    client.force_login(world["oscar"])
    assert client.get(pioneer.get_absolute_url()).status_code == 404
    assert client.post(end, {"reason": "x"}).status_code == 404


def test_a_pioneer_reads_but_cannot_act(world: World, client) -> None:
    client.force_login(world["carol"])
    assert client.get(world.pioneer.get_absolute_url()).status_code == 200
    for name in ("edit", "renew", "suspend", "end"):
        url = reverse(f"pioneers:appointment_{name}", args=[world.pioneer.pk])
        assert client.get(url).status_code == 404, name
    assert client.get(reverse("pioneers:appointment_create")).status_code == 404


def test_the_certificate(world: World, client, template) -> None:
    pioneer = appoint(world, template=template, party_org=world.org, grids=[world.grid1])
    client.force_login(world["bob"])
    html = client.get(reverse("pioneers:certificate", args=[pioneer.pk])).content.decode()
    assert "周建昌" in html and "和泰社区党委" in html and "和泰一网格" in html
    assert "2029年3月1日" in html and "每月走访" in html
    # 聘字〔2026〕第0012号: the year of the appointment and its id.
    assert f"〔2026〕第{pioneer.pk:04d}号" in html and "data-print" in html


def test_duty_templates_from_the_settings_page(world: World, client) -> None:
    client.force_login(world["bob"])
    url = reverse("pioneers:template_create")
    data = {
        "area": world.hetai.pk,
        "name": "楼栋长职责",
        "duties": "联系本楼住户",
        "form_token": str(uuid.uuid4()),
    }
    assert client.post(url, data).status_code == 302
    assert client.post(url, {**data, "form_token": str(uuid.uuid4())}).status_code == 400
    template = DutyTemplate.objects.get(name="楼栋长职责")
    assert "楼栋长职责" in client.get(reverse("pioneers:settings")).content.decode()
    edit = reverse("pioneers:template_edit", args=[template.pk])
    stale = template.updated_at.isoformat()
    assert (
        client.post(edit, {"name": "楼栋长", "duties": "甲", "updated_at": stale}).status_code
        == 302
    )
    response = client.post(edit, {"name": "楼栋长", "duties": "乙", "updated_at": stale})
    assert response.status_code == 400
    # oscar, staff of another street, neither sees nor edits it.
    client.force_login(world["oscar"])
    assert client.get(edit).status_code == 404


def test_edit_through_the_page(world: World, client) -> None:
    pioneer = world.pioneer
    client.force_login(world["bob"])
    url = reverse("pioneers:appointment_edit", args=[pioneer.pk])
    assert client.get(url).status_code == 200
    stamp = pioneer.updated_at.isoformat()
    data = {
        "name": "卡罗尔",
        "grids": [world.grid1.pk, world.grid2.pk],
        "appointed_on": "2025-01-01",
        "duties": "走访两个网格",
        "updated_at": stamp,
    }
    assert client.post(url, data).status_code == 302
    assert set(pioneer.grids.values_list("name", flat=True)) == {"和泰一网格", "和泰二网格"}
    assert pioneer.events.get().kind == AppointmentEventKind.GRIDS
    # The same form sent again with the old stamp is refused, not applied over the change.
    stale = client.post(url, {**data, "duties": "旧的"})
    assert stale.status_code == 400
    pioneer.refresh_from_db()
    assert pioneer.duties == "走访两个网格"


def test_community_staff_read_their_streets_templates_and_rewards_but_do_not_edit_them(
    world: World, client
) -> None:
    """bob (和泰's staff) reads 白洋湾街道's duty template, points item and reward, and may
    choose the template when appointing; editing them is for the street's staff (alice)."""
    from genxi.pioneers.models import PointItem, Reward, Scheme
    from genxi.pioneers.services import points

    street_template = services.create_template(
        actor=world["alice"], area=world.street, name="街道先锋职责", duties="每月走访"
    )
    item = points.create_item(actor=world["alice"], area=world.street, name="街道志愿", points=2)
    reward = points.create_reward(actor=world["alice"], area=world.street, name="街道大米", cost=5)
    scheme = Scheme.objects.create(area=world.street)
    bob, oscar = world["bob"], world["oscar"]
    for model, row in (
        (DutyTemplate, street_template),
        (PointItem, item),
        (Reward, reward),
        (Scheme, scheme),
    ):
        assert row in model.objects.visible_to(bob), model
        assert row in model.objects.visible_to(world["frank"]), model
        assert row not in model.objects.visible_to(oscar), model
    client.force_login(bob)
    settings_page = client.get(reverse("pioneers:settings")).content.decode()
    assert "街道先锋职责" in settings_page
    assert reverse("pioneers:template_edit", args=[street_template.pk]) not in settings_page
    form = client.get(reverse("pioneers:appointment_create")).context["form"]
    assert street_template in form.fields["template"].queryset
    assert "街道大米" in client.get(reverse("pioneers:points_rewards")).content.decode()
    for url in (
        reverse("pioneers:template_edit", args=[street_template.pk]),
        reverse("pioneers:points_item_edit", args=[item.pk]),
        reverse("pioneers:points_reward_edit", args=[reward.pk]),
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"name": "改名"}).status_code == 404, url
    assert client.post(reverse("pioneers:points_restock", args=[reward.pk])).status_code == 404
    assert DutyTemplate.objects.get(pk=street_template.pk).name == "街道先锋职责"
    client.force_login(world["alice"])
    edit = reverse("pioneers:template_edit", args=[street_template.pk])
    assert client.get(edit).status_code == 200
    assert edit in client.get(reverse("pioneers:settings")).content.decode()
