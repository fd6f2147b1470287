"""The partner portal (cobuilding:portal) and a partner handler's home page: the unit's own
agreements, due items (overdue flagged), claimable needs with their window, claims, assigned
demands and projects; nothing of another unit; bounded lists and a bounded query count."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from genxi.accounts.models import Role, User
from genxi.accounts.services import create_user, grant_membership
from genxi.cobuilding.models import (
    Claim,
    Need,
    NeedSource,
    NeedStatus,
    RegistrationStatus,
    UnitRegistration,
)
from genxi.cobuilding.tests.conftest import Pairing
from genxi.conftest import PASSWORD, World
from genxi.demands import services as demands
from genxi.demands.models import Demand, HandlingPath
from genxi.places.models import Partner
from genxi.projects.models import Fund, Project
from genxi.projects.services.funds import create_fund

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@dataclass
class Portal:
    near: Need  # in 宝祥, paired: dave may claim it now, inside the window
    far: Need  # in 和泰, where the unit reported: another partner's window is on
    claimed: Need
    claim: Claim
    demand: Demand
    project: Project


def assigned_demand(world: World, title: str) -> Demand:
    category = demands.create_category(
        actor=None, name="物业管理", response_days=1, resolution_days=5
    )
    demand = demands.collect_demand(
        actor=world["carol"],
        title=title,
        category=category,
        area=world.building1,
        channel="visit",
        reporters=[world.resident1],
    )
    demands.accept(actor=world["bob"], demand=demand)
    demands.verify(actor=world["bob"], demand=demand, findings="现场核实")
    demands.assign(
        actor=world["bob"], demand=demand, path=HandlingPath.PARTNER, partner=world.partner
    )
    demand.refresh_from_db()
    return demand


def make_project(world: World, title: str, partner: Partner | None = None) -> Project:
    year = timezone.localdate().year
    fund = Fund.objects.filter(community=world.baoxiang, year=year).first() or create_fund(
        actor=None, community=world.baoxiang, year=year, amount=Decimal(1000000)
    )
    return Project.objects.create(
        fund=fund,
        community=world.baoxiang,
        title=title,
        cost=Decimal(20000),
        implementer=partner or world.partner,
    )


@pytest.fixture
def portal(world: World, pairing: Pairing) -> Portal:
    return build_portal(world)


def build_portal(world: World) -> Portal:
    """dave's unit's needs (one paired, one in another unit's window), claim, demand, project."""
    soon = timezone.now() + timedelta(days=3)
    near = Need.objects.create(
        community=world.baoxiang,
        title="宝祥苑楼道杂物清理",
        source=NeedSource.DIRECT,
        exclusive_until=soon,
    )
    UnitRegistration.objects.create(
        partner=world.partner, community=world.hetai, status=RegistrationStatus.CONFIRMED
    )
    far = Need.objects.create(
        community=world.hetai, title="三花苑儿童游乐设施维修", source=NeedSource.DIRECT,
        exclusive_until=soon,
    )  # fmt: skip
    claimed = Need.objects.create(
        community=world.baoxiang,
        title="宝祥苑老人助餐志愿者",
        source=NeedSource.DIRECT,
        status=NeedStatus.CLAIMED,
    )
    claim = Claim.objects.create(need=claimed, partner=world.partner, claimed_by=world["dave"])
    return Portal(
        near=near,
        far=far,
        claimed=claimed,
        claim=claim,
        demand=assigned_demand(world, "三花苑1幢电梯异响"),
        project=make_project(world, "宝祥苑非机动车棚改造"),
    )


@pytest.fixture
def pat(world: World) -> User:
    """The handler of another unit (苏州市农产品发展有限公司, at 娄北)."""
    user = create_user(actor=None, username="pat", password=PASSWORD, name="帕特")
    grant_membership(
        actor=None, user=user, role=Role.PARTNER, area=world.loubei, partner=world.other_partner
    )
    return user


def test_the_portal_shows_the_units_own_work(
    world: World, pairing: Pairing, portal: Portal
) -> None:
    response = client_for(world["dave"]).get(reverse("cobuilding:portal"))
    assert response.status_code == 200
    html = response.content.decode()
    assert pairing.agreement.title in html
    # The weekly report's past weeks are overdue (nothing filed) and flagged.
    assert pairing.weekly.title in html and 'data-flag="overdue"' in html
    context = response.context
    overdue = [i for i in context["portal_due"].rows if i.overdue]
    assert overdue and all(i.due_on < timezone.localdate() for i in overdue)
    assert context["portal_overdue"] == sum(1 for i in context["portal_due"].rows if i.overdue)
    # The needs: the paired community's may be claimed now, inside its window; the other
    # community's waits for its window to end.
    needs = {n.pk: n for n in context["portal_needs"].rows}
    assert needs[portal.near.pk].claim_now and needs[portal.near.pk].in_window
    assert not needs[portal.far.pk].claim_now
    assert portal.claimed.pk not in needs  # claimed: not open any more
    assert f'data-need="{portal.far.pk}"' in html and 'data-window="closed"' in html
    assert f'data-claim="{portal.claim.pk}"' in html and portal.claimed.title in html
    assert portal.demand.title in html and portal.project.title in html


def test_the_home_page_of_a_partner_handler_is_the_portal(
    world: World, pairing: Pairing, portal: Portal
) -> None:
    html = client_for(world["dave"]).get("/").content.decode()
    assert 'id="portal"' in html
    for text in (
        pairing.agreement.title,
        portal.near.title,
        portal.project.title,
        portal.demand.title,
    ):
        assert text in html
    # Staff's home pages have no portal.
    assert 'id="portal"' not in client_for(world["bob"]).get("/").content.decode()


def test_another_units_handler_sees_none_of_it(
    world: World, pairing: Pairing, portal: Portal, pat: User
) -> None:
    client = client_for(pat)
    response = client.get(reverse("cobuilding:portal"))
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        pairing.agreement.title, pairing.weekly.title, portal.near.title, portal.far.title,
        portal.claimed.title, portal.demand.title, portal.project.title,
    ):  # fmt: skip
        assert text not in html
    assert (
        client.get(reverse("cobuilding:portal"), {"partner": world.partner.pk}).status_code == 404
    )
    assert client.get(reverse("cobuilding:portal"), {"partner": "x"}).status_code == 404
    assert 'id="portal"' in client.get("/").content.decode()
    assert pairing.agreement.title not in client.get("/").content.decode()
    # dave may pick his own unit, not pat's.
    dave = client_for(world["dave"])
    assert dave.get(reverse("cobuilding:portal"), {"partner": world.partner.pk}).status_code == 200
    mine = dave.get(reverse("cobuilding:portal"), {"partner": world.other_partner.pk})
    assert mine.status_code == 404


