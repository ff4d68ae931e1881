"""In-app notifications, the e-mail outbox, and the scheduler's single-instance lease (SQLite)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from spmp.accounts.models import User
from spmp.db import Base, UTCDateTime

NOTIFICATION_KINDS = ("reminder", "due", "escalation", "info")


class Notification(Base):
    """One in-app notification for one user (listed newest first, with an unread count in the header)."""

    __tablename__ = "notification"
    __table_args__ = (
        CheckConstraint(f"kind IN ({', '.join(repr(k) for k in NOTIFICATION_KINDS)})", name="kind"),
        # Keyset pagination (newest first) and the unread count both walk this index.
        Index("ix_notification_user", "user_id", "id"),
        Index(
            "ix_notification_unread",
            "user_id",
            sqlite_where=text("read_at IS NULL"),
            postgresql_where=text("read_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"))
    # The deadline row that caused it (no foreign key: deadline rows are deleted when a case moves on).
    deadline_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(12))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class OutboxMessage(Base):
    """An e-mail waiting to be sent after the transaction that wrote it has committed (outbox pattern).

    ``for_digest`` rows are not sent one by one: the daily digest job folds a user's waiting rows into one
    digest message and points them at it through ``digest_id``. ``attempts`` is incremented (and committed)
    *before* each send, so a crash between sending and marking sent repeats a message at most once per
    attempt, and ``max_attempts`` bounds that.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (
        CheckConstraint("attempts >= 0", name="attempts"),
        Index(
            "ix_outbox_message_unsent",
            "id",
            sqlite_where=text("sent_at IS NULL"),
            postgresql_where=text("sent_at IS NULL"),
        ),
        Index("ix_outbox_message_user", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    recipient: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    for_digest: Mapped[bool] = mapped_column(Boolean, default=False)
    is_digest: Mapped[bool] = mapped_column(Boolean, default=False)
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_message.id"))


class SchedulerLock(Base):
    """A lease that lets only one ``spmp scheduler`` run against a SQLite database.

    (PostgreSQL uses a session-level advisory lock instead; the table exists there too, unused.)
    """

    __tablename__ = "scheduler_lock"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
