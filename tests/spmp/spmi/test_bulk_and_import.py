"""Bulk opening of cycles, the indicator import, progress queries and the review queue."""

from __future__ import annotations

import io

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from spmp.engine import ActionRefused
from spmp.engine.cases import CaseDeadline, CaseRecord
from spmp.schools.importer import ImportFileError
from spmp.spmi import operations as ops
from spmp.spmi import queries
from spmp.spmi.importer import import_indicators
from spmp.spmi.models import RaporIndicator, SpmiCycle
from tests.audit_support import log_ok
from tests.factories import make_school
from tests.spmp.spmi.conftest import YEAR


def test_bulk_open_for_bpmp_scope_skips_existing(session, spmi_world):
    w = spmi_world
    extra = [make_school(session, regency_code="53.01") for _ in range(5)]
    outside = make_school(session, regency_code="35.78")  # Surabaya: outside BPMP NTT
    ops.open_cycle(session, w["operator"], w["school"].id, YEAR)
    calls = []
    report = ops.open_cycles_bulk(
        session, w["staff"], YEAR, batch_size=3, progress=lambda d, t: calls.append((d, t))
    )
    assert report.already_open >= 1 and report.opened == report.in_scope - report.already_open
    assert calls[-1][0] == calls[-1][1] == report.opened
    opened = set(session.scalars(select(SpmiCycle.school_id).where(SpmiCycle.year == YEAR)))
    assert {s.id for s in extra} | {w["school"].id, w["other"].id} <= opened
    assert outside.id not in opened
    # Case rows are complete: owning unit, region, the Widyaprada as assignee, deadlines.
    case = session.scalar(
        select(CaseRecord)
        .join(SpmiCycle, SpmiCycle.case_id == CaseRecord.id)
        .where(SpmiCycle.school_id == w["other"].id)
    )
    assert (case.state, case.province_code, case.assignee_user_id) == (
        "penetapan",
        "53",
        w["other_operator"].id,
    )
    assert (
        session.scalar(select(func.count()).select_from(CaseDeadline).where(CaseDeadline.case_id == case.id))
        == 4
    )
    assert log_ok(session)  # the bulk-written "open" events chain correctly
    again = ops.open_cycles_bulk(session, w["staff"], YEAR)
    assert again.opened == 0 and again.already_open == again.in_scope
    assert "0 dibuka" in again.summary()


def test_bulk_open_refused_for_school_and_widyaprada(session, spmi_world):
    for who in ("operator", "widyaprada"):
        with pytest.raises(ActionRefused, match="massal"):
            ops.open_cycles_bulk(session, spmi_world[who], YEAR)


def test_progress_by_regency_and_drill_down(session, spmi_world):
    w = spmi_world
    ops.open_cycles_bulk(session, w["head"], YEAR)
    rows = {r.regency_code: r for r in queries.progress_by_regency(session, w["head"], YEAR)}
    kupang = rows["53.71"]
    assert kupang.by_state["penetapan"] >= 2 and kupang.late == 0 and kupang.on_time_percent == 100.0
    filters = queries.CycleFilters(YEAR, "53.71", "penetapan")
    schools = queries.progress_schools(session, w["head"], filters)
    assert {s.npsn for s in schools} >= {w["school"].npsn, w["other"].npsn}
    assert kupang.regency_name == "Kota Kupang" and kupang.province_name == "Nusa Tenggara Timur"
    # A Widyaprada sees only their own school's cycle; a school only its own.
    wp_rows = queries.progress_by_regency(session, w["widyaprada"], YEAR)
    assert sum(r.total for r in wp_rows) == 1
    assert [c.school_id for c in queries.school_cycles(session, w["operator"], w["other"].id)] == []


