"""Benchmark Digitalisasi readiness at national scale: ``compute_readiness`` over every school (first run:
the targets are listed and computed; second run: recomputed in place), then one province, then the
readiness list's count and first page (and, before that, a recompute after a third of the schools'
electricity changed) for a BPMP NTT user.

    .venv/bin/python bench/digitalisasi_bench.py                          # 440,000 schools, both backends
    .venv/bin/python bench/digitalisasi_bench.py --schools 20000 --backend sqlite

Each backend gets a throw-away database (temporary SQLite file / a PostgreSQL database on
SPMP_TEST_PG_URL's server, dropped afterwards): migrate, reference data, ``--schools`` synthetic schools
through the import path, a safe room confirmed for every third school. Timings include the commit. The
issue's figure to compare with: 330,000 schools in under 10 s on both databases. Prints figures; asserts
nothing about time. The load average is printed beside them: others share this machine.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import add_backend_option, analyze, load_average, on_each_backend, schools_database  # noqa: E402

YEAR = 2026


def _build(url: str, count: int):
    from sqlalchemy import insert, literal, select

    from spmp import clock
    from spmp.accounts import operations as accounts
    from spmp.db import UTCDateTime
    from spmp.digitalisasi.models import SafeRoom
    from spmp.schools.models import School

    started = time.perf_counter()
    db = schools_database(url, count, seed=1)
    with db.transaction() as session:
        head = accounts.create_user(session, username="kepala_bench", full_name="Kepala", password="bench-pass-12345",
                                    role="bpmp_head", scope=accounts.Scope(unit_code="BPMP-NTT"))  # fmt: skip
        rooms = select(School.id, literal(head.id), literal(clock.now(), UTCDateTime())).where(
            School.id % 3 == 0
        )
        session.execute(insert(SafeRoom).from_select(["school_id", "confirmed_by_id", "confirmed_at"], rooms))
        head_id = head.id
    analyze(db, vacuum=False)
    print(f"  migrated and loaded {count:,} schools in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return db, head_id


def _timed_compute(db, label: str, backend: str, **kwargs) -> None:
    from spmp.digitalisasi.readiness import compute_readiness

    started = time.perf_counter()
    with db.transaction() as session:
        report = compute_readiness(session, YEAR, **kwargs)
    seconds = time.perf_counter() - started
    print(f"{backend:<11} {label:<28} {seconds:6.2f} s  {report.computed:>8,} schools "
          f"({report.computed / seconds:,.0f}/s), {report.added:,} added, {report.changed:,} changed, "
          f"{report.ready:,} ready  [{load_average()}]")  # fmt: skip


def _bench(backend: str, url: str, count: int) -> None:
    from sqlalchemy import text

    from spmp.accounts.models import User
    from spmp.digitalisasi import queries

    db, head_id = _build(url, count)
    try:
        _timed_compute(db, "national, first run", backend)
        _timed_compute(db, "national, recompute", backend)
        with db.transaction() as session:  # a new Dapodik semester: a third of the schools add power
            session.execute(
                text("UPDATE school SET electricity_watts = electricity_watts + 1300 WHERE id % 3 = 1")
            )
        _timed_compute(db, "national, a third changed", backend)
        _timed_compute(db, "one province (53), recompute", backend, province_code="53")
        with db.session() as session:
            head = session.get(User, head_id)
            statement = queries.targets(head, queries.TargetFilters(year=YEAR, ready=False))
            started = time.perf_counter()
            counts = queries.counts(session, statement)
            rows = queries.page(session, statement, 1)
            ms = (time.perf_counter() - started) * 1000
            print(f"{backend:<11} list for BPMP NTT head: {ms:.1f} ms (count {counts.total:,} not ready, "
                  f"first page {len(rows)} rows)  [{load_average()}]")  # fmt: skip
    finally:
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--schools", type=int, default=440_000)
    add_backend_option(parser)
    args = parser.parse_args()
    on_each_backend(args.backend, lambda backend, url: _bench(backend, url, args.schools))


if __name__ == "__main__":
    main()
