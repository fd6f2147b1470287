"""Rosters, attendance and figures as Excel; the printable sign-in sheet and roster."""

import io
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from django.http import FileResponse
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from genxi.activities.models import (
    ActivityKind,
    Offering,
    RegistrationStatus,
    Session,
)
from genxi.activities.tests.test_figures import Season, build_season, register
from genxi.conftest import World
from genxi.core.models import AuditEntry


def sheet(response: Any) -> list[list[Any]]:
    assert isinstance(response, FileResponse)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


def roster_url(season: Season, offering: Offering) -> str:
    return reverse("activities:roster_export", args=[offering.activity_id, offering.pk])


def test_the_roster_of_a_session_in_full_for_the_staff_who_run_it(
    world: World, client: Client
) -> None:
    season = build_season(world)
    client.force_login(world["bob"])
    rows = sheet(client.get(roster_url(season, season.lecture_offering)))
    assert rows[0][:8] == [
        "姓名",
        "电话",
        "户（住址）",
        "社区",
        "状态",
        "座位号",
        "工作人员代报",
        "签到码",
    ]
    people = {row[0]: row for row in rows[1:]}
    assert list(people) == [
        "周福珍",
        "许向前",
        "路过的王阿姨",
    ]  # seat order; the cancelled left out
    confirmed = str(RegistrationStatus.CONFIRMED.label)
    assert people["周福珍"][1:7] == [
        "13812345678",
        "三花苑1幢302",
        "和泰社区",
        confirmed,
        "1",
        "否",
    ]
    assert people["路过的王阿姨"][1] == "13700001111"
    assert people["路过的王阿姨"][6] == "是"
    assert people["路过的王阿姨"][7] == season.walk_in.code
    entry = AuditEntry.objects.get(action="activity.roster_export")
    assert entry.actor == world["bob"] and entry.changes == {"rows": 3}


def test_leadership_gets_the_roster_with_masked_phones(world: World, client: Client) -> None:
    season = build_season(world)
    client.force_login(world["frank"])
    rows = sheet(client.get(roster_url(season, season.lecture_offering)))
    assert [row[1] for row in rows[1:]] == ["138****5678", "139****5678", "137****1111"]


def test_a_person_from_another_street_is_masked_even_for_the_street(
    world: World, client: Client
) -> None:
    season = build_season(world)
    client.force_login(world["alice"])
    rows = sheet(client.get(roster_url(season, season.term_offering)))
    assert {row[0]: row[1] for row in rows[1:]} == {
        "周福珍": "13812345678",
        "高福妹": "150****5678",
    }


def test_a_roster_outside_the_scope_is_not_found(world: World, client: Client) -> None:
    season = build_season(world)
    for name in ("oscar", "erin", "nobody"):
        client.force_login(world[name])
        assert client.get(roster_url(season, season.lecture_offering)).status_code == 404
    client.force_login(world["bob"])  # 宝祥's class is not 和泰's
    assert client.get(roster_url(season, season.term_offering)).status_code == 404
    # An offering of another activity under this activity's address.
    url = reverse("activities:roster_export", args=[season.lecture.pk, season.slot_offering.pk])
    assert client.get(url).status_code == 404
    assert not AuditEntry.objects.filter(action="activity.roster_export").exists()


def test_a_terms_attendance_is_a_grid_of_students_and_sessions(
    world: World, client: Client
) -> None:
    season = build_season(world)
    client.force_login(world["alice"])
    url = reverse("activities:attendance_export", args=[season.course.pk])
    # Read before the term's last session (2027-01-10): the rate is over the sessions held.
    with time_machine.travel(datetime(2026, 12, 4, 10, tzinfo=ZoneInfo("Asia/Shanghai"))):
        rows = sheet(client.get(url, {"offering": season.term_offering.pk}))
    assert rows[0] == ["姓名", "电话", "10-20", "11-03", "01-10", "已签到", "出勤率"]
    assert rows[1] == ["周福珍", "13812345678", "✓", "✓", None, "2", "100%"]
    assert rows[2] == ["高福妹", "150****5678", "✓", None, None, "1", "50%"]


def test_an_activitys_attendance_is_a_flat_list(world: World, client: Client) -> None:
    season = build_season(world)
    client.force_login(world["bob"])
    rows = sheet(client.get(reverse("activities:attendance_export", args=[season.lecture.pk])))
    assert rows[0][:4] == ["场次", "姓名", "电话", "座位号"]
    assert [(row[1], row[2], row[3]) for row in rows[1:]] == [
        ("周福珍", "13812345678", "1"),
        ("路过的王阿姨", "13700001111", "3"),
    ]
    assert rows[1][4] is not None  # the check-in time, as an Excel date
    assert AuditEntry.objects.filter(action="activity.attendance_export").count() == 1


