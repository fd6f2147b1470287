"""The panels of demands, venues, meetings and projects: each figure counts exactly the records
made through the services in November 2026 in 白洋湾街道, none of 元和街道's and none outside the
month, and the rows behind each count are as many as the count."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from playwright.sync_api import expect

from genxi.conftest import PASSWORD, World
from genxi.core.services import ServiceError
from genxi.dashboards import registry
from genxi.dashboards.periods import Period, whole
from genxi.dashboards.registry import COUNT, Scope, Value
from genxi.demands import figures as demand_figures
from genxi.demands import services as demands
from genxi.demands.models import Category, HandlingPath, Satisfaction
from genxi.demands.tests.conftest import collect
from genxi.meetings import services as meetings
from genxi.places import services as places
from genxi.places.models import AreaKind, BookingPurpose, Venue
from genxi.projects import services as projects
from genxi.projects.models import Fund, Phase, Project
from tests.browser import DESK, log_in, menu, shot

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
D = Decimal
NOVEMBER = whole("month", date(2026, 11, 1))
OCTOBER = whole("month", date(2026, 10, 1))
TODAY = date(2026, 11, 25)

KEYS = {
    "demands": [
        "demands.collected",
        "demands.resolved",
        "demands.response_rate",
        "demands.resolution_rate",
        "demands.satisfaction_rate",
        "demands.days_to_resolve",
        "demands.overdue",
        "demands.needs",
        "demands.rare_needs",
        "demands.hot_topics",
    ],
    "venues": ["venues.venues", "venues.bookings", "venues.booked_hours"],
    "meetings": ["meetings.held", "meetings.plans_revised"],
    "projects": [
        "projects.fund_amount",
        "projects.committed",
        "projects.paid",
        "projects.by_phase",
        "projects.micro_renovations",
        "projects.micro_compounds",
    ],
}


def at(month: int, day: int, hour: int = 10, minute: int = 0):
    return time_machine.travel(datetime(2026, month, day, hour, minute, tzinfo=SH), tick=False)


def when(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SH)


def scope(area, period: Period = NOVEMBER, today: date = TODAY) -> Scope:
    return Scope(area, period, today)


def values(panel: str, s: Scope) -> dict[str, Value]:
    return registry.panel(panel).compute(s)


def rows(key: str, s: Scope):
    figure = registry.figure(key)
    assert figure.rows is not None
    return figure.rows(s)


def link(key: str, s: Scope) -> str:
    figure = registry.figure(key)
    assert figure.link is not None
    return figure.link(s)


# The most queries each panel's compute takes for one scope, however many records.
QUERIES = {"demands": 16, "venues": 3, "meetings": 2, "projects": 4}


def assert_counts_match_rows(panel: str, s: Scope) -> dict[str, Value]:
    """Every count figure of the panel is as many as its rows; the compute takes a handful of
    queries."""
    s.communities  # noqa: B018  (worked out once per scope, by whoever reads it first)
    with CaptureQueriesContext(connection) as queries:
        got = values(panel, s)
    assert len(queries) <= QUERIES[panel], [q["sql"] for q in queries]
    for figure in registry.panel(panel).figures:
        if figure.unit == COUNT and got[figure.key].value is not None:
            assert got[figure.key].value == rows(figure.key, s).count(), figure.key
    return got


def test_the_registry_has_every_key_of_these_panels() -> None:
    keys = {f.key for f in registry.figures()}
    for panel, wanted in KEYS.items():
        assert set(wanted) <= keys
        assert [f.key for f in registry.panel(panel).figures] == wanted
    assert [registry.panel(p).order for p in KEYS] == [10, 20, 30, 40]
    for figure in registry.figures():
        if figure.key.split(".")[0] in KEYS and figure.unit in ("count", "money", "hours"):
            assert figure.rows is not None and figure.columns, figure.key


# ------------------------------------------------------------------ demands


@pytest.fixture
def category(world: World) -> Category:
    root = demands.create_category(actor=None, name="公共设施", response_days=1, resolution_days=10)
    return demands.create_category(
        actor=None, name="出入口与通道", parent=root, response_days=1, resolution_days=5
    )


def test_demands_panel_is_the_demands_figures_and_the_ledgers_rows(world: World, category) -> None:
    """October 30: one in 和泰 (outside the month). November: the gate (resolved, satisfied) and
    the lamp (never accepted: overdue on the 25th) in 和泰; one in 娄北 (another street)."""
    with at(10, 30):
        collect(world, category, title="十月的事", today=date(2026, 10, 30))
    with at(11, 2):
        gate = collect(world, category, title="南门太窄", today=date(2026, 11, 2))
        demands.accept(actor=world["bob"], demand=gate)
        demands.verify(actor=world["bob"], demand=gate, findings="50厘米")
        demands.assign(actor=world["bob"], demand=gate, path=HandlingPath.COMMUNITY)
    with at(11, 4):
        demands.resolve(actor=world["bob"], demand=gate, result="拓宽")
        demands.record_callback(
            actor=world["bob"], demand=gate, resident=world.resident1, result=Satisfaction.SATISFIED
        )
    with at(11, 20):
        collect(world, category, title="路灯不亮", today=date(2026, 11, 20))
        collect(
            world,
            category,
            actor=world["oscar"],
            title="别处",
            area=world.loubei_building,
            reporters=[world.loubei_resident],
            today=date(2026, 11, 20),
        )
    with at(11, 25):
        s = scope(world.street)
        got = assert_counts_match_rows("demands", s)
        f = demand_figures.compute(user=world["alice"], area=world.street, start=s.start, end=s.end)
        assert got["demands.collected"].value == f.collected == 2
        assert got["demands.resolved"].value == f.resolved == 1
        # Overdue now, whenever recorded: the lamp and October's.
        assert got["demands.overdue"].value == f.overdue_now == 2
        assert {d.title for d in rows("demands.overdue", s)} == {"路灯不亮", "十月的事"}
        assert (
            got["demands.satisfaction_rate"].value,
            got["demands.satisfaction_rate"].denominator,
        ) == (1, 1)
        assert got["demands.satisfaction_rate"].percent == 100.0
        assert (got["demands.response_rate"].value, got["demands.response_rate"].denominator) == (
            f.response.numerator,
            f.response.denominator,
        )
        assert (got["demands.response_rate"].value, got["demands.response_rate"].denominator) == (
            1,
            2,
        )
        assert (
            got["demands.resolution_rate"].value,
            got["demands.resolution_rate"].denominator,
        ) == (1, 2)
        assert got["demands.days_to_resolve"].value == D("2.0")
        assert got["demands.needs"].items == [["出入口与通道", 2]]
        assert got["demands.rare_needs"].items == []
        assert rows("demands.satisfaction_rate", s).count() == 1
        # The links open the ledger on the same rows, as the figures page does.
        resolved = link("demands.resolved", s)
        assert resolved.startswith("/") and f"area={world.street.pk}" in resolved
        assert "from=2026-11-01&to=2026-11-30&event=resolved" in resolved
        assert link("demands.overdue", s).endswith(f"?area={world.street.pk}&overdue=1")
        # A community counts its own; 元和街道 only its own.
        hetai = assert_counts_match_rows("demands", scope(world.hetai))
        assert hetai["demands.collected"].value == 2
        baoxiang = assert_counts_match_rows("demands", scope(world.baoxiang))
        assert baoxiang["demands.collected"].value == 0
        other = assert_counts_match_rows("demands", scope(world.other_street))
        assert other["demands.collected"].value == 1
        # October: the one of the 30th; overdue only for a period that holds today.
        october = assert_counts_match_rows("demands", scope(world.street, OCTOBER))
        assert october["demands.collected"].value == 1
        assert october["demands.overdue"].value is None
        assert rows("demands.overdue", scope(world.street, OCTOBER)).count() == 0


def test_hot_topics_are_triages_topics_of_the_period(world: World, category) -> None:
    with at(11, 10):
        for title in ["三花苑南门太窄", "三花苑南门太窄了", "三花苑南门太窄难走"]:
            collect(world, category, title=title, today=date(2026, 11, 10))
    got = values("demands", scope(world.street))
    assert len(got["demands.hot_topics"].items) == 1
    label, size = got["demands.hot_topics"].items[0]
    assert size == 3 and label.startswith("三花苑南门太窄")
    assert values("demands", scope(world.street, OCTOBER))["demands.hot_topics"].items == []


# ------------------------------------------------------------------ venues


def venue(name: str, area, **kw) -> Venue:
    return places.create_venue(actor=None, name=name, kind="corridor", area=area, **kw)


def book(v: Venue, starts_at: datetime, ends_at: datetime, **kw):
    return places.book_venue(
        actor=None,
        venue=v,
        starts_at=starts_at,
        ends_at=ends_at,
        purpose=kw.pop("purpose", BookingPurpose.ACTIVITY),
        title=kw.pop("title", "活动"),
        **kw,
    )


def test_venues_and_their_bookings_held(world: World) -> None:
    """The world's venues were made today (after November): not counted for November."""
    with at(11, 1):
        corridor = venue("三花苑长廊", world.compound)
        room = venue("宝祥议事角", world.baoxiang)
        venue("已关闭的角落", world.hetai, is_active=False)
        loubei = venue("娄北广场", world.loubei)
        book(corridor, when(11, 12, 14), when(11, 12, 16, 30))  # 2.5 hours
        book(room, when(11, 13, 9), when(11, 13, 10))  # 1 hour
        book(corridor, when(11, 14, 9), when(11, 14, 10), status="requested", group_name="合唱团")
        cancelled = book(corridor, when(11, 15, 9), when(11, 15, 10))
        places.cancel_booking(actor=None, booking=cancelled, reason="下雨")
        book(loubei, when(11, 12, 14), when(11, 12, 17))  # another street
        book(corridor, when(11, 28, 9), when(11, 28, 12))  # after today: not held yet
    with at(10, 20):
        book(corridor, when(10, 28, 9), when(10, 28, 10))  # October
    with at(11, 30, 23):
        venue("月底新开", world.hetai)  # registered on the period's last day: counted
    with at(11, 25):
        s = scope(world.street)
        got = assert_counts_match_rows("venues", s)
        assert got["venues.venues"].value == 3
        assert got["venues.bookings"].value == 2
        assert got["venues.booked_hours"].value == D("3.50")
        assert rows("venues.booked_hours", s).count() == 2
        hetai = assert_counts_match_rows("venues", scope(world.hetai))
        assert (hetai["venues.venues"].value, hetai["venues.bookings"].value) == (2, 1)
        assert hetai["venues.booked_hours"].value == D("2.50")
        other = assert_counts_match_rows("venues", scope(world.other_street))
        assert (other["venues.venues"].value, other["venues.booked_hours"].value) == (1, D("3.00"))
        october = assert_counts_match_rows("venues", scope(world.street, OCTOBER))
        assert october["venues.venues"].value == 0  # none registered before November
        assert (october["venues.bookings"].value, october["venues.booked_hours"].value) == (
            1,
            D("1.00"),
        )
    with at(12, 1):  # the 28th's booking has been held by now
        assert values("venues", scope(world.street))["venues.bookings"].value == 3


