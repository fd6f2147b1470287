"""The three lists: needs (from demands, follow-ups, typed in), the exclusive window, resources,
matching with its reasons, claims, deliveries and the contributions ledger; and their pages,
with who sees what (a partner sees only its own claims and the needs it may claim)."""

import io
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from genxi.accounts.models import Role, User
from genxi.accounts.services import create_user, grant_membership
from genxi.cobuilding import matching
from genxi.cobuilding.models import (
    Agreement,
    AgreementParty,
    AgreementStatus,
    Attachment,
    Claim,
    Contribution,
    ContributionKind,
    Delivery,
    Need,
    NeedClaimStatus,
    NeedRule,
    NeedSource,
    NeedStatus,
    ResourceKind,
    Settings,
)
from genxi.cobuilding.services import lists as services
from genxi.cobuilding.tests.conftest import release
from genxi.cobuilding.tests.test_uploads import pdf
from genxi.conftest import PASSWORD, World
from genxi.core.models import AuditEntry
from genxi.core.services import ServiceError
from genxi.demands.models import Category, Demand
from genxi.demands.services.categories import create_category
from genxi.demands.services.intake import collect_demand
from genxi.places import services as places
from genxi.places.models import Partner
from genxi.projects.models import Project
from genxi.projects.services.funds import create_fund
from genxi.projects.services.projects import propose_project


@dataclass
class Cast:
    """金阳宝地物业 (dave) paired with 宝祥社区; 苏州信托 (trust) registered with the street, so
    it serves every community of it but is paired with none; a need of 宝祥社区 (window open)."""

    paired: Partner
    trust: Partner
    trust_user: User
    need: Need
    agreement: Agreement


def handler(name: str, partner: Partner) -> User:
    user = create_user(actor=None, username=name, password=PASSWORD, name=name)
    grant_membership(actor=None, user=user, role=Role.PARTNER, area=partner.area, partner=partner)
    return user


@pytest.fixture
def cast(world: World, greening: Category) -> Cast:
    today = timezone.localdate()
    agreement = Agreement.objects.create(
        title="宝祥社区与金阳宝地物业结对共建协议",
        community=world.baoxiang,
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=300),
        status=AgreementStatus.ACTIVE,
    )
    AgreementParty.objects.create(agreement=agreement, partner=world.partner)
    trust = places.create_partner(actor=None, name="苏州信托", kind="company", area=world.street)
    need = services.create_need(
        actor=world["alice"],
        community=world.baoxiang,
        area=world.baoxiang_compound,
        title="宝祥苑儿童游乐场地翻新",
        category=greening,
        amount=Decimal(50000),
        wanted_by=today + timedelta(days=60),
    )
    return Cast(world.partner, trust, handler("trust", trust), need, agreement)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def state(need: Need) -> tuple[str, int, int]:
    need.refresh_from_db()
    return need.status, Claim.objects.filter(need=need).count(), AuditEntry.objects.count()


# --- needs -------------------------------------------------------------------------------------


def test_a_need_gets_the_window_of_the_nearest_settings_up_its_path(world: World) -> None:
    def window(community: object) -> timedelta:
        need = services.create_need(actor=world["bob"], community=world.hetai, title="需求")
        assert need.exclusive_until is not None
        return need.exclusive_until - need.created_at

    assert abs(window(world.hetai) - timedelta(days=7)) < timedelta(seconds=5)
    services.save_settings(actor=world["alice"], area=world.street, exclusive_days=3)
    assert abs(window(world.hetai) - timedelta(days=3)) < timedelta(seconds=5)
    services.save_settings(actor=world["alice"], area=world.hetai, exclusive_days=10)
    assert abs(window(world.hetai) - timedelta(days=10)) < timedelta(seconds=5)
    assert services.exclusive_days(world.baoxiang) == 3
    with pytest.raises(ServiceError):
        services.save_settings(actor=world["alice"], area=world.street, exclusive_days=91)
    assert Settings.objects.get(area=world.street).exclusive_days == 3


def test_a_need_is_checked(world: World, greening: Category) -> None:
    with pytest.raises(ServiceError) as exc:
        services.create_need(
            actor=world["bob"], community=world.hetai, title="x", amount=Decimal("-1")
        )
    assert exc.value.field == "amount"
    with pytest.raises(ServiceError) as exc:
        services.create_need(
            actor=world["bob"], community=world.hetai, title="x", area=world.baoxiang_compound
        )
    assert exc.value.field == "area"
    with pytest.raises(ServiceError) as exc:
        services.create_need(
            actor=world["bob"],
            community=world.hetai,
            title="x",
            wanted_from=date(2026, 5, 2),
            wanted_by=date(2026, 5, 1),
        )
    assert exc.value.field == "wanted_by"
    assert not Need.objects.exists()


