"""The comparison: the score's arithmetic (weights, spreading, counts against the best, the tie
rule, the change of rank) and the page (who opens it, the table, the chart's data, Excel)."""

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from genxi.accounts.models import User
from genxi.conftest import World
from genxi.core.models import AuditEntry
from genxi.dashboards import ranking
from genxi.dashboards.periods import Period
from genxi.dashboards.registry import Value
from genxi.dashboards.tests import test_compare_fakes as fakes
from genxi.places.models import Area


@pytest.fixture
def fake_panels() -> Iterator[dict[Any, Any]]:
    yield from fakes.installed()


RATES = ("demands.response_rate", "demands.resolution_rate", "demands.satisfaction_rate")
NOV, OCT = date(2026, 11, 1), date(2026, 10, 1)
TODAY = date(2026, 11, 20)


def rates(a: tuple[int, int], b: tuple[int, int], c: tuple[int, int]) -> dict[str, Value]:
    return {k: Value(n, d) for k, (n, d) in zip(RATES, (a, b, c), strict=True)}


def place(name: str, pk: int) -> Area:
    return Area(pk=pk, name=name, kind="community")


def test_weights_make_the_score(fake_panels: Any) -> None:
    rows = ranking.score(
        [
            (place("甲社区", 1), rates((90, 100), (80, 100), (70, 100))),
            (place("乙社区", 2), rates((100, 100), (50, 100), (100, 100))),
        ],
        ranking.DEFAULT_WEIGHTS,
    )
    assert [(r.area.name, r.score, r.rank) for r in rows] == [
        ("乙社区", 82.5, 1),
        ("甲社区", 79.5, 2),
    ]
    assert rows[1].items == {RATES[0]: 90.0, RATES[1]: 80.0, RATES[2]: 70.0}


def test_a_rate_without_records_spreads_its_weight(fake_panels: Any) -> None:
    (row,) = ranking.score(
        [(place("甲社区", 1), rates((90, 100), (80, 100), (0, 0)))], ranking.DEFAULT_WEIGHTS
    )
    # (30 × 90 + 35 × 80) / 65
    assert row.score == 84.6 and row.spread and row.items[RATES[2]] is None


def test_nothing_to_score_ranks_last(fake_panels: Any) -> None:
    rows = ranking.score(
        [
            (place("甲社区", 1), rates((0, 0), (0, 0), (0, 0))),
            (place("乙社区", 2), rates((1, 100), (1, 100), (1, 100))),
        ],
        ranking.DEFAULT_WEIGHTS,
    )
    assert [(r.area.name, r.score) for r in rows] == [("乙社区", 1.0), ("甲社区", None)]


def test_counts_and_money_score_against_the_best(fake_panels: Any) -> None:
    weights = [("fake.collected", 50), ("fake.overdue", 30), ("fake.paid", 20)]
    rows = ranking.score(
        [
            (
                place("甲", 1),
                {
                    "fake.collected": Value(10),
                    "fake.overdue": Value(0),
                    "fake.paid": Value(Decimal("500.00")),
                },
            ),
            (
                place("乙", 2),
                {
                    "fake.collected": Value(5),
                    "fake.overdue": Value(4),
                    "fake.paid": Value(Decimal("1000.00")),
                },
            ),
            (
                place("丙", 3),
                {
                    "fake.collected": Value(0),
                    "fake.overdue": Value(2),
                    "fake.paid": Value(Decimal("0.00")),
                },
            ),
        ],
        weights,
    )
    by = {r.area.name: r for r in rows}
    assert by["甲"].items == {"fake.collected": 100.0, "fake.overdue": 100.0, "fake.paid": 50.0}
    # fewer overdue is better: the best (0) ÷ 4 → 0
    assert by["乙"].items == {"fake.collected": 50.0, "fake.overdue": 0.0, "fake.paid": 100.0}
    assert by["甲"].score == 90.0 and by["乙"].score == 45.0 and by["丙"].score == 0.0
    assert [r.area.name for r in rows] == ["甲", "乙", "丙"]


def test_lower_is_better_when_the_best_is_not_zero(fake_panels: Any) -> None:
    rows = ranking.score(
        [
            (place("甲", 1), {"fake.overdue": Value(2)}),
            (place("乙", 2), {"fake.overdue": Value(8)}),
        ],
        [("fake.overdue", 100)],
    )
    assert [(r.area.name, r.score) for r in rows] == [("甲", 100.0), ("乙", 25.0)]


