"""Excel in: an existing ledger (台账) becomes demands, every row checked, all or nothing.

Staff upload an .xlsx, match its columns to Genxi's fields (headers with the usual names are
matched for them), and Genxi checks every row before writing any: a row-level list of errors in
Chinese, or every row recorded in one transaction. The write is the bulk form of
`services.collect_demand` (same fields, deadlines and "collected" event, without notifications:
these are past demands), so 100,000 rows take seconds, not the minutes one service call a row
would (bench/imports.py).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from python_calamine import CalamineWorkbook

from genxi.core.phones import normalize_phone
from genxi.demands.models import (
    Category,
    Channel,
    Demand,
    DemandEvent,
    DemandReporter,
    EventKind,
    Status,
)
from genxi.places.models import Area, AreaKind, Resident

MAX_ROWS = 100_000
MAX_BYTES = 20 * 1024 * 1024

# Genxi's fields, whether each is required, and the headers that usually name it.
FIELDS: dict[str, tuple[Any, bool, tuple[str, ...]]] = {
    "title": (gettext_lazy("Title"), True, ("标题", "诉求", "诉求内容", "问题", "反映问题")),
    "category": (gettext_lazy("Category"), True, ("分类", "类别", "诉求分类")),
    "community": (gettext_lazy("Community"), True, ("社区", "所属社区")),
    "place": (gettext_lazy("Place"), False, ("地点", "小区", "楼栋", "位置")),
    "channel": (gettext_lazy("Channel"), False, ("渠道", "来源", "来源渠道")),
    "phone": (gettext_lazy("Reporter's phone"), False, ("电话", "手机", "联系电话", "反映人电话")),
    "recorded_on": (gettext_lazy("Recorded on"), False, ("日期", "登记日期", "收集日期", "时间")),
    "description": (gettext_lazy("Details"), False, ("详情", "说明", "详细情况", "备注")),
}


class ImportFileError(Exception):
    """The file itself cannot be read; the message is for the person."""


@dataclass
class Sheet:
    headers: list[str]
    rows: list[list[Any]]


@dataclass
class Checked:
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (row number in Excel, message)


def read_sheet(data: bytes) -> Sheet:
    """The first sheet of an .xlsx (or .xls, .ods) file: its header row and its non-empty rows.

    Read with calamine (Rust), about ten times faster than openpyxl's read-only mode: 100,000
    rows in under a second (docs/benchmarks.md). Whole-number cells come back as int, so a
    phone number typed as a number reads as one.
    """
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("The file is larger than 20 MB. Split it into smaller files."))
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        values = book.get_sheet_by_index(0).iter_rows()
        header = next(values, None)
    except Exception as exc:  # calamine raises its own errors for a file it cannot read
        raise ImportFileError(
            _(
                "This is not an Excel (.xlsx) file, or it is damaged. "
                "Save it as .xlsx and try again."
            )
        ) from exc
    if not header or not any(v not in (None, "") for v in header):
        raise ImportFileError(_("The first sheet is empty: its first row should name the columns."))
    rows = []
    for row in values:
        if any(v not in (None, "") for v in row):
            rows.append([_plain(v) for v in row])
            if len(rows) > MAX_ROWS:
                raise ImportFileError(
                    _("The file has more than %(n)s rows. Split it into smaller files.")
                    % {"n": MAX_ROWS}
                )
    return Sheet([str(_plain(h)).strip() if h not in (None, "") else "" for h in header], rows)


def _plain(value: Any) -> Any:
    """A cell as the person sees it: 13812345678, not 13812345678.0."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def guess_mapping(headers: list[str]) -> dict[str, int | None]:
    guess: dict[str, int | None] = {}
    for name, (_label, _required, aliases) in FIELDS.items():
        guess[name] = next((i for i, h in enumerate(headers) if h in aliases), None)
    return guess


