"""Benchmark SPMI at national scale: open cycles for every school in one bulk action, then the B/BPMP
progress page query (counts by regency and phase, % on time) over those cycles.

    .venv/bin/python bench/spmi_bench.py                          # 50,000 schools, SQLite and PostgreSQL
    .venv/bin/python bench/spmi_bench.py --schools 5000 --backend sqlite

Each backend gets a throw-away database (temporary SQLite file / a PostgreSQL database on
SPMP_TEST_PG_URL's server, dropped afterwards): migrate, reference data, ``--schools`` synthetic schools
through the import path. Then, timed: ``open_cycles_bulk`` as a Pusat user (one transaction, committed:
case rows, cycle rows, deadline rows and chained audit events), and ``progress_by_regency`` for Pusat
(all cycles) and a BPMP head (the unit's provinces) — median of ``--runs`` runs, ORM/row loading
included. Targets: bulk open < 60 s, progress query < 300 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import with_pg_database as _with_pg_database  # noqa: E402

YEAR = 2026


def _build(url: str, count: int):
    from sqlalchemy import text

    from spmp import migrate
    from spmp.accounts import operations as accounts
    from spmp.db import Database
    from spmp.regions.reference import load_reference
    from spmp.schools.demo import generate_into_database

    db = Database(url)
    migrate.upgrade(db)
    started = time.perf_counter()
    with db.transaction() as session:
        load_reference(session)
        generate_into_database(session, count, seed=1)
        pusat = accounts.create_user(session, username="pusat_bench", full_name="Pusat", password="bench-pass-12345",
                                     role="pusat", scope=accounts.Scope())  # fmt: skip
        head = accounts.create_user(session, username="kepala_bench", full_name="Kepala", password="bench-pass-12345",
                                    role="bpmp_head", scope=accounts.Scope(unit_code="BPMP-NTT"))  # fmt: skip
        ids = pusat.id, head.id
    with db.engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    print(f"  loaded {count} schools in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return db, ids


def _progress_printer():
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.perf_counter()
        if now - last[0] > 1 or done == total:
            print(f"\r  opening cycles: {done}/{total}", end="" if done < total else "\n", file=sys.stderr)
            last[0] = now

    return progress


def _bench(backend: str, url: str, count: int, runs: int) -> None:
    from sqlalchemy import func, select, text

    from spmp.accounts.models import User
    from spmp.spmi.models import SpmiCycle
    from spmp.spmi.operations import open_cycles_bulk
    from spmp.spmi.queries import progress_by_regency

    db, (pusat_id, head_id) = _build(url, count)
    started = time.perf_counter()
    with db.transaction() as session:
        report = open_cycles_bulk(session, session.get(User, pusat_id), YEAR, progress=_progress_printer())
    seconds = time.perf_counter() - started
    print(f"{backend:<11} bulk open: {report.summary()}")
    print(
        f"{backend:<11} bulk open: {seconds:.2f} s for {report.opened} cycles ({report.opened / seconds:,.0f}/s), committed"
    )
    with db.engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    with db.session() as session:
        total = session.scalar(select(func.count()).select_from(SpmiCycle))
        for label, user_id in (("Pusat (national)", pusat_id), ("BPMP NTT head", head_id)):
            user = session.get(User, user_id)
            timings, rows = [], []
            for _ in range(runs):
                session.expunge_all()
                user = session.get(User, user_id)
                t0 = time.perf_counter()
                rows = progress_by_regency(session, user, YEAR)
                timings.append((time.perf_counter() - t0) * 1000)
            cycles = sum(r.total for r in rows)
            print(f"{backend:<11} progress page query, {label:<17}: median {statistics.median(timings):7.1f} ms "
                  f"(min {min(timings):.1f}) over {cycles} of {total} cycles in {len(rows)} regencies")  # fmt: skip
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--schools", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            _bench("sqlite", f"sqlite:///{Path(tmp) / 'spmi_bench.sqlite3'}", args.schools, args.runs)
    if args.backend in ("postgresql", "both"):
        _with_pg_database(lambda url: _bench("postgresql", url, args.schools, args.runs))


if __name__ == "__main__":
    main()
