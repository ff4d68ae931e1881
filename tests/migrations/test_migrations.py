"""Migrations: upgrade from empty to head, autogenerate finds nothing to add, downgrade to base."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import spmp.models  # noqa: F401  (every model on the metadata)
from spmp import migrate
from spmp.db import Base, Database
from tests.audit_support import sealed_report


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


def test_deadline_slots_and_audit_rebuild_keep_existing_data(make_database):
    """0005 numbers existing deadline rows per case; 0006 rebuilds audit_event (on SQLite) and keeps its
    rows, its chain and its append-only triggers."""
    from datetime import datetime

    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError

    from spmp import audit
    from spmp.regions.reference import load_reference

    db = Database(make_database("migrations_data"))
    at = datetime(2026, 3, 2, 2, 0)
    try:
        migrate.upgrade(db, "0004")
        with db.transaction() as s:
            load_reference(s)
            unit = s.execute(text("SELECT unit_id FROM unit_coverage WHERE province_code = '53'")).scalar()
            s.execute(
                text(
                    "INSERT INTO case_record (id, type_key, type_version, title, subject_unit_id, unit_id, "
                    "province_code, state, state_entered_at, opened_at, updated_at, version, is_paused) "
                    "VALUES (:id, 'school_visit', 1, 'Uji', :unit, :unit, '53', 'scheduled', :at, :at, :at, 1, false)"
                ),
                [{"id": 1, "unit": unit, "at": at}, {"id": 2, "unit": unit, "at": at}],
            )
            s.execute(
                text(
                    "INSERT INTO case_deadline (case_id, state, kind, fire_at, due_at, is_working_days, status) "
                    "VALUES (:case_id, 'scheduled', :kind, :at, :at, false, 'pending')"
                ),
                [
                    {"case_id": c, "kind": k, "at": at}
                    for k in ("reminder", "due", "escalation")
                    for c in (1, 2)
                ],
            )
            prev = audit.GENESIS_HASH  # a chain written as revision 0004's code wrote it
            for case_id in (1, 2):
                digest = audit.legacy_hash(case_id, at, None, case_id, "open", None, "scheduled", None, None, prev)
                s.execute(
                    text(
                        "INSERT INTO audit_event (id, occurred_at, case_id, action, to_state, prev_hash, hash) "
                        "VALUES (:id, :at, :id, 'open', 'scheduled', :prev, :hash)"
                    ),
                    {"id": case_id, "at": at, "prev": prev, "hash": digest},
                )
                prev = digest
        migrate.upgrade(db)
        with db.session() as s:
            rows = s.execute(
                text("SELECT case_id, slot, kind FROM case_deadline ORDER BY case_id, slot")
            ).all()
            assert [tuple(r) for r in rows] == [
                (c, slot, kind) for c in (1, 2) for slot, kind in enumerate(("reminder", "due", "escalation"))
            ]
        # 0010: the chained events are sealed first, continuing from their chain; a new event after them.
        with db.transaction() as s:
            new_id, _ = audit.append(s, action="uji", actor_id=None)
            assert new_id == 3
            report = sealed_report(s)
            assert report.ok and report.checked == 3, report.lines()
        for statement in ("UPDATE audit_event SET reason = 'x'", "DELETE FROM audit_event"):
            with pytest.raises(DatabaseError, match="append-only"), db.transaction() as s:
                s.execute(text(statement))
        assert _diff(db) == []
    finally:
        db.dispose()
