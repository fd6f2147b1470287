"""Every page, every member of the cast: 200 inside their areas and roles, 404 outside.

The matrix names who may open each page; everyone else must get a 404 (never a 403: nobody
learns what exists outside their areas), and an anonymous visitor is sent to log in.
"""

from collections.abc import Callable

import pytest
from django.urls import reverse

from genxi.conftest import World

CAST = ["alice", "bob", "carol", "dave", "erin", "frank", "oscar", "nobody"]
EVERYONE = set(CAST)
MEMBERS = EVERYONE - {"nobody"}
AREA_READERS = {"alice", "bob", "carol", "frank", "oscar"}
STAFF = {"alice", "bob", "oscar"}

Page = tuple[str, Callable[[World], str], set[str]]

PAGES: list[Page] = [
    ("home", lambda w: reverse("home:home"), EVERYONE),
    ("profile", lambda w: reverse("accounts:profile"), EVERYONE),
    ("password", lambda w: reverse("accounts:password_change"), EVERYONE),
    ("settings", lambda w: reverse("home:settings"), {"alice", "bob", "frank", "oscar"}),
    ("calendar", lambda w: reverse("home:calendar"), {"alice", "bob", "frank", "oscar"}),
    ("categories", lambda w: reverse("demands:category_list"), {"alice", "bob", "frank", "oscar"}),
    ("new category", lambda w: reverse("demands:category_create"), {"alice"}),
    ("triage", lambda w: reverse("triage:index"), {"alice", "bob", "frank", "oscar"}),
    ("service funds", lambda w: reverse("projects:fund_list"), {"alice", "bob", "frank", "oscar"}),
    ("new service fund", lambda w: reverse("projects:fund_create"), STAFF),
    ("votes", lambda w: reverse("projects:vote_list"), EVERYONE),
    ("meetings", lambda w: reverse("meetings:meeting_list"), {"alice", "bob", "frank", "oscar"}),
    ("new meeting", lambda w: reverse("meetings:meeting_create"), STAFF),
    (
        "hot topics of a community",
        lambda w: reverse("triage:topics") + f"?area={w.hetai.pk}",
        {"alice", "bob", "frank"},
    ),
    (
        "hot topics of a street",
        lambda w: reverse("triage:topics") + f"?area={w.street.pk}",
        {"alice", "frank"},
    ),
    (
        "calendar year",
        lambda w: reverse("home:calendar_year", args=[2099]),
        {"alice", "bob", "frank", "oscar"},
    ),
    # areas
    ("area list", lambda w: reverse("places:area_list"), AREA_READERS),
    ("street", lambda w: reverse("places:area_detail", args=[w.street.pk]), {"alice", "frank"}),
    (
        "community",
        lambda w: reverse("places:area_detail", args=[w.hetai.pk]),
        {"alice", "bob", "carol", "frank"},
    ),
    (
        "building",
        lambda w: reverse("places:area_detail", args=[w.building1.pk]),
        {"alice", "bob", "carol", "frank"},
    ),
    ("other community", lambda w: reverse("places:area_detail", args=[w.loubei.pk]), {"oscar"}),
    (
        "add compound",
        lambda w: reverse("places:area_create", args=[w.hetai.pk, "compound"]),
        {"alice", "bob"},
    ),
    (
        "add community",
        lambda w: reverse("places:area_create", args=[w.street.pk, "community"]),
        {"alice"},
    ),
    ("edit community", lambda w: reverse("places:area_edit", args=[w.hetai.pk]), {"alice"}),
    (
        "edit compound",
        lambda w: reverse("places:area_edit", args=[w.compound.pk]),
        {"alice", "bob"},
    ),
    # party organisations
    ("org list", lambda w: reverse("places:partyorg_list"), AREA_READERS | {"dave"}),
    (
        "org",
        lambda w: reverse("places:partyorg_detail", args=[w.org.pk]),
        {"alice", "bob", "carol", "frank"},
    ),
    ("new org", lambda w: reverse("places:partyorg_create"), STAFF),
    ("edit org", lambda w: reverse("places:partyorg_edit", args=[w.org.pk]), {"alice", "bob"}),
    # partners
    ("partner list", lambda w: reverse("places:partner_list"), AREA_READERS | {"dave"}),
    (
        "partner",
        lambda w: reverse("places:partner_detail", args=[w.partner.pk]),
        {"alice", "dave", "frank"},
    ),
    (
        "other partner",
        lambda w: reverse("places:partner_detail", args=[w.other_partner.pk]),
        {"oscar"},
    ),
    ("new partner", lambda w: reverse("places:partner_create"), STAFF),
    ("edit partner", lambda w: reverse("places:partner_edit", args=[w.partner.pk]), {"alice"}),
    # venues
    ("venue list", lambda w: reverse("places:venue_list"), MEMBERS),
    (
        "venue",
        lambda w: reverse("places:venue_detail", args=[w.venue.pk]),
        {"alice", "bob", "carol", "erin", "frank"},
    ),
    ("other venue", lambda w: reverse("places:venue_detail", args=[w.other_venue.pk]), {"oscar"}),
    ("new venue", lambda w: reverse("places:venue_create"), STAFF),
    ("edit venue", lambda w: reverse("places:venue_edit", args=[w.venue.pk]), {"alice", "bob"}),
    # residents
    ("resident list", lambda w: reverse("places:resident_list"), AREA_READERS),
    (
        "resident in grid 1",
        lambda w: reverse("places:resident_detail", args=[w.resident1.pk]),
        {"alice", "bob", "carol", "frank"},
    ),
    (
        "resident in grid 2",
        lambda w: reverse("places:resident_detail", args=[w.resident2.pk]),
        {"alice", "bob", "frank"},
    ),
    (
        "other resident",
        lambda w: reverse("places:resident_detail", args=[w.loubei_resident.pk]),
        {"oscar"},
    ),
    ("new resident", lambda w: reverse("places:resident_create"), STAFF | {"carol"}),
    (
        "edit resident 1",
        lambda w: reverse("places:resident_edit", args=[w.resident1.pk]),
        {"alice", "bob", "carol"},
    ),
    (
        "edit resident 2",
        lambda w: reverse("places:resident_edit", args=[w.resident2.pk]),
        {"alice", "bob"},
    ),
    # pioneers
    ("pioneer list", lambda w: reverse("pioneers:appointment_list"), AREA_READERS),
    (
        "pioneer",
        lambda w: reverse("pioneers:appointment_detail", args=[w.pioneer.pk]),
        {"alice", "bob", "carol", "frank"},
    ),
    ("appoint pioneer", lambda w: reverse("pioneers:appointment_create"), STAFF),
    (
        "edit pioneer",
        lambda w: reverse("pioneers:appointment_edit", args=[w.pioneer.pk]),
        {"alice", "bob"},
    ),
    # pioneers: appointments and grids (helper A)
    (
        "appointment certificate",
        lambda w: reverse("pioneers:certificate", args=[w.pioneer.pk]),
        {"alice", "bob", "carol", "frank"},
    ),
    (
        "renew appointment",
        lambda w: reverse("pioneers:appointment_renew", args=[w.pioneer.pk]),
        {"alice", "bob"},
    ),
    (
        "end appointment",
        lambda w: reverse("pioneers:appointment_end", args=[w.pioneer.pk]),
        {"alice", "bob"},
    ),
    ("pioneer grids", lambda w: reverse("pioneers:grid_list"), AREA_READERS),
    (
        "carol's grid",
        lambda w: reverse("pioneers:grid_detail", args=[w.grid1.pk]),
        {"alice", "bob", "carol", "frank"},
    ),
    (
        "another grid of 和泰",
        lambda w: reverse("pioneers:grid_detail", args=[w.grid2.pk]),
        {"alice", "bob", "frank"},
    ),
    ("pioneer settings", lambda w: reverse("pioneers:settings"), STAFF),
    ("new duties template", lambda w: reverse("pioneers:template_create"), STAFF),
    # pioneers: points (积分)
    ("points accounts", lambda w: reverse("pioneers:points_home"), STAFF | {"frank"}),
    ("points items", lambda w: reverse("pioneers:points_items"), STAFF | {"frank"}),
    ("points rewards", lambda w: reverse("pioneers:points_rewards"), STAFF | {"frank"}),
    ("points redemptions", lambda w: reverse("pioneers:points_redemptions"), STAFF | {"frank"}),
    ("award points", lambda w: reverse("pioneers:points_award"), STAFF),
    ("new points item", lambda w: reverse("pioneers:points_item_create"), STAFF),
    ("new reward", lambda w: reverse("pioneers:points_reward_create"), STAFF),
    ("my points", lambda w: reverse("pioneers:my_points"), {"erin"}),
    # Peer inspections, rounds: the list opens to the staff side and leadership (not to a
    # pioneer); creating rounds and checklists to street staff only.
    ("inspection rounds", lambda w: reverse("inspections:round_list"), AREA_READERS - {"carol"}),
    ("new inspection round", lambda w: reverse("inspections:round_create"), {"alice"}),
    ("inspection checklists", lambda w: reverse("inspections:template_list"), {"alice"}),
    ("new inspection checklist", lambda w: reverse("inspections:template_create"), {"alice"}),
    # peer inspections: rectification and good practices (the pages without an object; a
    # finding's and a round's results are in genxi/inspections/tests/test_access.py)
    (
        "rectification",
        lambda w: reverse("inspections:rectify_list"),
        {"alice", "bob", "frank", "oscar"},
    ),
    (
        "good practices",
        lambda w: reverse("inspections:practice_list"),
        {"alice", "bob", "frank", "oscar"},
    ),
    # Pioneers' assessment (helper C): the ranking and its print view for staff and leadership,
    # the pioneer's own figures, one pioneer's figures in scope, the scheme for staff. (Rating
    # the grid's pioneer opens only to a resident whose grid has one: erin's has none.)
    (
        "assessment ranking",
        lambda w: reverse("pioneers:ranking"),
        {"alice", "bob", "frank", "oscar"},
    ),
    (
        "assessment print",
        lambda w: reverse("pioneers:ranking_print"),
        {"alice", "bob", "frank", "oscar"},
    ),
    ("my assessment", lambda w: reverse("pioneers:my_assessment"), {"carol"}),
    (
        "assessment detail",
        lambda w: reverse("pioneers:assessment_detail", args=[w.pioneer.pk]),
        {"alice", "bob", "carol", "frank"},
    ),
    ("assessment scheme", lambda w: reverse("pioneers:scheme"), STAFF),
    ("rate my pioneer", lambda w: reverse("pioneers:rate_my_pioneer"), set()),
    # pioneers: the visit plan and visits (helpers below: made on first use)
    ("my visit plan", lambda w: reverse("pioneers:my_plan"), {"carol"}),
    ("visit plans", lambda w: reverse("pioneers:plan_list"), {"alice", "bob", "frank", "oscar"}),
    (
        "visit plan",
        lambda w: reverse("pioneers:plan_detail", args=[_visit_plan(w)]),
        {"alice", "bob", "frank"},
    ),
    ("visits", lambda w: reverse("pioneers:visit_list"), AREA_READERS),
    (
        "record a visit",
        lambda w: reverse("pioneers:visit_create") + f"?area={w.building1.pk}&room=302",
        {"alice", "bob", "carol"},
    ),
    (
        "visit",
        lambda w: reverse("pioneers:visit_detail", args=[_visit(w)]),
        {"alice", "bob", "carol", "frank"},
    ),
    # dashboards (the chooser `dashboards:home` redirects, so it is not listed)
    (
        "street dashboard",
        lambda w: reverse("dashboards:area", args=[w.street.pk]),
        {"alice", "frank"},
    ),
    (
        "community dashboard",
        lambda w: reverse("dashboards:area", args=[w.hetai.pk]),
        {"alice", "bob", "frank"},
    ),
    (
        "a figure's records",
        lambda w: reverse("dashboards:rows", args=[w.street.pk, "demands.collected"]),
        {"alice", "frank"},
    ),
    (
        "dashboard export",
        lambda w: reverse("dashboards:export", args=[w.street.pk]),
        {"alice", "frank"},
    ),
    (
        "comparison",
        lambda w: reverse("dashboards:compare", args=[w.street.pk]),
        {"alice", "frank"},
    ),
    (
        "dashboard settings",
        lambda w: reverse("dashboards:settings", args=[w.street.pk]),
        {"alice", "frank"},
    ),
    (
        "street reports",
        lambda w: reverse("dashboards:reports", args=[w.street.pk]),
        {"alice", "frank"},
    ),
    (
        "community reports",
        lambda w: reverse("dashboards:reports", args=[w.hetai.pk]),
        {"alice", "bob", "frank"},
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "url", "allowed"), PAGES, ids=[p[0] for p in PAGES])
def test_page_matrix(
    world: World, client, name: str, url: Callable[[World], str], allowed: set[str]
) -> None:
    target = url(world)
    anonymous = client.get(target)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"], name
    results = {}
    for username in CAST:
        client.force_login(world[username])
        results[username] = client.get(target).status_code
    expected = {u: (200 if u in allowed else 404) for u in CAST}
    assert results == expected, name