def demand(world: World, category: Category, title: str = "小游园场地破损") -> Demand:
    return collect_demand(
        actor=world["bob"],
        title=title,
        category=category,
        area=world.compound,
        channel="phone",
        reporters=[world.resident1],
    )


def test_a_demand_becomes_one_need(world: World, greening: Category) -> None:
    d = demand(world, greening)
    first = services.need_from_demand(actor=world["bob"], demand=d)
    again = services.need_from_demand(actor=world["bob"], demand=d)
    assert first.pk == again.pk
    assert (first.source, first.community, first.area, first.category) == (
        NeedSource.DEMAND,
        world.hetai,
        world.compound,
        greening,
    )


def test_collect_needs_makes_one_need_per_demand_of_a_marked_category(
    world: World, greening: Category
) -> None:
    other = create_category(actor=None, name="噪声扰民", keywords="噪声")
    sub = create_category(actor=None, name="草坪", parent=greening, keywords="草坪")
    marked = [demand(world, greening, "场地破损"), demand(world, sub, "草坪枯死")]
    unmarked = demand(world, other, "夜间施工噪声")
    closed = demand(world, greening, "已办结")
    Demand.objects.filter(pk=closed.pk).update(status="closed")
    services.add_need_rule(actor=world["alice"], area=world.street, category=greening)
    assert services.collect_needs(actor=world["bob"], area=world.hetai) == 2
    assert services.collect_needs(actor=world["bob"], area=world.hetai) == 0
    assert set(Need.objects.values_list("demand_id", flat=True)) == {d.pk for d in marked}
    assert not Need.objects.filter(demand=unmarked).exists()
    # A rule of another community does not reach 和泰's demands.
    NeedRule.objects.all().delete()
    services.add_need_rule(actor=world["alice"], area=world.baoxiang, category=other)
    assert services.collect_needs(actor=world["alice"], area=world.street) == 0


def test_a_follow_up_becomes_one_need(world: World) -> None:
    from genxi.meetings.models import FollowUp, Meeting

    meeting = Meeting.objects.create(
        community=world.hetai, topic="三花苑议事会", starts_at=timezone.now()
    )
    action = FollowUp.objects.create(
        meeting=meeting, title="为三花苑加装休闲座椅", owner="钱主任", due=date(2027, 3, 1)
    )
    need = services.need_from_follow_up(actor=world["bob"], follow_up=action)
    assert services.need_from_follow_up(actor=world["bob"], follow_up=action).pk == need.pk
    assert (need.source, need.community, need.wanted_by) == (
        NeedSource.FOLLOW_UP,
        world.hetai,
        date(2027, 3, 1),
    )


# --- resources and matching --------------------------------------------------------------------


def test_a_resource_reaches_its_area_or_its_partners(world: World, cast: Cast) -> None:
    own = services.create_resource(
        actor=world["dave"], partner=cast.paired, kind=ResourceKind.SERVICE, title="保洁"
    )
    assert own.area_path == world.baoxiang.path
    there = services.create_resource(
        actor=world["dave"],
        partner=cast.paired,
        kind=ResourceKind.SERVICE,
        title="保洁",
        area=world.baoxiang_compound,
    )
    assert there.area_path == world.baoxiang_compound.path
    services.update_resource(actor=world["dave"], resource=there, area=None)
    there.refresh_from_db()
    assert there.area_path == world.baoxiang.path
    with pytest.raises(ServiceError) as exc:
        services.create_resource(
            actor=world["dave"],
            partner=cast.paired,
            kind=ResourceKind.MONEY,
            title="资金",
            amount=Decimal("-5"),
        )
    assert exc.value.code == "negative"