# ------------------------------------------------------------------ meetings


def convene(world: World, community, topic: str, starts_at: datetime):
    return meetings.convene(
        actor=world["alice"],
        community=community,
        topic=topic,
        starts_at=starts_at,
        plan="方案第一稿",
    )


def test_meetings_held_and_plans_revised(world: World) -> None:
    with at(10, 1):
        october = convene(world, world.hetai, "十月议事", when(10, 20, 14))
        early = convene(world, world.hetai, "楼道扶手", when(11, 5, 14))
        convene(world, world.baoxiang, "停车", when(11, 6, 14))
        convene(world, world.hetai, "月底议事", when(11, 27, 14))  # after today: not held yet
        loubei = meetings.convene(
            actor=world["oscar"],
            community=world.loubei,
            topic="别处",
            starts_at=when(11, 5, 14),
            plan="一稿",
        )
    with at(11, 2):
        meetings.revise_plan(actor=world["alice"], meeting=october, text="方案第二稿")
        meetings.revise_plan(actor=world["oscar"], meeting=loubei, text="二稿")
    with at(11, 5, 16):
        meetings.revise_plan(actor=world["alice"], meeting=early, text="方案第二稿")
    with at(11, 6, 16):
        meetings.revise_plan(actor=world["alice"], meeting=early, text="方案第三稿")
    with at(11, 25):
        s = scope(world.street)
        got = assert_counts_match_rows("meetings", s)
        assert got["meetings.held"].value == 2
        assert got["meetings.plans_revised"].value == 2  # the early one once, October's
        assert {m.topic for m in rows("meetings.plans_revised", s)} == {"楼道扶手", "十月议事"}
        baoxiang = assert_counts_match_rows("meetings", scope(world.baoxiang))
        assert (baoxiang["meetings.held"].value, baoxiang["meetings.plans_revised"].value) == (1, 0)
        other = assert_counts_match_rows("meetings", scope(world.other_street))
        assert (other["meetings.held"].value, other["meetings.plans_revised"].value) == (1, 1)
        oct_values = assert_counts_match_rows("meetings", scope(world.street, OCTOBER))
        assert (oct_values["meetings.held"].value, oct_values["meetings.plans_revised"].value) == (
            1,
            0,
        )
    with at(12, 1):
        assert values("meetings", scope(world.street))["meetings.held"].value == 3


