"""Import schools from a Dapodik export, the public school listing or any table (``spmp schools import``).

Files: CSV (UTF-8), XLSX, a JSON array of records, or the public listing's JSON (an object whose values are
arrays of records, ``{"056000": [...]}``); read through :mod:`spmp.tabular` (bounded fields and columns,
no NUL, corrupt XLSX a clean error). Columns are found by name: Dapodik's export names, the public listing's
names (``sekolah``, ``bentuk``, ``status``, ``kode_kab_kota`` ...) or a mapping given by the user
(``--columns nama=sekolah,...``); columns SPMP does not use are ignored and listed once in the report.

Rows are validated one by one and written in batches with Core statements: one query looks up the batch's
NPSNs, new rows go in one executemany (COPY on PostgreSQL), changed rows in one executemany UPDATE. A row
whose normalised fields hash to the stored ``row_hash`` is left alone, so re-importing a file changes nothing.

Errors and warnings: a bad *required* field (NPSN, nama, bentuk, status, kode wilayah) rejects the row; a bad
*optional* field is left out (the school is imported without it) with a warning naming row, field and
reason, and coordinates far from the rest of the regency's schools in the file are a warning. No data loss
on partial files: a column absent from the file, or an empty cell, keeps the stored value (with
``clear_empty`` an empty cell empties it).

The whole import runs inside a SAVEPOINT of the caller's transaction: by default any rejected row rolls the
savepoint back (nothing written, every error listed); with ``skip_invalid`` the valid rows stay and the bad
ones are reported as rejected. The caller commits.
"""

from __future__ import annotations

import hashlib
import math
import operator
import re
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from datetime import UTC, date
from pathlib import Path
from statistics import median
from typing import BinaryIO

from sqlalchemy import ForeignKeyConstraint, String, UniqueConstraint, any_, bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.schema import AddConstraint, DropConstraint

from spmp import clock, tabular
from spmp.db import Database
from spmp.regions.models import Regency
from spmp.schools.models import ACCREDITATION, INTERNET, BentukPendidikan, School

# SPMP's column names (Dapodik's export field names), in the order the demo generator writes them.
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
# Other names each column goes by, in order of preference when a file has several: Dapodik's exports and
# API (``nama_sekolah``, ``kode_wilayah_induk_kecamatan``) and the public listing (``sekolah``, ``bentuk``,
# ``status``, ``kode_kab_kota``, ``kode_kec``). Header cells are compared trimmed, lower case, spaces as _.
ALIASES: dict[str, tuple[str, ...]] = {
    "nama": ("nama_sekolah", "sekolah", "nama_satuan_pendidikan"),
    "bentuk_pendidikan": ("bentuk",),
    "status_sekolah": ("status",),
    "kode_wilayah": (
        "kode_kab_kota",
        "kode_wilayah_induk_kabupaten",
        "kode_kec",
        "kode_wilayah_induk_kecamatan",
    ),
    "alamat_jalan": ("alamat",),
    "desa_kelurahan": ("desa", "kelurahan"),
    "lintang": ("latitude",),
    "bujur": ("longitude",),
}

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
# What a new school gets for a field the file does not give.
_NEW_SCHOOL_DEFAULTS = dict.fromkeys(IMPORTED_FIELDS) | {
    "is_remote": False,
    "is_border": False,
    "is_disaster_area": False,
}

DEFAULT_BATCH_SIZE = 5000
KEPT_ERRORS = 1000  # errors (and warnings) kept in the report; every one still goes to the callbacks
PROGRESS_EVERY = 1000
SQLITE_IMPORT_CACHE_KB = 64 * 1024
LAT_RANGE = (-11.5, 6.5)
LON_RANGE = (94.5, 141.5)
FIRST_REHAB_YEAR = 1945
MAX_WATTS = 10_000_000  # 10 MW: far above any school's connection, far below any integer column's limit
# Far from the regency: farther than FAR_KM and than FAR_FACTOR times the distance within which 90% of the
# regency's schools in the file lie (measured on the 215,372-school listing: 84 schools; regencies with far
# islands, e.g. Bintan's Tambelan, keep their coordinates since a warning changes nothing).
FAR_KM = 250.0
FAR_FACTOR = 3.0
FAR_MIN_SCHOOLS = 5