def test_matching_ranks_by_reasons_and_says_them(
    world: World, cast: Cast, greening: Category
) -> None:
    today = timezone.localdate()
    other = create_category(actor=None, name="法律服务", keywords="法律")
    all_three = services.create_resource(
        actor=None,
        partner=cast.trust,
        kind=ResourceKind.MONEY,
        title="场地改造资金",
        category=greening,
        available_from=today,
        available_until=today + timedelta(days=365),
    )
    category_only = services.create_resource(
        actor=None,
        partner=cast.paired,
        kind=ResourceKind.GOODS,
        title="绿化苗木",
        category=greening,
        area=world.hetai,
    )
    place_only = services.create_resource(
        actor=None, partner=cast.paired, kind=ResourceKind.SERVICE, title="法律咨询", category=other
    )
    services.create_resource(  # neither the category nor the place: never suggested
        actor=None,
        partner=cast.paired,
        kind=ResourceKind.SERVICE,
        title="和泰法律咨询",
        category=other,
        area=world.hetai,
    )
    expired = services.create_resource(
        actor=None, partner=cast.trust, kind=ResourceKind.MONEY, title="旧资金", category=greening
    )
    services.withdraw_resource(actor=None, resource=expired)

    found = matching.resources_for(cast.need, limit=10)
    assert [m.obj for m in found] == [all_three, place_only, category_only] or [
        m.obj for m in found
    ] == [all_three, category_only, place_only]
    assert found[0].reasons == ["分类相符", "地点可及", "时间合适"]
    by = {m.obj.pk: m.reasons for m in found}
    # Both always available, for a need wanted by a date: the time fits.
    assert by[category_only.pk] == ["分类相符", "时间合适"]
    assert by[place_only.pk] == ["地点可及", "时间合适"]

    needs = matching.needs_for(all_three)
    assert [m.obj for m in needs] == [cast.need]
    assert needs[0].reasons == ["分类相符", "地点可及", "时间合适"]
    assert matching.needs_for(category_only)[0].reasons == ["分类相符", "时间合适"]
    services.update_resource(
        actor=None, resource=category_only, available_until=timezone.localdate() - timedelta(days=1)
    )
    assert matching.needs_for(category_only)[0].reasons == ["分类相符"]


def test_matching_reads_only_the_rows_it_returns(
    world: World, cast: Cast, greening: Category, django_assert_max_num_queries: object
) -> None:
    for n in range(30):
        services.create_resource(
            actor=None,
            partner=cast.trust,
            kind=ResourceKind.MONEY,
            title=f"资金{n}",
            category=greening,
        )
    with django_assert_max_num_queries(1):  # type: ignore[operator]
        found = matching.resources_for(cast.need, limit=5)
    assert len(found) == 5


# --- claims ------------------------------------------------------------------------------------


def test_a_resource_reaches_only_the_units_area_or_the_staffs(world: World, cast: Cast) -> None:
    """A handler offers only its own area and below (the form offers nothing else); staff the
    areas they staff."""
    from genxi.cobuilding.forms.lists import ResourceForm

    offered = set(ResourceForm(user=world["dave"]).fields["area"].queryset)
    assert world.baoxiang in offered and world.baoxiang_compound in offered
    assert world.compound not in offered and world.street not in offered
    before = AuditEntry.objects.count()
    for where in (world.compound, world.street, world.loubei):
        with pytest.raises(ServiceError) as exc:
            services.create_resource(
                actor=world["dave"],
                partner=cast.paired,
                kind=ResourceKind.SERVICE,
                title="保洁",
                area=where,
            )
        assert exc.value.field == "area" and "宝祥社区" in exc.value.message
    own = services.create_resource(
        actor=world["dave"], partner=cast.paired, kind=ResourceKind.SERVICE, title="保洁"
    )
    with pytest.raises(ServiceError):
        services.update_resource(actor=world["dave"], resource=own, area=world.compound)
    own.refresh_from_db()
    assert own.area is None and own.area_path == world.baoxiang.path
    assert AuditEntry.objects.count() == before + 1
    # Street staff may have a unit's resource reach the street they staff.
    assert world.street in set(ResourceForm(user=world["alice"]).fields["area"].queryset)
    wide = services.create_resource(
        actor=world["alice"],
        partner=cast.paired,
        kind=ResourceKind.SERVICE,
        title="保洁",
        area=world.street,
    )
    assert wide.area_path == world.street.path


def test_the_paired_partner_claims_inside_its_window(world: World, cast: Cast) -> None:
    claim = services.claim_need(actor=world["dave"], need=cast.need, partner=cast.paired)
    cast.need.refresh_from_db()
    assert cast.need.status == NeedStatus.CLAIMED
    assert claim.status == NeedClaimStatus.CLAIMED
    with pytest.raises(ServiceError) as exc:
        services.claim_need(actor=cast.trust_user, need=cast.need, partner=cast.trust)
    assert exc.value.code == "taken"