# ------------------------------------------------------------------ projects


def choose(world: World, fund: Fund, candidates: list[Project]) -> None:
    vote = projects.create_vote(
        actor=world["alice"],
        fund=fund,
        title="票决",
        method="approval",
        projects=candidates,
        max_choices=len(candidates),
    )
    (elector,) = projects.add_electors(
        actor=world["alice"], vote=vote, electors=[("代表", "resident", 1, None)]
    )
    projects.open_vote(actor=world["alice"], vote=vote)
    projects.cast_ballot(actor=None, vote=vote, elector=elector, projects=candidates)
    projects.close_vote(actor=world["alice"], vote=vote)


def propose(world: World, fund: Fund, title: str, cost: str, compound=None) -> Project:
    return projects.propose_project(
        actor=world["alice"],
        fund=fund,
        title=title,
        cost=D(cost),
        micro_renovation=compound is not None,
        compound=compound,
    )


def test_a_micro_renovation_names_a_compound_of_its_community(world: World) -> None:
    fund = projects.create_fund(actor=None, community=world.hetai, year=2026, amount=D("1000"))
    with pytest.raises(ServiceError) as refused:
        projects.propose_project(
            actor=None, fund=fund, title="x", cost=D("10"), micro_renovation=True
        )
    assert refused.value.field == "compound"
    with pytest.raises(ServiceError):
        propose(world, fund, "x", "10", compound=world.baoxiang_compound)
    assert propose(world, fund, "扶手", "10", compound=world.compound).compound == world.compound


