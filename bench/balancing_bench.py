"""Benchmark Widyaprada balancing on one unit of 200 Widyaprada and 20,000 schools (issue 12).

    .venv/bin/python bench/balancing_bench.py                          # SQLite, 20,000 schools, 200 Widyaprada
    .venv/bin/python bench/balancing_bench.py --backend postgresql --runs 50

The world: reference data, ``--schools`` synthetic schools (the demo generator, through the import path),
all moved into Nusa Tenggara Timur (BPMP NTT's area: 22 regencies, each school near its regency's centre,
one in ten without coordinates as in the demo data), ``--widyaprada`` active Widyaprada of BPMP NTT each
holding ``--anchors`` schools of a home regency, and ``--tasks`` open tasks of every kind and scope
assigned round the unit. Then it times "Sarankan" for one school (``suggest_for_school``: loading the
unit's picture, ranking, conflicts) on ``--runs`` schools not yet in a caseload, and prints median, 95th
percentile and maximum in milliseconds (target: under 200 ms). Then it plans the whole unit optimally
(``spmp.widyaprada.optimal.plan_unit``: every school not in a caseload, min-cost flow with OR-Tools; target:
under 10 s), prints the time by phase and the comparison with the greedy assignments (largest and smallest
load, total km), applies the plan, and times "Sarankan" again with every school in a caseload. Progress
goes to stderr.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import create_database  # noqa: E402

NTT = "53"


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _move_into_ntt(session, rng: random.Random) -> None:
    """Every school into an NTT regency, near that regency's centre (one in ten keeps no coordinates)."""
    from sqlalchemy import bindparam, select, update

    from spmp.regions.models import Regency
    from spmp.schools.models import School

    regencies = list(
        session.scalars(select(Regency.code).where(Regency.province_code == NTT).order_by(Regency.code))
    )
    centres = {code: (-9.6 + rng.gauss(0, 0.6), 122.0 + rng.gauss(0, 1.6)) for code in regencies}
    rows = []
    for school_id, lat in session.execute(select(School.id, School.latitude)):
        code = rng.choice(regencies)
        clat, clon = centres[code]
        has_place = lat is not None
        rows.append({"sid": school_id, "regency_code": code, "province_code": NTT,
                     "latitude": clat + rng.gauss(0, 0.15) if has_place else None,
                     "longitude": clon + rng.gauss(0, 0.15) if has_place else None})  # fmt: skip
    session.connection().execute(update(School).where(School.id == bindparam("sid")), rows)


def _people(session, count: int, anchors: int, rng: random.Random):
    """A head and ``count`` Widyaprada of BPMP NTT (no password: they never log in here), each holding
    ``anchors`` schools of one home regency."""
    from sqlalchemy import insert, select

    from spmp import clock
    from spmp.accounts.models import SchoolAssignment, User
    from spmp.regions.models import UnitCoverage
    from spmp.schools.models import School

    unit_id = session.scalar(select(UnitCoverage.unit_id).where(UnitCoverage.province_code == NTT))
    now = clock.now()

    def person(username, role):
        user = User(username=username, full_name=username.replace(".", " ").title(), password_hash="!", role=role,
                    unit_id=unit_id, is_active=True, session_epoch=0, failed_logins=0, wants_daily_digest=False,
                    created_at=now)  # fmt: skip
        session.add(user)
        return user

    head = person("kepala.bench", "bpmp_head")
    people = [person(f"wp.bench.{n:03d}", "widyaprada") for n in range(count)]
    session.flush()
    by_regency: dict[str, list[int]] = {}
    for school_id, code in session.execute(select(School.id, School.regency_code).order_by(School.id)):
        by_regency.setdefault(code, []).append(school_id)
    free = {code: ids[:] for code, ids in by_regency.items()}
    rows = []
    for user in people:
        home = rng.choice(sorted(free))
        for _ in range(min(anchors, len(free[home]))):
            rows.append({"user_id": user.id, "school_id": free[home].pop(), "assigned_at": now})
    session.execute(insert(SchoolAssignment), rows)
    return unit_id, head, people


def _tasks(session, head, people, count: int, rng: random.Random) -> None:
    from datetime import date

    from sqlalchemy import select

    from spmp.accounts.models import SchoolAssignment
    from spmp.regions.models import Regency
    from spmp.widyaprada import operations as ops
    from spmp.widyaprada.models import TASK_KINDS

    regencies = list(session.scalars(select(Regency.code).where(Regency.province_code == NTT)))
    held = {}
    for user_id, school_id in session.execute(select(SchoolAssignment.user_id, SchoolAssignment.school_id)):
        held.setdefault(user_id, []).append(school_id)
    for n in range(count):
        person = people[n % len(people)]
        scope = rng.choices(("school", "group", "regency"), weights=(70, 20, 10))[0]
        schools = held.get(person.id, [])
        data = ops.TaskInput(
            rng.choice(sorted(TASK_KINDS)), scope, "Tugas uji beban", date(2026, 3, 2), date(2026, 3, 31),
            date(2026, 4, 10), tuple(schools[:1] if scope == "school" else schools[:3] if scope == "group" else ()),
            rng.choice(regencies) if scope == "regency" else None, person.id,
        )  # fmt: skip
        ops.create_task(session, head, data)
        if (n + 1) % 100 == 0:
            say(f"  tasks: {n + 1}/{count}")


