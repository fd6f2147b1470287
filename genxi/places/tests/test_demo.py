"""The demo world: built from the seeds, idempotent, and every demo user can log in."""

from collections.abc import Iterator
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Count
from django.test import Client, RequestFactory, override_settings
from django.utils import timezone

from genxi.accounts.models import Membership, Role, User
from genxi.core.models import AuditEntry
from genxi.core.phones import normalize_phone
from genxi.demands import figures
from genxi.demands.models import Callback, Category, Demand, DemandEvent, Status
from genxi.home.demo import DemoResult, load_demo
from genxi.meetings.models import Meeting
from genxi.places.demo import DEMO_PASSWORD, DEMO_USERS
from genxi.places.models import (
    Area,
    AreaKind,
    Partner,
    PartnerContact,
    PartyOrg,
    PartyOrgKind,
    Pioneer,
    Resident,
    Tag,
    Venue,
)
from genxi.projects.models import Elector, Phase, Project, Vote, VoteStatus

MODELS = [
    Area,
    PartyOrg,
    Partner,
    PartnerContact,
    Venue,
    Tag,
    Resident,
    Pioneer,
    User,
    Membership,
    Category,
    Demand,
    DemandEvent,
]


def row_counts() -> dict[str, int]:
    counts = {m.__name__: m._default_manager.count() for m in MODELS}
    counts["AuditEntry"] = AuditEntry.objects.count()
    counts["Pioneer.grids"] = Pioneer.grids.through.objects.count()
    counts["Resident.tags"] = Resident.tags.through.objects.count()
    return counts


pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: Any
) -> Iterator[DemoResult]:
    """The demo, loaded once for the whole module (a load takes half a minute: months of
    history through the services) and committed; each test runs in a transaction rolled back
    over it, and the module ends by flushing the database, as a transactional test does.
    Loaded under the settings every test runs with (genxi.conftest._fast_settings)."""
    fast = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
        LANGUAGE_CODE="zh-hans",
        MEDIA_ROOT=tmp_path_factory.mktemp("media"),
    )
    with django_db_blocker.unblock(), fast:
        result = load_demo()
    yield result
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


def test_second_load_creates_nothing(demo: DemoResult) -> None:
    assert demo.residents > 0
    assert demo.areas == Area.objects.count()
    assert demo.categories == Category.objects.count() > 10
    # The 4 stories and ~6 months of history; co-building's 娄北 report adds the problem that
    # became a demand on the ledger, and 周建昌's visits in the pioneers' demo one raised there.
    assert demo.demands + demo.simulated + 2 == Demand.objects.count() > 60
    assert Demand.objects.filter(channel="visit", visit__isnull=False).exists()
    assert Demand.objects.filter(channel="inspection", community__name="娄北社区").count() == 1
    before = row_counts()

    again = load_demo()

    assert again.total == 0
    assert row_counts() == before


def test_seed_names_exist(demo: DemoResult) -> None:
    street = Area.objects.get(kind=AreaKind.STREET, name="白洋湾街道")
    hetai = Area.objects.get(kind=AreaKind.COMMUNITY, name="和泰社区", parent=street)
    assert Area.objects.get(kind=AreaKind.STREET, name="元和街道").parent.name == "相城区"
    assert Area.objects.get(kind=AreaKind.TOWN, name="望亭镇")
    assert Venue.objects.get(name="金言议事角").area.name == "金筑社区"
    assert Venue.objects.get(name="三花半月谈长廊").area == hetai
    co_gov = PartyOrg.objects.get(name__startswith="愿闻其")
    assert co_gov.kind == PartyOrgKind.CO_GOVERNANCE
    assert co_gov.area.name == "宝祥社区"
    assert Partner.objects.get(name="金阳宝地物业").area.name == "宝祥社区"
    assert Partner.objects.filter(name="苏州市市政设施管理处").exists()
    assert PartyOrg.objects.get(name="富元雅苑党支部").area.kind == AreaKind.COMPOUND
    assert PartyOrg.objects.get(name="绿色时光社区党总支").secretary == "王海"
    assert PartyOrg.objects.get(name="京师(苏州)律师事务所党支部").partner is not None
    for name in ["周福珍", "许向前", "高福妹", "朱恒海", "严秀英", "姚丽华"]:
        # Random names may repeat a seed's name; the seed's person is there at least once.
        assert Resident.objects.filter(name=name).exists(), name
    assert Resident.objects.get(name="周福珍").area.name == "4幢"


