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

    db = Database(make_database("migrations_data"))
    at = datetime(2026, 3, 2, 2, 0)
    try:
        migrate.upgrade(db, "0004")
        with db.transaction() as s:
            # Reference rows as revision 0004 knew them (load_reference writes today's columns).
            s.execute(text("INSERT INTO province (code, name) VALUES ('53', 'Nusa Tenggara Timur')"))
            s.execute(
                text(
                    "INSERT INTO unit (id, code, name, kind, seat_province_code) "
                    "VALUES (1, 'BPMP-NTT', 'BPMP Provinsi NTT', 'BPMP', '53')"
                )
            )
            unit = 1
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


BEFORE_BENTUK = "0010"  # the revision before bentuk_pendidikan


def test_bentuk_becomes_reference_data_and_keeps_referenced_schools(make_database):
    """0010 drops the CHECK of 11 forms and makes school.bentuk a foreign key to bentuk_pendidikan, on a
    database whose schools are referenced by users (a SQLite table rebuild would fail their keys)."""
    from datetime import datetime

    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    from spmp.regions.reference import load_reference

    db = Database(make_database("migrations_bentuk"))
    at = datetime(2026, 3, 2, 2, 0)
    try:
        migrate.upgrade(db, BEFORE_BENTUK)
        with db.transaction() as s:
            s.execute(text("INSERT INTO province (code, name) VALUES ('53', 'Nusa Tenggara Timur')"))
            s.execute(
                text(
                    "INSERT INTO regency (code, province_code, name, kind) "
                    "VALUES ('53.71', '53', 'Kota Kupang', 'kota')"
                )
            )
            s.execute(
                text(
                    "INSERT INTO school (id, npsn, name, name_key, bentuk, status, regency_code, province_code, "
                    "is_remote, is_border, is_disaster_area, row_hash, created_at, updated_at) VALUES "
                    "(1, '50100001', 'SD Uji', 'sd uji', 'SD', 'negeri', '53.71', '53', false, false, false, "
                    "'x', :at, :at)"
                ),
                {"at": at},
            )
            s.execute(
                text(
                    "INSERT INTO app_user (id, username, full_name, password_hash, role, school_id, is_active, "
                    "session_epoch, failed_logins, wants_daily_digest, created_at) VALUES "
                    "(1, 'operator', 'Operator', 'x', 'school_operator', 1, true, 0, 0, false, :at)"
                ),
                {"at": at},
            )
        migrate.upgrade(db)
        assert _diff(db) == []
        with db.transaction() as s:
            load_reference(s)
            assert s.execute(text("SELECT school_id FROM app_user")).scalar() == 1
            s.execute(text("UPDATE school SET bentuk = 'SMAg.K' WHERE id = 1"))
            assert (
                s.execute(text("SELECT dapodik_code FROM regency WHERE code = '53.71'")).scalar() == "246000"
            )
        with pytest.raises(IntegrityError), db.transaction() as s:
            s.execute(text("UPDATE school SET bentuk = 'XYZ' WHERE id = 1"))
        with pytest.raises(Exception, match="downgrade dibatalkan"):
            migrate.downgrade(db, BEFORE_BENTUK)
        with db.transaction() as s:
            s.execute(text("UPDATE school SET bentuk = 'SD' WHERE id = 1"))
        migrate.downgrade(db, BEFORE_BENTUK)
        with pytest.raises(IntegrityError), db.transaction() as s:
            s.execute(text("UPDATE school SET bentuk = 'SDLB' WHERE id = 1"))
    finally:
        db.dispose()
