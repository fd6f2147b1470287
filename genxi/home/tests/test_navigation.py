"""The menu: every page a role may use is in it, on a desk and (four tabs and "More") on a
phone, and each entry opens."""

import pytest

from genxi.conftest import World
from genxi.home.navigation import TABS, navigation_for, split_for_phone

CAST = ["alice", "bob", "carol", "dave", "erin", "frank", "oscar"]


@pytest.mark.parametrize("username", CAST)
def test_every_menu_entry_opens(client, world: World, username: str) -> None:
    client.force_login(world[username])
    for item in navigation_for(world[username]):
        # A hub entry (先锋) may send the user on to its first tab.
        assert client.get(item.url, follow=True).status_code == 200, item.key


def test_the_menus_name_the_pages_of_each_role(world: World) -> None:
    keys = {u: [i.key for i in navigation_for(world[u])] for u in CAST}
    for staff in ("alice", "bob"):
        for page in ("party_orgs", "settings", "meetings", "votes", "service_projects"):
            assert page in keys[staff], (staff, page)
    assert keys["erin"] == [
        "home",
        "my_demands",
        "signup",
        "my_registrations",
        "my_points",
        "votes",
        "community_services",
        "venues",
    ]
    for user in ("alice", "bob", "carol", "dave", "frank"):
        assert "cobuilding" in keys[user], user
    assert "cobuilding" not in keys["erin"] and "community_services" not in keys["bob"]
    for staff in ("alice", "bob"):
        for page in ("activities", "door", "activity_figures", "booking_requests"):
            assert page in keys[staff], (staff, page)
    assert "door" in keys["carol"] and "activities" in keys["carol"]
    assert "door" not in keys["frank"] and "activity_figures" in keys["frank"]
    assert "my_demands" not in keys["bob"] and "demands" not in keys["erin"]
    assert "service_projects" in keys["dave"]  # the projects his unit implements


@pytest.mark.parametrize("username", CAST)
def test_a_phone_shows_four_tabs_and_the_rest_under_more(world: World, username: str) -> None:
    items = navigation_for(world[username])
    tabs, more, _badge, _active = split_for_phone(items)
    assert tabs + more == items
    assert len(tabs) <= TABS and (not more or len(tabs) == TABS - 1)


def test_the_phone_menu_reaches_party_orgs_and_settings(client, world: World) -> None:
    client.force_login(world["bob"])
    page = client.get("/").content.decode()
    tabbar = page.split('<nav class="tabbar"')[1].split("</nav>")[0]
    assert '<details class="more">' in tabbar
    for url in ("/party-orgs/", "/settings/", "/meetings/", "/votes/", "/projects/"):
        assert f'href="{url}"' in tabbar, url