def test_every_community_has_its_party_organisation(demo: DemoResult) -> None:
    communities = Area.objects.filter(kind=AreaKind.COMMUNITY)
    assert communities.count() == 31
    for community in communities:
        assert PartyOrg.objects.filter(area=community, name__startswith=community.name).exists()


def test_grids_hold_buildings(demo: DemoResult) -> None:
    grids = Area.objects.filter(kind=AreaKind.GRID).annotate(n=Count("grid_buildings"))
    assert grids.exists()
    assert all(grid.n > 0 for grid in grids)
    assert not Area.objects.filter(kind=AreaKind.BUILDING, grid__isnull=True).exists()


def test_demo_users_log_in(demo: DemoResult) -> None:
    assert {u.username for u in DEMO_USERS} == {
        "admin",
        "street",
        "community",
        "pioneer",
        "partner",
        "resident",
        "leader",
    }
    for spec in DEMO_USERS:
        request = RequestFactory().get("/")
        user = authenticate(request=request, username=spec.username, password=DEMO_PASSWORD)
        assert user is not None, spec.username
        assert user.name == spec.name
        client = Client()
        assert client.login(request=request, username=spec.username, password=spec.password)


def test_demo_users_hold_their_roles(demo: DemoResult) -> None:
    assert User.objects.get(username="admin").is_superuser
    for spec in DEMO_USERS:
        if spec.role == "superuser":
            continue
        membership = Membership.objects.get(user__username=spec.username)
        assert (membership.role, membership.area.name) == (spec.role, spec.area)
    assert Membership.objects.get(user__username="partner").partner.name == "金阳宝地物业"
    # Co-building's demo adds a handler for 娄北's partner and a recycling worker.
    assert {
        (m.user.username, m.partner.name)
        for m in Membership.objects.filter(role=Role.PARTNER).exclude(user__username="partner")
    } == {("nongchan", "苏州市农产品发展有限公司"), ("recycler", "苏州城投再生资源发展有限公司")}

    pioneer = Pioneer.objects.active().get(user__username="pioneer")
    assert pioneer.name == "周建昌"
    assert pioneer.community.name == "和泰社区"
    assert Resident.objects.filter(area__grid__in=pioneer.grids.all()).count() > 10

    resident = Resident.objects.get(user__username="resident")
    assert resident.area.community().name == "和泰社区"


def test_phones_are_unique_and_normalised(demo: DemoResult) -> None:
    phones = list(Resident.objects.values_list("phone", flat=True))
    assert len(phones) > 300
    assert len(set(phones)) == len(phones)
    assert all(phone and normalize_phone(phone) == phone for phone in phones)
    contacts = PartnerContact.objects.values_list("phone", flat=True)
    assert all(normalize_phone(phone) == phone for phone in contacts)
    for spec in DEMO_USERS:
        if spec.phone:
            assert normalize_phone(spec.phone) == spec.phone


def test_command_prints_the_users(demo: DemoResult) -> None:
    out = StringIO()
    call_command("load_demo", stdout=out)
    text = out.getvalue()
    for spec in DEMO_USERS:
        assert spec.username in text
        assert spec.name in text
    assert DEMO_PASSWORD in text
    assert "areas 0," in text  # the second run


def test_the_seeds_projects_votes_and_meeting(demo: DemoResult) -> None:
    park = Project.objects.get(title="口袋公园", community__name="果园社区")
    assert park.phase == Phase.ACCEPTED and park.acceptance.satisfaction == 98
    # This year's: from January to March the demo also simulates last year, with its own votes.
    hetai = Vote.objects.get(community__name="和泰社区", fund__year=timezone.localdate().year)
    assert hetai.status == VoteStatus.OPEN and hetai.secret
    assert hetai.electors.filter(user__username="resident").exists()
    meeting = Meeting.objects.get(topic="高层楼道加装扶手", community__name="金筑社区")
    assert meeting.venue.name == "金言议事角"
    assert meeting.plans.count() == 2 and meeting.plans.get(number=2).opinions.count() == 1
    assert demo.funds == 2 and demo.meetings == 1


