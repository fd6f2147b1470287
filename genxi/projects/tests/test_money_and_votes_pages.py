"""Money shows one way everywhere; the vote page states its limit once; staff are told how to get
candidates; the server still refuses a ballot over its limit."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse

from genxi.conftest import World
from genxi.core.money import money
from genxi.projects import services
from genxi.projects.models import Participation, VoteStatus
from genxi.projects.tests.test_browser import a_vote

pytestmark = pytest.mark.django_db


def test_money_has_thousands_separators_and_two_decimals() -> None:
    assert money(280000) == "280,000.00"
    assert money(Decimal("170000.00")) == "170,000.00"
    assert money("1234.5") == "1,234.50"
    assert money(Decimal("0")) == "0.00"
    assert money(None) == "—"
    assert Template("{{ v|money }}").render(Context({"v": Decimal("60000")})) == "60,000.00"


def test_fund_vote_and_public_pages_show_money_one_way(world: World, client) -> None:
    vote, _projects = a_vote(world)
    client.force_login(world["bob"])
    fund_page = client.get(reverse("projects:fund_detail", args=[vote.fund.pk])).content.decode()
    assert "100,000.00" in fund_page and "60,000.00" in fund_page and "100000" not in fund_page
    services.close_vote(actor=None, vote=vote)
    vote.refresh_from_db()
    assert vote.status == VoteStatus.CLOSED
    vote_page = client.get(reverse("projects:vote_detail", args=[vote.pk])).content.decode()
    for raw in ("60000", "30000", "20000"):
        assert raw not in vote_page
    public = client.get(reverse("projects:public_results", args=[world.hetai.pk])).content.decode()
    assert "100,000.00" in public and "100000" not in public


def test_the_vote_page_states_its_limit_once_and_checks_it_in_the_browser(
    world: World, client
) -> None:
    vote, _projects = a_vote(world)
    client.force_login(world["erin"])
    html = client.get(reverse("projects:vote_detail", args=[vote.pk])).content.decode()
    assert "赞成投票 · 最多选 2 个项目" in html
    assert "若干" not in html and html.count("最多选 2 个项目") == 2  # the line, the refusal
    assert 'data-max-choices="2"' in html and 'data-too-many="最多选 2 个项目。"' in html


def test_the_server_still_refuses_a_ballot_over_its_limit(world: World, client) -> None:
    vote, projects = a_vote(world)
    client.force_login(world["erin"])
    response = client.post(
        reverse("projects:cast", args=[vote.pk]),
        {"projects": [p.pk for p in projects]},
        follow=True,
    )
    assert "最多选 2 个项目" in response.content.decode()
    assert not Participation.objects.exists()


def test_a_new_vote_without_candidates_says_how_to_add_them(world: World, client) -> None:
    fund = services.create_fund(
        actor=None, community=world.hetai, year=2027, amount=Decimal("50000")
    )
    client.force_login(world["bob"])
    url = reverse("projects:vote_create", args=[fund.pk])
    html = client.get(url).content.decode()
    assert "还没有候选项目" in html
    assert f'href="{reverse("projects:project_create", args=[fund.pk])}"' in html
    services.propose_project(actor=None, fund=fund, title="口袋公园", cost=Decimal("20000"))
    assert "还没有候选项目" not in client.get(url).content.decode()


def test_the_triage_page_shows_staff_no_shell_command(world: World, client) -> None:
    client.force_login(world["alice"])
    html = client.get(reverse("triage:index")).content.decode()
    assert "genxi triage" not in html


def test_a_budget_ballot_carries_what_the_browser_checks(world: World, client) -> None:
    fund = services.create_fund(
        actor=None, community=world.hetai, year=2026, amount=Decimal("100000"),
        reserve=Decimal("10000"),
    )  # fmt: skip
    for title, cost in [("口袋公园", "50000"), ("楼道扶手", "30000"), ("休闲座椅", "20000")]:
        services.propose_project(actor=None, fund=fund, title=title, cost=Decimal(cost))
    vote = services.create_vote(
        actor=None, fund=fund, title="预算内票决", method="budget",
        projects=list(fund.projects.all()), max_choices=None,
    )  # fmt: skip
    services.add_electors(actor=None, vote=vote, electors=[("艾琳", "resident", 1, world["erin"])])
    services.open_vote(actor=None, vote=vote)
    client.force_login(world["erin"])
    html = client.get(reverse("projects:vote_detail", args=[vote.pk])).content.decode()
    assert 'data-budget="90000.00"' in html and 'data-cost="50000.00"' in html
    assert "超出预算 90,000.00 元" in html and "data-max-choices" not in html
