"""Monitoring per unit → province → regency → school: every figure counted once in the right group, the
groups add up to the level above, and each reader sees only their area (a B/BPMP its provinces, a
regency's Dinas its schools, Pusat the nation by unit)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from spmp import clock
from spmp.digitalisasi import bimtek, monitoring
from spmp.digitalisasi.handover import return_delivery
from spmp.digitalisasi.models import Shipment
from spmp.digitalisasi.readiness import compute_readiness
from spmp.digitalisasi.shipments import import_shipments
from spmp.kendala.operations import ObstacleInput, report_obstacle
from spmp.regions.models import Unit
from tests.factories import make_school
from tests.spmp.digitalisasi.support import YEAR, delivery_world, supplier_xlsx, user


@pytest.fixture
def w(session):
    w = delivery_world(session)  # a (ready but for the room), b (900 W) and late in Kota Kupang
    w["c"] = make_school(session, regency_code="53.01", name="SD Negeri Kupang Barat", electricity_watts=4000,
                         internet_access="tidak_ada")  # fmt: skip
    w["d"] = make_school(session, regency_code="35.78", name="SD Negeri Surabaya", electricity_watts=5000,
                         internet_access="stabil")  # fmt: skip
    compute_readiness(session, YEAR)
    rows = [(w["a"].npsn, "SJ-1", "2026-08-17", "panel", "IFP-1", ""), (w["a"].npsn, "SJ-1", "2026-08-17", "laptop", "LAP-1", ""),
            (w["b"].npsn, "SJ-2", "2026-08-17", "panel", "IFP-2", ""), (w["c"].npsn, "SJ-3", "2026-08-17", "panel", "IFP-3", "")]  # fmt: skip
    import_shipments(session, w["staff"], supplier_xlsx(rows), "k.xlsx", year=YEAR)
    ship_b = session.scalar(select(Shipment).where(Shipment.reference == "SJ-2"))
    return_delivery(session, w["op_b"], ship_b, "perangkat_rusak", "Retak")
    start = clock.now() - timedelta(days=1)
    s = bimtek.create_session(session, w["staff"], bimtek.SessionInput(
        YEAR, "Bimtek", "luring", start, start + timedelta(hours=3), "Aula", (w["a"].npsn, w["c"].npsn)))  # fmt: skip
    yohana = bimtek.add_participant(session, w["op_a"], s, w["a"].id, "Yohana", "guru")
    bimtek.add_participant(session, w["op_a"], s, w["a"].id, "Markus", "guru")
    bimtek.record_attendance(session, w["staff"], s, {yohana.id})
    report_obstacle(
        session, w["op_a"], ObstacleInput(w["a"].id, "listrik", "Listrik padam", programme="digitalisasi")
    )
    report_obstacle(
        session, w["op_a"], ObstacleInput(w["a"].id, "data", "Data sekolah tidak sesuai", programme="umum")
    )
    w["pusat"] = user(session, "pusat_mon", "pusat")
    w["dinas_kota"] = user(session, "dinas_kota_mon", "dinas_regency", regency_code="53.71")
    return w


def _by_code(rows):
    return {r.code: r for r in rows}


def test_levels_for_a_bpmp(session, w):
    staff = w["staff"]
    assert monitoring.top_level(staff) == "province"
    [ntt] = monitoring.rows(session, staff, monitoring.Scope(YEAR, "province"))
    assert (ntt.code, ntt.get("targets"), ntt.get("ready"), ntt.get("not_ready")) == ("53", 4, 0, 4)
    assert ntt.get("reason_no_safe_room") == 4 and ntt.get("reason_power_low") == 1
    assert ntt.get("reason_internet_unknown") == 1  # the school added late: no Dapodik data
    assert (ntt.get("shipments"), ntt.get("in_transit"), ntt.get("returned"), ntt.get("devices")) == (
        3,
        2,
        1,
        4,
    )
    assert (ntt.get("bimtek_sessions"), ntt.get("bimtek_schools"), ntt.get("bimtek_participants"),
            ntt.get("bimtek_attended")) == (1, 2, 2, 1)  # fmt: skip
    assert ntt.get("open_obstacles") == 1  # the programme's, not the general one
    regencies = _by_code(
        monitoring.rows(session, staff, monitoring.Scope(YEAR, "regency", province_code="53"))
    )
    assert set(regencies) == {"53.01", "53.71"}
    assert regencies["53.71"].get("targets") == 3 and regencies["53.01"].get("bimtek_schools") == 1
    total = monitoring.total(session, staff, monitoring.Scope(YEAR, "regency", province_code="53"))
    assert [total.get(name) for name in monitoring.FIGURES] == [ntt.get(name) for name in monitoring.FIGURES]
    for name, value in total.figures.items():  # the regencies add up, but for a session inviting both
        summed = sum(r.get(name) for r in regencies.values())
        assert summed == (value + 1 if name == "bimtek_sessions" else value), name
    schools = monitoring.rows(
        session, staff, monitoring.Scope(YEAR, "school", province_code="53", regency_code="53.71")
    )
    assert [r.name for r in schools] == ["SD Negeri Alak", "SD Negeri Baru", "SD Negeri Oebobo"]
    alak = schools[0]
    assert (alak.code, alak.get("devices"), alak.get("bimtek_attended"), alak.get("open_obstacles")) == (
        w["a"].npsn, 2, 1, 1)  # fmt: skip
    assert len(alak.cells()) == len(monitoring.header("school"))


def test_scope_by_reader(session, w):
    units = _by_code(monitoring.rows(session, w["pusat"], monitoring.Scope(YEAR, "unit")))
    assert units["BPMP-NTT"].get("targets") == 4 and units["BBPMP-JATIM"].get("targets") == 1
    assert (
        monitoring.rows(session, w["staff_jatim"], monitoring.Scope(YEAR, "province", province_code="53"))
        == []
    )
    jatim_id = session.scalar(select(Unit.id).where(Unit.code == "BBPMP-JATIM"))
    assert [
        r.code
        for r in monitoring.rows(session, w["pusat"], monitoring.Scope(YEAR, "province", unit_id=jatim_id))
    ] == ["35"]
    assert monitoring.top_level(w["dinas_kota"]) == "school"
    schools = monitoring.rows(session, w["dinas_kota"], monitoring.Scope(YEAR, "school"))
    assert {r.code for r in schools} == {w["a"].npsn, w["b"].npsn, w["late"].npsn}
    [only] = monitoring.rows(session, w["dinas_kota"], monitoring.Scope(YEAR + 1, "school"))
    assert only.figures == {"open_obstacles": 1}  # obstacles belong to no programme year


def test_usage_reports_of_the_month_just_ended(session, settings_root):
    """Schools with devices received before last month ended must report it: received, missing, problems."""
    from spmp.digitalisasi import usage
    from tests.spmp.digitalisasi.field_support import received_world

    w = received_world(session, settings_root)  # a and b received devices; late received nothing
    period = usage.last_period()
    usage.submit_report(session, w["op_b"], w["b"].id, usage.UsageInput(period, 6, 3, 2, "bermasalah", "listrik",
                                                                       "Listrik padam"))  # fmt: skip
    [kupang] = monitoring.rows(session, w["staff"], monitoring.Scope(YEAR, "regency", province_code="53"))
    assert (kupang.get("usage_expected"), kupang.get("usage_received"), kupang.get("usage_missing"),
            kupang.get("usage_problems")) == (2, 1, 1, 1)  # fmt: skip
    schools = _by_code(
        monitoring.rows(session, w["staff"], monitoring.Scope(YEAR, "school", regency_code="53.71"))
    )
    assert schools[w["a"].npsn].get("usage_missing") == 1 and schools[w["b"].npsn].get("usage_problems") == 1
    assert monitoring.usage_period() == period
