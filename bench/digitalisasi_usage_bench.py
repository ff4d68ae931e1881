"""Benchmark the Digitalisasi usage flags at scale: ``--schools`` synthetic schools, every one a delivered
school (a received shipment, a BAST and a panel, written with Core inserts), two thirds of them reporting
last month (one in ten of those a problem). Then, for a BPMP NTT user and for Pusat (national): the flagged
list's counts and first page (the query a unit's page runs), and the reminder sweep over the country (one
notification per school operator; the schools have no users here, so it measures finding the schools and
writing the reminder rows), run twice (the second finds nothing to do). Last, "Buka verval" for the largest
regency of NTT: one verval case per target school through the engine.

    .venv/bin/python bench/digitalisasi_usage_bench.py                      # 172,550 schools, both backends
    .venv/bin/python bench/digitalisasi_usage_bench.py --schools 20000 --backend sqlite

172,550 is the number of panels delivered by 16 November 2025 (DOMAIN.md). Prints figures; asserts nothing
about time. The load average is printed beside them: others share this machine.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import add_backend_option, analyze, load_average, on_each_backend, schools_database  # noqa: E402


def _build(url: str, count: int):
    from sqlalchemy import func, insert, select, text

    from spmp import clock
    from spmp.accounts import operations as accounts
    from spmp.digitalisasi import usage
    from spmp.digitalisasi.field_models import UsageReport
    from spmp.digitalisasi.models import Device, Handover, Shipment
    from spmp.engine.cases import CaseRecord
    from spmp.regions.models import UnitCoverage
    from spmp.schools.models import School

    started, now = time.perf_counter(), clock.now()
    db = schools_database(url, count, seed=7)
    received = usage.previous_month(usage.last_period()) - timedelta(days=5)
    with db.transaction() as session:
        staff = accounts.create_user(session, username="staf_bench", full_name="Staf", password="bench-pass-12345",
                                     role="bpmp_staff", scope=accounts.Scope(unit_code="BPMP-NTT"))  # fmt: skip
        pusat = accounts.create_user(session, username="pusat_bench", full_name="Pusat", password="bench-pass-12345",
                                     role="pusat", scope=accounts.Scope())  # fmt: skip
        schools = session.execute(select(School.id, School.province_code, School.regency_code).order_by(School.id)).all()
        units = dict(session.execute(select(UnitCoverage.province_code, UnitCoverage.unit_id)).all())
        for start in range(0, len(schools), 20_000):
            batch = schools[start : start + 20_000]
            first = (session.scalar(select(func.max(CaseRecord.id))) or 0) + 1
            session.execute(insert(CaseRecord), [
                {"id": first + i, "type_key": "digitalisasi_pengiriman", "type_version": 1, "title": "Bench",
                 "school_id": sid, "unit_id": units[prov], "province_code": prov, "regency_code": reg,
                 "state": "diterima", "state_entered_at": now, "opened_by_id": staff.id, "opened_at": now,
                 "updated_at": now, "version": 2, "is_paused": False}
                for i, (sid, prov, reg) in enumerate(batch)])  # fmt: skip
            session.execute(insert(Shipment), [
                {"id": first + i, "case_id": first + i, "year": 2026, "school_id": sid, "reference": f"SJ-{sid}",
                 "supplier": "PT Bench", "shipped_on": received, "created_by_id": staff.id, "created_at": now}
                for i, (sid, _p, _r) in enumerate(batch)])  # fmt: skip
            session.execute(insert(Handover), [
                {"id": first + i, "shipment_id": first + i, "school_id": sid, "received_on": received,
                 "receiver_name": "Kepala", "created_by_id": staff.id, "created_at": now}
                for i, (sid, _p, _r) in enumerate(batch)])  # fmt: skip
            session.execute(insert(Device), [
                {"serial": f"SN-{sid}", "kind": "panel", "shipment_id": first + i, "handover_id": first + i,
                 "asset_school_id": sid}
                for i, (sid, _p, _r) in enumerate(batch)])  # fmt: skip
            reports = [
                {"school_id": sid, "period": usage.last_period(), "hours_per_week": 5, "classes_using": 3,
                 "teachers_using": 2, "condition": "bermasalah" if sid % 10 == 0 else "baik",
                 "problem": "internet" if sid % 10 == 0 else None, "reported_by_id": staff.id, "reported_at": now}
                for sid, _p, _r in batch if sid % 3
            ]  # fmt: skip
            if reports:
                session.execute(insert(UsageReport), reports)
        ids = staff.id, pusat.id
    if not db.is_sqlite:  # the ids were given: move the sequences past them
        with db.engine.begin() as conn:
            for table in ("case_record", "digital_shipment", "digital_handover"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
    analyze(db, vacuum=False)
    print(f"  migrated and loaded {count:,} delivered schools in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return db, ids


def _bench(backend: str, url: str, count: int) -> None:
    from spmp.accounts.models import User
    from spmp.digitalisasi import usage

    db, ids = _build(url, count)
    try:
        for user_id in ids:
            with db.session() as session:
                user = session.get(User, user_id)
                filters = usage.UsageFilters(usage.last_period(), "ditandai")
                started = time.perf_counter()
                counts = usage.counts(session, user, filters)
                rows = session.execute(usage.schools_query(user, filters).limit(300)).all()
                ms = (time.perf_counter() - started) * 1000
                print(f"{backend:<11} flagged list, {user.role:<10} {ms:8.1f} ms  ({counts.schools:,} schools, "
                      f"{counts.missing:,} not reported, {counts.problems:,} problems; page of {len(rows)})  [{load_average()}]")  # fmt: skip
        for attempt in ("first", "again"):
            started = time.perf_counter()
            with db.transaction() as session:
                reminded = usage.send_usage_reminders(session)
            seconds = time.perf_counter() - started
            print(f"{backend:<11} reminder sweep ({attempt:<5})     {seconds:8.2f} s   {reminded:,} schools reminded  [{load_average()}]")
        _bench_verval(db, backend, ids[0])
    finally:
        db.dispose()


def _bench_verval(db, backend: str, staff_id: int) -> None:
    """"Buka verval" for the largest regency of NTT (one engine case per target school, one transaction)."""
    from sqlalchemy import func, select

    from spmp.accounts.models import User
    from spmp.digitalisasi import verval
    from spmp.digitalisasi.readiness import compute_readiness
    from spmp.schools.models import School

    with db.transaction() as session:
        compute_readiness(session, 2026, province_code="53")
        regency = session.execute(
            select(School.regency_code, func.count()).where(School.province_code == "53")
            .group_by(School.regency_code).order_by(func.count().desc()).limit(1)
        ).first()[0]  # fmt: skip
    started = time.perf_counter()
    with db.transaction() as session:
        opened = verval.open_cases(session, session.get(User, staff_id), 2026, regency)
    seconds = time.perf_counter() - started
    print(f"{backend:<11} open verval, regency {regency}   {seconds:8.2f} s   {opened:,} cases "
          f"({opened / seconds:,.0f}/s)  [{load_average()}]")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--schools", type=int, default=172_550)
    add_backend_option(parser)
    args = parser.parse_args()
    on_each_backend(args.backend, lambda backend, url: _bench(backend, url, args.schools))


if __name__ == "__main__":
    main()
