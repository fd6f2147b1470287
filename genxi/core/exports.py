"""Excel out: what a list shows, filtered the same way, as an .xlsx staff can keep working in.

XlsxWriter's constant-memory mode writes each row to a temporary file as it comes, so memory
stays flat however many rows there are (about twice as fast as openpyxl's write-only mode,
docs/benchmarks.md); the finished file is then sent in chunks.
"""

import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import xlsxwriter
from django.http import FileResponse
from django.utils import timezone

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 1_048_575  # Excel's limit below the header row


def xlsx_response(
    *, filename: str, sheet: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]
) -> FileResponse:
    # FileResponse closes the file once sent; a with-block would close it too early.
    out = tempfile.TemporaryFile()  # noqa: SIM115
    workbook = xlsxwriter.Workbook(
        out, {"constant_memory": True, "in_memory": False, "strings_to_numbers": False}
    )
    worksheet = workbook.add_worksheet(sheet[:31])
    worksheet.freeze_panes(1, 0)
    bold = workbook.add_format({"bold": True})
    for column, title in enumerate(headers):
        worksheet.write_string(0, column, str(title), bold)
    write = worksheet.write_string
    for number, row in enumerate(rows, start=1):
        if number > MAX_ROWS:
            break
        # Text stays text: phone numbers and room numbers must not turn into numbers.
        for column, value in enumerate(row):
            if value is not None and value != "":
                write(number, column, str(value))
    workbook.close()
    out.seek(0)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return FileResponse(
        out, as_attachment=True, filename=f"{filename}-{stamp}.xlsx", content_type=XLSX
    )


# Excel counts days from 1899-12-30 (its 1900 leap-year bug folded in): a date cell is that
# number with a date format, which Excel sorts, filters and computes with.
EXCEL_EPOCH = datetime(1899, 12, 30)
TEXT, DATE, DATETIME = "text", "date", "datetime"


@dataclass(frozen=True)
class Column:
    title: str
    width: float  # in characters, as Excel measures a column
    kind: str = TEXT  # TEXT, DATE (a datetime.date) or DATETIME (an aware datetime)


def xlsx_table_response(
    *, filename: str, sheet: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]]
) -> FileResponse:
    """A sheet staff can hand in: typed columns (dates as real Excel dates in the deployment's
    time zone, everything else as text, never a formula), set widths, a frozen header row and
    an autofilter over every row written."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it once sent)
    workbook = xlsxwriter.Workbook(
        out, {"constant_memory": True, "in_memory": False, "strings_to_numbers": False}
    )
    worksheet = workbook.add_worksheet(sheet[:31])
    bold = workbook.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    formats = {
        DATE: workbook.add_format({"num_format": "yyyy-mm-dd"}),
        DATETIME: workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
    }
    # Widths, the frozen row: before the first row, as constant-memory mode writes rows at once.
    for number, column in enumerate(columns):
        worksheet.set_column(number, number, column.width)
    worksheet.freeze_panes(1, 0)
    for number, column in enumerate(columns):
        worksheet.write_string(0, number, str(column.title), bold)
    tz = timezone.get_current_timezone()
    kinds = [c.kind for c in columns]
    write_string, write_number = worksheet.write_string, worksheet.write_number
    epoch_day = EXCEL_EPOCH.date()
    last = 0
    for last, row in enumerate(rows, start=1):
        if last > MAX_ROWS:
            last = MAX_ROWS
            break
        for number, value in enumerate(row):
            if value is None or value == "":
                continue
            kind = kinds[number]
            if kind == DATETIME:
                local = value.astimezone(tz).replace(tzinfo=None)
                serial = (local - EXCEL_EPOCH).total_seconds() / 86400
                write_number(last, number, serial, formats[DATETIME])
            elif kind == DATE:
                write_number(last, number, (value - epoch_day).days, formats[DATE])
            else:  # text stays text: write_string never makes a formula or a number
                write_string(last, number, str(value))
    worksheet.autofilter(0, 0, last, len(columns) - 1)
    workbook.close()
    out.seek(0)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return FileResponse(
        out, as_attachment=True, filename=f"{filename}-{stamp}.xlsx", content_type=XLSX
    )