_TRUE = {"1", "ya", "y", "true", "t", "yes"}
_FALSE = {"0", "tidak", "n", "false", "f", "no"}
_STATUS_BY_SPELLING = {"negeri": "negeri", "swasta": "swasta", "n": "negeri", "s": "swasta"}
_ACCREDITATION_BY_SPELLING = {a.lower(): a for a in ACCREDITATION} | {"tidak terakreditasi": "TT"}
_INTERNET_BY_SPELLING = {i: i for i in INTERNET} | {"tidak ada": "tidak_ada", "tidak-ada": "tidak_ada"}
_DMY_RE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})", re.ASCII)
_ISO_RE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_KEMENDAGRI_RE = re.compile(r"(\d{2})\.?(\d{2})(?:\.\d{2}(?:\.\d{4})?)?", re.ASCII)
_DETAILS = re.compile(r" \([^()]*\)")  # "(ditemukan ...)", "(694 km, 32.06)": left out of a reason
_DAPODIK_RE = re.compile(r"\d{6}(?:\d{2,4})?", re.ASCII)


class _Keep:
    """A field the row does not give (column absent, or an empty cell): the stored value stays."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP = _Keep()


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (not a table, wrong headers, empty, unreadable)."""


@dataclass(frozen=True)
class RowError:
    """One problem in one row; ``row`` is the row number as a spreadsheet shows it (header = 1; the n-th
    record of a JSON file is row n + 1). ``source`` names the file when several are imported together."""

    row: int
    field: str
    message: str
    source: str = ""

    def __str__(self) -> str:
        where = f"{self.source}: " if self.source else ""
        return f"{where}baris {self.row}, {self.field}: {self.message}"

    @property
    def reason(self) -> str:
        """The message without the value found (to count problems by kind)."""
        return f"{self.field}: {_DETAILS.sub('', self.message)}"


@dataclass
class ImportReport:
    """What an import did. Counts describe what was written: all zero when nothing was written."""

    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    warned: int = 0  # rows imported with at least one warning
    written: bool = False
    error_count: int = 0
    warning_count: int = 0
    errors: list[RowError] = field(default_factory=list)  # the first KEPT_ERRORS errors
    warnings: list[RowError] = field(default_factory=list)  # the first KEPT_ERRORS warnings
    rejected_by_reason: Counter = field(default_factory=Counter)  # rows, by their first error's reason
    warned_by_reason: Counter = field(default_factory=Counter)  # warnings, by reason
    ignored_columns: list[str] = field(default_factory=list)  # file columns SPMP does not use

    @property
    def ok(self) -> bool:
        return self.rejected == 0

    def summary(self) -> str:
        return (
            f"{self.rows} baris dibaca: {self.added} ditambahkan, {self.updated} diperbarui, "
            f"{self.unchanged} tidak berubah, {self.rejected} ditolak, {self.warned} dengan peringatan"
        )


class _FieldError(Exception):
    pass


def _found(raw: str) -> str:
    return f"(ditemukan {tabular.quoted(raw, 40)})"


# --- field parsers: each takes the trimmed, non-empty text and returns a value or raises _FieldError ---
def _parse_npsn(raw: str) -> str:
    if not tabular.is_ascii_digits(raw, 8):
        raise _FieldError(f"harus 8 digit angka 0-9 {_found(raw)}")
    return raw


def _parse_text(limit: int) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        text = " ".join(raw.split())
        if len(text) > limit:
            raise _FieldError(f"terlalu panjang (maksimal {limit} karakter, ditemukan {len(text):,})")
        return text

    return parse


def _parse_choice(mapping: dict[str, str], choices: str) -> Callable[[str], str]:
    exact = mapping | {value: value for value in mapping.values()} | {v.upper(): v for v in mapping.values()}

    def parse(raw: str) -> str:
        value = exact.get(raw)  # the usual spellings, without normalising first
        if value is None:
            value = mapping.get(" ".join(raw.lower().split()))
        if value is None:
            raise _FieldError(f"harus {choices} {_found(raw)}")
        return value

    return parse


