"""Shared by the Digitalisasi tests: target schools, people, a supplier's XLSX and a photo."""

from __future__ import annotations

import io

import openpyxl

from spmp.accounts import operations as accounts
from spmp.digitalisasi.readiness import compute_readiness
from tests.factories import make_school

YEAR = 2026
PASSWORD = "sandi-uji-12345"
HEADER = ["NPSN", "Nomor Pengiriman", "Tanggal Kirim", "Jenis Perangkat", "Nomor Seri", "Pemasok"]


def supplier_xlsx(rows, header=HEADER) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Daftar kiriman PT Contoh Panel"])  # a title row above the header
    sheet.append(header)
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def user(session, username: str, role: str, **scope):
    return accounts.create_user(session, username=username, full_name=username.title(), password=PASSWORD,
                                role=role, scope=accounts.Scope(**scope))  # fmt: skip


def delivery_world(session) -> dict:
    """Two target schools in Kota Kupang, one school that is no target (Jawa Timur... also none), staff."""
    a = make_school(
        session, regency_code="53.71", name="SD Negeri Alak", electricity_watts=3500, internet_access="stabil"
    )
    b = make_school(
        session,
        regency_code="53.71",
        name="SD Negeri Oebobo",
        electricity_watts=900,
        internet_access="terbatas",
    )
    compute_readiness(session, YEAR, province_code="53")
    late = make_school(session, regency_code="53.71", name="SD Negeri Baru")  # added after the targets
    return {
        "a": a, "b": b, "late": late,
        "staff": user(session, "staf_dg", "bpmp_staff", unit_code="BPMP-NTT"),
        "staff_jatim": user(session, "staf_jatim_dg", "bpmp_staff", unit_code="BBPMP-JATIM"),
        "op_a": user(session, "op_a_dg", "school_operator", school_npsn=a.npsn),
        "op_b": user(session, "op_b_dg", "school_operator", school_npsn=b.npsn),
    }  # fmt: skip
