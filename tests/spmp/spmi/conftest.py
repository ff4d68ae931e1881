"""SPMI fixtures: a school in Kota Kupang (NTT) with its people, and its Rapor Pendidikan indicators."""

from __future__ import annotations

import io

import pytest

from spmp.accounts import operations as accounts
from spmp.spmi.importer import import_indicators
from tests.factories import make_school

PASSWORD = "kata-sandi-uji-123"
YEAR = 2026
INDICATORS_CSV = """kode_indikator,nama_indikator,dimensi,nilai,capaian
A.1,Kemampuan literasi,Mutu dan relevansi hasil belajar,48.5,Kurang
A.2,Kemampuan numerasi,Mutu dan relevansi hasil belajar,55,Sedang
D.4,Iklim keamanan sekolah,Mutu dan relevansi pembelajaran,70.2,Baik
"""


@pytest.fixture
def spmi_world(session):
    school = make_school(session, regency_code="53.71", name="SD Negeri 2 Kupang")
    other = make_school(session, regency_code="53.71", name="SD Negeri 3 Kupang")

    def user(username: str, role: str, **scope):
        return accounts.create_user(session, username=username, full_name=username.title(), password=PASSWORD,
                                    role=role, scope=accounts.Scope(**scope))  # fmt: skip

    people = {
        "operator": user("op_spmi", "school_operator", school_npsn=school.npsn),
        "principal": user("kepsek_spmi", "principal", school_npsn=school.npsn),
        "other_operator": user("op_lain", "school_operator", school_npsn=other.npsn),
        "widyaprada": user("wp_spmi", "widyaprada", unit_code="BPMP-NTT"),
        "other_widyaprada": user("wp_lain", "widyaprada", unit_code="BPMP-NTT"),
        "staff": user("staf_spmi", "bpmp_staff", unit_code="BPMP-NTT"),
        "head": user("kepala_spmi", "bpmp_head", unit_code="BPMP-NTT"),
        "pusat": user("pusat_spmi", "pusat"),
        "admin": user("admin_spmi", "admin"),
    }
    accounts.assign_schools(session, people["admin"], people["widyaprada"], [school.npsn])
    accounts.assign_schools(session, people["admin"], people["other_widyaprada"], [other.npsn])
    report = import_indicators(session, people["operator"], io.BytesIO(INDICATORS_CSV.encode()),
                               filename="rapor.csv", school_id=school.id, year=YEAR)  # fmt: skip
    assert report.ok, report.errors
    session.flush()
    return {"school": school, "other": other, **people}
