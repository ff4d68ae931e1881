"""Import schools from a Dapodik-style CSV or XLSX export (``spmp schools import FILE``).

The file is streamed (csv reader / openpyxl read-only rows), validated row by row and written in batches
with Core statements: one query looks up the batch's NPSNs, new rows go in one executemany (COPY on
PostgreSQL), changed rows in one executemany UPDATE. A row whose normalised fields hash to the stored
``row_hash`` is left alone, so re-importing a file changes nothing.

The whole import runs inside a SAVEPOINT of the caller's transaction: by default any bad row rolls the
savepoint back (nothing written, every error listed); with ``skip_invalid`` the valid rows stay and the bad
ones are reported as rejected. The caller commits.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import operator
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import ForeignKeyConstraint, String, UniqueConstraint, any_, bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.schema import AddConstraint, DropConstraint

from spmp import clock
from spmp.db import Database
from spmp.regions.models import Regency
from spmp.schools.models import ACCREDITATION, INTERNET, BentukPendidikan, School

# Dapodik export field names, in the order the sample file and the demo generator write them.
COLUMNS = (
    "npsn",
    "nama",
    "bentuk_pendidikan",
    "status_sekolah",
    "kode_wilayah",
    "alamat_jalan",
    "desa_kelurahan",
    "lintang",
    "bujur",
    "daya_listrik",
    "akses_internet",
    "wilayah_terpencil",
    "wilayah_perbatasan",
    "wilayah_bencana_alam",
    "akreditasi",
    "sk_akreditasi",
    "tmt_akreditasi",
    "tst_akreditasi",
    "tahun_rehabilitasi_terakhir",
)
REQUIRED = ("npsn", "nama", "bentuk_pendidikan", "status_sekolah", "kode_wilayah")

# School columns filled from a file row, in hashing order (row_hash covers exactly these).
IMPORTED_FIELDS = (
    "npsn",
    "name",
    "name_key",
    "bentuk",
    "status",
    "regency_code",
    "province_code",
    "address",
    "village",
    "latitude",
    "longitude",
    "electricity_watts",
    "internet_access",
    "is_remote",
    "is_border",
    "is_disaster_area",
    "accreditation_rank",
    "accreditation_decree",
    "accreditation_start",
    "accreditation_end",
    "last_rehab_year",
)

DEFAULT_BATCH_SIZE = 5000
KEPT_ERRORS = 1000  # errors kept in the report; every error still goes to ``on_error``
PROGRESS_EVERY = 1000
SQLITE_IMPORT_CACHE_KB = 64 * 1024
LAT_RANGE = (-11.5, 6.5)
LON_RANGE = (94.5, 141.5)
FIRST_REHAB_YEAR = 1945

_TRUE = {"1", "ya", "y", "true", "t", "yes"}
_FALSE = {"0", "tidak", "n", "false", "f", "no", ""}
_ACCREDITATION_BY_SPELLING = {a.lower(): a for a in ACCREDITATION} | {"tidak terakreditasi": "TT"}
_INTERNET_BY_SPELLING = {i: i for i in INTERNET} | {"tidak ada": "tidak_ada", "tidak-ada": "tidak_ada"}
_NPSN_RE = re.compile(r"\d{8}")
_DMY_RE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_EXTRA_CELLS = "__extra_cells__"  # marks a row with more filled cells than the header has columns


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (wrong headers, empty, not UTF-8, unreadable XLSX)."""


@dataclass(frozen=True)
class RowError:
    """One problem in one row; ``row`` is the row number as a spreadsheet shows it (header = 1)."""

    row: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"baris {self.row}, {self.field}: {self.message}"


@dataclass
class ImportReport:
    """What an import did. Counts describe what was written: all zero when nothing was written."""

    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    written: bool = False
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)  # the first KEPT_ERRORS errors

    @property
    def ok(self) -> bool:
        return self.rejected == 0

    def summary(self) -> str:
        return (
            f"{self.rows} baris dibaca: {self.added} ditambahkan, {self.updated} diperbarui, "
            f"{self.unchanged} tidak berubah, {self.rejected} ditolak"
        )


class _FieldError(Exception):
    pass


def _found(raw: str) -> str:
    return f'(ditemukan "{raw}")'


# --- field parsers: each takes the trimmed text and returns a value or raises _FieldError ---------------
def _parse_npsn(raw: str) -> str:
    if not _NPSN_RE.fullmatch(raw):
        raise _FieldError(f"harus 8 digit angka {_found(raw)}")
    return raw


