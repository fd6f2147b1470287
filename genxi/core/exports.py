"""Excel out: what a list shows, filtered the same way, as an .xlsx staff can keep working in.

XlsxWriter's constant-memory mode writes each row to a temporary file as it comes, so memory
stays flat however many rows there are (about twice as fast as openpyxl's write-only mode,
docs/benchmarks.md); the finished file is then sent in chunks.
"""

import tempfile
from collections.abc import Iterable, Sequence
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
