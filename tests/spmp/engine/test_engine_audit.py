"""Audit log: append-only triggers, sealing in sequence, signed tree heads, anchors, inclusion proofs, and
each attack the fault-injection test named (an edited event recomputed, a deleted tail, a swapped pair,
a forged event with a valid hash, a forged tree head, a deleted anchor file, a case changed without an
event)."""

from __future__ import annotations

import json
from contextlib import contextmanager

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from spmp import audit
from spmp.audit import anchors, merkle, proofs, seals, signing
from spmp.audit.verifier import verify
from spmp.engine import add_comment, fire
from tests.audit_support import public_key, seal_all, sealed_report, signing_key
from tests.backends import postgresql_only
from tests.spmp.engine.support import make_world, open_visit

# RFC 6962 / certificate-transparency test vectors: leaf inputs, the roots of the first n leaves, and
# inclusion proofs (index, tree size, path).
CT_LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_PROOFS = [
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]  # fmt: skip
LEAF_HASHES = [merkle.leaf_hash(bytes.fromhex(x)) for x in CT_LEAVES]


def test_rfc6962_roots_and_frontier():
    frontier, size = [], 0
    for n in range(1, 9):
        assert merkle.root(LEAF_HASHES[:n]).hex() == CT_ROOTS[n - 1]
        size = merkle.append(frontier, size, LEAF_HASHES[n - 1])
        assert merkle.frontier_root(frontier).hex() == CT_ROOTS[n - 1]
    assert merkle.root([]).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


@pytest.mark.parametrize(("index", "size", "path"), CT_PROOFS)
def test_rfc6962_inclusion_proofs(index, size, path):
    made = merkle.inclusion_path(index, size, lambda a, b: merkle.root(LEAF_HASHES[a:b]))
    assert [p.hex() for p in made] == path
    root = merkle.root_from_path(index, size, LEAF_HASHES[index], made)
    assert root.hex() == CT_ROOTS[size - 1]
    with pytest.raises(ValueError):
        merkle.root_from_path(index, size, LEAF_HASHES[index], made[:-1])
    assert merkle.root_from_path(index, size, LEAF_HASHES[(index + 1) % size], made).hex() != CT_ROOTS[size - 1]


@pytest.fixture
def log(session, tmp_path):
    """A few events (open, comment, fire, comment), sealed and anchored; returns their ids."""
    world = make_world(session)
    case = open_visit(session, world)
    add_comment(session, world["principal"], case.id, "Siap dikunjungi")
    fire(session, case.id, "schedule", world["widyaprada"], 1, inputs={"visit_date": "2026-03-10"})
    add_comment(session, world["widyaprada"], case.id, "Terima kasih")
    ids = [row[0] for row in session.execute(text("SELECT id FROM audit_event ORDER BY id"))]
    report = sealed_report(session, tmp_path / "anchors.jsonl")
    assert report.ok, report.lines()
    return ids


def _verify(session, tmp_path):
    return verify(session, public_key(), tmp_path / "anchors.jsonl")


@contextmanager
def triggers_off(session, table="audit_event"):
    """What an attacker with DDL rights could do: switch the append-only triggers off for a moment."""
    if session.get_bind().dialect.name == "sqlite":
        saved = session.execute(
            text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t AND name LIKE '%no_%'"),
            {"t": table},
        ).all()
        for name, _sql in saved:
            session.execute(text(f"DROP TRIGGER {name}"))
        yield
        for _name, sql in saved:
            session.execute(text(sql))
    else:
        session.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {table}_no_change"))
        yield
        session.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER {table}_no_change"))


@pytest.mark.parametrize("table", ["audit_event", "audit_seal", "audit_tree_head"])
@pytest.mark.parametrize("verb", ["UPDATE {t} SET {c} = {c}", "DELETE FROM {t}"])
def test_update_and_delete_are_refused_by_the_database(session, log, tmp_path, table, verb):
    column = {"audit_event": "reason", "audit_seal": "chain_hash", "audit_tree_head": "root_hash"}[table]
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(text(verb.format(t=table, c=column)))
    assert _verify(session, tmp_path).ok


@postgresql_only  # SQLite has no TRUNCATE
@pytest.mark.parametrize("table", ["audit_event", "audit_seal", "audit_tree_head", "audit_node"])
def test_truncate_is_refused_on_postgresql(session, log, table):
    with pytest.raises(DBAPIError, match="append-only: TRUNCATE refused"), session.begin_nested():
        session.execute(text(f"TRUNCATE {table} CASCADE"))