def _parse_text(limit: int, required: bool = False) -> Callable[[str], str | None]:
    def parse(raw: str) -> str | None:
        text = " ".join(raw.split())
        if not text:
            if required:
                raise _FieldError("wajib diisi")
            return None
        if len(text) > limit:
            raise _FieldError(f"terlalu panjang (maksimal {limit} karakter, ditemukan {len(text)})")
        if "\x00" in text:  # PostgreSQL refuses NUL in text; it is never meant to be there
            raise _FieldError("berisi karakter NUL (file rusak?)")
        return text

    return parse


def _parse_choice(mapping: dict[str, str], choices: str) -> Callable[[str], str | None]:
    exact = mapping | {value: value for value in mapping.values()} | {v.upper(): v for v in mapping.values()}

    def parse(raw: str) -> str | None:
        if not raw:
            return None
        value = exact.get(raw)  # the usual spellings, without normalising first
        if value is None:
            value = mapping.get(" ".join(raw.lower().split()))
        if value is None:
            raise _FieldError(f"harus {choices} {_found(raw)}")
        return value

    return parse


def _parse_float(bounds: tuple[float, float]) -> Callable[[str], float | None]:
    def parse(raw: str) -> float | None:
        if not raw:
            return None
        try:
            value = float(raw.replace(",", ".") if raw.count(",") == 1 and "." not in raw else raw)
        except ValueError:
            raise _FieldError(f"bukan angka {_found(raw)}") from None
        if not (math.isfinite(value) and bounds[0] <= value <= bounds[1]):
            raise _FieldError(f"di luar wilayah Indonesia ({bounds[0]} s.d. {bounds[1]}) {_found(raw)}")
        return value

    return parse


def _parse_watts(raw: str) -> int | None:
    if not raw:
        return None
    try:
        value = float(raw) if "." in raw else int(raw)
    except ValueError:
        value = None
    if value is None or not math.isfinite(value) or value != int(value) or value < 0:
        raise _FieldError(f"harus bilangan bulat 0 atau lebih {_found(raw)}")
    return int(value)


def _parse_flag(raw: str) -> bool:
    key = raw.lower()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise _FieldError(f"harus 1/0, ya/tidak atau true/false {_found(raw)}")


def _parse_date(raw: str) -> date | None:
    if not raw:
        return None
    try:
        if _ISO_RE.fullmatch(raw):
            return date.fromisoformat(raw)
        match = _DMY_RE.fullmatch(raw)
        if match:
            day, month, year = (int(part) for part in match.groups())
            return date(year, month, day)
    except ValueError:
        pass
    raise _FieldError(f"tanggal tidak valid; gunakan yyyy-mm-dd atau dd/mm/yyyy {_found(raw)}")


