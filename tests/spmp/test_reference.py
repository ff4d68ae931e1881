from sqlalchemy import func, select

from spmp.regions.models import Province, Regency, T3Entry, T3List, Unit, UnitCoverage
from spmp.regions.reference import load_reference
from spmp.schools.models import BentukPendidikan


def test_country_reference_counts(session):
    assert session.scalar(select(func.count()).select_from(Province)) == 38
    assert session.scalar(select(func.count()).select_from(Regency)) == 514
    assert session.scalar(select(func.count()).select_from(Regency).where(Regency.kind == "kota")) == 98
    assert session.scalar(select(func.count()).select_from(Unit)) == 34
    assert session.scalar(select(func.count()).select_from(Unit).where(Unit.kind == "BBPMP")) == 5


def test_every_province_is_covered_by_exactly_one_unit(session):
    covered = session.scalars(select(UnitCoverage.province_code)).all()
    assert sorted(covered) == sorted(session.scalars(select(Province.code)))


def test_new_papua_provinces_are_covered_by_existing_units(session):
    by_province = dict(session.execute(select(UnitCoverage.province_code, Unit.code).join(Unit)).all())
    assert by_province["93"] == by_province["94"] == by_province["95"] == "BPMP-PAPUA"
    assert by_province["96"] == "BPMP-PABAR"


def test_t3_list_has_62_entries_each_mapped_or_reported(session):
    t3 = session.scalar(select(T3List).where(T3List.key == "perpres-63-2020"))
    assert t3.is_current
    assert len(t3.entries) == 62
    for entry in t3.entries:
        assert entry.regency_code is not None or entry.note, entry.source_name
    tanimbar = session.scalar(select(T3Entry).where(T3Entry.source_name == "Maluku Tenggara Barat"))
    assert tanimbar.regency_code == "81.03"
    nduga = session.scalar(select(T3Entry).where(T3Entry.source_name == "Nduga"))
    assert nduga.regency.province_code == "95"  # Papua Pegunungan since 2022


def test_reload_changes_nothing(session):
    report = load_reference(session)
    assert report.changed == 0
    assert (report.provinces, report.regencies, report.units) == (38, 514, 34)


def test_admin_coverage_change_survives_reload(session):
    papua_barat = session.scalar(select(Unit).where(Unit.code == "BPMP-PABAR"))
    coverage = session.get(UnitCoverage, "94")
    coverage.unit_id = papua_barat.id
    session.flush()
    load_reference(session)
    assert session.get(UnitCoverage, "94").unit_id == papua_barat.id


def test_dapodik_crosswalk_covers_every_province_and_regency(session):
    """Issue 9 §1: every Kemendagri regency (514) and province (38) has its Dapodik code."""
    regencies = dict(session.execute(select(Regency.code, Regency.dapodik_code)).all())
    assert len(regencies) == 514 and None not in regencies.values()
    assert len(set(regencies.values())) == 514
    provinces = dict(session.execute(select(Province.code, Province.dapodik_code)).all())
    assert len(provinces) == 38 and None not in provinces.values()
    expected = {
        "31.01": "010100",  # Kab. Administrasi Kepulauan Seribu
        "31.71": "016000",  # Kota Administrasi Jakarta Pusat
        "35.78": "056000",  # Kota Surabaya
        "53.71": "246000",  # Kota Kupang
        "12.12": "071600",  # Toba Samosir -> Toba
        "76.01": "330200",  # Mamuju Utara -> Pasangkayu
        "81.03": "210400",  # Maluku Tenggara Barat -> Kepulauan Tanimbar
        "61.12": "131300",  # Kuburaya / Kubu Raya
        "95.05": "253100",  # Membramo Tengah, now in Papua Pegunungan
        "96.01": "320700",  # Kab. Sorong, now in Papua Barat Daya
    }
    assert {code: regencies[code] for code in expected} == expected
    # The 2022 Papua split: four Kemendagri provinces came from Dapodik's Papua, two from Papua Barat.
    assert sorted(c for c, d in provinces.items() if d == "250000") == ["91", "93", "94", "95"]
    assert sorted(c for c, d in provinces.items() if d == "320000") == ["92", "96"]


def test_bentuk_pendidikan_is_reference_data_with_a_jenjang(session):
    forms = {b.code: b for b in session.scalars(select(BentukPendidikan))}
    for code in (
        "SD",
        "SMP",
        "SMA",
        "SMK",
        "SLB",
        "SDLB",
        "SMPLB",
        "SMLB",
        "SPK SD",
        "SPK SMP",
        "SPK SMA",
        "SDTK",
        "SMPTK",
        "SMTK",
        "SMAg.K",
        "TK",
        "KB",
        "TPA",
        "SPS",
        "PKBM",
        "SKB",
    ):
        assert forms[code].jenjang
    assert forms["SMLB"].aliases == "SMALB"
    assert forms["SMPLB"].jenjang == "Pendidikan Dasar"