def test_another_partner_inside_the_window_is_refused_and_nothing_is_written(
    world: World, cast: Cast
) -> None:
    before = state(cast.need)
    with pytest.raises(ServiceError) as exc:
        services.claim_need(actor=cast.trust_user, need=cast.need, partner=cast.trust)
    assert exc.value.code == "exclusive"
    opens = timezone.localtime(cast.need.exclusive_until).strftime("%Y-%m-%d %H:%M")
    assert opens in exc.value.message
    assert "结对" in exc.value.message
    assert state(cast.need) == before == (NeedStatus.OPEN, 0, before[2])


def test_after_the_window_any_partner_serving_the_community_claims(
    world: World, cast: Cast
) -> None:
    assert cast.need.exclusive_until is not None
    with time_machine.travel(cast.need.exclusive_until + timedelta(minutes=1), tick=False):
        claim = services.claim_need(actor=cast.trust_user, need=cast.need, partner=cast.trust)
    assert claim.partner == cast.trust
    # A unit that does not serve the community is never let in.
    services.withdraw_claim(actor=cast.trust_user, claim=claim)
    far = handler("far", world.other_partner)
    with (
        time_machine.travel(cast.need.exclusive_until + timedelta(days=1), tick=False),
        pytest.raises(ServiceError) as exc,
    ):
        services.claim_need(actor=far, need=cast.need, partner=world.other_partner)
    assert exc.value.code == "not_served"
    # Nor may anyone claim for a unit that is not theirs.
    with pytest.raises(ServiceError):
        services.claim_need(actor=world["dave"], need=cast.need, partner=cast.trust)


def test_paired_means_an_agreement_in_force_with_the_community_or_its_street(
    world: World, cast: Cast
) -> None:
    """One definition: what a unit sees as claimable is what the service lets it claim. A
    street's agreement pairs the unit with every community of the street; one past its end, or
    not begun, pairs it with none."""
    far = handler("far", world.other_partner)  # registered at 娄北, another street
    today = timezone.localdate()
    street = Agreement.objects.create(
        title="白洋湾街道与农发公司共建协议",
        community=world.street,
        starts_on=today - timedelta(days=10),
        ends_on=today + timedelta(days=100),
        status=AgreementStatus.ACTIVE,
    )
    AgreementParty.objects.create(agreement=street, partner=world.other_partner)
    assert world.other_partner.pk in services.paired_partner_ids(world.baoxiang)
    assert services.serves(world.other_partner, world.baoxiang)
    assert cast.need in Need.objects.claimable_by(far)
    # Inside the window, as a paired unit.
    claim = services.claim_need(actor=far, need=cast.need, partner=world.other_partner)
    services.withdraw_claim(actor=far, claim=claim)
    for starts, ends in ((today - timedelta(days=100), today - timedelta(days=1)),
                         (today + timedelta(days=1), today + timedelta(days=100))):  # fmt: skip
        Agreement.objects.filter(pk=street.pk).update(starts_on=starts, ends_on=ends)
        assert world.other_partner.pk not in services.paired_partner_ids(world.baoxiang)
        assert cast.need not in Need.objects.claimable_by(far)
        with pytest.raises(ServiceError) as exc:
            services.claim_need(actor=far, need=cast.need, partner=world.other_partner)
        assert exc.value.code == "not_served"
    # 金阳宝地物业 still serves its own community, but not as a paired unit inside the window.
    Agreement.objects.filter(pk=cast.agreement.pk).update(ends_on=today - timedelta(days=1))
    assert cast.need in Need.objects.claimable_by(world["dave"])
    with pytest.raises(ServiceError) as exc:
        services.claim_need(actor=world["dave"], need=cast.need, partner=cast.paired)
    assert exc.value.code == "exclusive"


def test_withdrawing_opens_the_need_again(world: World, cast: Cast) -> None:
    claim = services.claim_need(actor=world["dave"], need=cast.need, partner=cast.paired)
    services.withdraw_claim(actor=world["dave"], claim=claim)
    cast.need.refresh_from_db()
    assert cast.need.status == NeedStatus.OPEN
    again = services.claim_need(actor=world["dave"], need=cast.need, partner=cast.paired)
    assert Claim.objects.filter(need=cast.need).count() == 2
    assert again.status == NeedClaimStatus.CLAIMED


@pytest.fixture
def playground(world: World, greening: Category) -> Project:
    fund = create_fund(
        actor=None, community=world.baoxiang, year=timezone.localdate().year, amount=Decimal(200000)
    )
    project = propose_project(
        actor=None, fund=fund, title="宝祥苑儿童游乐场改造", cost=Decimal(80000), category=greening
    )
    Project.objects.filter(pk=project.pk).update(
        implementer=world.partner
    )  # 金阳宝地物业 builds it
    project.refresh_from_db()
    return project