class _RowParser:
    """Turns one raw row (column -> text) into School column values, collecting every field error."""

    def __init__(
        self, regencies: dict[str, tuple[str, str]], bentuk: dict[str, str], current_year: int
    ) -> None:
        self.regencies = regencies
        self.current_year = current_year
        choices = _parse_choice
        fields: tuple[tuple[str, str, Callable], ...] = (
            ("npsn", "npsn", _parse_npsn),
            ("nama", "name", _parse_text(200, required=True)),
            (
                "bentuk_pendidikan",
                "bentuk",
                choices(bentuk, "bentuk pendidikan Dapodik (SD, SMP, SMA, SMK, SLB, TK, PKBM, ...)"),
            ),
            (
                "status_sekolah",
                "status",
                choices({"negeri": "negeri", "swasta": "swasta"}, "negeri atau swasta"),
            ),
            ("kode_wilayah", "regency_code", self._parse_regency),
            ("alamat_jalan", "address", _parse_text(300)),
            ("desa_kelurahan", "village", _parse_text(100)),
            ("lintang", "latitude", _parse_float(LAT_RANGE)),
            ("bujur", "longitude", _parse_float(LON_RANGE)),
            ("daya_listrik", "electricity_watts", _parse_watts),
            (
                "akses_internet",
                "internet_access",
                choices(_INTERNET_BY_SPELLING, "stabil, terbatas atau tidak_ada"),
            ),
            ("wilayah_terpencil", "is_remote", _parse_flag),
            ("wilayah_perbatasan", "is_border", _parse_flag),
            ("wilayah_bencana_alam", "is_disaster_area", _parse_flag),
            ("akreditasi", "accreditation_rank", choices(_ACCREDITATION_BY_SPELLING, "A, B, C atau TT")),
            ("sk_akreditasi", "accreditation_decree", _parse_text(100)),
            ("tmt_akreditasi", "accreditation_start", _parse_date),
            ("tst_akreditasi", "accreditation_end", _parse_date),
            ("tahun_rehabilitasi_terakhir", "last_rehab_year", self._parse_year),
        )
        self.fields = tuple((column, attr, parser, column in REQUIRED) for column, attr, parser in fields)

    def _parse_regency(self, raw: str) -> str:
        try:
            return self.regencies["".join(raw.split())][0]
        except KeyError:
            raise _FieldError(f"kode kabupaten/kota tidak dikenal {_found(raw)}") from None

    def _parse_year(self, raw: str) -> int | None:
        if not raw:
            return None
        year = int(raw) if raw.isdigit() else None
        if year is None or not FIRST_REHAB_YEAR <= year <= self.current_year:
            raise _FieldError(f"harus tahun antara {FIRST_REHAB_YEAR} dan {self.current_year} {_found(raw)}")
        return year

    def parse(self, row_number: int, raw: dict[str, str]) -> tuple[dict | None, list[RowError]]:
        if _EXTRA_CELLS in raw:
            return None, [
                RowError(row_number, "baris", f"berisi {raw[_EXTRA_CELLS]} kolom, lebih banyak dari header")
            ]
        values: dict = {}
        errors: list[RowError] = []
        for column, attr, parser, required in self.fields:
            text = raw.get(column, "").strip()
            if required and not text:
                errors.append(RowError(row_number, column, "wajib diisi"))
                continue
            try:
                values[attr] = parser(text)
            except _FieldError as exc:
                errors.append(RowError(row_number, column, str(exc)))
        errors += self._cross_checks(row_number, values)
        if errors:
            return None, errors
        values["name_key"] = values["name"].lower()
        values["province_code"] = self.regencies[values["regency_code"]][1]
        values["row_hash"] = row_hash(values)
        return values, []

    @staticmethod
    def _cross_checks(row_number: int, values: dict) -> list[RowError]:
        errors = []
        if (
            "latitude" in values
            and "longitude" in values
            and (values["latitude"] is None) != (values["longitude"] is None)
        ):
            errors.append(RowError(row_number, "lintang/bujur", "isi keduanya atau kosongkan keduanya"))
        start, end = values.get("accreditation_start"), values.get("accreditation_end")
        if start and end and start > end:
            errors.append(
                RowError(
                    row_number,
                    "tst_akreditasi",
                    f"TST {end.isoformat()} lebih awal dari TMT {start.isoformat()}",
                )
            )
        return errors


def row_hash(values: dict) -> str:
    """Hash of the normalised imported fields: equal hashes mean the stored row needs no update."""
    # repr() of the value tuple tells None from "None" and 1 from "1", and is one C call per row.
    return hashlib.blake2b(repr(_imported_values(values)).encode(), digest_size=16).hexdigest()


_imported_values = operator.itemgetter(*IMPORTED_FIELDS)


def bentuk_lookup(session: Session) -> dict[str, str]:
    """Accepted bentuk_pendidikan spellings (lower case) -> code: the code, its name and its aliases."""
    lookup: dict[str, str] = {}
    for code, name, aliases in session.execute(
        select(BentukPendidikan.code, BentukPendidikan.name, BentukPendidikan.aliases)
    ):
        for spelling in (code, name, *aliases.split("|")):
            if spelling.strip():
                lookup[" ".join(spelling.lower().split())] = code
    return lookup


def regency_lookup(session: Session) -> dict[str, tuple[str, str]]:
    """Accepted kode_wilayah spellings -> (regency code, province code): ``53.71``, ``5371`` and the
    Dapodik crosswalk code when one is recorded. Kemendagri spellings win over a clashing Dapodik code."""
    lookup: dict[str, tuple[str, str]] = {}
    rows = session.execute(select(Regency.code, Regency.province_code, Regency.dapodik_code)).all()
    for code, province_code, dapodik_code in rows:
        if dapodik_code:
            lookup["".join(dapodik_code.split())] = (code, province_code)
    for code, province_code, _ in rows:
        lookup[code] = lookup[code.replace(".", "")] = (code, province_code)
    return lookup


