"""The supplier's delivery list (XLSX, CSV or JSON through ``spmp.tabular``) becomes shipments and devices.

One row per device: ``npsn``, ``nomor_pengiriman`` (the delivery note), ``tanggal_kirim``,
``jenis_perangkat``, ``nomor_seri`` and optionally ``pemasok``. Rows with the same NPSN and delivery note
are one shipment, opened as a ``digitalisasi_pengiriman`` case (the school is told). All or nothing: every
row is checked first and any error (row, field, reason) refuses the whole file, nothing written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from spmp import clock
from spmp.access import school_scope
from spmp.accounts.models import User
from spmp.digitalisasi.models import DEVICE_KINDS, Device, DigitalTarget, Shipment
from spmp.engine import open_case
from spmp.errors import Refusal
from spmp.schools.models import School
from spmp.tabular import TableError, is_ascii_digits, quoted, read_table

WORKFLOW = "digitalisasi_pengiriman"
REQUIRED = ("npsn", "nomor_pengiriman", "tanggal_kirim", "jenis_perangkat", "nomor_seri")
ALIASES = {"no_surat_jalan": "nomor_pengiriman", "serial_number": "nomor_seri", "sn": "nomor_seri",
           "jenis": "jenis_perangkat", "tanggal": "tanggal_kirim", "supplier": "pemasok"}  # fmt: skip
KIND_WORDS = {"ifp": "panel", "panel interaktif": "panel", "interactive flat panel": "panel", "hdd": "drive",
              "harddisk": "drive", "hard disk": "drive", "switch": "modem", "off-grid": "offgrid",
              "plts": "offgrid"}  # fmt: skip
MAX_SERIAL = 60
MAX_ROWS = 100_000


class ShipmentImportError(Refusal):
    """The file was refused; ``errors`` lists each problem with its row and field."""

    def __init__(self, errors: list[str]) -> None:
        shown = errors[:50]
        more = f" (+{len(errors) - 50} lainnya)" if len(errors) > 50 else ""
        super().__init__("Berkas ditolak, tidak ada yang disimpan: " + "; ".join(shown) + more)
        self.errors = errors


@dataclass
class ShipmentGroup:
    school_id: int
    npsn: str
    reference: str
    supplier: str
    shipped_on: date
    devices: list[tuple[str, str]] = field(default_factory=list)  # (serial, kind)


@dataclass
class ImportReport:
    shipments: int = 0
    devices: int = 0

    def summary(self) -> str:
        return f"{self.shipments} pengiriman dengan {self.devices} perangkat diimpor"


def parse_day(text: str) -> date | None:
    """``2026-08-17``, ``17-08-2026`` or ``17/08/2026`` (what spreadsheets export), or None."""
    text = (text or "").strip()[:10]
    for pattern in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"):
        try:
            day = datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        return day if 2000 <= day.year <= 2100 else None
    return None


def device_kind(text: str) -> str | None:
    word = " ".join((text or "").lower().split())
    return word if word in DEVICE_KINDS else KIND_WORDS.get(word)


def normal_serial(text: str) -> str:
    """Serial numbers are compared without blanks and case: ``sn 12ab`` and ``SN12AB`` are one device."""
    return "".join((text or "").split()).upper()


def _header(names: list[str]) -> bool:
    names = [ALIASES.get(n, n) for n in names]
    return all(n in names for n in REQUIRED)


def read_rows(data: bytes, filename: str | None) -> list[tuple[int, dict[str, str]]]:
    try:
        table = read_table(data, filename, is_header=_header)
        table.header = [ALIASES.get(n, n) for n in table.header]
        rows = []
        for line, record in table.records():
            rows.append((line, record))
            if len(rows) > MAX_ROWS:
                raise ShipmentImportError([f"lebih dari {MAX_ROWS:,} baris; bagi berkasnya"])
        return rows
    except TableError as exc:
        raise ShipmentImportError([str(exc)]) from None


class _Checker:
    """Checks the rows against the database and each other; collects ``baris N, kolom: alasan``."""

    def __init__(self, session: Session, user: User, year: int, supplier: str) -> None:
        self.session, self.user, self.year, self.supplier = session, user, year, supplier
        self.errors: list[str] = []
        self.groups: dict[tuple[str, str], ShipmentGroup] = {}
        self.serial_rows: dict[str, int] = {}

    def error(self, line: int, column: str, reason: str) -> None:
        self.errors.append(f"baris {line}, kolom {column}: {reason}")

    def check(self, rows: list[tuple[int, dict[str, str]]]) -> list[ShipmentGroup]:
        schools = self._schools({r["npsn"].strip() for _, r in rows})
        existing = self._existing_serials({normal_serial(r["nomor_seri"]) for _, r in rows})
        imported = self._imported_references(schools)
        for line, row in rows:
            self._row(line, row, schools, existing, imported)
        return list(self.groups.values())

    def _row(self, line, row, schools, existing, imported) -> None:
        npsn, reference = row["npsn"].strip(), row["nomor_pengiriman"].strip()
        school = schools.get(npsn)
        if not is_ascii_digits(npsn, 8):
            self.error(line, "npsn", f"{quoted(npsn)} bukan NPSN 8 angka")
        elif school is None:
            self.error(line, "npsn", f"NPSN {npsn} tidak ditemukan di wilayah Anda")
        elif not school[1]:
            self.error(line, "npsn", f"sekolah NPSN {npsn} bukan sasaran Digitalisasi tahun {self.year}")
        if not reference or len(reference) > 60:
            self.error(line, "nomor_pengiriman", "wajib diisi, paling banyak 60 karakter")
        elif school and (school[0], reference) in imported:
            self.error(
                line, "nomor_pengiriman", f"pengiriman {quoted(reference)} untuk NPSN {npsn} sudah diimpor"
            )
        day = parse_day(row["tanggal_kirim"])
        if day is None:
            self.error(
                line, "tanggal_kirim", f"{quoted(row['tanggal_kirim'])} bukan tanggal (contoh 2026-08-17)"
            )
        kind = device_kind(row["jenis_perangkat"])
        if kind is None:
            self.error(line, "jenis_perangkat", f"{quoted(row['jenis_perangkat'])} tidak dikenal (pilih {', '.join(DEVICE_KINDS)})")  # fmt: skip
        serial = normal_serial(row["nomor_seri"])
        if not serial or len(serial) > MAX_SERIAL:
            self.error(line, "nomor_seri", f"wajib diisi, paling banyak {MAX_SERIAL} karakter")
        elif serial in self.serial_rows:
            self.error(
                line,
                "nomor_seri",
                f"nomor seri {serial} ganda (sudah ada di baris {self.serial_rows[serial]})",
            )
        elif serial in existing:
            self.error(line, "nomor_seri", f"nomor seri {serial} sudah tercatat dikirim ({existing[serial]})")
        self.serial_rows.setdefault(serial, line)
        if self.errors or school is None or day is None or kind is None:
            return
        supplier = (row.get("pemasok") or "").strip()[:150] or self.supplier
        group = self.groups.setdefault(
            (npsn, reference), ShipmentGroup(school[0], npsn, reference, supplier, day)
        )
        if group.shipped_on != day:
            self.error(line, "tanggal_kirim", f"berbeda dengan baris lain pengiriman {quoted(reference)}")
        group.devices.append((serial, kind))

    def _schools(self, npsns: set[str]) -> dict[str, tuple[int, bool]]:
        """NPSN -> (school id, is a target of the year) for the schools in the user's area."""
        found = {}
        wanted = [n for n in npsns if is_ascii_digits(n, 8)]
        for start in range(0, len(wanted), 500):
            rows = self.session.execute(
                select(School.npsn, School.id, DigitalTarget.id)
                .outerjoin(
                    DigitalTarget, (DigitalTarget.school_id == School.id) & (DigitalTarget.year == self.year)
                )
                .where(School.npsn.in_(wanted[start : start + 500]), school_scope(self.user))
            )
            found.update({npsn: (school_id, target_id is not None) for npsn, school_id, target_id in rows})
        return found

    def _existing_serials(self, serials: set[str]) -> dict[str, str]:
        found, wanted = {}, sorted(s for s in serials if s)
        for start in range(0, len(wanted), 500):
            rows = self.session.execute(
                select(Device.serial, School.npsn, Shipment.reference)
                .join(Shipment, Shipment.id == Device.shipment_id)
                .join(School, School.id == Shipment.school_id)
                .where(Device.serial.in_(wanted[start : start + 500]))
            )
            found.update({s: f"pengiriman {ref} ke NPSN {npsn}" for s, npsn, ref in rows})
        return found

    def _imported_references(self, schools) -> set[tuple[int, str]]:
        ids = [school_id for school_id, _ in schools.values()]
        if not ids:
            return set()
        rows = self.session.execute(
            select(Shipment.school_id, Shipment.reference).where(
                Shipment.year == self.year, Shipment.school_id.in_(ids)
            )
        )
        return {(school_id, reference) for school_id, reference in rows}