def test_events_are_appended_without_a_chain_and_sealed_in_sequence(session, log):
    rows = session.execute(text("SELECT id, prev_hash, hash FROM audit_event ORDER BY id")).all()
    assert all(r.prev_hash is None for r in rows)  # no chain position at write time
    sealed = session.execute(text("SELECT position, event_id, event_hash FROM audit_seal ORDER BY position")).all()
    assert [(s.event_id, s.event_hash) for s in sealed] == [(r.id, r.hash) for r in rows]
    assert [s.position for s in sealed] == list(range(1, len(rows) + 1))
    assert session.execute(text("SELECT count(*) FROM audit_pending")).scalar() == 0
    seal_all(session)  # sealing again seals nothing twice
    assert session.execute(text("SELECT count(*) FROM audit_seal")).scalar() == len(rows)


def test_an_edited_event_is_named(session, log, tmp_path):
    with triggers_off(session):
        session.execute(text("UPDATE audit_event SET reason = 'disamarkan' WHERE id = :id"), {"id": log[2]})
    report = _verify(session, tmp_path)
    assert not report.ok and f"kejadian #{log[2]}): isi kejadian tidak cocok" in report.problems[0]


def test_an_edited_event_with_its_hash_recomputed_is_named(session, log, tmp_path):
    row = session.execute(text("SELECT * FROM audit_event WHERE id = :id"), {"id": log[1]}).mappings().one()
    digest = audit.content_hash(row["occurred_at"], row["actor_id"], row["case_id"], row["action"], row["from_state"],
                                row["to_state"], "disamarkan", row["changes"])  # fmt: skip
    with triggers_off(session):
        session.execute(text("UPDATE audit_event SET reason = 'disamarkan', hash = :h WHERE id = :id"),
                        {"h": digest, "id": log[1]})  # fmt: skip
    report = _verify(session, tmp_path)
    assert not report.ok and "tidak cocok dengan hash yang disegel" in report.problems[0]


def test_a_deleted_tail_is_caught_by_the_anchor(session, log, tmp_path):
    """Delete the last event, its seal and the heads covering it, re-seal what is left: the log is
    self-consistent, but the anchor outside the database names the missing tail."""
    with triggers_off(session), triggers_off(session, "audit_seal"), triggers_off(session, "audit_tree_head"):
        session.execute(text("DELETE FROM audit_tree_head"))
        session.execute(text("DELETE FROM audit_seal WHERE event_id = :id"), {"id": log[-1]})
        session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": log[-1]})
    report = _verify(session, tmp_path)
    assert not report.ok
    assert "tidak punya kepala pohon" in report.problems[0] or "ekor" in report.problems[0]


def test_a_swapped_pair_of_seals_is_named(session, log, tmp_path):
    with triggers_off(session, "audit_seal"):
        session.execute(text("UPDATE audit_seal SET event_id = -event_id WHERE position IN (2, 3)"))
        session.execute(text("UPDATE audit_seal SET event_id = :b WHERE event_id = :a"), {"a": -log[1], "b": log[2]})
        session.execute(text("UPDATE audit_seal SET event_id = :a WHERE event_id = :b"), {"a": log[1], "b": -log[2]})
    report = _verify(session, tmp_path)
    assert not report.ok and "posisi 2" in report.problems[0]


def test_a_forged_event_with_a_valid_hash_is_unsealed_or_its_forged_head_is_refused(session, log, tmp_path):
    """Appending a self-consistent event straight into the table: it is not sealed until the sequencer
    signs a head over it, and a head forged with another key is refused."""
    forged = audit.event_row(action="fire", actor_id=None, case_id=None, reason="palsu")
    forged["occurred_at"] = forged["occurred_at"].replace(tzinfo=None)
    session.execute(
        text("INSERT INTO audit_event (occurred_at, actor_id, case_id, action, from_state, to_state, reason, "
             "changes, hash) VALUES (:occurred_at, :actor_id, :case_id, :action, :from_state, :to_state, :reason, "
             ":changes, :hash)"),
        forged,
    )  # fmt: skip
    report = _verify(session, tmp_path)
    assert report.ok and report.unsealed == 1  # not part of the signed log (an alarm once it is old)
    attacker_key = signing.load_or_create(tmp_path / "attacker.pem")
    while seals.seal_batch(session, attacker_key) is not None:
        pass
    report = _verify(session, tmp_path)
    assert not report.ok and "tanda tangan kepala pohon" in report.problems[0]


