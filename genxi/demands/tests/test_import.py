"""Excel in: every row checked, row-level errors in Chinese, all or nothing."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from genxi.conftest import World
from genxi.demands.models import Demand

pytestmark = pytest.mark.django_db

HEADERS = ["诉求内容", "分类", "所属社区", "小区", "来源", "联系电话", "登记日期", "其他列"]


def xlsx(rows: list[list[object]], headers: list[str] = HEADERS) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("台账.xlsx", out.getvalue())


def upload(client, file) -> str:
    response = client.post(reverse("demands:import"), {"file": file})
    assert response.status_code == 200
    html = response.content.decode()
    return str(html.split('name="token" value="')[1].split('"')[0])


def confirm(client, token: str, **mapping):
    # The headers above are matched for the user: 诉求内容→title, 分类→category, 所属社区→community,
    # 小区→place, 来源→channel, 联系电话→phone, 登记日期→recorded_on.
    fields = {
        "title": 0,
        "category": 1,
        "community": 2,
        "place": 3,
        "channel": 4,
        "phone": 5,
        "recorded_on": 6,
    }
    return client.post(
        reverse("demands:import"),
        {"token": token, **{k: str(v) for k, v in {**fields, **mapping}.items()}},
    )


def test_a_clean_ledger_is_imported_whole(world: World, category, client) -> None:
    client.force_login(world["bob"])
    page = client.post(reverse("demands:import"), {"file": xlsx([])}).content.decode()
    assert "selected" in page  # the usual headers are matched
    token = upload(
        client,
        xlsx(
            [
                [
                    "长廊座椅不够",
                    "出入口与通道",
                    "和泰社区",
                    "三花苑",
                    "走访",
                    "138 1234 5678",
                    "2026-11-02",
                    "x",
                ],
                ["南门太窄", "出入口与通道", "和泰社区", "", "", "", None, ""],
            ]
        ),
    )
    response = confirm(client, token)
    assert response.status_code == 302
    assert Demand.objects.count() == 2
    seats = Demand.objects.get(title="长廊座椅不够")
    assert seats.area == world.compound and seats.channel == "visit"
    assert list(seats.reporters.values_list("resident__name", flat=True)) == ["周福珍"]
    assert seats.response_due.isoformat() == "2026-11-03"  # deadlines from the recorded date
    assert seats.street == world.street
    event = seats.events.get()  # the "collected" step the figures count, as a service writes it
    assert (event.kind, event.community, event.actor) == ("collected", world.hetai, world["bob"])
    from genxi.core.models import AuditEntry

    assert AuditEntry.objects.get(action="demand.imported").changes["demands"] == 2
    assert AuditEntry.objects.for_object(seats).get().action == "demand.create"  # its history


def test_only_residents_the_importer_may_see_become_reporters(
    world: World, category, client
) -> None:
    client.force_login(world["oscar"])  # 娄北's staff; 周福珍 (138 1234 5678) lives in 和泰
    token = upload(
        client, xlsx([["路灯不亮", "出入口与通道", "娄北社区", "", "", "13812345678", "", ""]])
    )
    html = confirm(client, token, place=7).content.decode()
    assert "辖区内没有号码为 13812345678 的居民" in html
    assert not Demand.objects.exists()


def test_one_bad_row_writes_nothing_and_says_what_to_fix(world: World, category, client) -> None:
    client.force_login(world["bob"])
    token = upload(
        client,
        xlsx(
            [
                ["长廊座椅不够", "出入口与通道", "和泰社区", "", "", "", "", ""],
                ["", "不存在的分类", "娄北社区", "", "飞鸽", "12345", "昨天", ""],
            ]
        ),
    )
    html = confirm(client, token).content.decode()
    assert "1 行需要更正" in html or "行需要更正" in html
    for fragment in ("标题为空", "不存在的分类", "娄北社区", "飞鸽", "12345", "昨天"):
        assert fragment in html, fragment
    assert not Demand.objects.exists()


def test_a_required_column_must_be_chosen(world: World, category, client) -> None:
    client.force_login(world["bob"])
    token = upload(client, xlsx([["a", "出入口与通道", "和泰社区", "", "", "", "", ""]]))
    response = client.post(
        reverse("demands:import"), {"token": token, "title": "0", "category": "1"}
    )
    assert "请为以下字段选择一列" in response.content.decode()
    assert not Demand.objects.exists()


@pytest.mark.parametrize(
    "file",
    [
        SimpleUploadedFile("a.xlsx", b"not a zip"),
        SimpleUploadedFile("a.csv", "标题,分类\n".encode()),
    ],
)
def test_a_malformed_file_is_a_clear_error(world: World, client, file) -> None:
    client.force_login(world["bob"])
    html = client.post(reverse("demands:import"), {"file": file}).content.decode()
    assert "不是 Excel" in html


def test_nobody_continues_someone_elses_upload(world: World, category, client) -> None:
    client.force_login(world["bob"])
    token = upload(client, xlsx([["a", "出入口与通道", "和泰社区", "", "", "", "", ""]]))
    client.force_login(world["alice"])
    html = confirm(client, token).content.decode()
    assert "请重新上传" in html
    assert not Demand.objects.exists()
    client.force_login(world["carol"])  # pioneers record one by one; they do not import
    assert client.get(reverse("demands:import")).status_code == 404


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_importing_a_ledger_in_the_browser(world: World, category, live_server, page) -> None:
    from playwright.sync_api import expect

    from genxi.browser import log_in, shot
    from genxi.conftest import PASSWORD

    good = xlsx(
        [["长廊座椅不够", "出入口与通道", "和泰社区", "三花苑", "走访", "", "2026-11-02", ""]]
    )
    bad = xlsx([["", "出入口与通道", "和泰社区", "", "", "", "", ""]])
    log_in(page, live_server.url, "bob", PASSWORD)
    page.goto(f"{live_server.url}/demands/")
    page.click("text=导入 Excel")
    page.set_input_files(
        "input[type=file]",
        files=[{"name": "台账.xlsx", "mimeType": "application/octet-stream", "buffer": bad.read()}],
    )
    page.click("button[type=submit]")
    page.click("text=检查并导入")
    expect(page.locator("table")).to_contain_text("标题为空")
    shot(page, "desk-import-errors")
    page.goto(f"{live_server.url}/demands/import/")
    page.set_input_files(
        "input[type=file]",
        files=[
            {"name": "台账.xlsx", "mimeType": "application/octet-stream", "buffer": good.read()}
        ],
    )
    page.click("button[type=submit]")
    expect(page.locator("select[name=title]")).to_have_value("0")  # matched from the header
    page.click("text=检查并导入")
    expect(page.locator(".messages")).to_contain_text("已导入 1 条诉求")
    expect(page.locator("#results")).to_contain_text("长廊座椅不够")