def test_review_queue_oldest_first_and_scoped(session, spmi_world, monkeypatch):
    from datetime import UTC, datetime, timedelta

    from spmp import clock

    w = spmi_world
    base = datetime(2026, 8, 1, tzinfo=UTC)
    monkeypatch.setattr(clock, "_now", lambda: base)
    cycle = ops.open_cycle(session, w["operator"], w["school"].id, YEAR)
    p = ops.add_priority(session, w["operator"], cycle.id, "A.1", "Rendah")
    c = ops.add_root_cause(session, w["operator"], cycle.id, p.id, "Sebab")
    from datetime import date

    ops.add_activity(
        session,
        w["operator"],
        cycle.id,
        ops.ActivityInput(c.id, "K", "isi", "A", date(2026, 8, 1), date(2026, 9, 1), "RKAS", "T"),
    )
    ops.set_standard(session, w["operator"], cycle.id, "isi", "Target")
    monkeypatch.setattr(clock, "_now", lambda: base + timedelta(days=1))
    ops.submit_phase(session, w["operator"], cycle.id, cycle.case.version)
    queue = queries.review_queue(session, w["widyaprada"])
    assert [q[0].id for q in queue] == [cycle.id]
    assert queries.review_queue(session, w["other_widyaprada"]) == []
    # 11 working days later the review is past due: the head's progress counts it late.
    monkeypatch.setattr(clock, "_now", lambda: base + timedelta(days=30))
    kupang = {r.regency_code: r for r in queries.progress_by_regency(session, w["head"], YEAR)}["53.71"]
    assert kupang.late == 1 and kupang.by_state == {"penetapan_review": 1}
    # The late filters (one definition: open, not paused, due date passed) agree everywhere.
    late = queries.progress_by_regency(session, w["head"], YEAR, late_only=True)
    assert [(r.regency_code, r.total, r.late) for r in late] == [("53.71", 1, 1)]
    late_rows = queries.progress_schools(session, w["head"], queries.CycleFilters(YEAR, late_only=True))
    assert [(r.cycle_id, r.is_late) for r in late_rows] == [(cycle.id, True)]
    assert [q[0].id for q in queries.review_queue(session, w["widyaprada"], late_only=True)] == [cycle.id]
    monkeypatch.setattr(clock, "_now", lambda: base + timedelta(days=2))  # back before the due date
    assert queries.progress_schools(session, w["head"], queries.CycleFilters(YEAR, late_only=True)) == []
    assert queries.review_queue(session, w["widyaprada"], late_only=True) == []


def test_indicator_import_reports_bad_rows(session, spmi_world):
    w = spmi_world
    other = w["other"].npsn
    data = (
        "npsn,tahun,kode_indikator,nama_indikator,dimensi,nilai,capaian\n"
        f"{w['school'].npsn},2027,A.1,Kemampuan literasi,Hasil belajar,61.0,Sedang\n"
        f"{other},2027,A.1,Kemampuan literasi,Hasil belajar,abc,Sedang\n"
        f"{other},20x7,A.2,Numerasi,Hasil belajar,50,Ungu\n"
        "99999999,2027,A.1,Literasi,Hasil belajar,50,Baik\n"
    )
    report = import_indicators(session, w["staff"], io.BytesIO(data.encode()), filename="bulk.csv")
    assert not report.ok and report.written == 0 and report.rejected == 3
    messages = {(e.row, e.field) for e in report.errors}
    assert {(3, "nilai"), (4, "tahun"), (4, "capaian"), (5, "npsn")} <= messages
    report = import_indicators(
        session, w["staff"], io.BytesIO(data.encode()), filename="bulk.csv", skip_invalid=True
    )
    assert report.written == 1
    value = session.scalar(
        select(RaporIndicator.value).where(
            RaporIndicator.school_id == w["school"].id, RaporIndicator.year == 2027
        )
    )
    assert value == 61.0
    # A school operator cannot import for another school.
    report = import_indicators(session, w["operator"], io.BytesIO(data.encode()), filename="bulk.csv")
    assert (3, "npsn") in {(e.row, e.field) for e in report.errors}
    with pytest.raises(ImportFileError, match="kolom wajib"):
        import_indicators(session, w["staff"], io.BytesIO(b"npsn,tahun\n1,2\n"), filename="x.csv")


