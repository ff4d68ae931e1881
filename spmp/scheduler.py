"""``spmp scheduler``: the one process that runs SPMP's timed jobs.

One APScheduler 3 ``BlockingScheduler`` with a few fixed-id jobs held in memory (``MemoryJobStore``: no
pickled jobs in the database, so nothing can be dropped or shared between processes):

- ``sweep``     every ``SPMP_SWEEP_INTERVAL_SECONDS``: claim due deadlines, write notifications + outbox;
- ``deliver``   at the same interval: send the outbox (after the sweep's commit);
- ``publications`` at the same interval: move the next proposals of a published Revitalisasi selection;
- ``digest``    daily at 07:00 WIB: fold digest users' waiting mail into one message each;
- ``heartbeat`` (SQLite only): renew the single-instance lease.

Each job is its own transaction (``db.transaction()``); a failing job rolls back and is retried at its next
run. Only one scheduler may run against a database: PostgreSQL holds ``pg_try_advisory_lock`` on a
dedicated connection for the life of the process (released by the server if the process dies); SQLite
keeps a lease row in ``scheduler_lock`` taken under BEGIN IMMEDIATE, renewed by the heartbeat, and taken
over only after it has expired.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, text, update

from spmp import clock
from spmp.config import Settings
from spmp.db import Database
from spmp.notifications.models import SchedulerLock

log = logging.getLogger("spmp.scheduler")

SCHEDULER_LOCK_KEY = 0x5350_4D53  # "SPMS"; distinct from the migration lock
LEASE_NAME = "scheduler"
LEASE_SECONDS = 90
HEARTBEAT_SECONDS = 20
MISFIRE_GRACE_SECONDS = 3600
DIGEST_HOUR_WIB = 7


class SchedulerAlreadyRunning(RuntimeError):
    """Another scheduler holds the database lock."""

    def __init__(self, holder: str) -> None:
        super().__init__(holder)
        self.holder = holder

    @property
    def message(self) -> str:
        return (
            f"Penjadwal lain sedang berjalan pada basis data ini ({self.holder}). "
            "Hanya satu penjadwal boleh berjalan; proses ini berhenti."
        )


def holder_id() -> str:
    """Who we are, for the lock's owner column and messages."""
    return f"{socket.gethostname()} pid {os.getpid()} ({uuid.uuid4().hex[:8]})"


_HOLDS_LOCK = text(
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = 0 AND objid = :k"
    " AND pid = pg_backend_pid() AND granted)"
)


class AdvisoryLock:
    """PostgreSQL: a session-level advisory lock on a connection kept open for the process lifetime."""

    def __init__(self, db: Database, holder: str) -> None:
        self.db, self.holder = db, holder
        self._conn = None

    def acquire(self) -> None:
        conn = self.db.engine.connect()
        got = conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": SCHEDULER_LOCK_KEY})
        conn.commit()
        if not got:
            other = conn.scalar(
                text(
                    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = 0 AND objid = :k AND granted"
                ),
                {"k": SCHEDULER_LOCK_KEY},
            )
            conn.close()
            raise SchedulerAlreadyRunning(f"proses server PostgreSQL {other}")
        self._conn = conn

    def renew(self) -> bool:
        """Check that the lock is still ours; after a dropped connection, try to take it back.

        SQLAlchemy transparently reconnects an invalidated connection, and the new server session does not
        hold the lock, so ask the server who holds it rather than trusting that the connection answers.
        """
        try:
            held = self._conn.scalar(_HOLDS_LOCK, {"k": SCHEDULER_LOCK_KEY})
            if not held:
                log.warning("scheduler lock was lost with its connection; taking it back")
                held = self._conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": SCHEDULER_LOCK_KEY})
            self._conn.commit()
        except Exception:  # the server is unreachable: we cannot know, so we do not claim the lock
            log.exception("scheduler lock check failed")
            return False
        return bool(held)

    def release(self) -> None:
        if self._conn is None:
            return
        try:
            self._conn.scalar(text("SELECT pg_advisory_unlock(:k)"), {"k": SCHEDULER_LOCK_KEY})
            self._conn.commit()
        finally:
            self._conn.close()
            self._conn = None


