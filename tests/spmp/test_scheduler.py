"""``spmp scheduler``: fixed jobs, one instance per database, ``--once``, and a real running process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from spmp import clock, migrate
from spmp.cli import cli
from spmp.config import load_settings
from spmp.db import Database
from spmp.notifications.models import Notification, OutboxMessage
from spmp.regions.reference import load_reference
from spmp.scheduler import (
    LEASE_SECONDS,
    LeaseLock,
    SchedulerAlreadyRunning,
    SchedulerProcess,
    instance_lock,
)
from tests.backends import postgresql_only, sqlite_only
from tests.spmp.notification_support import add_deadline, make_case, make_person, unit_of


@pytest.fixture(scope="module")
def url(make_database):
    database = Database(make_database("scheduler"))
    migrate.upgrade(database)
    with database.transaction() as s:
        load_reference(s)
    database.dispose()
    return database.url


@pytest.fixture
def database(url):
    database = Database(url)
    yield database
    database.dispose()


@pytest.fixture
def env(url, tmp_path, monkeypatch):
    values = {
        "SPMP_DATABASE_URL": url,
        "SPMP_INSTANCE_PATH": str(tmp_path / "instance"),
        "SPMP_MAILBOX_PATH": str(tmp_path / "mailbox.txt"),
        "SPMP_SWEEP_INTERVAL_SECONDS": "1",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SPMP_SMTP_HOST", raising=False)
    return values


def _due_now(database) -> int:
    """A case whose due date passed a minute ago (system clock); returns the assignee's id."""
    with database.transaction() as s:
        person = make_person(s, "widyaprada", unit_id=unit_of(s, "53"))
        add_deadline(s, make_case(s, assignee=person), "due", clock.now() - timedelta(minutes=1))
    return person.id


def _counts(database, user_id: int) -> tuple[int, int]:
    with database.transaction(write=False) as s:
        notes = s.scalar(select(func.count()).where(Notification.user_id == user_id))
        sent = s.scalar(
            select(func.count()).where(OutboxMessage.user_id == user_id, OutboxMessage.sent_at.is_not(None))
        )
    return notes, sent


def test_a_second_lock_on_another_connection_is_refused(url):
    first_db, second_db = Database(url), Database(url)
    first, second = instance_lock(first_db, "pertama"), instance_lock(second_db, "kedua")
    try:
        first.acquire()
        with pytest.raises(SchedulerAlreadyRunning) as refused:
            second.acquire()
        assert "Penjadwal lain sedang berjalan" in refused.value.message
        assert first.renew()
        first.release()
        second.acquire()  # free again once the first let go
        second.release()
    finally:
        first.release()
        first_db.dispose()
        second_db.dispose()


@sqlite_only  # the lease row is the SQLite lock; PostgreSQL uses an advisory lock
def test_sqlite_lease_expires_and_can_be_taken_over(database):
    stalled, successor = LeaseLock(database, "macet"), LeaseLock(database, "pengganti")
    try:
        stalled.acquire()
        clock.set_clock(lambda: clock._system_now() + timedelta(seconds=LEASE_SECONDS - 5))
        with pytest.raises(SchedulerAlreadyRunning):
            successor.acquire()
        clock.set_clock(lambda: clock._system_now() + timedelta(seconds=LEASE_SECONDS + 5))
        successor.acquire()  # the stalled holder missed its heartbeats: its lease has expired
        assert not stalled.renew()  # and it finds out at its next heartbeat
        assert successor.renew()
    finally:
        clock.set_clock(None)
        successor.release()
        stalled.release()


@postgresql_only
def test_postgresql_lock_is_released_when_its_connection_goes(database):
    first, other = instance_lock(database, "pertama"), Database(database.url)
    try:
        first.acquire()
        first._conn.invalidate()  # as if the process died: the server drops the session and its lock
        first._conn = None
        second = instance_lock(other, "kedua")
        second.acquire()
        second.release()
    finally:
        other.dispose()


def test_the_scheduler_has_fixed_jobs_in_memory(database, env):
    settings = load_settings()
    process = SchedulerProcess(database, settings, instance_lock(database))
    scheduler = process.build()
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"sweep", "deliver", "digest", "accreditation_reminders", "usage_reminders", "seal", "anchor_mail", "publications",
                         "heartbeat"}
    for job in jobs.values():
        assert job.coalesce and job.max_instances == 1 and job.misfire_grace_time >= 600
    assert jobs["sweep"].trigger.interval == timedelta(seconds=1)
    assert type(scheduler._jobstores["default"]).__name__ == "MemoryJobStore"


