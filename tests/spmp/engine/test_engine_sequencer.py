"""The sequencer against real commits: writers racing it never fork or gap the sealed sequence, and a
sequencer killed half-way through a batch, then restarted, seals every event exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import text

from spmp import audit, migrate
from spmp.audit import seals, signing
from spmp.audit.verifier import verify
from spmp.db import Database
from spmp.regions.reference import load_reference
from tests.spmp.engine.support import fire_now, make_world, open_visit


@pytest.fixture
def committed(make_database, tmp_path):
    db = Database(make_database("sequencer"))
    migrate.upgrade(db)
    with db.transaction() as session:
        load_reference(session)
        world = make_world(session)
    yield db, world
    db.dispose()


def _sealed(db) -> list[tuple[int, int]]:
    with db.session() as s:
        return [tuple(r) for r in s.execute(text("SELECT position, event_id FROM audit_seal ORDER BY position"))]


def test_writers_racing_the_sequencer_leave_one_gapless_sequence(committed, tmp_path):
    db, world = committed
    key, anchor_file = signing.load_or_create(tmp_path / "key.pem"), tmp_path / "anchors.jsonl"
    cases = [[open_visit_committed(db, world) for _ in range(8)] for _worker in range(4)]
    errors: list[BaseException] = []
    writers_done = threading.Event()

    def write(case_ids):
        try:
            with db.held_connection() as connection:
                for case_id in case_ids:
                    fire_now(db, case_id, "cancel", world["bpmp_staff"], 1, connection=connection)
                    with db.transaction(connection=connection) as s:
                        audit.append(s, action="uji", actor_id=None, case_id=case_id)
        except BaseException as exc:
            errors.append(exc)

    def sequence():
        try:
            while not writers_done.is_set():
                seals.run(db, key, anchor_file, limit=7)  # small batches: many races with the writers
                time.sleep(0.01)
        except BaseException as exc:
            errors.append(exc)

    sequencer = threading.Thread(target=sequence)
    sequencer.start()
    writers = [threading.Thread(target=write, args=(ids,)) for ids in cases]
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join(120)
    writers_done.set()
    sequencer.join(60)
    seals.run(db, key, anchor_file)
    assert errors == []
    sealed = _sealed(db)
    with db.session() as s:
        event_ids = sorted(r[0] for r in s.execute(text("SELECT id FROM audit_event")))
        report = verify(s, signing.public_text(key), anchor_file)
    assert [p for p, _ in sealed] == list(range(1, len(sealed) + 1))  # no gap, no fork
    assert sorted(e for _, e in sealed) == event_ids  # every event exactly once
    assert report.ok and report.unsealed == 0, report.lines()
    assert report.heads > 1


def open_visit_committed(db, world) -> int:
    with db.transaction() as session:
        return open_visit(session, world).id


def test_a_sequencer_killed_mid_batch_seals_each_event_exactly_once(committed, tmp_path):
    db, _world = committed
    with db.transaction() as s:
        s.execute(
            text("INSERT INTO audit_event (occurred_at, action, hash) VALUES (:at, 'uji', :h)"),
            [{"at": f"2026-03-02 02:00:{i % 60:02d}", "h": audit.content_hash(f"2026-03-02 02:00:{i % 60:02d}",
                                                                               None, None, "uji", None, None, None, None)}
             for i in range(60_000)],
        )  # fmt: skip
    env = {**os.environ, "SPMP_DATABASE_URL": db.url, "SPMP_INSTANCE_PATH": str(tmp_path / "instance")}
    spmp_cli = [sys.executable, "-c", "from spmp.cli import main; main()"]
    seal = [*spmp_cli, "audit", "seal"]
    process = subprocess.Popen(seal, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not _sealed_count(db) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)  # the first batch committed: kill it in the middle of the next ones
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    first_run = _sealed_count(db)
    assert 0 < first_run < 60_000, "the kill must land after the first batch and before the end"
    done = subprocess.run(seal, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    verified = subprocess.run([*spmp_cli, "audit", "verify"], env=env, capture_output=True, text=True, timeout=300)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "Log audit utuh: 60000 kejadian tersegel diperiksa" in verified.stdout
    sealed = _sealed(db)
    assert len(sealed) == 60_000 and len({e for _, e in sealed}) == 60_000


def _sealed_count(db) -> int:
    with db.session() as s:
        return s.execute(text("SELECT count(*) FROM audit_seal")).scalar()