class LeaseLock:
    """SQLite: a lease row renewed by a heartbeat; a lease past ``expires_at`` may be taken over."""

    def __init__(self, db: Database, holder: str, lease_seconds: int = LEASE_SECONDS) -> None:
        self.db, self.holder, self.lease = db, holder, timedelta(seconds=lease_seconds)

    def acquire(self) -> None:
        now = clock.now()
        # BEGIN IMMEDIATE: two schedulers starting at once are serialised here, so only one sees the
        # lease free (or expired) and takes it.
        with self.db.transaction() as session:
            row = session.get(SchedulerLock, LEASE_NAME)
            if row is not None and row.holder != self.holder and row.expires_at > now:
                raise SchedulerAlreadyRunning(
                    f"{row.holder}, sewa berlaku hingga {row.expires_at:%H:%M:%S} UTC"
                )
            if row is None:
                row = SchedulerLock(name=LEASE_NAME)
                session.add(row)
            row.holder, row.acquired_at, row.heartbeat_at, row.expires_at = (
                self.holder,
                now,
                now,
                now + self.lease,
            )

    def renew(self) -> bool:
        """Extend the lease; False if it is no longer ours (it expired and someone took it over)."""
        now = clock.now()
        with self.db.transaction() as session:
            result = session.execute(
                update(SchedulerLock)
                .where(SchedulerLock.name == LEASE_NAME, SchedulerLock.holder == self.holder)
                .values(heartbeat_at=now, expires_at=now + self.lease)
            )
            return result.rowcount == 1

    def release(self) -> None:
        with self.db.transaction() as session:
            session.execute(
                delete(SchedulerLock).where(
                    SchedulerLock.name == LEASE_NAME, SchedulerLock.holder == self.holder
                )
            )


def instance_lock(db: Database, holder: str | None = None) -> AdvisoryLock | LeaseLock:
    """The single-instance lock that fits the database backend."""
    holder = holder or holder_id()
    return LeaseLock(db, holder) if db.is_sqlite else AdvisoryLock(db, holder)


# --- jobs (each one transaction) ---------------------------------------------------------------------
def run_sweep(db: Database) -> list[str]:
    """Claim due deadlines and write their notifications, one transaction per claim batch.

    Normally one batch holds everything due. After a long downtime the backlog is split into several
    short transactions, so the write lock (and, on SQLite, the lease heartbeat) is never held up for long;
    each batch is exactly-once on its own, so a failure part-way leaves the rest for the next run.
    """
    from spmp.engine.sweep import CLAIM_BATCH, SweepReport, sweep

    now, total = clock.now(), SweepReport()
    while True:
        with db.transaction() as session:
            report = sweep(session, now, max_rows=CLAIM_BATCH)
        total.merge(report)
        if report.claimed < CLAIM_BATCH:
            return total.lines()


def run_digest(db: Database) -> list[str]:
    """Build the daily digests, in one transaction."""
    from spmp.notifications.operations import build_digests

    with db.transaction() as session:
        made = build_digests(session, clock.now())
    return [f"Ringkasan harian dibuat: {made}"]


def run_accreditation_reminders(db: Database) -> list[str]:
    """Remind schools whose accreditation ends within the configured window (once per decision)."""
    from spmp.spme.operations import send_expiry_reminders

    with db.transaction() as session:
        reminded = send_expiry_reminders(session, clock.now())
    return [f"Pengingat akreditasi berakhir: {reminded}"]


def run_usage_reminders(db: Database) -> list[str]:
    """Remind schools with Digitalisasi devices that have not reported last month's usage (once a month)."""
    from spmp.digitalisasi.usage import send_usage_reminders

    with db.transaction() as session:
        reminded = send_usage_reminders(session, clock.now())
    return [f"Pengingat laporan penggunaan Digitalisasi: {reminded}"]


def run_publications(db: Database) -> list[str]:
    """Move the next batch of proposals of a published Revitalisasi selection (a national run has ~100,000)."""
    from spmp.revitalisasi.selection_runs import continue_publications

    with db.transaction() as session:
        moved = continue_publications(session)
    return [f"Usulan revitalisasi dipindahkan sesuai hasil seleksi terbit: {moved}"] if moved else []


def run_delivery(db: Database, settings: Settings) -> list[str]:
    """Send the outbox (its own short transactions around the sends)."""
    from spmp.notifications.delivery import deliver_pending

    return deliver_pending(db, settings).lines()


def run_seal(db: Database, settings: Settings) -> list[str]:
    """Seal the audit events written since the last run, sign and anchor the new tree heads."""
    from spmp.audit import seals, signing

    key = signing.load_or_create(settings.audit_key_file)
    heads = seals.run(db, key, settings.audit_anchor_file)
    return [f"log audit disegel sampai posisi {heads[-1].size} ({len(heads)} kepala pohon)"] if heads else []


