"""Lists as downloadable files: rows -> a stream of CSV or XLSX bytes, never the whole file in memory.

Used for every list of the application (directory, cases, queues, progress, users). The caller gives the
header and an iterable of rows (tuples); rows are consumed lazily, so a 440,000-school export holds one
batch of database rows at a time (``bench/export_bench.py`` measures time and peak RSS).

Formula injection (CSV injection): a spreadsheet evaluates a cell that starts with ``=``, ``+``, ``-`` or
``@`` (and, in some programs, after a leading tab or carriage return). Every *text* cell starting with one
of those characters is prefixed with an apostrophe, in both formats, so a school named ``=HYPERLINK(...)``
is shown as text. Numbers and dates are written as such (a negative number is not a formula).
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime

FORMATS = ("csv", "xlsx")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CHUNK_SIZE = 64 * 1024
_XLSX_MAX_TEXT = 32767  # Excel's limit on the length of one cell's text
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


YIELD_PER = 2000  # database rows fetched per round trip while streaming


def stream_rows(session, statement, batch: int = YIELD_PER):
    """Execute ``statement`` without loading all its rows: fetched ``batch`` at a time (a server-side
    cursor on PostgreSQL, the open cursor on SQLite)."""
    return session.execute(statement.execution_options(yield_per=batch))


def neutralise(value):
    """A cell value safe to open in a spreadsheet: text starting with a formula character gets a leading
    apostrophe; ``None`` becomes empty; booleans become "Ya"/"Tidak"; other values pass unchanged."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Ya" if value else "Tidak"
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _csv_cell(value) -> str:
    value = neutralise(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return value if isinstance(value, str) else str(value)


def csv_stream(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[bytes]:
    """UTF-8 CSV with a byte-order mark (so Excel reads Indonesian names correctly), in ~64 KB chunks."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([_csv_cell(h) for h in header])
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
        if buffer.tell() >= CHUNK_SIZE:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def _xlsx_cell(value):
    value = neutralise(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.replace(tzinfo=None)  # Excel has no time zones; callers pass local (WIB/WITA/WIT) times
    if isinstance(value, str):
        # Control characters cannot be stored in XLSX's XML (openpyxl would raise mid-download).
        value = _ILLEGAL_XML.sub("", value)[:_XLSX_MAX_TEXT]
    return value


def xlsx_stream(header: Sequence[str], rows: Iterable[Sequence], title: str = "Data") -> Iterator[bytes]:
    """An XLSX workbook of one sheet, written with openpyxl's write-only mode.

    Write-only mode keeps no rows in memory: each row goes to a temporary file as it is appended. A zip
    file is only complete when all rows are in, so the bytes are yielded once the sheet is written, read
    back from a temporary file in chunks (the download starts after the last row, memory stays flat)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(title))
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for name in header:
        cell = WriteOnlyCell(sheet, value=_xlsx_cell(name))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([_xlsx_cell(v) for v in row])
    with tempfile.TemporaryFile() as spool:
        workbook.save(spool)
        spool.seek(0)
        while chunk := spool.read(CHUNK_SIZE):
            yield chunk


def _sheet_title(title: str) -> str:
    """Excel sheet names: at most 31 characters, none of ``[]:*?/\\``."""
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in title).strip()
    return (cleaned or "Data")[:31]


def stream(fmt: str, header: Sequence[str], rows: Iterable[Sequence], title: str = "Data") -> Iterator[bytes]:
    """The file in ``fmt`` ("csv" or "xlsx") as a stream of bytes."""
    if fmt == "csv":
        return csv_stream(header, rows)
    if fmt == "xlsx":
        return xlsx_stream(header, rows, title)
    raise ValueError(f"unknown export format {fmt!r}")
