"""Excel in: an existing ledger (台账) becomes demands, every row checked, all or nothing.

Staff upload an .xlsx, match its columns to Genxi's fields (headers with the usual names are
matched for them), and Genxi checks every row before writing any: a row-level list of errors in
Chinese, or every row recorded in one transaction. The write is the bulk form of
`services.collect_demand` (same fields, deadlines and "collected" event, without notifications:
these are past demands), so 100,000 rows take seconds, not the minutes one service call a row
would (bench/imports.py).
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import time
import uuid
import xml.parsers.expat
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path
from typing import Any
from xml.etree import ElementTree
from xml.parsers.expat import ExpatError

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from python_calamine import CalamineWorkbook

from genxi.core.audit import Actor, acting_user, log_action
from genxi.core.bulk import BulkWriter
from genxi.core.models import AuditEntry
from genxi.core.phones import normalize_phone
from genxi.demands.intake import (
    DEMAND_FIELDS,
    EVENT_FIELDS,
    REPORTER_FIELDS,
    DeadlineCounter,
    DemandRow,
    EventRow,
    ReporterRow,
    collected_rows,
)
from genxi.demands.models import (
    Category,
    Channel,
    Demand,
    DemandEvent,
    DemandReporter,
)
from genxi.demands.services import new_code
from genxi.places.models import Area, AreaKind, Resident

MAX_BYTES = 20 * 1024 * 1024
EARLIEST = date(2000, 1, 1)  # the oldest recorded date a ledger row may carry

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
    numbers: list[int] = field(default_factory=list)  # each row's number in Excel


@dataclass
class Checked:
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (row number in Excel, message)


def read_sheet(data: bytes) -> Sheet:
    """The first sheet of an .xlsx file: its header row and its non-empty rows, each with the row
    number Excel shows.

    Read with calamine (Rust), about ten times faster than openpyxl's read-only mode: 100,000
    rows in under a second (docs/benchmarks.md). Whole-number cells come back as int, so a
    phone number typed as a number reads as one. Calamine builds the whole grid from the top
    left corner to the farthest cell holding a value, so `check_extent` measures the file first
    (the zip's members and the sheet's cells, streamed) and refuses one whose grid would be too
    large: a 5 KB file with one value at XFD1048576 would otherwise ask for 512 GB.
    """
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("The file is larger than 20 MB. Split it into smaller files."))
    check_extent(data)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        values = book.get_sheet_by_index(0).iter_rows()
        # calamine's rows start at the sheet's first row: the n-th is Excel's row n.
        numbered = enumerate(values, start=1)
        header: list[Any] | None = None
        for _number, row in numbered:
            if any(v not in (None, "") for v in row):
                header = row
                break
    except Exception as exc:  # calamine raises its own errors for a file it cannot read
        raise ImportFileError(_not_excel()) from exc
    if not header:
        raise ImportFileError(_("The first sheet is empty: its first row should name the columns."))
    sheet = Sheet([str(_plain(h)).strip() if h not in (None, "") else "" for h in header], [])
    for number, row in numbered:
        if any(v not in (None, "") for v in row):
            sheet.rows.append([_plain(v) for v in row])
            sheet.numbers.append(number)
            if len(sheet.rows) > max_rows():
                raise ImportFileError(
                    _("The file has more than %(n)s rows. Split it into smaller files.")
                    % {"n": max_rows()}
                )
    return sheet


def max_rows() -> int:
    return settings.GENXI_IMPORT_MAX_ROWS


def max_columns() -> int:
    return settings.GENXI_IMPORT_MAX_COLUMNS


def max_unpacked() -> int:
    """Bytes the file may hold once unzipped, all its parts together."""
    return settings.GENXI_IMPORT_MAX_UNPACKED_MB * 1024 * 1024


# A member that expands more than this (and is larger than a megabyte unzipped) is a zip bomb:
# spreadsheet XML compresses about ten to one.
MAX_RATIO = 100
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
CELL = re.compile(r"([A-Za-z]{1,3})?([0-9]{1,7})?$")


def _not_excel() -> str:
    return _("This is not an Excel (.xlsx) file, or it is damaged. Save it as .xlsx and try again.")


def _too_large(rows: int, columns: int) -> ImportFileError:
    return ImportFileError(
        _(
            "The first sheet has values as far as row %(rows)s and column %(column)s (%(columns)s "
            "columns). At most %(max_rows)s rows and %(max_columns)s columns can be imported: "
            "delete what is beyond the table (a stray value far down or to the right), or split "
            "the file, and upload it again."
        )
        % {
            "rows": rows,
            "column": column_name(columns),
            "columns": columns,
            "max_rows": max_rows(),
            "max_columns": max_columns(),
        }
    )


def column_name(number: int) -> str:
    """1 → A, 100 → CV, 16384 → XFD."""
    name = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def check_extent(data: bytes) -> None:
    """Refuse, before calamine builds anything, an .xlsx whose unzipped parts are too large or
    too compressed, or whose first sheet has values beyond the row and column limits.

    The sheet's cells are streamed a megabyte at a time (`_quick_extent` reads their references;
    `_extent` walks the XML when they have none), not its `<dimension>` trusted: the extent is
    that of the cells holding something, as calamine sees it. Python's zip reader
    stops at each member's declared size and checks its CRC, so a member that lies about its
    size is refused too.
    """
    unpacked_limit = max_unpacked()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            total = sum(m.file_size for m in members)
            for m in members:
                ratio = m.file_size / max(m.compress_size, 1)
                if m.file_size > 1024 * 1024 and ratio > MAX_RATIO:
                    raise ImportFileError(
                        _(
                            "The file expands to more than %(ratio)s times its size when "
                            "opened; it is not an ordinary Excel file. Save it again from "
                            "Excel as .xlsx."
                        )
                        % {"ratio": MAX_RATIO}
                    )
            if total > unpacked_limit:
                raise ImportFileError(
                    _(
                        "The file holds more than %(mb)s MB of data once opened. Split it into "
                        "smaller files."
                    )
                    % {"mb": unpacked_limit // (1024 * 1024)}
                )
            sheet = _first_sheet(archive)
            for m in members:  # every part's size and checksum, in 1 MB pieces
                if m.filename != sheet:
                    with archive.open(m) as part:
                        while part.read(1024 * 1024):
                            pass
            with archive.open(sheet) as part:
                found = _quick_extent(part)
            if found is None:  # cells without references: walk the XML as calamine does
                with archive.open(sheet) as part:
                    found = _extent(part)
            rows, columns = found
    except ImportFileError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, ExpatError, RuntimeError) as exc:
        raise ImportFileError(_not_excel()) from exc
    if rows > max_rows() + 1 or columns > max_columns():
        raise _too_large(rows, columns)


def _first_sheet(archive: zipfile.ZipFile) -> str:
    """The zip member of the workbook's first sheet: the one calamine reads as sheet 0."""

    def small(name: str) -> ElementTree.Element:
        info = archive.getinfo(name)
        if info.file_size > 10 * 1024 * 1024:
            raise ValueError(name)
        return _parse_xml(archive.read(info))

    book = "xl/workbook.xml"
    for rel in small("_rels/.rels").iter(PKG + "Relationship"):
        if rel.get("Type", "").endswith("/officeDocument"):
            book = _resolve("", rel.get("Target", ""))
    first = small(book).find(f"{MAIN}sheets/{MAIN}sheet")
    if first is None:
        raise ValueError("no sheet")
    rid = first.get(REL + "id")
    folder, _sep, name = book.rpartition("/")
    rels = f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"
    for rel in small(rels).iter(PKG + "Relationship"):
        if rel.get("Id") == rid:
            return _resolve(folder, rel.get("Target", ""))
    raise ValueError("no sheet")