def test_a_delivery_meets_the_need_and_goes_on_the_ledger_for_the_project(
    world: World, cast: Cast, playground: Project
) -> None:
    claim = services.claim_need(actor=world["dave"], need=cast.need, partner=cast.paired)
    evidence = SimpleUploadedFile("验收单.pdf", pdf(), content_type="application/pdf")
    delivery = services.record_delivery(
        actor=world["dave"],
        claim=claim,
        what="出资翻新塑胶场地100平方米",
        delivered_on=timezone.localdate(),
        amount=Decimal(50000),
        project=playground,
        files=[evidence],
    )
    cast.need.refresh_from_db()
    assert cast.need.status == NeedStatus.MET and cast.need.met_at is not None
    claim.refresh_from_db()
    assert claim.status == NeedClaimStatus.DELIVERED
    contribution = Contribution.objects.get(delivery=delivery)
    assert (contribution.partner, contribution.community, contribution.project) == (
        cast.paired,
        world.baoxiang,
        playground,
    )
    assert contribution.amount == Decimal(50000)
    assert contribution.kind == ContributionKind.MONEY
    assert list(Attachment.objects.filter(delivery=delivery).values_list("is_pdf", flat=True)) == [
        True
    ]
    with pytest.raises(ServiceError):  # delivered once
        services.record_delivery(
            actor=world["dave"], claim=claim, what="again", delivered_on=timezone.localdate()
        )


def test_a_partner_books_a_delivery_only_against_a_project_it_implements(
    world: World, cast: Cast, playground: Project
) -> None:
    """Another project of the community (a draft the unit cannot open) is neither offered nor
    accepted; staff of the community may book against any of its projects."""
    from genxi.cobuilding.forms.lists import DeliveryForm

    draft = propose_project(
        actor=None, fund=playground.fund, title="宝祥社区养老驿站（草案）", cost=Decimal(900)
    )
    offered = set(
        DeliveryForm(user=world["dave"], community=world.baoxiang).fields["project"].queryset
    )
    assert offered == {playground}
    claim = services.claim_need(actor=world["dave"], need=cast.need, partner=cast.paired)
    before = (state(cast.need), Delivery.objects.count(), Contribution.objects.count())
    with pytest.raises(ServiceError) as exc:
        services.record_delivery(
            actor=world["dave"],
            claim=claim,
            what="出资",
            delivered_on=timezone.localdate(),
            amount=Decimal(100),
            project=draft,
        )
    assert exc.value.field == "project" and "项目" in exc.value.message
    assert (state(cast.need), Delivery.objects.count(), Contribution.objects.count()) == before
    # Through the page too: the draft is not a choice.
    page = client_for(world["dave"]).post(
        reverse("cobuilding:claim_detail", args=[claim.pk]),
        {"what": "出资", "delivered_on": timezone.localdate().isoformat(), "project": draft.pk},
    )
    assert page.status_code == 400 and draft.title not in page.content.decode()
    assert not Delivery.objects.exists()
    staff_offered = DeliveryForm(user=world["alice"], community=world.baoxiang)
    assert {playground, draft} <= set(staff_offered.fields["project"].queryset)
    services.record_delivery(
        actor=world["alice"],
        claim=claim,
        what="出资",
        delivered_on=timezone.localdate(),
        amount=Decimal(100),
        project=draft,
    )
    assert Contribution.objects.get().project == draft


def test_a_delivery_that_fails_leaves_no_file_behind(
    world: World, cast: Cast, monkeypatch: pytest.MonkeyPatch, settings: object
) -> None:
    from pathlib import Path

    claim = services.claim_need(actor=world["dave"], need=cast.need, partner=cast.paired)
    media = Path(settings.MEDIA_ROOT)

    def files() -> list[Path]:
        return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []

    assert files() == []

    def fail(**kwargs: object) -> None:
        raise RuntimeError("the ledger is down")

    monkeypatch.setattr(Contribution.objects, "create", fail)
    with pytest.raises(RuntimeError):
        services.record_delivery(
            actor=world["dave"],
            claim=claim,
            what="出资",
            delivered_on=timezone.localdate(),
            files=[
                SimpleUploadedFile("验收单.pdf", pdf(), content_type="application/pdf"),
                SimpleUploadedFile("发票.pdf", pdf(), content_type="application/pdf"),
            ],
        )
    assert not Attachment.objects.exists() and not Delivery.objects.exists()
    assert files() == []
    claim.refresh_from_db()
    assert claim.status == NeedClaimStatus.CLAIMED