def _parse_coordinate(bounds: tuple[float, float]) -> Callable[[str], float]:
    def parse(raw: str) -> float:
        value = tabular.finite_number(raw)  # "-.0423000", "-10,5"; not nan, inf or Unicode digits
        if value is None:
            raise _FieldError(f"bukan angka {_found(raw)}")
        if not bounds[0] <= value <= bounds[1]:
            raise _FieldError(f"di luar wilayah Indonesia ({bounds[0]} s.d. {bounds[1]}) {_found(raw)}")
        return value

    return parse


def _parse_watts(raw: str) -> int:
    value = tabular.finite_number(raw)
    if value is None or value != int(value) or not 0 <= value <= MAX_WATTS:
        raise _FieldError(f"harus bilangan bulat 0 sampai {MAX_WATTS:,} {_found(raw)}")
    return int(value)


def _parse_flag(raw: str) -> bool:
    key = raw.lower()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise _FieldError(f"harus 1/0, ya/tidak atau true/false {_found(raw)}")


def _parse_date(raw: str) -> date:
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
    """Turns one raw row (column -> text) into School column values: required-field errors reject the
    row, optional-field problems become warnings and the field is left out (KEEP)."""

    def __init__(
        self,
        regencies: dict[str, tuple[str, str]],
        bentuk: dict[str, str],
        current_year: int,
        clear_empty: bool = False,
    ) -> None:
        self.regencies = regencies
        self.current_year = current_year
        self.keep_empty = not clear_empty  # else an empty optional cell empties the field
        choices = _parse_choice
        fields: tuple[tuple[str, str, Callable], ...] = (
            ("npsn", "npsn", _parse_npsn),
            ("nama", "name", _parse_text(200)),
            (
                "bentuk_pendidikan",
                "bentuk",
                choices(bentuk, "bentuk pendidikan Dapodik (SD, SMP, SMK, PKBM ...)"),
            ),
            ("status_sekolah", "status", choices(_STATUS_BY_SPELLING, "negeri/swasta atau N/S")),
            ("kode_wilayah", "regency_code", self._parse_regency),
            ("alamat_jalan", "address", _parse_text(300)),
            ("desa_kelurahan", "village", _parse_text(100)),
            ("lintang", "latitude", _parse_coordinate(LAT_RANGE)),
            ("bujur", "longitude", _parse_coordinate(LON_RANGE)),
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
        self.required = tuple((c, a, p) for c, a, p in fields if c in REQUIRED)
        self.optional = {c: (a, p) for c, a, p in fields if c not in REQUIRED}
        self.nothing_given = dict.fromkeys((a for c, a, p in fields if c not in REQUIRED), KEEP)

    def _parse_regency(self, raw: str) -> str:
        """A Kemendagri code (``53.71``, ``5371``, a kecamatan ``53.71.01``) or a Dapodik code
        (``246000``, a kecamatan ``056012`` or desa below it): looked up in the crosswalk, never guessed."""
        code = "".join(raw.split())
        found = self.regencies.get(code)
        if found is None:
            match = _KEMENDAGRI_RE.fullmatch(code)
            if match:
                found = self.regencies.get(f"{match[1]}.{match[2]}")
            elif _DAPODIK_RE.fullmatch(code):
                found = self.regencies.get(code[:4] + "00")
        if found is None:
            raise _FieldError(f"kode wilayah tidak dikenal (Kemendagri atau Dapodik) {_found(raw)}")
        return found[0]

    def _parse_year(self, raw: str) -> int:
        year = tabular.ascii_int(raw, low=FIRST_REHAB_YEAR, high=self.current_year)
        if year is None:
            raise _FieldError(f"harus tahun antara {FIRST_REHAB_YEAR} dan {self.current_year} {_found(raw)}")
        return year

    def parse(
        self, row_number: int, raw: dict[str, str]
    ) -> tuple[dict | None, list[RowError], list[RowError]]:
        """(values or None, errors, warnings) for one row."""
        values: dict = {}
        errors: list[RowError] = []
        for column, attr, parser in self.required:
            text = raw.get(column, "").strip()
            if not text:
                errors.append(RowError(row_number, column, "wajib diisi"))
                continue
            try:
                values[attr] = parser(text)
            except _FieldError as exc:
                errors.append(RowError(row_number, column, str(exc)))
        if errors:
            return None, errors, []
        values.update(self.nothing_given)  # fields of columns absent from the file stay as stored
        warnings: list[RowError] = []
        keep_empty = self.keep_empty
        optional = self.optional
        for column, text in raw.items():
            field_parser = optional.get(column)
            if field_parser is None:
                continue
            attr, parser = field_parser
            text = text.strip()
            if not text:
                values[attr] = KEEP if keep_empty else _NEW_SCHOOL_DEFAULTS[attr]
                continue
            try:
                values[attr] = parser(text)
            except _FieldError as exc:
                warnings.append(RowError(row_number, column, f"{exc}; tidak diimpor"))
        warnings += self._cross_checks(row_number, values, warnings)
        values["name_key"] = values["name"].lower()
        values["province_code"] = self.regencies[values["regency_code"]][1]
        return values, [], warnings

    @staticmethod
    def _cross_checks(row_number: int, values: dict, earlier: list[RowError]) -> list[RowError]:
        warnings = []
        latitude, longitude = values["latitude"], values["longitude"]
        lat_ok, lon_ok = isinstance(latitude, float), isinstance(longitude, float)
        if lat_ok != lon_ok:
            if not any(w.field in ("lintang", "bujur") for w in earlier):  # else already said why
                warnings.append(
                    RowError(
                        row_number, "lintang/bujur", "hanya satu yang terisi dan sah; keduanya tidak diimpor"
                    )
                )
            values["latitude"] = values["longitude"] = KEEP
        elif not lat_ok and latitude is not longitude:  # one empty, the other left out: keep both
            values["latitude"] = values["longitude"] = KEEP
        start, end = values["accreditation_start"], values["accreditation_end"]
        if isinstance(start, date) and isinstance(end, date) and start > end:
            warnings.append(
                RowError(
                    row_number,
                    "tst_akreditasi",
                    f"TST {end.isoformat()} lebih awal dari TMT {start.isoformat()}; tidak diimpor",
                )
            )
            values["accreditation_end"] = KEEP
        return warnings


def complete(values: dict, stored=None) -> dict:
    """Fill the fields the row left out (KEEP) from the stored school, or a new school's defaults, and
    set ``row_hash``."""
    source = _NEW_SCHOOL_DEFAULTS if stored is None else stored
    for attr in IMPORTED_FIELDS:
        if values[attr] is KEEP:
            values[attr] = source[attr]
    values["row_hash"] = row_hash(values)
    return values


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
    Dapodik crosswalk code. Kemendagri spellings win over a clashing Dapodik code."""
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
_LOOKUP_COLUMNS = (_TABLE.c.id, _TABLE.c.row_hash, *(_TABLE.c[name] for name in IMPORTED_FIELDS))
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

    def _lookup(self, batch: list[dict]) -> dict:
        """The stored schools of the batch's NPSNs: npsn -> row (id, row_hash and every imported field, to
        fill the fields a row leaves out)."""
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
        query = select(*_LOOKUP_COLUMNS).where(match)
        return {row.npsn: row._mapping for row in self.connection.execute(query)}

    def write(self, batch: list[dict], report: ImportReport) -> None:
        existing = self._lookup(batch)
        new, changed = [], []
        for values in batch:
            stored = existing.get(values["npsn"])
            complete(values, stored)
            if stored is None:
                new.append(values)
            elif stored["row_hash"] != values["row_hash"]:
                changed.append(values | {"_id": stored["id"], "updated_at": self.now})
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
Rows = Iterable[tuple[int, dict[str, str]]]


def import_rows(
    session: Session,
    rows: Rows,
    *,
    skip_invalid: bool = False,
    clear_empty: bool = False,
    progress: Callable[[int], None] | None = None,
    on_error: Callable[[RowError], None] | None = None,
    on_warning: Callable[[RowError], None] | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> ImportReport:
    """Validate and write ``(row number, {column: text})`` rows (see :func:`import_schools`)."""
    options = _Options(skip_invalid, clear_empty, progress, on_error, on_warning, batch_size)
    return _import(session, [("", rows)], ImportReport(), options)


def _import(
    session: Session, parts: Iterable[tuple[str, Rows]], report: ImportReport, options: _Options
) -> ImportReport:
    parser = _RowParser(
        regency_lookup(session), bentuk_lookup(session), clock.now().year, clear_empty=options.clear_empty
    )
    session.flush()
    # A savepoint makes "nothing written" hold even if the caller commits after a failed import.
    savepoint = session.begin_nested()
    writer = _BatchWriter(session.connection())
    try:
        writer.start()
        places = _process(parts, parser, writer, report, options)
        _finish(savepoint, writer, report, options, places)
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
    skip_invalid: bool = False
    clear_empty: bool = False
    progress: Callable[[int], None] | None = None
    on_error: Callable[[RowError], None] | None = None
    on_warning: Callable[[RowError], None] | None = None
    batch_size: int = DEFAULT_BATCH_SIZE


class _Places:
    """The coordinates of the accepted rows, per regency, in compact arrays (for the far-away check)."""

    def __init__(self) -> None:
        self.by_regency: dict[str, tuple[array, array, array, array]] = {}
        self.sources: list[str] = []

    def add(self, regency: str, latitude: float, longitude: float, source: int, row: int) -> None:
        arrays = self.by_regency.get(regency)
        if arrays is None:
            arrays = self.by_regency[regency] = (array("d"), array("d"), array("l"), array("l"))
        arrays[0].append(latitude)
        arrays[1].append(longitude)
        arrays[2].append(source)
        arrays[3].append(row)

    def far_away(self) -> Iterator[tuple[int, int, float, str]]:
        """(source, row, km, regency) of each school far from the middle of its regency's schools."""
        for regency, (lats, lons, sources, rows) in sorted(self.by_regency.items()):
            if len(lats) < FAR_MIN_SCHOOLS:
                continue
            mid_lat, mid_lon = median(lats), median(lons)
            scale = math.cos(math.radians(mid_lat))
            km = [
                111.32 * math.hypot(lat - mid_lat, (lon - mid_lon) * scale)
                for lat, lon in zip(lats, lons, strict=True)
            ]
            limit = max(FAR_KM, FAR_FACTOR * sorted(km)[int(0.9 * (len(km) - 1))])
            for index, distance in enumerate(km):
                if distance > limit:
                    yield sources[index], rows[index], distance, regency