# --- writing ----------------------------------------------------------------------------------------
_TABLE = School.__table__
_COPY_COLUMNS = (*IMPORTED_FIELDS, "row_hash", "created_at", "updated_at")


_UPDATED_COLUMNS = (*IMPORTED_FIELDS, "row_hash", "updated_at")
_SQLITE_UPDATE = f"UPDATE school SET {', '.join(f'{name} = ?' for name in _UPDATED_COLUMNS)} WHERE id = ?"
_PG_CHANGES_COLUMNS = ("id", *_UPDATED_COLUMNS)
# CREATE ... AS ... WITH NO DATA copies the column types without school's constraints; the table lives
# until the end of the transaction (and disappears with a rolled-back savepoint).
_PG_CHANGES_TABLE = (
    "CREATE TEMPORARY TABLE IF NOT EXISTS school_import_changes ON COMMIT DROP AS "
    f"SELECT {', '.join(_PG_CHANGES_COLUMNS)} FROM school WITH NO DATA"
)
_PG_UPDATE_FROM_CHANGES = (
    f"UPDATE school SET {', '.join(f'{name} = c.{name}' for name in _UPDATED_COLUMNS)} "
    "FROM school_import_changes AS c WHERE school.id = c.id"
)
_SQLITE_INSERT = (
    f"INSERT INTO school ({', '.join(_COPY_COLUMNS)}) VALUES ({', '.join('?' * len(_COPY_COLUMNS))})"
)
_COPY_VALUE_FIELDS = (*IMPORTED_FIELDS, "row_hash")
_DEFERRED_INDEXES = sorted(
    (index for index in _TABLE.indexes if not index.unique), key=lambda index: index.name
)
_PG_DEFERRED_CONSTRAINTS = sorted(
    (c for c in _TABLE.constraints if isinstance(c, ForeignKeyConstraint | UniqueConstraint)),
    key=lambda c: c.name,
)
_DATE_FIELDS = frozenset({"accreditation_start", "accreditation_end"})


_SQLITE_DATE_POSITIONS = tuple(IMPORTED_FIELDS.index(name) for name in sorted(_DATE_FIELDS))


def _sqlite_row(values: dict, tail: tuple) -> list:
    """The insert parameters for one row: dates as ISO text, like SQLAlchemy's SQLite Date type."""
    row = [*_imported_values(values), *tail]
    for position in _SQLITE_DATE_POSITIONS:
        if row[position] is not None:
            row[position] = row[position].isoformat()
    return row