def test_claims_move_through_their_machine(world: World, cast: Cast) -> None:
    """A claim delivered cannot be withdrawn, nor one withdrawn delivered; each refusal leaves
    the claim and the need as they were."""
    from genxi.core.states import Machine

    moves: list[tuple[str, str]] = []
    real = Machine.move

    def spy(machine: Machine[Any], locked: Any, to: str, **values: object) -> str:
        if isinstance(locked, Claim):
            moves.append((locked.status, to))
        return real(machine, locked, to, **values)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Machine, "move", spy)
        first = services.claim_need(actor=world["dave"], need=cast.need, partner=cast.paired)
        services.withdraw_claim(actor=world["dave"], claim=first)
        second = services.claim_need(actor=world["dave"], need=cast.need, partner=cast.paired)
        services.record_delivery(
            actor=world["dave"], claim=second, what="保洁", delivered_on=timezone.localdate()
        )
    assert moves == [
        (NeedClaimStatus.CLAIMED, NeedClaimStatus.WITHDRAWN),
        (NeedClaimStatus.CLAIMED, NeedClaimStatus.DELIVERED),
    ]
    for claim, act in ((second, services.withdraw_claim), (first, services.withdraw_claim)):
        with pytest.raises(ServiceError) as exc:
            act(actor=world["dave"], claim=claim)
        assert exc.value.code == "not_claimed"
    with pytest.raises(ServiceError):
        services.record_delivery(
            actor=world["dave"], claim=first, what="保洁", delivered_on=timezone.localdate()
        )
    assert list(Claim.objects.order_by("pk").values_list("status", flat=True)) == [
        NeedClaimStatus.WITHDRAWN,
        NeedClaimStatus.DELIVERED,
    ]
    cast.need.refresh_from_db()
    assert cast.need.status == NeedStatus.MET


def test_a_negative_amount_or_a_bad_file_is_refused_and_nothing_is_written(
    world: World, cast: Cast, playground: Project
) -> None:
    claim = services.claim_need(actor=world["dave"], need=cast.need, partner=cast.paired)
    other_fund = create_fund(actor=None, community=world.hetai, year=2026, amount=Decimal(1000))
    elsewhere = propose_project(actor=None, fund=other_fund, title="和泰项目", cost=Decimal(100))
    before = (state(cast.need), Delivery.objects.count(), Contribution.objects.count())
    with pytest.raises(ServiceError) as exc:
        services.record_delivery(
            actor=world["dave"],
            claim=claim,
            what="出资",
            delivered_on=timezone.localdate(),
            amount=Decimal("-1"),
        )
    assert exc.value.field == "amount"
    assert "负" in exc.value.message
    with pytest.raises(ServiceError) as exc:
        services.record_contribution(
            actor=world["alice"],
            partner=cast.paired,
            community=world.baoxiang,
            kind=ContributionKind.HOURS,
            description="志愿服务",
            on=timezone.localdate(),
            hours=Decimal("-2"),
        )
    assert exc.value.field == "hours"
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.record_delivery(
            actor=world["dave"],
            claim=claim,
            what="出资",
            delivered_on=timezone.localdate(),
            files=[
                SimpleUploadedFile("x.pdf", b"not a pdf at all", content_type="application/pdf")
            ],
        )
    with pytest.raises(ServiceError) as exc:
        services.record_delivery(
            actor=world["dave"],
            claim=claim,
            what="出资",
            delivered_on=timezone.localdate(),
            project=elsewhere,
        )
    assert exc.value.field == "project"
    assert (state(cast.need), Delivery.objects.count(), Contribution.objects.count()) == before


# --- pages -------------------------------------------------------------------------------------


def test_staff_list_filter_and_export_needs(world: World, cast: Cast, greening: Category) -> None:
    services.create_need(actor=world["bob"], community=world.hetai, title="和泰老年助餐")
    bob, alice = client_for(world["bob"]), client_for(world["alice"])
    url = reverse("cobuilding:need_list")
    page = bob.get(url).content.decode()
    assert "和泰老年助餐" in page and "宝祥苑儿童游乐场地翻新" not in page  # bob: 和泰 only
    page = alice.get(url, {"category": greening.pk}).content.decode()
    assert "宝祥苑儿童游乐场地翻新" in page and "和泰老年助餐" not in page
    assert 'data-tab="need_list"' in page
    export = alice.get(url, {"format": "xlsx", "q": "游乐"})
    assert export.status_code == 200
    from openpyxl import load_workbook

    rows = list(load_workbook(io.BytesIO(b"".join(export.streaming_content))).active.values)
    release(export)
    assert [r[0] for r in rows[1:]] == ["宝祥苑儿童游乐场地翻新"]


