import uuid
from typing import Any

import pytest
from django.urls import reverse

from genxi.conftest import World
from genxi.demands import services as demands
from genxi.demands.models import DemandReporter, HandlingPath, Status
from genxi.places.services import create_partner
from genxi.triage import services
from genxi.triage.models import CommunitySettings, Feedback, TriageModel
from genxi.triage.tests.test_services import _resolved, history, record

HTMX = {"HTTP_HX_REQUEST": "true"}


def suggest(client: Any, **data: Any) -> Any:
    return client.post(reverse("triage:suggest"), data, **HTMX)


def test_suggestions_as_a_demand_is_typed(world: World, topics, client) -> None:
    existing = record(world, topics["电梯维修"], "1幢电梯又坏了")
    client.force_login(world["carol"])
    answer = suggest(client, title="电梯坏了", area=world.building1.pk)
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "推荐分类" in html and "电梯维修" in html and "按关键词" in html
    assert f'data-category="{topics["电梯维修"].pk}"' in html
    assert existing.code in html and "同一楼栋" in html
    assert reverse("triage:join", args=[existing.pk]) in html
    # Nothing typed yet, nothing to say.
    assert suggest(client, title="", area="").content.decode().strip() == ""


def test_auto_apply_marks_the_category_to_fill_in(world: World, topics, client) -> None:
    CommunitySettings.objects.create(community=world.hetai, auto_apply=True, threshold=0.6)
    client.force_login(world["carol"])
    # Keywords' confidences are no probabilities: they fill nothing in.
    html = suggest(client, title="电梯坏了", area=world.building1.pk).content.decode()
    assert "按关键词" in html and "data-auto" not in html
    history(world, topics)
    services.train()
    html = suggest(client, title="电梯坏了", area=world.building1.pk).content.decode()
    assert f'data-auto="{topics["电梯维修"].pk}"' in html
    assert 'name="triage_version" value="1"' in html
    # Once the person has chosen, nothing is filled in over it.
    html = suggest(
        client, title="电梯坏了", area=world.building1.pk, category=topics["噪音扰民"].pk
    ).content.decode()
    assert "data-auto" not in html


@pytest.mark.parametrize("username", ["dave", "erin", "nobody"])
def test_only_those_who_record_demands_get_suggestions(world, topics, client, username) -> None:
    client.force_login(world[username])
    assert suggest(client, title="电梯坏了").status_code == 404


def test_an_area_outside_the_users_scope_is_ignored(world: World, topics, client) -> None:
    record(world, topics["电梯维修"], "电梯坏了", area=world.loubei_building)
    client.force_login(world["bob"])
    html = suggest(client, title="电梯坏了", area=world.loubei_building.pk).content.decode()
    assert "可能是同一件事" not in html  # 娄北's demands stay unseen
    assert "电梯维修" in html  # the category is still suggested
    for odd in ["²", "x", "9" * 30, ""]:  # not ids: ignored, never a server error
        answer = suggest(client, title="电梯坏了", area=odd, category=odd)
        assert answer.status_code == 200 and "电梯维修" in answer.content.decode()


def test_this_is_the_same_adds_the_reporter(world: World, topics, client) -> None:
    existing = record(world, topics["电梯维修"], "1幢电梯又坏了")
    client.force_login(world["carol"])
    url = reverse("triage:join", args=[existing.pk])
    answer = client.post(url, {"reporters": [world.resident1.pk]}, **HTMX)
    assert answer.status_code == 204
    assert answer["HX-Redirect"] == existing.get_absolute_url()
    assert DemandReporter.objects.filter(demand=existing, resident=world.resident1).exists()
    again = client.post(url, {"reporters": [world.resident1.pk]}, **HTMX)  # a retry
    assert again.status_code == 204
    assert DemandReporter.objects.filter(demand=existing).count() == 1

    empty = client.post(url, {}, **HTMX)
    assert "请先在“反映人”中选择居民" in empty.content.decode()


def test_this_is_the_same_refuses_closed_and_unseen_demands(world, topics, client) -> None:
    closed = record(world, topics["电梯维修"], "电梯坏了")
    closed.status = Status.CLOSED
    closed.save(update_fields=["status"])
    client.force_login(world["bob"])
    answer = client.post(
        reverse("triage:join", args=[closed.pk]), {"reporters": [world.resident1.pk]}, **HTMX
    )
    assert "这条诉求已结束" in answer.content.decode()
    assert not DemandReporter.objects.filter(demand=closed).exists()
    elsewhere = record(world, topics["电梯维修"], "电梯坏了", area=world.loubei_building)
    client.force_login(world["carol"])
    for pk in [elsewhere.pk, 999_999]:  # unseen or gone: the same answer, said at the button
        url = reverse("triage:join", args=[pk])
        answer = client.post(url, {"reporters": [world.resident1.pk]})
        assert answer.status_code == 404
        assert "找不到这条诉求" in answer.content.decode()
    assert not DemandReporter.objects.filter(demand=elsewhere).exists()


