"""Demo Revitalisasi proposals for ``spmp demo seed`` (NTT, programme year 2026): one in each verval step,
so that ``make run`` shows the list, the Pemda's and the B/BPMP's queues, and a proposal page with photos
(one taken far from the school) and the damage breakdown. Only once: skipped when proposals exist."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from spmp.accounts.models import User
from spmp.engine.cases import CaseRecord
from spmp.revitalisasi import operations as ops
from spmp.revitalisasi.models import RevitalisasiProposal
from spmp.schools.models import School

YEAR = 2026
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
KUPANG = (-10.1772, 123.6070)  # for a demo school without coordinates


def _dms(value: float) -> tuple:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    return (degrees, minutes, round((value - degrees - minutes / 60) * 3600, 2))


def demo_photo(lat: float, lon: float, label: str, shade: int) -> bytes:
    """A small JPEG standing in for a field photo, with its GPS position in EXIF as a phone writes it."""
    image = Image.new("RGB", (320, 240), (150 + shade * 15 % 100, 120, 90))
    ImageDraw.Draw(image).text((12, 110), label, fill=(255, 255, 255))
    exif = Image.Exif()
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = (
        ("S" if lat < 0 else "N"),
        _dms(lat),
        ("W" if lon < 0 else "E"),
        _dms(lon),
    )
    exif[0x0132] = f"{YEAR}:02:1{shade % 10} 09:30:00"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=70)
    return out.getvalue()


def _rooms(heavy: bool) -> tuple[ops.RoomInput, ...]:
    structure = (
        {"kolom_balok": 100, "kuda_kuda_atap": 100, "tutup_atap": 80}
        if heavy
        else {"kolom_balok": 100, "pondasi": 60, "tutup_atap": 50}
    )
    return (
        ops.RoomInput("Ruang kelas 1", "ruang_kelas", structure, True),
        ops.RoomInput(
            "Ruang kelas 2", "ruang_kelas", {"kolom_balok": 100, "pondasi": 100, "dinding": 50}, True
        ),
        ops.RoomInput("Toilet siswa", "toilet", {"plafon": 100, "instalasi": 100}, False),
    )


def _version(session: Session, proposal) -> int:
    return session.scalar(select(CaseRecord.version).where(CaseRecord.id == proposal.case_id))


def _complete(session: Session, user: User, proposal, root: Path, far: bool) -> None:
    school = proposal.school
    lat, lon = (school.latitude, school.longitude) if school.latitude is not None else KUPANG
    ops.attach_document(session, user, proposal.id, "lahan", "sertifikat-lahan.pdf", PDF, root)
    ops.attach_document(session, user, proposal.id, "formulir", "formulir-kerusakan-pupr.pdf", PDF, root)
    for n in range(6):
        away = 0.03 if far and n == 5 else 0.0003 * n  # ~3.3 km off for the last photo of a "far" set
        ops.add_photo(session, user, proposal.id, f"foto-kerusakan-{n + 1}.jpg",
                      demo_photo(lat - away, lon, f"Foto kerusakan {n + 1}", n), root, f"Ruang kelas, sisi {n + 1}")  # fmt: skip


def _schools(session: Session, regency: str, count: int) -> list[School]:
    query = (
        select(School)
        .where(School.regency_code == regency, School.bentuk == "SD")
        .order_by(School.name_key, School.id)
    )
    return list(session.scalars(query.limit(count)))


def seed_demo_proposals(session: Session, root: Path) -> list[RevitalisasiProposal]:
    if session.scalar(select(func.count()).select_from(RevitalisasiProposal)):
        return []
    city = session.scalar(select(User).where(User.username == "dinas.kota"))
    province = session.scalar(select(User).where(User.username == "dinas.prov"))
    staff = session.scalar(select(User).where(User.username == "staf"))
    if None in (city, province, staff):
        return []
    kota, kab = _schools(session, "53.71", 3), _schools(session, "53.01", 2)
    made = []

    def propose(user, school, heavy=True, **values):
        base = dict(school_id=school.id, year=YEAR, requested_budget=(950 if heavy else 620) * 1_000_000,
                    rooms=_rooms(heavy), land_ready=True, land_proof="Sertifikat hak pakai No. 14/2018",
                    surveyor_name="Ir. Maria Lakapu", damage_form_signed=True, dapodik_since_year=2016,
                    last_rehab_year=2014, pupils_affected=180)  # fmt: skip
        base.update(values)
        made.append(ops.create_proposal(session, user, ops.ProposalInput(**base)))
        return made[-1]

    def act(user, proposal, trigger, **inputs):
        ops.act(session, user, proposal.id, trigger, _version(session, proposal), inputs=inputs or None)

    # The operator's school: complete, verified by the Pemda, waiting in the B/BPMP's verval queue.
    if kota:
        waiting = propose(city, kota[0])
        _complete(session, city, waiting, root, far=True)
        act(city, waiting, "submit")
        act(city, waiting, "pemda_verify", catatan="Data sesuai Dapodik dan hasil survei Dinas")
    if len(kota) > 1:
        propose(city, kota[1], heavy=False, dapodik_since_year=None)  # a draft, still without photos
    if len(kota) > 2:
        accepted = propose(city, kota[2])
        _complete(session, city, accepted, root, far=False)
        act(city, accepted, "submit")
        act(city, accepted, "pemda_verify", catatan="Lengkap")
        act(staff, accepted, "accept", catatan="Foto, formulir dan lahan sesuai")
    for index, school in enumerate(kab):  # Kab. Kupang (3T): waiting on the province's verification
        proposal = propose(province, school, heavy=index == 0, last_rehab_year=None)
        _complete(session, province, proposal, root, far=False)
        act(province, proposal, "submit")
    return made


# --- execution (workflow version 2) ---------------------------------------------------------------------
DEMO_COMMITTEE = (
    ("Yosef Tualaka", "ketua"),
    ("Maria Nenobais", "sekretaris"),
    ("Agustinus Lay", "bendahara"),
    ("Ir. Daniel Bani", "anggota_teknis"),
)


def _committee(session: Session, user: User, proposal, seed: int) -> None:
    from spmp.revitalisasi import execution_ops as xops

    for n, (name, role) in enumerate(DEMO_COMMITTEE, start=1):
        nik = f"5371{seed:02d}0101{n:06d}"
        xops.add_member(session, user, proposal.id, name=name, nik=nik, role=role)


def _progress_photos(school, percent: int, count: int = 2):
    from spmp.revitalisasi import execution_ops as xops

    lat, lon = (school.latitude, school.longitude) if school.latitude is not None else KUPANG
    return [xops.PhotoUpload(f"progres-{percent}-{n + 1}.jpg",
                             demo_photo(lat + 0.0002 * n, lon, f"Progres {percent} %", percent // 25 + n))
            for n in range(count)]  # fmt: skip


def seed_demo_execution(session: Session, root: Path) -> list[RevitalisasiProposal]:
    """Selected schools of programme year 2025 (the 2026 proposals are still in verval) at different
    execution stages, in Kota Kupang (only once: skipped when a P2SP exists): the principal's school
    preparing its documents, one just selected, one under construction with a 50 % school report waiting
    for the facilitator and a field obstacle the facilitator reported, one with tranche II disbursed after a
    verified 75 %. The demo facilitator (``fasilitator``) is assigned to the running ones."""
    from spmp.engine import ActionRefused
    from spmp.kendala.operations import ObstacleInput, report_obstacle
    from spmp.revitalisasi import execution_ops as xops
    from spmp.revitalisasi.execution import P2spMember

    if session.scalar(select(func.count()).select_from(P2spMember)):
        return []
    people = {u.username: u for u in session.scalars(select(User).where(
        User.username.in_(("dinas.kota", "staf", "pusat", "kepsek", "fasilitator"))))}  # fmt: skip
    if len(people) < 5:
        return []
    city, staff, pusat, principal = people["dinas.kota"], people["staf"], people["pusat"], people["kepsek"]
    kota = _schools(session, "53.71", 4)
    if len(kota) < 4:
        return []

    def act(user, proposal, trigger, **inputs):
        ops.act(session, user, proposal.id, trigger, _version(session, proposal), inputs=inputs or None)

    def selected(school, year):
        data = ops.ProposalInput(
            school_id=school.id, year=year, requested_budget=900_000_000, rooms=_rooms(True), land_ready=True,
            land_proof="Sertifikat hak pakai No. 21/2017", surveyor_name="Ir. Maria Lakapu", damage_form_signed=True,
            dapodik_since_year=2016, last_rehab_year=2012, pupils_affected=210,
        )  # fmt: skip
        proposal = ops.create_proposal(session, city, data)
        _complete(session, city, proposal, root, far=False)
        act(city, proposal, "submit")
        act(city, proposal, "pemda_verify", catatan="Lengkap")
        act(staff, proposal, "accept", catatan="Sesuai")
        act(pusat, proposal, "select")
        return proposal

    def to_construction(proposal, seed):
        _committee(session, principal if proposal.school_id == principal.school_id else city, proposal, seed)
        act(city, proposal, "p2sp_formed")
        for kind in ("rab", "gambar", "jadwal", "pbg"):
            xops.upload_document(session, city, proposal.id, kind, f"{kind}.pdf", PDF, root)
        act(city, proposal, "submit_documents")
        xops.assign_facilitator(session, staff, [proposal.id], people["fasilitator"].id)
        act(staff, proposal, "disburse_tranche_1")

    made = []
    try:
        own = selected(kota[0], 2025)  # the principal's school: P2SP formed, two documents to go
        _committee(session, principal, own, 1)
        act(principal, own, "p2sp_formed")
        for kind in ("rab", "gambar"):
            xops.upload_document(session, principal, own.id, kind, f"{kind}.pdf", PDF, root)
        xops.assign_facilitator(session, staff, [own.id], people["fasilitator"].id)
        made.append(own)
        made.append(selected(kota[3], 2025))  # just selected: the school forms its P2SP
        building = selected(kota[1], 2025)
        to_construction(building, 2)
        xops.report_progress(session, city, building.id, percent=50, notes="Kolom dan balok selesai dicor",
                             photos=_progress_photos(building.school, 50), root=root)  # fmt: skip
        report_obstacle(session, people["fasilitator"], ObstacleInput(
            building.school_id, "konstruksi", "Semen dan baja ringan terlambat dua minggu: kapal dari Surabaya "
            "tertunda cuaca; pengecoran lantai dua bergeser.", about_case_id=building.case_id))  # fmt: skip
        made.append(building)
        second = selected(kota[2], 2025)
        to_construction(second, 3)
        xops.record_visit(session, people["fasilitator"], second.id, percent=75, notes="Atap terpasang, dinding 80 %",
                          photos=_progress_photos(second.school, 75), root=root)  # fmt: skip
        act(staff, second, "disburse_tranche_2")
        made.append(second)
    except ActionRefused:  # a demo school that does not qualify: keep what was made
        pass
    return made
