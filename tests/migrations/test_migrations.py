"""Migrations: upgrade from empty to head, autogenerate finds nothing to add, downgrade to base."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import spmp.models  # noqa: F401  (every model on the metadata)
from spmp import migrate
from spmp.db import Base, Database


def _diff(db: Database) -> list:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


def test_upgrade_autogenerate_downgrade(make_database):
    db = Database(make_database("migrations"))
    try:
        migrate.upgrade(db)
        assert migrate.current_heads(db) == migrate_heads(db)
        assert _diff(db) == []
        assert {"case_record", "case_deadline", "audit_event"} <= set(inspect(db.engine).get_table_names())
        migrate.downgrade(db, "base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    finally:
        db.dispose()


def migrate_heads(db: Database) -> set[str]:
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(migrate.alembic_config()).get_heads())
