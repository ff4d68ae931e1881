"""Shared by the benchmarks: a throw-away database (SQLite or PostgreSQL on the local server) for each
backend asked for, filled with the reference data and synthetic schools; the load average and progress
lines printed beside the figures; the web app with a signed-in client and a page timer."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

PG_SERVER = os.environ.get("SPMP_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def create_database(backend: str) -> tuple[str, Callable[[], None]]:
    """A new empty database (a SQLite file in a temporary folder, or a PostgreSQL database on
    ``SPMP_TEST_PG_URL``'s server) and the function that removes it."""
    if backend == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="spmp-bench-"))
        return f"sqlite:///{folder / 'bench.sqlite3'}", lambda: shutil.rmtree(folder, ignore_errors=True)
    from sqlalchemy import create_engine, text

    name = f"spmp_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return PG_SERVER.rsplit("/", 1)[0] + f"/{name}", drop


def with_pg_database(fn) -> None:
    """Create an empty PostgreSQL database, call ``fn(url)``, and drop the database whatever happens."""
    url, drop = create_database("postgresql")
    try:
        fn(url)
    finally:
        drop()


def add_backend_option(parser, default: str = "both") -> None:
    """``--backend sqlite|postgresql|both``."""
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default=default)


def on_each_backend(choice: str, run: Callable[[str, str], None]) -> None:
    """``run(backend, url)`` on a new empty database of each backend ``choice`` names (``both``: SQLite,
    then PostgreSQL), removing the database afterwards whatever happens."""
    for backend in ("sqlite", "postgresql") if choice == "both" else (choice,):
        url, drop = create_database(backend)
        try:
            run(backend, url)
        finally:
            drop()


def load_average() -> str:
    """The machine's load, printed beside the figures (others share this machine)."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def say(started: float, message: str) -> None:
    """A progress line with the seconds since ``started`` (a ``time.perf_counter()``)."""
    print(f"  [{time.perf_counter() - started:6.1f} s] {message}", flush=True)


def schools_database(url: str, schools: int, *, seed: int, statistics: bool = False):
    """The database at ``url`` migrated, with the reference data and ``schools`` synthetic schools written
    through the school import's bulk path (``spmp.schools.demo``); ``statistics``: then the school table's
    planner statistics refreshed as after a real import. Returns the ``Database``."""
    from spmp import migrate
    from spmp.db import Database
    from spmp.regions.reference import load_reference
    from spmp.schools.demo import generate_into_database
    from spmp.schools.importer import refresh_statistics

    db = Database(url)
    migrate.upgrade(db)
    with db.transaction() as session:
        load_reference(session)
        generate_into_database(session, schools, seed=seed)
    if statistics:
        refresh_statistics(db)
    return db


def analyze(db, *, vacuum: bool = True) -> None:
    """Fresh planner statistics for every table after writing a data set at once, as autovacuum or
    ``PRAGMA optimize`` would later; on PostgreSQL with a VACUUM unless ``vacuum`` is false (the visibility
    map lets index-only scans skip the new rows' heap pages)."""
    if db.is_sqlite or not vacuum:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        return
    # VACUUM cannot run inside a transaction block.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM (ANALYZE)")


@contextmanager
def web_app(db, url: str) -> Iterator:
    """The Flask app on ``db`` (a throw-away instance folder; logins not rate-limited)."""
    from spmp.config import load_settings
    from web import create_app

    with tempfile.TemporaryDirectory(prefix="spmp_bench_instance_") as instance:
        os.environ["SPMP_INSTANCE_PATH"] = instance
        settings = dataclasses.replace(load_settings(), database_url=url, login_rate_limit="1000 per minute")
        yield create_app(settings, database=db)


def logged_in(app, db, username: str, password: str):
    """A test client signed in as ``username`` (with the TOTP code when the role must give one)."""
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": _csrf(client, "/login")})  # fmt: skip
    if response.location and response.location.endswith("/login/totp"):
        import pyotp
        from sqlalchemy import select

        from spmp.accounts.models import User

        with db.session() as session:
            secret = session.scalar(select(User.totp_secret).where(User.username == username))
        code = pyotp.TOTP(secret).now()
        client.post("/login/totp", data={"code": code, "csrf_token": _csrf(client, "/login/totp")})
    return client


def _csrf(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def time_page(client, label: str, path: str, runs: int, width: int = 44) -> bytes:
    """GET ``path`` ``runs`` times (each must answer 200); prints the median and the fastest in ms and the
    size, returns the body. A download is streamed: the time includes the whole file."""
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path)
        body = response.data
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    print(f"  {label:{width}s} median {statistics.median(timings):7.1f} ms  (min {min(timings):.1f}, "
          f"{len(body) // 1024} KiB)", flush=True)  # fmt: skip
    return body