def test_funds_money_phases_and_micro_renovations(world: World) -> None:
    with at(10, 20):
        old = projects.create_fund(actor=None, community=world.hetai, year=2025, amount=D("999"))
        october = propose(world, old, "十月微改造", "100.00", compound=world.compound)
        choose(world, old, [october])
    with at(11, 3):
        hetai = projects.create_fund(
            actor=None, community=world.hetai, year=2026, amount=D("100000.00")
        )
        baoxiang = projects.create_fund(
            actor=None, community=world.baoxiang, year=2026, amount=D("50000.50")
        )
        loubei = projects.create_fund(
            actor=None, community=world.loubei, year=2026, amount=D("7777.77")
        )
        rails = propose(world, hetai, "三花苑加装扶手", "30000.10", compound=world.compound)
        park = propose(world, hetai, "口袋公园", "20000.00")
        propose(world, hetai, "三花苑车棚", "5000.00", compound=world.compound)  # not chosen
        roof = propose(
            world, baoxiang, "宝祥苑屋面修缮", "10000.25", compound=world.baoxiang_compound
        )
        elsewhere = propose(
            world, loubei, "娄北苑微改造", "700.00", compound=world.loubei_building.parent
        )
    with at(11, 10):
        choose(world, hetai, [rails, park])
        choose(world, baoxiang, [roof])
        choose(world, loubei, [elsewhere])
    with at(11, 15):
        projects.record_payment(actor=None, project=rails, amount=D("1234.56"))
        projects.record_payment(actor=None, project=elsewhere, amount=D("1.00"))
    with at(12, 2):
        projects.record_payment(actor=None, project=roof, amount=D("99.99"))  # December
    with at(11, 25):
        s = scope(world.street)
        with CaptureQueriesContext(connection) as queries:
            got = assert_counts_match_rows("projects", s)
        assert got["projects.fund_amount"].value == D("150000.50")
        assert got["projects.committed"].value == D("60000.35")
        assert got["projects.paid"].value == D("1234.56")
        assert sum(e.amount for e in rows("projects.committed", s)) == D("60000.35")
        assert sum(e.amount for e in rows("projects.paid", s)) == D("1234.56")
        assert got["projects.by_phase"].value == 4 == rows("projects.by_phase", s).count()
        assert got["projects.by_phase"].items == [
            [str(Phase.DRAFTING.label), 1],
            [str(Phase.SELECTED.label), 3],
        ]
        assert got["projects.micro_renovations"].value == 2
        assert got["projects.micro_renovations"].items == [["三花苑", 1], ["宝祥苑", 1]]
        assert got["projects.micro_compounds"].value == 2
        assert len(queries) < 20
        hetai_values = assert_counts_match_rows("projects", scope(world.hetai))
        assert hetai_values["projects.fund_amount"].value == D("100000.00")
        assert hetai_values["projects.committed"].value == D("50000.10")
        other = assert_counts_match_rows("projects", scope(world.other_street))
        assert (other["projects.fund_amount"].value, other["projects.paid"].value) == (
            D("7777.77"),
            D("1.00"),
        )
        assert other["projects.micro_renovations"].items == [["娄北苑", 1]]
        # October: the 2025 fund's micro-renovation, but the funds of 2026.
        oct_values = assert_counts_match_rows("projects", scope(world.street, OCTOBER))
        assert oct_values["projects.micro_renovations"].value == 1
        assert oct_values["projects.committed"].value == D("100.00")
        assert oct_values["projects.fund_amount"].value == D("150000.50")
        assert oct_values["projects.paid"].value == D("0.00")


