"""Use cases for notifications: list, count, mark read, the daily-digest preference, and digest building.

Each takes the session (and the acting user), flushes, and never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from spmp.accounts.models import User
from spmp.notifications.models import Notification, OutboxMessage
from spmp.notifications.text import format_time, start_of_day

PAGE_SIZE = 20


class NotificationNotFound(LookupError):
    """No such notification for this user (another user's notification is reported the same way)."""


@dataclass(frozen=True)
class NotificationPage:
    items: list[Notification]
    next_before_id: int | None  # pass as ``before_id`` for the next (older) page


def list_notifications(
    session: Session, user: User, before_id: int | None = None, limit: int = PAGE_SIZE
) -> NotificationPage:
    """The user's notifications, newest first, by keyset (``id < before_id``) so deep pages stay cheap."""
    query = select(Notification).where(Notification.user_id == user.id)
    if before_id is not None:
        query = query.where(Notification.id < before_id)
    rows = list(session.scalars(query.order_by(Notification.id.desc()).limit(limit + 1)))
    has_more = len(rows) > limit
    items = rows[:limit]
    return NotificationPage(items=items, next_before_id=items[-1].id if has_more else None)


def unread_count(session: Session, user: User) -> int:
    """How many of the user's notifications are unread (served by a partial index)."""
    query = select(func.count()).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    return session.scalar(query) or 0


def mark_read(session: Session, user: User, notification_id: int, now: datetime) -> Notification:
    """Mark one of the user's own notifications read; raises NotificationNotFound for anyone else's."""
    notification = session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        raise NotificationNotFound(notification_id)
    if notification.read_at is None:
        notification.read_at = now
        session.flush()
    return notification


def mark_all_read(session: Session, user: User, now: datetime) -> int:
    """Mark all of the user's unread notifications read; returns how many changed."""
    statement = (
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )
    return session.execute(statement).rowcount


def set_daily_digest(session: Session, user: User, enabled: bool) -> None:
    """Switch the user's daily digest ("ringkasan harian") on or off. Applies to mail queued from now on."""
    user.wants_daily_digest = enabled
    session.flush()


def notify(
    session: Session, user: User, kind: str, title: str, body: str, now: datetime, case_id: int | None = None
) -> Notification:
    """Tell one user something: an in-app notification plus (if they have an address) an outbox mail.

    For features other than the deadline sweep (which writes its rows in bulk itself).
    """
    notification = Notification(
        user_id=user.id, case_id=case_id, kind=kind, title=title, body=body, created_at=now
    )
    session.add(notification)
    if user.email:
        session.add(
            OutboxMessage(
                user_id=user.id,
                recipient=user.email,
                subject=f"[SPMP] {title}",
                body=body,
                created_at=now,
                attempts=0,
                for_digest=bool(user.wants_daily_digest),
                is_digest=False,
            )
        )
    session.flush()
    return notification


def build_digests(session: Session, now: datetime, day_start: datetime | None = None) -> int:
    """Fold each user's waiting digest items into one digest mail; returns how many digests were made.

    At most one digest per user per day: a user who already got a digest since ``day_start`` (default:
    midnight WIB of ``now``) keeps their newer items for tomorrow's. This keeps ``spmp scheduler --once``
    from cron as quiet as the daily job.
    """
    day_start = day_start or start_of_day(now)
    waiting = (
        select(OutboxMessage)
        .where(OutboxMessage.for_digest.is_(True), OutboxMessage.digest_id.is_(None))
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.user_id.is_not(None))
        .order_by(OutboxMessage.user_id, OutboxMessage.id)
    )
    by_user: dict[int, list[OutboxMessage]] = {}
    for item in session.scalars(waiting):
        by_user.setdefault(item.user_id, []).append(item)
    already = _users_with_digest_since(session, set(by_user), day_start)
    made = 0
    for user_id, items in by_user.items():
        if user_id not in already:
            _make_digest(session, items, now)
            made += 1
    session.flush()
    return made


def _users_with_digest_since(session: Session, user_ids: set[int], since: datetime) -> set[int]:
    if not user_ids:
        return set()
    query = select(OutboxMessage.user_id).where(
        OutboxMessage.is_digest.is_(True),
        OutboxMessage.created_at >= since,
        OutboxMessage.user_id.in_(sorted(user_ids)),
    )
    return set(session.scalars(query))


def _make_digest(session: Session, items: list[OutboxMessage], now: datetime) -> OutboxMessage:
    lines = [f"Ringkasan harian SPMP ({format_time(now)}): {len(items)} pemberitahuan.", ""]
    for number, item in enumerate(items, start=1):
        subject = item.subject.removeprefix("[SPMP] ")
        lines += [f"{number}. {subject}", *(f"   {line}" for line in item.body.splitlines()), ""]
    digest = OutboxMessage(
        user_id=items[0].user_id,
        recipient=items[-1].recipient,
        subject=f"[SPMP] Ringkasan harian: {len(items)} pemberitahuan",
        body="\n".join(lines).rstrip() + "\n",
        created_at=now,
        attempts=0,
        for_digest=False,
        is_digest=True,
    )
    session.add(digest)
    session.flush()
    for item in items:
        item.digest_id = digest.id
    return digest