def test_a_recomputed_log_is_caught_by_the_anchor_and_a_missing_anchor_fails_loudly(session, log, tmp_path):
    """Rewrite the log with the real key (an insider who has it): every check inside the database passes,
    the anchor outside it does not; and a deleted anchor file is a failure, never a silent pass."""
    with triggers_off(session), triggers_off(session, "audit_seal"), triggers_off(session, "audit_tree_head"), \
            triggers_off(session, "audit_node"):  # fmt: skip
        session.execute(text("DELETE FROM audit_tree_head"))
        session.execute(text("DELETE FROM audit_seal"))
        session.execute(text("DELETE FROM audit_node"))
        row = session.execute(text("SELECT * FROM audit_event WHERE id = :id"), {"id": log[1]}).mappings().one()
        digest = audit.content_hash(row["occurred_at"], row["actor_id"], row["case_id"], row["action"],
                                    row["from_state"], row["to_state"], "ditulis ulang", row["changes"])  # fmt: skip
        session.execute(text("UPDATE audit_event SET reason = 'ditulis ulang', hash = :h WHERE id = :id"),
                        {"h": digest, "id": log[1]})  # fmt: skip
        session.execute(text("INSERT INTO audit_pending (event_id) SELECT id FROM audit_event"))
    seal_all(session)
    assert verify(session, public_key(), tmp_path / "lain.jsonl").problems[0].startswith("tidak ada jangkar")
    report = _verify(session, tmp_path)
    assert not report.ok and "berbeda dari jangkarnya" in report.problems[0]
    (tmp_path / "anchors.jsonl").unlink()
    report = _verify(session, tmp_path)
    assert not report.ok and "tidak ada jangkar" in report.problems[0]


def test_a_malformed_anchor_file_is_a_clear_error(session, log, tmp_path):
    (tmp_path / "anchors.jsonl").write_text('{"size": 1}\nbukan json\n')
    report = _verify(session, tmp_path)
    assert not report.ok and "baris 1: kolom jangkar tidak lengkap" in report.problems[0]


def test_a_case_changed_without_an_event_is_named(session, log, tmp_path):
    case_id = session.execute(text("SELECT case_id FROM audit_event WHERE id = :id"), {"id": log[0]}).scalar()
    session.execute(text("UPDATE case_record SET state = 'done', version = version + 1 WHERE id = :id"), {"id": case_id})
    report = _verify(session, tmp_path)
    assert not report.ok and f"kasus #{case_id}" in report.problems[0] and "tanpa kejadian" in report.problems[0]


def test_unsealed_events_older_than_the_limit_raise_an_alarm(session, log, tmp_path, frozen):
    from datetime import timedelta

    audit.append(session, action="uji", actor_id=None)
    report = verify(session, public_key(), tmp_path / "anchors.jsonl", timedelta(minutes=2))
    assert report.ok and report.unsealed == 1 and report.alarms == []
    frozen["t"] = frozen["t"] + timedelta(minutes=5)
    report = verify(session, public_key(), tmp_path / "anchors.jsonl", timedelta(minutes=2))
    assert report.ok and report.alarms and "belum disegel lebih dari 2 menit" in report.alarms[0]


def test_a_receipt_proves_one_event_offline(session, log, tmp_path):
    receipt = proofs.prove(session, log[2])
    assert receipt["event"]["id"] == log[2] and receipt["tree_head"]["size"] == len(log)
    assert proofs.check(json.loads(json.dumps(receipt)), public_key()) == []
    changed = json.loads(json.dumps(receipt))
    changed["event"]["reason"] = "lain"
    assert "isi kejadian tidak cocok" in proofs.check(changed, public_key())[0]
    other_key = signing.public_text(signing.load_or_create(tmp_path / "other.pem"))
    assert "tanda tangan" in proofs.check(receipt, other_key)[-1]
    with pytest.raises(proofs.ProofError):
        audit.append(session, action="uji", actor_id=None)
        proofs.prove(session, 10**9)


def test_proofs_over_stored_subtrees_match_the_rfc_root(session, tmp_path):
    """More than 256 events: proofs read stored 256-leaf subtrees and still lead to the signed root."""
    for i in range(600):
        audit.append(session, action="uji", actor_id=None, reason=f"ke-{i}")
    seal_all(session)
    nodes = session.execute(text("SELECT count(*) FROM audit_node")).scalar()
    assert nodes >= 2
    ids = [r[0] for r in session.execute(text("SELECT event_id FROM audit_seal ORDER BY position"))]
    for event_id in (ids[0], ids[255], ids[256], ids[511], ids[-1]):
        assert proofs.check(proofs.prove(session, event_id), public_key()) == []


def test_the_key_file_is_private_and_a_bad_one_is_a_clear_error(tmp_path):
    path = tmp_path / "kunci.pem"
    signing.load_or_create(path)
    assert path.stat().st_mode & 0o777 == 0o600
    path.write_text("bukan kunci")
    with pytest.raises(signing.SigningKeyError, match="tidak dapat dibaca"):
        signing.load_or_create(path)


def test_anchor_file_reading(tmp_path):
    path = tmp_path / "a.jsonl"
    assert anchors.read(path) == [] and anchors.last_size(path) == 0
    head = {"size": 3, "root_hash": "r", "chain_hash": "c", "sealed_at": "t", "signature": "s", "key_id": "k"}
    anchors.append(path, [head], "pk")
    assert anchors.last_size(path) == 3 and anchors.read(path)[0]["public_key"] == "pk"
    assert signing_key() is signing_key()
