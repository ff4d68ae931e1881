"""Outbox delivery after commit: the development mailbox, failures and retries, daily digests."""

from __future__ import annotations

import dataclasses
import mailbox
from datetime import timedelta

import pytest
from sqlalchemy import select

from spmp import clock
from spmp.config import load_settings
from spmp.engine.sweep import sweep
from spmp.notifications import delivery
from spmp.notifications.delivery import (
    MAX_ATTEMPTS,
    RETRY_AFTER,
    MailboxFile,
    deliver_pending,
    transport_for,
)
from spmp.notifications.models import OutboxMessage
from spmp.notifications.operations import build_digests, notify
from tests.spmp.notification_support import T0, add_deadline, make_case, make_person, unit_of


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.setenv("SPMP_INSTANCE_PATH", str(tmp_path / "instance"))
    return dataclasses.replace(
        load_settings(), smtp_host=None, mailbox_path=tmp_path / "mailbox.txt", mail_from="spmp@contoh.go.id"
    )


@pytest.fixture(autouse=True)
def restore_clock():
    clock.set_clock(lambda: T0)
    yield
    clock.set_clock(None)


def _mailbox(settings) -> list:
    if not settings.mailbox_path.exists():
        return []
    box = mailbox.mbox(str(settings.mailbox_path))
    try:
        return list(box)
    finally:
        box.close()


def _due_case(db, digest: bool = False):
    with db.transaction() as s:
        person = make_person(s, "widyaprada", unit_id=unit_of(s, "53"), digest=digest)
        case = make_case(s, assignee=person)
        add_deadline(s, case, "due", T0)
    return person


def _mine(db, person) -> list[OutboxMessage]:
    with db.transaction(write=False) as s:
        return list(
            s.scalars(
                select(OutboxMessage).where(OutboxMessage.user_id == person.id).order_by(OutboxMessage.id)
            )
        )


def test_transport_is_the_mailbox_without_smtp_and_smtp_with_a_host(settings):
    assert isinstance(transport_for(settings), MailboxFile)
    smtp = transport_for(dataclasses.replace(settings, smtp_host="mail.contoh.go.id", smtp_port=2525))
    assert isinstance(smtp, delivery.SMTPTransport) and (smtp.host, smtp.port) == ("mail.contoh.go.id", 2525)


def test_committed_sweep_is_delivered_to_the_mailbox_once(db, settings):
    person = _due_case(db)
    with db.transaction() as s:
        sweep(s, T0)
    report = deliver_pending(db, settings)
    assert report.sent >= 1 and report.failed == 0
    mails = [m for m in _mailbox(settings) if m["To"] == person.email]
    assert len(mails) == 1
    assert mails[0]["Subject"].startswith("[SPMP] Jatuh tempo:") and mails[0]["From"] == "spmp@contoh.go.id"
    assert "Silakan buka SPMP" in mails[0].get_payload(decode=True).decode()
    [row] = _mine(db, person)
    assert row.sent_at == T0 and row.attempts == 1
    assert deliver_pending(db, settings).sent == 0  # nothing left: sent once
    assert len([m for m in _mailbox(settings) if m["To"] == person.email]) == 1


def test_a_rolled_back_sweep_sends_nothing(db, settings):
    person = _due_case(db)
    with pytest.raises(RuntimeError), db.transaction() as s:
        assert sweep(s, T0).emails >= 1
        raise RuntimeError("job failed after the sweep")
    assert _mine(db, person) == []
    deliver_pending(db, settings)
    assert [m for m in _mailbox(settings) if m["To"] == person.email] == []


class FailingTransport:
    def __init__(self) -> None:
        self.calls = 0

    def send(self, message) -> None:
        self.calls += 1
        raise ConnectionRefusedError("SMTP tidak dapat dihubungi")


def _at(moment):
    clock.set_clock(lambda: moment)  # the autouse fixture restores the system clock


def test_failures_back_off_and_stop_at_the_limit(db, settings):
    with db.transaction() as s:
        person = make_person(s, "bpmp_staff", unit_id=unit_of(s, "53"))
        notify(s, person, "info", "Uji", "Isi", T0)
    failing = FailingTransport()
    deliver_pending(db, settings, transport=failing)
    deliver_pending(db, settings, transport=failing)  # the same minute: not retried yet (back-off)
    assert failing.calls == 1
    [row] = _mine(db, person)
    assert row.attempts == 1 and row.sent_at is None and "SMTP tidak dapat dihubungi" in row.last_error
    _at(T0 + RETRY_AFTER[1])
    deliver_pending(db, settings, transport=failing)
    assert failing.calls == 2
    for wait in RETRY_AFTER[2:]:
        _at(T0 + wait)
        deliver_pending(db, settings, transport=failing)
    _at(T0 + timedelta(days=30))
    deliver_pending(db, settings, transport=failing)  # past the limit: never tried again
    [row] = _mine(db, person)
    assert failing.calls == MAX_ATTEMPTS and row.attempts == MAX_ATTEMPTS and row.sent_at is None