@pytest.mark.django_db
def test_phone_reveal_matrix(world: World, client) -> None:
    target = reverse("places:resident_phone", args=[world.resident1.pk])
    results = {}
    for username in CAST:
        client.force_login(world[username])
        results[username] = client.post(target).status_code
    assert results == {u: (200 if u in {"alice", "bob", "carol"} else 404) for u in CAST}


@pytest.mark.django_db
def test_lists_hold_only_what_is_in_scope(world: World, client) -> None:
    expectations = {
        "alice": ({"周福珍", "许向前", "艾琳"}, {"高福妹"}),
        "carol": ({"周福珍"}, {"许向前", "艾琳", "高福妹"}),
        "oscar": ({"高福妹"}, {"周福珍", "许向前"}),
        "frank": ({"周福珍", "许向前"}, {"高福妹"}),
    }
    for username, (present, absent) in expectations.items():
        client.force_login(world[username])
        html = client.get(reverse("places:resident_list")).content.decode()
        for name in present:
            assert name in html, (username, name)
        for name in absent:
            assert name not in html, (username, name)


@pytest.mark.django_db
def test_navigation_shows_only_pages_the_user_opens(world: World, client) -> None:
    client.force_login(world["erin"])
    html = client.get(reverse("home:home")).content.decode()
    assert reverse("places:venue_list") in html
    for hidden in ("places:resident_list", "places:area_list", "pioneers:appointment_list"):
        assert reverse(hidden) not in html


def _visit_plan(w: World) -> int:
    """carol's plan for this month (the visit plan rows)."""
    from django.utils import timezone

    from genxi.pioneers.services.plans import plan_for

    return plan_for(w.pioneer, timezone.localdate()).pk


def _visit(w: World) -> int:
    """A visit carol made to 周福珍 today (the visit rows)."""
    from django.utils import timezone

    from genxi.demands.models import Visit
    from genxi.demands.services import record_visit

    found = Visit.objects.filter(pioneer=w["carol"]).first()
    if found is None:
        found = record_visit(
            actor=w["carol"],
            area=w.building1,
            room="302",
            visited_on=timezone.localdate(),
            met=[w.resident1],
        )
    return found.pk