def import_shipments(
    session: Session,
    user: User,
    data: bytes,
    filename: str | None,
    *,
    year: int,
    supplier: str = "",
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Check every row, then open one shipment case per (school, delivery note) and write its devices.
    Raises ShipmentImportError (nothing written) on any row error. Flushes, never commits."""
    rows = read_rows(data, filename)
    if not rows:
        raise ShipmentImportError(["berkas tidak berisi baris data"])
    checker = _Checker(session, user, year, supplier.strip()[:150] or "Penyedia")
    groups = checker.check(rows)
    if checker.errors:
        raise ShipmentImportError(checker.errors)
    report, now = ImportReport(), clock.now()
    for number, group in enumerate(groups, 1):
        case = open_case(session, user, WORKFLOW, title=f"Pengiriman {group.reference} ke NPSN {group.npsn}",
                         school_id=group.school_id)  # fmt: skip
        shipment = Shipment(case_id=case.id, year=year, school_id=group.school_id, reference=group.reference,
                            supplier=group.supplier, shipped_on=group.shipped_on, created_by_id=user.id,
                            created_at=now)  # fmt: skip
        session.add(shipment)
        session.flush()
        session.execute(
            insert(Device), [{"serial": s, "kind": k, "shipment_id": shipment.id} for s, k in group.devices]
        )
        report.shipments += 1
        report.devices += len(group.devices)
        if progress:
            progress(number, len(groups))
    return report
