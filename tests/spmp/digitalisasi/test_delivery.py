"""Delivery and receipt: the supplier's list imported all or nothing with row, field and reason; the
BAST refuses a serial that was not shipped, shipped to another school, or already received by a school;
the devices received become the school's assets; the shipment case moves and tells the next person."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from spmp.digitalisasi.handover import HandoverInput, parse_serials, record_handover
from spmp.digitalisasi.models import Device, Shipment
from spmp.digitalisasi.operations import DigitalisasiRefused
from spmp.digitalisasi.queries import delivery_by_regency
from spmp.digitalisasi.shipments import ShipmentImportError, import_shipments
from spmp.engine import ActionRefused
from spmp.notifications.models import Notification
from tests.spmp.digitalisasi.support import YEAR, delivery_world, png, supplier_xlsx

DAY = "2026-08-17"


@pytest.fixture
def w(session):
    return delivery_world(session)


def _import(session, w, rows, who="staff"):
    return import_shipments(session, w[who], supplier_xlsx(rows), "kiriman.xlsx", year=YEAR)


def _good_rows(w):
    return [
        (w["a"].npsn, "SJ-001", DAY, "panel", "IFP-A-1", "PT Contoh"),
        (w["a"].npsn, "SJ-001", DAY, "Laptop", "lap a 1", "PT Contoh"),
        (w["b"].npsn, "SJ-002", "18/08/2026", "IFP", "IFP-B-1", "PT Contoh"),
    ]


def test_import_opens_one_case_per_shipment_and_tells_the_school(session, w):
    seen = []
    report = import_shipments(session, w["staff"], supplier_xlsx(_good_rows(w)), "kiriman.xlsx", year=YEAR,
                              progress=lambda done, total: seen.append((done, total)))  # fmt: skip
    assert (report.shipments, report.devices) == (2, 3) and seen == [(1, 2), (2, 2)]
    shipment = session.scalar(select(Shipment).where(Shipment.reference == "SJ-001"))
    assert shipment.case.state == "dikirim" and shipment.supplier == "PT Contoh"
    assert sorted(d.serial for d in shipment.devices) == [
        "IFP-A-1",
        "LAPA1",
    ]  # serials without blanks, upper case
    told = session.scalars(select(Notification.user_id).where(Notification.case_id == shipment.case_id)).all()
    assert w["op_a"].id in told
    [row] = delivery_by_regency(session, w["staff"], YEAR)
    assert (row.regency_code, row.shipments, row.in_transit, row.received, row.devices) == (
        "53.71",
        2,
        2,
        0,
        3,
    )


def test_import_refuses_every_bad_row_and_writes_nothing(session, w):
    _import(session, w, [(w["a"].npsn, "SJ-000", DAY, "panel", "OLD-1", "")])
    rows = [
        ("1234", "SJ-1", DAY, "panel", "S-1", ""),
        (w["late"].npsn, "SJ-2", DAY, "panel", "S-2", ""),
        (w["a"].npsn, "SJ-3", "31-02-2026", "panel", "S-3", ""),
        (w["a"].npsn, "SJ-3", DAY, "proyektor", "S-4", ""),
        (w["a"].npsn, "SJ-3", DAY, "panel", "S-5", ""),
        (w["b"].npsn, "SJ-4", DAY, "panel", "s-5", ""),
        (w["b"].npsn, "SJ-4", DAY, "panel", "OLD-1", ""),
        (w["a"].npsn, "SJ-000", DAY, "panel", "S-6", ""),
    ]
    with pytest.raises(ShipmentImportError) as refused:
        _import(session, w, rows)
    errors = refused.value.errors
    assert errors == [
        'baris 3, kolom npsn: "1234" bukan NPSN 8 angka',
        f"baris 4, kolom npsn: sekolah NPSN {w['late'].npsn} bukan sasaran Digitalisasi tahun {YEAR}",
        'baris 5, kolom tanggal_kirim: "31-02-2026" bukan tanggal (contoh 2026-08-17)',
        'baris 6, kolom jenis_perangkat: "proyektor" tidak dikenal (pilih panel, laptop, drive, modem, offgrid)',
        "baris 8, kolom nomor_seri: nomor seri S-5 ganda (sudah ada di baris 7)",
        f"baris 9, kolom nomor_seri: nomor seri OLD-1 sudah tercatat dikirim (pengiriman SJ-000 ke NPSN {w['a'].npsn})",
        f'baris 10, kolom nomor_pengiriman: pengiriman "SJ-000" untuk NPSN {w["a"].npsn} sudah diimpor',
    ]
    assert session.scalar(select(func.count()).select_from(Shipment)) == 1  # only the earlier import


def test_import_refuses_schools_outside_the_area_and_a_file_without_columns(session, w):
    with pytest.raises(ShipmentImportError, match="tidak ditemukan di wilayah Anda"):
        _import(session, w, _good_rows(w), who="staff_jatim")
    with pytest.raises(ShipmentImportError, match="header"):
        import_shipments(
            session, w["staff"], supplier_xlsx([("x",)], header=["npsn", "serial"]), "x.xlsx", year=YEAR
        )


def _bast(serials, photos=None, received=date(2026, 8, 20)):
    return HandoverInput(received_on=received, receiver_name="Maria Bria", serials=parse_serials(serials),
                         photos=photos if photos is not None else (("serah-terima.png", png()),))  # fmt: skip


def _shipment(session, reference):
    return session.scalar(select(Shipment).where(Shipment.reference == reference))


def test_bast_makes_assets_moves_the_case_and_tells_the_unit(session, w, settings_root):
    _import(session, w, _good_rows(w))
    shipment = _shipment(session, "SJ-001")
    record_handover(session, w["op_a"], shipment, _bast("ifp-a-1\nLAP A 1"), settings_root)
    session.expire_all()
    assert shipment.case.state == "diterima"
    assets = session.scalars(select(Device.serial).where(Device.asset_school_id == w["a"].id)).all()
    assert sorted(assets) == ["IFP-A-1", "LAPA1"]
    told = session.scalars(select(Notification.user_id).where(Notification.case_id == shipment.case_id)).all()
    assert w["staff"].id in told
    [row] = delivery_by_regency(session, w["staff"], YEAR)
    assert (row.in_transit, row.received, row.devices_received) == (1, 1, 2)
    with pytest.raises(DigitalisasiRefused, match="sudah diisi"):
        record_handover(session, w["op_a"], shipment, _bast("IFP-A-1"), settings_root)


@pytest.mark.parametrize(
    ("serials", "reason"),
    [
        ("IFP-A-1\nNOPE-9", "nomor seri NOPE-9 tidak pernah dikirim"),
        ("IFP-B-1", "nomor seri IFP-B-1 dikirim ke sekolah lain"),
    ],
)
def test_bast_refuses_serials_not_shipped_to_this_school(session, w, settings_root, serials, reason):
    _import(session, w, _good_rows(w))
    shipment = _shipment(session, "SJ-001")
    with pytest.raises(DigitalisasiRefused, match=reason):
        record_handover(session, w["op_a"], shipment, _bast(serials), settings_root)
    assert session.scalar(select(func.count()).where(Device.asset_school_id.is_not(None))) == 0


def test_a_serial_received_by_one_school_is_refused_to_another(session, w, settings_root):
    """The supplier's list names one device twice (two shipments); the second school cannot receive it."""
    _import(session, w, _good_rows(w))
    shipment_a, shipment_b = _shipment(session, "SJ-001"), _shipment(session, "SJ-002")
    record_handover(session, w["op_a"], shipment_a, _bast("IFP-A-1"), settings_root)
    with pytest.raises(
        DigitalisasiRefused, match=f"IFP-A-1 sudah diterima oleh SD Negeri Alak \\(NPSN {w['a'].npsn}\\)"
    ):
        record_handover(session, w["op_b"], shipment_b, _bast("IFP-B-1\nIFP-A-1"), settings_root)


