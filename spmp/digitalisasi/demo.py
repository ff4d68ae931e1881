"""Demo Digitalisasi work for ``spmp demo seed``: the schools of Kota Kupang and Kab. Kupang with a safe
room confirmed (the demo operator's school left to confirm its own), and this programme year's readiness
for every school. Only once: skipped when targets exist."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from spmp import clock
from spmp.accounts.models import User
from spmp.digitalisasi.models import DigitalTarget, SafeRoom
from spmp.digitalisasi.readiness import compute_readiness
from spmp.schools.models import School

DEMO_YEAR = 2026


def seed_demo_digitalisasi(session: Session, demo_school: School, evidence_path=None) -> None:
    if session.scalar(select(func.count()).select_from(DigitalTarget)):
        return
    staff = session.scalar(select(User).where(User.username == "staf"))
    schools = session.scalars(
        select(School.id).where(School.regency_code.in_(["53.71", "53.01"]), School.id != demo_school.id)
    ).all()
    now = clock.now()
    session.add_all(
        SafeRoom(school_id=school_id, note="Contoh data demo", confirmed_by_id=staff.id, confirmed_at=now)
        for school_id in schools[::2]
    )
    session.flush()
    compute_readiness(session, DEMO_YEAR)
    _seed_shipments(session, demo_school)
    _seed_bimtek(session, demo_school)
    _seed_field(session, demo_school, evidence_path)


def _seed_field(session: Session, demo_school: School, evidence_path) -> None:
    """Sosialisasi, verval and usage (``spmp.digitalisasi.field_demo``)."""
    from spmp.config import load_settings
    from spmp.digitalisasi import field_demo

    root = evidence_path or load_settings().evidence_path
    field_demo.seed_demo_sosialisasi(session, demo_school, DEMO_YEAR, root)
    field_demo.seed_demo_verval(session, demo_school, DEMO_YEAR)
    field_demo.seed_demo_usage(session, demo_school, DEMO_YEAR, root)


def _seed_shipments(session: Session, demo_school: School) -> None:
    """Panels and laptops on their way to the demo operator's school and two others of Kota Kupang."""
    from spmp.digitalisasi.shipments import import_shipments

    staff = session.scalar(select(User).where(User.username == "staf"))
    others = session.scalars(
        select(School.npsn)
        .where(School.regency_code == "53.71", School.id != demo_school.id)
        .order_by(School.id)
        .limit(2)
    ).all()
    lines = ["npsn,nomor_pengiriman,tanggal_kirim,jenis_perangkat,nomor_seri,pemasok"]
    for n, npsn in enumerate([demo_school.npsn, *others], 1):
        lines += [f"{npsn},SJ-DEMO-{n:03d},{DEMO_YEAR}-08-17,{kind},DEMO-{kind.upper()}-{n:03d}-{i},PT Contoh Panel"
                  for kind in ("panel", "laptop") for i in (1, 2)]  # fmt: skip
    import_shipments(session, staff, "\n".join(lines).encode(), "demo.csv", year=DEMO_YEAR)


def _seed_bimtek(session: Session, demo_school: School) -> None:
    """Yesterday's Bimtek of BPMP NTT for the demo school: one teacher attended (a certificate to download)."""
    from datetime import timedelta

    from spmp.digitalisasi import bimtek

    staff = session.scalar(select(User).where(User.username == "staf"))
    start = clock.now() - timedelta(days=1)
    held = bimtek.create_session(session, staff, bimtek.SessionInput(
        DEMO_YEAR, "Bimtek pemanfaatan panel interaktif, angkatan 1", "luring", start, start + timedelta(hours=6),
        "Aula BPMP NTT, Kupang", (demo_school.npsn,)))  # fmt: skip
    teacher = bimtek.add_participant(session, staff, held, demo_school.id, "Yohana Lani, S.Pd.", "guru")
    bimtek.add_participant(session, staff, held, demo_school.id, "Markus Tefa, S.Pd.", "guru")
    bimtek.record_attendance(session, staff, held, {teacher.id})
