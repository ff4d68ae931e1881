"""Bulk import of Revitalisasi proposals (``spmp revitalisasi import-proposals FILE --year Y --as USER``):
CSV, XLSX or a JSON array of records, read through :mod:`spmp.tabular`.

One row per room; the rows of one NPSN make one proposal. Columns (case-insensitive, spaces as ``_``):

* ``npsn`` (8 digits, a school in the importer's area), ``nama_ruang``, ``jenis_ruang`` (``ruang_kelas``
  when empty), the damaged share 0-100 of each component (``pondasi``, ``kolom_balok``, ``kuda_kuda_atap``,
  ``tutup_atap``, ``plafon``, ``dinding``, ``kusen``, ``instalasi``, ``drainase``; empty = 0; decimal
  comma or point) and ``diusulkan`` (ya/tidak: only rooms of at least medium damage);
* per proposal, on its first row (later rows leave them empty or repeat them exactly): ``anggaran``
  (rupiah, digits, ``.`` as thousands separator allowed), ``lahan_siap`` (ya/tidak), ``bukti_lahan``,
  ``surveyor``, ``formulir_ditandatangani`` (ya/tidak), ``dapodik_sejak`` (year),
  ``tahun_rehabilitasi_terakhir`` (year; empty: the school's record), ``jumlah_siswa``, ``catatan``.

Every bad row is reported with its row, column and reason, and one bad row means nothing is written (the
file is checked whole before the first proposal is opened). Photos and signed forms are uploaded on each
proposal's page afterwards: the completeness check on submission asks for them."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from spmp import tabular
from spmp.access import school_scope
from spmp.accounts.models import User
from spmp.engine import ActionRefused
from spmp.revitalisasi import permissions
from spmp.revitalisasi.models import COMPONENTS, ROOM_KINDS, RevitalisasiProposal
from spmp.revitalisasi.operations import YEARS, ProposalInput, RoomInput, create_proposals, input_problems
from spmp.schools.importer import ImportFileError, RowError
from spmp.schools.models import School

ROOM_COLUMNS = ("nama_ruang", "jenis_ruang", *COMPONENTS, "diusulkan")
PROPOSAL_COLUMNS = ("anggaran", "lahan_siap", "bukti_lahan", "surveyor", "formulir_ditandatangani",
                    "dapodik_sejak", "tahun_rehabilitasi_terakhir", "jumlah_siswa", "catatan")  # fmt: skip
COLUMNS = ("npsn", *ROOM_COLUMNS, *PROPOSAL_COLUMNS)
REQUIRED = ("npsn", "nama_ruang", "diusulkan", "anggaran")
KEPT_ERRORS = 1000
_TRUE = {"1", "ya", "y", "true", "yes"}
_FALSE = {"0", "tidak", "t", "n", "false", "no", ""}
_RUPIAH = re.compile(r"(?:rp\.?\s*)?(\d{1,3}(?:\.\d{3})+|\d+)", re.ASCII | re.IGNORECASE)


@dataclass
class ProposalImportReport:
    rows: int = 0
    proposals: int = 0
    written: int = 0
    rejected_rows: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        text = (f"{self.rows} baris dibaca ({self.proposals} usulan): {self.written} usulan disimpan, "
                f"{self.rejected_rows} baris ditolak")  # fmt: skip
        if self.rejected_rows:
            text += " (tidak ada yang disimpan)"
        if self.ignored_columns:
            text += f"; kolom diabaikan: {tabular.bounded_list(self.ignored_columns)}"
        return text


@dataclass
class _Draft:
    """One proposal being assembled from its rows."""

    npsn: str
    school_id: int
    first_row: int
    values: dict[str, tuple[int, str]] = field(default_factory=dict)  # column -> (row, raw value)
    rooms: list[tuple[int, RoomInput]] = field(default_factory=list)


def _flag(raw: str, fail, column: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value not in _FALSE:
        fail(column, f"harus ya/tidak (ditemukan {tabular.quoted(raw, 20)})")
    return False


def _share(raw: str, fail, column: str) -> float:
    if not raw.strip():
        return 0.0
    value = tabular.finite_number(raw.strip().rstrip("%").strip())
    if value is None or not 0 <= value <= 100:
        fail(column, f"harus persen 0–100 (ditemukan {tabular.quoted(raw, 20)})")
        return 0.0
    return value


def _room(row: dict[str, str], fail) -> RoomInput:
    kind = row.get("jenis_ruang", "").strip().lower().replace(" ", "_") or "ruang_kelas"
    if kind not in ROOM_KINDS:
        fail(
            "jenis_ruang",
            f"harus salah satu dari {', '.join(ROOM_KINDS)} (ditemukan {tabular.quoted(kind, 20)})",
        )
        kind = "ruang_lain"
    name = row.get("nama_ruang", "").strip()
    if not name:
        fail("nama_ruang", "wajib diisi")
    elif len(name) > 150:
        fail("nama_ruang", f"maksimal 150 karakter (terisi {len(name)})")
    damages = {key: _share(row.get(key, ""), fail, key) for key in COMPONENTS}
    return RoomInput(
        name=name, kind=kind, damages=damages, is_requested=_flag(row.get("diusulkan", ""), fail, "diusulkan")
    )


def _rupiah(raw: str) -> int | None:
    match = _RUPIAH.fullmatch(raw.strip())
    return int(match.group(1).replace(".", "")) if match else None


def _same(column: str, raw: str) -> object:
    """A value as compared between the rows of one proposal (``1.250.000.000`` = ``1250000000``, ``Ya`` = ``ya``)."""
    if column == "anggaran":
        return _rupiah(raw) or raw
    return raw.strip().lower()


def _number(raw: str, low: int, high: int) -> int | None:
    return tabular.ascii_int(raw, low=low, high=high) if raw.strip() else None


def _proposal(draft: _Draft, year: int, fail_at) -> ProposalInput:
    """The proposal's own fields from the values its rows gave (each checked where it was written)."""

    def raw(column: str) -> str:
        return draft.values.get(column, (draft.first_row, ""))[1]

    def fail(column: str, message: str) -> None:
        fail_at(draft.values.get(column, (draft.first_row, ""))[0], column, message)

    budget = _rupiah(raw("anggaran"))
    if budget is None:
        fail(
            "anggaran",
            f"wajib, rupiah dalam angka (mis. 1500000000 atau 1.500.000.000; ditemukan {tabular.quoted(raw('anggaran'), 20)})",
        )
    numbers = {}
    for column, low, high in (("dapodik_sejak", 2000, year), ("tahun_rehabilitasi_terakhir", 1945, year),
                              ("jumlah_siswa", 0, 20_000)):  # fmt: skip
        numbers[column] = _number(raw(column), low, high)
        if raw(column).strip() and numbers[column] is None:
            fail(column, f"harus bilangan bulat {low}–{high} (ditemukan {tabular.quoted(raw(column), 20)})")
    return ProposalInput(
        school_id=draft.school_id, year=year, requested_budget=budget, rooms=tuple(r for _n, r in draft.rooms),
        land_ready=_flag(raw("lahan_siap"), fail, "lahan_siap"), land_proof=raw("bukti_lahan").strip(),
        surveyor_name=raw("surveyor").strip(),
        damage_form_signed=_flag(raw("formulir_ditandatangani"), fail, "formulir_ditandatangani"),
        dapodik_since_year=numbers["dapodik_sejak"], last_rehab_year=numbers["tahun_rehabilitasi_terakhir"],
        pupils_affected=numbers["jumlah_siswa"], notes=raw("catatan").strip(),
    )  # fmt: skip