def _resolve(folder: str, target: str) -> str:
    parts = [] if target.startswith("/") else [p for p in folder.split("/") if p]
    for part in target.split("/"):
        if part == "..":
            if parts:
                parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return "/".join(parts)


def _parse_xml(text: bytes) -> ElementTree.Element:
    if b"<!DOCTYPE" in text or b"<!ENTITY" in text:
        raise ValueError("a DTD")  # none in a spreadsheet; entities could expand without end
    return ElementTree.fromstring(text)


ROOT = re.compile(rb"<(?:([A-Za-z_][\w.-]*):)?worksheet[\s>]")


def _quick_extent(stream: Any) -> tuple[int, int] | None:
    """(last row, last column) from the cells' references, by regular expressions over the
    streamed XML: several times faster than a parser for the usual sheet, where every cell names
    its place. None when some cell does not; `_extent` then places them one by one.

    A self-closed cell (`<c r="Z9" s="1"/>`, formatted but blank) holds nothing: calamine
    leaves it out, and so does the extent.
    """
    first = stream.read(1024 * 1024)
    root = ROOT.search(first[:4096])
    if root is None or root[1]:  # namespace prefixes: rare, walked by `_extent`
        return None
    if b"<!" in first[: root.start()]:
        raise ValueError("a DTD")  # none in a spreadsheet; entities could expand without end
    tag = b"<c"
    every = re.compile(re.escape(tag) + rb"[\s>/]")
    # Every writer (Excel, WPS, LibreOffice, openpyxl) puts `r` first; a sheet that does not is
    # walked by `_extent`.
    referenced = re.compile(re.escape(tag) + rb' r="([A-Za-z]{1,3})([0-9]{1,7})"([^>]*)>')
    rows, letters = 0, ""
    limit_rows, limit_cols = max_rows() + 1, max_columns()
    rest, chunk = b"", first
    while True:
        text = rest + chunk
        cut = text.rfind(b"<") if chunk else len(text)  # a tag cut in two waits for the next
        text, rest = text[:cut], text[cut:]
        if len(rest) > 1024 * 1024:
            return None  # a tag longer than a megabyte: not what a spreadsheet writes
        found = referenced.findall(text)
        if len(every.findall(text)) != len(found):
            return None
        valued = [(c, r) for c, r, attrs in found if not attrs.endswith(b"/")]
        if valued:
            columns, numbers = zip(*valued, strict=True)
            rows = max(rows, max(map(int, numbers)))
            letters = max({c.upper().decode() for c in set(columns)} | {letters}, key=_column_order)
        if not chunk or rows > limit_rows or _cell(letters)[1] > limit_cols:
            return rows, _cell(letters)[1]
        chunk = stream.read(1024 * 1024)