@pytest.mark.parametrize("username", ["bob", "alice", "erin", "nobody"])
def test_the_portal_is_a_partner_handlers_page(world: World, username: str) -> None:
    assert client_for(world[username]).get(reverse("cobuilding:portal")).status_code == 404


def test_lists_are_bounded_and_link_to_the_full_list(world: World, pairing: Pairing) -> None:
    for n in range(13):
        make_project(world, f"项目{n:02d}")
    response = client_for(world["dave"]).get(reverse("cobuilding:portal"))
    projects = response.context["portal_projects"]
    assert len(projects.rows) == 10 and projects.count == 13 and projects.more
    html = response.content.decode()
    assert html.count("data-project=") == 10
    assert reverse("projects:project_list") in html


def test_the_portal_takes_a_bounded_number_of_queries(
    world: World, pairing: Pairing, portal: Portal, django_assert_max_num_queries: object
) -> None:
    client = client_for(world["dave"])
    client.get(reverse("cobuilding:portal"))  # warm: the session, the calendar
    for n in range(25):
        need = Need.objects.create(
            community=world.baoxiang, title=f"需求{n}", source=NeedSource.DIRECT,
            status=NeedStatus.CLAIMED if n % 2 else NeedStatus.OPEN,
        )  # fmt: skip
        if n % 2:
            Claim.objects.create(need=need, partner=world.partner)
        make_project(world, f"项目{n}")
    with django_assert_max_num_queries(30):  # type: ignore[operator]
        response = client.get(reverse("cobuilding:portal"))
    # The 13 new open ones, `near` and `far`.
    assert response.context["portal_needs"].count == 15
    with django_assert_max_num_queries(40):  # type: ignore[operator]
        assert client.get("/").status_code == 200


