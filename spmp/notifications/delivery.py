"""Delivering the e-mail outbox after commit: SMTP when ``SPMP_SMTP_HOST`` is set, otherwise the
development mailbox file (``SPMP_MAILBOX_PATH``, mbox format).

This is an edge (like a scheduler job): it takes the ``Database`` and commits its own short transactions,
because sending must happen *outside* any transaction that could still roll back.

Delivery protocol per batch, and the trade-off it makes:

1. In one write transaction, pick unsent messages (not digest items waiting for their digest) whose next
   attempt is due (backoff: ``RETRY_AFTER``, at most ``MAX_ATTEMPTS``) and increment ``attempts``;
   commit. On PostgreSQL the pick uses ``FOR UPDATE SKIP LOCKED`` so two deliverers never take the same
   message. Mail for an account deactivated after it was written is closed unsent (``last_error`` says
   why) instead.
2. Send each message, with no transaction open.
3. In a second transaction, set ``sent_at`` on the ones sent and ``last_error`` on the ones that failed.

A crash between 2 and 3 leaves a sent message unmarked; the next run sends it again. Because the attempt
was committed *before* sending, that repeat happens at most once per attempt and never more than
``MAX_ATTEMPTS`` times in total (at-least-once delivery, bounded). The alternative, marking sent before
sending, would lose mail silently on a crash; a reminder sent twice is the cheaper failure.
"""

from __future__ import annotations

import mailbox
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import and_, or_, select, update

from spmp import clock
from spmp.accounts.models import User
from spmp.config import Settings
from spmp.db import Database
from spmp.notifications.models import OutboxMessage

# When attempt n (from 0) may be made, counted from when the message was written: an SMTP outage of up
# to a day loses no mail, and a message that cannot be delivered stops being tried after MAX_ATTEMPTS.
RETRY_AFTER = tuple(timedelta(minutes=m) for m in (0, 1, 5, 30, 120, 720, 1440))
MAX_ATTEMPTS = len(RETRY_AFTER)
BATCH_SIZE = 200
NOT_SENT_INACTIVE = "Tidak dikirim: akun penerima sudah dinonaktifkan"


class Transport(Protocol):
    """Something that sends one e-mail message or raises."""

    def send(self, message: EmailMessage) -> None: ...


class MailboxFile:
    """Development transport: appends each message to an mbox file (readable by mail clients)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def send(self, message: EmailMessage) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        box = mailbox.mbox(str(self.path), create=True)
        # The mbox lock keeps two writers (e.g. a cron --once and a manual run) from interleaving.
        box.lock()
        try:
            box.add(message)
            box.flush()
        finally:
            box.unlock()
            box.close()


class SMTPTransport:
    """Production transport: one SMTP connection per message (few messages per minute here)."""

    def __init__(self, host: str, port: int, timeout: float = 30) -> None:
        self.host, self.port, self.timeout = host, port, timeout

    def send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.send_message(message)


def transport_for(settings: Settings) -> Transport:
    """SMTP when a host is configured, otherwise the development mailbox file."""
    if settings.smtp_host:
        return SMTPTransport(settings.smtp_host, settings.smtp_port)
    return MailboxFile(settings.mailbox_path)


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [f"Email terkirim: {self.sent}, gagal: {self.failed}", *self.errors[:5]]


def deliver_pending(db: Database, settings: Settings, transport: Transport | None = None) -> DeliveryReport:
    """Send every outbox message that is due for an attempt, each at most once per run."""
    transport = transport or transport_for(settings)
    report = DeliveryReport()
    after_id = 0
    while True:
        # Keyset by id: a message that fails now is not retried within this run (it waits for its backoff).
        last_id, batch = _take_batch(db, after_id, clock.now())
        if last_id is None:
            return report
        outcomes = [(message_id, _send(transport, settings, message)) for message_id, message in batch]
        _record(db, outcomes, report)
        after_id = last_id


def _due_for_attempt(now: datetime):
    """The first attempt is always due; attempt ``n`` waits until RETRY_AFTER[n] after the message was written."""
    return or_(
        OutboxMessage.attempts == 0,
        *(
            and_(OutboxMessage.attempts == attempts, OutboxMessage.created_at <= now - wait)
            for attempts, wait in enumerate(RETRY_AFTER)
            if attempts > 0
        ),
    )


def _take_batch(
    db: Database, after_id: int, now: datetime
) -> tuple[int | None, list[tuple[int, EmailMessage]]]:
    """Step 1: claim a batch by committing ``attempts + 1`` before anything is sent. Returns the last id
    looked at (None: nothing left) and the messages to send."""
    with db.transaction() as session:
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.sent_at.is_(None), OutboxMessage.for_digest.is_(False))
            .where(OutboxMessage.id > after_id, _due_for_attempt(now))
            .order_by(OutboxMessage.id)
            .limit(BATCH_SIZE)
        )
        if not db.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        rows = list(session.scalars(query))
        inactive = _inactive_recipients(session, {row.user_id for row in rows if row.user_id is not None})
        batch = []
        for row in rows:
            if row.user_id in inactive:
                # Written before the account was deactivated: never sent, and not tried again.
                row.attempts, row.last_error = MAX_ATTEMPTS, NOT_SENT_INACTIVE
                continue
            row.attempts += 1
            batch.append((row.id, _email(row)))
        return (rows[-1].id if rows else None), batch


def _inactive_recipients(session, user_ids: set[int]) -> set[int]:
    if not user_ids:
        return set()
    query = select(User.id).where(User.id.in_(sorted(user_ids)), User.is_active.is_(False))
    return set(session.scalars(query))


def _email(row: OutboxMessage) -> EmailMessage:
    message = EmailMessage()
    message["To"] = row.recipient
    message["Subject"] = row.subject
    message["Date"] = format_datetime(row.created_at)
    message["X-SPMP-Outbox-Id"] = str(row.id)
    message.set_content(row.body)
    return message


def _send(transport: Transport, settings: Settings, message: EmailMessage) -> str | None:
    """Step 2 (no transaction open): returns None when sent, else the error text."""
    message["From"] = settings.mail_from
    # A stable id per outbox row lets a receiving system spot the rare repeat after a crash.
    domain = settings.mail_from.rpartition("@")[2] or "localhost"
    message["Message-ID"] = f"<outbox-{message['X-SPMP-Outbox-Id']}.spmp@{domain}>"
    try:
        transport.send(message)
    except (OSError, smtplib.SMTPException) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def _record(db: Database, outcomes: Iterable[tuple[int, str | None]], report: DeliveryReport) -> None:
    """Step 3: mark what was sent (and the digest items a sent digest carried)."""
    now = clock.now()
    sent_ids = [message_id for message_id, error in outcomes if error is None]
    with db.transaction() as session:
        if sent_ids:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(sent_ids))
                .values(sent_at=now, last_error=None)
            )
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.digest_id.in_(sent_ids), OutboxMessage.sent_at.is_(None))
                .values(sent_at=now)
            )
        for message_id, error in outcomes:
            if error is not None:
                session.execute(
                    update(OutboxMessage).where(OutboxMessage.id == message_id).values(last_error=error)
                )
                report.errors.append(f"#{message_id}: {error}")
    report.sent += len(sent_ids)
    report.failed += sum(1 for _, error in outcomes if error is not None)