def check(
    sheet: Sheet, mapping: dict[str, int | None], *, communities: list[Area], residents: Any
) -> Checked:
    """Check every row against the places the user may record in and the residents they may
    see (`Resident.objects.visible_to(user)`); no writes."""
    result = Checked()
    by_name = {c.name: c for c in communities}
    categories: dict[str, list[Category]] = {}
    for category in Category.objects.active():
        categories.setdefault(category.name, []).append(category)
    places = {
        (a.parent_id, a.name): a
        for a in Area.objects.filter(
            parent__in=communities, kind__in=[AreaKind.COMPOUND, AreaKind.BUILDING]
        ).select_related("parent")
    }
    channels = {str(label): value for value, label in Channel.choices} | {
        v: v for v in Channel.values
    }

    def cell(row: list[Any], name: str) -> Any:
        index = mapping.get(name)
        return row[index] if index is not None and index < len(row) else None

    # Every number in the file, looked up in a few queries rather than one a row.
    phones: dict[str, str | None] = {}  # as written → normalised (None: not a number)
    for row in sheet.rows:
        text = str(cell(row, "phone") or "").strip()
        if text and text not in phones:
            try:
                phones[text] = normalize_phone(text)
            except ValidationError:
                phones[text] = None
    wanted = sorted({p for p in phones.values() if p})
    by_phone: dict[str, Resident] = {}
    for i in range(0, len(wanted), 5000):
        for person in residents.filter(phone__in=wanted[i : i + 5000]):
            by_phone[str(person.phone)] = person

    for number, row in enumerate(sheet.rows, start=2):
        problems: list[str] = []
        title = str(cell(row, "title") or "").strip()
        if not title:
            problems.append(_("the title is empty"))
        category_name = str(cell(row, "category") or "").strip()
        found = categories.get(category_name, [])
        if len(found) != 1:
            problems.append(
                _("no category is called “%(name)s”") % {"name": category_name}
                if not found
                else _("several categories are called “%(name)s”") % {"name": category_name}
            )
        community = by_name.get(str(cell(row, "community") or "").strip())
        if community is None:
            problems.append(
                _("“%(name)s” is not a community you may record in")
                % {"name": cell(row, "community") or ""}
            )
        area = community
        place_name = str(cell(row, "place") or "").strip()
        if community is not None and place_name:
            area = places.get((community.pk, place_name))
            if area is None:
                problems.append(
                    _("%(community)s has no compound or building “%(name)s”")
                    % {"community": community.name, "name": place_name}
                )
        channel_text = str(cell(row, "channel") or "").strip()
        channel = channels.get(channel_text or str(Channel.PHONE.label))
        if channel is None:
            problems.append(_("“%(name)s” is not a channel") % {"name": channel_text})
        reporters: list[Resident] = []
        phone_text = str(cell(row, "phone") or "").strip()
        if phone_text:
            normalised = phones[phone_text]
            if normalised is None:
                problems.append(_("“%(phone)s” is not a phone number") % {"phone": phone_text})
            else:
                found_resident = by_phone.get(normalised)
                if found_resident is None:
                    problems.append(
                        _(
                            "no resident of your communities has the number %(phone)s: "
                            "register them first"
                        )
                        % {"phone": phone_text}
                    )
                else:
                    reporters.append(found_resident)
        recorded = cell(row, "recorded_on")
        day: date | None = None
        if isinstance(recorded, datetime):
            day = recorded.date()
        elif isinstance(recorded, date):
            day = recorded
        elif recorded not in (None, ""):
            try:
                day = date.fromisoformat(str(recorded).strip()[:10])
            except ValueError:
                problems.append(_("“%(value)s” is not a date") % {"value": recorded})
        if problems:
            result.errors.append((number, "；".join(problems)))
            continue
        result.rows.append(
            {
                "title": title[:100],
                "category": found[0],
                "area": area,
                "channel": channel,
                "reporters": reporters,
                "description": str(cell(row, "description") or "").strip(),
                "today": day,
            }
        )
    return result