def _process(
    parts: Iterable[tuple[str, Rows]],
    parser: _RowParser,
    writer: _BatchWriter,
    report: ImportReport,
    options: _Options,
) -> _Places:
    """The streaming loop: parse, reject duplicates, write full batches (stop writing at the first bad row
    unless skipping invalid rows: the savepoint is rolled back then anyway)."""
    seen: dict[int, int] = {}  # npsn -> (file index << 32 | row number); int keys keep 440,000 entries small
    places = _Places()
    sources = places.sources
    batch: list[dict] = []
    pending = 0
    for source_index, (source, rows) in enumerate(parts):
        sources.append(source)
        for row_number, raw in rows:
            report.rows += 1
            values, errors, warnings = parser.parse(row_number, raw)
            if values is not None:
                first = seen.setdefault(int(values["npsn"]), source_index << 32 | row_number)
                if first != source_index << 32 | row_number:
                    values, warnings = None, []
                    errors = [RowError(row_number, "npsn", _duplicate(first, sources))]
            if errors:
                _reject(report, [_in(e, source) for e in errors], options.on_error)
            else:
                if warnings:
                    _warn(report, [_in(w, source) for w in warnings], options.on_warning)
                if isinstance(values["latitude"], float):
                    places.add(
                        values["regency_code"],
                        values["latitude"],
                        values["longitude"],
                        source_index,
                        row_number,
                    )
                if options.skip_invalid or not report.rejected:
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
    return places


