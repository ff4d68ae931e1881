"""Audit trail: append-only triggers, hash chain verification, tamper detection, anchors."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from spmp import audit
from spmp.engine import add_comment, fire
from tests.backends import postgresql_only
from tests.spmp.engine.support import make_world, open_visit


@pytest.fixture
def chain(session):
    """A few events: open, comment, fire, comment."""
    world = make_world(session)
    case = open_visit(session, world)
    add_comment(session, world["principal"], case.id, "Siap dikunjungi")
    fire(session, case.id, "schedule", world["widyaprada"], 1, inputs={"visit_date": "2026-03-10"})
    add_comment(session, world["widyaprada"], case.id, "Terima kasih")
    ids = [row[0] for row in session.execute(text("SELECT id FROM audit_event ORDER BY id"))]
    assert len(ids) == 4 and audit.verify(session).ok
    return ids


@contextmanager
def triggers_off(session):
    """What an attacker with DDL rights could do: switch the append-only triggers off for a moment."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("DROP TRIGGER audit_event_no_update"))
        session.execute(text("DROP TRIGGER audit_event_no_delete"))
        yield
        session.execute(
            text(
                "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
                "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: UPDATE refused'); END"
            )
        )
        session.execute(
            text(
                "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
                "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: DELETE refused'); END"
            )
        )
    else:
        session.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_change"))
        yield
        session.execute(text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_no_change"))


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET reason = 'diubah' WHERE id = :id",
        "UPDATE audit_event SET hash = prev_hash WHERE id = :id",
        "DELETE FROM audit_event WHERE id = :id",
    ],
)
def test_update_and_delete_are_refused_by_the_database(session, chain, statement):
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(text(statement), {"id": chain[1]})
    assert audit.verify(session).ok


@postgresql_only  # SQLite has no TRUNCATE
def test_truncate_is_refused_on_postgresql(session, chain):
    with pytest.raises(DBAPIError, match="append-only: TRUNCATE refused"), session.begin_nested():
        session.execute(text("TRUNCATE audit_event CASCADE"))


def test_edited_row_is_named_by_verify(session, chain):
    with triggers_off(session):
        session.execute(text("UPDATE audit_event SET reason = 'disamarkan' WHERE id = :id"), {"id": chain[2]})
    result = audit.verify(session)
    assert not result.ok
    assert result.broken_id == chain[2]
    assert (
        result.message()
        == f"Rantai audit RUSAK pada kejadian #{chain[2]}: isi kejadian tidak cocok dengan hash-nya"
    )


def test_deleted_row_is_named_by_verify(session, chain):
    with triggers_off(session):
        session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": chain[1]})
    result = audit.verify(session)
    assert (result.ok, result.broken_id) == (False, chain[2])
    assert f"tidak cocok dengan kejadian #{chain[0]}" in result.problem


def test_restored_old_backup_row_is_named_by_verify(session, chain):
    """Replace an event by an older, self-consistent copy of another (its hash recomputed for the new id)."""
    row = session.execute(text("SELECT * FROM audit_event WHERE id = :id"), {"id": chain[1]}).mappings().one()
    with triggers_off(session):
        session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": chain[2]})
        restored = dict(row, id=chain[2])
        restored["hash"] = audit.event_hash(
            restored["id"], row["occurred_at"] if not isinstance(row["occurred_at"], str) else _parse(row["occurred_at"]),
            row["actor_id"], row["case_id"], row["action"], row["from_state"], row["to_state"], row["reason"],
            row["changes"], row["prev_hash"],
        )  # fmt: skip
        columns = ", ".join(restored)
        session.execute(
            text(f"INSERT INTO audit_event ({columns}) VALUES (:{', :'.join(restored)})"), restored
        )
    result = audit.verify(session)
    assert (result.ok, result.broken_id) == (False, chain[2])


def _parse(value: str):
    from datetime import UTC, datetime

    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def test_anchor_catches_a_deleted_tail(session, chain, tmp_path):
    anchor_file = tmp_path / "anchor.json"
    anchor = audit.write_anchor(session, anchor_file)
    assert anchor["id"] == chain[-1]
    assert audit.verify(session, anchor_file).ok
    with triggers_off(session):
        session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": chain[-1]})
    assert audit.verify(session).ok  # the chain alone cannot tell
    result = audit.verify(session, anchor_file)
    assert (result.ok, result.broken_id) == (False, chain[-1])
    assert "ekor rantai dihapus" in result.problem


def test_anchor_catches_a_recomputed_chain(session, chain, tmp_path):
    anchor_file = tmp_path / "anchor.json"
    audit.write_anchor(session, anchor_file)
    rows = session.execute(text("SELECT * FROM audit_event ORDER BY id")).mappings().all()
    prev = audit.GENESIS_HASH
    with triggers_off(session):
        session.execute(text("DELETE FROM audit_event"))
        for row in rows:
            values = dict(
                row, reason="ditulis ulang" if row["id"] == chain[1] else row["reason"], prev_hash=prev
            )
            at = row["occurred_at"] if not isinstance(row["occurred_at"], str) else _parse(row["occurred_at"])
            values["hash"] = audit.event_hash(
                values["id"], at, values["actor_id"], values["case_id"], values["action"], values["from_state"],
                values["to_state"], values["reason"], values["changes"], prev,
            )  # fmt: skip
            prev = values["hash"]
            session.execute(
                text(f"INSERT INTO audit_event ({', '.join(values)}) VALUES (:{', :'.join(values)})"), values
            )
    assert audit.verify(session).ok  # a consistent forgery
    result = audit.verify(session, anchor_file)
    assert not result.ok and "dihitung ulang" in result.problem


def test_chain_links_and_hashes(session, chain):
    rows = session.execute(text("SELECT id, prev_hash, hash FROM audit_event ORDER BY id")).all()
    assert rows[0].prev_hash == audit.GENESIS_HASH
    for before, after in zip(rows, rows[1:], strict=False):
        assert after.prev_hash == before.hash
    assert len({r.hash for r in rows}) == len(rows)