def test_each_message_is_tried_at_most_once_per_run(db, settings, monkeypatch):
    monkeypatch.setattr(delivery, "BATCH_SIZE", 2)
    with db.transaction() as s:
        person = make_person(s, "bpmp_staff", unit_id=unit_of(s, "53"))
        for n in range(5):
            notify(s, person, "info", f"Uji {n}", "Isi", T0)
    _at(T0 + timedelta(days=3))  # every retry would be due, but one run tries each message once
    failing = FailingTransport()
    assert deliver_pending(db, settings, transport=failing).failed == 5
    assert failing.calls == 5


class CrashAfterSending:
    """Sends, then the process 'dies' before the message can be marked sent."""

    def __init__(self, target: MailboxFile) -> None:
        self.target = target

    def send(self, message) -> None:
        self.target.send(message)
        raise KeyboardInterrupt  # not an OSError: it escapes like a real crash would


def test_a_crash_between_send_and_mark_repeats_at_most_once_per_attempt(db, settings):
    with db.transaction() as s:
        person = make_person(s, "bpmp_staff", unit_id=unit_of(s, "53"))
        notify(s, person, "info", "Uji kegagalan", "Isi", T0)
    with pytest.raises(KeyboardInterrupt):
        deliver_pending(db, settings, transport=CrashAfterSending(MailboxFile(settings.mailbox_path)))
    [row] = _mine(db, person)
    assert row.attempts == 1 and row.sent_at is None  # the attempt was committed before the send
    deliver_pending(db, settings)  # the retry waits for its back-off
    assert _mine(db, person)[0].attempts == 1
    _at(T0 + RETRY_AFTER[1])
    deliver_pending(db, settings)
    [row] = _mine(db, person)
    assert row.attempts == 2 and row.sent_at is not None
    assert len([m for m in _mailbox(settings) if m["To"] == person.email]) == 2  # one repeat, bounded
    deliver_pending(db, settings)
    assert len([m for m in _mailbox(settings) if m["To"] == person.email]) == 2


def test_digest_users_get_one_mail_listing_the_days_items(db, settings):
    with db.transaction() as s:
        person = make_person(s, "widyaprada", unit_id=unit_of(s, "53"), digest=True)
        for n in range(3):
            case = make_case(s, assignee=person)
            add_deadline(s, case, "reminder", T0 + timedelta(minutes=n), T0 + timedelta(days=2))
    with db.transaction() as s:
        sweep(s, T0 + timedelta(hours=1))
    deliver_pending(db, settings)  # digest items are not sent one by one
    assert [m for m in _mailbox(settings) if m["To"] == person.email] == []
    with db.transaction() as s:
        assert build_digests(s, T0 + timedelta(hours=2)) >= 1
    deliver_pending(db, settings)
    [mail] = [m for m in _mailbox(settings) if m["To"] == person.email]
    body = mail.get_payload(decode=True).decode()
    assert mail["Subject"] == "[SPMP] Ringkasan harian: 3 pemberitahuan"
    assert body.count("Pengingat:") == 3
    rows = _mine(db, person)
    assert [r.is_digest for r in rows].count(True) == 1
    assert all(r.sent_at is not None for r in rows)  # the items are sent with their digest


def test_one_digest_per_user_per_day(db, settings):
    with db.transaction() as s:
        person = make_person(s, "widyaprada", unit_id=unit_of(s, "53"), digest=True)
        notify(s, person, "info", "Pertama", "Isi", T0)
    with db.transaction() as s:
        build_digests(s, T0)
        notify(s, person, "info", "Kedua", "Isi", T0 + timedelta(hours=1))
    with db.transaction() as s:
        build_digests(s, T0 + timedelta(hours=2))  # same WIB day: "Kedua" waits for tomorrow
    assert [r.is_digest for r in _mine(db, person)].count(True) == 1
    with db.transaction() as s:
        build_digests(s, T0 + timedelta(days=1))
    digests = [r for r in _mine(db, person) if r.is_digest]
    assert len(digests) == 2 and "Kedua" in digests[1].body


def test_mail_for_a_since_deactivated_account_is_not_sent(db, settings):
    gone, staying = _due_case(db), _due_case(db)
    with db.transaction() as s:
        sweep(s, T0)
        s.get(type(gone), gone.id).is_active = False  # deactivated after the reminder was queued
    report = deliver_pending(db, settings)
    recipients = [m["To"] for m in _mailbox(settings)]
    assert staying.email in recipients and gone.email not in recipients
    [row] = _mine(db, gone)
    assert (row.sent_at, row.attempts, row.last_error) == (None, MAX_ATTEMPTS, delivery.NOT_SENT_INACTIVE)
    assert report.failed == 0
    deliver_pending(db, settings)  # never tried again
    assert gone.email not in [m["To"] for m in _mailbox(settings)]