def _duplicate(first: int, sources: list[str]) -> str:
    where = f" di {sources[first >> 32]}" if sources[first >> 32] != sources[-1] else ""
    return f"NPSN ganda dalam file (sama dengan baris {first & 0xFFFFFFFF}{where})"


def _in(error: RowError, source: str) -> RowError:
    return RowError(error.row, error.field, error.message, source) if source else error


def _reject(report: ImportReport, errors: list[RowError], on_error) -> None:
    report.rejected += 1
    report.error_count += len(errors)
    report.rejected_by_reason[errors[0].reason] += 1
    room = KEPT_ERRORS - len(report.errors)
    if room > 0:
        report.errors.extend(errors[:room])
    if on_error:
        for error in errors:
            on_error(error)


def _warn(report: ImportReport, warnings: list[RowError], on_warning, new_row: bool = True) -> None:
    report.warned += new_row
    report.warning_count += len(warnings)
    for warning in warnings:
        report.warned_by_reason[warning.reason] += 1
    room = KEPT_ERRORS - len(report.warnings)
    if room > 0:
        report.warnings.extend(warnings[:room])
    if on_warning:
        for warning in warnings:
            on_warning(warning)


def _warn_far_away(report: ImportReport, places: _Places, on_warning) -> None:
    warned = {(w.source, w.row) for w in report.warnings} if report.warned else set()
    for source_index, row, km, regency in places.far_away():
        source = places.sources[source_index]
        warning = RowError(
            row,
            "lintang/bujur",
            f"jauh dari sekolah lain kabupaten/kota yang sama dalam file ({km:,.0f} km, {regency}); "
            "koordinat tetap diimpor, periksa",
            source,
        )
        _warn(report, [warning], on_warning, new_row=(source, row) not in warned)


