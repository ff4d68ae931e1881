"""Shared by the benchmarks: a throw-away PostgreSQL database on the local server."""

from __future__ import annotations

import os
import uuid

PG_SERVER = os.environ.get("SPMP_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def with_pg_database(fn) -> None:
    """Create an empty database, call ``fn(url)``, and drop the database whatever happens."""
    from sqlalchemy import create_engine, text

    name = f"spmp_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        fn(PG_SERVER.rsplit("/", 1)[0] + f"/{name}")
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