class _Reader:
    def __init__(self, session: Session, user: User, year: int, report: ProposalImportReport) -> None:
        self.session, self.user, self.year, self.report = session, user, year, report
        self.drafts: dict[str, _Draft] = {}
        self.bad_rows: set[int] = set()
        self.seen: set[tuple[int, str]] = set()

    def fail(self, row: int, column: str, message: str) -> None:
        """Record a problem; one per row and column (the row checks and the proposal's checks overlap)."""
        self.bad_rows.add(row)
        if (row, column) in self.seen:
            return
        self.seen.add((row, column))
        if len(self.report.errors) < KEPT_ERRORS:
            self.report.errors.append(RowError(row, column, message))

    def schools(self, npsns: set[str]) -> dict[str, int]:
        valid = [n for n in npsns if tabular.is_ascii_digits(n, 8)]
        found: dict[str, int] = {}
        for start in range(0, len(valid), 500):
            query = select(School.npsn, School.id).where(
                School.npsn.in_(valid[start : start + 500]), school_scope(self.user)
            )
            found.update((npsn, school_id) for npsn, school_id in self.session.execute(query))
        return found

    def existing(self, school_ids: list[int]) -> set[int]:
        query = select(RevitalisasiProposal.school_id).where(
            RevitalisasiProposal.year == self.year, RevitalisasiProposal.school_id.in_(school_ids)
        )
        return set(self.session.scalars(query))

    def add_row(self, line: int, row: dict[str, str], schools: dict[str, int]) -> None:
        def fail(column: str, message: str) -> None:
            self.fail(line, column, message)

        npsn = row.get("npsn", "").strip()
        if not tabular.is_ascii_digits(npsn, 8):
            fail("npsn", f"harus 8 angka (ditemukan {tabular.quoted(npsn, 20)})")
            return
        if npsn not in schools:
            fail("npsn", f"sekolah {npsn} tidak ditemukan atau di luar wilayah Anda")
            return
        draft = self.drafts.setdefault(npsn, _Draft(npsn, schools[npsn], line))
        room = _room(row, fail)
        draft.rooms.append((line, room))
        for column in PROPOSAL_COLUMNS:
            value = row.get(column, "").strip()
            if not value:
                continue
            if column in draft.values and _same(column, draft.values[column][1]) != _same(column, value):
                earlier, seen = draft.values[column]
                fail(
                    column,
                    f"berbeda dengan baris {earlier} ({tabular.quoted(seen, 20)}) untuk NPSN yang sama",
                )
            draft.values.setdefault(column, (line, value))

    def check(self, draft: _Draft, existing: set[int]) -> ProposalInput:
        if draft.school_id in existing:
            self.fail(
                draft.first_row, "npsn", f"sekolah {draft.npsn} sudah memiliki usulan tahun {self.year}"
            )
        data = _proposal(draft, self.year, self.fail)
        rows = dict(enumerate((n for n, _r in draft.rooms), start=1))
        for name, message in input_problems(data):
            if name.startswith("ruang_") and name.split("_")[1].isdigit():
                index = int(name.split("_")[1])
                column = name.split("_", 2)[2]
                self.fail(
                    rows[index], {"nama": "nama_ruang", "jenis": "jenis_ruang"}.get(column, column), message
                )
            else:
                self.fail(draft.values.get(name, (draft.first_row, ""))[0], name, message)
        return data