def build(url: str, args) -> None:
    from spmp import migrate
    from spmp.accounts.passwords import use_cheapest_hashing
    from spmp.db import Database
    from spmp.regions.reference import load_reference
    from spmp.schools.demo import generate_into_database

    use_cheapest_hashing()
    rng = random.Random(12)
    db = Database(url)
    migrate.upgrade(db)
    started = time.perf_counter()
    with db.transaction() as session:
        load_reference(session)
        done = [0]

        def progress(n):
            done[0] += n
            if done[0] % 5000 == 0 or done[0] == args.schools:
                say(f"  schools: {done[0]}/{args.schools}")

        generate_into_database(session, args.schools, seed=1, progress=progress)
        _move_into_ntt(session, rng)
        say("  schools moved into NTT")
        _unit, head, people = _people(session, args.widyaprada, args.anchors, rng)
        say(f"  {len(people)} Widyaprada with {args.anchors} schools each")
        _tasks(session, head, people, args.tasks, rng)
    say(f"  world built in {time.perf_counter() - started:.1f} s")
    db.dispose()


def _percentiles(timings: list[float]) -> str:
    ordered = sorted(timings)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return f"median {statistics.median(ordered):6.1f} ms, p95 {p95:6.1f} ms, max {ordered[-1]:6.1f} ms"


def bench_suggestions(url: str, runs: int, label: str) -> None:
    from sqlalchemy import select

    from spmp.accounts.models import SchoolAssignment
    from spmp.db import Database
    from spmp.schools.models import School
    from spmp.widyaprada import balancing

    db = Database(url)
    with db.session() as session:
        held = select(SchoolAssignment.school_id)
        ids = list(session.scalars(select(School.id).where(School.id.not_in(held)).order_by(School.id)))
        ids = ids or list(session.scalars(select(School.id).order_by(School.id)))
        sample = random.Random(5).sample(ids, min(runs, len(ids)))
        timings, cpu, first = [], [], None
        for n, school_id in enumerate(sample, start=1):
            session.expunge_all()
            started, started_cpu = time.perf_counter(), time.process_time()
            school = session.get(School, school_id)
            proposals = balancing.suggest_for_school(session, school)
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            first = first or (school, proposals[0])
            if n % 10 == 0:
                say(f"  suggestions: {n}/{len(sample)}")
        school, best = first
        print(f"Sarankan, one school ({label}): {_percentiles(timings)} over {len(timings)} schools")
        print(f"  CPU time of this process (what a machine to itself would take, about): {_percentiles(cpu)}")
        print(f"  e.g. {school.name} ({school.npsn}): {best.name} — {best.explanation}")
    db.dispose()


def bench_optimal(url: str, apply: bool) -> None:
    """The optimal whole-unit plan (timed by phase), its comparison with the greedy ones; then applied."""
    from sqlalchemy import select

    from spmp.accounts.models import User
    from spmp.db import Database
    from spmp.regions.models import UnitCoverage
    from spmp.widyaprada.cli import plan_lines
    from spmp.widyaprada.optimal import apply_plan, plan_unit

    db = Database(url)
    with db.transaction() as session:
        unit_id = session.scalar(select(UnitCoverage.unit_id).where(UnitCoverage.province_code == NTT))
        started, started_cpu = time.perf_counter(), time.process_time()
        plan = plan_unit(session, unit_id, progress=lambda m: say(f"  {m}"))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - started_cpu
        print(f"Optimal whole-unit assignment: {elapsed:.2f} s in all (CPU time of this process {cpu:.2f} s)")
        for line in plan_lines(plan):
            print(f"  {line}")
        if apply:
            head = session.scalar(select(User).where(User.username == "kepala.bench"))
            started = time.perf_counter()
            done = apply_plan(session, head, plan)
            print(f"  applied: {done} schools into caseloads in {time.perf_counter() - started:.1f} s")
    db.dispose()


def _has_schools(url: str) -> bool:
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return inspect(conn).has_table("school") and bool(
                conn.execute(text("SELECT count(*) FROM school")).scalar()
            )
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--schools", type=int, default=20_000)
    parser.add_argument("--widyaprada", type=int, default=200)
    parser.add_argument("--anchors", type=int, default=2)
    parser.add_argument("--tasks", type=int, default=400)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--url", help="build into (or reuse, if it has schools) this database and keep it")
    args = parser.parse_args()
    url, drop = (args.url, lambda: None) if args.url else create_database(args.backend)
    try:
        if not _has_schools(url):
            say(f"building the world on {args.backend} ...")
            build(url, args)
        print(f"{args.backend}: {args.schools} schools, {args.widyaprada} Widyaprada, {args.tasks} open tasks; "
              f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")  # fmt: skip
        bench_suggestions(url, args.runs, "unit with anchor caseloads")
        bench_optimal(url, apply=True)
        print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        bench_suggestions(url, args.runs, "every school in a caseload")
    finally:
        drop()


if __name__ == "__main__":
    main()
