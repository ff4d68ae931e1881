"""Lists as downloadable files: rows -> a stream of CSV or XLSX bytes, never the whole file in memory.

Used for every list of the application (directory, cases, queues, progress, users). The caller gives the
header and an iterable of rows (tuples); rows are consumed lazily, so a 440,000-school export holds one
batch of database rows at a time (``bench/export_bench.py`` measures time and peak RSS).

Formula injection (CSV injection): a spreadsheet evaluates a cell that starts with ``=``, ``+``, ``-`` or
``@`` (and, in some programs, after a leading tab or carriage return). Every *text* cell starting with one
of those characters is prefixed with an apostrophe, in both formats, so a school named ``=HYPERLINK(...)``
is shown as text. Numbers and dates are written as such (a negative number is not a formula).

Times: row functions yield stored (aware, UTC) times; ``stream`` writes them as the wall clock of the
reader's zone (WIB, WITA or WIT, given by the caller) and ``{zona}`` in a header names that zone, so a
download reads like the page it came from ("Tenggat (WITA)").
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from html import escape

from spmp.regions.timezones import WIB, TimeZone, localize

FORMATS = ("csv", "xlsx")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CHUNK_SIZE = 64 * 1024
_XLSX_MAX_TEXT = 32767  # Excel's limit on the length of one cell's text
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_XML_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b\x0c\x0e-\x1f]")
_FORMULA_START = frozenset(FORMULA_PREFIXES)


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


_EXCEL_EPOCH = datetime(1899, 12, 30)
_STYLE_HEADER, _STYLE_DATE, _STYLE_DATETIME = 1, 2, 3  # cellXfs indexes in _STYLES
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_PARTS = {
    "[Content_Types].xml": _HEAD
    + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}.worksheet+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/></Types>',
    "_rels/.rels": _HEAD
    + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/_rels/workbook.xml.rels": _HEAD
    + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/></Relationships>',
    "xl/styles.xml": _HEAD + f'<styleSheet xmlns="{_NS}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="dd-mm-yyyy"/>'
    '<numFmt numFmtId="165" formatCode="dd-mm-yyyy hh:mm"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
    '</fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>',
}
_SHEET_START = (
    _HEAD + f'<worksheet xmlns="{_NS}"><sheetViews><sheetView workbookViewId="0">'
    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
    "<sheetData>"
)


def _column_letters(count: int) -> list[str]:
    letters = []
    for index in range(1, count + 1):
        name = ""
        while index:
            index, rest = divmod(index - 1, 26)
            name = chr(65 + rest) + name
        letters.append(name)
    return letters


def _xlsx_cell(ref: str, value, style: int = 0) -> str:
    """One ``<c>`` element: text as an inline string (neutralised), numbers as numbers, dates as Excel
    serial numbers with a date format. Inline strings need no shared-string table held in memory.
    (Called once per cell of a national download: the common case, plain text, is kept short.)"""
    if value.__class__ is not str:
        value = neutralise(value)
    elif value and value[0] in _FORMULA_START:
        value = "'" + value
    if isinstance(value, str):
        if not value:
            return ""
        if len(value) > _XLSX_MAX_TEXT:
            value = value[:_XLSX_MAX_TEXT]
        if _XML_SPECIAL.search(value):
            # Control characters cannot be stored in XLSX's XML at all (a CR would come back as a LF).
            value = (
                _ILLEGAL_XML.sub("", value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            )
        space = ' xml:space="preserve"' if value[0].isspace() or value[-1].isspace() else ""
        attribute = f' s="{style}"' if style else ""
        return f'<c r="{ref}" t="inlineStr"{attribute}><is><t{space}>{value}</t></is></c>'
    if isinstance(value, datetime):
        # Excel has no time zones: callers pass local times; an aware one is written as its wall clock.
        serial = (value.replace(tzinfo=None) - _EXCEL_EPOCH).total_seconds() / 86400
        return f'<c r="{ref}" s="{_STYLE_DATETIME}"><v>{serial!r}</v></c>'
    if isinstance(value, date):
        return f'<c r="{ref}" s="{_STYLE_DATE}"><v>{(value - _EXCEL_EPOCH.date()).days}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    return _xlsx_cell(ref, str(value), style)


class _Sink(io.RawIOBase):
    """Where the zip writer puts its bytes until the generator hands them on (an unseekable stream:
    zipfile then writes each member's sizes after its data, so nothing has to be rewound)."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.chunks.append(bytes(data))
        self.size += len(data)
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self.chunks)
        self.chunks.clear()
        self.size = 0
        return data


def xlsx_stream(header: Sequence[str], rows: Iterable[Sequence], title: str = "Data") -> Iterator[bytes]:
    """An XLSX workbook of one sheet (bold, frozen header row), written as it is sent.

    The sheet's XML is produced row by row straight into a deflated zip member and handed on in ~64 KB
    chunks, so the download starts at once and memory stays flat. Why not openpyxl's write-only mode:
    measured at 440,000 schools it took 55-60 s on this machine (its per-cell objects), this ~10x less."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as package:
        for name, content in _PARTS.items():
            package.writestr(name, content)
        package.writestr(
            "xl/workbook.xml",
            _HEAD + f'<workbook xmlns="{_NS}" xmlns:r="{_REL}"><sheets>'
            f'<sheet name="{escape(_sheet_title(title), quote=True)}" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        yield sink.take()
        letters = _column_letters(len(header))
        with package.open("xl/worksheets/sheet1.xml", "w") as sheet:
            cells = "".join(
                _xlsx_cell(f"{letter}1", name, _STYLE_HEADER)
                for letter, name in zip(letters, header, strict=True)
            )
            pending = [f'{_SHEET_START}<row r="1">{cells}</row>']
            for number, row in enumerate(rows, start=2):
                cells = "".join(
                    [_xlsx_cell(f"{letter}{number}", v) for letter, v in zip(letters, row, strict=True)]
                )
                pending.append(f'<row r="{number}">{cells}</row>')
                if len(pending) >= 200:  # one compressor call per ~200 rows, not per row
                    sheet.write("".join(pending).encode())
                    pending.clear()
                    if sink.size >= CHUNK_SIZE:
                        yield sink.take()
            pending.append("</sheetData></worksheet>")
            sheet.write("".join(pending).encode())
    yield sink.take()


def _sheet_title(title: str) -> str:
    """Excel sheet names: at most 31 characters, none of ``[]:*?/\\``."""
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in title).strip()
    return (cleaned or "Data")[:31]


def in_zone(header: Sequence[str], rows: Iterable[Sequence], zone: TimeZone) -> tuple[list[str], Iterator]:
    """``header`` with ``{zona}`` named, and ``rows`` with every aware time as ``zone``'s wall clock."""

    def local_rows():
        for row in rows:
            if any(value.__class__ is datetime and value.tzinfo is not None for value in row):
                row = [
                    localize(v, zone).replace(tzinfo=None) if v.__class__ is datetime and v.tzinfo else v
                    for v in row
                ]
            yield row

    return [h.replace("{zona}", zone.label) for h in header], local_rows()


def stream(
    fmt: str, header: Sequence[str], rows: Iterable[Sequence], title: str = "Data", zone: TimeZone = WIB
) -> Iterator[bytes]:
    """The file in ``fmt`` ("csv" or "xlsx") as a stream of bytes; times in ``zone`` (see the module doc)."""
    header, rows = in_zone(header, rows, zone)
    if fmt == "csv":
        return csv_stream(header, rows)
    if fmt == "xlsx":
        return xlsx_stream(header, rows, title)
    raise ValueError(f"unknown export format {fmt!r}")