def test_ties_go_to_the_heaviest_item_first(fake_panels: Any) -> None:
    # Both score 80.0; 解决率 (35, listed before 满意率's 35) decides.
    rows = ranking.score(
        [
            (place("乙社区", 2), rates((80, 100), (70, 100), (90, 100))),
            (place("甲社区", 1), rates((80, 100), (90, 100), (70, 100))),
        ],
        ranking.DEFAULT_WEIGHTS,
    )
    assert [(r.area.name, r.score) for r in rows] == [("甲社区", 80.0), ("乙社区", 80.0)]


def test_then_more_records_then_the_name(fake_panels: Any) -> None:
    rows = ranking.score(
        [
            (place("丙社区", 3), rates((9, 10), (9, 10), (9, 10))),
            (place("乙社区", 2), rates((18, 20), (18, 20), (18, 20))),
            (place("甲社区", 1), rates((9, 10), (9, 10), (9, 10))),
        ],
        ranking.DEFAULT_WEIGHTS,
    )
    assert [r.area.name for r in rows] == ["乙社区", "丙社区", "甲社区"]
    assert [r.records for r in rows] == [60, 30, 30]
    # the name in character order: 丙 (U+4E19) before 甲 (U+7532)
    assert [r.rank for r in rows] == [1, 2, 3]


def test_the_previous_period() -> None:
    to_date = Period("month", date(2026, 12, 1), date(2026, 12, 5))
    assert ranking.previous(to_date, date(2026, 12, 5)) == Period(
        "month", date(2026, 11, 1), date(2026, 11, 5)
    )
    whole_feb = Period("month", date(2026, 2, 1), date(2026, 2, 28))
    assert ranking.previous(whole_feb, TODAY) == Period(
        "month", date(2026, 1, 1), date(2026, 1, 31)
    )
    march_31 = Period("month", date(2026, 3, 1), date(2026, 3, 31))
    assert ranking.previous(march_31, TODAY).end == date(2026, 2, 28)
    quarter = Period("quarter", date(2026, 10, 1), date(2026, 11, 20))
    assert ranking.previous(quarter, TODAY) == Period(
        "quarter", date(2026, 7, 1), date(2026, 8, 20)
    )


def test_the_change_of_rank(world: World, fake_panels: Any) -> None:
    fake_panels[("和泰社区", NOV)] = rates((9, 10), (9, 10), (9, 10))
    fake_panels[("宝祥社区", NOV)] = rates((5, 10), (5, 10), (5, 10))
    fake_panels[("和泰社区", OCT)] = rates((1, 10), (1, 10), (1, 10))
    fake_panels[("宝祥社区", OCT)] = rates((8, 10), (8, 10), (8, 10))
    rows, before = ranking.compare(world.street, Period("month", NOV, TODAY), TODAY)
    assert before == Period("month", OCT, date(2026, 10, 20))
    assert [(r.area.name, r.rank, r.previous_rank, r.arrow) for r in rows] == [
        ("和泰社区", 1, 2, "↑1"),
        ("宝祥社区", 2, 1, "↓1"),
    ]
    assert rows[0].score_change == 80.0 and rows[1].score_change == -30.0


def test_saved_weights_are_used(world: World, fake_panels: Any) -> None:
    from genxi.dashboards.services import save_settings

    save_settings(
        actor=world["alice"],
        area=world.street,
        weights=[("fake.collected", 100)],
        public=False,
        public_figures=[],
    )
    assert ranking.weights_for(world.street) == [("fake.collected", 100)]
    assert ranking.weights_for(world.other_street) == ranking.DEFAULT_WEIGHTS


# ---------------------------------------------------------------- the page


def client_of(name: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=name))
    return client


@pytest.fixture
def november() -> Any:
    with time_machine.travel("2026-11-20 10:00 +0800", tick=False):
        yield


def test_frank_compares_the_street(world: World, fake_panels: Any, november: None) -> None:
    fake_panels[("和泰社区", NOV)] = rates((9, 10), (9, 10), (9, 10)) | {"fake.collected": Value(7)}
    fake_panels[("宝祥社区", NOV)] = rates((5, 10), (5, 10), (5, 10)) | {"fake.collected": Value(3)}
    url = reverse("dashboards:compare", args=[world.street.pk])
    page = client_of("frank").get(url + "?shown=1&figures=fake.collected&period=month")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index("和泰社区") < html.index("宝祥社区")
    assert 'data-cell="fake.collected"' in html and "90.0" in html and "(9/10)" in html
    assert str(ranking.TIE_RULE) in html and 'id="compare-data"' in html
    assert "<script>" not in html  # CSP: no inline script
    assert page.context["chart"] == {
        "names": ["和泰社区", "宝祥社区"],
        "scores": [90.0, 50.0],
        "label": page.context["chart"]["label"],
    }


