"""Work lists on the home pages: counts per role on a known world, each equal to the ledger
list it opens, shown as menu badges, and counted in a fixed number of queries."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from genxi.conftest import World
from genxi.demands import ledger, services, worklists
from genxi.demands.models import Category, Demand
from genxi.demands.tests.conftest import resolved
from genxi.home.navigation import navigation_for
from genxi.meetings import services as meetings
from genxi.places.models import Resident
from genxi.projects import services as projects
from genxi.projects.models import Method

SH = ZoneInfo("Asia/Shanghai")
FRIDAY = date(2026, 11, 20)
TUESDAY = datetime(2026, 11, 24, 9, tzinfo=SH)  # the day the lists are read


@pytest.fixture
def known(world: World, category: Category) -> dict[str, Demand]:
    """和泰: one demand at each step; 宝祥: one assigned to 金阳宝地物业; 娄北: one to accept.

    Collected on Friday 20 November (accept by Monday 23, resolve by Friday 27; the 3-day
    category's by Wednesday 25), read on Tuesday 24: the next working day is Wednesday 25.
    """
    quick = services.create_category(actor=None, name="路灯", response_days=1, resolution_days=3)
    bob, carol = world["bob"], world["carol"]
    erin = Resident.objects.get(user=world["erin"])

    def make(title: str, *, actor=bob, area=None, cat=category, day=FRIDAY, reporters=()):
        return services.collect_demand(
            actor=actor, title=title, category=cat, area=area or world.building2,
            channel="visit", reporters=list(reporters), today=day,
        )  # fmt: skip

    with time_machine.travel(datetime(2026, 11, 20, 10, tzinfo=SH)):
        d = {
            # carol records in her grid (1幢): one late to accept, one resolved to call back
            "late_to_accept": make("路灯不亮", actor=carol, area=world.building1),
            "to_call_back": make(
                "井盖松动", actor=carol, area=world.building1, reporters=[world.resident1, erin]
            ),
            "to_verify": make("楼道堆物"),
            "due_soon": make("路灯闪烁", cat=quick),
            "to_assign": make("绿化带缺损"),
            "called_back": make("垃圾桶破损", reporters=[world.resident2]),
            "late_in_progress": make("外墙渗水", day=date(2026, 11, 10)),
            "assigned_baoxiang": make("车棚漏雨", area=world.baoxiang_compound, cat=quick),
            "loubei": make("娄北路灯", actor=world["oscar"], area=world.loubei_building),
        }
        alice = world["alice"]
        for key in ("to_call_back", "to_verify", "due_soon", "to_assign", "called_back",
                    "late_in_progress", "assigned_baoxiang"):  # fmt: skip
            services.accept(actor=alice, demand=d[key])
        for key in ("to_call_back", "to_assign", "called_back", "late_in_progress",
                    "assigned_baoxiang"):  # fmt: skip
            services.verify(actor=alice, demand=d[key], findings="属实")
        for key in ("to_call_back", "called_back", "late_in_progress"):
            services.assign(actor=alice, demand=d[key], path="community")
        services.assign(
            actor=alice, demand=d["assigned_baoxiang"], path="partner", partner=world.partner
        )
        for key in ("to_call_back", "called_back"):
            services.resolve(actor=bob, demand=d[key], result="已修")
        services.record_callback(
            actor=bob, demand=d["called_back"], resident=world.resident2, result="satisfied"
        )
    with time_machine.travel(TUESDAY):
        services.remind_and_escalate(today=TUESDAY.date())
    return d


EXPECTED = {
    "bob": {
        **{"accept": 1, "verify": 2, "assign": 1, "callback": 1, "close": 1},
        **{"due_soon": 1, "overdue": 2},
    },
    "alice": {
        **{"accept": 1, "verify": 2, "assign": 1, "callback": 1, "close": 1},
        **{"due_soon": 2, "overdue": 2, "escalated": 2},
    },
    "carol": {"my_callbacks": 1, "mine": 2},
    "dave": {"not_taken": 1, "due_soon": 1},
    "oscar": {
        **{"accept": 1, "verify": 0, "assign": 0, "callback": 0, "close": 0},
        **{"due_soon": 0, "overdue": 1},
    },
    "erin": {},
    "frank": {},
    "nobody": {},
}


@pytest.mark.parametrize("username", sorted(EXPECTED))
def test_each_role_counts_its_own_work_as_the_ledger_lists_it(
    world: World, known: dict[str, Demand], username: str
) -> None:
    user = world[username]
    with time_machine.travel(TUESDAY):
        items = worklists.work_items(user)
        assert {i.key: i.count for i in items} == EXPECTED[username]
        for item in items:
            # The list the item opens has exactly the rows it counts.
            params = dict(parse_qsl(urlsplit(item.url).query))
            assert ledger.filtered(user, params).count() == item.count, item.key


def test_an_outsider_counts_none_of_another_communitys_demands(
    world: World, known: dict[str, Demand]
) -> None:
    with time_machine.travel(TUESDAY):
        params = {"todo": worklists.CALLBACK}
        assert not ledger.filtered(world["oscar"], params).exists()
        rows = ledger.filtered(world["oscar"], {"overdue": "1"})
        assert list(rows) == [known["loubei"]]


def test_the_menu_shows_the_counts_as_badges(world: World, known: dict[str, Demand]) -> None:
    with time_machine.travel(TUESDAY):
        bob = {i.key: i.badge for i in navigation_for(world["bob"])}
        # To accept 1 + to verify 2 + to assign 1 + to call back 1.
        assert bob["demands"] == 6  # accept 1, verify 2, assign 1, call back 1, close out 1
        erin = {i.key: i.badge for i in navigation_for(world["erin"])}
        assert erin["my_demands"] == 1  # 井盖松动 waits for her answer
        assert navigation_for(world["nobody"])[0].key == "home"


def test_the_badge_is_on_the_page(client, world: World, known: dict[str, Demand]) -> None:
    client.force_login(world["bob"])
    with time_machine.travel(TUESDAY):
        page = client.get("/").content.decode()
    assert 'data-nav="demands">诉求 <span class="badge">6</span>' in page
    assert 'data-work="callback"' in page
    assert "/demands/?todo=callback" in page


def test_the_work_lists_cost_a_few_queries_whatever_the_number_of_demands(
    client, world: World, category: Category, known: dict[str, Demand], django_assert_num_queries
) -> None:
    bob = world["bob"]
    with time_machine.travel(TUESDAY):
        # Two for the working-day calendar (its days and its years), one aggregate for all lists.
        worklists.work_items(bob)  # warm the user's roles, as a request does
        with django_assert_num_queries(3):
            worklists.work_items(bob)
        # Any other page's badge: the step lists alone, one query.
        with django_assert_num_queries(1):
            assert worklists.badge_for(bob) == 6
        client.force_login(world["bob"])
        with CaptureQueriesContext(connection) as before:
            client.get("/")
        for n in range(5):
            services.collect_demand(
                actor=bob, title=f"新增{n}", category=category, area=world.building2,
                channel="visit", today=TUESDAY.date(),
            )  # fmt: skip
        with CaptureQueriesContext(connection) as after:
            client.get("/")
    assert len(after) == len(before)


def test_leadership_sees_the_figures_of_its_street(
    client, world: World, known: dict[str, Demand]
) -> None:
    with time_machine.travel(TUESDAY):
        [street] = worklists.figures_summary(world["frank"])
        assert street.area == world.street
        # 白洋湾: eight recorded since 26 October (娄北's is another street's), two resolved,
        # two overdue now (路灯不亮 not accepted by Monday, 外墙渗水 due on the 17th).
        assert (street.collected, street.resolved, street.overdue_now) == (8, 2, 2)
        client.force_login(world["frank"])
        page = client.get("/").content.decode()
    assert "白洋湾街道：近30天" in page
    assert f"/demands/figures/?area={world.street.pk}&amp;from=2026-10-26&amp;to=2026-11-24" in page
    assert worklists.figures_summary(world["bob"]) == []


def test_a_pioneer_is_due_the_call_backs_his_rule_allows(world: World, category: Category) -> None:
    """demands.call_back_demand: his grids, and what he recorded anywhere in his community."""
    carol, bob = world["carol"], world["bob"]
    # bob records one in 2幢 (grid 2, not carol's): not hers to call back.
    demand = services.collect_demand(
        actor=bob, title="2幢门禁坏", category=category, area=world.building2,
        channel="visit", reporters=[world.resident2],
    )  # fmt: skip
    # carol records one in 2幢 too: hers to call back, though outside her grid.
    hers = services.collect_demand(
        actor=carol, title="2幢车棚灯坏", category=category, area=world.building2,
        channel="visit", reporters=[world.resident2],
    )  # fmt: skip
    for d in (demand, hers):
        services.accept(actor=bob, demand=d)
        services.verify(actor=bob, demand=d, findings="属实")
        services.assign(actor=bob, demand=d, path="community")
        services.resolve(actor=bob, demand=d, result="已修")
    counts = {i.key: i.count for i in worklists.work_items(carol)}
    assert counts == {"my_callbacks": 1, "mine": 1}
    assert carol.has_perm("demands.call_back_demand", hers)
    assert not carol.has_perm("demands.call_back_demand", demand)
    assert list(ledger.filtered(carol, {"todo": worklists.MY_CALLBACKS})) == [hers]


def test_open_votes_and_coming_meetings_open_their_lists_and_reach_the_resident(
    client, world: World
) -> None:
    bob = world["bob"]
    fund = projects.create_fund(
        actor=bob, community=world.hetai, year=2026, amount=Decimal("100000"),
        reserve=Decimal("0"), max_per_project=None,
    )  # fmt: skip
    park = projects.propose_project(actor=bob, fund=fund, title="口袋公园", cost=Decimal("50000"))
    vote = projects.create_vote(
        actor=bob, fund=fund, title="2026年为民服务项目票决", method=Method.APPROVAL,
        projects=[park], max_choices=1,
    )  # fmt: skip
    projects.add_electors(
        actor=bob,
        vote=vote,
        electors=[("艾琳", "resident", 1, world["erin"]), ("代表", "resident", 1, None)],
    )
    projects.open_vote(actor=bob, vote=vote)
    now = timezone.now()
    meetings.convene(
        actor=bob, community=world.hetai, topic="加装电梯议事", starts_at=now + timedelta(days=2)
    )
    meetings.convene(
        actor=bob, community=world.hetai, topic="上月车棚议事", starts_at=now - timedelta(days=20)
    )
    meetings.convene(
        actor=world["oscar"],
        community=world.loubei,
        topic="娄北议事",
        starts_at=now + timedelta(days=1),
    )

    client.force_login(bob)
    home = client.get("/").content.decode()
    assert 'href="/votes/?status=open" data-work="agenda-1"><span class="value">1<' in home
    assert 'href="/meetings/?when=coming" data-work="agenda-2"><span class="value">1<' in home
    coming = client.get("/meetings/?when=coming").content.decode()
    assert "加装电梯议事" in coming and "上月车棚议事" not in coming and "娄北议事" not in coming
    assert "2026年为民服务项目票决" in client.get("/votes/?status=open").content.decode()
    assert "2026年为民服务项目票决" not in client.get("/votes/?status=closed").content.decode()

    client.force_login(world["erin"])
    home = client.get("/").content.decode()
    assert f'href="/votes/{vote.pk}/">2026年为民服务项目票决' in home
    assert "加装电梯议事" in home
    assert "上月车棚议事" not in home and "娄北议事" not in home
    assert client.get(f"/votes/{vote.pk}/").status_code == 200


def test_to_close_out_holds_the_called_back_and_the_resolved_with_nobody_to_call(
    world: World, category: Category
) -> None:
    """close_out's rule: everyone called back, or a demand with no reporter once resolved."""
    bob = world["bob"]

    def resolved_here(title: str, reporters: list[Resident]) -> Demand:
        return resolved(
            world, category, actor=bob, title=title, area=world.building2,
            channel="inspection", reporters=reporters,
        )  # fmt: skip

    nobody_to_call = resolved_here("巡查发现井盖缺失", [])
    to_call = resolved_here("2幢门禁坏", [world.resident2])
    counts = {i.key: i.count for i in worklists.work_items(bob)}
    assert counts["close"] == 1 and counts["callback"] == 1
    assert list(ledger.filtered(bob, {"todo": worklists.CLOSE})) == [nobody_to_call]
    services.record_callback(
        actor=bob, demand=to_call, resident=world.resident2, result="satisfied"
    )
    assert set(ledger.filtered(bob, {"todo": worklists.CLOSE})) == {nobody_to_call, to_call}
