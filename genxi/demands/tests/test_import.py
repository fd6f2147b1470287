"""Excel in: every row checked, row-level errors in Chinese, all or nothing."""

import io
import json
import os
import subprocess
import sys
import time
import warnings
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from openpyxl import Workbook
from playwright.sync_api import expect

from genxi.conftest import PASSWORD, World
from genxi.core.models import AuditEntry
from genxi.demands import imports
from genxi.demands.models import Demand
from tests.browser import log_in, shot

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
    good = xlsx(
        [["长廊座椅不够", "出入口与通道", "和泰社区", "三花苑", "走访", "", "2026-11-02", ""]]
    )
    bad = xlsx([["", "出入口与通道", "和泰社区", "", "", "", "", ""]])
    log_in(page, live_server.url, "bob", PASSWORD)
    page.goto(f"{live_server.url}/demands/")
    page.click("text=导入 Excel")
    bomb = raw_xlsx({"A1": "标题", "B1": "分类", "XFD1048576": 1})
    page.set_input_files(
        "input[type=file]",
        files=[{"name": "台账.xlsx", "mimeType": "application/octet-stream", "buffer": bomb}],
    )
    page.click("button[type=submit]")
    expect(page.locator(".errors")).to_contain_text("最多可导入 100000 行、50 列")
    shot(page, "desk-import-too-large")
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


def raw_xlsx(cells: dict[str, object], references: bool = True) -> bytes:
    """A minimal .xlsx written by hand, with values at the given references: a few hundred bytes
    of XML, however far the cells are. Without `references`, a cell's column is given by the
    empty cells before it, as some writers do."""

    def cell(ref: str, value: object) -> str:
        column = "".join(ch for ch in ref if ch.isalpha())
        at = f' r="{ref}"' if references else ""
        before = "" if references else "<c/>" * (_column_number(column) - 1)
        if isinstance(value, str):
            return f'{before}<c{at} t="inlineStr"><is><t>{value}</t></is></c>'
        return f"{before}<c{at}><v>{value}</v></c>"

    rows: dict[int, list[str]] = {}
    for ref, value in cells.items():
        number = int("".join(ch for ch in ref if ch.isdigit()))
        rows.setdefault(number, []).append(cell(ref, value))
    data = "".join(f'<row r="{n}">{"".join(c)}</row>' for n, c in sorted(rows.items()))
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" Type="{rel}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
            '<sheet name="台账" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" Type="{rel}/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>',
        )
        z.writestr(
            "xl/worksheets/sheet1.xml",
            f'<worksheet xmlns="{main}"><dimension ref="A1"/><sheetData>{data}</sheetData>'
            "</worksheet>",
        )
    return out.getvalue()


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


MEASURE = """
import json, os, resource, sys, time
import django
django.setup()
from django.utils import translation
translation.activate("zh-hans")
from genxi.demands import imports
data = open(sys.argv[1], "rb").read()
# Without the limits calamine would ask for gigabytes: cap this process so that it fails fast
# instead of swapping the machine.
vm = int(next(line for line in open("/proc/self/status") if line.startswith("VmSize")).split()[1])
resource.setrlimit(resource.RLIMIT_AS, ((vm + 1024 * 1024) * 1024, resource.RLIM_INFINITY))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
try:
    imports.read_sheet(data)
    message = ""
except imports.ImportFileError as exc:
    message = str(exc)
seconds = time.perf_counter() - start
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(json.dumps({"message": message, "seconds": seconds, "grown_kb": grown}))
"""


@pytest.mark.parametrize(
    ("far", "references"), [("XFD1048576", True), ("CV1048576", True), ("CV1048576", False)]
)
def test_an_excel_bomb_is_refused_quickly_in_little_memory(
    far: str, references: bool, tmp_path: Path
) -> None:
    # One value at the sheet's last row (and, for XFD, its last column): calamine would build
    # the whole grid up to it, 512 GB or 3.4 GB.
    bomb = raw_xlsx({"A1": "标题", "B1": "分类", far: 1}, references=references)
    assert len(bomb) < 5000
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(bomb)
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "genxi.settings"},
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["seconds"] < 1
    assert result["grown_kb"] < 100 * 1024
    message = result["message"]
    assert "1048576" in message and "最多可导入 100000 行、50 列" in message, message