def test_the_portals_claimable_needs_are_claimable_by(
    world: World, pairing: Pairing, portal: Portal
) -> None:
    """The portal reads the needs by a list of communities: the same as the model's rule."""
    from genxi.cobuilding.views.portal import claimable

    street_need = Need.objects.create(
        community=world.street, title="街道层面需求", source=NeedSource.DIRECT
    )
    Need.objects.create(community=world.loubei, title="娄北需求", source=NeedSource.DIRECT)
    dave = world["dave"]
    mine = set(claimable([world.partner], {world.baoxiang.path}).values_list("pk", flat=True))
    assert mine == set(Need.objects.claimable_by(dave).values_list("pk", flat=True))
    assert {portal.near.pk, portal.far.pk} <= mine and street_need.pk not in mine
    world.partner.is_active = False
    world.partner.save()
    assert not claimable([world.partner], {world.baoxiang.path}).exists()
    assert not Need.objects.claimable_by(dave).exists()


def test_the_portal_pairs_as_the_service_does(
    world: World, pairing: Pairing, portal: Portal, pat: User
) -> None:
    """A street's agreement in force: the unit's portal lists the street's needs as claimable
    now (inside their windows), as `claimable_by` and the claim service say; once the agreement
    is past its end, none of them (and dave's own pairing past its end: wait for the window)."""
    from genxi.cobuilding.models import Agreement, AgreementParty, AgreementStatus
    from genxi.cobuilding.services.lists import paired_partner_ids
    from genxi.cobuilding.views.portal import claimable

    today = timezone.localdate()
    street = Agreement.objects.create(
        title="白洋湾街道与农发公司共建协议",
        community=world.street,
        starts_on=today - timedelta(days=10),
        ends_on=today + timedelta(days=100),
        status=AgreementStatus.ACTIVE,
    )
    AgreementParty.objects.create(agreement=street, partner=world.other_partner)

    def portal_of(user: User) -> dict[int, bool]:
        response = client_for(user).get(reverse("cobuilding:portal"))
        assert response.status_code == 200
        return {n.pk: n.claim_now for n in response.context["portal_needs"].rows}

    def same(user: User, partner: Partner) -> set[int]:
        mine = set(claimable([partner]).values_list("pk", flat=True))
        assert mine == set(Need.objects.claimable_by(user).values_list("pk", flat=True))
        return mine

    assert {portal.near.pk, portal.far.pk} <= same(pat, world.other_partner)
    shown = portal_of(pat)
    assert shown[portal.near.pk] and shown[portal.far.pk]
    assert world.other_partner.pk in paired_partner_ids(world.hetai)
    Agreement.objects.filter(pk=street.pk).update(ends_on=today - timedelta(days=1))
    assert not {portal.near.pk, portal.far.pk} & same(pat, world.other_partner)
    assert not {portal.near.pk, portal.far.pk} & set(portal_of(pat))
    assert portal_of(world["dave"])[portal.near.pk]
    Agreement.objects.filter(pk=pairing.agreement.pk).update(ends_on=today - timedelta(days=1))
    assert portal.near.pk in same(world["dave"], world.partner)
    assert not portal_of(world["dave"])[portal.near.pk]
    assert world.partner.pk not in paired_partner_ids(world.baoxiang)
