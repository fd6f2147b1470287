from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from genxi.conftest import World
from genxi.demands.models import Demand, Status
from genxi.triage import topics as topics_module
from genxi.triage.tests.test_services import record
from genxi.triage.topics import Row, cluster, summarise

START = date(2026, 11, 1)


def row(pk: int, title: str, category: str = "公共设施", place: int = 1, day: int = 0) -> Row:
    at = datetime(2026, 11, 1, 9, tzinfo=timezone.get_current_timezone()) + timedelta(days=day)
    return Row(pk, title, category, place, f"小区{place}", at)


def test_alike_titles_in_one_compound_are_one_topic() -> None:
    rows = [
        row(1, "三花苑凉亭顶棚破了"),
        row(2, "凉亭顶棚漏雨"),
        row(3, "三花苑的凉亭破损严重"),
        row(4, "凉亭顶棚破了", place=2),  # another compound, other words: its own
        row(5, "路灯不亮"),  # same compound, other thing
        row(6, "三花苑凉亭顶棚破了", category="安全隐患"),  # another category
        row(7, "楼道灯坏了", place=3),
        row(8, "楼道灯坏了", place=4),  # the same words anywhere: one topic
    ]
    groups = [sorted(rows[i].pk for i in g) for g in cluster(rows)]
    assert groups == [[1, 2, 3], [7, 8]]


def test_topics_are_the_same_in_blocks_of_one_row(monkeypatch: pytest.MonkeyPatch) -> None:
    """The similarity product is worked out a block at a time and the topics joined block by
    block: a topic whose pairs lie in different blocks (1–3 here: 1 and 3 only meet through 2)
    is still one."""
    rows = [
        row(1, "三花苑凉亭顶棚破了"),
        row(2, "凉亭顶棚漏雨"),
        row(9, "路灯不亮", place=5),
        row(3, "三花苑的凉亭破损严重"),
        row(7, "楼道灯坏了", place=3),
        row(4, "凉亭顶棚破了", place=2),
        row(8, "楼道灯坏了", place=4),
        row(10, "路灯不亮", place=6),
    ]
    whole = [sorted(rows[i].pk for i in g) for g in cluster(rows)]
    monkeypatch.setattr(topics_module, "BLOCK_CELLS", 1)  # one row per block
    assert [sorted(rows[i].pk for i in g) for g in cluster(rows)] == whole
    assert whole == [[1, 2, 3], [9, 10], [7, 8]]


def test_summary_counts_trends_and_needs() -> None:
    rows = [row(i, "凉亭顶棚破了", day=20 + i % 5) for i in range(6)]
    rows += [row(10 + i, "电梯坏了", category="房屋维修", place=2, day=i) for i in range(4)]
    rows += [row(20, "想学剪纸", category="文化活动", place=3, day=3)]
    rows += [row(30 + i, f"第{i}件别的事{'甲乙丙丁戊己庚辛'[i]}", category="其他", place=9 + i)
             for i in range(8)]  # fmt: skip
    summary = summarise(rows, start=START, end=START + timedelta(days=29))
    first, second = summary.topics[:2]
    assert (first.size, first.trend, first.category) == (6, "rising", "公共设施")
    assert first.examples == ["凉亭顶棚破了"]
    assert sum(first.weekly) == 6 and len(first.weekly) == 5
    assert first.spark[0] == (0, 0) and max(h for _n, h in first.spark) == 100
    assert (second.size, second.trend) == (4, "falling")
    assert summary.total == 19
    assert [n.category for n in summary.frequent][:2] == ["其他", "公共设施"]
    assert [n.category for n in summary.rare] == ["文化活动"]
    assert summary.rare[0].example == "想学剪纸"


def test_topics_on_the_community_page(world: World, topics, client) -> None:
    for title in ["凉亭顶棚破了", "三花苑凉亭顶棚漏雨", "凉亭顶棚破损"]:
        record(world, topics["绿化养护"], title)
    gone = record(world, topics["绿化养护"], "凉亭顶棚破了")
    Demand.objects.filter(pk=gone.pk).update(status=Status.WITHDRAWN)
    client.force_login(world["bob"])
    url = reverse("triage:topics")
    html = client.get(url, {"area": world.hetai.pk}).content.decode()
    assert "热点话题" in html and "3 条诉求" in html and "三花苑 3" in html
    assert "高频需求" in html and "绿化养护" in html
    assert client.get(url, {"area": world.hetai.pk, "days": 365}).status_code == 200
    assert client.get(url, {"area": world.loubei.pk}).status_code == 404
    client.force_login(world["carol"])  # pioneers see no figures
    assert client.get(url, {"area": world.hetai.pk}).status_code == 404
    client.force_login(world["alice"])
    assert "3 条诉求" in client.get(url, {"area": world.street.pk}).content.decode()
