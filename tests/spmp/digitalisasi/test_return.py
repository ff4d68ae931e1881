"""The school refuses a delivery or returns its BAST (wrong serials, a damaged device) with a reason; the
devices are no longer its assets; the B/BPMP corrects the shipment with the supplier (serials replaced,
conflicts refused) and sends it back; the school writes a new BAST. Each hand-off tells the next person."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from spmp.digitalisasi.handover import (
    CorrectionInput,
    HandoverInput,
    correct_shipment,
    parse_devices,
    parse_serials,
    record_handover,
    return_delivery,
)
from spmp.digitalisasi.models import Device, Handover, Shipment, ShipmentReturn
from spmp.digitalisasi.operations import DigitalisasiRefused
from spmp.digitalisasi.queries import delivery_by_regency
from spmp.digitalisasi.shipments import import_shipments
from spmp.engine import ActionRefused, fire
from spmp.notifications.models import Notification
from tests.spmp.digitalisasi.support import YEAR, delivery_world, png, supplier_xlsx

DAY = "2026-08-17"


@pytest.fixture
def w(session):
    w = delivery_world(session)
    rows = [(w["a"].npsn, "SJ-001", DAY, "panel", "IFP-A-1", "PT Contoh"),
            (w["a"].npsn, "SJ-001", DAY, "laptop", "LAP-A-1", "PT Contoh"),
            (w["b"].npsn, "SJ-002", DAY, "panel", "IFP-B-1", "PT Contoh")]  # fmt: skip
    import_shipments(session, w["staff"], supplier_xlsx(rows), "kiriman.xlsx", year=YEAR)
    w["shipment"] = session.scalar(select(Shipment).where(Shipment.reference == "SJ-001"))
    return w


def _bast(serials):
    return HandoverInput(received_on=date(2026, 8, 20), receiver_name="Maria Bria", serials=parse_serials(serials),
                         photos=(("serah.png", png()),))  # fmt: skip


def _told(session, case_id, user):
    return session.scalar(
        select(func.count()).where(Notification.case_id == case_id, Notification.user_id == user.id)
    )


def test_a_returned_bast_takes_the_devices_back_and_tells_the_unit(session, w, settings_root):
    shipment = w["shipment"]
    record_handover(session, w["op_a"], shipment, _bast("IFP-A-1\nLAP-A-1"), settings_root)
    before = _told(session, shipment.case_id, w["staff"])
    returned = return_delivery(session, w["op_a"], shipment, "perangkat_rusak", "Layar panel retak",
                               parse_serials("ifp-a-1"))  # fmt: skip
    session.expire_all()
    assert shipment.case.state == "dikembalikan" and shipment.handover is None
    assert session.scalar(select(func.count()).select_from(Handover)) == 0
    assert session.scalar(select(func.count()).where(Device.asset_school_id.is_not(None))) == 0
    assert returned.serial_list == ["IFP-A-1"] and "oleh Maria Bria" in returned.returned_bast
    assert "IFP-A-1, LAP-A-1" in returned.returned_bast
    assert _told(session, shipment.case_id, w["staff"]) == before + 1
    [row] = [r for r in delivery_by_regency(session, w["staff"], YEAR)]
    assert (row.returned, row.received, row.devices_received) == (1, 0, 0)


def test_refusing_before_the_bast_and_the_rules(session, w):
    shipment = w["shipment"]
    with pytest.raises(DigitalisasiRefused, match="Hanya operator atau kepala sekolah penerima"):
        return_delivery(session, w["op_b"], shipment, "lainnya", "x")
    with pytest.raises(DigitalisasiRefused, match="Pilih alasan"):
        return_delivery(session, w["op_a"], shipment, "bosan", "x")
    with pytest.raises(DigitalisasiRefused, match="Tulis keterangan"):
        return_delivery(session, w["op_a"], shipment, "lainnya", "  ")
    with pytest.raises(DigitalisasiRefused, match="bukan bagian pengiriman ini: IFP-B-1"):
        return_delivery(session, w["op_a"], shipment, "nomor_seri_salah", "salah", ("IFP-B-1",))
    # The engine alone (the case page) cannot return it: the reason and serials are written here.
    with pytest.raises(ActionRefused, match="halaman pengiriman"):
        fire(session, shipment.case_id, "return_delivery", w["op_a"], shipment.case.version,
             inputs={"return_reason": "lainnya"})  # fmt: skip
    returned = return_delivery(session, w["op_a"], shipment, "nomor_seri_salah", "Seri di dus berbeda")
    assert returned.returned_bast is None and shipment.case.state == "dikembalikan"
    with pytest.raises(DigitalisasiRefused, match="hanya dapat dikembalikan"):
        return_delivery(session, w["op_a"], shipment, "lainnya", "lagi")


def test_correction_replaces_serials_then_a_new_bast(session, w, settings_root):
    shipment = w["shipment"]
    record_handover(session, w["op_a"], shipment, _bast("IFP-A-1\nLAP-A-1"), settings_root)
    return_delivery(session, w["op_a"], shipment, "perangkat_rusak", "Layar retak", ("IFP-A-1",))
    with pytest.raises(ActionRefused, match="Catat koreksi"):
        fire(session, shipment.case_id, "correct", w["staff"], shipment.case.version)
    with pytest.raises(DigitalisasiRefused, match="wilayah sekolah"):
        correct_shipment(session, w["staff_jatim"], shipment, CorrectionInput("x", ("IFP-A-1",)))
    bad = CorrectionInput("Ganti panel", remove=("IFP-A-1", "NOPE"),
                          add=parse_devices("IFP-B-1 panel\nIFP-A-9 kulkas"))  # fmt: skip
    with pytest.raises(DigitalisasiRefused) as refused:
        correct_shipment(session, w["staff"], shipment, bad)
    message = str(refused.value)
    assert "nomor seri NOPE bukan bagian pengiriman ini" in message
    assert (
        "nomor seri IFP-B-1 sudah tercatat" in message and "baris 2 (IFP-A-9): jenis tidak dikenal" in message
    )
    assert session.scalar(select(ShipmentReturn.corrected_at)) is None
    before = _told(session, shipment.case_id, w["op_a"])
    correct_shipment(session, w["staff"], shipment,
                     CorrectionInput("Panel diganti pemasok", ("IFP-A-1",), parse_devices("ifp-a-2, IFP")))  # fmt: skip
    session.expire_all()
    assert shipment.case.state == "dikirim" and _told(session, shipment.case_id, w["op_a"]) == before + 1
    assert sorted(d.serial for d in shipment.devices) == ["IFP-A-2", "LAP-A-1"]
    with pytest.raises(DigitalisasiRefused, match="tidak pernah dikirim"):
        record_handover(session, w["op_a"], shipment, _bast("IFP-A-1"), settings_root)
    record_handover(session, w["op_a"], shipment, _bast("IFP-A-2\nLAP-A-1"), settings_root)
    session.expire_all()
    assert shipment.case.state == "diterima" and len(shipment.handover.devices) == 2


def test_running_v1_cases_keep_their_version(session, w):
    """Cases opened before version 2 stay on v1 (no return step) until migrated explicitly."""
    from spmp.engine import get_definition

    assert w["shipment"].case.type_version == 2
    v1 = get_definition("digitalisasi_pengiriman", 1)
    assert "dikembalikan" not in v1.states and "return_delivery" not in {t.trigger for t in v1.transitions}
