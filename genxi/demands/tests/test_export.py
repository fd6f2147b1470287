"""The Excel ledger (台账) read back: every column staff hand in, as Excel sees it."""

import io
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from genxi.conftest import World
from genxi.demands import services
from genxi.demands.models import HandlingPath, Satisfaction
from genxi.demands.tests.conftest import collect

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")

HEADERS = [
    "查询码", "标题", "反映人", "地点", "来源渠道", "分类", "状态", "收集时间", "受理时间",
    "核实时间", "交办时间", "办结时间", "回访时间", "销号时间", "受理时限", "办结时限", "承办方",
    "核实情况", "办理结果", "回访满意度", "是否超时", "期限暂定", "详细情况",
]  # fmt: skip


def at(month: int, day: int, hour: int, minute: int = 0) -> Any:
    return time_machine.travel(datetime(2026, month, day, hour, minute, tzinfo=SH), tick=False)


def read(response: Any) -> Any:
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return book.active


def test_the_ledger_has_every_column_with_real_dates(world: World, category, client) -> None:
    """The 三花苑 gate through every step, at known times; a second demand raised for the
    whole compound, with a title that would be a formula, recorded in a year the working-day
    calendar does not know yet."""
    with at(11, 2, 9, 30):
        gate = collect(
            world,
            category,
            reporters=[world.resident1, world.resident2],
            channel="phone",
            today=date(2026, 11, 2),
        )
    with at(11, 2, 14):
        services.accept(actor=world["bob"], demand=gate)
    with at(11, 3, 10):
        services.verify(actor=world["bob"], demand=gate, findings="南门宽50厘米，电动车进不去")
    with at(11, 3, 11):
        services.assign(
            actor=world["bob"], demand=gate, path=HandlingPath.PARTNER, partner=world.partner
        )
    with at(11, 4, 9):
        services.start_handling(actor=world["dave"], demand=gate)
    with at(11, 6, 16):
        services.resolve(actor=world["dave"], demand=gate, result="南门拓宽至1.2米")
    with at(11, 9, 10):
        for resident, answer in [
            (world.resident1, Satisfaction.SATISFIED),
            (world.resident2, Satisfaction.BASICALLY),
        ]:
            services.record_callback(
                actor=world["bob"], demand=gate, resident=resident, result=answer
            )
    with at(11, 9, 15):
        services.close_out(actor=world["bob"], demand=gate)
    collect(
        world,
        category,
        title='=HYPERLINK("http://x")',
        area=world.compound,
        today=date(2040, 3, 1),
    )

    client.force_login(world["bob"])
    sheet = read(client.get(reverse("demands:demand_list"), {"format": "xlsx", "sort": "old"}))
    rows = list(sheet.iter_rows())
    assert [c.value for c in rows[0]] == HEADERS
    assert len(rows) == 3
    row = {title: cell for title, cell in zip(HEADERS, rows[1], strict=True)}
    text = {title: cell.value for title, cell in row.items()}
    assert text["查询码"] == gate.code
    assert text["反映人"] == "周福珍 138****5678；许向前 139****5678"  # masked as on the page
    assert text["地点"] == "和泰社区 › 三花苑 › 1幢"
    assert text["来源渠道"] == "电话"
    assert text["分类"] == "公共设施 › 出入口与通道"
    assert text["状态"] == "已销号"
    steps = {
        "收集时间": datetime(2026, 11, 2, 9, 30),
        "受理时间": datetime(2026, 11, 2, 14),
        "核实时间": datetime(2026, 11, 3, 10),
        "交办时间": datetime(2026, 11, 3, 11),
        "办结时间": datetime(2026, 11, 6, 16),
        "回访时间": datetime(2026, 11, 9, 10),
        "销号时间": datetime(2026, 11, 9, 15),
    }
    for title, when in steps.items():
        cell = row[title]
        # A real date: a number with a date format, in local time (openpyxl reads it back).
        assert cell.is_date and isinstance(cell.value, datetime), title
        assert cell.value == when, title
        assert cell.number_format == "yyyy-mm-dd hh:mm", title
    for title in ("受理时限", "办结时限"):
        assert row[title].is_date and row[title].number_format == "yyyy-mm-dd", title
    assert row["受理时限"].value == datetime(2026, 11, 3)
    assert text["承办方"] == "金阳宝地物业"
    assert text["核实情况"] == "南门宽50厘米，电动车进不去"
    assert text["办理结果"] == "南门拓宽至1.2米"
    assert text["回访满意度"] == "满意、基本满意"
    assert (text["是否超时"], text["期限暂定"]) == ("否", "否")

    later = {title: cell for title, cell in zip(HEADERS, rows[2], strict=True)}
    assert later["标题"].value == '=HYPERLINK("http://x")'
    assert later["标题"].data_type == "s"  # text, never a formula
    assert later["地点"].value == "和泰社区 › 三花苑"
    assert later["期限暂定"].value == "是"  # 2040's holidays are not known yet
    assert later["受理时间"].value is None and later["回访满意度"].value is None

    # Widths, a frozen header and an autofilter over every row.
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:W3"
    assert sheet.column_dimensions["B"].width > 20
    assert sheet.column_dimensions["D"].width > 30


def test_the_export_reads_a_few_queries_a_chunk_not_a_query_a_row(
    world: World, category, client, django_assert_max_num_queries
) -> None:
    for n in range(30):
        demand = collect(world, category, title=f"诉求{n}", reporters=[world.resident1])
        services.accept(actor=world["bob"], demand=demand)
        services.verify(actor=world["bob"], demand=demand, findings="属实")
    client.force_login(world["bob"])
    with django_assert_max_num_queries(16):
        response = client.get(reverse("demands:demand_list"), {"format": "xlsx"})
        rows = list(read(response).iter_rows(values_only=True))
    assert len(rows) == 31 and {r[17] for r in rows[1:]} == {"属实"}
