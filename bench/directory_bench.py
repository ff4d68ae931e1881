"""Benchmark the school directory query (``spmp.schools.queries.search_schools``) at national scale.

    .venv/bin/python bench/directory_bench.py                       # 440,000 schools, both backends
    .venv/bin/python bench/directory_bench.py --schools 50000 --backend sqlite
    .venv/bin/python bench/directory_bench.py --sqlite-url sqlite:////tmp/x.db   # reuse a loaded database

Without a URL the script builds a throw-away database per backend (temporary SQLite file, or a PostgreSQL
database on ``SPMP_TEST_PG_URL``'s server, dropped afterwards): migrate, load reference data, generate
``--schools`` synthetic schools through the import path, then refresh statistics as the CLI does after a
large import (ANALYZE; VACUUM ANALYZE on PostgreSQL, so index-only scans need no heap visits). Then it
times each query (first page of 50, plus page 2 via the cursor) for a national user (Pusat) and a BPMP
NTT user (scope subquery over the unit's provinces), and prints the median of ``--runs`` runs in
milliseconds (round trip and ORM loading included). Then it times the whole directory page
(GET /sekolah through Flask's test client, logged in: session, user loading, query and template) for a
BPMP NTT user and a Dinas Jawa Timur user. Target: < 100 ms for a province filter and a name search.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import with_pg_database as _with_pg_database  # noqa: E402


def _build(url: str, count: int) -> None:
    from spmp import migrate
    from spmp.db import Database
    from spmp.regions.reference import load_reference
    from spmp.schools.demo import generate_into_database
    from spmp.schools.importer import refresh_statistics

    db = Database(url)
    migrate.upgrade(db)
    started = time.perf_counter()
    with db.transaction() as session:
        load_reference(session)
        generate_into_database(session, count, seed=1)
    refresh_statistics(db)  # what `spmp schools import` / `spmp demo generate` do after a large load
    print(f"  loaded {count} schools in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    db.dispose()


def _users(session):
    from sqlalchemy import select

    from spmp.accounts.models import User
    from spmp.regions.models import UnitCoverage

    ntt_unit = session.scalar(select(UnitCoverage.unit_id).where(UnitCoverage.province_code == "53"))
    # Transient users: school_scope only reads role and scope columns.
    return {"national": User(role="pusat"), "BPMP NTT": User(role="bpmp_staff", unit_id=ntt_unit)}


def _cases(session) -> list[tuple[str, dict, bool]]:
    from sqlalchemy import select

    from spmp.schools.models import School

    npsn = session.scalar(select(School.npsn).where(School.province_code == "53").limit(1))
    return [
        ("province 53 (NTT)", {"province_code": "53"}, False),
        ("province 53, page 2", {"province_code": "53"}, True),
        ("province 35 (Jatim)", {"province_code": "35"}, False),
        ("regency 53.71", {"regency_code": "53.71"}, False),
        ("name 'kupang'", {"q": "kupang"}, False),
        ("name 'kupang', page 2", {"q": "kupang"}, True),
        ("name 'negeri 1'", {"q": "negeri 1"}, False),
        ("name 'smk kristen'", {"q": "smk kristen"}, False),
        ("name 'tidakada' (no hit)", {"q": "tidakada"}, False),
        ("name 'kupang' + SD + 3T", {"q": "kupang", "bentuk": "SD", "is_3t": True}, False),
        ("NPSN exact", {"q": npsn}, False),
        ("NPSN prefix (4 digits)", {"q": npsn[:4]}, False),
        ("no filter", {}, False),
    ]


def _time(session, user, filters, page2: bool, runs: int) -> tuple[float, int]:
    from spmp.schools.queries import search_schools

    after = search_schools(session, user, filters).next_cursor if page2 else None
    timings, found = [], 0
    for _ in range(runs):
        session.expunge_all()
        started = time.perf_counter()
        page = search_schools(session, user, filters, after=after)
        timings.append((time.perf_counter() - started) * 1000)
        found = len(page.schools)
    return statistics.median(timings), found


def _bench(backend: str, url: str, runs: int) -> None:
    from spmp.db import Database
    from spmp.schools.queries import DirectoryFilters

    db = Database(url)
    with db.session() as session:
        users = _users(session)
        for label, values, page2 in _cases(session):
            figures = []
            for user_label, user in users.items():
                ms, found = _time(session, user, DirectoryFilters(**values), page2, runs)
                figures.append(f"{user_label}: {ms:7.1f} ms ({found:>2} rows)")
            print(f"{backend:<11} {label:<28} " + "   ".join(figures))
    db.dispose()


PAGES = [
    ("page /sekolah?provinsi=53", "/sekolah?provinsi=53"),
    ("page /sekolah?q=kupang", "/sekolah?q=kupang"),
    ("page /sekolah?q=smk+kristen", "/sekolah?q=smk+kristen"),
    ("page /sekolah (no filter)", "/sekolah"),
]


def _bench_pages(backend: str, url: str, runs: int) -> None:
    """The whole directory page as the server answers it (routing, session and user loading, query,
    template): GET through Flask's test client as a logged-in BPMP NTT user and as a Pusat user."""
    import dataclasses
    import re

    from sqlalchemy import delete

    from spmp.accounts import operations as accounts
    from spmp.accounts.models import User
    from spmp.accounts.passwords import use_cheapest_hashing
    from spmp.config import load_settings
    from spmp.db import Database
    from web import create_app

    use_cheapest_hashing()
    db = Database(url)
    password = "bench-password-123"
    with db.transaction() as session:
        session.execute(delete(User).where(User.username.in_(["bench.staf", "bench.dinas"])))
        accounts.create_user(
            session,
            username="bench.staf",
            full_name="Bench",
            password=password,
            role="bpmp_staff",
            scope=accounts.Scope(unit_code="BPMP-NTT"),
        )
        accounts.create_user(
            session,
            username="bench.dinas",
            full_name="Bench",
            password=password,
            role="dinas_province",
            scope=accounts.Scope(province_code="35"),
        )
    with tempfile.TemporaryDirectory(prefix="spmp_bench_instance_") as instance:
        os.environ["SPMP_INSTANCE_PATH"] = instance
        settings = dataclasses.replace(load_settings(), database_url=url, login_rate_limit="1000 per minute")
        app = create_app(settings, database=db)
        clients = {}
        for label, username in (("BPMP NTT", "bench.staf"), ("Dinas Jatim", "bench.dinas")):
            client = app.test_client()
            html = client.get("/login").get_data(as_text=True)
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
            client.post("/login", data={"username": username, "password": password, "csrf_token": token})
            clients[label] = client
        for label, path in PAGES:
            figures = []
            for user_label, client in clients.items():
                timings = []
                for _ in range(runs):
                    started = time.perf_counter()
                    response = client.get(path)
                    timings.append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200, response.status_code
                figures.append(f"{user_label}: {statistics.median(timings):7.1f} ms")
            print(f"{backend:<11} {label:<28} " + "   ".join(figures))
    with db.transaction() as session:
        session.execute(delete(User).where(User.username.in_(["bench.staf", "bench.dinas"])))
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--schools", type=int, default=440_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--sqlite-url", help="use this loaded SQLite database instead of building one")
    parser.add_argument("--pg-url", help="use this loaded PostgreSQL database instead of building one")
    args = parser.parse_args()

    def fresh(backend: str, url: str) -> None:
        print(f"{backend}: building a database with {args.schools} schools ...", file=sys.stderr)
        _build(url, args.schools)
        _bench(backend, url, args.runs)
        _bench_pages(backend, url, args.runs)

    if args.backend in ("sqlite", "both"):
        if args.sqlite_url:
            _bench("sqlite", args.sqlite_url, args.runs)
            _bench_pages("sqlite", args.sqlite_url, args.runs)
        else:
            with tempfile.TemporaryDirectory(prefix="spmp_bench_") as tmp:
                fresh("sqlite", f"sqlite:///{tmp}/directory.sqlite3")
    if args.backend in ("postgresql", "both"):
        if args.pg_url:
            _bench("postgresql", args.pg_url, args.runs)
            _bench_pages("postgresql", args.pg_url, args.runs)
        else:
            _with_pg_database(lambda url: fresh("postgresql", url))


if __name__ == "__main__":
    main()