def _column_order(letters: str) -> tuple[int, str]:
    return len(letters), letters


def _extent(stream: Any) -> tuple[int, int]:
    """(last row, last column), 1-based, of the cells with content in a streamed sheet XML.

    A cell counts when it has a child (`<v>`, `<is>`, `<f>`): calamine leaves out the empty
    ones, such as a formatted blank `<c r="Z9" s="1"/>`. Rows and cells without an `r`
    attribute follow the previous one, as in calamine.
    """
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    state = {"row": 0, "col": 0, "cell": 0, "rows": 0, "cols": 0, "depth": 0}

    def start(name: str, attrs: dict[str, str]) -> None:
        local = name.rpartition(" ")[2]
        if state["cell"]:  # something inside a cell: it holds a value or a formula
            state["rows"] = max(state["rows"], state["row"])
            state["cols"] = max(state["cols"], state["col"])
            state["depth"] += 1
            return
        if local == "row":
            number = attrs.get("r")
            state["row"] = int(number) if number else state["row"] + 1
            state["col"] = 0
        elif local == "c":
            row, col = _cell(attrs.get("r"))
            state["row"] = row or state["row"]
            state["col"] = col or state["col"] + 1
            state["cell"] = 1
            state["depth"] = 0

    def end(name: str) -> None:
        if state["cell"]:
            if state["depth"]:
                state["depth"] -= 1
            else:
                state["cell"] = 0

    def no_doctype(*args: Any) -> None:
        raise ValueError("a DTD")  # none in a spreadsheet; entities could expand without end

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = no_doctype
    parser.EntityDeclHandler = no_doctype
    limit_rows, limit_cols = max_rows() + 1, max_columns()
    while chunk := stream.read(1024 * 1024):
        parser.Parse(chunk, False)
        if state["rows"] > limit_rows or state["cols"] > limit_cols:
            break  # already too large: no need to read on
    else:
        parser.Parse(b"", True)
    return state["rows"], state["cols"]


def _cell(reference: str | None) -> tuple[int, int]:
    """ "CV12" → (12, 100); a missing or partial reference gives 0 for what it lacks."""
    match = CELL.match(reference or "")
    if not match:
        raise ValueError(reference)
    letters, digits = match.groups()
    col = 0
    for letter in (letters or "").upper():
        col = col * 26 + ord(letter) - ord("A") + 1
    return (int(digits) if digits else 0), col