def test_the_figures_tables_as_excel(world: World, client: Client) -> None:
    build_season(world)
    client.force_login(world["frank"])
    response = client.get(
        reverse("activities:figures"), {"period": "quarter", "quarter": "2026-Q4", "format": "xlsx"}
    )
    rows = sheet(response)
    assert rows[0][0] == "分组方式"
    assert rows[1] == ["合计", "2026-10-01～2026-12-31", "3", "4", "6", "4", "9", "3", "42", "2.5"]
    groups = [(row[0], row[1]) for row in rows[2:]]
    assert groups == [
        ("类型", str(ActivityKind.LECTURE.label)),
        ("类型", str(ActivityKind.CLASS.label)),
        ("类型", str(ActivityKind.FAIR.label)),
        ("社区", "和泰社区"),
        ("社区", "宝祥社区"),
        ("月份", "2026-10"),
        ("月份", "2026-11"),
        ("月份", "2026-12"),
    ]
    assert AuditEntry.objects.filter(
        action="activity.figures_export", actor=world["frank"]
    ).exists()


# Printables.


def test_the_sign_in_sheet_lists_the_registered_and_leaves_lines_for_walk_ins(
    world: World, client: Client
) -> None:
    season = build_season(world)
    client.force_login(world["carol"])  # a pioneer at the door
    url = reverse("activities:sign_in_sheet", args=[season.lecture.pk, season.lecture_session.pk])
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.index("周福珍") < body.index("许向前") < body.index("路过的王阿姨")
    assert "艾琳" not in body  # cancelled
    assert "138****5678" in body and "13812345678" not in body
    assert body.count('class="walk-in"') == 8
    assert "签到表" in body and "三花半月谈长廊" in body and "签名" in body


def test_a_long_sign_in_sheet_runs_over_pages_of_25(world: World, client: Client) -> None:
    season = build_season(world)
    offering = season.lecture_offering
    offering.capacity = 60
    offering.save()
    for n in range(4, 41):
        register(offering, f"居民{n}", phone=f"1370000{n:04d}", seat=n)
    client.force_login(world["bob"])
    url = reverse("activities:sign_in_sheet", args=[season.lecture.pk, season.lecture_session.pk])
    body = client.get(url).content.decode()
    # 40 registered and 8 blank lines: 48 rows on 2 pages, each with its header.
    assert body.count('class="sheet-page"') == 2
    assert body.count("<h1>") == 2
    assert "第 1 页，共 2 页" in body and "第 2 页，共 2 页" in body
    assert body.index("居民25") < body.index("第 1 页") < body.index("居民26")


def test_a_terms_sign_in_sheet_lists_its_students(world: World, client: Client) -> None:
    season = build_season(world)
    client.force_login(world["alice"])
    session: Session = season.term_sessions[1]
    body = client.get(
        reverse("activities:sign_in_sheet", args=[season.course.pk, session.pk])
    ).content.decode()
    assert "周福珍" in body and "高福妹" in body


def test_the_printable_roster_is_for_those_who_run_the_activity(
    world: World, client: Client
) -> None:
    season = build_season(world)
    url = reverse("activities:roster_print", args=[season.lecture.pk, season.lecture_offering.pk])
    client.force_login(world["bob"])
    body = client.get(url).content.decode()
    assert "13812345678" in body and "三花苑1幢302" in body and "名单" in body
    for name in ("carol", "frank", "oscar"):
        client.force_login(world[name])
        assert client.get(url).status_code == 404, name
    sheet_url = reverse(
        "activities:sign_in_sheet", args=[season.lecture.pk, season.lecture_session.pk]
    )
    for name in ("frank", "oscar", "erin"):
        client.force_login(world[name])
        assert client.get(sheet_url).status_code == 404, name


def test_the_activity_figures_page(world: World, client: Client) -> None:
    season = build_season(world)
    client.force_login(world["bob"])
    body = client.get(reverse("activities:activity_figures", args=[season.fair.pk])).content
    text = body.decode()
    assert "磨刀" in text and "<td>42</td>" in text and "量血压" in text
    sheet_url = reverse("activities:sign_in_sheet", args=[season.fair.pk, season.fair_session.pk])
    assert sheet_url in text
    client.force_login(world["frank"])  # leadership reads the figures, prints nothing
    text = client.get(
        reverse("activities:activity_figures", args=[season.lecture.pk])
    ).content.decode()
    # a lecture has no stalls (and a bare "42" could sit in the CSRF token)
    assert 'data-table="stalls"' not in text and "<td>42</td>" not in text
    assert sheet_url not in text
    assert (
        reverse("activities:roster_export", args=[season.lecture.pk, season.lecture_offering.pk])
        in text
    )
    client.force_login(world["carol"])
    assert (
        client.get(reverse("activities:activity_figures", args=[season.fair.pk])).status_code == 200
    )
    client.force_login(world["erin"])
    assert (
        client.get(reverse("activities:activity_figures", args=[season.fair.pk])).status_code == 404
    )
