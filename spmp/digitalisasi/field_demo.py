"""Demo data of Digitalisasi in the field (``spmp demo seed``, called by ``spmp.digitalisasi.demo``): the
demo school's laptops received in August (BAST) with the month before last reported as a problem and last
month not reported, so the operator's usage page asks for it and BPMP NTT's list flags it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from spmp import clock
from spmp.accounts.models import User
from spmp.schools.models import School


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 90, 160)).save(out, "PNG")
    return out.getvalue()


def seed_demo_usage(session: Session, demo_school: School, year: int, evidence_root: Path) -> None:
    from datetime import date

    from spmp.digitalisasi import usage
    from spmp.digitalisasi.field_models import UsageReport
    from spmp.digitalisasi.handover import HandoverInput, record_handover
    from spmp.digitalisasi.models import Shipment
    from spmp.digitalisasi.shipments import import_shipments

    staff = session.scalar(select(User).where(User.username == "staf"))
    operator = session.scalar(select(User).where(User.username == "operator"))
    lines = ["npsn,nomor_pengiriman,tanggal_kirim,jenis_perangkat,nomor_seri,pemasok",
             f"{demo_school.npsn},SJ-DEMO-000,{year}-08-01,laptop,DEMO-LAPTOP-000-1,PT Contoh Panel"]  # fmt: skip
    import_shipments(session, staff, "\n".join(lines).encode(), "demo-laptop.csv", year=year)
    shipment = session.scalar(select(Shipment).where(Shipment.reference == "SJ-DEMO-000"))
    received = HandoverInput(
        date(year, 8, 5), "Kepala Sekolah", ("DEMO-LAPTOP-000-1",), (("bast.png", _png()),)
    )
    record_handover(session, operator, shipment, received, evidence_root)
    before_last = usage.previous_month(usage.last_period())
    session.add(UsageReport(
        school_id=demo_school.id, period=before_last, hours_per_week=5, classes_using=3, teachers_using=2,
        condition="bermasalah", problem="internet", note="Sinyal hilang saat hujan; materi daring tidak terbuka.",
        reported_by_id=operator.id, reported_at=clock.now(),
    ))  # fmt: skip
    session.flush()


def seed_demo_verval(session: Session, demo_school: School, year: int) -> None:
    """BPMP NTT's verval of Kota Kupang's targets: the demo school's data returned to it (power does not
    match), one accepted, the rest waiting in the unit's queue."""
    from spmp.digitalisasi import verval
    from spmp.digitalisasi.field_models import VervalCase

    staff = session.scalar(select(User).where(User.username == "staf"))
    verval.open_cases(session, staff, year, demo_school.regency_code)
    mine = session.scalar(
        select(VervalCase).where(VervalCase.school_id == demo_school.id, VervalCase.year == year)
    )
    other = session.scalar(
        select(VervalCase).where(VervalCase.year == year, VervalCase.school_id != demo_school.id).limit(1)
    )
    if mine is not None:
        verval.act(session, staff, mine.id, "return_school", mine.case.version,
                   {"reason_code": "daya_listrik_tidak_sesuai",
                    "catatan": "Daya di Dapodik berbeda dengan foto meteran; mohon perbarui data daya listrik."})  # fmt: skip
    if other is not None:
        verval.act(
            session, staff, other.id, "accept", other.case.version, {"catatan": "Data sesuai kunjungan."}
        )


def seed_demo_sosialisasi(session: Session, demo_school: School, year: int, evidence_root: Path) -> None:
    """BPMP NTT's sosialisasi in Kota Kupang (the Dinas, the demo school and two others attended, slides
    attached) and a coordination meeting in Kab. Kupang."""
    from datetime import date

    from spmp.digitalisasi import sosialisasi as ops

    staff = session.scalar(select(User).where(User.username == "staf"))
    kota = ops.create_event(session, staff, ops.EventInput(
        year, "sosialisasi", demo_school.regency_code, date(year, 7, 14), "Aula Dinas Pendidikan Kota Kupang",
        "Paparan program Digitalisasi Pembelajaran, syarat kesiapan (daya listrik, ruang aman) dan jadwal pengiriman."))  # fmt: skip
    ops.add_attendee(session, staff, kota, "dinas", "", "Dinas Pendidikan dan Kebudayaan Kota Kupang", 4)
    schools = session.scalars(
        select(School).where(School.regency_code == demo_school.regency_code).order_by(School.id).limit(3)
    ).all()
    for n, school in enumerate(schools, 1):
        ops.add_attendee(session, staff, kota, "sekolah", school.npsn, "", 1 + n % 2)
    ops.add_material(session, staff, kota, "paparan-digitalisasi.pdf", _pdf(), evidence_root)
    kab = ops.create_event(session, staff, ops.EventInput(
        year, "koordinasi", "53.01", date(year, 7, 21), "Kantor Bupati Kupang, Oelamasi",
        "Koordinasi data sasaran dan verval dengan Dinas Pendidikan Kab. Kupang."))  # fmt: skip
    ops.add_attendee(session, staff, kab, "dinas", "", "Dinas Pendidikan Kab. Kupang", 3)


def _pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
