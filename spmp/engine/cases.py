"""Running cases, their deadlines, comments and evidence files.

A case pins its workflow definition as (``type_key``, ``type_version``). Type-specific data lives in each
feature's own tables (with a foreign key to ``case_record.id``), never in an untyped blob here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from spmp.accounts.models import User
from spmp.db import Base, UTCDateTime
from spmp.regions.models import Unit
from spmp.schools.models import School

DEADLINE_KINDS = ("reminder", "due", "escalation")
DEADLINE_STATUSES = ("pending", "paused", "fired")


class CaseRecord(Base):
    """One running (or closed) case of a workflow type. ``version`` is the optimistic lock."""

    __tablename__ = "case_record"
    __table_args__ = (
        CheckConstraint("(school_id IS NULL) <> (subject_unit_id IS NULL)", name="one_subject"),
        CheckConstraint("(assignee_user_id IS NULL) OR (assignee_unit_id IS NULL)", name="one_assignee"),
        CheckConstraint("version >= 1", name="version"),
        CheckConstraint("type_version >= 1", name="type_version"),
        CheckConstraint("is_paused = (paused_at IS NOT NULL)", name="paused_at"),
        # No index holds ``state``: every transition changes it, and on PostgreSQL a changed indexed
        # column makes the UPDATE write a new entry in every index of the row (no HOT update). Lists by
        # state are narrowed by type, region or scope first (migration 0009).
        Index("ix_case_record_type", "type_key", "type_version"),
        Index("ix_case_record_region", "province_code", "regency_code"),
        {"postgresql_with": {"fillfactor": 80}},  # room on the page for those HOT updates
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    type_key: Mapped[str] = mapped_column(String(60))
    type_version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    # Subject: a school, or a unit (e.g. a B/BPMP's own programme).
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"), index=True)
    subject_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    # Owning B/BPMP unit and the region the case belongs to (drives scoping).
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"))
    regency_code: Mapped[str | None] = mapped_column(ForeignKey("regency.code"))
    assignee_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), index=True)
    assignee_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    state: Mapped[str] = mapped_column(String(60))
    state_entered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)
    is_paused: Mapped[bool] = mapped_column(Boolean, default=False)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    pause_reason: Mapped[str | None] = mapped_column(Text)

    school: Mapped[School | None] = relationship(foreign_keys=[school_id])
    subject_unit: Mapped[Unit | None] = relationship(foreign_keys=[subject_unit_id])
    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])
    assignee_user: Mapped[User | None] = relationship(foreign_keys=[assignee_user_id])
    assignee_unit: Mapped[Unit | None] = relationship(foreign_keys=[assignee_unit_id])

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class CaseDeadline(Base):
    """A timer for a case in its current state: a reminder ("due soon"), the due date, or the escalation.

    Rows exist only for the current visit of the current state: entering a new state rewrites them. The
    sweep claims ``status = 'pending' AND fire_at <= now`` through the partial index below and sets
    ``status = 'fired'`` in the same statement, so each row fires exactly once. Pausing a case moves its
    pending rows to ``paused`` (out of the index); resuming shifts their times and makes them pending again.
    """

    __tablename__ = "case_deadline"
    __table_args__ = (
        CheckConstraint(f"kind IN ({', '.join(repr(k) for k in DEADLINE_KINDS)})", name="kind"),
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in DEADLINE_STATUSES)})", name="status"),
        CheckConstraint("(status = 'fired') = (fired_at IS NOT NULL)", name="fired_at"),
        Index("ix_case_deadline_case_slot", "case_id", "slot", unique=True),
        Index(
            "ix_case_deadline_pending",
            "fire_at",
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"))
    # Position in the state's list of rows (``calendar.deadline_rows``): the next state's rows reuse the
    # rows in the same slots (an UPDATE in place writes fewer pages than DELETE + INSERT).
    slot: Mapped[int] = mapped_column(SmallInteger, default=0)
    state: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(12))
    # When the sweep should act on this row, and the state's actual deadline (for the message).
    fire_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    is_working_days: Mapped[bool] = mapped_column(Boolean, default=False)
    escalate_to_role: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(8), default="pending")
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CaseComment(Base):
    """A comment on a case (its sha256 goes into the audit event)."""

    __tablename__ = "case_comment"
    __table_args__ = (Index("ix_case_comment_case", "case_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    author: Mapped[User] = relationship()


class CaseEvidence(Base):
    """An evidence file on a case. The bytes live content-addressed (sha256) in settings.evidence_path."""

    __tablename__ = "case_evidence"
    __table_args__ = (
        UniqueConstraint("case_id", "sha256", name="case_sha256"),
        CheckConstraint("size_bytes > 0", name="size_bytes"),
        Index("ix_case_evidence_case", "case_id", "uploaded_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    # The state the case was in when uploaded, and the transition it was later attached to (if any).
    state: Mapped[str] = mapped_column(String(60))
    attached_trigger: Mapped[str | None] = mapped_column(String(60))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())

    uploaded_by: Mapped[User] = relationship()