def _read(source, filename) -> tuple[tabular.Table, list[tuple[int, dict[str, str]]]]:
    try:
        table = tabular.read_table(source, filename)
        records = list(table.records())
    except tabular.TableError as exc:
        raise ImportFileError(f"Berkas tidak dapat dibaca: {exc}") from exc
    missing = [c for c in REQUIRED if c not in table.header]
    if missing:
        raise ImportFileError(
            f"Kolom wajib tidak ada: {', '.join(missing)}. Kolom yang diterima: {', '.join(COLUMNS)}."
        )
    if not records:
        raise ImportFileError("File tidak berisi baris data (hanya header).")
    return table, records


def check_proposals(
    session: Session,
    user: User,
    source: str | Path | BinaryIO | bytes,
    *,
    year: int,
    filename: str | None = None,
) -> tuple[ProposalImportReport, list[ProposalInput]]:
    """Read and check the whole file: the report (every bad row named) and, when no row is bad, one
    proposal input per NPSN. Writes nothing. Raises ImportFileError when the file as a whole is unusable."""
    if not permissions.can_propose(user):
        raise ActionRefused("Peran Anda tidak dapat mengimpor usulan revitalisasi")
    if not YEARS[0] <= year <= YEARS[1]:
        raise ImportFileError(f"Tahun program harus {YEARS[0]}–{YEARS[1]}")
    table, records = _read(source, filename)
    report = ProposalImportReport(
        rows=len(records), ignored_columns=[c for c in table.header if c and c not in COLUMNS]
    )
    reader = _Reader(session, user, year, report)
    schools = reader.schools({r.get("npsn", "").strip() for _n, r in records})
    for line, row in records:
        reader.add_row(line, row, schools)
    existing = reader.existing([d.school_id for d in reader.drafts.values()])
    proposals = [reader.check(draft, existing) for draft in reader.drafts.values()]
    report.proposals = len(proposals)
    report.rejected_rows = len(reader.bad_rows)
    report.errors.sort(key=lambda e: (e.row, e.field))
    return report, ([] if report.errors else proposals)


def import_proposals(
    session: Session,
    user: User,
    source: str | Path | BinaryIO | bytes,
    *,
    year: int,
    filename: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ProposalImportReport:
    """Check the whole file, then (only if no row is bad) open one proposal per NPSN, calling
    ``progress(done, total)`` after each batch written. Raises ImportFileError when the file as a whole is
    unusable. Flushes; the caller commits (or rolls back: all or nothing)."""
    report, proposals = check_proposals(session, user, source, year=year, filename=filename)
    if report.errors:
        return report
    # Written in batches with Core inserts, the cases opened by the engine's bulk open (open_cases).
    report.written = len(create_proposals(session, user, proposals, source="import", progress=progress))
    return report
