from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import Dialog, Page, expect

from genxi.conftest import PASSWORD, World
from genxi.projects import services
from genxi.projects.models import Ballot, Channel, Elector, Method, Participation
from tests.browser import PHONE, log_in, shot


def a_vote(world: World):
    fund = services.create_fund(
        actor=None, community=world.hetai, year=2026, amount=Decimal("100000"),
        reserve=Decimal("10000"),
    )  # fmt: skip
    projects = [
        services.propose_project(actor=None, fund=fund, title=t, cost=Decimal(c), description=d)
        for t, c, d in [
            ("口袋公园", "60000", "闲置空地改造成口袋公园"),
            ("楼道扶手", "30000", "高层楼道加装扶手"),
            ("休闲座椅", "20000", "长廊加装座椅"),
        ]
    ]
    vote = services.create_vote(
        actor=None, fund=fund, title="2026年为民服务项目票决", method=Method.APPROVAL,
        projects=projects, max_choices=2, secret=True,
    )  # fmt: skip
    services.add_electors(
        actor=None,
        vote=vote,
        electors=[("艾琳", "resident", 1, world["erin"]), ("党员代表甲", "party", 1, None)],
    )
    services.open_vote(actor=None, vote=vote)
    return vote, projects


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_representative_votes_on_a_phone_and_checks_the_ballot(
    world: World, live_server, page: Page
) -> None:
    vote, _projects = a_vote(world)
    page.set_viewport_size(PHONE)
    dialogs: list[str] = []

    def answer(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    log_in(page, live_server.url, "erin", PASSWORD)
    page.click("a.stat:has-text('票决')")
    page.click("text=2026年为民服务项目票决")
    ballot = page.locator("#ballot")
    expect(ballot).to_contain_text("口袋公园")
    expect(page.locator(".card").first).to_contain_text("赞成投票 · 最多选 2 个项目")
    # Three ticks where two are allowed: refused on the phone before any confirmation.
    for title in ["口袋公园", "楼道扶手", "休闲座椅"]:
        ballot.locator(f"label:has-text('{title}') input").check()
    ballot.get_by_role("button", name="投出我的选票").click()
    expect(ballot.locator("[role=alert]")).to_contain_text("最多选 2 个项目")
    assert dialogs == [] and not Participation.objects.exists()
    ballot.locator("label:has-text('休闲座椅') input").uncheck()
    shot(page, "phone-vote-ballot")
    ballot.get_by_role("button", name="投出我的选票").click()
    expect(page.locator(".messages")).to_contain_text("您的选票已计入")
    assert len(dialogs) == 1  # asked once, when the ballot was within its limit
    receipt = page.locator("#your-receipt code").inner_text()
    assert Ballot.objects.get().receipt == receipt
    expect(page.locator("#ballot")).to_have_count(0)

    page.fill("#receipt", receipt.lower())
    page.get_by_role("button", name="核对").click()
    expect(page.locator("#receipt-result")).to_contain_text("已计入")
    expect(page.locator("#receipt-result")).to_contain_text("口袋公园")
    page.fill("#receipt", "WRONG")
    page.get_by_role("button", name="核对").click()
    expect(page.locator("#receipt-result")).to_contain_text("没有找到")

    page.reload()  # the receipt was shown once; a reload sends nothing again
    expect(page.locator("#your-receipt")).to_have_count(0)
    expect(page.locator(".messages")).to_have_count(0)
    services.close_vote(actor=None, vote=vote)
    page.reload()
    result = page.locator("#result")
    expect(result).to_contain_text("楼道扶手")
    expect(result.locator("tr", has_text="口袋公园")).to_contain_text("入选")
    expect(result.locator("tr", has_text="休闲座椅")).to_contain_text("无人投票")
    shot(page, "phone-vote-result")


def test_votes_are_seen_by_their_community_and_their_electors_only(world: World, client) -> None:
    vote, (park, _rails, _seats) = a_vote(world)
    url = reverse("projects:vote_detail", args=[vote.pk])
    seen = {"erin": 200, "bob": 200, "alice": 200, "frank": 200, "carol": 200}
    for username in ["erin", "bob", "alice", "frank", "oscar", "dave", "carol", "nobody"]:
        status = seen.get(username, 404)
        client.force_login(world[username])
        assert client.get(url).status_code == status, username
    client.force_login(world["bob"])  # staff see it, but are no electors: no web ballot
    page = client.get(url).content.decode()
    assert 'id="ballot"' not in page
    cast = reverse("projects:cast", args=[vote.pk])
    assert client.post(cast, {"projects": [park.pk]}).status_code == 404
    client.force_login(world["erin"])
    assert client.post(cast, {"projects": ["²", park.pk]}).status_code == 400
    assert client.post(cast, {"projects": [park.pk]}).status_code == 302
    again = client.post(cast, {"projects": [park.pk]})  # a second ballot, or a retried post
    assert again.status_code == 400 and "已经投过票" in again.content.decode()
    assert Participation.objects.count() == 1
    assert "票决" in client.get(reverse("home:home")).content.decode()


def test_a_pioneer_records_an_assisted_ballot_and_nothing_else(world: World, client) -> None:
    vote, (park, _rails, _seats) = a_vote(world)
    paper_elector = Elector.objects.get(vote=vote, name="党员代表甲")
    client.force_login(world["carol"])  # the pioneer of 和泰社区
    page = client.get(reverse("projects:vote_detail", args=[vote.pk])).content.decode()
    assert 'id="assist"' in page and 'id="staff"' not in page
    erin = Elector.objects.get(vote=vote, name="艾琳")  # votes on the web herself
    assert f'<option value="{erin.pk}">' not in page
    assert f'<option value="{paper_elector.pk}">' in page
    assist = reverse("projects:vote_action", args=[vote.pk, "assist"])
    answer = client.post(assist, {"elector": paper_elector.pk, "channel": "assisted",
                                  "projects": [park.pk]})  # fmt: skip
    assert answer.status_code == 302
    done = Participation.objects.get(elector=paper_elector)
    assert (done.channel, done.recorded_by) == (Channel.ASSISTED, world["carol"])
    again = client.post(assist, {"elector": paper_elector.pk, "channel": "assisted",
                                 "projects": [park.pk]})  # fmt: skip
    assert again.status_code == 400 and Participation.objects.count() == 1
    for action in ["close", "paper", "override"]:
        url = reverse("projects:vote_action", args=[vote.pk, action])
        assert client.post(url).status_code == 404, action
    client.force_login(world["dave"])
    assert client.post(assist, {"elector": paper_elector.pk}).status_code == 404


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_ballot_over_the_budget_is_refused_before_the_confirmation(
    world: World, live_server, page: Page
) -> None:
    fund = services.create_fund(
        actor=None, community=world.hetai, year=2026, amount=Decimal("100000"),
        reserve=Decimal("10000"),
    )  # fmt: skip
    for title, cost in [("口袋公园", "50000"), ("楼道扶手", "30000"), ("休闲座椅", "20000")]:
        services.propose_project(actor=None, fund=fund, title=title, cost=Decimal(cost))
    vote = services.create_vote(
        actor=None, fund=fund, title="预算内票决", method=Method.BUDGET,
        projects=list(fund.projects.all()), max_choices=None,
    )  # fmt: skip
    services.add_electors(actor=None, vote=vote, electors=[("艾琳", "resident", 1, world["erin"])])
    services.open_vote(actor=None, vote=vote)
    dialogs: list[str] = []

    def answer(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    page.set_viewport_size(PHONE)
    log_in(page, live_server.url, "erin", PASSWORD)
    page.goto(live_server.url + reverse("projects:vote_detail", args=[vote.pk]))
    ballot = page.locator("#ballot")
    for title in ["口袋公园", "楼道扶手", "休闲座椅"]:
        ballot.locator(f"label:has-text('{title}') input").check()
    ballot.get_by_role("button", name="投出我的选票").click()
    expect(ballot.locator("[role=alert]")).to_contain_text("超出预算 90,000.00 元")
    assert dialogs == [] and not Participation.objects.exists()
    shot(page, "phone-vote-over-budget")
    ballot.locator("label:has-text('休闲座椅') input").uncheck()
    ballot.get_by_role("button", name="投出我的选票").click()
    expect(page.locator(".messages")).to_contain_text("您的选票已计入")
    assert len(dialogs) == 1 and Participation.objects.count() == 1
