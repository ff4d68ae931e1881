"""Reading tables that users upload (CSV, XLSX, a JSON array of records) safely, for every importer.

Whatever the bytes, a reader either yields rows or raises :class:`TableError` with a short message naming
the line (and the column where there is one): never ``_csv.Error``, an XML parser error, a 7 MB echo of
the file, or a hang. Bounds: a field of at most :data:`MAX_FIELD_CHARS` characters (the csv module's own
default limit), at most :data:`MAX_COLUMNS` columns, no NUL byte or lone surrogate in a cell (PostgreSQL
refuses them after earlier rows were written; SQLite would store them).

Also here: :func:`ascii_int` and :func:`finite_number` (ASCII digits only: ``'²⁰¹⁰'.isdigit()`` is true
and ``float('١٢')`` works; ``nan``/``inf`` refused) and :func:`bounded_list` / :func:`quoted` so that an
error message stays short however long the file's values are.

Line numbers are as a spreadsheet or editor shows them: the header is usually line 1. In a JSON array the
n-th record is line n + 1, as if the keys were a header row.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import BinaryIO

MAX_FIELD_CHARS = 131_072
MAX_COLUMNS = 1_000
MAX_TITLE_ROWS = 50  # rows allowed above the header (report titles)
_BAD_CHARS = re.compile("[\x00\ud800-\udfff]")
_DELIMITERS = (",", ";", "\t")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d{1,4})?", re.ASCII)

Row = tuple[int, list[str]]


class TableError(ValueError):
    """The file cannot be read as a table; the message is short and names line and column if known."""


class HeaderNotFound(TableError):
    """No row within the first :data:`MAX_TITLE_ROWS` rows was accepted as the header."""


# --- small checks ------------------------------------------------------------------------------------
def ascii_int(text: str | None, *, low: int | None = None, high: int | None = None) -> int | None:
    """The integer written in ``text`` with ASCII digits only (no sign), within [low, high]; None
    otherwise. Surrounding blanks are ignored."""
    text = (text or "").strip()
    if not text or not text.isascii() or not text.isdigit() or len(text) > 30:
        return None
    value = int(text)
    if (low is not None and value < low) or (high is not None and value > high):
        return None
    return value


def is_ascii_digits(text: str | None, length: int | None = None) -> bool:
    """True when ``text`` is made of ASCII digits 0-9 only (e.g. an NPSN), of ``length`` if given."""
    text = text or ""
    return bool(text) and text.isascii() and text.isdigit() and (length is None or len(text) == length)


def finite_number(text: str | None) -> float | None:
    """A finite number written with ASCII digits, a decimal comma or point and an optional exponent
    (``44,44``, ``-0.5``, ``1e3``); None for anything else, including ``nan``, ``inf`` and ``1e999``."""
    text = (text or "").strip()
    if not text or len(text) > 60 or not _NUMBER.fullmatch(text):
        return None
    value = float(text.replace(",", "."))
    return value if math.isfinite(value) else None


def shown(value: object, limit: int = 60) -> str:
    """``value`` cut to ``limit`` characters (``…`` marks the cut), control characters and lone
    surrogates written as escapes (a NUL shows as ``\\x00``, not as an invisible byte)."""
    text = str(value)
    visible = "".join(
        c if c.isprintable() and not _BAD_CHARS.match(c) else repr(c)[1:-1] for c in text[:limit]
    )
    return visible + "…" if len(text) > limit else visible


def quoted(value: object, limit: int = 60) -> str:
    """``"value"`` for an error message, see :func:`shown`."""
    return f'"{shown(value, limit)}"'


def bounded_list(names: Iterable[object], limit: int = 10, width: int = 40) -> str:
    """``a, b, c`` for at most ``limit`` items, each cut to ``width`` characters, then ``(+N lainnya)``."""
    items = list(names)
    more = f" (+{len(items) - limit:,} lainnya)" if len(items) > limit else ""
    return ", ".join(shown(n, width) for n in items[:limit]) + more


def column_label(index: int) -> str:
    """``kolom 3 (C)`` for the 0-based column ``index``."""
    letters, n = "", index + 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return f"kolom {index + 1} ({letters})"


# --- raw rows ------------------------------------------------------------------------------------------
def read_bytes(source: str | Path | BinaryIO | bytes) -> bytes:
    if isinstance(source, bytes):
        return source
    if isinstance(source, str | Path):
        return Path(source).read_bytes()
    return source.read()


def kind_of(data: bytes, filename: str | None = None) -> str:
    """``xlsx``, ``json`` or ``csv``, from the name's extension and else the content."""
    name = (filename or "").lower()
    if name.endswith((".xlsx", ".xlsm")) or data[:4] == b"PK\x03\x04":
        return "xlsx"
    if name.endswith(".json") or data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"[", b"{"):
        return "json"
    return "csv"


