"""Shared by the benchmarks: a throw-away database, SQLite or PostgreSQL on the local server."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable
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
