"""Alembic, driven from code: ``spmp db upgrade`` holds a database lock so two deploys cannot migrate
at once (PostgreSQL advisory lock; on SQLite the migration runs inside one BEGIN IMMEDIATE transaction)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection

from spmp.config import PROJECT_ROOT
from spmp.db import Database

MIGRATION_LOCK_KEY = 0x5350_4D50  # "SPMP"


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    cfg.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s")
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def _run_locked(db: Database, fn) -> None:
    if db.is_sqlite:
        with db.write_engine.begin() as conn:  # BEGIN IMMEDIATE: the write lock is ours for the whole run
            fn(alembic_config(conn))
        return
    with db.engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
        conn.commit()
        try:
            fn(alembic_config(conn))
            conn.commit()
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK_KEY})
            conn.commit()


def upgrade(db: Database, revision: str = "head") -> None:
    _run_locked(db, lambda cfg: command.upgrade(cfg, revision))


def downgrade(db: Database, revision: str = "base") -> None:
    _run_locked(db, lambda cfg: command.downgrade(cfg, revision))


def current_heads(db: Database) -> set[str]:
    from alembic.runtime.migration import MigrationContext

    with db.engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())