def test_staff_enter_a_need_and_see_suggestions(world: World, greening: Category) -> None:
    trust = places.create_partner(actor=None, name="苏州信托", kind="company", area=world.street)
    resource = services.create_resource(
        actor=None,
        partner=trust,
        kind=ResourceKind.MONEY,
        title="共建资金",
        category=greening,
        area=world.street,
    )
    bob = client_for(world["bob"])
    response = bob.get(reverse("cobuilding:need_create"))
    token = response.context["form"]["form_token"].value()
    data = {
        "community": world.hetai.pk,
        "title": "小游园翻新",
        "category": greening.pk,
        "amount": "50000",
        "form_token": token,
    }
    response = bob.post(reverse("cobuilding:need_create"), data)
    assert response.status_code == 302
    bob.post(reverse("cobuilding:need_create"), data)  # retried: nothing twice
    need = Need.objects.get()
    page = bob.get(need.get_absolute_url()).content.decode()
    assert resource.title in page and "分类相符" in page and "地点可及" in page


def test_a_partner_sees_only_what_it_may_claim_and_its_claims(world: World, cast: Cast) -> None:
    hetai_need = services.create_need(actor=world["bob"], community=world.hetai, title="和泰需求")
    dave, trust = client_for(world["dave"]), client_for(cast.trust_user)
    page = dave.get(reverse("cobuilding:need_list")).content.decode()
    assert cast.need.title in page and "和泰需求" not in page  # 金阳 serves 宝祥 only
    assert dave.get(hetai_need.get_absolute_url()).status_code == 404
    # 苏州信托 serves the whole street: it sees both, but may not claim in 宝祥's window.
    page = trust.get(cast.need.get_absolute_url()).content.decode()
    assert "结对" in page
    response = trust.post(
        reverse("cobuilding:need_claim", args=[cast.need.pk]),
        {"partner": cast.trust.pk},
        follow=True,
    )
    assert "结对" in response.content.decode()
    assert not Claim.objects.exists()
    # dave claims through the page; the claim is his to see, not 苏州信托's.
    response = dave.post(
        reverse("cobuilding:need_claim", args=[cast.need.pk]), {"partner": cast.paired.pk}
    )
    claim = Claim.objects.get()
    assert response["Location"] == reverse("cobuilding:claim_detail", args=[claim.pk])
    assert dave.get(response["Location"]).status_code == 200
    assert trust.get(response["Location"]).status_code == 404
    assert trust.get(cast.need.get_absolute_url()).status_code == 404  # claimed: gone from its list
    for name in ("erin", "oscar", "nobody"):
        other = client_for(world[name])
        assert other.get(cast.need.get_absolute_url()).status_code == 404
        assert other.get(reverse("cobuilding:claim_detail", args=[claim.pk])).status_code == 404


def test_the_partner_records_the_delivery_on_the_claim_page(
    world: World, cast: Cast, playground: Project
) -> None:
    claim = services.claim_need(actor=world["dave"], need=cast.need, partner=cast.paired)
    dave = client_for(world["dave"])
    url = reverse("cobuilding:claim_detail", args=[claim.pk])
    bad = dave.post(url, {"what": "出资", "delivered_on": timezone.localdate(), "amount": "-3"})
    assert bad.status_code == 400 and "负" in bad.content.decode()
    assert not Delivery.objects.exists()
    ok = dave.post(
        url,
        {
            "what": "出资翻新场地",
            "delivered_on": timezone.localdate().isoformat(),
            "amount": "50000",
            "project": playground.pk,
            "evidence": [SimpleUploadedFile("验收.pdf", pdf(), content_type="application/pdf")],
        },
    )
    assert ok.status_code == 302
    page = dave.get(url).content.decode()
    assert "验收.pdf" in page and playground.title in page
    attachment = Attachment.objects.get()
    file_url = reverse("cobuilding:delivery_file", args=[claim.pk, attachment.pk])
    served = dave.get(file_url)
    assert served.status_code == 200
    assert b"".join(served.streaming_content).startswith(b"%PDF-")
    release(served)
    assert (
        client_for(cast.trust_user)
        .get(reverse("cobuilding:delivery_file", args=[claim.pk, attachment.pk]))
        .status_code
        == 404
    )
    # The project's page shows the contribution beside the fund's money.
    alice = client_for(world["alice"])
    page = alice.get(reverse("projects:project_detail", args=[playground.pk])).content.decode()
    assert 'id="contributions"' in page and "金阳宝地物业" in page and "50,000.00" in page