def test_the_demo_has_months_of_history_with_time_in_each_step(demo: DemoResult) -> None:
    today = timezone.localdate()
    days = sorted(
        {timezone.localdate(at) for at in Demand.objects.values_list("created_at", flat=True)}
    )
    assert (today - days[0]).days > 150 and len(days) > 45  # spread over some six months
    months = {(d.year, d.month) for d in days}
    assert len(months) >= 6
    # Each step later than the one before, at a different time, and none in the future.
    now = timezone.now()
    closed = Demand.objects.filter(status=Status.CLOSED)
    assert closed.count() > 40
    for d in closed:
        steps = [
            d.created_at,
            d.accepted_at,
            d.verified_at,
            d.assigned_at,
            d.resolved_at,
            d.closed_at,
        ]
        stamped = [step for step in steps if step is not None]
        assert len(stamped) == 6 and stamped == sorted(stamped), d
        assert len(set(stamped)) == 6 and stamped[-1] <= now, d
        events = list(d.events.order_by("id").values_list("at", flat=True))
        assert events == sorted(events) and events[0] == d.created_at, d
        assert d.resolution_due >= timezone.localdate(d.created_at)
    assert Callback.objects.values("at").distinct().count() > 40
    # The figures over half a year: time to resolve is days, not 0.0; the chart has a shape.
    leader = User.objects.get(username="leader")
    district = Area.objects.get(kind=AreaKind.DISTRICT, name="姑苏区")
    f = figures.compute(user=leader, area=district, start=today - timedelta(days=182), end=today)
    assert f.median_days_to_resolve is not None and 1 <= f.median_days_to_resolve <= 15
    weekly: dict[int, int] = {}
    for day, collected, _resolved in f.by_day:
        weekly[(today - day).days // 7] = weekly.get((today - day).days // 7, 0) + collected
    assert len(set(weekly.values())) > 3  # not one bar
    assert f.high_frequency and not {n for n, _ in f.high_frequency} & {n for n, _ in f.rare}
    # The stories: the seats closed out months ago, the gate waiting for its call-back.
    seats = Demand.objects.get(title="三花半月谈长廊座椅不够")
    assert (
        seats.status == Status.CLOSED and (today - timezone.localdate(seats.created_at)).days > 90
    )
    assert seats.resolved_at is not None
    assert (seats.resolved_at - seats.created_at) > timedelta(days=3)
    gate = Demand.objects.get(title="南门非机动车道太窄")
    assert (
        gate.status == Status.RESOLVED
        and timezone.localdate(gate.resolved_at) <= gate.resolution_due
    )


def test_the_demo_details_match_their_places(demo: DemoResult) -> None:
    park = Project.objects.get(title="口袋公园", community__name="果园社区")
    builder = park.implementer
    assert builder is not None and builder.area.name == "果园社区"
    assert builder.area.parent.name == "望亭镇"
    names = list(Elector.objects.values_list("name", flat=True))
    assert len(names) > 20
    assert not [n for n in names if "代表" in n or any(c.isdigit() for c in n)], names


def test_the_seed_demands_point_at_their_common_areas(demo: DemoResult) -> None:
    """The seeds' stories happen at a pavilion, a gate, a corridor and a playground of a
    compound, and their demands say so."""
    places = {
        d.title: (d.area.kind, d.area.parent.name, d.area.name, d.community.name)
        for d in Demand.objects.select_related("area__parent", "community")
    }
    common = AreaKind.COMMON_AREA
    assert places["小区休憩亭破损严重"] == (common, "宝祥苑", "小区休憩亭", "宝祥社区")
    assert places["南门非机动车道太窄"] == (common, "清嘉苑", "南门", "清嘉苑社区")
    assert places["三花半月谈长廊座椅不够"] == (common, "三花苑", "半月谈长廊", "和泰社区")
    assert places["小游园塑胶场地老化"] == (common, "和美家园", "小游园", "和美社区")