def iter_rows(source: str | Path | BinaryIO | bytes, filename: str | None = None) -> Iterator[Row]:
    """(line number, cells) for every row of the file, blank rows included (as ``[]`` or empty cells).
    Raises TableError as soon as the file turns out unusable."""
    if isinstance(source, str | Path):
        filename = filename or str(source)
    data = read_bytes(source)
    kind = kind_of(data, filename)
    if kind == "xlsx":
        rows = _xlsx_rows(data)
    elif kind == "json":
        rows = _json_rows(data)
    else:
        rows = _csv_rows(data)
    for line, cells in rows:
        yield line, _checked(line, cells)


def _checked(line: int, cells: list[str]) -> list[str]:
    while cells and not cells[-1]:
        cells = cells[:-1]
    if len(cells) > MAX_COLUMNS:
        raise TableError(f"baris {line}: {len(cells):,} kolom; paling banyak {MAX_COLUMNS:,}")
    if not cells or max(map(len, cells)) <= MAX_FIELD_CHARS:
        return cells
    for index, cell in enumerate(cells):
        if len(cell) > MAX_FIELD_CHARS:
            raise TableError(
                f"baris {line}, {column_label(index)}: isian {len(cell):,} karakter; "
                f"paling banyak {MAX_FIELD_CHARS:,}"
            )
    return cells


