from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from genxi.accounts.services import create_user
from genxi.conftest import PASSWORD, World
from genxi.core.models import AuditEntry
from genxi.core.services import ServiceError
from genxi.demands import services as demands
from genxi.demands.models import Demand, HandlingPath, Status
from genxi.triage import services
from genxi.triage.models import Feedback, Outcome, TriageModel
from genxi.triage.tasks import train_model
from genxi.triage.tests.conftest import generated


def record(world: World, category, title: str, *, area=None, description: str = "", **kw):
    return demands.collect_demand(
        actor=world["bob"],
        title=title,
        description=description,
        category=category,
        area=area or world.building1,
        channel="phone",
        **kw,
    )


def history(world: World, topics, n_per_topic: int = 12) -> None:
    """Accepted demands for every topic: the labels training learns from."""
    for title, details, topic in generated(n_per_topic):
        demand = record(world, topics[topic], title, description=details)
        demands.accept(actor=world["bob"], demand=demand)


def test_keywords_suggest_until_a_model_is_trained(world: World, topics) -> None:
    version, guesses = services.suggest_categories("2幢电梯停运三天了")
    assert version is None
    assert guesses[0].category == topics["电梯维修"]
    assert guesses[0].percent == 100
    assert services.suggest_categories("   ") == (None, [])


def test_training_needs_enough_accepted_demands(world: World, topics) -> None:
    with pytest.raises(ServiceError, match="至少需要 30 条"):
        services.train()
    assert not services.retrain_due()
    history(world, topics, n_per_topic=10)
    assert services.retrain_due()
    model = services.train(actor=world["alice"])
    assert (model.version, model.examples, model.categories) == (1, 40, 4)
    assert model.macro_f1 is not None and model.macro_f1 > 0.8
    assert set(model.metrics["classes"]) == {str(c.pk) for c in topics.values()}
    assert not services.retrain_due()

    version, guesses = services.suggest_categories("清嘉苑8幢树木倒伏，草坪枯黄")
    assert version == 1
    assert guesses[0].category == topics["绿化养护"]
    assert 0 < guesses[0].confidence <= 1
    assert len(guesses) == 3
    # A category retired since the training is never suggested.
    demands.update_category(actor=None, category=topics["绿化养护"], is_active=False)
    _version, guesses = services.suggest_categories("清嘉苑8幢树木倒伏，草坪枯黄")
    assert topics["绿化养护"] not in [g.category for g in guesses]
    assert services.train().version == 2  # the next version, from the labels still in use


def test_retrain_is_due_after_enough_new_labels(world: World, topics, settings) -> None:
    settings.GENXI_TRIAGE_RETRAIN_EVERY = 4
    history(world, topics, n_per_topic=8)
    services.train()
    for title in ["电梯困人", "电梯异响", "广场舞太吵"]:
        demands.accept(actor=world["bob"], demand=record(world, topics["电梯维修"], title))
    assert not services.retrain_due()
    demands.accept(actor=world["bob"], demand=record(world, topics["噪音扰民"], "夜间施工"))
    assert services.retrain_due()


def shown(category, confidence: float = 0.8, *, version=None, auto=None) -> dict[str, str]:
    """What the intake form carries of the suggestion it showed."""
    return {
        "triage_suggested": str(category.pk),
        "triage_confidence": str(confidence),
        "triage_version": str(version or ""),
        "triage_auto": str(auto.pk) if auto else "",
    }


def test_what_was_shown_and_chosen_is_kept_once(world: World, topics) -> None:
    lift = record(world, topics["电梯维修"], "电梯坏了")
    noise = record(world, topics["噪音扰民"], "电梯坏了，还很吵")  # corrected by the person
    first = services.record_category_outcome(
        actor=world["bob"], demand=lift, shown=shown(topics["电梯维修"], 0.75)
    )
    assert first is not None and first.outcome == Outcome.ACCEPTED
    assert (first.model_version, first.confidence) == (None, 0.75)  # keywords
    again = services.record_category_outcome(
        actor=world["bob"], demand=lift, shown=shown(topics["电梯维修"])
    )
    assert again is None  # a retry
    corrected = services.record_category_outcome(
        actor=world["bob"], demand=noise, shown=shown(topics["电梯维修"], version=3)
    )
    assert corrected.outcome == Outcome.CORRECTED
    assert (corrected.suggested, corrected.chosen) == (
        str(topics["电梯维修"].pk),
        str(topics["噪音扰民"].pk),
    )
    assert corrected.model_version == 3
    assert Feedback.objects.count() == 2
    # Nothing shown (or a forged field), nothing kept; a forged confidence is clamped.
    other = record(world, topics["电梯维修"], "其他事情")
    for nothing in [{}, {"triage_suggested": "²"}, {"triage_suggested": "999999"}]:
        assert services.record_category_outcome(actor=None, demand=other, shown=nothing) is None
    odd = shown(topics["电梯维修"])
    odd["triage_confidence"] = "nan"
    assert services.record_category_outcome(actor=None, demand=other, shown=odd).confidence == 0


def test_an_automatic_category_is_recorded_as_such(world: World, topics) -> None:
    services.update_settings(
        actor=world["bob"], community=world.hetai, auto_apply=True, threshold=0.9
    )
    lift = record(world, topics["电梯维修"], "电梯坏了")
    form = shown(topics["电梯维修"], 0.95, version=1, auto=topics["电梯维修"])
    kept = services.record_category_outcome(actor=None, demand=lift, shown=form)
    assert kept.outcome == Outcome.AUTO
    # Filled in automatically, then changed by the person: a correction.
    noise = record(world, topics["噪音扰民"], "电梯很吵")
    kept = services.record_category_outcome(actor=None, demand=noise, shown=form)
    assert kept.outcome == Outcome.CORRECTED
    with pytest.raises(ServiceError, match=r"0\.5"):
        services.update_settings(
            actor=world["bob"], community=world.hetai, auto_apply=True, threshold=0.2
        )