def test_a_district_counts_its_streets(world: World) -> None:
    district = world.street.parent
    assert district.kind == AreaKind.DISTRICT
    with at(11, 3):
        fund = projects.create_fund(actor=None, community=world.hetai, year=2026, amount=D("10"))
        projects.create_fund(actor=None, community=world.loubei, year=2026, amount=D("20"))
        assert fund.community == world.hetai
    for panel in KEYS:
        assert_counts_match_rows(panel, scope(district))
    assert values("projects", scope(district))["projects.fund_amount"].value == D("10.00")


def test_a_demand_the_street_resolved_is_in_the_rows_behind_resolved(
    world: World, category
) -> None:
    with at(11, 2):
        gate = collect(world, category, title="南门太窄", today=date(2026, 11, 2))
        demands.transfer(actor=world["bob"], demand=gate, to=world.street, reason="街道统筹")
        gate.refresh_from_db()
        demands.accept(actor=world["alice"], demand=gate)
        demands.verify(actor=world["alice"], demand=gate, findings="50厘米")
        demands.assign(actor=world["alice"], demand=gate, path=HandlingPath.COMMUNITY)
        demands.resolve(actor=world["alice"], demand=gate, result="拓宽")
    with at(11, 25):
        s = scope(world.street)
        assert values("demands", s)["demands.resolved"].value == 1
        assert rows("demands.resolved", s).count() == 1


def test_staff_mark_a_micro_renovation_and_its_compound_on_the_project_form(
    world: World, client
) -> None:
    fund = projects.create_fund(actor=None, community=world.hetai, year=2026, amount=D("1000"))
    client.force_login(world["bob"])
    url = reverse("projects:project_create", args=[fund.pk])
    form = client.get(url).content.decode()
    assert 'name="micro_renovation"' in form and world.compound.name in form
    assert world.baoxiang_compound.name not in form  # only this community's compounds
    data = {"title": "三花苑加装扶手", "cost": "300", "micro_renovation": "on"}
    assert client.post(url, data).status_code == 400  # no compound named
    answer = client.post(url, {**data, "compound": world.compound.pk})
    assert answer.status_code == 302
    project = Project.objects.get(title="三花苑加装扶手")
    assert project.micro_renovation and project.compound == world.compound
    assert world.compound.name in client.get(answer["Location"]).content.decode()


@pytest.mark.browser
def test_community_staff_propose_a_micro_renovation_from_the_funds_menu(
    world: World, live_server, page
) -> None:
    projects.create_fund(actor=None, community=world.hetai, year=2026, amount=D("100000"))
    page.set_viewport_size(DESK)
    log_in(page, live_server.url, "bob", PASSWORD)
    menu(page, "projects")
    page.click(f"a[href='{reverse('projects:fund_detail', args=[Fund.objects.get().pk])}']")
    page.click(f"a[href='{reverse('projects:project_create', args=[Fund.objects.get().pk])}']")
    page.fill("input[name=title]", "三花苑加装扶手")
    page.fill("input[name=cost]", "30000")
    page.check("input[name=micro_renovation]")
    page.select_option("select[name=compound]", label=world.compound.name)
    shot(page, "desk-project-micro-renovation-form")
    page.click("form button[type=submit]")
    expect(page.locator("h1")).to_contain_text("三花苑加装扶手")
    expect(page.locator(".chip", has_text=world.compound.name)).to_be_visible()
    shot(page, "desk-project-micro-renovation")
    project = Project.objects.get()
    assert project.micro_renovation and project.compound == world.compound