def _csv_rows(data: bytes) -> Iterator[Row]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TableError(
            f'berkas bukan teks UTF-8 (bita ke-{exc.start:,}): simpan ulang sebagai "CSV UTF-8"'
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    previous_end = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = reader.line_num
            if "field larger than field limit" in str(exc):
                raise TableError(
                    f"baris {line}: sebuah isian lebih dari {MAX_FIELD_CHARS:,} karakter"
                ) from None
            raise TableError(f"baris {line}: CSV tidak dapat dibaca ({quoted(exc, 80)})") from None
        start, previous_end = previous_end + 1, reader.line_num
        yield start, cells


def _delimiter(text: str) -> str:
    """The delimiter under which most of the first lines have one same width (a title row or a comma
    inside ``Sedang (44,44% siswa)`` must not decide it)."""
    sample = [line for line in text[:65_536].splitlines()[:30] if line.strip()][:20]

    def score(delimiter: str) -> tuple[int, int]:
        try:
            widths = Counter(len(r) for r in csv.reader(sample, delimiter=delimiter) if len(r) > 1)
        except csv.Error:
            return (0, 0)
        width, count = max(widths.items(), key=lambda kv: (kv[1], kv[0]), default=(0, 0))
        return (count, width)

    return max(_DELIMITERS, key=score)


def _xlsx_rows(data: bytes) -> Iterator[Row]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # a bad file raises one of many types (zip, XML, KeyError, ...)
        raise TableError(f"berkas XLSX tidak dapat dibuka ({exc.__class__.__name__})") from None
    try:
        if not workbook.worksheets:
            raise TableError("berkas XLSX tidak berisi lembar kerja")
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # a forged <dimension> would pad every row to 16,384 cells
        line = 0
        rows = sheet.iter_rows(values_only=True)
        while True:
            try:
                values = next(rows)
            except StopIteration:
                return
            except TableError:
                raise
            except Exception as exc:  # corrupt sheet XML is only seen while reading rows
                raise TableError(
                    f"berkas XLSX rusak setelah baris {line:,} ({exc.__class__.__name__})"
                ) from None
            line += 1
            yield line, [_cell_text(v) for v in values]
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _json_rows(data: bytes) -> Iterator[Row]:
    """A JSON array of flat records becomes a header row (keys in first-seen order) and one row each."""

    def refuse_constant(name: str) -> None:
        raise ValueError(f"{name} bukan angka yang sah")

    try:
        records = json.loads(data.decode("utf-8-sig"), parse_constant=refuse_constant)
    except UnicodeDecodeError as exc:
        raise TableError(f"berkas JSON bukan teks UTF-8 (bita ke-{exc.start:,})") from None
    except json.JSONDecodeError as exc:
        raise TableError(f"JSON tidak sah: baris {exc.lineno}, kolom {exc.colno}: {exc.msg}") from None
    except (ValueError, RecursionError) as exc:
        raise TableError(f"JSON tidak dapat dibaca: {quoted(exc, 80)}") from None
    if isinstance(records, dict) and records and all(isinstance(v, list) for v in records.values()):
        # The public school listing's files: {"056000": [records]}, records grouped under a key.
        records = [record for group in records.values() for record in group]
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise TableError('JSON harus berupa daftar rekaman: [{"kolom": "nilai", ...}, ...]')
    keys: dict[str, None] = {}
    for record in records:
        keys.update(dict.fromkeys(record))
        if len(keys) > MAX_COLUMNS:
            raise TableError(f"JSON memiliki lebih dari {MAX_COLUMNS:,} nama kolom")
    names = list(keys)
    yield 1, names
    for number, record in enumerate(records, start=2):
        cells = list(map(record.get, names))
        if set(map(type, cells)) - _STR_ONLY:  # numbers, null, nested values: converted or refused
            cells = [_json_value(number, name, value) for name, value in zip(names, cells, strict=True)]
        yield number, cells


_STR_ONLY = {str}


def _json_value(line: int, name: str, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    raise TableError(f"baris {line}, {quoted(name, 40)}: nilai harus teks atau angka, bukan daftar/objek")


# --- records: a header row and the rows below it -------------------------------------------------------
def normal_name(cell: str) -> str:
    """A header cell as a column name: trimmed, lower case, spaces to underscores."""
    return "_".join(cell.strip().lower().split())


@dataclass
class Table:
    """A file's header (normalised names), the title rows above it, and its records."""

    header: list[str]
    header_line: int
    titles: list[list[str]] = field(default_factory=list)
    _rows: Iterator[Row] | None = None

    def records(self) -> Iterator[tuple[int, dict[str, str]]]:
        """(line, {column: cell}) for each non-blank row below the header; raises TableError for a NUL
        or lone surrogate, naming line and column. Every named column is in each record (``""`` when the
        row is shorter); cells under an unnamed column are left out."""
        names = self.header
        width = len(names)
        plain = all(names)  # no unnamed column: a row as wide as the header is one zip
        for line, cells in self._rows or ():
            joined = "".join(cells)
            if not joined.strip():
                continue
            if plain and len(cells) == width and not _BAD_CHARS.search(joined):
                yield line, dict(zip(names, cells, strict=True))
                continue
            record = dict.fromkeys((n for n in names if n), "")
            for index, cell in enumerate(cells):
                name = names[index] if index < len(names) else ""
                if _BAD_CHARS.search(cell):
                    label = name or column_label(index)
                    bad = "NUL (\\x00)" if "\x00" in cell else "tidak sah (surrogate)"
                    raise TableError(f"baris {line}, {label}: berisi karakter {bad}")
                if name:
                    record[name] = cell
            yield line, record


def read_table(
    source: str | Path | BinaryIO | bytes,
    filename: str | None = None,
    *,
    is_header: Callable[[list[str]], bool] | None = None,
) -> Table:
    """Find the header row (the first non-blank row, or the first for which ``is_header(names)`` is true
    within the first :data:`MAX_TITLE_ROWS` rows) and return the table. Duplicate column names are
    refused; the records are read lazily by :meth:`Table.records`."""
    rows = iter_rows(source, filename)
    titles: list[list[str]] = []
    for line, cells in rows:
        if not any(c.strip() for c in cells):
            continue
        names = [normal_name(c) for c in cells]
        if is_header is None or is_header(names):
            _refuse_bad_header(line, cells, names)
            return Table(names, line, titles, rows)
        titles.append(cells)
        if len(titles) >= MAX_TITLE_ROWS:
            break
    if titles:
        raise HeaderNotFound(f"baris judul kolom (header) tidak ditemukan dalam {len(titles)} baris pertama")
    raise TableError("berkas kosong: tidak ada header maupun data")


def _refuse_bad_header(line: int, cells: list[str], names: list[str]) -> None:
    for index, cell in enumerate(cells):
        if _BAD_CHARS.search(cell):
            raise TableError(f"baris {line}, {column_label(index)}: judul kolom berisi karakter tidak sah")
    duplicates = [n for n, count in Counter(n for n in names if n).items() if count > 1]
    if duplicates:
        raise TableError(f"baris {line}: kolom ganda: {bounded_list(duplicates)}")