class _BatchWriter:
    """Writes validated rows in batches: one lookup query, one bulk insert, one executemany update."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.now = clock.now()
        self.dialect = connection.dialect.name
        self.table_was_empty = False
        self._copy_stream = None
        self._copy_exit = ExitStack()
        self.update_stmt = (
            update(_TABLE)
            .where(_TABLE.c.id == bindparam("_id"))
            .values({name: bindparam(name) for name in _UPDATED_COLUMNS})
        )

    def start(self) -> None:
        """Prepare the connection; into an empty table, load first and build the indexes afterwards."""
        if self.dialect == "sqlite":
            # Inserting in NPSN and name order touches pages all over six indexes; a 64 MB page cache for
            # the import (instead of SQLite's 2 MB) keeps them in memory. end() gives the memory back.
            self.connection.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_IMPORT_CACHE_KB}")
        elif self.dialect == "postgresql":
            # One import at a time (readers are not blocked): two concurrent imports would race on the same
            # NPSNs, and both could see an empty table below. SQLite's write transaction is already exclusive.
            self.connection.exec_driver_sql("LOCK TABLE school IN SHARE ROW EXCLUSIVE MODE")
        self.table_was_empty = self.connection.execute(select(_TABLE.c.id).limit(1)).first() is None
        if self.table_was_empty:
            # First (national) load: building the directory indexes once, sorted, after the rows are in is
            # several times faster than maintaining them row by row (the GIN trigram index above all).
            # The DROP is transactional on SQLite and PostgreSQL, so a failed or rolled-back import gets
            # its indexes back. On PostgreSQL it locks the (empty) table until the import commits.
            if self.dialect == "postgresql":
                # Likewise the foreign-key triggers (two lookups per row) and the NPSN unique index:
                # re-adding them validates every row in one pass. SQLite cannot drop constraints.
                for constraint in _PG_DEFERRED_CONSTRAINTS:
                    self.connection.execute(DropConstraint(constraint))
                self.connection.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
            for index in _DEFERRED_INDEXES:
                index.drop(self.connection)

    def finish(self) -> None:
        """End the open COPY and rebuild the indexes dropped by start() (on success only: a rollback
        restores them)."""
        self.close_copy()
        if self.table_was_empty:
            for index in _DEFERRED_INDEXES:
                index.create(self.connection)
            if self.dialect == "postgresql":
                for constraint in _PG_DEFERRED_CONSTRAINTS:
                    self.connection.execute(AddConstraint(constraint))

    def end(self) -> None:
        if self.dialect == "sqlite":
            self.connection.exec_driver_sql("PRAGMA cache_size = -2000")

    def _lookup(self, batch: list[dict]) -> dict[str, tuple[int, str]]:
        if self.table_was_empty:
            return {}  # every NPSN is new: duplicates within the file were rejected before this point
        npsns = [values["npsn"] for values in batch]
        # PostgreSQL: one array parameter (= ANY) instead of thousands of IN parameters, which made the
        # planner fall back to a sequential scan per batch.
        match = (
            _TABLE.c.npsn == any_(bindparam("npsns", npsns, type_=ARRAY(String)))
            if self.dialect == "postgresql"
            else _TABLE.c.npsn.in_(npsns)
        )
        query = select(_TABLE.c.npsn, _TABLE.c.id, _TABLE.c.row_hash).where(match)
        return {
            npsn: (school_id, stored_hash) for npsn, school_id, stored_hash in self.connection.execute(query)
        }

    def write(self, batch: list[dict], report: ImportReport) -> None:
        existing = self._lookup(batch)
        new, changed = [], []
        for values in batch:
            found = existing.get(values["npsn"])
            if found is None:
                new.append(values)
            elif found[1] != values["row_hash"]:
                changed.append(values | {"_id": found[0], "updated_at": self.now})
        report.unchanged += len(batch) - len(new) - len(changed)
        if new:
            self._insert(new)
            report.added += len(new)
        if changed:
            self._update(changed)
            report.updated += len(changed)

    def _update(self, changed: list[dict]) -> None:
        if self.dialect == "postgresql":
            self._update_postgresql(changed)
        elif self.dialect == "sqlite":
            now = self.now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
            rows = [_sqlite_row(values, (values["row_hash"], now, values["_id"])) for values in changed]
            cursor = self.connection.connection.dbapi_connection.cursor()
            try:
                cursor.executemany(_SQLITE_UPDATE, rows)  # raw DBAPI for the same reason as inserts
            finally:
                cursor.close()
        else:
            self.connection.execute(self.update_stmt, changed)

    def _update_postgresql(self, changed: list[dict]) -> None:
        # One UPDATE ... FROM per batch over rows COPY'd into a temporary table: measured about three
        # times faster than a pipelined executemany of single-row UPDATEs.
        now = self.now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        data = "".join(
            [f"{values['_id']}\t" + "\t".join(_copy_texts(values)) + f"\t{now}\n" for values in changed]
        )
        with self.connection.connection.dbapi_connection.cursor() as cursor:
            cursor.execute(_PG_CHANGES_TABLE)
            cursor.execute("TRUNCATE school_import_changes")
            with cursor.copy(
                f"COPY school_import_changes ({', '.join(_PG_CHANGES_COLUMNS)}) FROM STDIN"
            ) as copy:
                copy.write(data)
            cursor.execute(_PG_UPDATE_FROM_CHANGES)

    def _insert(self, rows: list[dict]) -> None:
        if self.dialect == "postgresql":
            self._copy(rows)
        elif self.dialect == "sqlite":
            self._insert_sqlite(rows)
        else:
            now = self.now
            self.connection.execute(
                insert(_TABLE), [values | {"created_at": now, "updated_at": now} for values in rows]
            )

    def _insert_sqlite(self, rows: list[dict]) -> None:
        # SQLAlchemy's per-row parameter processing cost a third of the import time, so rows go straight
        # to the DBAPI cursor, converted the way SQLAlchemy's SQLite Date/DateTime types store them.
        now = self.now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        cursor = self.connection.connection.dbapi_connection.cursor()
        try:
            cursor.executemany(
                _SQLITE_INSERT, [_sqlite_row(values, (values["row_hash"], now, now)) for values in rows]
            )
        finally:
            cursor.close()

    def _copy(self, rows: list[dict]) -> None:
        # PostgreSQL COPY on the session's own DBAPI connection (same transaction and savepoint), several
        # times faster than a multi-row INSERT. The text-format lines are built here in one pass: letting
        # psycopg adapt every value (write_row) cost more than the server's work.
        now = self.now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")  # timestamp without time zone, UTC
        tail = f"\t{now}\t{now}\n"
        data = "".join(["\t".join(_copy_texts(values)) + tail for values in rows])
        if self.table_was_empty:
            # Into an empty table no lookup runs between batches, so one COPY stays open for the whole
            # import: the server stores one batch while this process parses the next (two cores busy).
            if self._copy_stream is None:
                self._copy_stream = self._open_copy(self._copy_exit)
            self._copy_stream.write(data)
            return
        with ExitStack() as stack:
            self._open_copy(stack).write(data)

    def _open_copy(self, stack: ExitStack):
        cursor = stack.enter_context(self.connection.connection.dbapi_connection.cursor())
        return stack.enter_context(cursor.copy(f"COPY school ({', '.join(_COPY_COLUMNS)}) FROM STDIN"))

    def close_copy(self, error: BaseException | None = None) -> None:
        """End the import-long COPY, if one is open: complete it, or abort it after ``error`` (the
        caller then rolls the savepoint back; nothing else may run on the connection while it is open)."""
        if self._copy_stream is None:
            return
        self._copy_stream = None
        if error is None:
            self._copy_exit.close()
            return
        with suppress(Exception):  # the original error is what the caller re-raises
            self._copy_exit.__exit__(type(error), error, error.__traceback__)


def _copy_text(value) -> str:
    """One value in COPY text format (text values are already whitespace-normalised: no tab/newline)."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.replace("\\", "\\\\") if "\\" in value else value
    return str(value)  # int, float (repr round-trips), date (ISO)