def run_anchor_mail(db: Database, settings: Settings) -> list[str]:
    """Once a day: the latest signed tree head by e-mail to the admins (a copy outside the database)."""
    from spmp.audit import signing
    from spmp.audit.mail import mail_latest_head

    key = signing.load_or_create(settings.audit_key_file)
    with db.transaction() as session:
        sent = mail_latest_head(session, signing.public_text(key))
    return [f"kepala pohon audit dikirim ke {sent} admin"] if sent else []


def run_once(db: Database, settings: Settings) -> list[str]:
    """Every job once, in order: sweep, selection publications, accreditation and usage reminders, digest,
    sealing, delivery (for cron and tests)."""
    return [*run_sweep(db), *run_publications(db), *run_accreditation_reminders(db), *run_usage_reminders(db),
            *run_digest(db), *run_seal(db, settings), *run_delivery(db, settings)]  # fmt: skip


@dataclass
class SchedulerProcess:
    """The long-running scheduler: its jobs, its lock, and whether it lost the lock."""

    db: Database
    settings: Settings
    lock: AdvisoryLock | LeaseLock
    lost_lock: bool = False
    scheduler: object = field(default=None, init=False)

    def build(self):
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.jobstores.memory import MemoryJobStore
        from apscheduler.schedulers.blocking import BlockingScheduler
        from apscheduler.triggers.cron import CronTrigger
        from apscheduler.triggers.interval import IntervalTrigger

        from spmp.notifications.text import WIB

        scheduler = BlockingScheduler(
            jobstores={"default": MemoryJobStore()},
            executors={"default": ThreadPoolExecutor(4)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_SECONDS},
            timezone=UTC,
        )
        interval = IntervalTrigger(seconds=self.settings.sweep_interval_seconds)
        start = datetime.now(UTC)  # APScheduler runs on wall-clock time; the jobs read spmp.clock
        self._add(scheduler, "sweep", self._job(run_sweep, self.db), interval, next_run_time=start)
        self._add(scheduler, "deliver", self._job(run_delivery, self.db, self.settings), interval, start)
        self._add(scheduler, "publications", self._job(run_publications, self.db), interval, start)
        self._add(
            scheduler,
            "digest",
            self._job(run_digest, self.db),
            CronTrigger(hour=DIGEST_HOUR_WIB, timezone=WIB),
        )
        self._add(
            scheduler,
            "accreditation_reminders",
            self._job(run_accreditation_reminders, self.db),
            CronTrigger(hour=DIGEST_HOUR_WIB - 1, timezone=WIB),  # before the digest, so it includes them
        )
        self._add(
            scheduler,
            "usage_reminders",
            self._job(run_usage_reminders, self.db),
            CronTrigger(hour=DIGEST_HOUR_WIB - 1, minute=15, timezone=WIB),  # before the digest too
        )
        seal_every = IntervalTrigger(seconds=self.settings.audit_seal_interval_seconds)
        self._add(scheduler, "seal", self._job(run_seal, self.db, self.settings), seal_every, start)
        self._add(
            scheduler,
            "anchor_mail",
            self._job(run_anchor_mail, self.db, self.settings),
            CronTrigger(hour=DIGEST_HOUR_WIB, minute=30, timezone=WIB),
        )
        self._add(scheduler, "heartbeat", self.heartbeat, IntervalTrigger(seconds=HEARTBEAT_SECONDS))
        self.scheduler = scheduler
        return scheduler

    @staticmethod
    def _add(scheduler, job_id: str, func, trigger, next_run_time=None) -> None:
        kwargs = {"next_run_time": next_run_time} if next_run_time is not None else {}
        # Explicit per job (not only job_defaults): one run at a time, missed runs collapse into one, and a
        # run late by up to an hour (e.g. after a suspend) still happens.
        scheduler.add_job(
            func,
            trigger,
            id=job_id,
            name=job_id,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=MISFIRE_GRACE_SECONDS,
            **kwargs,
        )

    @staticmethod
    def _job(fn, *args):
        def run() -> None:
            for line in fn(*args):
                log.info("%s: %s", fn.__name__, line)

        run.__name__ = fn.__name__
        return run

    def heartbeat(self) -> None:
        """Renew the lock; if it is gone, stop rather than run alongside another scheduler."""
        if not self.lock.renew():
            log.error("Kunci penjadwal hilang; penjadwal berhenti.")
            self.lost_lock = True
            self.scheduler.shutdown(wait=False)