def _finish(
    savepoint, writer: _BatchWriter, report: ImportReport, options: _Options, places: _Places
) -> None:
    if report.rejected and not options.skip_invalid:
        writer.close_copy(error=ImportFileError("import rejected: rolling back"))
        savepoint.rollback()
        report.added = report.updated = report.unchanged = 0
        report.written = False
        return
    _warn_far_away(report, places, options.on_warning)
    writer.finish()
    savepoint.commit()
    report.written = True


def import_schools(
    session: Session,
    source: str | Path | BinaryIO | Sequence[str | Path],
    *,
    filename: str | None = None,
    columns: dict[str, str] | None = None,
    skip_invalid: bool = False,
    clear_empty: bool = False,
    progress: Callable[[int], None] | None = None,
    on_error: Callable[[RowError], None] | None = None,
    on_warning: Callable[[RowError], None] | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> ImportReport:
    """Import schools from a CSV, XLSX or JSON file (or several, as one import) into ``school``: insert new
    NPSNs, update changed ones.

    ``source`` is a path, a list of paths or a binary stream (then ``filename`` helps tell the format).
    ``columns`` maps SPMP column names to the file's (see :func:`parse_column_mapping`). Raises
    :class:`ImportFileError` when a file as a whole is unusable; nothing is written then. Row problems end
    up in the report: by default any rejected row means nothing is written (``report.written`` is False),
    with ``skip_invalid`` the valid rows are written. Warnings never stop an import. ``progress`` receives
    the number of rows processed since its last call; ``on_error``/``on_warning`` receive every error and
    warning. Flushes inside a savepoint; the caller commits.
    """
    report = ImportReport()
    options = _Options(skip_invalid, clear_empty, progress, on_error, on_warning, batch_size)
    if isinstance(source, list | tuple):
        parts = _files(source, columns, report)
        return _import(session, parts, report, options)
    layout, rows = open_table(source, filename, columns)
    report.ignored_columns = layout.ignored
    return _import(session, [("", rows)], report, options)


def _files(paths: Sequence[str | Path], columns, report: ImportReport) -> Iterator[tuple[str, Rows]]:
    ignored: dict[str, None] = {}
    for path in paths:
        try:
            layout, rows = open_table(path, None, columns)
        except ImportFileError as exc:
            raise ImportFileError(f"{Path(path).name}: {exc}") from exc
        ignored.update(dict.fromkeys(layout.ignored))
        report.ignored_columns = list(ignored)
        yield Path(path).name, _named_errors(Path(path).name, rows)


def _named_errors(name: str, rows: Rows) -> Rows:
    try:
        yield from rows
    except ImportFileError as exc:
        raise ImportFileError(f"{name}: {exc}") from exc


# --- reading files ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Layout:
    """Which file column fills each SPMP column, and the file's columns that SPMP does not use."""

    columns: dict[str, str]
    ignored: list[str]


def parse_column_mapping(text: str) -> dict[str, str]:
    """``nama=sekolah,bentuk_pendidikan=bentuk`` -> {SPMP column: file column} (names normalised)."""
    mapping: dict[str, str] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        ours, sep, theirs = part.partition("=")
        ours, theirs = tabular.normal_name(ours), tabular.normal_name(theirs)
        if not sep or not ours or not theirs:
            raise ImportFileError(f"--columns: {tabular.quoted(part)} harus berbentuk kolom_spmp=kolom_file")
        if ours not in COLUMNS:
            raise ImportFileError(
                f"--columns: kolom SPMP {tabular.quoted(ours)} tidak dikenal; pilih dari: {', '.join(COLUMNS)}"
            )
        mapping[ours] = theirs
    return mapping


def resolve_layout(header: Sequence[str], mapping: dict[str, str] | None = None) -> Layout:
    """Match the file's (normalised) header to SPMP's columns: the user's mapping first, then each
    column's own name, then its aliases. Raises ImportFileError naming what is missing."""
    mapping = mapping or {}
    present = {name for name in header if name}
    problems = [
        f"kolom {tabular.quoted(theirs, 40)} (untuk {ours}) tidak ada di file"
        for ours, theirs in mapping.items()
        if theirs not in present
    ]
    columns = {ours: theirs for ours, theirs in mapping.items() if theirs in present}
    taken = set(columns.values())
    for column in COLUMNS:
        if column in mapping:
            continue
        for name in (column, *ALIASES.get(column, ())):
            if name in present and name not in taken:
                columns[column] = name
                taken.add(name)
                break
    missing = [column for column in REQUIRED if column not in columns and column not in mapping]
    if missing:
        names = ", ".join(f"{c} (atau {'/'.join(ALIASES[c])})" if c in ALIASES else c for c in missing)
        problems.append(f"kolom wajib tidak ada: {names}")
    if problems:
        raise ImportFileError(
            "Header file tidak dikenali: "
            + "; ".join(problems)
            + f". Kolom di file: {tabular.bounded_list(n for n in header if n)}."
            " Gunakan --columns kolom_spmp=kolom_file untuk nama kolom lain."
        )
    return Layout(columns, [name for name in header if name and name not in taken])


def open_table(
    source: str | Path | BinaryIO | bytes, filename: str | None = None, columns: dict[str, str] | None = None
) -> tuple[Layout, Rows]:
    """Read a file's header and return its layout and its rows as ``(row number, {SPMP column: text})``
    (only the columns the file has). A file that is not a table, has no usable header or no data row
    raises :class:`ImportFileError` here; later problems (a NUL byte further down) while iterating."""
    try:
        table = tabular.read_table(source, filename)
    except (tabular.TableError, OSError) as exc:
        raise ImportFileError(_short(exc)) from None
    layout = resolve_layout(table.header, columns)
    records = _records(table, layout)
    first = next(records, None)
    if first is None:
        raise ImportFileError("File tidak berisi baris data (hanya header).")
    return layout, _prepend(first, records)


def _short(exc: Exception) -> str:
    if isinstance(exc, OSError):
        return f"File tidak dapat dibuka: {exc.strerror}"
    message = str(exc)
    return "File kosong: tidak ada header maupun data." if message.startswith("berkas kosong") else message


def _records(table: tabular.Table, layout: Layout) -> Rows:
    pairs = list(layout.columns.items())
    try:
        for line, record in table.records():
            yield line, {ours: record[theirs] for ours, theirs in pairs}
    except tabular.TableError as exc:
        raise ImportFileError(str(exc)) from None


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