def _copy_texts(values: dict) -> Iterator[str]:
    for name in _COPY_VALUE_FIELDS:
        yield _copy_text(values[name])


# --- the import loop ----------------------------------------------------------------------------------
def import_rows(
    session: Session,
    rows: Iterable[tuple[int, dict[str, str]]],
    *,
    skip_invalid: bool = False,
    progress: Callable[[int], None] | None = None,
    on_error: Callable[[RowError], None] | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> ImportReport:
    """Validate and write ``(row number, {column: text})`` rows (see :func:`import_schools`)."""
    report = ImportReport()
    parser = _RowParser(regency_lookup(session), bentuk_lookup(session), clock.now().year)
    session.flush()
    # A savepoint makes "nothing written" hold even if the caller commits after a failed import.
    savepoint = session.begin_nested()
    writer = _BatchWriter(session.connection())
    try:
        writer.start()
        _process(rows, parser, writer, report, _Options(skip_invalid, progress, on_error, batch_size))
        _finish(savepoint, writer, report, skip_invalid)
    except BaseException as exc:
        writer.close_copy(error=exc)
        if savepoint.is_active:
            savepoint.rollback()
        raise
    finally:
        writer.end()
    return report


@dataclass(frozen=True)
class _Options:
    skip_invalid: bool
    progress: Callable[[int], None] | None
    on_error: Callable[[RowError], None] | None
    batch_size: int


def _process(rows, parser: _RowParser, writer: _BatchWriter, report: ImportReport, options: _Options) -> None:
    """The streaming loop: parse, reject duplicates, write full batches (stop writing at the first bad row
    unless skipping invalid rows: the savepoint is rolled back then anyway)."""
    seen: dict[int, int] = {}  # npsn -> first row number; int keys keep 440,000 entries small
    batch: list[dict] = []
    pending = 0
    for row_number, raw in rows:
        report.rows += 1
        values, errors = parser.parse(row_number, raw)
        if values is not None:
            first = seen.setdefault(int(values["npsn"]), row_number)
            if first != row_number:
                values = None
                errors = [RowError(row_number, "npsn", f"NPSN ganda dalam file (sama dengan baris {first})")]
        if errors:
            _reject(report, errors, options.on_error)
        elif options.skip_invalid or not report.rejected:
            batch.append(values)
            if len(batch) >= options.batch_size:
                writer.write(batch, report)
                batch = []
        pending += 1
        if options.progress and pending >= PROGRESS_EVERY:
            options.progress(pending)
            pending = 0
    if batch and (options.skip_invalid or not report.rejected):
        writer.write(batch, report)
    if options.progress and pending:
        options.progress(pending)


def _reject(report: ImportReport, errors: list[RowError], on_error) -> None:
    report.rejected += 1
    report.error_count += len(errors)
    room = KEPT_ERRORS - len(report.errors)
    if room > 0:
        report.errors.extend(errors[:room])
    if on_error:
        for error in errors:
            on_error(error)


def _finish(savepoint, writer: _BatchWriter, report: ImportReport, skip_invalid: bool) -> None:
    if report.rejected and not skip_invalid:
        writer.close_copy(error=ImportFileError("import rejected: rolling back"))
        savepoint.rollback()
        report.added = report.updated = report.unchanged = 0
        report.written = False
        return
    writer.finish()
    savepoint.commit()
    report.written = True


def import_schools(
    session: Session,
    source: str | Path | BinaryIO,
    *,
    filename: str | None = None,
    skip_invalid: bool = False,
    progress: Callable[[int], None] | None = None,
    on_error: Callable[[RowError], None] | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> ImportReport:
    """Import a Dapodik-style CSV or XLSX export into ``school`` (insert new NPSNs, update changed ones).

    ``source`` is a path or a binary stream (then ``filename`` tells CSV from XLSX; without it the content
    is sniffed). Raises :class:`ImportFileError` when the file as a whole is unusable; nothing is written
    then. Row problems end up in the report; by default any bad row means nothing is written
    (``report.written`` is False), with ``skip_invalid`` the valid rows are written. ``progress`` receives
    the number of rows processed since its last call; ``on_error`` receives every row error. Flushes
    inside a savepoint; the caller commits.
    """
    with open_rows(source, filename) as rows:
        return import_rows(
            session,
            rows,
            skip_invalid=skip_invalid,
            progress=progress,
            on_error=on_error,
            batch_size=batch_size,
        )


# --- reading files ------------------------------------------------------------------------------------
def _is_xlsx(binary: BinaryIO, filename: str | None) -> bool:
    suffix = Path(filename).suffix.lower() if filename else ""
    if suffix in (".xlsx", ".xlsm"):
        return True
    if suffix == ".xls":
        raise ImportFileError(
            "Format .xls (Excel lama) tidak didukung: simpan ulang sebagai .xlsx atau CSV UTF-8."
        )
    if suffix in (".csv", ".txt"):
        return False
    head = binary.read(4)
    binary.seek(0)
    return head == b"PK\x03\x04"


@contextmanager
def open_rows(
    source: str | Path | BinaryIO, filename: str | None = None
) -> Iterator[Iterator[tuple[int, dict]]]:
    """Open a CSV or XLSX export and yield an iterator of ``(row number, {column: text})``.

    The header is checked before anything is yielded (:class:`ImportFileError` on a bad one)."""
    if isinstance(source, str | Path):
        filename = filename or str(source)
        try:
            binary = open(source, "rb")  # noqa: SIM115 (closed below)
        except OSError as exc:
            raise ImportFileError(f"File tidak dapat dibuka: {exc.strerror}") from exc
    else:
        binary = source
    try:
        if _is_xlsx(binary, filename):
            with _xlsx_rows(binary) as rows:
                yield rows
        else:
            # utf-8-sig accepts Excel's "CSV UTF-8" (with BOM) and plain UTF-8. Anything else is refused
            # rather than guessed: a wrong guess would silently corrupt school names.
            text = io.TextIOWrapper(binary, encoding="utf-8-sig", errors="strict", newline="")
            try:
                yield _csv_rows(text)
            finally:
                text.detach()  # the binary stream is closed below only if we opened it
    finally:
        if binary is not source:
            binary.close()


def _header_map(cells: list[str]) -> list[str | None]:
    """Normalise the header row to known column names (None for blank cells); reject bad headers."""
    names = [cell.strip().lower() if cell else "" for cell in cells]
    if not any(names):
        raise ImportFileError("File kosong: baris pertama (header) tidak berisi nama kolom.")
    present = [name for name in names if name]
    unknown = [name for name in present if name not in COLUMNS]
    duplicate = sorted({name for name in present if present.count(name) > 1})
    missing = [name for name in REQUIRED if name not in present]
    problems = []
    if missing:
        problems.append("kolom wajib tidak ada: " + ", ".join(missing))
    if unknown:
        problems.append("kolom tidak dikenal: " + ", ".join(unknown))
    if duplicate:
        problems.append("kolom ganda: " + ", ".join(duplicate))
    if problems:
        raise ImportFileError(
            "Header file tidak sesuai format ekspor Dapodik (" + "; ".join(problems) + "). "
            "Kolom yang diterima: " + ", ".join(COLUMNS) + "."
        )
    return [name or None for name in names]


def _records(
    header: list[str | None], rows: Iterator[list[str]], first_row: int
) -> Iterator[tuple[int, dict]]:
    width = len(header)
    has_blank_columns = None in header
    for row_number, cells in enumerate(rows, start=first_row):
        if not any(cells):
            continue  # blank line / empty spreadsheet row
        if len(cells) > width and any(cells[width:]):
            yield row_number, {_EXTRA_CELLS: str(len(cells))}
        elif has_blank_columns:
            yield row_number, {name: cell for name, cell in zip(header, cells, strict=False) if name}
        else:
            yield row_number, dict(zip(header, cells, strict=False))


def _csv_rows(text: io.TextIOWrapper) -> Iterator[tuple[int, dict]]:
    try:
        first_line = text.readline()
    except UnicodeDecodeError as exc:
        raise _not_utf8(1) from exc
    if not first_line.strip():
        raise ImportFileError("File kosong: tidak ada header maupun data.")
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(_chain_line(first_line, text), delimiter=delimiter)
    try:
        header_cells = next(reader)
    except csv.Error as exc:
        raise ImportFileError(f"Header file CSV rusak: {exc}") from exc
    records = _records(_header_map(header_cells), reader, first_row=2)
    first = _guarded_next(records, reader)
    if first is None:
        raise ImportFileError("File tidak berisi baris data (hanya header).")
    return _guarded(first, records, reader)


def _chain_line(first_line: str, text: io.TextIOWrapper) -> Iterator[str]:
    yield first_line
    yield from text


def _not_utf8(row: int) -> ImportFileError:
    return ImportFileError(
        f"File CSV bukan teks UTF-8 (byte tidak valid di sekitar baris {row}). "
        'Simpan ulang dari Excel sebagai "CSV UTF-8 (Comma delimited)".'
    )


def _guarded_next(records: Iterator, reader) -> tuple[int, dict] | None:
    try:
        return next(records, None)
    except UnicodeDecodeError as exc:
        raise _not_utf8(reader.line_num + 1) from exc
    except csv.Error as exc:
        raise ImportFileError(f"File CSV rusak di sekitar baris {reader.line_num}: {exc}") from exc


def _guarded(first: tuple[int, dict], records: Iterator, reader) -> Iterator[tuple[int, dict]]:
    yield first
    while (record := _guarded_next(records, reader)) is not None:
        yield record


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@contextmanager
def _xlsx_rows(binary: BinaryIO) -> Iterator[Iterator[tuple[int, dict]]]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(binary, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types (zip, XML, KeyError) for one cause: a bad file
        raise ImportFileError(f"File XLSX tidak dapat dibaca: {exc.__class__.__name__}: {exc}") from exc
    try:
        if not workbook.worksheets:
            raise ImportFileError("File XLSX tidak berisi lembar kerja.")
        cells = (
            [_cell_text(v) for v in row]
            for row in _xlsx_guard(workbook.worksheets[0].iter_rows(values_only=True))
        )
        header_cells = next(cells, None)
        if header_cells is None:
            raise ImportFileError("File kosong: tidak ada header maupun data.")
        records = _records(_header_map(header_cells), cells, first_row=2)
        first = next(records, None)
        if first is None:
            raise ImportFileError("File tidak berisi baris data (hanya header).")
        yield _prepend(first, records)
    finally:
        workbook.close()


def _xlsx_guard(rows: Iterator) -> Iterator:
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception as exc:  # a corrupt sheet part fails while streaming
            raise ImportFileError(f"File XLSX rusak: {exc.__class__.__name__}: {exc}") from exc
        yield row


def _prepend(first, rest: Iterator) -> Iterator:
    yield first
    yield from rest


# --- after a large import (called by the CLI once the import has committed) --------------------------
def refresh_statistics(db: Database) -> None:
    """After a large import: fresh planner statistics, and on PostgreSQL a VACUUM so the directory's
    index-only scans do not visit every new row's heap page (measured: 3-10x slower name searches on a
    freshly loaded table until autovacuum gets to it)."""
    if db.is_sqlite:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE school")
        return
    # VACUUM cannot run inside a transaction block.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM (ANALYZE) school")