def test_intake_records_what_was_suggested_and_chosen(world: World, topics, client) -> None:
    client.force_login(world["carol"])
    data = {
        "title": "电梯坏了",
        "category": topics["噪音扰民"].pk,
        "area": world.building1.pk,
        "channel": "visit",
        "form_token": str(uuid.uuid4()),
        # What the suggestions showed (keywords: no version); nothing was filled in by itself.
        "triage_suggested": topics["电梯维修"].pk,
        "triage_confidence": "1.0000",
        "triage_version": "",
        "triage_auto": "",
    }
    assert client.post(reverse("demands:demand_create"), data).status_code == 302
    assert client.post(reverse("demands:demand_create"), data).status_code == 302  # a retry
    feedback = Feedback.objects.get()
    assert (feedback.suggested, feedback.chosen, feedback.outcome) == (
        str(topics["电梯维修"].pk),
        str(topics["噪音扰民"].pk),
        "corrected",
    )


def test_the_triage_page(world: World, topics, client, django_capture_on_commit_callbacks) -> None:
    client.force_login(world["carol"])
    assert client.get(reverse("triage:index")).status_code == 404
    client.force_login(world["frank"])  # leadership reads it
    page = client.get(reverse("triage:index")).content.decode()
    assert "尚未训练模型" in page and "立即训练" not in page

    client.force_login(world["bob"])
    assert client.post(reverse("triage:train")).status_code == 404  # the street trains
    answer = client.post(
        reverse("triage:index"),
        {"community": world.hetai.pk, "auto_apply": "on", "threshold": "0.85"},
    )
    assert answer.status_code == 302
    assert CommunitySettings.objects.get(community=world.hetai).threshold == 0.85
    bad = client.post(
        reverse("triage:index"),
        {"community": world.loubei.pk, "auto_apply": "on", "threshold": "2"},
    )
    assert bad.status_code == 200
    assert set(bad.context["form"].errors) == {"community", "threshold"}

    client.force_login(world["alice"])
    answer = client.post(reverse("triage:train"), follow=True)
    assert "至少需要 30 条" in answer.content.decode()
    history(world, topics, n_per_topic=8)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(reverse("triage:train"), follow=True)
    assert "已开始用 32 条已受理诉求训练" in answer.content.decode()
    assert TriageModel.objects.count() == 1  # the test's task backend runs it at once
    page = client.get(reverse("triage:index")).content.decode()
    assert "当前使用：第 1 版" in page and "交叉验证宏平均 F1" in page
    assert "<td>电梯维修</td>" in page  # per category, by name
    client.force_login(world["bob"])  # the deployment's per-category counts are the street's
    page = client.get(reverse("triage:index")).content.decode()
    assert "当前使用：第 1 版" in page and "<td>电梯维修</td>" not in page


def test_the_assign_form_suggests_the_handler_and_keeps_the_choice(
    world: World, topics, client
) -> None:
    office = create_partner(actor=None, name="市电梯维保中心", kind="company", area=world.street)
    lift = topics["电梯维修"]
    _resolved(world, lift, 3, path=HandlingPath.PARTNER, partner=office)
    first, second = record(world, lift, "电梯又坏了"), record(world, lift, "电梯困人")
    for demand in (first, second):
        demands.accept(actor=world["bob"], demand=demand)
        demands.verify(actor=world["bob"], demand=demand, findings="属实")
    client.force_login(world["bob"])
    page = client.get(first.get_absolute_url()).content.decode()
    assert "可能的承办方" in page and "市电梯维保中心" in page and "（本小区）" in page

    url = reverse("demands:demand_action", args=[first.pk, "assign"])
    data = {"assign-path": HandlingPath.PARTNER, "assign-partner": office.pk}
    assert client.post(url, data).status_code == 302
    url = reverse("demands:demand_action", args=[second.pk, "assign"])
    assert client.post(url, {"assign-path": HandlingPath.COMMUNITY}).status_code == 302
    kept = {
        f.demand_id: (f.suggested, f.chosen, f.outcome)
        for f in Feedback.objects.filter(kind="handler")
    }
    assert kept == {
        first.pk: (str(office.pk), str(office.pk), "accepted"),
        second.pk: (str(office.pk), "community", "corrected"),
    }
    client.force_login(world["alice"])
    page = client.get(reverse("triage:index")).content.decode()
    assert "承办方" in page and "合计" in page


def test_the_intake_page_carries_the_suggestion_script_once_and_a_plain_title(
    world: World, topics, client
) -> None:
    client.force_login(world["carol"])
    html = client.get(reverse("demands:demand_create")).content.decode()
    title = html[html.index("<title>") + 7 : html.index("</title>")]
    assert title == "登记诉求 · 根系"
    assert html.count("genxi/app.js") == 1  # the picking is there, in the one script file
    assert "<script>" not in html
    assert 'id="triage-suggestions"' in html
