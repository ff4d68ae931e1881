"""Shared by the tests of sosialisasi, verval and usage: two target schools of Kota Kupang whose devices
were received (BAST) before last month began, and a third that received nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from spmp.digitalisasi import usage
from spmp.digitalisasi.handover import HandoverInput, record_handover
from spmp.digitalisasi.models import Shipment
from spmp.digitalisasi.shipments import import_shipments
from tests.spmp.digitalisasi.support import YEAR, delivery_world, png, user


def received_world(session, evidence_root) -> dict:
    """``delivery_world`` with a panel and a laptop received by schools a and b (BAST filled in a month
    before last month began); ``late`` received nothing."""
    w = delivery_world(session)
    day = usage.previous_month(usage.last_period()) - timedelta(days=3)
    rows = ["npsn,nomor_pengiriman,tanggal_kirim,jenis_perangkat,nomor_seri"]
    for key in ("a", "b"):
        rows += [
            f"{w[key].npsn},SJ-{key},{day.isoformat()},{kind},SN-{key}-{kind}" for kind in ("panel", "laptop")
        ]
    import_shipments(session, w["staff"], "\n".join(rows).encode(), "kiriman.csv", year=YEAR)
    for key in ("a", "b"):
        shipment = session.scalar(select(Shipment).where(Shipment.school_id == w[key].id))
        serials = tuple(d.serial for d in shipment.devices)
        record_handover(session, w[f"op_{key}"], shipment,
                        HandoverInput(day, "Kepala Sekolah", serials, (("bast.png", png()),)), evidence_root)  # fmt: skip
    w["dinas"] = user(session, "dinas_kupang_dg", "dinas_regency", regency_code="53.71")
    w["pusat"] = user(session, "pusat_dg", "pusat")
    return w