def test_a_file_beyond_the_limits_is_refused_with_them_and_not_kept(
    world: World, client, settings
) -> None:
    client.force_login(world["bob"])
    file = SimpleUploadedFile("台账.xlsx", raw_xlsx({"A1": "标题", "B1": "分类", "BA3": "x"}))
    html = client.post(reverse("demands:import"), {"file": file}).content.decode()
    assert "第 3 行、第 BA 列" in html and "最多可导入 100000 行、50 列" in html
    assert not list((Path(settings.MEDIA_ROOT) / "imports").glob("*"))
    settings.GENXI_IMPORT_MAX_ROWS = 1
    file = SimpleUploadedFile("台账.xlsx", raw_xlsx({"A1": "标题", "A2": "a", "A3": "b"}))
    html = client.post(reverse("demands:import"), {"file": file}).content.decode()
    assert "最多可导入 1 行、50 列" in html


@pytest.mark.parametrize(
    "trick",
    [
        # a zip bomb: 300 MB of zeros in 300 KB
        lambda z: z.writestr("xl/media/big.bin", b"\0" * (300 * 1024 * 1024)),
        # entities that expand without end
        lambda z: z.writestr(
            "xl/worksheets/sheet1.xml",
            '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]><worksheet><sheetData/></worksheet>',
        ),
    ],
)
def test_a_zip_bomb_or_a_dtd_is_refused(world: World, client, trick) -> None:
    client.force_login(world["bob"])
    out = io.BytesIO(raw_xlsx({"A1": "标题"}))
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as z, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a duplicate name, on purpose
        trick(z)
    start = time.perf_counter()
    with pytest.raises(imports.ImportFileError):
        imports.read_sheet(out.getvalue())
    assert time.perf_counter() - start < 1
    file = SimpleUploadedFile("台账.xlsx", out.getvalue())
    html = client.post(reverse("demands:import"), {"file": file}).content.decode()
    assert "不是普通的 Excel 文件" in html or "不是 Excel" in html


def test_errors_name_the_row_excel_shows(world: World, category, client) -> None:
    # Two blank rows (3 and 4) in the sheet, and the bad row at Excel's row 8.
    client.force_login(world["bob"])
    good: list[object] = ["长廊座椅不够", "出入口与通道", "和泰社区", "", "", "", "", ""]
    bad: list[object] = ["", "出入口与通道", "和泰社区", "", "", "", "", ""]
    token = upload(client, xlsx([good, [], [], good, good, good, bad]))
    html = confirm(client, token).content.decode()
    assert '<td class="num">8</td>' in html
    assert '<td class="num">6</td>' not in html


def test_the_file_is_read_once_and_its_token_expires(
    world: World, category, client, settings, monkeypatch
) -> None:
    client.force_login(world["bob"])
    row: list[object] = ["长廊座椅不够", "出入口与通道", "和泰社区", "", "", "", "", ""]
    first = upload(client, xlsx([row]))
    token = upload(client, xlsx([row, row]))
    folder = Path(settings.MEDIA_ROOT) / "imports"
    assert len(list(folder.glob("*"))) == 1  # the first, abandoned upload is gone
    assert "请重新上传" in confirm(client, first).content.decode()

    def no_second_read(*args: object) -> None:
        raise AssertionError("read again")

    monkeypatch.setattr(imports, "read_sheet", no_second_read)
    monkeypatch.setattr(imports, "CalamineWorkbook", None)
    html = confirm(client, token, title="").content.decode()  # a wrong mapping, then a retry
    assert "请为以下字段选择一列" in html
    (path,) = folder.glob("*")
    old = time.time() - imports.UPLOAD_TTL.total_seconds() - 60
    os.utime(path, (old, old))
    assert "请重新上传" in confirm(client, token).content.decode()  # expired
    assert not path.exists()
    assert not Demand.objects.exists()

    monkeypatch.undo()
    token = upload(client, xlsx([row]))
    (path,) = folder.glob("*")
    os.utime(path, (old, old))
    (folder / "1-abandoned.xlsx").write_bytes(b"x")  # left by an older version
    os.utime(folder / "1-abandoned.xlsx", (old, old))
    out = io.StringIO()
    call_command("clean_imports", stdout=out)
    assert "deleted 2" in out.getvalue()
    assert not list(folder.glob("*"))

    token = upload(client, xlsx([row]))
    assert confirm(client, token).status_code == 302
    assert not list(folder.glob("*"))  # imported: nothing kept


def test_a_date_outside_the_calendar_is_a_row_error_not_a_crash(
    world: World, category, client
) -> None:
    client.force_login(world["bob"])
    row: list[object] = ["长廊座椅不够", "出入口与通道", "和泰社区", "", "", "", "9999-12-31", ""]
    token = upload(client, xlsx([row, [*row[:6], "1900-01-01", ""]]))
    html = confirm(client, token).content.decode()
    assert "日期 9999-12-31 不在 2000-01-01 至今天之间" in html
    assert "日期 1900-01-01 不在" in html
    assert not Demand.objects.exists()