def test_once_runs_every_job_and_a_second_scheduler_is_refused(database, env):
    user_id = _due_now(database)
    result = CliRunner().invoke(cli, ["scheduler", "--once"])
    assert result.exit_code == 0, result.output
    assert "Tenggat diproses" in result.output and "Email terkirim" in result.output
    assert _counts(database, user_id) == (1, 1)
    lock = instance_lock(Database(env["SPMP_DATABASE_URL"]), "penjadwal-lain")
    lock.acquire()
    try:
        refused = CliRunner().invoke(cli, ["scheduler", "--once"])
        assert refused.exit_code == 3
        assert "Penjadwal lain sedang berjalan" in refused.output
    finally:
        lock.release()
        lock.db.dispose()


def _spmp(*args: str, env: dict) -> subprocess.Popen:
    code = "from spmp.cli import main; main()"
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_running_scheduler_process_sweeps_delivers_and_keeps_others_out(database, env):
    user_id = _due_now(database)
    running = _spmp("scheduler", env=env)
    try:
        deadline = time.monotonic() + 30
        while _counts(database, user_id) != (1, 1) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _counts(database, user_id) == (1, 1)  # swept and delivered by the real process
        second = _spmp("scheduler", "--once", env=env)
        _, err = second.communicate(timeout=60)
        assert second.returncode == 3
        assert "Penjadwal lain sedang berjalan" in err
    finally:
        running.send_signal(signal.SIGTERM)
        _, err = running.communicate(timeout=30)
    assert running.returncode == 0, err
    assert "Penjadwal berjalan" in err
    after = _spmp("scheduler", "--once", env=env)  # the lock was released on shutdown
    out, err = after.communicate(timeout=60)
    assert after.returncode == 0, err


def test_the_sweep_job_commits_a_backlog_batch_by_batch(database, monkeypatch):
    from spmp.scheduler import run_sweep

    monkeypatch.setattr("spmp.engine.sweep.CLAIM_BATCH", 2)
    user_ids = [_due_now(database) for _ in range(5)]
    lines = run_sweep(database)
    assert lines[0].startswith("Tenggat diproses: 5 ")
    assert [_counts(database, user_id)[0] for user_id in user_ids] == [1] * 5
    assert run_sweep(database)[0].startswith("Tenggat diproses: 0 ")


def test_a_nonsensical_interval_is_refused(env, monkeypatch):
    monkeypatch.setenv("SPMP_SWEEP_INTERVAL_SECONDS", "0")
    result = CliRunner().invoke(cli, ["scheduler", "--once"])
    assert result.exit_code == 1 and "SPMP_SWEEP_INTERVAL_SECONDS harus minimal 1" in result.output


def test_a_scheduler_that_loses_its_lock_stops(database, env):
    import threading

    from sqlalchemy import update

    from spmp.notifications.models import SchedulerLock

    lock = instance_lock(database, "yang-kehilangan")
    lock.acquire()
    process = SchedulerProcess(database, load_settings(), lock)
    scheduler = process.build()
    runner = threading.Thread(target=scheduler.start)
    runner.start()
    try:
        if database.is_sqlite:  # the lease expired while we stalled and another scheduler took it
            with database.transaction() as s:
                s.execute(update(SchedulerLock).values(holder="pengganti"))
        else:  # the lock's connection dropped and another scheduler took the lock meanwhile
            lock._conn.invalidate()
            other = instance_lock(Database(database.url), "pengganti")
            other.acquire()
        process.heartbeat()
        runner.join(30)
        assert not runner.is_alive() and process.lost_lock
        for worker in threading.enumerate():  # let jobs still running finish before the pools go
            if worker.name.startswith("ThreadPoolExecutor"):
                worker.join(30)
    finally:
        if runner.is_alive():
            scheduler.shutdown(wait=False)
            runner.join(30)
        if database.is_sqlite:
            with database.transaction() as s:
                s.execute(update(SchedulerLock).values(holder="yang-kehilangan"))
        else:
            other.release()
            other.db.dispose()
        lock.release()


@postgresql_only
def test_postgresql_lock_is_taken_back_after_a_dropped_connection_if_free(database):
    lock, other_db = instance_lock(database, "pertama"), Database(database.url)
    try:
        lock.acquire()
        lock._conn.invalidate()  # e.g. a server restart or a network blip
        assert lock.renew()  # nobody took it meanwhile: reconnected and locked again
        with pytest.raises(SchedulerAlreadyRunning):
            instance_lock(other_db, "kedua").acquire()
    finally:
        lock.release()
        other_db.dispose()
