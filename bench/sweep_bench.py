"""Deadline sweep benchmark: prints figures, is not a pass/fail timer.

    .venv/bin/python bench/sweep_bench.py                                # both backends, 1,000,000 / 10,000
    .venv/bin/python bench/sweep_bench.py --backends sqlite --deadlines 100000 --due 1000

On a fresh database per backend: ``--cases`` cases, each assigned to one of ``--users`` Widyaprada with an
e-mail address (so every claimed row really writes a notification and an outbox mail), and ``--deadlines``
pending deadline rows of which ``--due`` are due now. Times one ``sweep()`` transaction including its
commit (claim + notifications + outbox), then a second sweep with nothing due (the idle per-minute cost).
(bench/engine_bench.py also times a sweep; its cases have no assignee, so it measures the claim alone.)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import create_database  # noqa: E402
from spmp import clock, migrate  # noqa: E402
from spmp.accounts.models import User  # noqa: E402
from spmp.db import Database  # noqa: E402
from spmp.engine.cases import CaseRecord  # noqa: E402
from spmp.engine.sweep import sweep  # noqa: E402
from spmp.notifications.models import Notification, OutboxMessage  # noqa: E402
from spmp.regions.models import Unit  # noqa: E402
from spmp.regions.reference import load_reference  # noqa: E402

FILL_CHUNK = 100_000


def seed(db: Database, n_users: int, n_cases: int) -> list[int]:
    """Users (with e-mail) and cases assigned to them; returns the case ids."""
    now = clock.now()
    with db.transaction() as s:
        unit_id = s.scalar(select(Unit.id).order_by(Unit.id).limit(1))
        province = s.scalar(select(Unit.seat_province_code).where(Unit.id == unit_id))
        users = [
            {"username": f"wp{i}", "full_name": f"Widyaprada {i}", "email": f"wp{i}@contoh.go.id",
             "password_hash": "!", "role": "widyaprada", "unit_id": unit_id, "is_active": True,
             "session_epoch": 0, "failed_logins": 0, "wants_daily_digest": i % 2 == 0, "created_at": now}
            for i in range(n_users)
        ]  # fmt: skip
        s.execute(insert(User), users)
        user_ids = list(s.scalars(select(User.id).order_by(User.id)))
        cases = [
            {"type_key": "bench", "type_version": 1, "title": f"Kasus {i}", "subject_unit_id": unit_id,
             "unit_id": unit_id, "province_code": province, "assignee_user_id": user_ids[i % len(user_ids)],
             "state": "s1", "state_entered_at": now, "opened_at": now, "updated_at": now, "version": 1,
             "is_paused": False}
            for i in range(n_cases)
        ]  # fmt: skip
        s.execute(insert(CaseRecord), cases)
        return list(s.scalars(select(CaseRecord.id).order_by(CaseRecord.id)))


def fill_deadlines(db: Database, case_ids: list[int], rows: int, due: int, now) -> None:
    """``rows`` pending deadlines, the first ``due`` of them due an hour ago, the rest in 30 days."""
    past = (now - timedelta(hours=1)).replace(tzinfo=None)
    future = (now + timedelta(days=30)).replace(tzinfo=None)
    statement = text(
        "WITH RECURSIVE seq(i) AS (SELECT CAST(:lo AS INTEGER) UNION ALL SELECT i + 1 FROM seq WHERE i < :hi) "
        "INSERT INTO case_deadline (case_id, slot, state, kind, fire_at, due_at, is_working_days, status) "
        "SELECT :first + (i % :n_cases), i / :n_cases, 's1', CASE WHEN i % 3 = 0 THEN 'reminder' ELSE 'due' END, "
        "CASE WHEN i <= :due THEN :past ELSE :future END, :future, false, 'pending' FROM seq"
    )
    first, n_cases = min(case_ids), len(case_ids)
    for lo in range(1, rows + 1, FILL_CHUNK):
        hi = min(lo + FILL_CHUNK - 1, rows)
        with db.transaction() as s:
            s.execute(statement, {"lo": lo, "hi": hi, "first": first, "n_cases": n_cases, "due": due,
                                  "past": past, "future": future})  # fmt: skip
        print(f"\r  deadlines: {hi:,}/{rows:,}", end="" if hi < rows else "\n", file=sys.stderr, flush=True)
    # Steady state: a table of open deadlines that has been there a while is vacuumed (PostgreSQL's
    # autovacuum sets hint bits and the visibility map); without this the first sweep pays for that.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE" if db.is_sqlite else "VACUUM ANALYZE"))


def rearm(db: Database) -> None:
    """Make the swept rows due again (and drop what they wrote) for another timed run."""
    with db.transaction() as s:
        s.execute(text("UPDATE case_deadline SET status = 'pending', fired_at = NULL WHERE status = 'fired'"))
        s.execute(text("DELETE FROM notification"))
        s.execute(text("DELETE FROM outbox_message"))
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE" if db.is_sqlite else "VACUUM ANALYZE"))


def _backend_cpu(pid: int | None) -> float:
    """CPU seconds used so far by a PostgreSQL backend process on this machine (0 when unknown)."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed_sweep(db: Database, now) -> tuple[float, object, float]:
    """One sweep transaction including commit: (wall seconds, report, CPU seconds client + server backend).

    CPU time is printed beside wall time because on a shared machine the wall time mostly measures the
    other processes; the CPU figure is what the sweep itself costs.
    """
    with db.transaction() as s:
        pid = None if db.is_sqlite else s.scalar(text("SELECT pg_backend_pid()"))
        server0, client0, start = _backend_cpu(pid), time.process_time(), time.perf_counter()
        report = sweep(s, now)
    wall = time.perf_counter() - start
    return wall, report, time.process_time() - client0 + _backend_cpu(pid) - server0