def write(*, actor: Any, rows: list[dict[str, Any]]) -> int:
    """Record every checked row, in one transaction: all or nothing. Returns how many.

    Rows go in as `services.collect_demand` would write them (the demand, its reporters, its
    "collected" event; deadlines from the recorded day) but by the generator's writer: COPY on
    PostgreSQL, executemany INSERT elsewhere, 5,000 demands at a time. Ids come from the
    table's sequence (PostgreSQL) or above the largest id inside the write transaction.
    """
    from django.contrib.contenttypes.models import ContentType
    from django.db import DEFAULT_DB_ALIAS, connection

    from genxi.core.audit import acting_user, log_action
    from genxi.core.models import AuditEntry
    from genxi.core.workdays import WorkCalendar
    from genxi.demands.generate import DEMAND_FIELDS, EVENT_FIELDS, REPORTER_FIELDS, _DemandWriter
    from genxi.demands.services import new_code

    user = acting_user(actor)
    calendar = WorkCalendar.load()
    deadlines: dict[tuple[date, int], Any] = {}

    def due(day: date, days: int) -> Any:
        if (day, days) not in deadlines:
            deadlines[(day, days)] = calendar.add_workdays(day, days)
        return deadlines[(day, days)]

    today = timezone.localdate()
    codes = _fresh_codes(len(rows), new_code)
    with transaction.atomic():
        w = _DemandWriter(connection, "auto", DEFAULT_DB_ALIAS)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # check keys per COPY
        ids = _take_ids(connection, len(rows))
        now = w.stamp(timezone.now())
        user_id = user.pk if user is not None else None
        demand_type = ContentType.objects.get_for_model(Demand).pk
        for start in range(0, len(rows), CHUNK):
            demands, reporters, events = [], [], []
            for pk, code, row in zip(
                ids[start : start + CHUNK],
                codes[start : start + CHUNK],
                rows[start : start + CHUNK],
                strict=True,
            ):
                category, area = row["category"], row["area"]
                # `check` offers only a community or a compound or building directly under it.
                community = area if area.kind == AreaKind.COMMUNITY else area.parent
                day = row["today"] or today
                response = due(day, category.response_days)
                resolution = due(day, category.resolution_days)
                people = list(dict.fromkeys(r.pk for r in row["reporters"]))
                demands.append(
                    (pk, code, row["title"], row["description"], category.pk, community.pk,
                     community.parent_id, area.pk, None, None, row["channel"], Status.COLLECTED,
                     "", None, user_id, None, None, None, None, None, None, None,
                     w.day(response.day), w.day(resolution.day),
                     response.provisional or resolution.provisional, None, 0, now, now)
                )  # fmt: skip
                reporters += [(pk, resident, now) for resident in people]
                data = {"channel": row["channel"], "reporters": len(people), "imported": True}
                events.append(
                    (pk, community.pk, EventKind.COLLECTED, user_id, now, "", Status.COLLECTED,
                     "", True, w.json(data))
                )  # fmt: skip
            w.write(Demand, DEMAND_FIELDS, demands)
            w.write(DemandReporter, REPORTER_FIELDS, reporters)
            w.write(DemandEvent, EVENT_FIELDS, events)
            # Each demand's own audit entry, as `create_object` writes it for one recorded by hand.
            w.write(
                AuditEntry,
                AUDIT_FIELDS,
                [
                    (user_id, "demand.create", demand_type, row[0], f"{row[1]} {row[2]}"[:200],
                     w.json({"imported": True}), now)
                    for row in demands
                ],
            )  # fmt: skip
        log_action(
            actor=actor,
            action="demand.imported",
            changes={"demands": len(rows), "codes": [codes[0], codes[-1]] if codes else []},
        )
    return len(rows)


CHUNK = 5000
AUDIT_FIELDS = ("actor_id", "action", "content_type_id", "object_id", "object_repr", "changes",
                "created_at")  # fmt: skip


def _take_ids(connection: Any, n: int) -> list[int]:
    """`n` fresh ids for demands: from the table's sequence on PostgreSQL (no lock needed), else
    above the largest (SQLite: the write transaction keeps other writers out)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [Demand._meta.db_table, n],
            )
            return [pk for (pk,) in cursor.fetchall()]
    from django.db.models import Max

    top = Demand.objects.aggregate(top=Max("pk"))["top"] or 0
    return list(range(top + 1, top + 1 + n))


def _fresh_codes(n: int, make: Any) -> list[str]:
    """`n` tracking codes, none already taken (by the file or by a stored demand)."""
    codes: list[str] = []
    seen: set[str] = set()
    while len(codes) < n:
        batch = [c for c in (make() for _ in range(min(5000, n - len(codes)))) if c not in seen]
        taken = set(Demand.objects.filter(code__in=batch).values_list("code", flat=True))
        for code in batch:
            if code not in taken and code not in seen:
                seen.add(code)
                codes.append(code)
    return codes
