"""Test fixtures: one throw-away database per run (SQLite file or PostgreSQL database), migrated once;
each test runs in a transaction that is rolled back.

Choose the database with ``SPMP_TEST_DATABASE=sqlite`` (default) or ``postgresql``; the PostgreSQL server
is taken from ``SPMP_TEST_PG_URL`` (default: the local server, user postgres).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from hypothesis import settings
from sqlalchemy import create_engine, text

from spmp import migrate
from spmp.accounts.passwords import use_cheapest_hashing
from spmp.db import Database
from spmp.regions.reference import load_reference

PG_SERVER_URL = os.environ.get("SPMP_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


use_cheapest_hashing()

# Property tests are deterministic by default, so a CI run is repeatable; `HYPOTHESIS_PROFILE=explore`
# draws fresh random examples (and more of them) for a local bug hunt.
settings.register_profile("repeatable", derandomize=True, database=None)
settings.register_profile("explore", max_examples=200)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


def _backend() -> str:
    return os.environ.get("SPMP_TEST_DATABASE", "sqlite")


@pytest.fixture(scope="session")
def empty_database_url(tmp_path_factory) -> Iterator[str]:
    """A brand-new, empty database for this test run; dropped afterwards."""
    if _backend() == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'spmp_test.sqlite3'}"
        return
    name = f"spmp_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_SERVER_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_SERVER_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def make_database(tmp_path_factory):
    """Factory for extra throw-away databases (migration tests, live servers)."""
    created: list[tuple[str, str]] = []

    def _make(label: str = "extra") -> str:
        if _backend() == "sqlite":
            return f"sqlite:///{tmp_path_factory.mktemp(label) / 'spmp.sqlite3'}"
        name = f"spmp_test_{label}_{uuid.uuid4().hex[:10]}"
        admin = create_engine(PG_SERVER_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        created.append((name, label))
        return PG_SERVER_URL.rsplit("/", 1)[0] + f"/{name}"

    yield _make
    if created:
        admin = create_engine(PG_SERVER_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name, _ in created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(empty_database_url) -> str:
    """The run's database, migrated to head with reference data loaded (committed, shared by all tests)."""
    database = Database(empty_database_url)
    migrate.upgrade(database)
    with database.transaction() as session:
        load_reference(session)
    database.dispose()
    return empty_database_url


@pytest.fixture(scope="session")
def engine(database_url):
    database = Database(database_url)
    yield database.engine
    database.dispose()


@pytest.fixture
def db(engine, database_url) -> Iterator[Database]:
    """A Database whose every session runs inside one outer transaction, rolled back after the test."""
    connection = engine.connect()
    outer = connection.begin()
    try:
        yield Database.bound_to(connection, database_url)
    finally:
        outer.rollback()
        connection.close()


@pytest.fixture
def session(db):
    s = db.session(write=True)
    try:
        yield s
    finally:
        s.close()