def run_backend(backend: str, args) -> dict:
    url, drop = create_database(backend)
    db = Database(url)
    try:
        print(
            f"[{backend}] migrate, reference data, {args.users} users, {args.cases:,} cases", file=sys.stderr
        )
        migrate.upgrade(db)
        with db.transaction() as s:
            load_reference(s)
        case_ids = seed(db, args.users, args.cases)
        now = clock.now()
        fill_deadlines(db, case_ids, args.deadlines, args.due, now)
        busy, report, busy_cpu = timed_sweep(db, now)
        idle, idle_report, _ = timed_sweep(db, now)
        with db.session() as s:
            notes = s.scalar(select(func.count()).select_from(Notification))
            mails = s.scalar(select(func.count()).select_from(OutboxMessage))
        runs, cpus = [busy], [busy_cpu]
        for _ in range(args.repeat - 1):
            rearm(db)
            wall, _, cpu = timed_sweep(db, now)
            runs.append(wall)
            cpus.append(cpu)
        return {"backend": backend, "busy": busy, "runs": runs, "cpus": cpus, "report": report, "idle": idle,
                "idle_claimed": idle_report.claimed, "notes": notes, "mails": mails}  # fmt: skip
    finally:
        db.dispose()
        drop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--deadlines", type=int, default=1_000_000, help="open (pending) deadline rows")
    parser.add_argument("--due", type=int, default=10_000, help="how many of them are due now")
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3, help="timed sweeps (re-armed between runs)")
    args = parser.parse_args()
    print(
        f"Sweep of {args.deadlines:,} open deadlines, {args.due:,} due ({args.cases:,} cases, {args.users} users)"
    )
    for backend in args.backends.split(","):
        r = run_backend(backend.strip(), args)
        rep = r["report"]
        print(
            f"{r['backend']:>10}: sweep {r['busy']:.3f} s, best of {len(r['runs'])} {min(r['runs']):.3f} s, "
            f"median {statistics.median(r['runs']):.3f} s; CPU (client + database) median "
            f"{statistics.median(r['cpus']):.3f} s (claimed {rep.claimed:,}, notifications {rep.notifications:,}, "
            f"mails queued {rep.emails:,}; in tables: {r['notes']:,} / {r['mails']:,}); "
            f"idle sweep {r['idle'] * 1000:.1f} ms (claimed {r['idle_claimed']})"
        )
    load = os.getloadavg()
    print(f"load average after the run: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