def test_the_ledger_filters_totals_and_exports(world: World, cast: Cast) -> None:
    for n, (partner, hours, amount) in enumerate(
        [
            (cast.paired, None, Decimal(1000)),
            (cast.trust, Decimal(6), None),
            (cast.trust, None, Decimal(500)),
        ]
    ):
        services.record_contribution(
            actor=world["alice"],
            partner=partner,
            community=world.baoxiang,
            kind=ContributionKind.MONEY if amount else ContributionKind.HOURS,
            description=f"贡献{n}",
            on=timezone.localdate(),
            hours=hours,
            amount=amount,
        )
    alice = client_for(world["alice"])
    url = reverse("cobuilding:contribution_list")
    page = alice.get(url).content.decode()
    assert "1,500.00" in page
    page = alice.get(url, {"partner": cast.trust.pk}).content.decode()
    assert "500.00" in page and "贡献0" not in page
    export = alice.get(url, {"format": "xlsx"})
    assert export.status_code == 200
    release(export)
    # dave sees his unit's lines only; residents see nothing.
    page = client_for(world["dave"]).get(url).content.decode()
    assert "贡献0" in page and "贡献1" not in page
    assert client_for(world["erin"]).get(url).status_code == 404


def test_staff_put_a_demand_on_the_list_from_its_page(world: World, greening: Category) -> None:
    d = demand(world, greening)
    bob = client_for(world["bob"])
    page = bob.get(d.get_absolute_url()).content.decode()
    assert reverse("cobuilding:need_from_demand", args=[d.pk]) in page
    response = bob.post(reverse("cobuilding:need_from_demand", args=[d.pk]))
    need = Need.objects.get(demand=d)
    assert response["Location"] == need.get_absolute_url()
    assert (
        client_for(world["oscar"])
        .post(reverse("cobuilding:need_from_demand", args=[d.pk]))
        .status_code
        == 404
    )
    assert Need.objects.count() == 1


def test_street_staff_set_the_window(world: World) -> None:
    alice = client_for(world["alice"])
    url = reverse("cobuilding:lists_settings")
    assert alice.post(url, {"area": world.street.pk, "exclusive_days": "5"}).status_code == 302
    assert services.exclusive_days(world.hetai) == 5
    assert client_for(world["bob"]).get(url).status_code == 404


def test_street_staff_mark_a_category_and_staff_collect_its_demands(
    world: World, greening: Category
) -> None:
    marked = demand(world, greening)
    alice, bob = client_for(world["alice"]), client_for(world["bob"])
    add = reverse("cobuilding:need_rule_add")
    assert bob.post(add, {"area": world.hetai.pk, "category": greening.pk}).status_code == 404
    assert alice.post(add, {"area": world.street.pk, "category": greening.pk}).status_code == 302
    page = alice.get(reverse("cobuilding:lists_settings")).content.decode()
    assert "绿化养护" in page
    bob.post(reverse("cobuilding:needs_collect"))
    bob.post(reverse("cobuilding:needs_collect"))
    assert list(Need.objects.values_list("demand_id", flat=True)) == [marked.pk]
    rule = NeedRule.objects.get()
    alice.post(reverse("cobuilding:need_rule_remove", args=[rule.pk]))
    assert not NeedRule.objects.exists()


def test_a_partner_sees_and_edits_only_its_own_resources(world: World, cast: Cast) -> None:
    theirs = services.create_resource(
        actor=cast.trust_user, partner=cast.trust, kind=ResourceKind.PLACE, title="百人会议厅"
    )
    dave = client_for(world["dave"])
    assert "百人会议厅" not in dave.get(reverse("cobuilding:resource_list")).content.decode()
    assert dave.get(theirs.get_absolute_url()).status_code == 404
    assert dave.post(reverse("cobuilding:resource_withdraw", args=[theirs.pk])).status_code == 404
    trust = client_for(cast.trust_user)
    page = trust.get(theirs.get_absolute_url()).content.decode()
    assert cast.need.title in page  # the need it could meet (the place is within reach)
    trust.post(reverse("cobuilding:resource_withdraw", args=[theirs.pk]))
    theirs.refresh_from_db()
    assert not theirs.is_active
    # Staff of the community see the street's units' resources, including withdrawn ones.
    listing = client_for(world["alice"]).get(
        reverse("cobuilding:resource_list"), {"withdrawn": "1"}
    )
    assert "百人会议厅" in listing.content.decode()