def _resolved(world: World, category, n: int, *, path, partner=None, area=None) -> None:
    for i in range(n):
        demand = record(world, category, f"电梯第{i}次坏", area=area)
        # History only: the lifecycle's own services are tested in demands.
        Demand.objects.filter(pk=demand.pk).update(
            status=Status.CLOSED,
            path=path,
            handler_partner=partner,
            resolved_at=timezone.now(),
        )


def test_the_likely_handler_comes_from_the_nearest_history(world: World, topics) -> None:
    lift, alice, bob = topics["电梯维修"], world["alice"], world["bob"]
    assert services.likely_handler(user=alice, category=lift, area=world.building1) is None
    # Across the street, the community handled such demands itself...
    _resolved(world, lift, 3, path=HandlingPath.COMMUNITY, area=world.baoxiang_compound)
    guess = services.likely_handler(user=alice, category=lift, area=world.building1)
    assert (guess.partner, guess.level, guess.count) == (None, "street", 3)
    # ...which 和泰's staff may not see: they learn nothing from 宝祥's demands.
    assert services.likely_handler(user=bob, category=lift, area=world.building1) is None
    # In 三花苑 the property company did, mostly.
    _resolved(world, lift, 3, path=HandlingPath.PARTNER, partner=world.partner)
    _resolved(world, lift, 1, path=HandlingPath.COMMUNITY)
    guess = services.likely_handler(user=alice, category=lift, area=world.building2)
    assert (guess.partner, guess.level, guess.count, guess.percent) == (
        world.partner,
        "compound",
        4,
        75,
    )
    # 和泰's staff cannot assign a unit registered with 宝祥: the handler they can is named.
    guess = services.likely_handler(user=bob, category=lift, area=world.building2)
    assert (guess.partner, guess.count, guess.percent) == (None, 4, 25)
    assert (
        services.likely_handler(user=world["nobody"], category=lift, area=world.building2) is None
    )


def test_open_repeats_nearby_with_similar_text(world: World, topics) -> None:
    lift = topics["电梯维修"]
    same = record(world, lift, "1幢电梯又坏了", description="电梯停在三楼不动")
    neighbour = record(world, lift, "电梯坏了没人修", area=world.building2)
    record(world, lift, "草坪枯黄", area=world.building2)  # other text
    record(world, lift, "电梯坏了", area=world.baoxiang_compound)  # other community
    closed = record(world, lift, "电梯坏了")
    Demand.objects.filter(pk=closed.pk).update(status=Status.CLOSED)
    resolved = record(world, lift, "电梯坏了")  # awaiting its call-back: no reporter joins it
    Demand.objects.filter(pk=resolved.pk).update(status=Status.RESOLVED)
    old = record(world, lift, "电梯坏了")
    Demand.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=120))

    found = services.similar_open(
        user=world["bob"], title="电梯坏了", description="", area=world.building1
    )
    assert [d.demand for d in found] == [same, neighbour] or [d.demand for d in found] == [
        neighbour,
        same,
    ]
    places = {d.demand.pk: d.place for d in found}
    assert places == {same.pk: "building", neighbour.pk: "compound"}
    # Only what the user may see: a pioneer sees grid 1's, not grid 2's.
    carol = services.similar_open(user=world["carol"], title="电梯坏了", area=world.building1)
    assert [d.demand for d in carol] == [same]
    assert services.similar_open(user=world["nobody"], title="电梯坏了", area=world.building1) == []
    assert services.similar_open(user=world["bob"], title="", area=world.building1) == []


def test_the_train_task_and_command(world: World, topics, capsys) -> None:
    history(world, topics, n_per_topic=8)
    assert train_model.enqueue(world["alice"].pk).return_value == 1
    call_command("triage", "retrain")
    assert "not due" in capsys.readouterr().out
    call_command("triage", "train")
    assert capsys.readouterr().out.startswith("trained v2 on 32 demands, cross-validated")
    assert TriageModel.objects.count() == 2


def test_the_admin_lists_versions_and_deleting_one_puts_the_one_before_back(
    world: World, topics, client
) -> None:
    history(world, topics, n_per_topic=8)
    first, second = services.train(), services.train()
    assert services.current_model()[0] == 2
    root = create_user(actor=None, username="root", password=PASSWORD, is_superuser=True)
    client.force_login(root)
    for name in ["triagemodel", "feedback", "communitysettings"]:
        assert client.get(reverse(f"admin:triage_{name}_changelist")).status_code == 200
    assert client.get(reverse("admin:triage_triagemodel_add")).status_code == 403
    url = reverse("admin:triage_triagemodel_delete", args=[second.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert services.current_model()[0] == first.version
    assert AuditEntry.objects.filter(action="triagemodel.admin_delete", actor=root).count() == 1


def test_a_model_that_cannot_be_loaded_falls_back_to_keywords(world: World, topics, caplog) -> None:
    history(world, topics, n_per_topic=8)
    model = services.train()
    TriageModel.objects.filter(pk=model.pk).update(blob=b"not a pickle")
    services._loaded.update(version=None, model=None)
    version, guesses = services.suggest_categories("2幢电梯停运三天了")
    assert version is None and guesses[0].category == topics["电梯维修"]
    assert "cannot be loaded" in caplog.text