def _plain(value: Any) -> Any:
    """A cell as the person sees it: 13812345678, not 13812345678.0."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# An upload is read once and kept as its rows (JSON) while the person matches the columns. It
# lasts this long; `clean_imports` (periodic) deletes older ones, and their tokens stop working.
UPLOAD_TTL = timedelta(hours=2)


def upload_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def upload_path(user: Any, token: str) -> Path:
    # The user's id is part of the name: nobody can continue someone else's upload.
    return upload_dir() / f"{user.pk}-{uuid.UUID(token).hex}.json"


def save_upload(user: Any, sheet: Sheet) -> str:
    """Keep the rows read from an upload; returns its token. The user's earlier uploads that
    were never imported go: one at a time per person."""
    discard_uploads(user)
    token = uuid.uuid4().hex
    path = upload_path(user, token)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"headers": sheet.headers, "rows": sheet.rows, "numbers": sheet.numbers}
    path.write_text(json.dumps(payload, default=_encode, ensure_ascii=False), encoding="utf-8")
    return token


def load_upload(user: Any, token: str) -> Sheet:
    """The rows kept for `token`; an expired one is deleted and, like a missing one, refused."""
    try:
        path = upload_path(user, token)
        age = time.time() - path.stat().st_mtime
        if age > UPLOAD_TTL.total_seconds():
            path.unlink(missing_ok=True)
            raise FileNotFoundError(path)
        payload = json.loads(path.read_text(encoding="utf-8"), object_hook=_decode)
    except (ValueError, OSError) as exc:
        raise ImportFileError(_("The uploaded file is gone. Upload it again.")) from exc
    return Sheet(payload["headers"], payload["rows"], payload["numbers"])


def discard_upload(user: Any, token: str) -> None:
    with contextlib.suppress(ValueError):  # not a token at all
        upload_path(user, token).unlink(missing_ok=True)


def discard_uploads(user: Any) -> None:
    for path in upload_dir().glob(f"{user.pk}-*"):
        path.unlink(missing_ok=True)


def clean_uploads(*, older_than: timedelta = UPLOAD_TTL) -> int:
    """Delete the uploads nobody imported within `older_than` (any file left in the folder,
    whatever its kind). Returns how many."""
    cutoff = time.time() - older_than.total_seconds()
    gone = 0
    for path in upload_dir().glob("*"):
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            gone += 1
    return gone


_TYPES: dict[str, Any] = {
    "datetime": datetime.fromisoformat,
    "date": date.fromisoformat,
    "time": dt_time.fromisoformat,
    "timedelta": lambda seconds: timedelta(seconds=seconds),
}


def _encode(value: Any) -> Any:
    if isinstance(value, timedelta):
        return {"__cell": "timedelta", "v": value.total_seconds()}
    if isinstance(value, (datetime, date, dt_time)):
        return {"__cell": type(value).__name__, "v": value.isoformat()}
    raise TypeError(type(value))


def _decode(obj: dict[str, Any]) -> Any:
    kind = obj.get("__cell")
    return _TYPES[kind](obj["v"]) if kind in _TYPES else obj


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

    today = timezone.localdate()
    numbers = sheet.numbers or range(2, len(sheet.rows) + 2)
    for number, row in zip(numbers, sheet.rows, strict=True):
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
        if day is not None and not EARLIEST <= day <= today:
            # A ledger records what happened; a date past the calendar's end cannot have a deadline.
            problems.append(
                _("the date %(day)s is not between %(earliest)s and today")
                % {"day": day.isoformat(), "earliest": EARLIEST.isoformat()}
            )
            day = None
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


def write(*, actor: Actor, rows: list[dict[str, Any]]) -> int:
    """Record every checked row, in one transaction: all or nothing. Returns how many.

    Rows go in as `services.collect_demand` would write them (the demand, its reporters, its
    "collected" event: `genxi.demands.intake`; deadlines from the recorded day) but by the bulk
    writer: COPY on PostgreSQL, executemany INSERT elsewhere, 5,000 demands at a time. Ids come
    from the table's sequence (PostgreSQL) or above the largest id inside the write transaction.
    """
    user = acting_user(actor)
    deadlines = DeadlineCounter()
    today = timezone.localdate()
    codes = _fresh_codes(len(rows), new_code)
    with transaction.atomic():
        w = BulkWriter(connection, "auto", DEFAULT_DB_ALIAS)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # check keys per COPY
        ids = w.next_ids(Demand, len(rows))
        now = w.stamp(timezone.now())
        user_id = user.pk if user is not None else None
        demand_type = ContentType.objects.get_for_model(Demand).pk
        for start in range(0, len(rows), CHUNK):
            demands: list[DemandRow] = []
            reporters: list[ReporterRow] = []
            events: list[EventRow] = []
            for pk, code, row in zip(
                ids[start : start + CHUNK],
                codes[start : start + CHUNK],
                rows[start : start + CHUNK],
                strict=True,
            ):
                category, area = row["category"], row["area"]
                # `check` offers only a community or a compound or building directly under it,
                # its parent already loaded: no query.
                community = area.community()
                assert community is not None
                collected = collected_rows(
                    w,
                    pk=pk,
                    code=code,
                    title=row["title"],
                    description=row["description"],
                    category_id=category.pk,
                    community_id=community.pk,
                    street_id=community.parent_id,
                    area_id=area.pk,
                    channel=row["channel"],
                    reporters=(r.pk for r in row["reporters"]),
                    deadlines=deadlines.count(
                        row["today"] or today, category.response_days, category.resolution_days
                    ),
                    at=now,
                    created_by_id=user_id,
                    imported=True,
                )
                demands.append(collected.demand)
                events.append(collected.event)
                reporters += collected.reporters
            w.write(Demand, DEMAND_FIELDS, demands)
            w.write(DemandReporter, REPORTER_FIELDS, reporters)
            w.write(DemandEvent, EVENT_FIELDS, events)
            # Each demand's own audit entry, as `create_object` writes it for one recorded by hand.
            w.write(
                AuditEntry,
                AUDIT_FIELDS,
                [
                    (user_id, "demand.create", demand_type, d.id, f"{d.code} {d.title}"[:200],
                     w.json({"imported": True}), now)
                    for d in demands
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