def test_bast_needs_the_school_itself_and_a_photo(session, w, settings_root):
    _import(session, w, _good_rows(w))
    shipment = _shipment(session, "SJ-001")
    with pytest.raises(DigitalisasiRefused, match="Hanya operator atau kepala sekolah penerima"):
        record_handover(session, w["op_b"], shipment, _bast("IFP-A-1"), settings_root)
    with pytest.raises(DigitalisasiRefused, match="paling sedikit satu foto"):
        record_handover(session, w["op_a"], shipment, _bast("IFP-A-1", photos=()), settings_root)
    pdf = (("bast.pdf", b"%PDF-1.4\n%%EOF\n"),)
    with pytest.raises(DigitalisasiRefused, match="foto harus berupa JPEG atau PNG"):
        record_handover(session, w["op_a"], shipment, _bast("IFP-A-1", photos=pdf), settings_root)
    with pytest.raises(DigitalisasiRefused, match="Tanggal terima"):
        record_handover(
            session, w["op_a"], shipment, _bast("IFP-A-1", received=date(2026, 8, 1)), settings_root
        )


def test_confirm_receipt_without_bast_is_refused_by_the_engine(session, w):
    from spmp.engine import fire

    _import(session, w, _good_rows(w))
    shipment = _shipment(session, "SJ-001")
    with pytest.raises(ActionRefused, match="Isi BAST"):
        fire(session, shipment.case_id, "confirm_receipt", w["op_a"], shipment.case.version)