def test_indicator_import_xlsx_per_school(session, spmi_world):
    import openpyxl

    w = spmi_world
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["kode_indikator", "nama_indikator", "dimensi", "nilai", "capaian"])
    sheet.append(["A.1", "Kemampuan literasi", "Hasil belajar", 52.5, "Kurang"])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    report = import_indicators(
        session, w["operator"], buffer, filename="rapor.xlsx", school_id=w["school"].id, year=YEAR + 1
    )
    assert report.ok and report.written == 1


def test_trend_after_next_year_indicators(session, spmi_world):
    w = spmi_world
    cycle = ops.open_cycle(session, w["operator"], w["school"].id, YEAR)
    ops.add_priority(session, w["operator"], cycle.id, "A.1", "Rendah")
    ops.add_priority(session, w["operator"], cycle.id, "A.2", "Sedang")
    data = "kode_indikator,nama_indikator,dimensi,nilai,capaian\nA.1,Literasi,H,60,Sedang\nA.2,Numerasi,H,55.2,Sedang\n"
    import_indicators(
        session,
        w["operator"],
        io.BytesIO(data.encode()),
        filename="r.csv",
        school_id=w["school"].id,
        year=YEAR + 1,
    )
    content = queries.cycle_content(session, cycle)
    assert content.trends == {"A.1": "naik", "A.2": "tetap"}


def test_cli_open_cycles(make_database, tmp_path, monkeypatch):
    """The command runs in its own committed transaction against a real database, with progress."""
    from spmp import migrate
    from spmp.accounts import operations as accounts
    from spmp.cli import cli
    from spmp.db import Database
    from spmp.regions.reference import load_reference

    url = make_database("spmicli")
    database = Database(url)
    migrate.upgrade(database)
    with database.transaction() as s:
        load_reference(s)
        for _ in range(3):
            make_school(s, regency_code="53.71")
        accounts.create_user(s, username="staf_cli", full_name="Staf", password="kata-sandi-uji-123",
                             role="bpmp_staff", scope=accounts.Scope(unit_code="BPMP-NTT"))  # fmt: skip
    monkeypatch.setenv("SPMP_DATABASE_URL", url)
    monkeypatch.setenv("SPMP_INSTANCE_PATH", str(tmp_path))
    result = CliRunner().invoke(cli, ["spmi", "open-cycles", "--year", "2026", "--as", "staf_cli"])
    assert result.exit_code == 0, result.output
    assert "3 dibuka" in result.output
    with database.transaction() as s:
        assert s.scalar(select(func.count()).select_from(SpmiCycle)) == 3
    result = CliRunner().invoke(cli, ["spmi", "open-cycles", "--year", "2026", "--as", "tidak_ada"])
    assert result.exit_code != 0 and "tidak ditemukan" in result.output
    database.dispose()


def test_two_bulk_opens_at_once_open_each_cycle_once(make_database):
    """Two B/BPMP users press "open" at the same moment on a committed database: no error, no double."""
    import threading

    from spmp import migrate
    from spmp.accounts import operations as accounts
    from spmp.accounts.models import User
    from spmp.db import Database
    from spmp.regions.reference import load_reference

    database = Database(make_database("spmiconc"))
    migrate.upgrade(database)
    with database.transaction() as s:
        load_reference(s)
        for _ in range(40):
            make_school(s, regency_code="53.71")
        ids = [accounts.create_user(s, username=f"staf{i}", full_name="Staf", password="kata-sandi-uji-123",
                                    role="bpmp_staff", scope=accounts.Scope(unit_code="BPMP-NTT")).id for i in (1, 2)]  # fmt: skip
    reports, errors, barrier = [], [], threading.Barrier(2)

    def run(user_id):
        try:
            barrier.wait()
            with database.transaction() as s:
                reports.append(ops.open_cycles_bulk(s, s.get(User, user_id), YEAR, batch_size=7))
        except Exception as exc:  # collected: the assertion below names it
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert sorted(r.opened for r in reports) == [0, 40]
    with database.transaction() as s:
        assert s.scalar(select(func.count()).select_from(SpmiCycle)) == 40
        assert log_ok(s)
    database.dispose()
