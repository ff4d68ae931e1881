"""The Revitalisasi selection as stored: the parameters of each programme year (set by Pusat), and every run
with the parameters and the inputs it used, its figures and each proposal's decision and reason. A
published run is frozen: its rows are never changed again (operations refuse; the publication, with its SK
and PKS numbers, is audited)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from spmp.accounts.models import User
from spmp.db import Base, UTCDateTime

RUN_STATES = {"draf": "Draf", "diterbitkan": "Diterbitkan"}


class SelectionSetting(Base):
    """The selection parameters of one programme year (``SelectionParams.to_dict()`` as JSON)."""

    __tablename__ = "revitalisasi_selection_setting"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    params: Mapped[str] = mapped_column(Text)
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    updated_by: Mapped[User] = relationship()


class SelectionRun(Base):
    """One run of the selection over the verified proposals of a year."""

    __tablename__ = "revitalisasi_selection_run"
    __table_args__ = (
        CheckConstraint("state IN ('draf', 'diterbitkan')", name="state"),
        CheckConstraint(
            "state = 'draf' OR (published_at IS NOT NULL AND sk_number IS NOT NULL AND pks_number IS NOT NULL)",
            name="published_with_numbers",
        ),
        # At most one published selection per programme year.
        Index(
            "uq_revitalisasi_selection_run_published",
            "year",
            unique=True,
            sqlite_where=text("state = 'diterbitkan'"),
            postgresql_where=text("state = 'diterbitkan'"),
        ),
        Index("ix_revitalisasi_selection_run_year", "year", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(12), default="draf")
    params: Mapped[str] = mapped_column(Text)  # the parameters used, as JSON
    summary: Mapped[str] = mapped_column(Text)  # SelectionResult.summary() as JSON
    solver_status: Mapped[str] = mapped_column(String(20))
    candidates: Mapped[int] = mapped_column(Integer)
    selected: Mapped[int] = mapped_column(Integer)
    objective: Mapped[float] = mapped_column(Float)
    greedy_objective: Mapped[float] = mapped_column(Float)
    lp_bound: Mapped[float] = mapped_column(Float)
    total_cost: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str | None] = mapped_column(String(300))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sk_number: Mapped[str | None] = mapped_column(String(100))
    pks_number: Mapped[str | None] = mapped_column(String(100))

    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])

    @property
    def is_published(self) -> bool:
        return self.state == "diterbitkan"

    @property
    def state_label(self) -> str:
        return RUN_STATES.get(self.state, self.state)


class SelectionItem(Base):
    """One proposal in one run: the inputs the run saw (so the run can be replayed and read after the
    proposal changed), its score with the points of each criterion, the optimal and greedy decisions and
    the reason in words."""

    __tablename__ = "revitalisasi_selection_item"
    __table_args__ = (
        Index("ix_revitalisasi_selection_item_rank", "run_id", "rank"),
        Index("ix_revitalisasi_selection_item_selected", "run_id", "selected", "rank"),
        Index("ix_revitalisasi_selection_item_regency", "run_id", "regency_code", "rank"),
        # Two runs compared proposal by proposal, and a run's proposals at publication: covering.
        Index("ix_revitalisasi_selection_item_proposal", "run_id", "proposal_id", "selected"),
        Index("ix_revitalisasi_selection_item_npsn", "run_id", "npsn"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("revitalisasi_selection_run.id", ondelete="CASCADE"))
    proposal_id: Mapped[int] = mapped_column(ForeignKey("revitalisasi_proposal.id"))
    # Inputs as the run saw them.
    npsn: Mapped[str] = mapped_column(String(8))
    school_name: Mapped[str] = mapped_column(String(200))
    regency_code: Mapped[str] = mapped_column(String(5))
    province_code: Mapped[str] = mapped_column(String(2))
    level: Mapped[str] = mapped_column(String(12))
    cost: Mapped[int] = mapped_column(BigInteger)
    damage_percent: Mapped[float] = mapped_column(Float)
    years_since_rehab: Mapped[int | None] = mapped_column(Integer)
    is_3t: Mapped[bool] = mapped_column(Boolean)
    is_disaster: Mapped[bool] = mapped_column(Boolean)
    pupils: Mapped[int] = mapped_column(Integer)
    # Outputs.
    score: Mapped[float] = mapped_column(Float)
    points_damage: Mapped[float] = mapped_column(Float)
    points_rehab: Mapped[float] = mapped_column(Float)
    points_3t: Mapped[float] = mapped_column(Float)
    points_disaster: Mapped[float] = mapped_column(Float)
    points_level: Mapped[float] = mapped_column(Float)
    points_pupils: Mapped[float] = mapped_column(Float)
    rank: Mapped[int] = mapped_column(Integer)
    selected: Mapped[bool] = mapped_column(Boolean)
    greedy_selected: Mapped[bool] = mapped_column(Boolean)
    reason_code: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(Text)

    @property
    def points(self) -> tuple[float, ...]:
        return (self.points_damage, self.points_rehab, self.points_3t, self.points_disaster, self.points_level,
                self.points_pupils)  # fmt: skip


POINT_COLUMNS = (
    "points_damage",
    "points_rehab",
    "points_3t",
    "points_disaster",
    "points_level",
    "points_pupils",
)
