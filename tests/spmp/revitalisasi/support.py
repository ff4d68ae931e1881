"""Test helpers for Revitalisasi: a proposal's input, geotagged JPEGs, a complete proposal."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from spmp.revitalisasi import operations as ops

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# Kota Kupang: the school's coordinates in these tests.
SCHOOL_LAT, SCHOOL_LON = -10.1772, 123.6070
HEAVY = {"kolom_balok": 100, "kuda_kuda_atap": 100, "tutup_atap": 60}  # 25 + 15 + 6 = 46 % -> berat
MEDIUM = {"kolom_balok": 100, "pondasi": 100, "drainase": 20}  # 25 + 12 + 1 = 38 % -> sedang
LIGHT = {"plafon": 100, "dinding": 100}  # 18 % -> ringan


def room(name="Ruang kelas 1", damages=None, requested=True, kind="ruang_kelas") -> ops.RoomInput:
    return ops.RoomInput(
        name=name, kind=kind, damages=dict(HEAVY if damages is None else damages), is_requested=requested
    )


def proposal_input(school, **values) -> ops.ProposalInput:
    base = dict(
        school_id=school.id, year=2026, requested_budget=850_000_000,
        rooms=(room(), room("Ruang kelas 2", MEDIUM), room("Perpustakaan", LIGHT, requested=False, kind="perpustakaan")),
        land_ready=True, land_proof="Sertifikat hak pakai No. 12/2019", surveyor_name="Ir. Yohanes Bria",
        damage_form_signed=True, dapodik_since_year=2015, last_rehab_year=2012, pupils_affected=240,
    )  # fmt: skip
    base.update(values)
    return ops.ProposalInput(**base)


def _dms(value: float) -> tuple:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    return (degrees, minutes, round((value - degrees - minutes / 60) * 3600, 4))


def jpeg(lat: float | None = SCHOOL_LAT, lon: float | None = SCHOOL_LON, shade: int = 0) -> bytes:
    """A small JPEG, with EXIF GPS tags when ``lat``/``lon`` are given (distinct bytes per ``shade``)."""
    image = Image.new("RGB", (16, 16), ((shade * 37) % 256, (shade * 91) % 256, 90))
    exif = Image.Exif()
    if lat is not None:
        gps = exif.get_ifd(0x8825)
        gps[1], gps[2] = ("S" if lat < 0 else "N"), _dms(lat)
        gps[3], gps[4] = ("W" if lon < 0 else "E"), _dms(lon)
    exif[0x0132] = "2026:08:17 09:30:00"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def complete(session, user, proposal, root: Path, photos: int = 6, lat=SCHOOL_LAT, lon=SCHOOL_LON):
    """Attach the documents and ``photos`` geotagged photos to a proposal."""
    ops.attach_document(session, user, proposal.id, "lahan", "sertifikat.pdf", PDF, root)
    ops.attach_document(session, user, proposal.id, "formulir", "formulir-pupr.pdf", PDF, root)
    for n in range(photos):
        ops.add_photo(session, user, proposal.id, f"foto-{n}.jpg", jpeg(lat, lon, shade=n), root)
    return proposal
