"""`spmp db upgrade` holds a database lock: a second migration waits until the first one is done."""

from __future__ import annotations

import threading
import time

from sqlalchemy import text

from spmp import migrate
from spmp.db import Database


def _hold_lock(database: Database):
    """Take the lock that `migrate.upgrade` takes, on a connection of our own."""
    if database.is_sqlite:
        conn = database.write_engine.connect()
        conn.begin()  # BEGIN IMMEDIATE: the write lock
        conn.execute(text("CREATE TABLE IF NOT EXISTS lock_probe (x INTEGER)"))
        return conn
    conn = database.engine.connect()
    conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": migrate.MIGRATION_LOCK_KEY})
    conn.commit()
    return conn


def _release(database: Database, conn) -> None:
    if database.is_sqlite:
        conn.rollback()
    else:
        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": migrate.MIGRATION_LOCK_KEY})
        conn.commit()
    conn.close()


def test_second_migration_waits_for_the_first(make_database):
    database = Database(make_database("miglock"))
    holder = _hold_lock(database)
    finished: list[float] = []
    worker = threading.Thread(target=lambda: (migrate.upgrade(database), finished.append(time.monotonic())))
    worker.start()
    time.sleep(1.5)
    assert not finished, "the migration ran while another one held the lock"
    released_at = time.monotonic()
    _release(database, holder)
    worker.join(timeout=60)
    assert finished and finished[0] >= released_at
    assert migrate.current_heads(database) == {migrate_head()}
    database.dispose()


def migrate_head() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()
