"""Excel out: what a list shows, filtered the same way, as an .xlsx staff can keep working in.

openpyxl's write-only mode streams rows to a temporary file, so memory stays flat however many
rows there are; the file is then sent in chunks.
"""

import tempfile
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(
    *, filename: str, sheet: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]
) -> FileResponse:
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(title=sheet[:31])
    worksheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for title in headers:
        cell = WriteOnlyCell(worksheet, value=str(title))
        cell.font = bold
        header_cells.append(cell)
    worksheet.append(header_cells)
    for row in rows:
        # Text stays text: phone numbers and room numbers must not turn into numbers.
        worksheet.append(["" if v is None else str(v) for v in row])
    # FileResponse closes the file once sent; a with-block would close it too early.
    out = tempfile.TemporaryFile()  # noqa: SIM115
    workbook.save(out)
    out.seek(0)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return FileResponse(
        out, as_attachment=True, filename=f"{filename}-{stamp}.xlsx", content_type=XLSX
    )