def test_a_picked_month(world: World, fake_panels: Any, november: None) -> None:
    fake_panels[("宝祥社区", OCT)] = rates((5, 10), (5, 10), (5, 10))
    url = reverse("dashboards:compare", args=[world.street.pk])
    page = client_of("alice").get(url + "?period=2026-10")
    assert page.context["period"] == Period("month", OCT, date(2026, 10, 31))
    assert page.context["table"][0]["row"].area.name == "宝祥社区"
    future = client_of("alice").get(url + "?period=2027-01")
    assert future.context["period"] == Period("month", NOV, TODAY)


def test_the_excel_export(world: World, fake_panels: Any, november: None) -> None:
    url = reverse("dashboards:compare", args=[world.street.pk])
    answer = client_of("frank").get(url + "?format=xlsx")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/vnd.openxmlformats")
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(b"".join(answer.streaming_content))).active
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[0][:4] == ["名次", "变化", "名称", "得分"]
    assert {cells[1][2], cells[2][2]} == {"和泰社区", "宝祥社区"}
    logged = AuditEntry.objects.get(action="dashboards.compare_export")
    assert logged.actor == world["frank"] and logged.changes["rows"] == 2


@pytest.mark.parametrize("name", ["bob", "oscar", "nobody", "erin"])
def test_others_get_404(world: World, fake_panels: Any, name: str) -> None:
    url = reverse("dashboards:compare", args=[world.street.pk])
    assert client_of(name).get(url).status_code == 404


def test_a_community_or_another_street_is_404(world: World, fake_panels: Any) -> None:
    alice = client_of("alice")
    assert alice.get(reverse("dashboards:compare", args=[world.hetai.pk])).status_code == 404
    assert alice.get(reverse("dashboards:compare", args=[world.other_street.pk])).status_code == 404


def test_anonymous_is_sent_to_log_in(world: World) -> None:
    answer = Client().get(reverse("dashboards:compare", args=[world.street.pk]))
    assert answer.status_code == 302


def test_scores_round_half_up(fake_panels: Any) -> None:
    (row,) = ranking.score(
        [(place("甲社区", 1), rates((18, 20), (16, 20), (3, 4)))], ranking.DEFAULT_WEIGHTS
    )
    assert row.score == 81.3  # 27 + 28 + 26.25 = 81.25


def test_a_district_compares_its_streets(world: World, fake_panels: Any, november: None) -> None:
    from genxi.accounts.models import Role
    from genxi.accounts.services import create_user, grant_membership

    district = world.street.parent
    assert district is not None
    lead = create_user(actor=None, username="lead", password="x-horse-42", name="区领导")
    grant_membership(actor=None, user=lead, role=Role.LEADERSHIP, area=district)
    fake_panels[("白洋湾街道", NOV)] = rates((9, 10), (9, 10), (9, 10))
    client = Client()
    client.force_login(lead)
    page = client.get(reverse("dashboards:compare", args=[district.pk]))
    assert page.status_code == 200
    assert [line["row"].area.name for line in page.context["table"]] == ["白洋湾街道"]
    assert not page.context["can_edit_settings"]  # a district has no settings page
    assert client.get(reverse("dashboards:settings", args=[district.pk])).status_code == 404
    # frank's role is the street's: the district is not his to compare
    assert (
        client_of("frank").get(reverse("dashboards:compare", args=[district.pk])).status_code == 404
    )


def test_values_kept_as_decimals_show_as_whole_numbers(fake_panels: Any) -> None:
    from genxi.dashboards import registry
    from genxi.dashboards.views.compare import _of

    rate = registry.figure("demands.response_rate")
    assert _of(rate, Value(Decimal("18.00"), Decimal("20.00"))) == "18/20"
    assert ranking.formatted(registry.figure("fake.collected"), Value(Decimal("12.00"))) == "12"
    assert ranking.formatted(rate, Value(Decimal("18.00"), Decimal("20.00"))) == "90.0%"


def test_who_sees_the_link_to_the_comparison(world: World) -> None:
    from genxi.dashboards.views.compare import can_compare

    assert can_compare(world["alice"], world.street) and can_compare(world["frank"], world.street)
    assert not can_compare(world["alice"], world.hetai)
    assert not can_compare(world["bob"], world.street) and not can_compare(
        world["bob"], world.hetai
    )
    assert not can_compare(world["oscar"], world.other_street)
